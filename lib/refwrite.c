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
 * refs/junk/ (set_aside). Exports ps_ref_read, ps_ref_cas. Never writes
 * packed-refs, never changes another branch's ref. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
	char prefix[1024];
	const char *sl = strrchr(refname, '/');
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(sl - refname + 1), refname);
	ps_reflist l;
	int rc = ps_refs_read(&l, gitdir, prefix);
	for (size_t i = 0; !rc && i < l.n; i++)
		if (!strcmp(l.v[i].name, refname)) {
			*found = 1;
			*ok = l.v[i].ok;
			if (l.v[i].ok)
				*id = l.v[i].id;
		}
	ps_reflist_free(&l);
	return rc;
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

int ps_ref_cas(const char *gitdir, const char *refname, int had, bool had_ok, const git_oid *had_id, const git_oid *to)
{
	char path[4400], lock[4410], dir[4400];
	snprintf(path, sizeof(path), "%s/%s", gitdir, refname);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	int rc = make_dirs(gitdir, refname);
	if (rc)
		return rc;
	int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return ps_error_set(PS_EREJECTED,
		                    "the shared repository's %s moved while this replica pushed; changes stay queued",
		                    refname + strlen("refs/heads/"));
	if (fd < 0)
		return ps_error_set(PS_EOFFLINE, "cannot lock %s in the shared repository: %s", refname,
		                    strerror(errno));
	/* Under our lock: the branch must be what the caller judged (absent, a
	 * damaged ref, or that id), else someone else moved it meanwhile. */
	int found = 0;
	bool ok = false;
	git_oid id;
	char hex[GIT_OID_HEXSZ + 2];
	if ((rc = ps_ref_read(&found, &ok, &id, gitdir, refname)))
		goto out;
	if (found != had || (had && (ok != had_ok || (ok && !git_oid_equal(&id, had_id))))) {
		rc = ps_error_set(PS_EREJECTED,
		                  "the shared repository's %s moved while this replica pushed; changes stay queued",
		                  refname + strlen("refs/heads/"));
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), to);
	hex[GIT_OID_HEXSZ] = '\n';
	if (write(fd, hex, sizeof(hex) - 1) != (ssize_t)sizeof(hex) - 1 || fsync(fd) < 0) {
		rc = ps_error_set(PS_EOFFLINE, "writing %s in the shared repository: %s", lock, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(lock, path) < 0) {
		rc = ps_error_set(errno == EISDIR || errno == ENOTEMPTY ? PS_EREJECTED : PS_EOFFLINE,
		                  "moving the branch in the shared repository: %s: %s", path, strerror(errno));
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
	if (rc)
		unlink(lock);
	return rc;
}
