/* refwrite.c - move one branch of a directory remote by compare-and-swap,
 * writing its loose ref file ourselves (the push of pathremote.c).
 *
 * Why not libgit2's refdb: it parses the whole packed-refs file first, so
 * one damaged line in it stops every replica's push, and it refuses our
 * branch when another ref's name is a prefix of it (a junk ref named after
 * an office, in packed-refs), though our loose file can exist beside it.
 * Here only our own file is touched: a lock file is created exclusively,
 * the branch is read again under it (refread.c) and must be what the caller
 * read, the new id is written, made durable and renamed over the ref.
 * A junk ref file in the way of our branch's directories is moved to
 * refs/junk/ (set_aside). The replica's own repository moves its refs the
 * same way (ps_ref_set): libgit2 would parse and sort the whole packed-refs
 * file (3,000 tracking refs at commune scale) for every ref it writes.
 * Exports ps_ref_read, ps_ref_cas, ps_ref_set. Never writes packed-refs,
 * never changes another branch's ref. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "refwrite.h"
#include "refread.h"
#include "plansync/error.h"
#include "plansync/log.h"

int ps_ref_read(int *found, bool *ok, git_oid *id, const char *gitdir, const char *refname)
{
	*found = 0;
	*ok = false;
	ps_refrd one;
	int rc = ps_ref_read_one(&one, gitdir, refname);
	if (rc <= 0)
		return rc;
	*found = 1;
	*ok = one.ok;
	if (one.ok)
		*id = one.id;
	free(one.name);
	return 0;
}

/* A ref file under refs/heads/replicas/ where a directory of our branch
 * should be: its name (replicas/<office>, a prefix of ours) is no
 * replica's branch, which every reader ignores, yet as a file it stops the
 * office's branches for good (anyone with write access can push one).
 * Moved under its lock to refs/junk/ (the commit it names stays named,
 * nothing is lost); 0 when moved. */
static int set_aside(const char *gitdir, const char *path, const char *name)
{
	char lock[4410], dest[4400];
	if (strncmp(name, "refs/heads/replicas/", 20) || !name[20])
		return -1;
	snprintf(dest, sizeof(dest), "%s/refs/junk", gitdir);
	if (mkdir(dest, 0777) < 0 && errno != EEXIST)
		return -1;
	snprintf(dest, sizeof(dest), "%s/refs/junk/%s-%ld", gitdir, name + 20, (long)time(NULL));
	for (char *q = dest + strlen(gitdir) + strlen("/refs/junk/"); *q; q++)
		if (*q == '/')
			*q = '-';
	snprintf(lock, sizeof(lock), "%s.lock", path);
	int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	close(fd);
	int rc = rename(path, dest);
	unlink(lock);
	if (!rc)
		ps_log(PS_LOG_WARN, "moved %s, in the way of this replica's branch in the shared repository, to %s",
		       name, dest + strlen(gitdir) + 1);
	return rc;
}

/* Make the directories of refname under gitdir. A file where a directory
 * should be is another ref in the way: set aside if it is junk, else
 * named, with the command that removes it. */
static int make_dirs(const char *gitdir, const char *refname)
{
	char path[4400];
	int n = snprintf(path, sizeof(path), "%s/%s", gitdir, refname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ps_error_set(PS_EINVALID, "the path of the repository is too long: %s", gitdir);
	size_t base = strlen(gitdir) + 1;
	for (char *p = path + base; (p = strchr(p, '/')); p++) {
		*p = '\0';
		struct stat st;
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return ps_error_set(PS_EOFFLINE, "cannot create %s in the shared repository: %s", path,
			                    strerror(errno));
		if ((lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) &&
		    (set_aside(gitdir, path, path + base) || mkdir(path, 0777) < 0))
			return ps_error_set(PS_EREJECTED,
			                    "the shared repository's ref %s is in the way of this replica's branch %s "
			                    "(it is no replica's branch); remove it with 'git --git-dir=%s update-ref "
			                    "-d %s' (or delete the file %s); changes stay queued",
			                    path + base, refname, gitdir, path + base, path);
		*p = '/';
	}
	return 0;
}

/* What stopped a swap, for the caller's words. */
enum { SWAP_OK, SWAP_LOCKED, SWAP_MOVED, SWAP_LOCK, SWAP_WRITE, SWAP_RENAME };

/* Under refname's lock file (created exclusively, as git and libgit2
 * take it): the ref must still be what the caller read (had: absent, or
 * present with had_ok and had_id; any value when !check), then `to` is
 * written, made durable and renamed over the ref, its directory synced.
 * SWAP_* in *why, the OS's errno in *err (lock, write, rename); a failed read under
 * the lock (out of memory) returns its code. */
static int swap(int *why, int *err, const char *gitdir, const char *refname, bool check, int had, bool had_ok,
                const git_oid *had_id, const git_oid *to)
{
	char path[4400], lock[4410], dir[4400];
	snprintf(path, sizeof(path), "%s/%s", gitdir, refname);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	*why = SWAP_OK;
	*err = 0;
	int rc = 0, fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		*err = errno;
		*why = errno == EEXIST ? SWAP_LOCKED : SWAP_LOCK;
		return 0;
	}
	int found = 0;
	bool ok = false;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 2];
	if (check && (rc = ps_ref_read(&found, &ok, &id, gitdir, refname)))
		goto out;
	if (check && (found != had || (had && (ok != had_ok || (ok && !git_oid_equal(&id, had_id)))))) {
		*why = SWAP_MOVED;
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), to);
	hex[GIT_OID_HEXSZ] = '\n';
	if (write(fd, hex, sizeof(hex) - 1) != (ssize_t)sizeof(hex) - 1 || fsync(fd) < 0) {
		*err = errno ? errno : EIO;
		*why = SWAP_WRITE;
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(lock, path) < 0) {
		*err = errno;
		*why = SWAP_RENAME;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the rename durable; a failure here leaves it to the file system */
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc || *why != SWAP_OK)
		unlink(lock);
	return rc;
}

int ps_ref_cas(const char *gitdir, const char *refname, int had, bool had_ok, const git_oid *had_id, const git_oid *to)
{
	int why, err, rc = make_dirs(gitdir, refname);
	if (!rc)
		rc = swap(&why, &err, gitdir, refname, true, had, had_ok, had_id, to);
	if (rc || why == SWAP_OK)
		return rc;
	if (why == SWAP_LOCKED || why == SWAP_MOVED)
		return ps_error_set(PS_EREJECTED,
		                    "the shared repository's %s moved while this replica pushed; changes stay queued",
		                    refname + strlen("refs/heads/"));
	if (why == SWAP_LOCK)
		return ps_error_set(PS_EOFFLINE, "cannot lock %s in the shared repository: %s", refname, strerror(err));
	if (why == SWAP_WRITE)
		return ps_error_set(PS_EOFFLINE, "writing %s/%s.lock in the shared repository: %s", gitdir, refname,
		                    strerror(err));
	return ps_error_set(err == EISDIR || err == ENOTEMPTY ? PS_EREJECTED : PS_EOFFLINE,
	                    "moving the branch in the shared repository: %s/%s: %s", gitdir, refname, strerror(err));
}

int ps_ref_set(const char *gitdir, const char *refname, const git_oid *expect, bool only_new, const git_oid *to)
{
	char path[4400], gd[4096];
	size_t gl = strlen(gitdir);
	while (gl > 1 && gitdir[gl - 1] == '/')
		gl--; /* libgit2's git_repository_path ends in '/' */
	int n = snprintf(path, sizeof(path), "%.*s/%s", (int)gl, gitdir, refname), why = SWAP_OK, err = 0;
	if (n < 0 || (size_t)n >= sizeof(path) || gl >= sizeof(gd))
		return ps_error_set(PS_EINVALID, "the path of the repository is too long: %s", gitdir);
	memcpy(gd, gitdir, gl);
	gd[gl] = '\0';
	gitdir = gd;
	/* its directories; a file where one goes is reported by the rename */
	for (char *p = path + strlen(gitdir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return ps_error_set(PS_ERROR, "cannot create %s: %s", path, strerror(errno));
		*p = '/';
	}
	int rc = swap(&why, &err, gitdir, refname, expect || only_new, expect != NULL, true, expect, to);
	if (rc || why == SWAP_OK)
		return rc;
	if (why == SWAP_LOCKED)
		return ps_error_set(PS_ERROR,
		                    "%s is locked (%s.lock exists): another program is writing it; try again, or "
		                    "remove the lock file if no Git or plansync is running",
		                    refname, path);
	if (why == SWAP_MOVED)
		return ps_error_set(PS_ERROR,
		                    "%s moved while plansync wrote it (another program writes this "
		                    "repository); try again",
		                    refname);
	if (err == ENOSPC || err == EDQUOT)
		return ps_error_set(PS_ERROR,
		                    "cannot write %s: the disk is full (%s); free some space and try again (nothing "
		                    "was lost)",
		                    path, strerror(err));
	return ps_error_set(PS_ERROR, "cannot write %s: %s", path, strerror(err));
}
