/* key.c - a replica's Ed25519 key in OpenSSH's files (see key.h).
 *
 * Exports ps_key_* and ps_pubkey_*, and to sshsig.c (key_int.h) the SSH
 * wire reader and writer and the armor. The private key file is
 * "openssh-key-v1" (OpenSSH PROTOCOL.key) with cipher and kdf "none": the
 * same bytes ssh-keygen -t ed25519 -N '' writes, so ssh-keygen -y reads
 * ours and we read its. Encrypted keys and other key types are refused
 * with what to do, never guessed at. Secret bytes live in sodium_malloc
 * memory or in buffers wiped before they are freed. Never logs a secret,
 * never overwrites a key file. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "plansync/error.h"
#include "key_int.h"

#define KEY_MAGIC       "openssh-key-v1" /* and its NUL */
#define KEY_ARMOR       "OPENSSH PRIVATE KEY"
#define KEY_FILE_MAX    16384
#define KEY_COMMENT_MAX 1024
#define ARMOR_COLUMNS   70

int ps_key_crypto_init(void)
{
	if (sodium_init() < 0)
		return ps_error_set(PS_ERROR, "cannot initialise libsodium");
	return 0;
}

/* ---- SSH wire encoding ---- */

int ps_wire_u32(ps_wire *w, uint32_t *v)
{
	if (w->n < 4)
		return PS_EINVALID;
	*v = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
	w->p += 4;
	w->n -= 4;
	return 0;
}

int ps_wire_string(ps_wire *w, const uint8_t **s, size_t *n)
{
	uint32_t len;
	if (ps_wire_u32(w, &len) || len > w->n)
		return PS_EINVALID;
	*s = w->p;
	*n = len;
	w->p += len;
	w->n -= len;
	return 0;
}

int ps_wire_string_is(ps_wire *w, const char *text)
{
	const uint8_t *s;
	size_t n;
	if (ps_wire_string(w, &s, &n))
		return PS_EINVALID;
	return n == strlen(text) && memcmp(s, text, n) == 0 ? 0 : PS_EINVALID;
}

void ps_wire_put_u32(ps_buf *b, uint32_t v)
{
	uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	ps_buf_put(b, be, 4);
}

void ps_wire_put_string(ps_buf *b, const void *s, size_t n)
{
	ps_wire_put_u32(b, (uint32_t)n);
	ps_buf_put(b, s, n);
}

void ps_key_blob(uint8_t out[PS_KEY_BLOB_LEN], const uint8_t pub[32])
{
	static const uint8_t head[] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32};
	memcpy(out, head, sizeof(head));
	memcpy(out + sizeof(head), pub, 32);
}

/* The key type of a blob as printable text, for messages. */
static void type_text(char out[64], const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (; i < n && i < 40; i++)
		out[i] = s[i] >= 0x21 && s[i] < 0x7f ? (char)s[i] : '?';
	out[i] = '\0';
}

int ps_key_blob_parse(uint8_t pub[32], const uint8_t *blob, size_t n, const char *what)
{
	ps_wire w = {blob, n};
	const uint8_t *type, *key;
	size_t tn, kn;
	if (ps_wire_string(&w, &type, &tn))
		return ps_error_set(PS_EINVALID, "%s: the public key is cut short", what);
	if (tn != strlen(PS_KEY_TYPE) || memcmp(type, PS_KEY_TYPE, tn) != 0) {
		char t[64];
		type_text(t, type, tn);
		return ps_error_set(PS_EINVALID, "%s: the key is of type '%s'; plansync accepts Ed25519 keys only (%s)",
		                    what, t, PS_KEY_TYPE);
	}
	if (ps_wire_string(&w, &key, &kn) || kn != 32 || w.n != 0)
		return ps_error_set(PS_EINVALID, "%s: the Ed25519 public key is not 32 bytes", what);
	memcpy(pub, key, 32);
	return 0;
}

/* ---- armor ---- */

char *ps_armor_encode(const uint8_t *data, size_t len, const char *label)
{
	size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	if (!b64)
		return NULL;
	sodium_bin2base64(b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
	size_t n = strlen(b64);
	ps_buf b = PS_BUF_INIT;
	ps_buf_printf(&b, "-----BEGIN %s-----\n", label);
	for (size_t i = 0; i < n; i += ARMOR_COLUMNS) {
		ps_buf_put(&b, b64 + i, n - i < ARMOR_COLUMNS ? n - i : ARMOR_COLUMNS);
		ps_buf_puts(&b, "\n");
	}
	ps_buf_printf(&b, "-----END %s-----\n", label);
	sodium_memzero(b64, b64len);
	free(b64);
	return ps_buf_detach(&b);
}

static const char *find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

int ps_armor_decode(uint8_t **out, size_t *outlen, const char *text, size_t len, const char *label, size_t max,
                    const char *what)
{
	char begin[80], end[80];
	*out = NULL;
	*outlen = 0;
	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	const char *b = find(text, len, begin);
	if (!b)
		return ps_error_set(PS_EINVALID, "%s: no '%s' line", what, begin);
	b += strlen(begin);
	const char *e = find(b, len - (size_t)(b - text), end);
	if (!e)
		return ps_error_set(PS_EINVALID, "%s: no '%s' line (cut short?)", what, end);
	size_t b64n = (size_t)(e - b);
	if (b64n / 4 * 3 > max + 3)
		return ps_error_set(PS_EINVALID, "%s: more than %zu bytes between the BEGIN and END lines", what, max);
	uint8_t *bin = malloc(b64n / 4 * 3 + 3);
	if (!bin)
		return ps_error_set(PS_ENOMEM, "out of memory");
	size_t n = 0;
	const char *stop = NULL;
	if (sodium_base642bin(bin, b64n / 4 * 3 + 3, b, b64n, " \t\r\n", &n, &stop, sodium_base64_VARIANT_ORIGINAL) !=
	        0 ||
	    stop != e || n == 0 || n > max) {
		sodium_memzero(bin, b64n / 4 * 3 + 3);
		free(bin);
		return ps_error_set(PS_EINVALID, "%s: the text between the BEGIN and END lines is not valid base64",
		                    what);
	}
	*out = bin;
	*outlen = n;
	return 0;
}

/* ---- public keys ---- */

int ps_pubkey_text(char **out, const uint8_t pub[32], const char *comment)
{
	*out = NULL;
	uint8_t blob[PS_KEY_BLOB_LEN];
	char b64[sodium_base64_ENCODED_LEN(PS_KEY_BLOB_LEN, sodium_base64_VARIANT_ORIGINAL)];
	ps_key_blob(blob, pub);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob), sodium_base64_VARIANT_ORIGINAL);
	ps_buf b = PS_BUF_INIT;
	ps_buf_printf(&b, "%s %s", PS_KEY_TYPE, b64);
	if (comment && comment[0])
		ps_buf_printf(&b, " %s", comment);
	*out = ps_buf_detach(&b);
	return *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

int ps_pubkey_parse(uint8_t pub[32], const char *text)
{
	char what[64];
	snprintf(what, sizeof(what), "public key '%.24s%s'", text, strlen(text) > 24 ? "..." : "");
	while (*text == ' ' || *text == '\t')
		text++;
	size_t tn = strcspn(text, " \t\r\n");
	if (tn != strlen(PS_KEY_TYPE) || memcmp(text, PS_KEY_TYPE, tn) != 0)
		return ps_error_set(PS_EINVALID, "%s: expected '%s AAAA... [comment]'", what, PS_KEY_TYPE);
	text += tn;
	while (*text == ' ' || *text == '\t')
		text++;
	size_t bn = strcspn(text, " \t\r\n");
	uint8_t blob[PS_KEY_BLOB_LEN + 3];
	size_t n = 0;
	const char *stop = NULL;
	if (bn == 0 || bn > 80 ||
	    sodium_base642bin(blob, sizeof(blob), text, bn, NULL, &n, &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    stop != text + bn)
		return ps_error_set(PS_EINVALID, "%s: the key is not valid base64", what);
	return ps_key_blob_parse(pub, blob, n, what);
}

int ps_allowed_signer_line(char **out, const char *replica, const uint8_t pub[32], long long valid_before)
{
	*out = NULL;
	char *key = NULL, until[64] = "";
	int rc = ps_pubkey_text(&key, pub, NULL);
	if (rc)
		return rc;
	time_t t = (time_t)valid_before;
	struct tm tm;
	if (valid_before > 0 && gmtime_r(&t, &tm))
		strftime(until, sizeof(until), ",valid-before=\"%Y%m%d%H%M%SZ\"", &tm);
	ps_buf b = PS_BUF_INIT;
	ps_buf_printf(&b, "%s@%s namespaces=\"git\"%s %s\n", replica, PS_SIGNER_DOMAIN, until, key);
	free(key);
	*out = ps_buf_detach(&b);
	return *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

void ps_pubkey_fingerprint(char out[PS_KEY_FPR_MAX], const uint8_t pub[32])
{
	uint8_t blob[PS_KEY_BLOB_LEN], d[crypto_hash_sha256_BYTES];
	ps_key_blob(blob, pub);
	crypto_hash_sha256(d, blob, sizeof(blob));
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, PS_KEY_FPR_MAX - 7, d, sizeof(d), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

/* ---- private keys ---- */

static ps_key *key_new(void)
{
	ps_key *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->secret = sodium_malloc(crypto_sign_ed25519_SECRETKEYBYTES);
	if (!k->secret) {
		free(k);
		return NULL;
	}
	return k;
}

void ps_key_free(ps_key *k)
{
	if (!k)
		return;
	sodium_free(k->secret);
	free(k->comment);
	free(k);
}

const uint8_t *ps_key_public(const ps_key *k)
{
	assert(k);
	return k->pub;
}

const char *ps_key_comment(const ps_key *k)
{
	assert(k);
	return k->comment ? k->comment : "";
}

/* The armored private key file of k; the caller wipes and frees it. */
static char *private_text(const ps_key *k, const char *comment)
{
	uint8_t blob[PS_KEY_BLOB_LEN];
	ps_key_blob(blob, k->pub);
	size_t cn = strlen(comment);
	/* Sized up front so the buffer never moves: no copy of the secret is
	 * left behind in memory given back by realloc. */
	size_t cap = 512 + 2 * cn;
	ps_buf priv = {malloc(cap), 0, cap, 0}, all = {malloc(cap), 0, cap, 0};
	char *text = NULL;
	if (!priv.ptr || !all.ptr)
		goto done;
	uint32_t check;
	randombytes_buf(&check, sizeof(check));
	ps_wire_put_u32(&priv, check);
	ps_wire_put_u32(&priv, check);
	ps_wire_put_string(&priv, PS_KEY_TYPE, strlen(PS_KEY_TYPE));
	ps_wire_put_string(&priv, k->pub, 32);
	ps_wire_put_string(&priv, k->secret, crypto_sign_ed25519_SECRETKEYBYTES);
	ps_wire_put_string(&priv, comment, cn);
	for (uint8_t pad = 1; priv.len % 8; pad++)
		ps_buf_put(&priv, &pad, 1);
	ps_buf_put(&all, KEY_MAGIC, sizeof(KEY_MAGIC));
	ps_wire_put_string(&all, "none", 4);
	ps_wire_put_string(&all, "none", 4);
	ps_wire_put_string(&all, "", 0);
	ps_wire_put_u32(&all, 1);
	ps_wire_put_string(&all, blob, sizeof(blob));
	ps_wire_put_string(&all, priv.ptr, priv.len);
	assert(priv.cap == cap && all.cap == cap);
	if (!ps_buf_error(&priv) && !ps_buf_error(&all))
		text = ps_armor_encode((const uint8_t *)all.ptr, all.len, KEY_ARMOR);
done:
	if (priv.ptr)
		sodium_memzero(priv.ptr, cap);
	if (all.ptr)
		sodium_memzero(all.ptr, cap);
	free(priv.ptr);
	free(all.ptr);
	return text;
}

/* Create path with mode holding text, never replacing a file: written
 * under a temporary name, then linked into place (link fails when path
 * exists), so a reader never sees half a key. */
static int write_new(const char *path, const char *text, mode_t mode)
{
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return ps_error_set(PS_ERROR, "cannot create %s: %s", tmp, strerror(errno));
	size_t n = strlen(text), done = 0;
	int e = 0;
	while (done < n && !e) {
		ssize_t w = write(fd, text + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			e = w < 0 ? errno : EIO;
		else
			done += (size_t)w;
	}
	if (!e && fchmod(fd, mode) != 0) /* whatever the umask */
		e = errno;
	if (!e && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && link(tmp, path) != 0)
		e = errno;
	unlink(tmp);
	if (e == EEXIST)
		return ps_error_set(PS_EEXISTS, "%s exists already; a key is never replaced: move it away first", path);
	if (e)
		return ps_error_set(PS_ERROR, "cannot write %s: %s", path, strerror(e));
	return 0;
}

int ps_key_save(const ps_key *k, const char *path, const char *comment)
{
	assert(k && path);
	if (!comment)
		comment = ps_key_comment(k);
	if (strlen(comment) > KEY_COMMENT_MAX || strchr(comment, '\n'))
		return ps_error_set(PS_EINVALID, "key comment too long or on several lines");
	char pubpath[4200];
	if (snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= (int)sizeof(pubpath))
		return ps_error_set(PS_EINVALID, "key path too long: %s", path);
	struct stat st;
	if (lstat(path, &st) == 0 || lstat(pubpath, &st) == 0)
		return ps_error_set(PS_EEXISTS, "%s or %s exists already; a key is never replaced: move it away first",
		                    path, pubpath);
	char *pubtext = NULL, *text = private_text(k, comment);
	int rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (!text || ps_pubkey_text(&pubtext, k->pub, comment))
		goto done;
	size_t pn = strlen(pubtext);
	char *line = realloc(pubtext, pn + 2);
	if (!line)
		goto done;
	pubtext = line;
	memcpy(pubtext + pn, "\n", 2);
	rc = write_new(path, text, 0600);
	if (rc)
		goto done;
	rc = write_new(pubpath, pubtext, 0644);
	if (rc)
		unlink(path);
done:
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	free(pubtext);
	return rc;
}

int ps_key_generate(const char *path, const char *comment)
{
	int rc = ps_key_crypto_init();
	if (rc)
		return rc;
	ps_key *k = key_new();
	if (!k)
		return ps_error_set(PS_ENOMEM, "out of memory");
	crypto_sign_ed25519_keypair(k->pub, k->secret);
	rc = ps_key_save(k, path, comment ? comment : "");
	ps_key_free(k);
	return rc;
}

/* Parse the decoded "openssh-key-v1" bytes into k. */
static int parse_private(ps_key *k, const uint8_t *bin, size_t n, const char *path)
{
	ps_wire w = {bin, n};
	const uint8_t *s, *priv;
	size_t sn, privn;
	uint32_t nkeys;
	uint8_t pub[32];
	char what[4200];
	snprintf(what, sizeof(what), "%s", path);
	if (n < sizeof(KEY_MAGIC) || memcmp(bin, KEY_MAGIC, sizeof(KEY_MAGIC)) != 0)
		return ps_error_set(PS_EINVALID, "%s is corrupt: not an OpenSSH private key", path);
	w.p += sizeof(KEY_MAGIC);
	w.n -= sizeof(KEY_MAGIC);
	if (ps_wire_string(&w, &s, &sn))
		return ps_error_set(PS_EINVALID, "%s is corrupt: cut short", path);
	if (sn != 4 || memcmp(s, "none", 4) != 0)
		return ps_error_set(PS_EINVALID,
		                    "%s is encrypted (it has a passphrase); plansync needs a key without one: remove "
		                    "the passphrase on a copy (ssh-keygen -p -N '' -f COPY) or let plansync make a key",
		                    path);
	if (ps_wire_string_is(&w, "none") || ps_wire_string(&w, &s, &sn) || ps_wire_u32(&w, &nkeys))
		return ps_error_set(PS_EINVALID, "%s is corrupt: bad header", path);
	if (nkeys != 1)
		return ps_error_set(PS_EINVALID, "%s holds %u keys; plansync reads a file with one key", path, nkeys);
	if (ps_wire_string(&w, &s, &sn))
		return ps_error_set(PS_EINVALID, "%s is corrupt: cut short", path);
	int rc = ps_key_blob_parse(pub, s, sn, what);
	if (rc) {
		char why[4400];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		return ps_error_set(
		    rc, "%s; use an Ed25519 key (ssh-keygen -t ed25519 -N '' -f NEWFILE), or let init make one", why);
	}
	if (ps_wire_string(&w, &priv, &privn) || w.n != 0 || privn % 8 != 0)
		return ps_error_set(PS_EINVALID, "%s is corrupt: the private part has a bad length", path);
	ps_wire p = {priv, privn};
	uint32_t c1, c2;
	const uint8_t *kpub, *ksec, *comment;
	size_t kpn, ksn, cn;
	if (ps_wire_u32(&p, &c1) || ps_wire_u32(&p, &c2) || c1 != c2)
		return ps_error_set(PS_EINVALID, "%s is corrupt: its check numbers differ", path);
	if (ps_wire_string_is(&p, PS_KEY_TYPE) || ps_wire_string(&p, &kpub, &kpn) || kpn != 32 ||
	    ps_wire_string(&p, &ksec, &ksn) || ksn != crypto_sign_ed25519_SECRETKEYBYTES ||
	    ps_wire_string(&p, &comment, &cn) || cn > KEY_COMMENT_MAX || memchr(comment, '\0', cn))
		return ps_error_set(PS_EINVALID, "%s is corrupt: bad private key fields", path);
	for (size_t i = 0; i < p.n; i++)
		if (p.p[i] != (uint8_t)(i + 1))
			return ps_error_set(PS_EINVALID, "%s is corrupt: bad padding", path);
	uint8_t derived[32];
	uint8_t *check = sodium_malloc(crypto_sign_ed25519_SECRETKEYBYTES);
	if (!check)
		return ps_error_set(PS_ENOMEM, "out of memory");
	crypto_sign_ed25519_seed_keypair(derived, check, ksec);
	sodium_free(check);
	if (memcmp(pub, kpub, 32) != 0 || memcmp(ksec + 32, kpub, 32) != 0 || memcmp(derived, kpub, 32) != 0)
		return ps_error_set(PS_EINVALID, "%s is corrupt: its public and private parts do not match", path);
	memcpy(k->pub, pub, 32);
	memcpy(k->secret, ksec, crypto_sign_ed25519_SECRETKEYBYTES);
	k->comment = strndup((const char *)comment, cn);
	return k->comment ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

/* What a file that is no OpenSSH private key is, in words; NULL if it
 * may be one. */
static const char *other_format(const char *text, size_t n)
{
	if (n >= 4 && (memcmp(text, "ssh-", 4) == 0 || memcmp(text, "ecdsa-", 6 < n ? 6 : n) == 0))
		return "is a public key; give the private key file (the one without .pub)";
	if (find(text, n, "-----BEGIN OPENSSH PRIVATE KEY-----"))
		return NULL;
	if (find(text, n, "ENCRYPTED PRIVATE KEY-----") || find(text, n, "Proc-Type: 4,ENCRYPTED"))
		return "is an encrypted PEM key; plansync needs an unencrypted Ed25519 key (ssh-keygen -t ed25519 -N "
		       "'')";
	if (find(text, n, "-----BEGIN RSA PRIVATE KEY-----") || find(text, n, "-----BEGIN DSA PRIVATE KEY-----") ||
	    find(text, n, "-----BEGIN EC PRIVATE KEY-----") || find(text, n, "-----BEGIN PRIVATE KEY-----"))
		return "is a PEM private key, not an OpenSSH Ed25519 key; plansync accepts Ed25519 keys only: make one "
		       "with ssh-keygen -t ed25519 -N ''";
	return "is corrupt: not an OpenSSH private key (no '-----BEGIN OPENSSH PRIVATE KEY-----' line)";
}

int ps_key_load(ps_key **out, const char *path)
{
	*out = NULL;
	int rc = ps_key_crypto_init();
	if (rc)
		return rc;
	char *text = NULL;
	uint8_t *bin = NULL;
	size_t binlen = 0, n = 0;
	ps_key *k = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC); /* a link the user made is fine; its target is checked */
	if (fd < 0)
		return ps_error_set(errno == ENOENT ? PS_ENOTFOUND : PS_ERROR, "cannot open key file %s: %s", path,
		                    strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = ps_error_set(PS_EINVALID, "%s is not a regular file; give a private key file", path);
		goto done;
	}
	if (st.st_size > KEY_FILE_MAX || st.st_size == 0) {
		rc = ps_error_set(PS_EINVALID, "%s is %s; an Ed25519 private key file is about 400 bytes", path,
		                  st.st_size ? "too large" : "empty");
		goto done;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto done;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, text + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = ps_error_set(PS_ERROR, "cannot read %s: %s", path, r ? strerror(errno) : "file shrank");
			goto done;
		}
		n += (size_t)r;
	}
	text[n] = '\0';
	const char *other = other_format(text, n);
	if (other) {
		rc = ps_error_set(PS_EINVALID, "%s %s", path, other);
		goto done;
	}
	if (st.st_mode & 077) {
		rc = ps_error_set(PS_EINVALID,
		                  "private key %s has permissions %04o, readable by others; run: chmod 600 %s", path,
		                  (unsigned)(st.st_mode & 07777), path);
		goto done;
	}
	char what[4200];
	snprintf(what, sizeof(what), "corrupt private key file %s", path);
	rc = ps_armor_decode(&bin, &binlen, text, n, KEY_ARMOR, KEY_FILE_MAX, what);
	if (rc)
		goto done;
	k = key_new();
	if (!k) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto done;
	}
	rc = parse_private(k, bin, binlen, path);
	if (!rc) {
		*out = k;
		k = NULL;
	}
done:
	close(fd);
	if (text) {
		sodium_memzero(text, n);
		free(text);
	}
	if (bin) {
		sodium_memzero(bin, binlen);
		free(bin);
	}
	ps_key_free(k);
	return rc;
}
