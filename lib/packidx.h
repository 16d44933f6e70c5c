/* packidx.h - internal: a version-2 pack index, mapped read-only
 * (packidx.c). */
#ifndef PLANSYNC_PACKIDX_H
#define PLANSYNC_PACKIDX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <git2.h>

typedef struct ps_packidx {
	const unsigned char *p;
	size_t size;
	uint32_t n; /* objects */
} ps_packidx;

/* 0 and x mapped, or -1 (x zeroed) when path is not a whole version-2
 * index. Its checksums are not verified here. */
int ps_packidx_open(ps_packidx *x, const char *path);
/* Unmaps; x zeroed. Safe on a zeroed x. */
void ps_packidx_close(ps_packidx *x);
/* The i-th id, in id order (raw, 20 bytes). */
const unsigned char *ps_packidx_id(const ps_packidx *x, uint32_t i);
/* Whether the index lists id. */
bool ps_packidx_has(const ps_packidx *x, const git_oid *id);

#endif
