/* keys.h - the key registry: which replica key the province enrolled for
 * which office, pending enrolment requests, and the root of trust.
 *
 * The registry is plan data: province-owned records key/<office>/<replica>
 * (lib/record.c) with the fields public_key, fingerprint, person, enrolled,
 * revoked_after and revoked. A reader verifies every fetched commit against
 * it (lib/sync_verify.c): a commit validly signed by a key not yet enrolled
 * is an enrolment request, its changes held until the province approves it.
 * The root of trust is the province's first replica, whose key every other
 * replica pins (meta trust.province, "SHA256:..."). */
#ifndef PLANSYNC_KEYS_H
#define PLANSYNC_KEYS_H
#include <stdbool.h>
#include "plansync/replica.h"

typedef struct ps_keyinfo {
	const char *office, *replica, *public_key, *fingerprint, *person;
	bool enrolled, revoked;
	const char *revoked_after;            /* NULL unless revoked */
	const char *enrolled_at, *revoked_at; /* the times, NULL when not */
	const char *previous_keys;            /* keys it had before, one per line; NULL when none */
	const char *previous_until;           /* the last commit they count for; NULL when not said */
} ps_keyinfo;
/* Every key record, by office then replica; fn returning non-zero stops
 * with that value. */
int ps_keys_each(ps_replica *r, int (*fn)(void *ctx, const ps_keyinfo *k), void *ctx);

/* Every key that signs, or signed, commits the registry accepts: each
 * enrolled key (revoked ones too: they signed the commits before their
 * revocation) and the keys replicas had before (previous_keys). A revoked
 * key comes with valid_before, the committer time of the last
 * commit it counts for (0: no limit; a revoked key that
 * counts for no commit, or whose commit is not here, is left out). */
int ps_keys_signers_each(ps_replica *r,
                         int (*fn)(void *ctx, const char *replica, const uint8_t pub[32], long long valid_before),
                         void *ctx);

/* The key the registry names for replica (of office) and its state:
 * "enrolled", "pending" (not enrolled yet: held by readers), "revoked",
 * "refused", or "unknown" (no record: fpr ""). This replica's own key when
 * the registry has none for it yet ("pending"). */
int ps_keys_signer_of(ps_replica *r, const char *office, const char *replica, char fpr[72], const char **status);

/* An enrolment request: a branch whose next commit is validly signed by a
 * key the registry does not (yet) enrol; its changes are held. */
typedef struct ps_keyreq {
	const char *office, *replica, *public_key, *fingerprint;
	const char *first_seen; /* ISO-8601 UTC */
	const char *commit;     /* the first held commit */
	long changes;           /* change files held on the branch */
} ps_keyreq;
/* Every request still open (not decided in the registry here), by office
 * then replica. */
int ps_keys_pending_each(ps_replica *r, int (*fn)(void *ctx, const ps_keyreq *q), void *ctx);
/* The change files held by open requests, summed. */
int ps_keys_held_count(ps_replica *r, long *out);

/* What a decision wrote. */
typedef struct ps_keydone {
	char record[200];
	char office[64], replica[64], fingerprint[72];
	char revoked_after[41]; /* revoke: "" when no commit of it was accepted */
} ps_keydone;
/* Province only (PS_ENOTOWNER otherwise). who is a replica id or a
 * fingerprint. approve: an open request becomes an enrolled key record
 * (person may be NULL); with public_key ("ssh-ed25519 ...", the office's
 * key.pub sent out of band), who is the replica id and it may be enrolled
 * before its first request; refuse: a key record never enrolled and revoked, so
 * every reader refuses its commits; revoke: an enrolled key is revoked after
 * the last commit of its branch this replica accepted. PS_ENOTFOUND when who
 * names nothing that can be decided. */
int ps_keys_approve(ps_keydone *out, ps_replica *r, const char *who, const char *person, const char *public_key);
int ps_keys_refuse(ps_keydone *out, ps_replica *r, const char *who);
int ps_keys_revoke(ps_keydone *out, ps_replica *r, const char *who);

/* The province's key rotation: a new key pair, the replica's key record
 * naming it (the old key in previous_keys) exported in a commit the old key
 * signs, then the new key signs from the next commit on; the old key files
 * are kept (key.<replica>-rotated-<time>). Province replicas with an
 * enrolled key only (PS_EINVALID). out names the new fingerprint. */
int ps_keys_rotate(ps_keydone *out, ps_replica *r);

/* ---- the root of trust ------------------------------------------------ */

/* The pinned province key fingerprint (meta trust.province) into out, ""
 * when none. */
int ps_keys_pin_get(ps_replica *r, char out[72]);
/* Pin fpr ("SHA256:" + 43 base64 characters; PS_EINVALID otherwise). */
int ps_keys_pin_set(ps_replica *r, const char *fpr);
/* Trust on first use: the key that signed the province's first key record
 * becomes the pin when the import meets it (meta trust.first_use). */
int ps_keys_first_use_set(ps_replica *r, bool on);
/* The fingerprint of the key that signed the province's first key record,
 * as the import last met it (meta trust.seen), "" when it met none. */
int ps_keys_seen_get(ps_replica *r, char out[72]);
/* The province's first replica (nothing of a province key met on the
 * remote, no province key record): writes its own key record, enrolled,
 * and pins its own key. PS_EEXISTS when the province has a root already. */
int ps_keys_enrol_root(ps_replica *r);
/* A province replica made before keys (no trust setting at all) that
 * finds no province key: it becomes the root as its first init would have
 * made it (the sync runs this before its import). A replica pinned to a
 * province key whose province root was refused (no province key here) reads
 * the province's branches again from their roots, once per pin and set of
 * province heads. 0 when nothing to
 * do. */
int ps_keys_upgrade_root(ps_replica *r);
/* keys trust: pin fpr on a replica that trusts no province key yet (made
 * without --trust and without a remote); PS_EEXISTS once a province key is
 * pinned or trusted here. */
int ps_keys_trust(ps_replica *r, const char *fpr);
/* After a sync: PS_EREPAIR, saying how to pin, when the import met the
 * province's key but this replica has no pin and may not trust on first
 * use (its province branch waits); PS_EINVALID, with both fingerprints,
 * when the province key met is not the pin and the pin matched nothing
 * (a killed init --trust, say); 0 otherwise. */
int ps_keys_trust_check(ps_replica *r);
/* 1 when fpr is an enrolled, unrevoked province key in the registry here
 * (the root, or a province key it rotated to or enrolled), 0 when not. */
int ps_keys_is_province_key(ps_replica *r, const char *fpr);
/* Each province root on the remote as last fetched: a province branch whose
 * first commit, signed by a key, writes that replica's own key record with
 * it (what a province's first replica on an empty remote makes). fn gets
 * the branch (replicas/<province>/<id>) and the key's fingerprint; a
 * non-zero return stops the walk and is returned. More than one root is
 * for a person to settle (init --trust). */
int ps_keys_roots_each(ps_replica *r, int (*fn)(void *ctx, const char *branch, const char *fpr), void *ctx);
/* True when fpr has the form "SHA256:" + 43 base64 characters. */
bool ps_keys_fpr_valid(const char *fpr);

/* Before an export signs with this replica's key: when the registry
 * enrols another key for it, the key is loaded again (rotated beside a
 * running daemon) or a rotation cut short is finished; PS_EREPAIR when it
 * still differs, or when the key is enrolled for another replica, saying
 * what to do (every reader would refuse what it signs). */
int ps_keys_signing_check(ps_replica *r);

#endif
