/* replica_init.c - create a replica (plansync init), and remove what a
 * failed init made.
 *
 * Claims the directory first (sync.lock, created exclusively and locked),
 * so two inits of one directory never undo each other; writes the office,
 * replica id and settings in one transaction; on any failure removes only
 * what it made. Makes the replica's key (DIR/key, DIR/key.pub), or copies
 * the one --key names. Exports ps_replica_init and ps_replica_discard. Never
 * touches the network (the caller's first sync does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plansync/replica.h"
#include "replica_int.h"
#include "plansync/error.h"
#include "plansync/text.h"
#include "plansync/change.h"
#include "repo.h"

static int dir_is_empty_or_missing(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return mkdir(dir, 0755) == 0 ? 0 : ps_error_set(PS_ERROR, "cannot create %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ps_error_set(PS_EEXISTS, "%s exists and is not a directory; choose another path", dir);
	char *db = ps_replica_path(dir, "plansync.db");
	int exists = db && stat(db, &sb) == 0;
	/* An init killed before it stored the office left a database no
	 * command can use: say so, rather than send the user to -C DIR. */
	ps_store *st = NULL;
	char *office = NULL;
	bool incomplete =
	    exists && ps_store_open(&st, db, 0) == 0 && ps_store_meta_get(st, "office", &office) == PS_ENOTFOUND;
	free(office);
	ps_store_free(st);
	free(db);
	if (incomplete)
		return ps_error_set(
		    PS_EREPAIR,
		    "%s is not a complete replica: its init was interrupted; nothing in it was written by "
		    "a person: move it aside (mv %s %s.broken) and run plansync init again",
		    dir, dir, dir);
	if (exists)
		return ps_error_set(
		    PS_EEXISTS, "%s is already a replica; use it with -C %s, or choose an empty directory", dir, dir);
	char *git = ps_replica_path(dir, "repo.git");
	exists = git && stat(git, &sb) == 0;
	free(git);
	if (exists)
		return ps_error_set(PS_EEXISTS, "%s already holds repo.git; choose an empty directory", dir);
	/* init makes the key files and removes them when it fails: never a
	 * key it did not make */
	for (int i = 0; i < 2; i++) {
		char *key = ps_replica_path(dir, i ? "key.pub" : "key");
		exists = key && lstat(key, &sb) == 0;
		free(key);
		if (exists)
			return ps_error_set(PS_EEXISTS, "%s already holds a key file (%s); choose an empty directory",
			                    dir, i ? "key.pub" : "key");
	}
	return 0;
}

/* What ps_replica_init and a first sync make in dir, removed; dir too
 * when made_dir and it is then empty (rmdir fails on anything else). */
static int remove_made(const char *dir, bool made_dir)
{
	static const char *const made[] = {
	    "plansync.db", "plansync.db-wal", "plansync.db-shm", "plansync.db-journal", "sync.lock", "repo.git",
	    "key",         "key.pub"};
	int rc = 0;
	for (size_t i = 0; i < sizeof(made) / sizeof(*made); i++) {
		char *p = ps_replica_path(dir, made[i]);
		if (!p || ps_repo_rm_rf(p) != 0)
			rc = ps_error_set(PS_ERROR,
			                  "cannot remove %s/%s: %s; remove it by hand before running init again", dir,
			                  made[i], p ? strerror(errno) : "out of memory");
		free(p);
	}
	if (!rc && made_dir && rmdir(dir) != 0 && errno != ENOENT)
		rc = ps_error_set(PS_ERROR, "cannot remove %s: %s", dir, strerror(errno));
	return rc;
}

int ps_replica_discard(ps_replica *r, bool made_dir)
{
	if (!r)
		return 0;
	char *dir = strdup(ps_replica_dir(r));
	ps_replica_free(r);
	if (!dir)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int rc = remove_made(dir, made_dir);
	free(dir);
	return rc;
}

/* Two inits of one directory at the same instant: the first to create
 * sync.lock (O_EXCL) goes on, holding a lock on it until the replica is
 * made; the other stops before it makes or removes anything, so neither
 * undoes the other's replica. A sync.lock nobody holds is what an init
 * killed at its start left: taken over when the directory still holds no
 * replica. *fd gets the descriptor to close when init is done. */
static int claim_dir(const char *dir, int *fd)
{
	*fd = -1;
	char *lock = ps_replica_path(dir, "sync.lock");
	if (!lock)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int f = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f < 0 && errno == EEXIST)
		f = open(lock, O_RDWR | O_CLOEXEC);
	int e = errno;
	free(lock);
	if (f < 0)
		return ps_error_set(PS_ERROR, "cannot create %s/sync.lock: %s", dir, strerror(e));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		close(f);
		return ps_error_set(PS_EEXISTS,
		                    "another plansync process is creating or using a replica in %s; use that one, or "
		                    "choose another directory",
		                    dir);
	}
	int rc = dir_is_empty_or_missing(dir); /* again, under the lock */
	if (rc) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}

int ps_replica_init(ps_replica **out, const char *dir, const ps_init_opts *o)
{
	*out = NULL;
	const char *province = o->province ? o->province : "tinh";
	if (!o->office || !ps_slug_valid(o->office))
		return ps_error_set(
		    PS_EINVALID,
		    "office \"%s\" is not a valid office id (lowercase letters, digits and '-', such as tx-kinh-mon)",
		    o->office ? o->office : "");
	if (!ps_slug_valid(province))
		return ps_error_set(PS_EINVALID, "province \"%s\" is not a valid office id", province);
	char rid[128];
	if (o->replica && strncmp(o->replica, o->office, strlen(o->office)) == 0 &&
	    o->replica[strlen(o->office)] == '-')
		snprintf(rid, sizeof(rid), "%s", o->replica);
	else if (o->replica)
		snprintf(rid, sizeof(rid), "%s-%s", o->office, o->replica);
	else {
		char sfx[7];
		int rc = ps_replica_random_suffix(sfx);
		if (rc)
			return rc;
		snprintf(rid, sizeof(rid), "%s-%s", o->office, sfx);
	}
	if (!ps_replica_id_valid(rid, o->office))
		return ps_error_set(
		    PS_EINVALID,
		    "replica id \"%s\" is not valid: it is the office, '-', and 1-32 lowercase letters or digits", rid);
	char *author = NULL;
	if (o->user_name) {
		int rc = ps_text_clean(&author, o->user_name, PS_CHANGE_AUTHOR_MAX, false, "the user name");
		if (!rc && (rc = ps_change_check_author(author)))
			free(author);
		if (rc)
			return rc;
	}
	struct stat sb;
	bool made_dir = stat(dir, &sb) != 0;
	int rc = o->remote ? ps_repo_url_check(o->remote) : 0;
	ps_key *key = NULL; /* --key: checked before anything is made */
	if (!rc && o->key)
		rc = ps_key_load(&key, o->key);
	if (!rc)
		rc = dir_is_empty_or_missing(dir);
	int lockfd = -1;
	if (!rc)
		rc = claim_dir(dir, &lockfd);
	if (rc) {
		ps_key_free(key);
		free(author);
		return rc;
	}
	char *gitdir = ps_replica_path(dir, "repo.git"), *db = ps_replica_path(dir, "plansync.db");
	git_repository *repo = NULL;
	ps_store *store = NULL;
	if (!gitdir || !db) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = ps_repo_init(&repo, gitdir)))
		goto fail;
	if (o->remote && (rc = ps_repo_set_remote(repo, o->remote)))
		goto fail;
	if ((rc = ps_store_open(&store, db, PS_STORE_CREATE)))
		goto fail;
	if ((rc = ps_store_begin(store)))
		goto fail;
	if ((rc = ps_store_meta_set(store, "office", o->office)) || (rc = ps_store_meta_set(store, "replica", rid)) ||
	    (rc = ps_store_meta_set(store, "province", province)) ||
	    (author && (rc = ps_store_meta_set(store, "user.name", author))) ||
	    (o->remote && (rc = ps_store_meta_set(store, "remote", o->remote)))) {
		ps_store_rollback(store);
		goto fail;
	}
	if ((rc = ps_store_commit(store)))
		goto fail;
	if ((rc = ps_replica_key_make(dir, o->office, rid, key)))
		goto fail;
	ps_key_free(key);
	ps_store_free(store);
	git_repository_free(repo);
	free(gitdir);
	free(db);
	free(author);
	rc = ps_replica_open(out, dir);
	close(lockfd);
	return rc;
fail:
	ps_store_free(store);
	git_repository_free(repo);
	/* Leave nothing half-made behind: a later init must be able to run. */
	remove_made(dir, made_dir);
	close(lockfd);
	ps_key_free(key);
	free(gitdir);
	free(db);
	free(author);
	return rc;
}
