/* sha1.h - internal: SHA-1 through OpenSSL's libcrypto, for the ids of the
 * Git objects plansync writes itself and the trailers of its packs.
 * libcrypto's assembly uses the CPU's SHA instructions where it has them
 * (about 3x the portable C this replaced, and 2.8x libgit2's
 * collision-detecting git_odb_hash, measured here on 500-byte blobs).
 * What plansync reads from other replicas is hashed by libgit2. */
#ifndef PLANSYNC_SHA1_H
#define PLANSYNC_SHA1_H
#include <stddef.h>
/* the SHA1_* calls: deprecated in OpenSSL 3 for EVP, but allocation-free
 * and the same assembly underneath */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/sha.h>

typedef struct ps_sha1 {
	SHA_CTX c;
} ps_sha1;

void ps_sha1_init(ps_sha1 *s);
void ps_sha1_update(ps_sha1 *s, const void *data, size_t n);
void ps_sha1_final(ps_sha1 *s, unsigned char out[20]);
/* The id Git gives an object: SHA-1 of "<type> <len>\0" then the data. */
void ps_sha1_object(unsigned char out[20], const char *type, const void *data, size_t len);

#endif
