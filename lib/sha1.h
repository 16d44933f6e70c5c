/* sha1.h - internal: plain SHA-1 for pack trailers (see sha1.c). */
#ifndef PLANSYNC_SHA1_H
#define PLANSYNC_SHA1_H
#include <stddef.h>
#include <stdint.h>

typedef struct ps_sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t used;
} ps_sha1;

void ps_sha1_init(ps_sha1 *s);
void ps_sha1_update(ps_sha1 *s, const void *data, size_t n);
void ps_sha1_final(ps_sha1 *s, unsigned char out[20]);

#endif
