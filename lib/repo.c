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
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plansync/repo.h"
#include "plansync/auth.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "sha1.h"
#include "pathremote.h"
#include <zlib.h>

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
	/* An office PC: keep libgit2's object cache small. */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(16 * 1024 * 1024));
	/* Pack windows: libgit2 maps up to 8 GiB of packs and keeps the pages,
	 * so reading a long history through a big pack grows the resident set
	 * with the pack. A smaller window budget unmaps the least used. */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(8 * 1024 * 1024));
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(64 * 1024 * 1024));
	done = 1;
	return 0;
}

int ps_repo_error(int code, const char *what)
{
	const git_error *e = git_error_last();
	const char *m = e && e->message ? e->message : "unknown Git error";
	if (strstr(m, "No space left on device"))
		return ps_error_set(code, "%s: the disk is full (%s); free some space and try again (nothing was lost)",
		                    what, m);
	/* A damaged or missing object: the same error would repeat forever. */
	if (e && (e->klass == GIT_ERROR_ZLIB || e->klass == GIT_ERROR_ODB ||
	          (e->klass == GIT_ERROR_OBJECT && strstr(m, "mismatch"))))
		return ps_error_set(code, "%s: %s; repo.git may be damaged: run 'plansync check' for how to recover",
		                    what, m);
	return ps_error_set(code, "%s: %s", what, m);
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

/* ---- writing objects: loose, or one pack ------------------------------ */

typedef struct packed {
	git_oid id;
	uint64_t offset; /* in the pack file */
	uint32_t crc;    /* of the entry's bytes, as the index records it */
} packed;

#define OBJW_BUF (256u * 1024u)

struct ps_objw {
	git_odb *odb;
	char *packdir;
	int pack;
	int fd;            /* pack mode: the pack being written, entries after a 12-byte header */
	char tmp[4200];    /* its temporary name */
	uint64_t off;      /* bytes written so far, header included */
	int werr;          /* a write to it failed (errno) */
	unsigned char *wb; /* write buffer: one write() per 256 KiB, not two per object */
	size_t wbn;
	packed *objs;
	uint32_t count, cap;
	unsigned char *z;
	size_t zcap;
	z_stream zs; /* one stream, reset per object: deflateInit per object costs more than the data */
	int zinit;
};

int ps_objw_new(ps_objw **out, git_repository *repo, bool pack)
{
	ps_objw *w = calloc(1, sizeof(*w));
	if (!w)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (git_repository_odb(&w->odb, repo) < 0) {
		free(w);
		return ps_repo_error(PS_ERROR, "opening the object database");
	}
	w->pack = pack;
	w->fd = -1;
	const char *gd = git_repository_path(repo);
	size_t n = strlen(gd) + 16;
	if (!(w->packdir = malloc(n))) {
		ps_objw_free(w);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	snprintf(w->packdir, n, "%sobjects/pack", gd);
	if (pack) {
		/* Entries stream to a temporary file, so memory stays small
		 * whatever the pack's size; the header is written at the end. */
		static unsigned seq;
		snprintf(w->tmp, sizeof(w->tmp), "%s/tmp_plansync_%ld_%u.pack", w->packdir, (long)getpid(), seq++);
		unsigned char zero[12] = {0};
		if (!(w->wb = malloc(OBJW_BUF))) {
			ps_objw_free(w);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		if ((w->fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0444)) < 0 ||
		    write(w->fd, zero, sizeof(zero)) != (ssize_t)sizeof(zero)) {
			int e = errno;
			ps_objw_free(w);
			return ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", gd, strerror(e));
		}
		w->off = sizeof(zero);
	}
	*out = w;
	return 0;
}

static void objw_flush(ps_objw *w)
{
	const unsigned char *c = w->wb;
	size_t len = w->wbn;
	while (len && !w->werr) {
		ssize_t k = write(w->fd, c, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->werr = k < 0 ? errno : EIO;
			break;
		}
		c += k;
		len -= (size_t)k;
	}
	w->wbn = 0;
}

/* Append to the pack file; a failure is kept in werr for finish. */
static void objw_put(ps_objw *w, const void *p, size_t len)
{
	const unsigned char *c = p;
	w->off += len;
	while (len && !w->werr) {
		if (w->wbn == OBJW_BUF)
			objw_flush(w);
		size_t k = OBJW_BUF - w->wbn < len ? OBJW_BUF - w->wbn : len;
		memcpy(w->wb + w->wbn, c, k);
		w->wbn += k;
		c += k;
		len -= k;
	}
}

void ps_objw_free(ps_objw *w)
{
	if (!w)
		return;
	git_odb_free(w->odb);
	if (w->zinit)
		deflateEnd(&w->zs);
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp); /* not finished: nothing of it stays */
	}
	free(w->wb);
	free(w->objs);
	free(w->packdir);
	free(w->z);
	free(w);
}

int ps_objw_add(ps_objw *w, git_oid *out, git_object_t type, const void *data, size_t len)
{
	if (!w->pack) {
		if (git_odb_write(out, w->odb, data, len, type) < 0)
			return ps_repo_error(PS_ERROR, "writing an object");
		return 0;
	}
	if (git_odb_hash(out, data, len, type) < 0)
		return ps_repo_error(PS_ERROR, "hashing an object");
	/* pack entry: type and size in a varint, then the zlib stream */
	unsigned char hdr[16];
	size_t h = 0, sz = len;
	hdr[h++] = (unsigned char)(((unsigned)type << 4) | (sz & 0x0f)) | (sz > 0x0f ? 0x80 : 0);
	sz >>= 4;
	while (sz) {
		hdr[h++] = (unsigned char)((sz & 0x7f) | (sz > 0x7f ? 0x80 : 0));
		sz >>= 7;
	}
	if (!w->zinit) {
		/* Level 0 (stored): deflating 100k small objects at level 1 costs
		 * ten times the rest of an export on a small office PC. The pack
		 * is larger on disk; a push recompresses through libgit2's pack
		 * builder, and 'git gc' in repo.git compresses it in place. */
		if (deflateInit2(&w->zs, 0, Z_DEFLATED, 10, 1, Z_DEFAULT_STRATEGY) != Z_OK)
			return ps_error_set(PS_ENOMEM, "out of memory");
		w->zinit = 1;
	} else if (deflateReset(&w->zs) != Z_OK) {
		return ps_error_set(PS_ERROR, "compressing an object");
	}
	uLong bound = deflateBound(&w->zs, (uLong)len);
	if (bound > w->zcap) {
		unsigned char *nz = realloc(w->z, bound);
		if (!nz)
			return ps_error_set(PS_ENOMEM, "out of memory");
		w->z = nz;
		w->zcap = bound;
	}
	w->zs.next_in = (Bytef *)data;
	w->zs.avail_in = (uInt)len;
	w->zs.next_out = w->z;
	w->zs.avail_out = (uInt)bound;
	if (deflate(&w->zs, Z_FINISH) != Z_STREAM_END)
		return ps_error_set(PS_ERROR, "compressing an object");
	uLong zl = bound - w->zs.avail_out;
	if (w->count == w->cap) {
		uint32_t nc = w->cap ? w->cap * 2 : 1024;
		packed *no = realloc(w->objs, nc * sizeof(packed));
		if (!no)
			return ps_error_set(PS_ENOMEM, "out of memory");
		w->objs = no;
		w->cap = nc;
	}
	packed *o = &w->objs[w->count];
	git_oid_cpy(&o->id, out);
	o->offset = w->off;
	o->crc = (uint32_t)crc32(crc32(0, hdr, (uInt)h), w->z, (uInt)zl);
	objw_put(w, hdr, h);
	objw_put(w, w->z, zl);
	if (w->werr)
		return ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", w->packdir, strerror(w->werr));
	w->count++;
	return 0;
}

static int cmp_packed(const void *a, const void *b)
{
	return git_oid_cmp(&((const packed *)a)->id, &((const packed *)b)->id);
}

static void put32(ps_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	                      (unsigned char)v};
	ps_buf_put(b, x, 4);
}

/* Write the parts, in order, to a new file (mode 0444) and fsync it. */
static int write_file(const char *path, const void *const *parts, const size_t *lens, int nparts)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -1;
	for (int i = 0; i < nparts; i++) {
		const char *p = parts[i];
		size_t len = lens[i];
		while (len) {
			ssize_t k = write(fd, p, len);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				close(fd);
				unlink(path);
				return -1;
			}
			p += k;
			len -= (size_t)k;
		}
	}
	if (fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd);
}

/* The pack and its version-2 index, written beside the others:
 * temporary names, fsync, then rename the pack before the index (readers
 * find packs by their index), then fsync the directory. Object ids were
 * computed by libgit2 (git_odb_hash); `git fsck` checks the result in the
 * tests. */
int ps_objw_finish(ps_objw *w)
{
	if (!w->pack || w->count == 0)
		return 0;
	unsigned char hdr[12] = {'P',
	                         'A',
	                         'C',
	                         'K',
	                         0,
	                         0,
	                         0,
	                         2,
	                         (unsigned char)(w->count >> 24),
	                         (unsigned char)(w->count >> 16),
	                         (unsigned char)(w->count >> 8),
	                         (unsigned char)w->count};
	unsigned char sum[20], isum[20];
	ps_sha1 sha;
	objw_flush(w);
	if (w->werr || pwrite(w->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || lseek(w->fd, 0, SEEK_SET) != 0)
		return ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", w->packdir,
		                    strerror(w->werr ? w->werr : errno));
	/* The trailer hashes the whole file, header first: read it back
	 * (it is in the page cache) rather than keep it in memory. */
	ps_sha1_init(&sha);
	{
		unsigned char buf[1 << 16];
		ssize_t k;
		uint64_t left = w->off;
		while (left && (k = read(w->fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf))) > 0) {
			ps_sha1_update(&sha, buf, (size_t)k);
			left -= (uint64_t)k;
		}
		if (left)
			return ps_error_set(PS_ERROR, "cannot read back a pack in %s", w->packdir);
	}
	ps_sha1_final(&sha, sum);
	objw_put(w, sum, sizeof(sum));
	objw_flush(w);
	if (w->werr || fsync(w->fd) != 0)
		return ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", w->packdir,
		                    strerror(w->werr ? w->werr : errno));
	/* index v2 */
	qsort(w->objs, w->count, sizeof(packed), cmp_packed);
	ps_buf ix = PS_BUF_INIT;
	static const unsigned char ihdr[8] = {0xff, 't', 'O', 'c', 0, 0, 0, 2};
	ps_buf_put(&ix, ihdr, sizeof(ihdr));
	uint32_t fan = 0;
	for (unsigned b = 0, i = 0; b < 256; b++) {
		while (i < w->count && w->objs[i].id.id[0] == b)
			i++, fan++;
		put32(&ix, fan);
	}
	for (uint32_t i = 0; i < w->count; i++)
		ps_buf_put(&ix, w->objs[i].id.id, GIT_OID_RAWSZ);
	for (uint32_t i = 0; i < w->count; i++)
		put32(&ix, w->objs[i].crc);
	uint32_t nlarge = 0;
	for (uint32_t i = 0; i < w->count; i++)
		put32(&ix, w->objs[i].offset < 0x80000000u ? (uint32_t)w->objs[i].offset : (0x80000000u | nlarge++));
	for (uint32_t i = 0; i < w->count; i++)
		if (w->objs[i].offset >= 0x80000000u) {
			put32(&ix, (uint32_t)(w->objs[i].offset >> 32));
			put32(&ix, (uint32_t)w->objs[i].offset);
		}
	ps_buf_put(&ix, sum, sizeof(sum));
	int rc = 0;
	if (ps_buf_error(&ix)) {
		rc = ps_error_set(PS_ENOMEM, "out of memory writing a pack");
		goto out;
	}
	ps_sha1_init(&sha);
	ps_sha1_update(&sha, ix.ptr, ix.len);
	ps_sha1_final(&sha, isum);
	ps_buf_put(&ix, isum, sizeof(isum));
	char hex[41], tp[4200], ti[4200], fp[4200], fi[4200];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	snprintf(tp, sizeof(tp), "%s", w->tmp);
	snprintf(ti, sizeof(ti), "%.*s.idx", (int)(strlen(w->tmp) - 5), w->tmp);
	snprintf(fp, sizeof(fp), "%s/pack-%s.pack", w->packdir, hex);
	snprintf(fi, sizeof(fi), "%s/pack-%s.idx", w->packdir, hex);
	unlink(ti);
	const void *iparts[1] = {ix.ptr};
	const size_t ilens[1] = {ix.len};
	close(w->fd);
	w->fd = -1; /* renamed below, or removed here */
	if (write_file(ti, iparts, ilens, 1) != 0 || rename(tp, fp) != 0 || rename(ti, fi) != 0) {
		rc = ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", w->packdir, strerror(errno));
		unlink(tp);
		unlink(ti);
		goto out;
	}
	int dfd = open(w->packdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	git_odb_refresh(w->odb);
	w->count = 0;
out:
	ps_buf_release(&ix);
	return rc;
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

bool ps_repo_url_path(const char *url, char *out, size_t n)
{
	const char *path = url;
	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://") || (strchr(url, ':') && !strchr(url, '/')) ||
	         (strchr(url, ':') && strchr(url, ':') < strchr(url, '/')))
		return false; /* network URL or scp-style */
	snprintf(out, n, "%s", path);
	return true;
}

/* For a local remote, make sure it is a bare repository before we rely on it. */
static int check_local_remote(const char *url)
{
	char path[4096];
	if (!ps_repo_url_path(url, path, sizeof(path)))
		return 0; /* checked when used */
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ps_error_set(PS_ENOTFOUND, "remote %s does not exist; create it with 'git init --bare %s'", url,
		                    path);
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
		return ps_error_set(PS_EAUTH, "%s: authentication refused by %s (%s); check the key or the credentials",
		                    what, url, m);
	if (strstr(m, "does not appear to be a git repository") || strstr(m, "not found") || strstr(m, "404") ||
	    strstr(m, "No such file") || strstr(m, "could not find repository"))
		return ps_error_set(PS_ENOTFOUND,
		                    "%s: no Git repository at %s (%s); check the path with the server's administrator",
		                    what, url, m);
	if (strstr(m, "connect") || strstr(m, "resolve") || strstr(m, "timed out") || strstr(m, "unreachable") ||
	    strstr(m, "Connection") || strstr(m, "refused"))
		return ps_error_set(
		    PS_EOFFLINE, "%s: host unreachable (%s); changes stay queued and go out on a later sync", what, m);
	return ps_error_set(PS_EOFFLINE, "%s: %s; changes stay queued and go out on a later sync", what, m);
}

/* A local remote that is missing is "offline" (an unplugged USB stick),
 * said in words rather than libgit2's "unsupported URL protocol". */
static int local_remote_missing(git_remote *remote)
{
	const char *url = git_remote_url(remote);
	if (!url || check_local_remote(url) != PS_ENOTFOUND)
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
		return ps_error_set(PS_ENOTFOUND, "no remote is set; run 'plansync config remote PATH-OR-URL'");
	if (local_remote_missing(*out)) {
		git_remote_free(*out);
		*out = NULL;
		return PS_EOFFLINE;
	}
	return 0;
}

/* Failures of the network itself, by libgit2's error class: these say
 * nothing about any one branch. */
static int network_class(void)
{
	const git_error *e = git_error_last();
	int k = e ? e->klass : GIT_ERROR_NONE;
	return k == GIT_ERROR_NET || k == GIT_ERROR_SSH || k == GIT_ERROR_HTTP || k == GIT_ERROR_SSL ||
	       k == GIT_ERROR_CALLBACK || k == GIT_ERROR_OS || ps_auth_failure();
}

static int fetch_specs(git_remote *remote, char **spec, size_t n, ps_progress_fn progress, void *ctx, bool prune)
{
	struct xfer x = {progress, ctx};
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	fo.callbacks.transfer_progress = on_transfer;
	fo.callbacks.payload = &x;
	ps_auth_callbacks(&fo.callbacks, git_remote_url(remote));
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
static int fetch_each(git_remote *remote, git_repository *repo, const char *prefix, ps_refbad_fn bad, void *badctx,
                      ps_progress_fn progress, void *ctx)
{
	git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
	ps_auth_callbacks(&cb, git_remote_url(remote));
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0)
		return net_error("fetch failed", -1, git_remote_url(remote));
	const git_remote_head **heads = NULL;
	size_t nh = 0;
	if (git_remote_ls(&heads, &nh, remote) < 0) {
		git_remote_disconnect(remote);
		return net_error("fetch failed", -1, git_remote_url(remote));
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
		int g = fetch_specs(remote, sp, 1, progress, ctx, false);
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
			if (network_class()) {
				rc = net_error("fetch failed", -1, git_remote_url(remote));
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
static int rm_rf(const char *path)
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
			rc = rm_rf(sub);
		}
		closedir(d);
		return rc ? rc : rmdir(path);
	}
	return unlink(path);
}

static int fetch_network(git_repository *repo, const char *url, bool deep, ps_refbad_fn bad, void *badctx,
                         ps_progress_fn progress, void *ctx)
{
	char path[4200];
	snprintf(path, sizeof(path), "%splansync-fetch.git", git_repository_path(repo));
	/* A deep fetch trusts nothing kept: staging is only a cache. */
	if (deep && rm_rf(path) != 0)
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
	int g = fetch_specs(remote, spec, 1, progress, ctx, true); /* a deleted branch disappears; import reports it */
	if (g < 0 && !cancelled() && !network_class()) {
		ps_log(PS_LOG_WARN, "fetch failed (%s); fetching branch by branch",
		       git_error_last() ? git_error_last()->message : "unknown error");
		/* a ref here may name what does not parse: start the refs afresh
		 * (the objects stay, so little is fetched again) */
		drop_refs(st, PS_OWN_REF_PREFIX "*");
		rc = fetch_each(remote, st, PS_OWN_REF_PREFIX, bad, badctx, progress, ctx);
	} else if (g < 0) {
		rc = net_error("fetch failed", g, url);
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

int ps_repo_fetch(git_repository *repo, bool deep, ps_refbad_fn bad, void *badctx, ps_progress_fn progress, void *ctx)
{
	git_remote *remote = NULL;
	int rc = origin(repo, &remote);
	if (rc)
		return rc;
	char path[4096];
	if (ps_repo_url_path(git_remote_url(remote), path, sizeof(path)))
		rc = ps_pathremote_fetch(repo, path, deep, bad, badctx, cancel_flag, progress, ctx);
	else
		rc = fetch_network(repo, git_remote_url(remote), deep, bad, badctx, progress, ctx);
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
	int orc = origin(repo, &remote);
	if (orc)
		return orc;
	char path[4096];
	if (ps_repo_url_path(git_remote_url(remote), path, sizeof(path))) {
		orc = ps_pathremote_push(repo, path, refname, refname, cancel_flag);
		git_remote_free(remote);
		return orc;
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
		if (!ps_auth_failure() &&
		    (g == GIT_ENONFASTFORWARD ||
		     (e && e->message &&
		      (strstr(e->message, "non-fast-forward") || strstr(e->message, "non-fastforward") ||
		       strstr(e->message, "rejected") || strstr(e->message, "hook declined")))))
			rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s); changes stay queued",
			                  e->message);
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

int ps_repo_diff_added(git_repository *repo, const git_tree *old, const git_tree *new_tree, ps_added_fn fn,
                       ps_bad_fn bad, void *ctx)
{
	struct diffctx d = {repo, fn, bad, ctx, 0};
	char path[1100] = "";
	return diff_rec(&d, old, new_tree, path, 0);
}

int ps_repo_push_to(git_repository *repo, const char *url, const char *const *src, const char *const *dst, size_t n,
                    ps_refbad_fn bad, void *badctx)
{
	char path[4096];
	int rc = check_local_remote(url);
	if (rc)
		return rc;
	if (ps_repo_url_path(url, path, sizeof(path))) {
		for (size_t i = 0; i < n && !rc; i++) {
			int e = ps_pathremote_push(repo, path, src[i], dst[i], cancel_flag);
			if (e == PS_EREJECTED && bad)
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
	struct push_status st = {"", 0};
	if (!rc) {
		git_strarray sa = {specs, n};
		git_push_options po = GIT_PUSH_OPTIONS_INIT;
		po.callbacks.push_update_reference = on_push_ref;
		po.callbacks.push_transfer_progress = on_push_progress;
		ps_auth_callbacks(&po.callbacks, url);
		po.callbacks.payload = &st;
		int g = git_remote_push(remote, &sa, &po);
		if (g < 0)
			rc = net_error("push failed", g, url);
		else if (st.rejected)
			rc = ps_error_set(PS_EREJECTED, "the remote refused the push (%s)", st.msg);
	}
	for (size_t i = 0; specs && i < n; i++)
		free(specs[i]);
	free(specs);
	git_remote_free(remote);
	return rc;
}
