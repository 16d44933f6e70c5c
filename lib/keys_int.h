/* keys_int.h - the key registry as the import reads it (private to lib/:
 * keys.c, sync_verify.c, audit.c). */
#ifndef PLANSYNC_KEYS_INT_H
#define PLANSYNC_KEYS_INT_H
#include <stdbool.h>
#include <cjson/cJSON.h>
#include <git2.h>
#include "plansync/key.h"
#include "plansync/keys.h"

/* The meta rows of the root of trust (keys.h). */
#define PS_META_TRUST_PIN       "trust.province"
#define PS_META_TRUST_FIRST_USE "trust.first_use"
#define PS_META_TRUST_SEEN      "trust.seen"
/* The old id a province replica that took a new id hands over from. */
#define PS_META_HANDOVER "handover.from"

/* One key record's fields (malloc'd, NULL when null or absent). */
typedef struct ps_keyrec {
	bool found;
	char *public_key, *fingerprint, *person, *enrolled, *revoked, *revoked_after;
	char *previous;       /* previous_keys, one per line; NULL when none */
	char *previous_until; /* the last commit a previous key signed that counts; NULL: not said */
	char *revoked_commit; /* the commit revoked_after names, raw, base64; NULL when not said */
	char *handed_from;    /* a hand-over: the province replica id it continues; NULL when none */
} ps_keyrec;
void ps_keyrec_release(ps_keyrec *k);
/* Set one field from its JSON value (a string, or null); other fields are
 * ignored. Marks the record found. */
int ps_keyrec_set(ps_keyrec *k, const char *field, const cJSON *v);
/* The live record key/<office>/<replica> here; out->found false when none. */
int ps_keys_lookup(ps_keyrec *out, ps_replica *r, const char *office, const char *replica);
/* Record k is the province's root replica's as this replica trusts it:
 * enrolled, not revoked, and its key or a key it rotated away from is the
 * pinned one (pin, "SHA256:..."). Only the root revokes a province replica
 * (keys.c, sync_verify.c; attack 166). */
bool ps_keys_is_root(const ps_keyrec *k, const char *pin);
/* 0 when this replica may write victim's key record: a district replica's,
 * its own, or any when it is the root; else what (approve, refuse, revoke)
 * is refused, saying where to run it (only victims of the province). */
int ps_keys_root_only(ps_replica *r, const char *what, const char *victim);
/* 0 on a province replica; else what (a keys subcommand) is refused,
 * saying where to run it. */
int ps_keys_province_only(ps_replica *r, const char *what);
/* The same key in two "ssh-ed25519 BASE64 [comment]" texts. */
bool ps_keys_same_key(const char *a, const char *b);

/* Commit oid is an ancestor of the commit ra a revocation names, which
 * repo lacks (the shared repository lost it, attack 160): by ra's raw bytes
 * the record carries (raw, base64), checked against ra, its parents and
 * their ancestors are what came before, the same on every reader. */
bool ps_keys_before_lost(git_repository *repo, const git_oid *ra, const char *raw, const git_oid *oid);

/* Now as ISO-8601 UTC ("2026-01-31T08:00:00Z"). */
void ps_keys_now(char out[32]);
/* Write fields (taken over) to key/<out->office>/<out->replica> as the
 * province; the key it replaces goes to previous_keys. Sets out->record. */
int ps_keys_write(ps_keydone *out, ps_replica *r, cJSON *fields, const char *reason);
/* The fields of a key record enrolling public_key now (person may be NULL);
 * NULL when out of memory (ps_keys_write then says so). */
/* This replica's key record, enrolled now, as the province writes it; its
 * fingerprint in fpr. */
int ps_keys_enrol_self(ps_replica *r, const char *reason, const char *from, char fpr[PS_KEY_FPR_MAX]);
cJSON *ps_keys_enrolled_fields(const char *public_key, const char *fpr, const char *person, const char *now);
/* A province replica that took a new id (meta handover.from, set by
 * ps_identity_fork) and still holds the old id's enrolled key: the record
 * enrolling its new key is written (once) and *signer is the old key,
 * which signs the new branch's first commit (the caller frees it; NULL:
 * nothing to hand over; the meta row is dropped when the old key cannot). */
int ps_keys_hand_over(ps_replica *r, ps_key **signer);

#endif
