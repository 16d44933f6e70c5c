/* sync.c - one sync cycle (DESIGN §6).
 *
 * Takes the replica's sync lock, clears Git lock files a killed sync left,
 * then runs restamp, export, repair of unsent commits, push, fetch and
 * import in that order (each step idempotent, so a kill at any instant
 * loses nothing), and records the result in meta. A directory remote's
 * refs are read ahead on a thread meanwhile (our own branch, moved by the
 * push, read again before the fetch uses them). Exports ps_sync_run,
 * ps_sync_conflicts_mine and ps_sync_result_json, and to the other sync
 * files (sync_int.h) the network settings and the
 * replica's repository, ref names and lock (sync_int.h). Never writes SQL
 * (lib/store_sync.c does), never reads a branch's files (sync_import.c). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sync_int.h"
#include "packcopy.h"
#include "plansync/keys.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "auth.h"
#include "plansync/fault.h"
#include "plansync/identity.h"
#include "plansync/ops.h"
#include "plansync/record.h"
#include "plansync/review.h"
#include "store_views.h"

int ps_sync_open_repo(ps_replica *r, git_repository **repo)
{
	return ps_repo_open_replica(repo, ps_replica_dir(r));
}

void ps_sync_own_ref(ps_replica *r, char *out, size_t n)
{
	assert(out && n > 0);
	snprintf(out, n, PS_OWN_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
}

int ps_sync_ref_oid(git_repository *repo, const char *name, git_oid *out)
{
	int e = git_reference_name_to_id(out, repo, name);
	if (e == GIT_ENOTFOUND)
		return PS_ENOTFOUND;
	return e < 0 ? ps_repo_error(PS_ERROR, "reading a branch") : 0;
}

/* Network settings from the replica's configuration, for this cycle. */
void ps_sync_load_auth(ps_replica *r, ps_auth *out)
{
	ps_store *s = ps_replica_store(r);
	char *v[4] = {NULL, NULL, NULL, NULL};
	static const char *const keys[4] = {"ssh.key", "ssh.fingerprint", "ssh.known_hosts", "http.credential_helper"};
	for (int i = 0; i < 4; i++)
		ps_store_meta_get(s, keys[i], &v[i]); /* absent: NULL */
	ps_auth_init(out, v[0], v[1], v[2], v[3]);
	for (int i = 0; i < 4; i++)
		free(v[i]);
	char *ca = NULL;
	ps_store_meta_get(s, "http.ca_file", &ca); /* absent: NULL */
	ps_auth_set_ca_file(out, ca);
	free(ca);
	/* Without ssh.key, the replica's own key authenticates SSH (the
	 * server's access rules know it), then ssh-agent as before. */
	char key[4200];
	snprintf(key, sizeof(key), "%s/key", ps_replica_dir(r));
	if (access(key, R_OK) == 0)
		ps_auth_set_replica_key(out, key);
	ps_error_clear();
}

int ps_sync_lock(ps_replica *r)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/sync.lock", ps_replica_dir(r));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		return ps_error_set(
		    PS_ERROR,
		    "this replica is read-only (%s cannot be written): reading works, syncing does not; make "
		    "it writable (chmod -R u+w %s) or run plansync as its owner",
		    path, ps_replica_dir(r));
	if (fd < 0)
		return ps_error_set(PS_ERROR, "cannot open %s: %s", path, strerror(errno));
	/* Another sync (the daemon) may be running: wait for it, bounded. */
	for (int i = 0; i < 600; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		usleep(100000);
	}
	close(fd);
	return ps_error_set(PS_EBUSY, "another sync has held this replica for a minute; try again later");
}

/* Git lock files left by a killed sync. We hold sync.lock, so no other
 * plansync is inside repo.git's refs now: any *.lock there is stale. Only
 * looked for when the last sync did not finish (the marker in meta). */
static void unlink_locks(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t n = strlen(e->d_name);
		struct stat sb;
		if (lstat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth < 6)
			unlink_locks(path, depth + 1);
		else if (S_ISREG(sb.st_mode) && n > 5 && !strcmp(e->d_name + n - 5, ".lock")) {
			ps_log(PS_LOG_INFO, "removed a stale Git lock file left by an interrupted sync: %s", path);
			unlink(path);
		}
	}
	closedir(d);
}

static int clean_stale_locks(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	long long busy = 0;
	int rc = ps_store_meta_get_int(s, "sync.running", &busy, 0);
	if (rc)
		return rc;
	if (busy) {
		char path[4300];
		snprintf(path, sizeof(path), "%s/repo.git/refs", ps_replica_dir(r));
		unlink_locks(path, 0);
		snprintf(path, sizeof(path), "%s/repo.git/packed-refs.lock", ps_replica_dir(r));
		unlink(path);
		/* the staging repository of network fetches, inside repo.git */
		snprintf(path, sizeof(path), "%s/repo.git/plansync-fetch.git/refs", ps_replica_dir(r));
		unlink_locks(path, 0);
		snprintf(path, sizeof(path), "%s/repo.git/plansync-fetch.git/packed-refs.lock", ps_replica_dir(r));
		unlink(path);
		return 0;
	}
	if ((rc = ps_store_begin(s)))
		return rc;
	rc = ps_store_meta_set_int(s, "sync.running", 1);
	return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
}

/* Codes that say the remote was not reached (exit 5). */
static bool not_reached(int code)
{
	return code == PS_EOFFLINE || code == PS_EAUTH || code == PS_ENOREMOTEPATH;
}

static void finish(ps_replica *r, ps_sync_result *res, int rc)
{
	ps_store *s = ps_replica_store(r);
	if (!rc) {
		char conf[96] = "";
		if (res->conflicts)
			snprintf(conf, sizeof(conf),
			         "; %ld conflict%s on this office's records: see plansync conflicts", res->conflicts,
			         res->conflicts == 1 ? "" : "s");
		snprintf(res->message, sizeof(res->message), "ok: exported %ld, %s, imported %ld from %ld branch%s%s%s",
		         res->exported, res->pushed > 0 ? "pushed" : "nothing to push", res->imported, res->branches,
		         res->branches == 1 ? "" : "es",
		         res->problems ? ", problems found (see plansync problems)" : "", conf);
	} else {
		snprintf(res->message, sizeof(res->message), "%s", ps_error_last());
	}
	if (ps_store_begin(s) == 0) {
		char at[32];
		snprintf(at, sizeof(at), "%llu", (unsigned long long)(ps_now_ms() / 1000));
		int e = ps_store_meta_set(s, "last_sync_at", at);
		if (!e)
			e = ps_store_meta_set(s, "last_sync_result", res->message);
		if (!e) {
			char stages[96];
			snprintf(stages, sizeof(stages), "%ld %ld %ld %ld", res->export_ms, res->push_ms, res->fetch_ms,
			         res->import_ms);
			e = ps_store_meta_set(s, "last_sync_stages", stages);
		}
		if (!e)
			e = ps_store_meta_set_int(s, "last_sync_ok", rc == 0);
		if (!e)
			e = ps_store_meta_set(s, "sync.running", NULL);
		if (!e && rc == 0)
			e = ps_store_meta_set(s, "last_sync_ok_at", at);
		if (e)
			ps_store_rollback(s);
		else
			ps_store_commit(s);
	}
}

/* A remote branch that could not be fetched: quarantined at that tip. */
static int on_fetch_bad(void *ctx, const char *branch, const char *hex, const char *reason)
{
	void **pc = ctx;
	ps_replica *r = pc[0];
	ps_store *s = ps_replica_store(r);
	ps_sync_result *res = pc[1];
	char why[800], own[300];
	snprintf(own, sizeof(own), "replicas/%s/%s", ps_replica_office(r), ps_replica_id(r));
	/* Only commits that cannot be read (hex names the tip) are someone
	 * else's writing; a ref file of ours that cannot be read (no hex: a
	 * power cut mid-write) is a damaged ref: no new id for it. Our
	 * tracking ref goes, so the next sync pushes the branch over it even
	 * with nothing new to send. */
	if (res && hex[0] && strcmp(branch, own) == 0)
		res->own_bad = 1;
	else if (!hex[0] && strcmp(branch, own) == 0) {
		char track[300];
		snprintf(track, sizeof(track), PS_TRACK_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
		git_reference_remove(pc[2], track); /* absent already: nothing to do */
	}
	snprintf(why, sizeof(why), "branch could not be fetched: %s; the other branches go on", reason);
	int rc = ps_store_begin(s);
	if (!rc) {
		rc = ps_sync_problem(s, branch, hex, "", why, pc[1]);
		rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	return rc;
}

/* Milliseconds on the monotonic clock: stage times survive a wrong or
 * faked wall clock. */
static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Export, push, fetch, import. Returns the push's error when it failed
 * (the fetch and import still ran), else the fetch's. */
static int cycle(ps_replica *r, ps_sync_result *res, bool *again, ps_progress_fn progress, void *ctx,
                 ps_refs_prefetch *ahead)
{
	git_repository *repo = NULL;
	long exported = 0;
	char held[700] = "";
	bool deferred = false;
	*again = false;
	long t0 = mono_ms();
	/* a pack written in an earlier cycle (a daemon's, hours ago) is hashed
	 * again when copied: the disk may have rotted it since (attack 99) */
	ps_packcopy_forget_written();
	int rc = ps_sync_restamp_future(r);
	if (!rc) /* a province replica made before keys becomes the root (plansync/keys.h) */
		rc = ps_keys_upgrade_root(r);
	if (!rc)
		rc = ps_sync_export_held(r, &exported, held, sizeof(held), &deferred);
	res->exported += exported;
	if (rc)
		return rc;
	if ((rc = ps_sync_open_repo(r, &repo)))
		return rc;
	char ref[300], track[300];
	ps_sync_own_ref(r, ref, sizeof(ref));
	snprintf(track, sizeof(track), PS_TRACK_REF_PREFIX "%s/%s", ps_replica_office(r), ps_replica_id(r));
	git_oid mine, theirs;
	int has_mine = ps_sync_ref_oid(repo, ref, &mine) == 0;
	int has_theirs = ps_sync_ref_oid(repo, track, &theirs) == 0;
	if (has_mine && (!has_theirs || !git_oid_equal(&mine, &theirs))) {
		if ((rc = ps_sync_repair_unsent(r, repo, ref, &mine, has_theirs ? &theirs : NULL, false,
		                                &res->exported))) {
			git_repository_free(repo);
			return rc;
		}
		has_mine = ps_sync_ref_oid(repo, ref, &mine) == 0;
	}
	int net = 0;
	ps_auth auth;
	ps_sync_load_auth(r, &auth);
	long t1 = mono_ms();
	res->export_ms += t1 - t0;
	if (has_mine && (!has_theirs || !git_oid_equal(&mine, &theirs))) {
		/* The remote's tip does not build on ours and nothing it adds is
		 * validly signed: junk someone else pushed (sync_own.c), which every
		 * reader refuses; our push replaces it, only if still there. */
		long junk = 0;
		if (has_theirs && git_graph_descendant_of(repo, &mine, &theirs) != 1 &&
		    (rc = ps_sync_own_junk(r, repo, &theirs, &mine, &junk))) {
			git_repository_free(repo);
			return rc;
		}
		ps_fault_point("push:before");
		net = ps_repo_push(repo, &auth, ref, junk > 0 ? &theirs : NULL);
		if (net == PS_ERROR) {
			/* An object of ours in repo.git may be damaged (the push hashes
			 * each as it sends it; a path push says PS_ERROR for what it cannot
			 * read or hash here): only a copy of what plansync.db holds. The
			 * unsent commits are read to every file, what is damaged is
			 * exported again, and pushed through a fresh repository (the
			 * old one's cache may hold the damaged copy). */
			char why[600];
			snprintf(why, sizeof(why), "%s", ps_error_last());
			git_oid now;
			if ((rc = ps_sync_repair_unsent(r, repo, ref, &mine, has_theirs ? &theirs : NULL, true,
			                                &res->exported))) {
				git_repository_free(repo);
				return rc;
			}
			git_repository_free(repo);
			if ((rc = ps_sync_open_repo(r, &repo)))
				return rc;
			if (ps_sync_ref_oid(repo, ref, &now) == 0 && !git_oid_equal(&now, &mine))
				net = ps_repo_push(repo, &auth, ref, junk > 0 ? &theirs : NULL);
			else if (strstr(why, "plansync check"))
				ps_error_set(PS_EINVALID, "%s", why);
			else
				ps_error_set(
				    PS_EINVALID,
				    "this replica's repo.git holds a damaged copy of an object it pushes (%s), not "
				    "the shared repository; run 'plansync check' for how to recover",
				    why);
		}
		if (!net && junk > 0)
			ps_log(PS_LOG_WARN,
			       "this replica's branch in the shared repository held %ld commit%s not validly "
			       "signed; replaced by this replica's own history",
			       junk, junk == 1 ? "" : "s");
		ps_fault_point("push:after");
		res->pushed = net ? net : 1;
		if (net)
			ps_log(PS_LOG_DEBUG, "%s", ps_error_last());
	}
	char pushmsg[600] = "";
	if (net)
		snprintf(pushmsg, sizeof(pushmsg), "%s", ps_error_last());
	void *bc[3] = {r, res, repo};
	long long deep = 0;
	if ((rc = ps_store_meta_get_int(ps_replica_store(r), "repo.verify", &deep, 0))) {
		git_repository_free(repo);
		return rc;
	}
	long t2 = mono_ms();
	res->push_ms += t2 - t1;
	int f = ps_repo_fetch_ahead(repo, &auth, deep != 0, on_fetch_bad, bc, progress, ctx, ahead, ref);
	long t3 = mono_ms();
	res->fetch_ms += t3 - t2;
	if (!f && deep && !(rc = ps_store_begin(ps_replica_store(r)))) {
		rc = ps_store_meta_set(ps_replica_store(r), "repo.verify", NULL);
		rc = rc ? (ps_store_rollback(ps_replica_store(r)), rc) : ps_store_commit(ps_replica_store(r));
	}
	if (rc) {
		git_repository_free(repo);
		return rc;
	}
	ps_fault_point("fetch:after");
	res->fetched = f ? f : 1;
	*again = deferred && !f; /* the export waited for what this fetch brought */
	char fetchmsg[600] = "";
	if (f)
		snprintf(fetchmsg, sizeof(fetchmsg), "%s", ps_error_last());
	if (f && (!net || (net == PS_EREJECTED && not_reached(f)))) {
		/* The remote not reached says more than a refusal seen before:
		 * exit 5 beats 7 (cli/cli.h). */
		if (net)
			snprintf(pushmsg, sizeof(pushmsg), "%s", fetchmsg);
		net = f;
	}
	git_repository_free(repo);
	/* Import what we have even when the fetch failed: an earlier fetch may
	 * have brought branches, and held changes may be due. */
	long t4 = mono_ms();
	rc = ps_sync_import(r, res, progress, ctx);
	/* The province dates what it holds by its own clock: a receipt per
	 * report without one (lib/deadline.c), at every sync, so one killed
	 * after its import leaves none for later; sent by one more cycle of
	 * this sync, so the province leaves none of its own unsent. */
	long receipts = 0;
	if (!rc && !(rc = ps_receipts_write(r, &receipts)) && receipts > 0 && !f)
		*again = true;
	res->import_ms += mono_ms() - t4;
	if (!rc && res->own_bad && !res->identity) {
		/* Our branch on the remote holds what cannot be read (someone
		 * pushed junk onto it): we cannot build on it, so we continue as a
		 * new replica id; what we had delivered is sent again with it. */
		res->own_bad = 0;
		if (!(rc = ps_identity_fork(r,
		                            "the shared repository's branch of this replica holds commits that cannot "
		                            "be read (someone else pushed to it)")))
			res->identity = 2;
	}
	if (!rc && held[0]) {
		/* A damaged local change waits with those after it: the replica
		 * needs a person (exit 8), whatever the network said; the rest of
		 * the cycle ran. */
		rc = net ? ps_error_set(PS_EREPAIR, "%s; also: %s", held, pushmsg[0] ? pushmsg : fetchmsg)
		         : ps_error_set(PS_EREPAIR, "%s", held);
	} else if (!rc && net) {
		rc = net;
		ps_error_set(net, "%s", pushmsg[0] ? pushmsg : fetchmsg);
	}
	return rc;
}

typedef struct mine_walk {
	const char *office, *province;
	long n;
} mine_walk;

static int count_mine(void *ctx, const ps_sv_conflict *row)
{
	mine_walk *w = ctx;
	ps_record_id id;
	if (ps_record_parse(&id, row->record) == 0) {
		const char *owner = ps_record_owner(&id, w->province);
		if (owner && !strcmp(owner, w->office))
			w->n++;
	} else {
		ps_error_clear();
	}
	return 0;
}

int ps_sync_conflicts_mine(ps_replica *r, long *n)
{
	mine_walk w = {ps_replica_office(r), ps_replica_province(r), 0};
	*n = 0;
	int rc = ps_store_conflicts(ps_replica_store(r), count_mine, &w);
	if (!rc)
		*n = w.n;
	return rc;
}

int ps_sync_run(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx)
{
	assert(r && res);
	memset(res, 0, sizeof(*res));
	int lock = ps_sync_lock(r);
	if (lock < 0) {
		snprintf(res->message, sizeof(res->message), "%s", ps_error_last());
		return lock;
	}
	git_repository *repo = NULL;
	ps_refs_prefetch *ahead = NULL;
	int rc = clean_stale_locks(r);
	if (rc)
		goto done;
	if ((rc = ps_sync_open_repo(r, &repo)))
		goto done;
	git_remote *remote = NULL;
	if (git_remote_lookup(&remote, repo, "origin") < 0) {
		/* The setting the user sees ('config remote', status) is the
		 * remote: a repo.git made again (git init --bare) lacks origin. */
		char *url = NULL;
		rc = ps_store_meta_get(ps_replica_store(r), "remote", &url);
		if (rc == PS_ENOTFOUND) /* never set */
			rc = 0;
		if (!rc && url && url[0])
			rc = ps_repo_set_remote(repo, url);
		else if (!rc)
			rc = ps_error_set(PS_ENOREMOTE,
			                  "no remote is set; run 'plansync -C %s config remote PATH-OR-URL' "
			                  "(changes stay here until then)",
			                  ps_replica_dir(r));
		free(url);
		if (rc)
			goto done;
	}
	git_remote_free(remote);
	/* A directory remote's branches (3,000 loose ref files at commune
	 * scale) are read on a thread while the export and the push wait on
	 * their disk writes; without it (out of memory), the fetch reads them. */
	if (ps_repo_refs_ahead(repo, &ahead))
		ps_error_clear();
	git_repository_free(repo);
	repo = NULL;
	/* A replica copied while in use: its derived tables may be torn;
	 * recompute them from the stored changes before anything else. */
	long long torn = 0;
	if (!(rc = ps_store_meta_get_int(ps_replica_store(r), "rebuild.pending", &torn, 0)) && torn)
		rc = ps_rebuild_state(r);
	bool again = false;
	if (!rc)
		rc = cycle(r, res, &again, progress, ctx, ahead);
	/* The replica took up its branch's history or a new id, or its export
	 * waited for its own branch (repo.git made again): send what is now
	 * ours at once rather than a cycle later. */
	if ((res->identity || again || res->own_junk) && (rc == 0 || rc == PS_EREJECTED || rc == PS_EREPAIR)) {
		res->identity = 0;
		res->own_junk = 0;
		rc = cycle(r, res, &again, progress, ctx, NULL);
	}
	if (!rc) /* the province's branch waits for a pin nobody gave */
		rc = ps_keys_trust_check(r);
done:
	git_repository_free(repo);
	ps_refs_prefetch_free(ahead);
	{
		long long batch = 0;
		ps_store *s = ps_replica_store(r);
		ps_store_meta_get_int(s, "delivered_batch", &batch, 0);
		long long n = 0;
		char keep[512];
		snprintf(keep, sizeof(keep), "%s", ps_error_last());
		if (ps_store_exports_local_count(s, batch, &n) == 0)
			res->delivered = n;
		else if (rc) /* the count is left 0; the cycle's message stays */
			ps_error_set(rc, "%s", keep);
		if (rc != PS_ENOREMOTE && ps_sync_conflicts_mine(r, &res->conflicts) && rc)
			ps_error_set(rc, "%s", keep);
	}
	finish(r, res, rc);
	if (rc)
		snprintf(res->message, sizeof(res->message), "%s", ps_error_last());
	close(lock);
	return rc;
}

cJSON *ps_sync_result_json(const ps_sync_result *res, int rc)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddBoolToObject(j, "ok", rc == 0);
	cJSON_AddNumberToObject(j, "code", rc);
	cJSON_AddNumberToObject(j, "exported", (double)res->exported);
	cJSON_AddBoolToObject(j, "pushed", res->pushed > 0);
	cJSON_AddBoolToObject(j, "fetched", res->fetched > 0);
	cJSON_AddNumberToObject(j, "imported", (double)res->imported);
	cJSON_AddNumberToObject(j, "branches", (double)res->branches);
	cJSON_AddNumberToObject(j, "problems", (double)res->problems);
	cJSON_AddNumberToObject(j, "held", (double)res->held);
	cJSON_AddNumberToObject(j, "delivered", (double)res->delivered);
	cJSON_AddNumberToObject(j, "conflicts", (double)res->conflicts);
	cJSON *st = cJSON_AddObjectToObject(j, "stages");
	if (!st) {
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_AddNumberToObject(st, "export_ms", (double)res->export_ms);
	cJSON_AddNumberToObject(st, "push_ms", (double)res->push_ms);
	cJSON_AddNumberToObject(st, "fetch_ms", (double)res->fetch_ms);
	cJSON_AddNumberToObject(st, "import_ms", (double)res->import_ms);
	cJSON_AddStringToObject(j, "message", res->message);
	return j;
}
