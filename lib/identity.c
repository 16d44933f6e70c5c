/* identity.c - copies and re-creations of a replica (see identity.h).
 *
 * The instance mark is "<inode>:<birth time>" of plansync.db: SQLite never
 * replaces its database file, so the mark changes only when the file is a
 * new one (a copy, a restore). The device number is left out on purpose: it
 * changes when a USB disk is mounted again. A new id gets a new key pair
 * (the old key kept as key.<old id>). Never touches the network. */
#define _GNU_SOURCE /* statx */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plansync/identity.h"
#include "plansync/store.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/log.h"
#include "keys_int.h"
#include "repo.h"
#include "replica_int.h"

static int instance_mark(const char *dir, char *out, size_t n)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/plansync.db", dir);
	struct statx sx;
	if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &sx) != 0)
		return ps_error_set(PS_ERROR, "cannot stat %s", path);
	if (sx.stx_mask & STATX_BTIME)
		snprintf(out, n, "%llu:%lld.%09u", (unsigned long long)sx.stx_ino, (long long)sx.stx_btime.tv_sec,
		         sx.stx_btime.tv_nsec);
	else
		snprintf(out, n, "%llu", (unsigned long long)sx.stx_ino);
	return 0;
}

static int writable(ps_replica *r)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/plansync.db", ps_replica_dir(r));
	return access(path, W_OK) == 0 && access(ps_replica_dir(r), W_OK) == 0;
}

int ps_identity_check(ps_replica *r)
{
	ps_store *s = ps_replica_store(r);
	char mark[128], *stored = NULL;
	/* Nothing can be recorded (a read-only directory, or a full disk the
	 * store was opened read-only for): reads go on, and the check runs at
	 * the first open that can write. */
	if (!writable(r) || ps_store_readonly(s))
		return 0;
	int rc = instance_mark(ps_replica_dir(r), mark, sizeof(mark));
	if (rc)
		return rc;
	rc = ps_store_meta_get(s, "instance", &stored);
	if (rc == PS_ENOTFOUND || (!rc && !stored[0])) {
		/* First open (or a replica made before the mark existed): record it. */
		free(stored);
		ps_error_clear();
		if ((rc = ps_store_begin(s)))
			return rc;
		rc = ps_store_meta_set(s, "instance", mark);
		return rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	}
	if (rc)
		return rc;
	int same = strcmp(stored, mark) == 0;
	free(stored);
	if (same)
		return 0;
	int rc2 = ps_identity_fork(r, "this replica's database was copied or restored (plansync.db is not the file it "
	                              "was created as); the original may still be writing as the old id");
	if (rc2)
		return rc2;
	/* Copied while in use, its files may be torn: the next sync recomputes
	 * the state from the stored changes and fetches, trusting no object. */
	if ((rc2 = ps_store_begin(s)))
		return rc2;
	if ((rc2 = ps_store_meta_set_int(s, "rebuild.pending", 1)) ||
	    (rc2 = ps_store_meta_set_int(s, "repo.verify", 1))) {
		ps_store_rollback(s);
		return rc2;
	}
	return ps_store_commit(s);
}

int ps_identity_fork(ps_replica *r, const char *why)
{
	ps_store *s = ps_replica_store(r);
	char sfx[7], nid[128], old[128], mark[128], branch[300], reason[1200];
	int rc = ps_replica_random_suffix(sfx);
	if (rc)
		return rc;
	snprintf(old, sizeof(old), "%s", ps_replica_id(r));
	snprintf(nid, sizeof(nid), "%s-%s", ps_replica_office(r), sfx);
	if ((rc = instance_mark(ps_replica_dir(r), mark, sizeof(mark))))
		return rc;
	snprintf(branch, sizeof(branch), "replicas/%s/%s", ps_replica_office(r), old);
	snprintf(reason, sizeof(reason),
	         "%s; this replica continues as %s and sends its changes again on replicas/%s/%s (nothing is lost, "
	         "nothing is counted twice)",
	         why, nid, ps_replica_office(r), nid);
	char *prev = NULL;
	if (ps_store_meta_get(s, "replica.previous", &prev) == PS_ENOTFOUND)
		ps_error_clear();
	char prevs[2048];
	snprintf(prevs, sizeof(prevs), "%s%s%s", prev && prev[0] ? prev : "", prev && prev[0] ? "," : "", old);
	free(prev);
	if ((rc = ps_store_begin(s)))
		return rc;
	bool added;
	if ((rc = ps_store_problem_add(s, branch, "", "", reason, NULL, &added)))
		goto rollback;
	/* Own changes go out again, under their own ids, on the new branch. */
	if ((rc = ps_store_exports_drop_after(s, 0)) || (rc = ps_store_meta_set(s, "delivered_batch", NULL)) ||
	    (rc = ps_store_meta_set(s, "replica", nid)) || (rc = ps_store_meta_set(s, "replica.previous", prevs)) ||
	    (rc = ps_store_meta_set(s, "instance", mark)) ||
	    /* a province replica hands over to its new id with its old key
	     * (keys_trust.c): nobody else can enrol the province */
	    (ps_replica_is_province(r) && (rc = ps_store_meta_set(s, PS_META_HANDOVER, old))))
		goto rollback;
	if ((rc = ps_store_commit(s)))
		return rc;
	ps_log(PS_LOG_WARN, "%s: %s", branch, reason);
	/* The old branch is someone else's now: drop our local ref to it (its
	 * tracking ref, if fetched, is imported like any other branch). */
	char gitdir[4200], ref[300];
	snprintf(gitdir, sizeof(gitdir), "%s/repo.git", ps_replica_dir(r));
	snprintf(ref, sizeof(ref), PS_OWN_REF_PREFIX "%s/%s", ps_replica_office(r), old);
	git_repository *repo = NULL;
	if (ps_repo_open(&repo, gitdir) == 0) {
		git_reference *gr = NULL;
		if (git_reference_lookup(&gr, repo, ref) == 0)
			git_reference_delete(gr);
		git_reference_free(gr);
		git_repository_free(repo);
	}
	/* A new id signs with a new key; the old one stays as key.<old>. If
	 * this is cut short, ps_replica_key finishes it (the key names the id
	 * it was made for). */
	if ((rc = ps_replica_reload(r)))
		return rc;
	return ps_replica_key_rotate(r, old);
rollback:
	ps_store_rollback(s);
	return rc;
}
