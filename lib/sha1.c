/* sha1.c - SHA-1 for what plansync writes itself (see sha1.h): libcrypto's
 * SHA1_* behind three calls, and a Git object's id. Keeps no state. */
#include <stdio.h>
#include "sha1.h"

void ps_sha1_init(ps_sha1 *s)
{
	SHA1_Init(&s->c);
}

void ps_sha1_update(ps_sha1 *s, const void *data, size_t n)
{
	SHA1_Update(&s->c, data, n);
}

void ps_sha1_final(ps_sha1 *s, unsigned char out[20])
{
	SHA1_Final(out, &s->c);
}

void ps_sha1_object(unsigned char out[20], const char *type, const void *data, size_t len)
{
	char hdr[48];
	int n = snprintf(hdr, sizeof(hdr), "%s %zu", type, len);
	ps_sha1 s;
	ps_sha1_init(&s);
	ps_sha1_update(&s, hdr, (size_t)n + 1); /* with its NUL, as Git hashes it */
	ps_sha1_update(&s, data, len);
	ps_sha1_final(&s, out);
}
