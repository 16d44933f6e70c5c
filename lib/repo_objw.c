/* repo_objw.c - writing Git objects: loose into the object database (a few
 * objects), or all into one pack with its index (bulk: no per-object files,
 * no delta search), fsynced and renamed into place.
 *
 * Exports ps_objw_*. Never reads objects back and never moves a ref. A
 * finished pack is noted (ps_packcopy_note_written) with the trailer hashed
 * here, so a push in the same process copies it without hashing it again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <assert.h>
#include "plansync/error.h"
#include "plansync/json.h"
#include "packcopy.h"
#include "repo.h"
#include "sha1.h"

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
};

int ps_objw_new(ps_objw **out, git_repository *repo, bool pack)
{
	assert(out && repo);
	*out = NULL;
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
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp); /* not finished: nothing of it stays */
	}
	free(w->wb);
	free(w->objs);
	free(w->packdir);
	free(w);
}

/* Append and fold into the entry's CRC (the index records it). */
static uLong put_crc(ps_objw *w, uLong crc, const void *p, size_t len)
{
	objw_put(w, p, len);
	return crc32_z(crc, p, len);
}

/* The object as a zlib stream of stored blocks (RFC 1950 and 1951): what
 * deflate at level 0 writes, without its per-object reset of a stream
 * (measured: a deflateReset and a deflate call cost more than copying a
 * change file). Deflating 100k small objects even at level 1 costs ten
 * times the rest of an export on a small office PC; the pack is larger on
 * disk, and 'git gc' in repo.git compresses it in place. */
static uLong put_stored(ps_objw *w, uLong crc, const unsigned char *data, size_t len)
{
	static const unsigned char zhdr[2] = {0x78, 0x01}; /* deflate, 32 KiB window, no dictionary, fastest */
	crc = put_crc(w, crc, zhdr, sizeof(zhdr));
	uLong adler = adler32_z(adler32(0, Z_NULL, 0), data, len);
	do {
		size_t k = len > 65535 ? 65535 : len;
		unsigned char b[5] = {(unsigned char)(k == len), (unsigned char)k, (unsigned char)(k >> 8),
		                      (unsigned char)~k, (unsigned char)(~k >> 8)};
		crc = put_crc(w, crc, b, sizeof(b));
		crc = put_crc(w, crc, data, k);
		data += k;
		len -= k;
	} while (len);
	unsigned char a[4] = {(unsigned char)(adler >> 24), (unsigned char)(adler >> 16), (unsigned char)(adler >> 8),
	                      (unsigned char)adler};
	return put_crc(w, crc, a, sizeof(a));
}

static int add(ps_objw *w, git_oid *out, const git_oid *known, git_object_t type, const void *data, size_t len)
{
	assert(w && out && (data || !len));
	if (!w->pack) {
		if (git_odb_write(out, w->odb, data, len, type) < 0)
			return ps_repo_error(PS_ERROR, "writing an object");
		return 0;
	}
	if (known) {
		git_oid_cpy(out, known);
	} else {
		unsigned char id[20];
		ps_sha1_object(id, git_object_type2string(type), data, len);
		git_oid_fromraw(out, id);
	}
	/* pack entry: type and size in a varint, then the zlib stream */
	unsigned char hdr[16];
	size_t h = 0, sz = len;
	hdr[h++] = (unsigned char)(((unsigned)type << 4) | (sz & 0x0f)) | (sz > 0x0f ? 0x80 : 0);
	sz >>= 4;
	while (sz) {
		hdr[h++] = (unsigned char)((sz & 0x7f) | (sz > 0x7f ? 0x80 : 0));
		sz >>= 7;
	}
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
	o->crc = put_crc(w, crc32(0, Z_NULL, 0), hdr, h);
	o->crc = put_stored(w, o->crc, data, len);
	if (w->werr)
		return ps_error_set(PS_ERROR, "cannot write a pack in %s: %s", w->packdir, strerror(w->werr));
	w->count++;
	return 0;
}

int ps_objw_add(ps_objw *w, git_oid *out, git_object_t type, const void *data, size_t len)
{
	return add(w, out, NULL, type, data, len);
}

int ps_objw_add_hashed(ps_objw *w, git_oid *out, const git_oid *id, git_object_t type, const void *data, size_t len)
{
	assert(id);
	return add(w, out, id, type, data, len);
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
 * computed by ps_sha1_object (the ids libgit2 gives, test_repo); `git fsck` checks the result in the
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
	ps_packcopy_note_written(fp, sum); /* a push of this cycle copies it unhashed */
	git_odb_refresh(w->odb);
	w->count = 0;
out:
	ps_buf_release(&ix);
	return rc;
}
