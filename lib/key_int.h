/* key_int.h - internal to key.c and sshsig.c: the key's layout, the SSH
 * wire encoding (RFC 4251 uint32 and string) and the armor (base64 in 70
 * columns between BEGIN and END lines) both formats share. */
#ifndef PLANSYNC_KEY_INT_H
#define PLANSYNC_KEY_INT_H
#include <stddef.h>
#include <stdint.h>
#include "plansync/json.h"
#include "plansync/key.h"

#define PS_KEY_TYPE "ssh-ed25519"

struct ps_key {
	uint8_t pub[32];
	uint8_t *secret; /* 64 bytes (seed and public key), sodium_malloc */
	char *comment;
};

/* libsodium is ready (sodium_init); PS_ERROR when it cannot be. */
int ps_key_crypto_init(void);

/* A reader over SSH wire bytes; every read checks the bounds. */
typedef struct ps_wire {
	const uint8_t *p;
	size_t n;
} ps_wire;
int ps_wire_u32(ps_wire *w, uint32_t *v);
/* A string: *s points into the input (not NUL-terminated). */
int ps_wire_string(ps_wire *w, const uint8_t **s, size_t *n);
/* The next string equals text exactly. */
int ps_wire_string_is(ps_wire *w, const char *text);
void ps_wire_put_u32(ps_buf *b, uint32_t v);
void ps_wire_put_string(ps_buf *b, const void *s, size_t n);
/* The public key blob: string "ssh-ed25519", string pub (51 bytes). */
#define PS_KEY_BLOB_LEN 51
void ps_key_blob(uint8_t out[PS_KEY_BLOB_LEN], const uint8_t pub[32]);
/* Parse a public key blob; PS_EINVALID with a reason naming other types. */
int ps_key_blob_parse(uint8_t pub[32], const uint8_t *blob, size_t n, const char *what);

/* "-----BEGIN label-----\n" base64 in lines of 70 "-----END label-----\n";
 * free(). NULL when out of memory. */
char *ps_armor_encode(const uint8_t *data, size_t len, const char *label);
/* The bytes between the BEGIN and END lines of label in text (at most max
 * bytes decoded); *out is malloc'd (free() after wiping when secret).
 * PS_EINVALID with reason, naming what, when no such block or bad base64. */
int ps_armor_decode(uint8_t **out, size_t *outlen, const char *text, size_t len, const char *label, size_t max,
                    const char *what);

#endif
