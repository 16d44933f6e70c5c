/* key.h - a replica's Ed25519 key and SSH signatures (sshsig).
 *
 * Keys are stored as OpenSSH writes them: the private key in the
 * "openssh-key-v1" format, unencrypted (ssh-keygen -t ed25519 -N ''), so
 * ssh-keygen and ssh can use the same file; the public key as one line
 * "ssh-ed25519 AAAA... comment". Signatures are sshsig (OpenSSH
 * PROTOCOL.sshsig, hash sha512), armored as ssh-keygen -Y sign writes
 * them, which is what git writes into a commit with gpg.format=ssh.
 * Ed25519, SHA-2 and base64 come from libsodium; the file formats are ours.
 * Functions return 0 or a code of plansync/error.h with the reason set. */
#ifndef PLANSYNC_KEY_H
#define PLANSYNC_KEY_H
#include <stddef.h>
#include <stdint.h>

#define PS_KEY_FPR_MAX 64   /* "SHA256:" + 43 base64 characters + NUL */
#define PS_SSHSIG_MAX  8192 /* the longest armored signature read */

/* An Ed25519 key pair; the secret part lives in sodium_malloc memory. */
typedef struct ps_key ps_key;

/* A new key pair: path (mode 0600, unencrypted OpenSSH private key, as
 * ssh-keygen -t ed25519 -N '' writes) and path.pub ("ssh-ed25519 AAAA...
 * comment"). Never overwrites: PS_EEXISTS when either file is there. */
int ps_key_generate(const char *path, const char *comment);
/* Read a private key file. Refuses (PS_EINVALID, naming the file and what
 * to do): group/other permission bits ("... has permissions 0644; run:
 * chmod 600 FILE"), a key that is not Ed25519, an encrypted key, a file
 * that is corrupt or no OpenSSH private key. */
int ps_key_load(ps_key **out, const char *path);
/* Write k to path (0600) and path.pub with comment (NULL: the key's own).
 * Never overwrites: PS_EEXISTS. */
int ps_key_save(const ps_key *k, const char *path, const char *comment);
void ps_key_free(ps_key *k);
/* The 32 bytes of the public key; borrowed. */
const uint8_t *ps_key_public(const ps_key *k);
/* The comment stored with the private key ("" when none); borrowed. */
const char *ps_key_comment(const ps_key *k);

/* "ssh-ed25519 AAAA... comment" (no newline; comment NULL or "": none);
 * free(). */
int ps_pubkey_text(char **out, const uint8_t pub[32], const char *comment);
/* Parse "ssh-ed25519 AAAA... [comment]": PS_EINVALID with the reason. */
int ps_pubkey_parse(uint8_t pub[32], const char *text);
/* As ssh-keygen -l prints it: "SHA256:" and the unpadded base64 of the
 * SHA-256 of the public key blob. */
void ps_pubkey_fingerprint(char out[PS_KEY_FPR_MAX], const uint8_t pub[32]);

/* Sign msg in namespace ns (e.g. "git"): *armored is the
 * "-----BEGIN SSH SIGNATURE-----" text with a final newline; free(). */
int ps_sshsig_sign(char **armored, const ps_key *k, const char *ns, const void *msg, size_t len);
/* Verify an armored sshsig of msg in namespace ns: 0 and the signer's
 * public key, or PS_EINVALID with the reason in words (not an SSH
 * signature, wrong namespace, not an Ed25519 key, signature does not
 * match, ...). Who the signer may be is the caller's question. */
int ps_sshsig_verify(uint8_t signer[32], const char *armored, size_t alen, const char *ns, const void *msg, size_t len);

/* The replica's own key, DIR/key (DIR/key.pub beside it), loaded once and
 * borrowed until the replica is freed or takes a new id. A replica made
 * before keys existed gets its key here (logged). Errors as ps_key_load. */
typedef struct ps_replica ps_replica;
int ps_replica_key(ps_replica *r, const ps_key **out);
/* This replica's keys: its own (replica id now) and those it kept when it
 * took a new id (DIR/key.<old id>.pub), each with the replica id it signed
 * as. fn returning non-zero stops with that value. */
int ps_replica_keys_each(ps_replica *r, int (*fn)(void *ctx, const char *replica, const uint8_t pub[32]), void *ctx);
/* One line of a git allowed-signers file (gpg.ssh.allowedSignersFile) for
 * a replica's key: "<replica>@plansync.invalid namespaces=\"git\"
 * ssh-ed25519 AAAA..." and a newline; the principal is the e-mail of the
 * replica's commits; with valid_before (Unix time, >0) the key verifies
 * only commits made before it (valid-before="YYYYMMDDhhmmssZ"). free(). */
int ps_allowed_signer_line(char **out, const char *replica, const uint8_t pub[32], long long valid_before);
#define PS_SIGNER_DOMAIN "plansync.invalid"
/* The comment written with a replica's key: "plansync <office>/<replica>". */
#define PS_KEY_COMMENT_PREFIX "plansync "

#endif
