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
} ps_keyinfo;
/* Every key record, by office then replica; fn returning non-zero stops
 * with that value. */
int ps_keys_each(ps_replica *r, int (*fn)(void *ctx, const ps_keyinfo *k), void *ctx);

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
/* True when fpr has the form "SHA256:" + 43 base64 characters. */
bool ps_keys_fpr_valid(const char *fpr);

#endif
