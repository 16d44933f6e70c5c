/* repo.c - the replica's bare Git repository through libgit2: the
 * process-wide libgit2 setup, opening and creating a repository, libgit2's
 * errors in words, trees built along changed paths, and a tree diff that
 * reports only what was added and refuses everything else.
 *
 * Exports ps_repo_global_init, ps_repo_error, ps_repo_init, ps_repo_open,
 * ps_repo_tree_add, ps_repo_diff_added, and ps_repo_rm_rf (a staging
 * repository, what a failed init made). Knows nothing of changes or SQLite
 * and never talks to a remote (repo_remote.c does); objects are written by
 * repo_objw.c. Never walks a whole tree: unchanged subtrees are skipped by
 * object id on both the write and the read side. */
#include <sys/stat.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/repo_global.h"
#include "repo.h"
#include "oidset.h"
#include "ssh_transport.h"
#include <stdint.h>

int ps_repo_global_init(void)
{
	/* Module-level on purpose: libgit2's initialisation and options are
	 * process-wide; done once, before any thread of ours uses Git. */
	static int done;
	if (done)
		return 0;
	if (git_libgit2_init() < 0)
		return ps_error_set(PS_ERROR, "cannot initialise libgit2");
	/* ssh:// over one kept connection per server (ssh_transport.c) */
	if (ps_ssh_transport_register() < 0)
		return ps_error_set(PS_ERROR, "cannot register the ssh transport");
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/* A shared bare repository on a USB stick or a network share is often
	 * owned by another user; plansync reads it as data, never runs hooks. */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	/* An office PC: keep libgit2's object cache small, and keep no trees
	 * in it: a diff reads each tree of a branch's new history once, and
	 * the cache counts a tree by its raw size while the parsed tree is
	 * several times that (a first import of 100,000 changes held 26 MiB
	 * of small trees; peak RSS 147 -> 103 MiB, same time). */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(2 * 1024 * 1024));
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)0);
	/* Pack windows: libgit2 maps up to 8 GiB of packs and keeps the pages,
	 * so reading a whole history through a big pack grows the resident set
	 * with the pack (58 MiB at 100,000 changes). Small windows under a
	 * small budget cost no time because our packs hold change files in the
	 * order they are read (change-id order: the export's pack by seq,
	 * pathremote.c's write_all by name): measured at 100,000 changes, a
	 * join's peak went from 146 to 64 MiB in the same time. */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(256 * 1024));
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(4 * 1024 * 1024));
	done = 1;
	return 0;
}

void ps_repo_hash_reads(bool on)
{
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, on ? 1 : 0);
}

int ps_repo_error(int code, const char *what)
{
	const git_error *e = git_error_last();
	const char *m = e && e->message ? e->message : "unknown Git error";
	/* libgit2 puts strerror() of a failed write into the message, under
	 * whichever class did the write, and keeps no errno: the words are all
	 * there is. */
	if (strstr(m, "No space left on device"))
		return ps_error_set(code, "%s: the disk is full (%s); free some space and try again (nothing was lost)",
		                    what, m);
	/* A damaged or missing object: the same error would repeat forever.
	 * A hash mismatch is GIT_EMISMATCH, a return code this function does
	 * not see; under GIT_ERROR_OBJECT its message names it. */
	if (e && (e->klass == GIT_ERROR_ZLIB || e->klass == GIT_ERROR_ODB ||
	          (e->klass == GIT_ERROR_OBJECT && strstr(m, "mismatch"))))
		return ps_error_set(code, "%s: %s; repo.git may be damaged: run 'plansync check' for how to recover",
		                    what, m);
	return ps_error_set(code, "%s: %s", what, m);
}

int ps_repo_init(git_repository **out, const char *path)
{
	*out = NULL;
	int rc = ps_repo_global_init();
	if (rc)
		return rc;
	if (git_repository_init(out, path, 1) < 0)
		return ps_repo_error(PS_ERROR, "cannot create the Git repository");
	return 0;
}

int ps_repo_open(git_repository **out, const char *path)
{
	*out = NULL;
	int rc = ps_repo_global_init();
	if (rc)
		return rc;
	if (git_repository_open_bare(out, path) < 0) {
		/* libgit2 calls an unreadable directory "not a repository": say
		 * what the user can fix. */
		if (access(path, R_OK | W_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM))
			return ps_error_set(PS_ERROR,
			                    "cannot open %s: permission denied; run plansync as the user who owns the "
			                    "replica, or give this user access (chmod -R u+rwX / chown -R)",
			                    path);
		return ps_repo_error(PS_ERROR, "cannot open the replica's Git repository");
	}
	return 0;
}

int ps_repo_open_replica(git_repository **out, const char *dir)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/repo.git", dir);
	int rc = ps_repo_open(out, path);
	if (rc != PS_ERROR || (access(path, R_OK | W_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM)))
		return rc;
	/* repo.git gone (deleted, a partial restore) or no repository any
	 * more: plansync.db still holds every change, so the replica needs
	 * repair, not re-creation (check says how). */
	struct stat sb;
	bool gone = stat(path, &sb) != 0 && errno == ENOENT;
	char why[600];
	snprintf(why, sizeof(why), "%s", ps_error_last());
	return ps_error_set(PS_EREPAIR,
	                    "%s %s (%s); the changes are safe in plansync.db; run 'plansync check' for how to recover",
	                    path, gone ? "is missing" : "is not a Git repository", why);
}

/* ---- trees along changed paths ---------------------------------------- */

typedef struct tentry {
	char name[256];
	git_filemode_t mode;
	git_oid id;
} tentry;

/* Git's order: names compared bytewise, a tree as if its name ended in '/'. */
static int tentry_cmp(const void *a, const void *b)
{
	const tentry *x = a, *y = b;
	for (size_t i = 0;; i++) {
		int cx = x->name[i] ? (unsigned char)x->name[i] : (x->mode == GIT_FILEMODE_TREE ? '/' : 0);
		int cy = y->name[i] ? (unsigned char)y->name[i] : (y->mode == GIT_FILEMODE_TREE ? '/' : 0);
		if (cx != cy)
			return cx - cy;
		if (!x->name[i])
			return 0; /* both ended the same way */
	}
}

static int tset(tentry **v, size_t *n, size_t *cap, const char *name, size_t nl, git_filemode_t mode, const git_oid *id)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].name) == nl && !memcmp((*v)[i].name, name, nl)) {
			(*v)[i].mode = mode;
			git_oid_cpy(&(*v)[i].id, id);
			return 0;
		}
	if (nl >= sizeof((*v)->name))
		return ps_error_set(PS_EINVALID, "path component too long");
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		tentry *nv = realloc(*v, nc * sizeof(tentry));
		if (!nv)
			return ps_error_set(PS_ENOMEM, "out of memory");
		*v = nv;
		*cap = nc;
	}
	tentry *e = &(*v)[(*n)++];
	memcpy(e->name, name, nl);
	e->name[nl] = '\0';
	e->mode = mode;
	git_oid_cpy(&e->id, id);
	return 0;
}

static int tree_add_rec(git_oid *out, git_repository *repo, ps_objw *w, const git_tree *base, ps_tree_add *adds,
                        size_t n, size_t off)
{
	tentry *v = NULL;
	size_t nv = 0, cap = 0;
	int rc = 0;
	size_t nb = base ? git_tree_entrycount(base) : 0;
	for (size_t i = 0; i < nb && !rc; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(base, i);
		const char *nm = git_tree_entry_name(e);
		rc = tset(&v, &nv, &cap, nm, strlen(nm), git_tree_entry_filemode(e), git_tree_entry_id(e));
	}
	size_t i = 0;
	while (i < n && !rc) {
		const char *rel = adds[i].path + off;
		const char *slash = strchr(rel, '/');
		if (!slash) {
			rc = tset(&v, &nv, &cap, rel, strlen(rel), GIT_FILEMODE_BLOB, &adds[i].blob);
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
		rc = tree_add_rec(&sid, repo, w, sub, adds + i, j - i, off + len);
		git_tree_free(sub);
		if (!rc)
			rc = tset(&v, &nv, &cap, name, len - 1, GIT_FILEMODE_TREE, &sid);
		i = j;
	}
	if (!rc) {
		qsort(v, nv, sizeof(tentry), tentry_cmp);
		ps_buf b = PS_BUF_INIT;
		for (size_t k = 0; k < nv; k++) {
			ps_buf_printf(&b, "%o %s", (unsigned)v[k].mode, v[k].name);
			ps_buf_put(&b, "", 1);
			ps_buf_put(&b, v[k].id.id, GIT_OID_RAWSZ);
		}
		if (ps_buf_error(&b))
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else
			rc = ps_objw_add(w, out, GIT_OBJECT_TREE, b.ptr ? b.ptr : "", b.len);
		ps_buf_release(&b);
	}
	free(v);
	return rc;
}

int ps_repo_tree_add(git_oid *out, git_repository *repo, ps_objw *w, const git_tree *base, ps_tree_add *adds, size_t n)
{
	return tree_add_rec(out, repo, w, base, adds, n, 0);
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcasecmp(name, ".git") == 0 ||
	    strchr(name, '\\') || strchr(name, ':'))
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
	ps_oidset *seen;
	int depth;
};

/* A subtree read before at the same path (a later commit listing an
 * earlier one's files again): its files were all listed then. The key
 * mixes the path into the id, so the same tree met at another path is
 * read there (its files may be wrong here and right there). 1 when seen,
 * 0 when new (and now noted), <0 out of memory. */
static int seen_at(ps_oidset *seen, const git_oid *id, const char *path)
{
	if (!seen)
		return 0;
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	git_oid key = *id;
	for (int i = 0; i < 8; i++)
		key.id[i] ^= (unsigned char)(h >> (8 * i));
	if (git_oid_is_zero(&key))
		key.id[19] = 1;
	if (ps_oidset_get(seen, &key))
		return 1;
	return ps_oidset_put(seen, &key, 1);
}

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
			} else if (!o && (rc = seen_at(d->seen, git_tree_entry_id(e), path)) != 0) {
				/* listed before here (1), or out of memory (<0) */
				rc = rc < 0 ? rc : 0;
			} else if (git_tree_lookup(&nt, d->repo, git_tree_entry_id(e)) < 0 ||
			           (o && git_tree_lookup(&ot, d->repo, git_tree_entry_id(o)) < 0)) {
				rc = ps_repo_error(PS_EINVALID, "reading a fetched tree");
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

int ps_repo_diff_added(git_repository *repo, const git_tree *old, const git_tree *new_tree, ps_oidset *seen,
                       ps_added_fn fn, ps_bad_fn bad, void *ctx)
{
	struct diffctx d = {repo, fn, bad, ctx, seen, 0};
	char path[1100] = "";
	if (!old) {
		int r = seen_at(seen, git_tree_id(new_tree), "");
		if (r)
			return r < 0 ? r : 0;
	}
	return diff_rec(&d, old, new_tree, path, 0);
}

int ps_repo_rm_rf(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		if (!d)
			return -1;
		struct dirent *e;
		int rc = 0;
		while (!rc && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4400];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rc = ps_repo_rm_rf(sub);
		}
		closedir(d);
		return rc ? rc : rmdir(path);
	}
	return unlink(path);
}
