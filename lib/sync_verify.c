/* sync_verify.c - who signed a fetched commit, and may they (DESIGN
 * "Identity: keys").
 *
 * Exports to sync_import.c the judgement of one commit of the branch being
 * imported: good (its files are read), held (validly signed by a key the
 * registry does not enrol yet: an enrolment request, the branch stops before
 * it and nothing of it is applied or lost; on a replica enrolled with another
 * key, held the same way but reported, never a request), or bad (unsigned, a signature
 * that does not verify, a key refused, revoked before it, or another
 * replica's: quarantined as a problem whose reason names it; the commits
 * beside it go on). The registry is the key records here plus those met on
 * the province's branches earlier in the same import (read first), so a key
 * enrolled and used in one fetch is known in time. The root of trust is the
 * pinned province key (keys.h), met as the signer of the commit that writes
 * the province replica's own key record, or as the key its rotations on that
 * branch lead to. Over 600 lines on purpose: the judgement of one commit
 * and the registry it reads are one set of rules that must read as one
 * piece. Never writes Git objects; its SQL is store_keys.c's and
 * store_meta.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sync_int.h"
#include "keys_int.h"
#include "store_keys.h"
#include "store_sync.h"
#include "store_views.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/key.h"
#include "plansync/log.h"
#include "plansync/record.h"

#define KEYOV_FIELDS 16 /* a key record has 7 fields; more are not the registry's */

struct keyov {
	char record[PS_RECORD_ID_MAX + 1];
	ps_keyrec k;
	size_t nwin;
	struct {
		char field[64], change[PS_CHANGE_ID_MAX + 1]; /* the change k's field comes from */
	} win[KEYOV_FIELDS];
};

void ps_sync_verify_free(imp *m)
{
	for (size_t i = 0; i < m->nkeyov; i++)
		ps_keyrec_release(&m->keyov[i].k);
	free(m->keyov);
	m->keyov = NULL;
	m->nkeyov = 0;
	m->held_keys = false;
	free(m->revoked);
	m->revoked = NULL;
	m->nrevoked = 0;
	m->revoked_known = false;
}

static struct keyov *overlay_find(imp *m, const char *record)
{
	for (size_t i = 0; i < m->nkeyov; i++)
		if (strcmp(m->keyov[i].record, record) == 0)
			return &m->keyov[i];
	return NULL;
}

/* The slot of field in o's winners (a new one, empty, when first met);
 * NULL when o has too many fields. */
static char *overlay_win(struct keyov *o, const char *field)
{
	for (size_t i = 0; i < o->nwin; i++)
		if (strcmp(o->win[i].field, field) == 0)
			return o->win[i].change;
	if (o->nwin == KEYOV_FIELDS || strlen(field) >= sizeof(o->win[0].field))
		return NULL;
	snprintf(o->win[o->nwin].field, sizeof(o->win[0].field), "%s", field);
	o->win[o->nwin].change[0] = '\0';
	return o->win[o->nwin++].change;
}

static int stored_win(void *ctx, const ps_sv_field *row)
{
	char *w = row->field ? overlay_win(ctx, row->field) : NULL;
	if (w && row->change)
		snprintf(w, PS_CHANGE_ID_MAX + 1, "%s", row->change);
	return 0;
}

/* A key record change met on a good province commit in this import. The
 * overlay starts from the stored record with, per field, the change that
 * won it there; a change applies to a field only when the fold would let
 * it win (a larger id), so a change older than what the store holds never
 * overrides the stored registry, whatever order the branches come in. */
static int overlay_note(imp *m, const ps_change *c)
{
	struct keyov *o = overlay_find(m, c->record);
	int rc = 0;
	if (!o) {
		struct keyov *n = realloc(m->keyov, (m->nkeyov + 1) * sizeof(*n));
		if (!n)
			return ps_error_set(PS_ENOMEM, "out of memory");
		m->keyov = n;
		o = &n[m->nkeyov++];
		memset(o, 0, sizeof(*o));
		snprintf(o->record, sizeof(o->record), "%s", c->record);
		ps_record_id rid;
		ps_record_parse(&rid, c->record);
		if ((rc = ps_keys_lookup(&o->k, m->r, rid.office, rid.replica)))
			return rc;
		if (o->k.found && (rc = ps_store_record_fields(ps_replica_store(m->r), c->record, stored_win, o)))
			return rc;
	}
	for (const cJSON *f = c->fields ? c->fields->child : NULL; f && !rc; f = f->next) {
		char *w = f->string ? overlay_win(o, f->string) : NULL;
		if (!w || strcmp(c->id, w) <= 0)
			continue; /* the stored or an already met change wins this field */
		snprintf(w, PS_CHANGE_ID_MAX + 1, "%s", c->id);
		rc = ps_keyrec_set(&o->k, f->string, f);
	}
	if (!rc && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c->fields, "revoked")) && o->k.public_key)
		rc = ps_sync_revoked_note(m, o->k.public_key);
	return rc;
}

/* A key record change held for its clock (a province clock ahead of ours)
 * was on a good province commit: the registry counts it at once, as a
 * reader that reads that commit and the branch it judges in one import
 * does, so a revocation (by commit) waits for no clock. */
static int held_key(void *ctx, const ps_held_change *h)
{
	ps_change *c = NULL;
	ps_record_id rid;
	if (ps_change_decode(&c, h->bytes, h->len))
		return 0; /* read again and judged when released */
	int rc = ps_record_parse(&rid, c->record) == 0 && rid.kind == PS_KIND_KEY ? overlay_note(ctx, c) : 0;
	if (!rc && rid.kind == PS_KIND_KEY)
		rc = ps_sync_retract_note(ctx, c);
	ps_change_free(c);
	return rc;
}

/* The key record of office/replica as this import knows it: out is a
 * copy the caller releases. */
int ps_sync_verify_lookup(imp *m, const char *office, const char *replica, ps_keyrec *out)
{
	if (!m->held_keys) {
		m->held_keys = true;
		int rc = ps_store_held_each(ps_replica_store(m->r), held_key, m);
		if (rc)
			return rc;
	}
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "key/%s/%s", office, replica);
	const struct keyov *o = overlay_find(m, rec);
	if (!o)
		return ps_keys_lookup(out, m->r, office, replica);
	memset(out, 0, sizeof(*out));
	out->found = o->k.found;
	const char *const src[] = {o->k.public_key,     o->k.fingerprint,   o->k.person,   o->k.enrolled,
	                           o->k.revoked,        o->k.revoked_after, o->k.previous, o->k.previous_until,
	                           o->k.revoked_commit, o->k.handed_from};
	char **dst[] = {&out->public_key,     &out->fingerprint,   &out->person,   &out->enrolled,
	                &out->revoked,        &out->revoked_after, &out->previous, &out->previous_until,
	                &out->revoked_commit, &out->handed_from};
	for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
		if (src[i] && !(*dst[i] = strdup(src[i]))) {
			ps_keyrec_release(out);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
	return 0;
}

static bool key_is(const char *text, const uint8_t pub[32])
{
	uint8_t k[32];
	return text && ps_pubkey_parse(k, text) == 0 && memcmp(k, pub, 32) == 0;
}

/* One of the keys in list (previous_keys, one per line). */
static bool in_list(const char *list, const uint8_t pub[32])
{
	char line[400];
	for (const char *p = list, *nl; p && (nl = strchr(p, '\n')); p = nl + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (key_is(line, pub))
			return true;
	}
	return false;
}

/* Another replica whose record names the key pub, as its key or (*retired)
 * as one a province replica replaced (rotated): its record id in out. A
 * district's replaced key on another branch is a request as before (a seed
 * sends a copy of an old branch under a new name, signed by it). */
typedef struct other_walk {
	imp *m;
	const uint8_t *pub;
	char *out;
	size_t n;
	bool *retired, *province;
} other_walk;

static int other_row(void *ctx, const ps_keyinfo *k)
{
	other_walk *w = ctx;
	if (strcmp(k->office, w->m->office) == 0 && strcmp(k->replica, w->m->replica) == 0)
		return 0;
	bool rotated = strcmp(k->office, ps_replica_province(w->m->r)) == 0 && in_list(k->previous_keys, w->pub);
	if (!key_is(k->public_key, w->pub) && !rotated)
		return 0;
	*w->retired = !key_is(k->public_key, w->pub);
	*w->province =
	    !*w->retired && strcmp(k->office, ps_replica_province(w->m->r)) == 0 && k->enrolled && !k->revoked;
	snprintf(w->out, w->n, "%s (office %s)", k->replica, k->office);
	return 1;
}

/* *province: the holder is a province replica and pub its enrolled key,
 * neither revoked nor rotated away. */
static int other_holder(imp *m, const uint8_t pub[32], char *out, size_t n, bool *retired, bool *province)
{
	out[0] = '\0';
	*retired = *province = false;
	for (size_t i = 0; i < m->nkeyov; i++) {
		ps_record_id rid;
		const ps_keyrec *k = &m->keyov[i].k;
		if (ps_record_parse(&rid, m->keyov[i].record) == 0 &&
		    (key_is(k->public_key, pub) ||
		     (strcmp(rid.office, ps_replica_province(m->r)) == 0 && in_list(k->previous, pub))) &&
		    !(strcmp(rid.office, m->office) == 0 && strcmp(rid.replica, m->replica) == 0)) {
			*retired = !key_is(k->public_key, pub);
			*province = !*retired && strcmp(rid.office, ps_replica_province(m->r)) == 0 && k->enrolled &&
			            !k->revoked;
			snprintf(out, n, "%s (office %s)", rid.replica, rid.office);
			return 0;
		}
	}
	other_walk w = {m, pub, out, n, retired, province};
	int rc = ps_keys_each(m->r, other_row, &w);
	return rc == 1 ? 0 : rc;
}

/* Whether m's branch has a commit signed by its current key cur, up to the
 * head imported last (then counted as the walk accepts them). */
static bool current_seen(imp *m, const char *cur)
{
	if (strcmp(m->cur_branch, m->branch) == 0)
		return m->cur_seen;
	snprintf(m->cur_branch, sizeof(m->cur_branch), "%s", m->branch);
	m->cur_seen = false;
	char ref[300], hex[GIT_OID_HEXSZ + 1];
	bool found = false;
	git_oid head;
	uint8_t who[32];
	snprintf(ref, sizeof(ref), PS_TRACK_REF_PREFIX "%s/%s", m->office, m->replica);
	if (ps_store_branch_head(ps_replica_store(m->r), ref, hex, &found) == 0 && found &&
	    git_oid_fromstr(&head, hex) == 0 && ps_commit_signer(who, m->repo, &head) == 0)
		m->cur_seen = key_is(cur, who);
	return m->cur_seen;
}

static int quarantine(imp *m, int *verdict, const char *reason)
{
	*verdict = PS_VERIFY_BAD;
	return ps_sync_problem(ps_replica_store(m->r), m->branch, m->commit, "", reason, m->res);
}

/* Signed by a key the registry revokes as holder's, after what that
 * revocation accepts (attacks 168, 175). */
static int revoked_there(imp *m, ps_vcommit *vc, int *verdict, const char *holder)
{
	char why[700];
	snprintf(why, sizeof(why),
	         "signed by key %s, which the province revoked as the key of replica %s, and this commit is not "
	         "among those its revocation accepts; the commit's changes are refused",
	         vc->fpr, holder);
	vc->limited = true;
	return quarantine(m, verdict, why);
}

int ps_sync_verify_commit(imp *m, const git_oid *oid, ps_vcommit *vc, int *verdict)
{
	memset(vc, 0, sizeof(*vc));
	*verdict = PS_VERIFY_BAD;
	char why[700];
	int rc = ps_commit_signer(vc->signer, m->repo, oid);
	if (rc == PS_ENOTFOUND)
		return quarantine(m, verdict,
		                  "commit is not signed: every plansync commit carries the SSH signature of its "
		                  "replica's enrolled key; its changes are refused");
	if (rc == PS_EINVALID) {
		snprintf(why, sizeof(why), "signature refused: %s; the commit's changes are refused", ps_error_last());
		return quarantine(m, verdict, why);
	}
	if (rc)
		return rc;
	ps_pubkey_fingerprint(vc->fpr, vc->signer);
	ps_keyrec k;
	if ((rc = ps_sync_verify_lookup(m, m->office, m->replica, &k)))
		return rc;
	char other[200];
	bool retired = false, province = false;
	if (k.found && k.public_key && key_is(k.public_key, vc->signer)) {
		char holder[200] = "";
		if (k.enrolled && !k.revoked &&
		    (rc = ps_sync_revoked_elsewhere(m, vc->signer, oid, holder, sizeof(holder)))) {
			/* error */
		} else if (k.enrolled && !k.revoked && holder[0]) {
			/* one key enrolled for two replicas, revoked as the other: it
			 * counts nowhere after its revocation (attack 175) */
			rc = revoked_there(m, vc, verdict, holder);
		} else if (k.enrolled && !k.revoked) {
			*verdict = PS_VERIFY_OK;
			current_seen(m, k.public_key);
			m->cur_seen = true;
		} else if (k.revoked && !k.enrolled) {
			snprintf(
			    why, sizeof(why),
			    "signed by key %s, whose enrolment the province refused; the commit's changes are refused",
			    vc->fpr);
			rc = quarantine(m, verdict, why);
		} else if (k.revoked) {
			if (ps_sync_before_revocation(m, &k, oid)) {
				*verdict = PS_VERIFY_OK;
			} else {
				snprintf(
				    why, sizeof(why),
				    "signed by key %s, revoked by the province after commit %s; the commit's changes "
				    "are refused",
				    vc->fpr,
				    k.revoked_after ? k.revoked_after : "(none: no commit of it was accepted)");
				rc = quarantine(m, verdict, why);
				vc->limited = true;
			}
		} else {
			*verdict = PS_VERIFY_HELD;
		}
	} else if (k.found && k.public_key && in_list(k.previous, vc->signer) && k.enrolled) {
		/* up to the commit the record names (if here), the same on every
		 * reader; a record that names none: before the current key signed */
		git_oid u;
		bool older = k.previous_until
		                 ? git_oid_fromstr(&u, k.previous_until) == 0 &&
		                       (git_oid_equal(&u, oid) ||
		                        (git_odb_exists(m->odb, &u) && git_graph_descendant_of(m->repo, &u, oid) == 1))
		                 : !current_seen(m, k.public_key);
		char holder[200] = "";
		if (older && (rc = ps_sync_revoked_elsewhere(m, vc->signer, oid, holder, sizeof(holder)))) {
			/* error */
		} else if (older && holder[0]) {
			/* a key revoked as another replica's counts there up to its
			 * revocation, here for nothing after it (a hand-over, 168) */
			rc = revoked_there(m, vc, verdict, holder);
		} else if (older) {
			*verdict = PS_VERIFY_OK; /* older than the first commit of the current key */
		} else if (k.previous_until) {   /* forty zeros: a key whose request was refused (163) */
			snprintf(why, sizeof(why),
			         strspn(k.previous_until, "0") == GIT_OID_HEXSZ
			             ? "signed by key %s, whose enrolment the province refused (replica %s is enrolled "
			               "with key %s since)%.0s; the commit's changes are refused"
			             : "signed by key %s, which replica %s had before its current key %s; the province "
			               "counts that key's commits up to %s only; the commit's changes are refused",
			         vc->fpr, m->replica, k.fingerprint ? k.fingerprint : "", k.previous_until);
			rc = quarantine(m, verdict, why);
			vc->limited = true;
		} else {
			snprintf(
			    why, sizeof(why),
			    "signed by key %s, which replica %s had before its current key %s signed a commit; the "
			    "commit's changes are refused",
			    vc->fpr, m->replica, k.fingerprint ? k.fingerprint : "");
			rc = quarantine(m, verdict, why);
		}
	} else if ((rc = other_holder(m, vc->signer, other, sizeof(other), &retired, &province))) {
		/* error */
	} else if (other[0] && retired) {
		/* a rotated province key signs nothing new, whatever branch it
		 * uses and whoever is pinned */
		snprintf(why, sizeof(why),
		         "signed by key %s, which province replica %s rotated away: a replaced province key signs "
		         "nothing new; the commit's changes are refused",
		         vc->fpr, other);
		rc = quarantine(m, verdict, why);
	} else if (other[0] && province && strcmp(m->office, ps_replica_province(m->r)) == 0 &&
	           (!k.found || (k.handed_from && !strncmp(other, k.handed_from, strlen(k.handed_from)) &&
	                         other[strlen(k.handed_from)] == ' '))) {
		/* A province replica under a new id (a backup restored) hands over:
		 * the new branch's first commit, signed by the old id's enrolled key,
		 * enrols the new key (148); ps_sync_verify_boot decides. */
		vc->boot = vc->handover = true;
		snprintf(vc->holder, sizeof(vc->holder), "%s", other);
		*verdict = PS_VERIFY_OK;
	} else if (other[0]) {
		snprintf(
		    why, sizeof(why),
		    "signed by the key of replica %s, not by a key of replica %s; the commit's changes are refused",
		    other, m->replica);
		rc = quarantine(m, verdict, why);
	} else if (k.found && k.public_key && k.revoked && k.enrolled) {
		snprintf(
		    why, sizeof(why),
		    "signed by key %s, but the key of replica %s is %s and revoked; the commit's changes are refused",
		    vc->fpr, m->replica, k.fingerprint ? k.fingerprint : "another");
		rc = quarantine(m, verdict, why);
	} else if (k.found && k.public_key && k.enrolled) {
		/* A key nobody has on an enrolled replica's branch: the replica
		 * made again, or a key file replaced, or anyone with write access.
		 * Never an enrolment request (approving it by id would hand the
		 * office's id to whoever pushed it): reported, and held like one,
		 * so nothing of it applies, the office's next push replaces junk,
		 * and after 'keys approve ID --key' every reader reads on from
		 * the same commit. */
		snprintf(why, sizeof(why),
		         "signed by a key that is not the enrolled key of %s (signed by %s, enrolled %s): not an "
		         "enrolment request; this commit and those after it wait. If the office made a new key, "
		         "approve the key.pub it sends: 'plansync keys approve %s --key key.pub'; otherwise someone "
		         "else pushed it, and the office's next push replaces it",
		         m->replica, vc->fpr, k.fingerprint ? k.fingerprint : "another", m->replica);
		if (!(rc = quarantine(m, verdict, why))) {
			*verdict = PS_VERIFY_HELD;
			vc->other_key = true;
		}
	} else if (k.found && k.public_key) {
		/* a key nobody has, on a replica that had another or was refused
		 * (163): made again, a new key and a new request */
		*verdict = PS_VERIFY_HELD;
	} else if (strcmp(m->office, ps_replica_province(m->r)) == 0) {
		vc->boot = true; /* the root of trust, or a province replica asking */
		*verdict = PS_VERIFY_OK;
		char pin[72] = "";
		if (!(rc = ps_keys_pin_get(m->r, pin)))
			vc->pinned = strcmp(pin, vc->fpr) == 0; /* its own record with any key: a hand-over */
	} else {
		*verdict = PS_VERIFY_HELD;
	}
	ps_keyrec_release(&k);
	return rc;
}

int ps_sync_verify_file(imp *m, const ps_vcommit *vc, bool note, const char *path, const git_oid *oid, bool *own)
{
	if (strcmp(m->office, ps_replica_province(m->r)) != 0)
		return 0; /* only the province writes key records */
	ps_change *c = NULL;
	git_odb_object *o = NULL;
	char why[600];
	int rc = ps_sync_read_change(m, path, oid, m->office, &c, &o, why, sizeof(why));
	git_odb_object_free(o);
	if (rc)
		return rc == 1 ? 0 : rc; /* refused: the import says why */
	ps_record_id rid;
	if (ps_record_parse(&rid, c->record) == 0 && rid.kind == PS_KIND_KEY) {
		if (note) {
			if ((rc = ps_sync_root_writes(m, c, &rid)) == 0 && !(rc = overlay_note(m, c)))
				rc = ps_sync_retract_note(m, c);
		} else if (c->op == PS_OP_SET && strcmp(rid.office, m->office) == 0 &&
		           strcmp(rid.replica, m->replica) == 0 && strcmp(c->replica, m->replica) == 0) {
			const cJSON *pk = cJSON_GetObjectItemCaseSensitive(c->fields, "public_key");
			const cJSON *en = cJSON_GetObjectItemCaseSensitive(c->fields, "enrolled");
			*own |= cJSON_IsString(pk) && cJSON_IsString(en) &&
			        (vc->handover || vc->pinned ? ps_pubkey_parse((uint8_t[32]){0}, pk->valuestring) == 0
			                                    : key_is(pk->valuestring, vc->signer));
		}
	}
	ps_change_free(c);
	return rc;
}

/* One commit's own key record: the key it sets in *next (the change with
 * the largest id when a commit holds more than one). */
typedef struct rot_walk {
	imp *m;
	uint8_t next[32];
	char id[PS_CHANGE_ID_MAX + 1];
} rot_walk;

static int rot_file(void *ctx, const char *path, git_filemode_t mode, const git_oid *oid)
{
	rot_walk *w = ctx;
	ps_change *c = NULL;
	git_odb_object *o = NULL;
	char why[300], rec[PS_RECORD_ID_MAX + 1];
	(void)mode;
	snprintf(rec, sizeof(rec), "changes/%s/", w->m->office);
	if (strncmp(path, rec, strlen(rec)) != 0)
		return 0;
	int rc = ps_sync_read_change(w->m, path, oid, w->m->office, &c, &o, why, sizeof(why));
	git_odb_object_free(o);
	if (rc)
		return rc == 1 ? 0 : rc; /* a refused file is no step */
	snprintf(rec, sizeof(rec), "key/%s/%s", w->m->office, w->m->replica);
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(c->fields, "public_key");
	uint8_t k[32];
	if (c->op == PS_OP_SET && strcmp(c->record, rec) == 0 && strcmp(c->id, w->id) > 0 && cJSON_IsString(pk) &&
	    ps_pubkey_parse(k, pk->valuestring) == 0) {
		memcpy(w->next, k, 32);
		snprintf(w->id, sizeof(w->id), "%s", c->id);
	}
	ps_change_free(c);
	return 0;
}

static int rot_bad(void *ctx, const char *path, const char *reason)
{
	(void)ctx, (void)path, (void)reason;
	return 0; /* the import judges it; here it is no step */
}

/* *yes: the rotation chain on this branch leads from the boot commit's key
 * to the pinned key pin (keys rotate: the key current at a commit signs
 * the replica's own record of the next one), and the pinned key signed a
 * commit after that step. A record can name anyone's public key: without
 * a signature of its holder, a hostile remote's own root "rotated" to the
 * province's published key would pass for the province. A commit signed by
 * any other key, or unsigned, is no step and no stop (junk anyone can
 * push), so the pin holds whatever signed the tip (attacks 155, 157). */
static int pin_by_rotation(imp *m, const char *pin, const uint8_t root[32], const git_oid *tip, bool *yes)
{
	*yes = false;
	uint8_t cur[32], who[32];
	git_oid boot, at, *line = NULL;
	size_t n = 0;
	int rc = 0;
	if (!tip || git_oid_fromstr(&boot, m->commit) != 0)
		return 0;
	memcpy(cur, root, 32);
	/* the straight line from the boot commit up to tip, newest first: a
	 * merge's other side (say, the real province's commits, copied into a
	 * hostile branch) is no part of it */
	bool from_boot = true;
	for (at = *tip; !rc && from_boot && !git_oid_equal(&at, &boot);) {
		git_commit *c = NULL;
		git_oid *more = realloc(line, (n + 1) * sizeof(*line));
		if (!more) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		} else {
			line = more;
			from_boot = git_commit_lookup(&c, m->repo, &at) == 0 && git_commit_parentcount(c) > 0;
			if (from_boot) {
				line[n++] = at;
				at = *git_commit_parent_id(c, 0);
			}
		}
		git_commit_free(c);
	}
	if (!from_boot)
		n = 0; /* not a line from the boot commit: it leads nowhere */
	bool at_pin = false;
	for (size_t i = n; !rc && !*yes && i-- > 0;) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		rot_walk rw = {.m = m};
		if (ps_commit_signer(who, m->repo, &line[i]) != 0 || memcmp(who, cur, 32) != 0) {
			ps_error_clear();
			continue;
		}
		if ((*yes = at_pin))
			break; /* the pinned key's own signature */
		if (git_commit_lookup(&c, m->repo, &line[i]) == 0 && git_commit_parentcount(c) == 1 &&
		    git_commit_tree(&t, c) == 0)
			rc = ps_repo_diff_added(m->repo, NULL, t, NULL, rot_file, rot_bad, &rw);
		if (rc && rc != PS_ENOMEM) {
			rc = 0; /* a malformed tree is no step */
			rw.id[0] = '\0';
			ps_error_clear();
		}
		if (!rc && rw.id[0]) {
			char fpr[72];
			memcpy(cur, rw.next, 32);
			ps_pubkey_fingerprint(fpr, cur);
			at_pin = strcmp(fpr, pin) == 0;
		}
		git_tree_free(t);
		git_commit_free(c);
	}
	free(line);
	if (rc == PS_ENOMEM)
		return rc;
	ps_error_clear();
	return 0;
}

int ps_sync_verify_boot(imp *m, const ps_vcommit *vc, bool own, const git_oid *tip, int *verdict)
{
	ps_store *s = ps_replica_store(m->r);
	*verdict = PS_VERIFY_HELD;
	char pin[72] = "", seen[72] = "", why[400];
	if (vc->handover) {
		/* the signer's office rights are the province's own: good when it
		 * enrols this branch's replica, as no other commit of it can */
		if (own) {
			*verdict = PS_VERIFY_OK;
			return ps_sync_root_seen(m, vc->fpr); /* the root handing over: still the root (172) */
		}
		snprintf(
		    why, sizeof(why),
		    "signed by the key of replica %s, not by a key of replica %s; the commit's changes are refused",
		    vc->holder, m->replica);
		return quarantine(m, verdict, why);
	}
	bool rotated = false;
	int rc = ps_keys_pin_get(m->r, pin);
	if (!rc && pin[0] && strcmp(pin, vc->fpr) != 0 && own)
		rc = pin_by_rotation(m, pin, vc->signer, tip, &rotated);
	if (!rc && pin[0] && (strcmp(pin, vc->fpr) == 0 || rotated)) {
		/* the pinned key itself (the root under a new id, say), or the
		 * root that rotated to it: seen names the root actually met */
		*verdict = PS_VERIFY_OK;
		if (own && !(rc = ps_store_meta_set(s, PS_META_TRUST_SEEN, vc->fpr)))
			rc = ps_sync_root_seen(m, vc->fpr);
		return rc;
	}
	if (rc || !own)
		return rc; /* a province replica that waits for the root to enrol it */
	if (!rc)
		rc = ps_keys_seen_get(m->r, seen);
	if (!rc && !seen[0])
		rc = ps_store_meta_set(s, PS_META_TRUST_SEEN, vc->fpr);
	if (rc)
		return rc;
	if (pin[0]) {
		/* never "the first province key met": a branch that sorts before
		 * the province's own cannot choose the root */
		snprintf(why, sizeof(why),
		         "signed by %s, not by the pinned province key %s: this is not the province this replica "
		         "trusts; the commit's changes are refused",
		         vc->fpr, pin);
		return quarantine(m, verdict, why);
	}
	/* -1: a replica made before keys, which trusted its remote already:
	 * it trusts the province key it meets first */
	long long first_use = 0;
	if ((rc = ps_store_meta_get_int(s, PS_META_TRUST_FIRST_USE, &first_use, -1)))
		return rc;
	if (!first_use)
		return 0; /* no pin: held until one is given */
	if ((rc = ps_store_meta_set(s, PS_META_TRUST_PIN, vc->fpr)) || (rc = ps_sync_root_seen(m, vc->fpr)))
		return rc;
	*verdict = PS_VERIFY_OK;
	return 0;
}
