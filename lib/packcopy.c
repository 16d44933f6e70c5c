/* packcopy.c - a push to a directory remote by copying pack files. A bulk
 * export writes its batch as one pack (repo_objw.c); when the objects a
 * push must send are exactly the objects of such packs, the pack files and
 * their indexes are copied into the remote's objects/pack as they are,
 * instead of every object being read, hashed and written into a new pack
 * (pathremote.c's walk, which stays the way for everything else).
 *
 * Exports ps_packcopy_push. Never moves a ref, never reads another
 * replica's objects, never copies a pack it cannot prove is the set.
 *
 * The proof: the caller lists what the push sends (its walk from our tip,
 * ending at objects the remote has). The packs chosen are those of ours
 * that hold one of those objects; every object they hold must be listed or
 * already be in the remote, and every listed object must be in one of
 * them. So the remote gains exactly the listed objects; objects it already
 * had come again in the copied pack, which is harmless to git (one object
 * in two packs is ordinary: a fetch does it). Anything else (a loose
 * object among those to send, an index that is not version 2, a pack of
 * ours holding another branch's objects the remote lacks) and the caller
 * walks as before.
 *
 * Our packs were written by us or indexed by libgit2, each id computed
 * from the object's bytes then. What is checked now is that the bytes are
 * still those: the pack's trailer (SHA-1 of the whole pack, hashed as it
 * is copied), the index's own trailer, and the pack's checksum recorded in
 * the index. A pack that fails is not copied and the caller's walk finds
 * the damaged object (and says so, as before). A pack this process wrote
 * itself moments ago (the export of the same cycle, ps_packcopy_note_written)
 * and that is still the same file (device, inode, size, mtime and ctime as
 * after its rename) was hashed from the bytes written: it is copied by the
 * kernel (copy_file_range) without reading it back and hashing it again,
 * which was a second SHA-1 of the whole export in a bulk sync. Written as
 * git writes a pack: temporary names, fsync, the pack renamed before its
 * index (readers find packs by their index), then the directory fsynced. */
#define _GNU_SOURCE /* copy_file_range */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "packcopy.h"
#include "packidx.h"
#include "sha1.h"
#include "plansync/error.h"
#include "plansync/fault.h"

#define COPY_BUF (256u * 1024u)

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- packs this process wrote ------------------------------------------ */

#define WRITTEN_MAX 8

typedef struct written {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	unsigned char sum[20];
} written;

static pthread_mutex_t written_lock = PTHREAD_MUTEX_INITIALIZER;
static written written_v[WRITTEN_MAX];
static size_t written_n, written_next;

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

void ps_packcopy_note_written(const char *path, const unsigned char sum[20])
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return; /* then it is hashed when copied, as any other pack */
	written w = {.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size, .mtime = st.st_mtim, .ctime = st.st_ctim};
	memcpy(w.sum, sum, 20);
	pthread_mutex_lock(&written_lock);
	written_v[written_next] = w;
	written_next = (written_next + 1) % WRITTEN_MAX;
	if (written_n < WRITTEN_MAX)
		written_n++;
	pthread_mutex_unlock(&written_lock);
}

void ps_packcopy_forget_written(void)
{
	pthread_mutex_lock(&written_lock);
	written_n = written_next = 0;
	pthread_mutex_unlock(&written_lock);
}

/* st (the open pack) is a file noted as written with trailer sum */
static bool was_written(const struct stat *st, const unsigned char sum[20])
{
	bool found = false;
	pthread_mutex_lock(&written_lock);
	for (size_t i = 0; i < written_n && !found; i++) {
		const written *w = &written_v[i];
		found = w->dev == st->st_dev && w->ino == st->st_ino && w->size == st->st_size &&
		        same_time(&w->mtime, &st->st_mtim) && same_time(&w->ctime, &st->st_ctim) &&
		        !memcmp(w->sum, sum, 20);
	}
	pthread_mutex_unlock(&written_lock);
	return found;
}

/* Copy size bytes of in to out by the kernel, in pieces so a cancel is
 * seen: 0; -1 on a write failure (errno); -2 when in is shorter than size
 * (changed under us); -3 when cancelled; 1 when the kernel cannot copy
 * between these files (nothing copied: the caller reads and writes). */
#define KCOPY_PIECE (8u << 20)
static int kernel_copy(int in, int out, uint64_t size, volatile sig_atomic_t *cancel)
{
	uint64_t off = 0;
	while (off < size) {
		if (cancel && *cancel)
			return -3;
		size_t want = size - off < KCOPY_PIECE ? (size_t)(size - off) : KCOPY_PIECE;
		ssize_t k = copy_file_range(in, NULL, out, NULL, want, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && off == 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
			return 1;
		if (k == 0)
			return -2; /* shorter than it was: changed under us, not copied */
		if (k < 0)
			return -1;
		off += (uint64_t)k;
	}
	return 0;
}

/* The packs to copy, by the name of their index in objects/pack. */
typedef struct choice {
	char **names;
	size_t n, cap;
} choice;

static void choice_free(choice *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		free(ch->names[i]);
	free(ch->names);
}

/* Whether this index holds listed objects (*hits) and, if so, whether all
 * its others are in the destination (*extra_ok); marks what it covers. */
static void match(const ps_packidx *x, const git_oid *want, size_t n, bool *covered, size_t *ncov, size_t *hits,
                  bool *extra_ok, ps_packcopy_has_fn has, void *ctx)
{
	*hits = 0;
	*extra_ok = true;
	size_t w = 0;
	for (uint32_t j = 0; j < x->n; j++) {
		const unsigned char *id = ps_packidx_id(x, j);
		while (w < n && memcmp(want[w].id, id, 20) < 0)
			w++;
		if (w < n && memcmp(want[w].id, id, 20) == 0) {
			(*hits)++;
			if (!covered[w])
				covered[w] = true, (*ncov)++;
		}
	}
	if (!*hits)
		return;
	w = 0;
	for (uint32_t j = 0; j < x->n && *extra_ok; j++) {
		const unsigned char *id = ps_packidx_id(x, j);
		while (w < n && memcmp(want[w].id, id, 20) < 0)
			w++;
		if (w < n && memcmp(want[w].id, id, 20) == 0)
			continue;
		git_oid o;
		git_oid_fromraw(&o, id);
		*extra_ok = has(ctx, &o) == 1;
	}
}

/* 0 and *ch the packs that are exactly the listed set; 1 when there are
 * none such (the caller walks); PS_ENOMEM. */
static int choose(choice *ch, const char *packdir, const git_oid *want, size_t n, ps_packcopy_has_fn has, void *ctx)
{
	bool *covered = calloc(n ? n : 1, sizeof(bool));
	DIR *d = opendir(packdir);
	size_t ncov = 0;
	int rc = 1;
	if (!covered) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	if (!d)
		goto out;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 9 || strncmp(e->d_name, "pack-", 5) != 0 || strcmp(e->d_name + len - 4, ".idx") != 0)
			continue;
		char path[4400];
		ps_packidx x;
		size_t hits;
		bool extra_ok;
		snprintf(path, sizeof(path), "%.4096s/%.255s", packdir, e->d_name);
		if (ps_packidx_open(&x, path) != 0)
			continue; /* what it holds, if needed, leaves something uncovered */
		match(&x, want, n, covered, &ncov, &hits, &extra_ok, has, ctx);
		ps_packidx_close(&x);
		if (!hits)
			continue;
		if (!extra_ok)
			goto out; /* a pack holding objects the push does not send */
		if (ch->n == ch->cap) {
			size_t cap = ch->cap ? ch->cap * 2 : 4;
			char **nn = realloc(ch->names, cap * sizeof(*nn));
			if (!nn) {
				rc = ps_error_set(PS_ENOMEM, "out of memory");
				goto out;
			}
			ch->names = nn;
			ch->cap = cap;
		}
		if (!(ch->names[ch->n] = strndup(e->d_name, len - 4))) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			goto out;
		}
		ch->n++;
	}
	if (ncov == n && ch->n)
		rc = 0;
out:
	if (d)
		closedir(d);
	free(covered);
	return rc;
}

static int write_all_fd(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Copy the pack src to the new file dst (fsynced), hashing it: *sum_ok
 * when its trailer is the SHA-1 of what precedes it; sum its trailer,
 * *count the object count of its header. -1 with errno on a write
 * failure of dst; -2 when src cannot be read (then it is not copied); -3
 * when cancelled. */
static int copy_pack(const char *src, const char *dst, unsigned char sum[20], uint32_t *count, bool *sum_ok,
                     unsigned char *buf, volatile sig_atomic_t *cancel)
{
	*sum_ok = false;
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -2;
	struct stat st;
	if (in < 0 || fstat(in, &st) != 0 || st.st_size < 32)
		goto done;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0) {
		rc = -1;
		goto done;
	}
	uint64_t size = (uint64_t)st.st_size, off = 0, body = size - 20;
	unsigned char head[12];
	if (pread(in, head, sizeof(head), 0) != (ssize_t)sizeof(head) || pread(in, sum, 20, (off_t)body) != 20)
		goto done;
	bool hashed = was_written(&st, sum); /* hashed as it was written, by us */
	if (hashed) {
		int k = kernel_copy(in, out, size, cancel);
		if (k == 1) {
			off = 0; /* the read and write loop below, without hashing */
		} else if (k) {
			rc = k;
			goto done;
		} else {
			off = size;
		}
	}
	ps_sha1 sha;
	ps_sha1_init(&sha);
	while (off < size) {
		if (cancel && *cancel) {
			rc = -3;
			goto done;
		}
		ssize_t k = read(in, buf, COPY_BUF);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || off + (uint64_t)k > size)
			goto done; /* it changed under us: not copied */
		size_t h = hashed || off >= body ? 0 : (uint64_t)k < body - off ? (size_t)k : (size_t)(body - off);
		if (h)
			ps_sha1_update(&sha, buf, h);
		if (write_all_fd(out, buf, (size_t)k) != 0) {
			rc = -1;
			goto done;
		}
		off += (uint64_t)k;
	}
	unsigned char got[20];
	ps_sha1_final(&sha, got);
	*sum_ok = (hashed || memcmp(got, sum, 20) == 0) && memcmp(head, "PACK", 4) == 0 && head[7] >= 2 && head[7] <= 3;
	*count = get32(head + 8);
	rc = fsync(out) == 0 ? 0 : -1;
done:
	if (rc == -1 && errno == 0)
		errno = EIO;
	int e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0 && rc == 0)
		rc = -1, e = errno;
	if (rc && out >= 0)
		unlink(dst);
	errno = e;
	return rc;
}

/* Write the index bytes to the new file dst, fsynced. */
static int write_idx(const char *dst, const ps_packidx *x)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -1;
	int rc = write_all_fd(fd, x->p, x->size) == 0 && fsync(fd) == 0 ? 0 : -1;
	int e = errno;
	if (close(fd) != 0 && rc == 0)
		rc = -1, e = errno;
	if (rc)
		unlink(dst);
	errno = e;
	return rc;
}

/* One chosen pack: 0 copied, 1 when it fails its checksums (not copied),
 * or an error. */
static int copy_one(const char *srcdir, const char *dstdir, const char *name, unsigned char *buf,
                    volatile sig_atomic_t *cancel)
{
	static unsigned seq;
	char sp[4400], si[4400], tp[4400], ti[4400], fp[4400], fi[4400], hex[41];
	ps_packidx x;
	unsigned char sum[20], isum[20];
	uint32_t count = 0;
	bool sum_ok;
	snprintf(sp, sizeof(sp), "%.4096s/%.255s.pack", srcdir, name);
	snprintf(si, sizeof(si), "%.4096s/%.255s.idx", srcdir, name);
	if (ps_packidx_open(&x, si) != 0)
		return 1;
	/* the index's own trailer, then the pack's checksum it records */
	ps_sha1 sha;
	ps_sha1_init(&sha);
	ps_sha1_update(&sha, x.p, x.size - 20);
	ps_sha1_final(&sha, isum);
	if (memcmp(isum, x.p + x.size - 20, 20) != 0) {
		ps_packidx_close(&x);
		return 1;
	}
	snprintf(tp, sizeof(tp), "%.4096s/tmp_plansync_%ld_%u.pack", dstdir, (long)getpid(), seq);
	snprintf(ti, sizeof(ti), "%.4096s/tmp_plansync_%ld_%u.idx", dstdir, (long)getpid(), seq++);
	unlink(tp);
	unlink(ti);
	int c = copy_pack(sp, tp, sum, &count, &sum_ok, buf, cancel);
	int rc = 0;
	if (c == -3) {
		rc = ps_error_set(PS_EOFFLINE, "transfer interrupted");
		goto out;
	}
	if (c == -1) {
		rc = ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", dstdir, strerror(errno));
		goto out;
	}
	if (c == -2 || !sum_ok || count != x.n || memcmp(sum, x.p + x.size - 40, 20) != 0) {
		unlink(tp);
		rc = 1; /* damaged or changed: the caller's walk reads it object by object */
		goto out;
	}
	ps_fault_point("push:packcopy");
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	snprintf(fp, sizeof(fp), "%.4096s/pack-%s.pack", dstdir, hex);
	snprintf(fi, sizeof(fi), "%.4096s/pack-%s.idx", dstdir, hex);
	if (write_idx(ti, &x) != 0 || rename(tp, fp) != 0) {
		rc = ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", dstdir, strerror(errno));
		unlink(tp);
		unlink(ti);
		goto out;
	}
	ps_fault_point("push:packidx");
	if (rename(ti, fi) != 0) {
		rc = ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", dstdir, strerror(errno));
		unlink(ti);
	}
out:
	ps_packidx_close(&x);
	return rc;
}

int ps_packcopy_push(bool *copied, const char *src_gitdir, const char *dst_gitdir, const git_oid *want, size_t n,
                     ps_packcopy_has_fn has, void *ctx, volatile sig_atomic_t *cancel)
{
	assert(copied && src_gitdir && dst_gitdir && (want || !n) && has);
	*copied = false;
	char srcdir[4097], dstdir[4097];
	if ((size_t)snprintf(srcdir, sizeof(srcdir), "%sobjects/pack", src_gitdir) >= sizeof(srcdir) ||
	    (size_t)snprintf(dstdir, sizeof(dstdir), "%sobjects/pack", dst_gitdir) >= sizeof(dstdir))
		return 0; /* the walk writes it, or says why it cannot */
	choice ch = {0};
	unsigned char *buf = NULL;
	int rc = n ? choose(&ch, srcdir, want, n, has, ctx) : 1;
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out;
	}
	if (!(buf = malloc(COPY_BUF))) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	/* A pack renamed into place before a later one fails (or a kill) is
	 * objects the remote may keep: no ref names them until the caller
	 * moves one, and the walk then skips what they hold. */
	for (size_t i = 0; i < ch.n; i++)
		if ((rc = copy_one(srcdir, dstdir, ch.names[i], buf, cancel)))
			goto out;
	int dfd = open(dstdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		rc = ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", dstdir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	*copied = true;
out:
	rc = rc == 1 ? 0 : rc; /* a pack that failed its checksums: the walk instead */
	free(buf);
	choice_free(&ch);
	return rc;
}
