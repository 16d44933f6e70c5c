/* repo_remote.c - the replica's remote: the origin URL, fetch (network
 * fetches through a staging repository), push, and pushing to another URL
 * (seeding), with libgit2's failures classified into our codes.
 *
 * Exports ps_repo_set_cancel, ps_repo_set_remote, ps_repo_fetch,
 * ps_repo_refs_ahead and ps_repo_fetch_ahead (a directory remote's refs
 * read on a thread while the cycle exports and pushes), ps_repo_push,
 * ps_repo_push_to. URLs are checked by repo_url.c. A remote that is a
 * directory goes through pathremote.c, a network one through libgit2 with
 * auth.c's callbacks; all per-connection state lives in the callback
 * payload (struct conn). Never reads or writes SQLite. Over 600 lines on
 * purpose: every network transfer (fetch, staging, push with its lease, seed)
 * shares struct conn and the one classification of libgit2's failures. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plansync/error.h"
#include "plansync/repo_global.h"
#include "auth.h"
#include "pathremote.h"
#include "repo.h"

#define FETCH_SPEC "+refs/heads/replicas/*:refs/remotes/origin/replicas/*"

/* Module-level on purpose: the one signal flag of the process (the
 * daemon's SIGTERM), set once by the executable before any transfer and only
 * read here; per-connection state is in struct conn. */
static volatile sig_atomic_t *cancel_flag;

void ps_repo_set_cancel(volatile sig_atomic_t *flag)
{
	cancel_flag = flag;
}

static int cancelled(void)
{
	return cancel_flag && *cancel_flag;
}

/* For a local remote, make sure it is a bare repository before we rely on it. */
static int check_local_remote(const char *url)
{
	char path[4096];
	int rc = ps_repo_url_check(url);
	if (rc)
		return rc;
	if (!ps_repo_url_path(url, path, sizeof(path)))
		return 0; /* checked when used */
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ps_error_set(PS_ENOREMOTEPATH, "remote %s does not exist; create it with 'git init --bare %s'",
		                    url, path);
	git_repository *r = NULL;
	if (git_repository_open_ext(&r, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return ps_error_set(
		    PS_EINVALID, "remote %s is not a Git repository; create one with 'git init --bare %s'", url, path);
	int bare = git_repository_is_bare(r);
	git_repository_free(r);
	if (!bare)
		return ps_error_set(PS_EINVALID,
		                    "remote %s is a Git work tree, not a bare repository; use 'git init --bare' for "
		                    "the shared repository",
		                    url);
	return 0;
}

int ps_repo_set_remote(git_repository *repo, const char *url)
{
	int rc = check_local_remote(url);
	if (rc)
		return rc;
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo, "origin") == 0) {
		git_remote_free(remote);
		if (git_remote_set_url(repo, "origin", url) < 0)
			return ps_repo_error(PS_EINVALID, "cannot set the remote");
		return 0;
	}
	if (git_remote_create_with_fetchspec(&remote, repo, "origin", url, FETCH_SPEC) < 0)
		return ps_repo_error(PS_EINVALID, "cannot set the remote");
	git_remote_free(remote);
	return 0;
}

/* One network connection: the payload of every libgit2 callback of a fetch
 * or a push. libgit2 has one payload pointer for all callbacks, so auth.c's
 * state is the first member and its callbacks read the payload as that. */
struct conn {
	ps_auth_conn auth; /* first: see above */
	ps_progress_fn fn;
	void *ctx;
	char msg[256]; /* the server's refusal of a ref (push) */
	int rejected;
	bool seed; /* pushing to another URL (seeding): nothing is queued */
};

static int on_transfer(const git_indexer_progress *st, void *payload)
{
	struct conn *c = payload;
	assert(c);
	if (cancelled())
		return -1;
	if (c->fn && st->total_objects)
		c->fn(c->ctx, "objects received", (long)st->received_objects, (long)st->total_objects);
	return 0;
}

static int on_push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	return cancelled() ? -1 : 0;
}

static int on_push_ref(const char *refname, const char *status, void *payload)
{
	struct conn *c = payload;
	assert(c);
	if (status) {
		c->rejected = 1;
		snprintf(c->msg, sizeof(c->msg), "%s: %s", refname, status);
	}
	return 0;
}

static void conn_init(struct conn *c, const ps_auth *auth, ps_progress_fn fn, void *ctx)
{
	memset(c, 0, sizeof(*c));
	if (auth)
		c->auth.cfg = *auth;
	c->fn = fn;
	c->ctx = ctx;
}

/* Before each connection to url: fresh per-connection state (the settings
 * stay), our callbacks on cb, c as their payload. */
static void conn_callbacks(struct conn *c, git_remote_callbacks *cb, const char *url)
{
	assert(c && cb && url);
	ps_auth cfg = c->auth.cfg;
	ps_auth_conn_init(&c->auth, &cfg, url);
	ps_auth_tls_trust(&c->auth); /* a refusal is recorded in c->auth */
	c->msg[0] = '\0';
	c->rejected = 0;
	ps_auth_callbacks(cb);
	cb->transfer_progress = on_transfer;
	cb->push_transfer_progress = on_push_progress;
	cb->push_update_reference = on_push_ref;
	cb->payload = c;
}

/* One code per kind of failure, decided first by what libgit2 returns and
 * the class of its last error, and only then, inside a class, by words:
 * a URL plansync cannot use -> PS_EOFFLINE saying so (not "unreachable");
 * credentials or host key refused (our callbacks' record, GIT_EAUTH,
 * GIT_ECERTIFICATE) -> PS_EAUTH; the connection itself (GIT_ERROR_NET,
 * GIT_ERROR_OS: the name does not resolve, nothing listens) -> PS_EOFFLINE
 * "host unreachable", whatever the host's name holds; the server's answer
 * (GIT_ERROR_HTTP, GIT_ERROR_SSH, a "remote error" packet) -> PS_EAUTH or
 * PS_ENOREMOTEPATH by its status or words; anything else -> PS_EOFFLINE
 * with libgit2's words. c->seed: no "changes stay queued" (a seed queues
 * nothing). */
static int net_error(const struct conn *c, const char *what, int gitrc, const char *url)
{
	const char *queued = c->seed ? "" : "; changes stay queued and go out on a later sync";
	if (ps_repo_url_check(url))
		return ps_error_set(PS_EOFFLINE,
		                    "%s: the remote \"%s\" is not a URL plansync can use; set another with "
		                    "'plansync config remote URL' (%s)",
		                    what, url, PS_REPO_URL_FORMS);
	int rc = ps_auth_failure(&c->auth);
	if (rc)
		return rc;
	const git_error *e = git_error_last();
	int klass = e ? e->klass : GIT_ERROR_NONE;
	char m[600];
	snprintf(m, sizeof(m), "%s", e && e->message ? e->message : "unknown error");
	for (char *p = m; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	for (size_t n = strlen(m); n && m[n - 1] == ' '; n--)
		m[n - 1] = '\0';
	if (gitrc == GIT_ECERTIFICATE || (klass == GIT_ERROR_SSL && strstr(m, "certificate")))
		return ps_auth_tls_refusal(&c->auth, what, m);
	if (gitrc == GIT_EAUTH)
		return ps_error_set(PS_EAUTH, "%s: authentication refused by %s (%s); check the key or the credentials",
		                    what, url, m);
	/* libgit2 relays an error packet of the server under GIT_ERROR_NET
	 * with this prefix: the server's answer, not the connection. */
	bool server = klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSH ||
	              (klass == GIT_ERROR_NET && !strncmp(m, "remote error", 12));
	if ((klass == GIT_ERROR_NET || klass == GIT_ERROR_OS) && !server) {
		/* libgit2 1.5's socket stream: "failed to resolve address for HOST" */
		if (strstr(m, "resolve"))
			return ps_error_set(
			    PS_EOFFLINE,
			    "%s: host unreachable: the host name in %s could not be resolved (%s); check "
			    "its spelling and the network%s",
			    what, url, m, queued);
		return ps_error_set(PS_EOFFLINE, "%s: host unreachable (%s)%s", what, m, queued);
	}
	/* libgit2 has no class for these: over SSH the server's git says so
	 * in words on stderr, over HTTP libgit2 reports the status code (401
	 * when it gives up asking without returning GIT_EAUTH, 404). */
	if (server && (strstr(m, "authentication") || strstr(m, "Authentication") || strstr(m, "401")))
		return ps_error_set(PS_EAUTH, "%s: authentication refused by %s (%s); check the key or the credentials",
		                    what, url, m);
	if (server && (strstr(m, "does not appear to be a git repository") || strstr(m, "not found") ||
	               strstr(m, "404") || strstr(m, "No such file") || strstr(m, "could not find repository")))
		return ps_error_set(PS_ENOREMOTEPATH,
		                    "%s: no Git repository at %s (%s); check the path with the server's administrator",
		                    what, url, m);
	return ps_error_set(PS_EOFFLINE, "%s: %s%s", what, m, queued);
}

/* A local remote that is missing is "offline" (an unplugged USB stick),
 * said in words rather than libgit2's "unsupported URL protocol". */
static int local_remote_missing(git_remote *remote)
{
	const char *url = git_remote_url(remote);
	if (!url || check_local_remote(url) != PS_ENOREMOTEPATH)
		return 0;
	ps_error_set(
	    PS_EOFFLINE,
	    "the remote %s is not there (unmounted disk or USB stick?); changes stay queued and go out on a later sync",
	    url);
	return 1;
}

/* The origin remote, present and (if local) reachable. */
static int origin(git_repository *repo, git_remote **out)
{
	if (git_remote_lookup(out, repo, "origin") < 0)
		return ps_error_set(PS_ENOREMOTE, "no remote is set; run 'plansync config remote PATH-OR-URL'");
	if (local_remote_missing(*out)) {
		git_remote_free(*out);
		*out = NULL;
		return PS_EOFFLINE;
	}
	return 0;
}

/* Failures of the network itself, by libgit2's error class: these say
 * nothing about any one branch. */
static int network_class(const struct conn *c)
{
	const git_error *e = git_error_last();
	int k = e ? e->klass : GIT_ERROR_NONE;
	return k == GIT_ERROR_NET || k == GIT_ERROR_SSH || k == GIT_ERROR_HTTP || k == GIT_ERROR_SSL ||
	       k == GIT_ERROR_CALLBACK || k == GIT_ERROR_OS || c->auth.code;
}

/* One fetch on c (started by the caller; its progress goes to c->fn). */
static int fetch_specs(git_remote *remote, struct conn *c, char **spec, size_t n, bool prune)
{
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	conn_callbacks(c, &fo.callbacks, git_remote_url(remote));
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE;
	git_strarray specs = {spec, n};
	git_error_clear();
	return git_remote_fetch(remote, &specs, &fo, "plansync: fetch");
}

/* Every commit in ref that before (may be NULL) lacks parses. */
static bool commits_parse(git_repository *repo, const char *ref, const git_oid *before)
{
	git_revwalk *w = NULL;
	git_oid id;
	bool ok = git_revwalk_new(&w, repo) == 0 && git_revwalk_push_ref(w, ref) == 0 &&
	          (!before || git_revwalk_hide(w, before) == 0);
	int e = 0;
	while (ok && (e = git_revwalk_next(&id, w)) == 0) {
		git_commit *c = NULL;
		ok = git_commit_lookup(&c, repo, &id) == 0;
		git_commit_free(c);
	}
	ok = ok && e == GIT_ITEROVER;
	git_revwalk_free(w);
	return ok;
}

/* The combined fetch failed for a reason that is not the network: fetch
 * branch by branch so that the bad one is isolated and the rest arrive. */
static int fetch_each(git_remote *remote, struct conn *c, git_repository *repo, const char *prefix, ps_refbad_fn bad,
                      void *badctx)
{
	git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
	conn_callbacks(c, &cb, git_remote_url(remote));
	int g = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL);
	if (g < 0)
		return net_error(c, "fetch failed", g, git_remote_url(remote));
	const git_remote_head **heads = NULL;
	size_t nh = 0;
	if ((g = git_remote_ls(&heads, &nh, remote)) < 0) {
		git_remote_disconnect(remote);
		return net_error(c, "fetch failed", g, git_remote_url(remote));
	}
	char **names = calloc(nh ? nh : 1, sizeof(char *));
	git_oid *ids = calloc(nh ? nh : 1, sizeof(git_oid));
	size_t n = 0;
	int rc = names && ids ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; i < nh && !rc; i++)
		if (strncmp(heads[i]->name, PS_OWN_REF_PREFIX, strlen(PS_OWN_REF_PREFIX)) == 0) {
			if (!(names[n] = strdup(heads[i]->name)))
				rc = ps_error_set(PS_ENOMEM, "out of memory");
			else
				ids[n++] = heads[i]->oid;
		}
	git_remote_disconnect(remote);
	for (size_t i = 0; i < n && !rc; i++) {
		char spec[700];
		snprintf(spec, sizeof(spec), "+%s:%s%s", names[i], prefix, names[i] + strlen(PS_OWN_REF_PREFIX));
		char *sp[] = {spec}, track[700];
		snprintf(track, sizeof(track), "%s%s", prefix, names[i] + strlen(PS_OWN_REF_PREFIX));
		git_oid before;
		int had = git_reference_name_to_id(&before, repo, track) == 0;
		g = fetch_specs(remote, c, sp, 1, false);
		if (g == 0 && !commits_parse(repo, track, had ? &before : NULL)) {
			/* fetched, but its new commits cannot be parsed: no ref here may
			 * name them, or every later fetch's negotiation fails */
			git_reference *gr = NULL;
			if (had)
				git_reference_create(&gr, repo, track, &before, 1,
				                     "plansync: unparseable commits refused");
			else if (git_reference_lookup(&gr, repo, track) == 0)
				git_reference_delete(gr);
			git_reference_free(gr);
			g = -1;
		}
		if (g < 0) {
			if (network_class(c)) {
				rc = net_error(c, "fetch failed", g, git_remote_url(remote));
				break;
			}
			char hex[GIT_OID_HEXSZ + 1], why[600];
			git_oid_tostr(hex, sizeof(hex), &ids[i]);
			snprintf(why, sizeof(why), "%s",
			         git_error_last() ? git_error_last()->message : "unknown error");
			if (bad)
				rc = bad(badctx, names[i] + strlen("refs/heads/"), hex, why);
		}
	}
	/* prune what the remote no longer lists */
	git_reference_iterator *it = NULL;
	char glob[300];
	snprintf(glob, sizeof(glob), "%s*", prefix);
	if (!rc && git_reference_iterator_glob_new(&it, repo, glob) == 0) {
		git_reference *ref;
		while (git_reference_next(&ref, it) == 0) {
			const char *rest = git_reference_name(ref) + strlen(prefix);
			size_t i;
			for (i = 0; i < n && strcmp(names[i] + strlen(PS_OWN_REF_PREFIX), rest); i++)
				;
			if (i == n)
				git_reference_delete(ref);
			git_reference_free(ref);
		}
		git_reference_iterator_free(it);
	}
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	free(ids);
	return rc;
}

/* A network fetch lands in a staging repository inside repo.git
 * (plansync-fetch.git, its refs/heads/replicas/... mirroring the remote's),
 * and only what our own walk validates moves on into the replica's
 * repository (pathremote.c), as git's receive-pack quarantines a push. So
 * no object that libgit2 cannot parse ever enters repo.git, where its push
 * would walk it and fail for every branch, and a blob over the cap stays
 * behind. */
struct staged_bad {
	git_repository *staging;
	ps_refbad_fn bad;
	void *ctx;
};

static int on_staged_bad(void *ctx, const char *branch, const char *hex, const char *reason)
{
	struct staged_bad *sb = ctx;
	char ref[600];
	git_reference *gr = NULL;
	snprintf(ref, sizeof(ref), "refs/heads/%s", branch);
	/* no ref in staging may name what does not parse: its next fetch's
	 * negotiation would walk it and fail */
	if (git_reference_lookup(&gr, sb->staging, ref) == 0)
		git_reference_delete(gr);
	git_reference_free(gr);
	return sb->bad ? sb->bad(sb->ctx, branch, hex, reason) : 0;
}

static void drop_refs(git_repository *repo, const char *glob)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	if (git_reference_iterator_glob_new(&it, repo, glob) < 0)
		return;
	while (git_reference_next(&ref, it) == 0) {
		git_reference_delete(ref);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
}

/* Remove path and everything under it (the staging cache; no symlinks
 * are followed). 0, or -1 with errno. */
static int fetch_network(git_repository *repo, const ps_auth *auth, const char *url, bool deep, ps_refbad_fn bad,
                         void *badctx, ps_progress_fn progress, void *ctx)
{
	struct conn c;
	conn_init(&c, auth, progress, ctx);
	char path[4200];
	snprintf(path, sizeof(path), "%splansync-fetch.git", git_repository_path(repo));
	/* A deep fetch trusts nothing kept: staging is only a cache. */
	if (deep && ps_repo_rm_rf(path) != 0)
		return ps_error_set(PS_ERROR, "cannot clear %s: %s", path, strerror(errno));
	git_repository *st = NULL;
	git_remote *remote = NULL;
	struct stat sb;
	int rc = 0;
	if ((stat(path, &sb) == 0 ? git_repository_open_bare(&st, path) : git_repository_init(&st, path, 1)) < 0)
		return ps_repo_error(PS_ERROR, "opening the fetch staging repository in repo.git");
	if (git_remote_lookup(&remote, st, "origin") == 0) {
		if (strcmp(git_remote_url(remote), url) != 0) {
			git_remote_free(remote);
			remote = NULL;
			if (git_remote_set_url(st, "origin", url) < 0 || git_remote_lookup(&remote, st, "origin") < 0)
				rc = ps_repo_error(PS_ERROR, "setting the remote of the fetch staging repository");
		}
	} else if (git_remote_create_with_fetchspec(&remote, st, "origin", url,
	                                            "+refs/heads/replicas/*:refs/heads/replicas/*") < 0) {
		rc = ps_repo_error(PS_ERROR, "setting the remote of the fetch staging repository");
	}
	if (rc)
		goto out;
	char *spec[] = {"+refs/heads/replicas/*:refs/heads/replicas/*"};
	int g = fetch_specs(remote, &c, spec, 1, true); /* a deleted branch disappears; import reports it */
	if (g < 0 && !cancelled() && !network_class(&c)) {
		ps_log(PS_LOG_WARN, "fetch failed (%s); fetching branch by branch",
		       git_error_last() ? git_error_last()->message : "unknown error");
		/* a ref here may name what does not parse: start the refs afresh
		 * (the objects stay, so little is fetched again) */
		drop_refs(st, PS_OWN_REF_PREFIX "*");
		rc = fetch_each(remote, &c, st, PS_OWN_REF_PREFIX, bad, badctx);
	} else if (g < 0) {
		rc = net_error(&c, "fetch failed", g, url);
	}
	if (!rc) {
		struct staged_bad sbad = {st, bad, badctx};
		rc = ps_pathremote_fetch(repo, path, deep, on_staged_bad, &sbad, cancel_flag, progress, ctx);
	}
out:
	git_remote_free(remote);
	git_repository_free(st);
	return rc;
}

int ps_repo_refs_ahead(git_repository *repo, ps_refs_prefetch **out)
{
	*out = NULL;
	git_remote *remote = NULL;
	char path[4096], stamps[4200];
	int rc = 0;
	/* the stamps of the remote's ref files as read last time (refcache.c):
	 * a file still the same is not opened again */
	snprintf(stamps, sizeof(stamps), "%splansync-remote-refs", git_repository_path(repo));
	if (git_remote_lookup(&remote, repo, "origin") == 0 &&
	    ps_repo_url_path(git_remote_url(remote), path, sizeof(path)))
		rc = ps_refs_prefetch_start(out, path, PS_OWN_REF_PREFIX, stamps);
	git_remote_free(remote);
	return rc;
}

/* Our branch own, and each name above it under refs/heads/replicas/,
 * read again into l: the push moved our branch, and may have moved aside
 * a junk ref file standing where its directory goes (refwrite.c). */
static int refresh_own(ps_reflist *l, const char *path, const char *own)
{
	char up[600];
	int rc = 0;
	for (const char *sl = own + strlen(PS_OWN_REF_PREFIX); !rc && (sl = strchr(sl, '/')); sl++) {
		snprintf(up, sizeof(up), "%.*s", (int)(sl - own), own);
		rc = ps_reflist_refresh(l, path, PS_OWN_REF_PREFIX, up);
	}
	return rc ? rc : ps_reflist_refresh(l, path, PS_OWN_REF_PREFIX, own);
}

int ps_repo_fetch(git_repository *repo, const ps_auth *auth, bool deep, ps_refbad_fn bad, void *badctx,
                  ps_progress_fn progress, void *ctx)
{
	return ps_repo_fetch_ahead(repo, auth, deep, bad, badctx, progress, ctx, NULL, NULL);
}

int ps_repo_fetch_ahead(git_repository *repo, const ps_auth *auth, bool deep, ps_refbad_fn bad, void *badctx,
                        ps_progress_fn progress, void *ctx, ps_refs_prefetch *ahead, const char *own)
{
	assert(repo);
	git_remote *remote = NULL;
	int rc = origin(repo, &remote);
	if (rc)
		return rc;
	char path[4096];
	if (ps_repo_url_path(git_remote_url(remote), path, sizeof(path))) {
		/* Read ahead from this very directory (the remote is still the one
		 * read), with our own branch, moved since by the push, read again:
		 * as if every ref had been read at one instant before the fetch. */
		ps_reflist rl = {0}, *read = NULL;
		if (ahead && !strcmp(ps_refs_prefetch_gitdir(ahead), path) && ps_refs_is_gitdir(path)) {
			/* path is still the repository libgit2 opens for it (else
			 * path/.git, whose refs were not the ones read) */
			rc = ps_refs_prefetch_take(&rl, ahead);
			if (rc == PS_ENOTFOUND) /* no repository there then (a disk plugged in since) */
				rc = 0;
			else if (!rc && (read = &rl) && own)
				rc = refresh_own(&rl, path, own);
		}
		if (!rc)
			rc = ps_pathremote_fetch_refs(repo, path, read, deep, bad, badctx, cancel_flag, progress, ctx);
		ps_reflist_free(&rl);
	} else
		rc = fetch_network(repo, auth, git_remote_url(remote), deep, bad, badctx, progress, ctx);
	git_remote_free(remote);
	return rc;
}

/* A push with a lease: the remote's refname must still be over, else
 * PS_EREJECTED. libgit2 has no compare-and-swap for a network push, so the
 * remote is listed just before; a move in between is the server's to
 * refuse (gitolite refuses every rewind anyway). */
static int lease_holds(git_remote *remote, struct conn *c, const char *refname, const git_oid *over)
{
	git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
	conn_callbacks(c, &cb, git_remote_url(remote));
	int g = git_remote_connect(remote, GIT_DIRECTION_PUSH, &cb, NULL, NULL);
	const git_remote_head **heads = NULL;
	size_t nh = 0;
	if (g < 0 || (g = git_remote_ls(&heads, &nh, remote)) < 0) {
		git_remote_disconnect(remote);
		return net_error(c, "push failed", g, git_remote_url(remote));
	}
	bool holds = false;
	for (size_t i = 0; i < nh; i++)
		holds |= strcmp(heads[i]->name, refname) == 0 && git_oid_equal(&heads[i]->oid, over);
	git_remote_disconnect(remote);
	return holds ? 0
	             : ps_error_set(PS_EREJECTED,
	                            "the shared repository's %s moved since this replica read it; changes stay "
	                            "queued and the next sync looks again",
	                            refname + strlen("refs/heads/"));
}

int ps_repo_push(git_repository *repo, const ps_auth *auth, const char *refname, const git_oid *over)
{
	assert(repo && refname);
	git_remote *remote = NULL;
	int orc = origin(repo, &remote);
	if (orc)
		return orc;
	char path[4096];
	if (ps_repo_url_path(git_remote_url(remote), path, sizeof(path))) {
		orc = ps_pathremote_push(repo, path, refname, refname, over, cancel_flag);
		if (orc == PS_EINVALID) /* our own branch not whole here: not the input's fault */
			orc = ps_error_set(PS_ERROR, "%s", ps_error_last());
		git_remote_free(remote);
		return orc;
	}
	char spec[512];
	snprintf(spec, sizeof(spec), "%s%s:%s", over ? "+" : "", refname, refname);
	char *sp[] = {spec};
	git_strarray specs = {sp, 1};
	struct conn c;
	conn_init(&c, auth, NULL, NULL);
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	int rc = over ? lease_holds(remote, &c, refname, over) : 0, g;
	conn_callbacks(&c, &po.callbacks, git_remote_url(remote));
	if (rc) {
		/* the lease is broken, or the remote was not reached */
	} else if ((g = git_remote_push(remote, &specs, &po)) < 0) {
		const git_error *e = git_error_last();
		/* A refusal has no class of its own: GIT_ENONFASTFORWARD when
		 * libgit2 sees it, else the server's words in the message. */
		if (!c.auth.code &&
		    (g == GIT_ENONFASTFORWARD ||
		     (e && e->message &&
		      (strstr(e->message, "non-fast-forward") || strstr(e->message, "non-fastforward") ||
		       strstr(e->message, "rejected") || strstr(e->message, "hook declined")))))
			rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s); changes stay queued",
			                  e->message);
		else
			rc = net_error(&c, "push failed", g, git_remote_url(remote));
	} else if (c.rejected) {
		rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s); changes stay queued", c.msg);
	}
	git_remote_free(remote);
	return rc;
}

/* A seed queues nothing: a path remote's words, written for a sync, lose
 * their "changes stay queued" clause. Returns rc. */
static int seed_error(int rc)
{
	static const char *const clause[] = {"; changes stay queued and go out on a later sync",
	                                     "; changes stay queued"};
	char m[1024];
	snprintf(m, sizeof(m), "%s", ps_error_last());
	for (size_t i = 0; i < sizeof(clause) / sizeof(*clause); i++) {
		char *at = strstr(m, clause[i]);
		if (at) {
			memmove(at, at + strlen(clause[i]), strlen(at + strlen(clause[i])) + 1);
			return ps_error_set(rc, "%s", m);
		}
	}
	return rc;
}

int ps_repo_push_to(git_repository *repo, const ps_auth *auth, const char *url, const char *const *src,
                    const char *const *dst, size_t n, ps_refbad_fn bad, void *badctx)
{
	assert(repo && url && (src || !n) && (dst || !n));
	char path[4096];
	int rc = check_local_remote(url);
	if (rc)
		return rc;
	if (ps_repo_url_path(url, path, sizeof(path))) {
		for (size_t i = 0; i < n && !rc; i++) {
			int e = ps_pathremote_push(repo, path, src[i], dst[i], NULL, cancel_flag);
			if (e)
				seed_error(e);
			/* refused there, or not whole here (a file the fetch left
			 * out): that branch is named, the others go on */
			if ((e == PS_EREJECTED || e == PS_EINVALID) && bad)
				rc = bad(badctx, dst[i] + strlen("refs/heads/"), "", ps_error_last());
			else
				rc = e;
		}
		return rc;
	}
	git_remote *remote = NULL;
	if (git_remote_create_anonymous(&remote, repo, url) < 0)
		return ps_repo_error(PS_EINVALID, "cannot use that remote URL");
	char **specs = calloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; specs && i < n; i++) {
		size_t l = strlen(src[i]) + strlen(dst[i]) + 2;
		if ((specs[i] = malloc(l)))
			snprintf(specs[i], l, "%s:%s", src[i], dst[i]);
		else
			rc = ps_error_set(PS_ENOMEM, "out of memory");
	}
	if (!specs)
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	struct conn c;
	conn_init(&c, auth, NULL, NULL);
	c.seed = true;
	if (!rc) {
		git_strarray sa = {specs, n};
		git_push_options po = GIT_PUSH_OPTIONS_INIT;
		conn_callbacks(&c, &po.callbacks, url);
		int g = git_remote_push(remote, &sa, &po);
		if (g < 0)
			rc = net_error(&c, "push failed", g, url);
		else if (c.rejected)
			rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s)", c.msg);
	}
	for (size_t i = 0; specs && i < n; i++)
		free(specs[i]);
	free(specs);
	git_remote_free(remote);
	return rc;
}
