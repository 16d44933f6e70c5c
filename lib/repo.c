/* repo.c - the Git side through libgit2: init, trees along changed paths,
 * the origin remote, fetch, push, and a tree diff that reports only what
 * was added and refuses everything else.
 *
 * Knows nothing of changes or SQLite. Writes objects with fsync (set once
 * in ps_repo_global_init). Never walks a whole tree: unchanged subtrees are
 * skipped by object id on both the write and the read side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/stat.h>
#include "plansync/repo.h"
#include "plansync/auth.h"
#include "plansync/error.h"

#define FETCH_SPEC "+refs/heads/replicas/*:refs/remotes/origin/replicas/*"

static volatile sig_atomic_t *cancel_flag;

void ps_repo_set_cancel(volatile sig_atomic_t *flag)
{
	cancel_flag = flag;
}

static int cancelled(void)
{
	return cancel_flag && *cancel_flag;
}

int ps_repo_global_init(void)
{
	static int done;
	if (done)
		return 0;
	if (git_libgit2_init() < 0)
		return ps_error_set(PS_ERROR, "cannot initialise libgit2");
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/* A shared bare repository on a USB stick or a network share is often
	 * owned by another user; plansync reads it as data, never runs hooks. */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	done = 1;
	return 0;
}

int ps_repo_error(int code, const char *what)
{
	const git_error *e = git_error_last();
	return ps_error_set(code, "%s: %s", what, e && e->message ? e->message : "unknown Git error");
}

int ps_repo_init(git_repository **out, const char *path)
{
	int rc = ps_repo_global_init();
	if (rc)
		return rc;
	if (git_repository_init(out, path, 1) < 0)
		return ps_repo_error(PS_ERROR, "cannot create the Git repository");
	return 0;
}

int ps_repo_open(git_repository **out, const char *path)
{
	int rc = ps_repo_global_init();
	if (rc)
		return rc;
	if (git_repository_open_bare(out, path) < 0)
		return ps_repo_error(PS_ERROR, "cannot open the replica's Git repository");
	return 0;
}

static int tree_add_rec(git_oid *out, git_repository *repo, const git_tree *base,
			ps_tree_add *adds, size_t n, size_t off)
{
	git_treebuilder *tb = NULL;
	if (git_treebuilder_new(&tb, repo, base) < 0)
		return ps_repo_error(PS_ERROR, "building a tree");
	int rc = 0;
	size_t i = 0;
	while (i < n && !rc) {
		const char *rel = adds[i].path + off;
		const char *slash = strchr(rel, '/');
		if (!slash) {
			if (git_treebuilder_insert(NULL, tb, rel, &adds[i].blob, GIT_FILEMODE_BLOB) < 0)
				rc = ps_repo_error(PS_ERROR, "adding a file to a tree");
			i++;
			continue;
		}
		size_t len = (size_t)(slash - rel) + 1;
		size_t j = i + 1;
		while (j < n && strncmp(adds[j].path + off, rel, len) == 0)
			j++;
		char name[256];
		if (len > sizeof(name)) {
			rc = ps_error_set(PS_EINVALID, "path component too long");
			break;
		}
		memcpy(name, rel, len - 1);
		name[len - 1] = '\0';
		git_tree *sub = NULL;
		const git_tree_entry *e = base ? git_tree_entry_byname(base, name) : NULL;
		if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0) {
			rc = ps_repo_error(PS_ERROR, "reading a tree");
			break;
		}
		git_oid sid;
		rc = tree_add_rec(&sid, repo, sub, adds + i, j - i, off + len);
		git_tree_free(sub);
		if (!rc && git_treebuilder_insert(NULL, tb, name, &sid, GIT_FILEMODE_TREE) < 0)
			rc = ps_repo_error(PS_ERROR, "adding a tree");
		i = j;
	}
	if (!rc && git_treebuilder_write(out, tb) < 0)
		rc = ps_repo_error(PS_ERROR, "writing a tree");
	git_treebuilder_free(tb);
	return rc;
}

int ps_repo_tree_add(git_oid *out, git_repository *repo, const git_tree *base,
		     ps_tree_add *adds, size_t n)
{
	return tree_add_rec(out, repo, base, adds, n, 0);
}

/* For a local remote, make sure it is a bare repository before we rely on it. */
static int check_local_remote(const char *url)
{
	const char *path = url;
	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://") || (strchr(url, ':') && !strchr(url, '/')) ||
		 (strchr(url, ':') && strchr(url, ':') < strchr(url, '/')))
		return 0; /* network URL or scp-style: checked when used */
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ps_error_set(PS_ENOTFOUND, "remote %s does not exist; create it with 'git init --bare %s'", url, path);
	git_repository *r = NULL;
	if (git_repository_open_ext(&r, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return ps_error_set(PS_EINVALID, "remote %s is not a Git repository; create one with 'git init --bare %s'", url, path);
	int bare = git_repository_is_bare(r);
	git_repository_free(r);
	if (!bare)
		return ps_error_set(PS_EINVALID, "remote %s is a Git work tree, not a bare repository; use 'git init --bare' for the shared repository", url);
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

int ps_repo_probe_remote(git_repository *repo, const char *url)
{
	return check_local_remote(url);
}

struct xfer {
	ps_progress_fn fn;
	void *ctx;
};

static int on_transfer(const git_indexer_progress *st, void *payload)
{
	struct xfer *x = payload;
	if (cancelled())
		return -1;
	if (x->fn && st->total_objects)
		x->fn(x->ctx, "objects received", (long)st->received_objects, (long)st->total_objects);
	return 0;
}

/* One message per kind of failure: unreachable, refused credentials or
 * host key, repository not found, anything else. */
static int net_error(const char *what, int gitrc, const char *url)
{
	int rc = ps_auth_failure();
	if (rc)
		return rc;
	const git_error *e = git_error_last();
	char m[600];
	snprintf(m, sizeof(m), "%s", e && e->message ? e->message : "unknown error");
	for (char *c = m; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	for (size_t n = strlen(m); n && m[n - 1] == ' '; n--)
		m[n - 1] = '\0';
	if (gitrc == GIT_EAUTH || strstr(m, "authentication") || strstr(m, "Authentication") || strstr(m, "401"))
		return ps_error_set(PS_EREJECTED, "%s: authentication refused by %s (%s); check the key or the credentials", what, url, m);
	if (strstr(m, "does not appear to be a git repository") || strstr(m, "not found") || strstr(m, "404") ||
	    strstr(m, "No such file") || strstr(m, "could not find repository"))
		return ps_error_set(PS_ENOTFOUND, "%s: no Git repository at %s (%s); check the path with the server's administrator", what, url, m);
	if (strstr(m, "connect") || strstr(m, "resolve") || strstr(m, "timed out") || strstr(m, "unreachable") ||
	    strstr(m, "Connection") || strstr(m, "refused"))
		return ps_error_set(PS_EOFFLINE, "%s: host unreachable (%s); changes stay queued and go out on a later sync", what, m);
	return ps_error_set(PS_EOFFLINE, "%s: %s; changes stay queued and go out on a later sync", what, m);
}

/* A local remote that is missing is "offline" (an unplugged USB stick),
 * said in words rather than libgit2's "unsupported URL protocol". */
static int local_remote_missing(git_remote *remote)
{
	const char *url = git_remote_url(remote);
	if (!url || check_local_remote(url) != PS_ENOTFOUND)
		return 0;
	ps_error_set(PS_EOFFLINE, "the remote %s is not there (unmounted disk or USB stick?); changes stay queued and go out on a later sync", url);
	return 1;
}

int ps_repo_fetch(git_repository *repo, ps_progress_fn progress, void *ctx)
{
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo, "origin") < 0)
		return ps_error_set(PS_ENOTFOUND, "no remote is set; run 'plansync config remote PATH-OR-URL'");
	if (local_remote_missing(remote)) {
		git_remote_free(remote);
		return PS_EOFFLINE;
	}
	struct xfer x = {progress, ctx};
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	fo.callbacks.transfer_progress = on_transfer;
	fo.callbacks.payload = &x;
	ps_auth_callbacks(&fo.callbacks, git_remote_url(remote));
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.prune = GIT_FETCH_PRUNE; /* a deleted branch disappears here; import reports it */
	char *spec[] = {FETCH_SPEC};
	git_strarray specs = {spec, 1};
	int rc = 0, g;
	if ((g = git_remote_fetch(remote, &specs, &fo, "plansync: fetch")) < 0)
		rc = net_error("fetch failed", g, git_remote_url(remote));
	git_remote_free(remote);
	return rc;
}

struct push_status {
	char msg[256];
	int rejected;
};

static int on_push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	return cancelled() ? -1 : 0;
}

static int on_push_ref(const char *refname, const char *status, void *data)
{
	struct push_status *ps = data;
	if (status) {
		ps->rejected = 1;
		snprintf(ps->msg, sizeof(ps->msg), "%s: %s", refname, status);
	}
	return 0;
}

int ps_repo_push(git_repository *repo, const char *refname)
{
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo, "origin") < 0)
		return ps_error_set(PS_ENOTFOUND, "no remote is set; run 'plansync config remote PATH-OR-URL'");
	if (local_remote_missing(remote)) {
		git_remote_free(remote);
		return PS_EOFFLINE;
	}
	char spec[512];
	snprintf(spec, sizeof(spec), "%s:%s", refname, refname);
	char *sp[] = {spec};
	git_strarray specs = {sp, 1};
	struct push_status st = {"", 0};
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	po.callbacks.push_update_reference = on_push_ref;
	po.callbacks.push_transfer_progress = on_push_progress;
	ps_auth_callbacks(&po.callbacks, git_remote_url(remote));
	po.callbacks.payload = &st;
	int rc = 0, g;
	if ((g = git_remote_push(remote, &specs, &po)) < 0) {
		const git_error *e = git_error_last();
		if (!ps_auth_failure() && e && e->message && (strstr(e->message, "non-fast-forward") || strstr(e->message, "rejected") ||
							   strstr(e->message, "hook declined")))
			rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s); changes stay queued", e->message);
		else
			rc = net_error("push failed", g, git_remote_url(remote));
	} else if (st.rejected) {
		rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s); changes stay queued", st.msg);
	}
	git_remote_free(remote);
	return rc;
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcasecmp(name, ".git") == 0 || strchr(name, '\\') || strchr(name, ':'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

struct diffctx {
	git_repository *repo;
	ps_added_fn fn;
	ps_bad_fn bad;
	void *ctx;
	int depth;
};

static int diff_rec(struct diffctx *d, const git_tree *old, const git_tree *nw, char *path, size_t plen)
{
	if (++d->depth > 8) {
		d->depth--;
		return d->bad(d->ctx, path, "directories nested too deeply");
	}
	int rc = 0;
	size_t n = git_tree_entrycount(nw);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(nw, i);
		const char *name = git_tree_entry_name(e);
		size_t nl = strlen(name);
		if (plen + nl + 2 > 1024) {
			rc = d->bad(d->ctx, path, "path too long");
			continue;
		}
		if (plen)
			path[plen] = '/';
		memcpy(path + plen + (plen ? 1 : 0), name, nl + 1);
		size_t sub = plen + (plen ? 1 : 0) + nl;
		const git_tree_entry *o = old ? git_tree_entry_byname(old, name) : NULL;
		git_filemode_t mode = git_tree_entry_filemode(e);
		if (!name_ok(name)) {
			rc = d->bad(d->ctx, path, "forbidden file name");
		} else if (o && git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(e)) &&
			   git_tree_entry_filemode(o) == mode) {
			/* unchanged: skipped without reading */
		} else if (mode == GIT_FILEMODE_TREE) {
			git_tree *nt = NULL, *ot = NULL;
			if (o && git_tree_entry_filemode(o) != GIT_FILEMODE_TREE) {
				rc = d->bad(d->ctx, path, "a file was replaced by a directory");
			} else if (git_tree_lookup(&nt, d->repo, git_tree_entry_id(e)) < 0 ||
				   (o && git_tree_lookup(&ot, d->repo, git_tree_entry_id(o)) < 0)) {
				rc = ps_repo_error(PS_ERROR, "reading a fetched tree");
			} else {
				rc = diff_rec(d, ot, nt, path, sub);
			}
			git_tree_free(nt);
			git_tree_free(ot);
		} else if (mode == GIT_FILEMODE_LINK) {
			rc = d->bad(d->ctx, path, "symbolic links are not allowed");
		} else if (mode == GIT_FILEMODE_COMMIT) {
			rc = d->bad(d->ctx, path, "submodules are not allowed");
		} else if (mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
			rc = d->bad(d->ctx, path, "executable files are not allowed");
		} else if (mode != GIT_FILEMODE_BLOB) {
			rc = d->bad(d->ctx, path, "unknown file mode");
		} else if (o) {
			rc = d->bad(d->ctx, path, "an existing file was modified (change files are written once)");
		} else {
			rc = d->fn(d->ctx, path, mode, git_tree_entry_id(e));
		}
		path[plen] = '\0';
	}
	/* Deletions: anything in old that new lacks. */
	size_t on = old ? git_tree_entrycount(old) : 0;
	for (size_t i = 0; i < on && rc >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(old, i);
		if (!git_tree_entry_byname(nw, git_tree_entry_name(e))) {
			char p2[1100];
			snprintf(p2, sizeof(p2), "%s%s%s", path, plen ? "/" : "", git_tree_entry_name(e));
			rc = d->bad(d->ctx, p2, "a file was deleted (change files are never deleted)");
		}
	}
	d->depth--;
	return rc;
}

int ps_repo_diff_added(git_repository *repo, const git_tree *old, const git_tree *new_tree,
		       ps_added_fn fn, ps_bad_fn bad, void *ctx)
{
	struct diffctx d = {repo, fn, bad, ctx, 0};
	char path[1100] = "";
	return diff_rec(&d, old, new_tree, path, 0);
}
