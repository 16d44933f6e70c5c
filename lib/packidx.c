/* packidx.c - reading a version-2 pack index (the .idx beside a .pack):
 * a header, a 256-entry fan-out table, the sorted ids, their CRCs and
 * offsets, then the pack's checksum and the index's own.
 *
 * Exports ps_packidx_*. Never reads the pack, never writes. Used where
 * libgit2's lookups cost too much per object (odbhas.c) or where the
 * index's bytes are copied (packcopy.c). */
#include <assert.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "packidx.h"

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ps_packidx_close(ps_packidx *x)
{
	if (x->p)
		munmap((void *)x->p, x->size);
	memset(x, 0, sizeof(*x));
}

int ps_packidx_open(ps_packidx *x, const char *path)
{
	assert(x && path);
	memset(x, 0, sizeof(*x));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_size < 8 + 1024 + 40) {
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	x->p = m;
	x->size = (size_t)st.st_size;
	static const unsigned char magic[8] = {0xff, 't', 'O', 'c', 0, 0, 0, 2};
	x->n = get32(x->p + 8 + 255 * 4);
	/* header, fan-out, ids, CRCs, offsets, then 8 bytes per large offset */
	uint64_t base = 8 + 1024 + (uint64_t)x->n * 28 + 40;
	bool ok = memcmp(x->p, magic, 8) == 0 && x->size >= base && (x->size - base) % 8 == 0;
	for (unsigned b = 1; ok && b < 256; b++) /* a fan-out that never falls: bounds for the search */
		ok = get32(x->p + 8 + 4 * b) >= get32(x->p + 8 + 4 * (b - 1));
	if (!ok) {
		ps_packidx_close(x);
		return -1;
	}
	return 0;
}

const unsigned char *ps_packidx_id(const ps_packidx *x, uint32_t i)
{
	assert(i < x->n);
	return x->p + 8 + 1024 + (size_t)i * 20;
}

bool ps_packidx_has(const ps_packidx *x, const git_oid *id)
{
	unsigned b = id->id[0];
	uint32_t lo = b ? get32(x->p + 8 + 4 * (b - 1)) : 0, hi = get32(x->p + 8 + 4 * b);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(x->p + 8 + 1024 + (size_t)mid * 20, id->id, 20);
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
