/* sshsig.c - SSH signatures as ssh-keygen -Y sign makes them (see key.h).
 *
 * Exports ps_sshsig_sign and ps_sshsig_verify. The format is OpenSSH's
 * PROTOCOL.sshsig:
 *   blob   = "SSHSIG" uint32(1) string(public key blob) string(namespace)
 *            string(reserved, empty) string(hash algorithm)
 *            string(string("ssh-ed25519") string(64-byte signature))
 *   signed = "SSHSIG" string(namespace) string(reserved) string(hash algorithm)
 *            string(H(message))
 * armored as "-----BEGIN SSH SIGNATURE-----", base64 in 70 columns,
 * "-----END SSH SIGNATURE-----". We sign with sha512 (ssh-keygen's
 * default) and read sha512 and sha256. Only Ed25519 keys are accepted.
 * Parsing is strict: nothing before the armor, only white space after it,
 * no byte left over in the blob, sizes bounded. Never decides whether a
 * signer is allowed: that is the registry's question. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "plansync/error.h"
#include "key_int.h"

#define SIG_MAGIC   "SSHSIG" /* without its NUL */
#define SIG_VERSION 1
#define SIG_ARMOR   "SSH SIGNATURE"
#define SIG_NS_MAX  256

/* The bytes the Ed25519 signature covers, into b. */
static void signed_data(ps_buf *b, const char *ns, const char *hashalg, const void *msg, size_t len)
{
	uint8_t h[crypto_hash_sha512_BYTES];
	size_t hn = sizeof(h);
	if (strcmp(hashalg, "sha256") == 0) {
		crypto_hash_sha256(h, msg, len);
		hn = crypto_hash_sha256_BYTES;
	} else {
		crypto_hash_sha512(h, msg, len);
	}
	ps_buf_put(b, SIG_MAGIC, strlen(SIG_MAGIC));
	ps_wire_put_string(b, ns, strlen(ns));
	ps_wire_put_string(b, "", 0);
	ps_wire_put_string(b, hashalg, strlen(hashalg));
	ps_wire_put_string(b, h, hn);
}

static int check_ns(const char *ns)
{
	size_t n = strlen(ns);
	if (n == 0 || n > SIG_NS_MAX)
		return ps_error_set(PS_EINVALID, "a signature namespace is 1 to %d characters", SIG_NS_MAX);
	return 0;
}

int ps_sshsig_sign(char **armored, const ps_key *k, const char *ns, const void *msg, size_t len)
{
	assert(armored && k && ns && (msg || !len));
	*armored = NULL;
	int rc = ps_key_crypto_init();
	if (rc || (rc = check_ns(ns)))
		return rc;
	ps_buf data = PS_BUF_INIT, sigbuf = PS_BUF_INIT, blob = PS_BUF_INIT;
	uint8_t sig[crypto_sign_ed25519_BYTES], pubblob[PS_KEY_BLOB_LEN];
	signed_data(&data, ns, "sha512", msg, len);
	if (ps_buf_error(&data)) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto done;
	}
	crypto_sign_ed25519_detached(sig, NULL, (const uint8_t *)data.ptr, data.len, k->secret);
	ps_wire_put_string(&sigbuf, PS_KEY_TYPE, strlen(PS_KEY_TYPE));
	ps_wire_put_string(&sigbuf, sig, sizeof(sig));
	ps_key_blob(pubblob, k->pub);
	ps_buf_put(&blob, SIG_MAGIC, strlen(SIG_MAGIC));
	ps_wire_put_u32(&blob, SIG_VERSION);
	ps_wire_put_string(&blob, pubblob, sizeof(pubblob));
	ps_wire_put_string(&blob, ns, strlen(ns));
	ps_wire_put_string(&blob, "", 0);
	ps_wire_put_string(&blob, "sha512", 6);
	ps_wire_put_string(&blob, sigbuf.ptr, sigbuf.len);
	if (ps_buf_error(&sigbuf) || ps_buf_error(&blob)) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto done;
	}
	*armored = ps_armor_encode((const uint8_t *)blob.ptr, blob.len, SIG_ARMOR);
	rc = *armored ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
done:
	ps_buf_release(&data);
	ps_buf_release(&sigbuf);
	ps_buf_release(&blob);
	return rc;
}

/* Printable text of a wire string for a message. */
static void shown(char out[72], const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (; i < n && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (n > 64)
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
}

/* Parse the blob and verify; the reasons say what is wrong in words. */
static int verify_blob(uint8_t signer[32], const uint8_t *bin, size_t n, const char *ns, const void *msg, size_t len)
{
	ps_wire w = {bin, n};
	const uint8_t *pub, *sns, *reserved, *alg, *sigblob, *sig;
	size_t pubn, snsn, resn, algn, sigblobn, sign;
	uint32_t version;
	char text[72], algz[16];
	uint8_t key[32];
	if (n < strlen(SIG_MAGIC) || memcmp(bin, SIG_MAGIC, strlen(SIG_MAGIC)) != 0)
		return ps_error_set(PS_EINVALID, "not an SSH signature (no SSHSIG magic)");
	w.p += strlen(SIG_MAGIC);
	w.n -= strlen(SIG_MAGIC);
	if (ps_wire_u32(&w, &version))
		return ps_error_set(PS_EINVALID, "SSH signature cut short");
	if (version != SIG_VERSION)
		return ps_error_set(PS_EINVALID, "SSH signature of version %u; only version %d is read", version,
		                    SIG_VERSION);
	if (ps_wire_string(&w, &pub, &pubn) || ps_wire_string(&w, &sns, &snsn) ||
	    ps_wire_string(&w, &reserved, &resn) || ps_wire_string(&w, &alg, &algn) ||
	    ps_wire_string(&w, &sigblob, &sigblobn))
		return ps_error_set(PS_EINVALID, "SSH signature cut short");
	if (w.n != 0)
		return ps_error_set(PS_EINVALID, "SSH signature has %zu bytes after its end", w.n);
	int rc = ps_key_blob_parse(key, pub, pubn, "SSH signature");
	if (rc)
		return rc;
	if (snsn != strlen(ns) || memcmp(sns, ns, snsn) != 0) {
		shown(text, sns, snsn);
		return ps_error_set(PS_EINVALID, "SSH signature made for namespace '%s', not '%s'", text, ns);
	}
	if (algn == 6 && (memcmp(alg, "sha512", 6) == 0 || memcmp(alg, "sha256", 6) == 0)) {
		memcpy(algz, alg, 6);
		algz[6] = '\0';
	} else {
		shown(text, alg, algn);
		return ps_error_set(PS_EINVALID, "SSH signature uses hash '%s'; only sha512 and sha256 are read", text);
	}
	ps_wire sw = {sigblob, sigblobn};
	const uint8_t *stype;
	size_t stypen;
	if (ps_wire_string(&sw, &stype, &stypen) || ps_wire_string(&sw, &sig, &sign) || sw.n != 0)
		return ps_error_set(PS_EINVALID, "SSH signature: its signature field is malformed");
	if (stypen != strlen(PS_KEY_TYPE) || memcmp(stype, PS_KEY_TYPE, stypen) != 0) {
		shown(text, stype, stypen);
		return ps_error_set(PS_EINVALID, "SSH signature of type '%s' by an Ed25519 key", text);
	}
	if (sign != crypto_sign_ed25519_BYTES)
		return ps_error_set(PS_EINVALID, "SSH signature: the Ed25519 signature is %zu bytes, not 64", sign);
	(void)reserved;
	if (resn)
		return ps_error_set(PS_EINVALID, "SSH signature has a non-empty reserved field");
	ps_buf data = PS_BUF_INIT;
	signed_data(&data, ns, algz, msg, len);
	if (ps_buf_error(&data)) {
		ps_buf_release(&data);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	rc = crypto_sign_ed25519_verify_detached(sig, (const uint8_t *)data.ptr, data.len, key);
	ps_buf_release(&data);
	if (rc != 0) {
		char fpr[PS_KEY_FPR_MAX];
		ps_pubkey_fingerprint(fpr, key);
		return ps_error_set(PS_EINVALID,
		                    "bad signature: the SSH signature by key %s does not match the signed data "
		                    "(altered or forged)",
		                    fpr);
	}
	memcpy(signer, key, 32);
	return 0;
}

int ps_sshsig_verify(uint8_t signer[32], const char *armored, size_t alen, const char *ns, const void *msg, size_t len)
{
	assert(signer && armored && ns && (msg || !len));
	memset(signer, 0, 32);
	int rc = ps_key_crypto_init();
	if (rc || (rc = check_ns(ns)))
		return rc;
	static const char begin[] = "-----BEGIN " SIG_ARMOR "-----", end[] = "-----END " SIG_ARMOR "-----";
	if (alen > PS_SSHSIG_MAX)
		return ps_error_set(PS_EINVALID, "SSH signature of %zu bytes; at most %d are read", alen,
		                    PS_SSHSIG_MAX);
	if (alen < strlen(begin) || memcmp(armored, begin, strlen(begin)) != 0)
		return ps_error_set(PS_EINVALID, "not an SSH signature (it does not begin with '%s')", begin);
	/* Only white space after the END line. */
	size_t tail = alen;
	while (tail > 0 && strchr(" \t\r\n", armored[tail - 1]) && armored[tail - 1])
		tail--;
	if (tail < strlen(end) || memcmp(armored + tail - strlen(end), end, strlen(end)) != 0)
		return ps_error_set(PS_EINVALID, "SSH signature does not end with '%s'", end);
	uint8_t *bin = NULL;
	size_t n = 0;
	rc = ps_armor_decode(&bin, &n, armored, tail, SIG_ARMOR, PS_SSHSIG_MAX, "SSH signature");
	if (rc)
		return rc;
	rc = verify_blob(signer, bin, n, ns, msg, len);
	free(bin);
	return rc;
}
