/* keys.c - the key registry (keys.h): key records as plan data, the open
 * enrolment requests the import noted, and the province's decisions on
 * them (the root of trust is keys_trust.c's).
 *
 * Exports ps_keys_each, pending, approve, refuse of keys.h (revoke is
 * keys_revoke.c's) and, to
 * lib/sync_verify.c, the lookup of one replica's key record (keys_int.h). A decision is an ordinary write of a
 * province-owned record through ps_replica_write, so it travels, folds and
 * converges like any other change. Never verifies a signature (that is
 * sync_verify.c's) and never writes SQL (store_keys.c, store_views.c). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "keys_int.h"
#include "store_keys.h"
#include "store_sync.h"
#include "store_views.h"
#include "repo.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/json.h"
#include "plansync/key.h"
#include "plansync/record.h"

void ps_keyrec_release(ps_keyrec *k)
{
	free(k->public_key);
	free(k->fingerprint);
	free(k->person);
	free(k->enrolled);
	free(k->revoked);
	free(k->revoked_after);
	free(k->revoked_commit);
	free(k->handed_from);
	free(k->previous);
	free(k->previous_until);
	memset(k, 0, sizeof(*k));
}

/* The member of k that holds field, NULL for a field it does not keep. */
static char **member(ps_keyrec *k, const char *field)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
	    {"public_key", offsetof(ps_keyrec, public_key)},
	    {"fingerprint", offsetof(ps_keyrec, fingerprint)},
	    {"person", offsetof(ps_keyrec, person)},
	    {"enrolled", offsetof(ps_keyrec, enrolled)},
	    {"revoked", offsetof(ps_keyrec, revoked)},
	    {"revoked_after", offsetof(ps_keyrec, revoked_after)},
	    {"previous_keys", offsetof(ps_keyrec, previous)},
	    {"previous_until", offsetof(ps_keyrec, previous_until)},
	    {"revoked_commit", offsetof(ps_keyrec, revoked_commit)},
	    {"handed_from", offsetof(ps_keyrec, handed_from)},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(f[i].name, field) == 0)
			return (char **)((char *)k + f[i].off);
	return NULL;
}

int ps_keyrec_set(ps_keyrec *k, const char *field, const cJSON *v)
{
	char **m = member(k, field);
	k->found = true;
	if (!m)
		return 0;
	free(*m);
	*m = NULL;
	if (cJSON_IsString(v) && !(*m = strdup(v->valuestring)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (cJSON_IsArray(v)) { /* previous_keys: one per line */
		size_t n = 1;
		for (const cJSON *c = v->child; c; c = c->next)
			n += cJSON_IsString(c) ? strlen(c->valuestring) + 1 : 0;
		if (!(*m = calloc(1, n)))
			return ps_error_set(PS_ENOMEM, "out of memory");
		for (const cJSON *c = v->child; c; c = c->next)
			if (cJSON_IsString(c))
				strcat(strcat(*m, c->valuestring), "\n");
	}
	return 0;
}

/* A state row: value is compact JSON. */
static int set_text(ps_keyrec *k, const char *field, const char *value)
{
	if (!field) {
		k->found = true;
		return 0;
	}
	cJSON *v = cJSON_Parse(value);
	if (!v)
		return ps_error_set(PS_ERROR, "key record field %s cannot be read; run plansync check", field);
	int rc = ps_keyrec_set(k, field, v);
	cJSON_Delete(v);
	return rc;
}

static int collect_one(void *ctx, const ps_sv_field *row)
{
	return set_text(ctx, row->field, row->value);
}

int ps_keys_lookup(ps_keyrec *out, ps_replica *r, const char *office, const char *replica)
{
	memset(out, 0, sizeof(*out));
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "key/%s/%s", office, replica);
	int live = ps_store_record_live(ps_replica_store(r), rec);
	if (live <= 0)
		return live;
	int rc = ps_store_record_fields(ps_replica_store(r), rec, collect_one, out);
	out->found = true;
	if (rc)
		ps_keyrec_release(out);
	return rc;
}

static void keyinfo_of(ps_keyinfo *ki, const ps_record_id *rid, const ps_keyrec *k)
{
	memset(ki, 0, sizeof(*ki));
	ki->office = rid->office;
	ki->replica = rid->replica;
	ki->public_key = k->public_key ? k->public_key : "";
	ki->fingerprint = k->fingerprint ? k->fingerprint : "";
	ki->person = k->person;
	ki->enrolled = k->enrolled != NULL;
	ki->revoked = k->revoked != NULL;
	ki->revoked_after = k->revoked ? k->revoked_after : NULL;
	ki->enrolled_at = k->enrolled;
	ki->revoked_at = k->revoked;
	ki->previous_keys = k->previous;
	ki->previous_until = k->previous_until;
}

typedef struct each_walk {
	int (*fn)(void *ctx, const ps_keyinfo *k);
	void *ctx;
	char record[PS_RECORD_ID_MAX + 1];
	ps_keyrec cur;
} each_walk;

static int each_emit(each_walk *w)
{
	if (!w->record[0])
		return 0;
	ps_record_id rid;
	int rc = 0;
	if (ps_record_parse(&rid, w->record) == 0) {
		ps_keyinfo ki;
		keyinfo_of(&ki, &rid, &w->cur);
		rc = w->fn(w->ctx, &ki);
	}
	ps_keyrec_release(&w->cur);
	w->record[0] = '\0';
	return rc;
}

static int each_row(void *ctx, const ps_sv_field *row)
{
	each_walk *w = ctx;
	int rc = 0;
	if (strcmp(w->record, row->record) != 0) {
		if ((rc = each_emit(w)))
			return rc;
		snprintf(w->record, sizeof(w->record), "%s", row->record);
	}
	return set_text(&w->cur, row->field, row->value);
}

int ps_keys_each(ps_replica *r, int (*fn)(void *ctx, const ps_keyinfo *k), void *ctx)
{
	assert(r && fn);
	each_walk w = {.fn = fn, .ctx = ctx};
	int rc = ps_store_kind_fields(ps_replica_store(r), PS_KIND_KEY, each_row, &w);
	if (!rc)
		rc = each_emit(&w);
	ps_keyrec_release(&w.cur);
	return rc;
}

/* ---- requests ---------------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A request the registry here has decided: a record for that replica
 * naming the same key (enrolled, or refused). */
static int decided(ps_replica *r, const char *office, const char *replica, const char *public_key)
{
	ps_keyrec k;
	int rc = ps_keys_lookup(&k, r, office, replica);
	if (rc < 0)
		return rc;
	int d = k.found && k.public_key && ps_keys_same_key(k.public_key, public_key) && (k.enrolled || k.revoked);
	ps_keyrec_release(&k);
	return d;
}

typedef struct req_walk {
	ps_replica *r;
	int (*fn)(void *ctx, const ps_keyreq *q);
	void *ctx;
} req_walk;

static int req_row(void *ctx, const char *json)
{
	req_walk *w = ctx;
	cJSON *o = cJSON_Parse(json);
	if (!o)
		return 0; /* not ours to judge: the import writes it again */
	ps_keyreq q = {jstr(o, "office"),
	               jstr(o, "replica"),
	               jstr(o, "public_key"),
	               jstr(o, "fingerprint"),
	               jstr(o, "first_seen"),
	               jstr(o, "commit"),
	               0};
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "changes");
	q.changes = cJSON_IsNumber(n) ? (long)n->valuedouble : 0;
	int rc = decided(w->r, q.office, q.replica, q.public_key);
	rc = rc < 0 ? rc : rc ? 0 : w->fn(w->ctx, &q);
	/* the keys that asked under this id before (attack 173): each listed
	 * too, so the id names several and the fingerprint decides */
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "earlier"))
	{
		ps_keyreq p = {
		    q.office, q.replica, jstr(e, "public_key"), jstr(e, "fingerprint"), jstr(e, "first_seen"), NULL, 0};
		if (rc || !p.public_key || !p.fingerprint)
			continue;
		int d = decided(w->r, p.office, p.replica, p.public_key);
		rc = d < 0 ? d : d ? 0 : w->fn(w->ctx, &p);
	}
	cJSON_Delete(o);
	return rc;
}

int ps_keys_pending_each(ps_replica *r, int (*fn)(void *ctx, const ps_keyreq *q), void *ctx)
{
	req_walk w = {r, fn, ctx};
	return ps_store_keyreq_each(ps_replica_store(r), req_row, &w);
}

static int count_row(void *ctx, const ps_keyreq *q)
{
	*(long *)ctx += q->changes;
	return 0;
}

int ps_keys_held_count(ps_replica *r, long *out)
{
	*out = 0;
	return ps_keys_pending_each(r, count_row, out);
}

/* ---- decisions ------------------------------------------------------------ */

void ps_keys_now(char out[32])
{
	time_t t = (time_t)(ps_now_ms() / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ps_keys_province_only(ps_replica *r, const char *what)
{
	if (ps_replica_is_province(r))
		return 0;
	return ps_error_set(PS_ENOTOWNER,
	                    "keys %s: only the province (%s) decides on keys, and this replica belongs to office %s; "
	                    "ask the province officer",
	                    what, ps_replica_province(r), ps_replica_office(r));
}

typedef struct find_req {
	const char *who;
	ps_keydone *out;
	char public_key[320];
	int found;
} find_req;

static int find_req_row(void *ctx, const ps_keyreq *q)
{
	find_req *f = ctx;
	if (strcmp(q->replica, f->who) != 0 && strcmp(q->fingerprint, f->who) != 0)
		return 0;
	snprintf(f->out->office, sizeof(f->out->office), "%s", q->office);
	snprintf(f->out->replica, sizeof(f->out->replica), "%s", q->replica);
	snprintf(f->out->fingerprint, sizeof(f->out->fingerprint), "%s", q->fingerprint);
	snprintf(f->public_key, sizeof(f->public_key), "%s", q->public_key);
	f->found++;
	return 0;
}

/* A new key for a replica whose enrolled key is another: the old one goes
 * to previous_keys, so the branch's older commits still verify, up to
 * previous_until, the branch's last commit read here (our own: our last
 * export), the same limit for every reader (sync_verify.c). */
static int keep_previous(ps_replica *r, const ps_keydone *d, cJSON *fields)
{
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(fields, "public_key");
	ps_keyrec k;
	int rc = ps_keys_lookup(&k, r, d->office, d->replica);
	/* a key whose request was refused stays refused for every reader:
	 * listed, counting for no commit (attack 163); a revoked key counts
	 * up to the commit its revocation names, as before (attack 165) */
	bool other = !rc && k.found && k.public_key && k.revoked && cJSON_IsString(pk) &&
	             !ps_keys_same_key(k.public_key, pk->valuestring);
	bool refused = other && !k.enrolled, revoked = other && k.enrolled;
	if (revoked) {
		free(k.previous_until);
		k.previous_until = k.revoked_after;
		k.revoked_after = NULL;
	}
	if (other && !k.previous_until && !(k.previous_until = strdup("0000000000000000000000000000000000000000")))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	refused |= revoked;
	if (!refused && (rc || !cJSON_IsString(pk) || !k.found || !k.public_key || !k.enrolled || k.revoked ||
	                 ps_keys_same_key(k.public_key, pk->valuestring))) {
		ps_keyrec_release(&k);
		return rc;
	}
	cJSON *list = cJSON_AddArrayToObject(fields, "previous_keys");
	for (char *p = k.previous, *nl; list && p && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		if (!cJSON_AddItemToArray(list, cJSON_CreateString(p)))
			list = NULL;
	}
	if (!list || !cJSON_AddItemToArray(list, cJSON_CreateString(k.public_key)))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	char ref[300], head[GIT_OID_HEXSZ + 1] = "";
	bool found = refused;
	if (refused) /* the limit it had, or none at all */
		snprintf(head, sizeof(head), "%s", k.previous_until);
	ps_keyrec_release(&k);
	long long batch = 0;
	snprintf(ref, sizeof(ref), PS_TRACK_REF_PREFIX "%s/%s", d->office, d->replica);
	if (!rc && !refused)
		rc = strcmp(d->replica, ps_replica_id(r)) == 0
		         ? ps_store_export_last(ps_replica_store(r), head, &batch, &found)
		         : ps_store_branch_head(ps_replica_store(r), ref, head, &found);
	if (!rc && !(found ? cJSON_AddStringToObject(fields, "previous_until", head)
	                   : cJSON_AddNullToObject(fields, "previous_until")))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	return rc;
}

int ps_keys_write(ps_keydone *out, ps_replica *r, cJSON *fields, const char *reason)
{
	snprintf(out->record, sizeof(out->record), "key/%s/%s", out->office, out->replica);
	if (!fields)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int rc = keep_previous(r, out, fields);
	if (rc) {
		cJSON_Delete(fields);
		return rc;
	}
	rc = ps_replica_write(r, out->record, PS_OP_SET, fields, reason, false, NULL);
	return rc == PS_EEXISTS ? 0 : rc;
}

/* The open request who names: one, or PS_ENOTFOUND saying what to do. */
static int open_request(find_req *f, const char *what)
{
	if (f->found > 1 && strncmp(f->who, "SHA256:", 7) != 0)
		return ps_error_set(PS_EINVALID,
		                    "keys %s: replica %s asked with %d different keys (someone else may have replaced "
		                    "the office's request): 'plansync keys pending' lists their fingerprints; confirm "
		                    "the office's by phone and give that fingerprint",
		                    what, f->who, f->found);
	if (f->found > 1)
		return ps_error_set(PS_EINVALID, "keys %s: \"%s\" names %d requests; give the replica id", what, f->who,
		                    f->found);
	if (!f->found)
		return ps_error_set(PS_ENOTFOUND,
		                    "keys %s: no open enrolment request from \"%s\"; run 'plansync sync', then "
		                    "'plansync keys pending' lists the requests (replica id or fingerprint)",
		                    what, f->who);
	return 0;
}

/* Enrolment ahead of a request: the office sent its public key out of
 * band (key.pub) and who is its replica id, whose office is the part
 * before the last '-'. */
static int ahead(find_req *f, const char *who, const char *public_key)
{
	uint8_t pub[32];
	const char *dash = strrchr(who, '-');
	if (!dash || (size_t)(dash - who) >= sizeof(f->out->office))
		return ps_error_set(PS_EINVALID, "keys approve: \"%s\" is not a replica id (office-suffix)", who);
	snprintf(f->out->office, sizeof(f->out->office), "%.*s", (int)(dash - who), who);
	snprintf(f->out->replica, sizeof(f->out->replica), "%s", who);
	if (!ps_replica_id_valid(who, f->out->office))
		return ps_error_set(PS_EINVALID, "keys approve: \"%s\" is not a replica id (office-suffix)", who);
	int rc = ps_pubkey_parse(pub, public_key);
	if (rc)
		return ps_error_set(rc, "keys approve --key: %s", ps_error_last());
	ps_pubkey_fingerprint(f->out->fingerprint, pub);
	snprintf(f->public_key, sizeof(f->public_key), "%s", public_key);
	f->public_key[strcspn(f->public_key, "\n")] = '\0';
	return 0;
}

/* A request for a replica enrolled with another key (listed before the
 * import stopped offering those, sync_verify.c): approving it by id or
 * fingerprint would hand the office's id to whoever signed it, so only
 * the office's key.pub given with --key (a new key it sent) replaces the
 * enrolled one. */
static int replaces_enrolled(ps_replica *r, const find_req *f)
{
	ps_keyrec k;
	int rc = ps_keys_lookup(&k, r, f->out->office, f->out->replica);
	if (!rc && k.found && k.public_key && k.enrolled && !k.revoked &&
	    !ps_keys_same_key(k.public_key, f->public_key))
		rc = ps_error_set(
		    PS_EINVALID,
		    "keys approve: replica %s is enrolled with key %s; approving the request's key %s would "
		    "replace the enrolled key. If the office made a new key, approve the key.pub it sends: "
		    "'plansync keys approve %s --key key.pub'; otherwise nothing is needed: every reader "
		    "refuses that key's commits",
		    f->out->replica, k.fingerprint ? k.fingerprint : "(unknown)", f->out->fingerprint, f->out->replica);
	ps_keyrec_release(&k);
	return rc;
}

/* A key the province revoked is never enrolled again, for any replica:
 * every reader refuses its commits after the revocation, and one that had
 * read those commits already could not take them back in step with one
 * that had not (attack 165). */
static int revoked_key_row(void *ctx, const ps_keyinfo *k)
{
	const find_req *f = ctx;
	if (!k->enrolled || !k->public_key || !ps_keys_same_key(k->public_key, f->public_key))
		return 0;
	if (!k->revoked)
		return 0;
	return ps_error_set(PS_EINVALID,
	                    "keys approve: key %s was enrolled for replica %s and revoked%s%s; a revoked key is "
	                    "never enrolled again. Have the office make a new key: 'plansync init' a new replica "
	                    "there (it makes a new key and asks), then approve that request",
	                    k->fingerprint, k->replica, k->revoked_at ? " on " : "",
	                    k->revoked_at ? k->revoked_at : "");
}

int ps_keys_approve(ps_keydone *out, ps_replica *r, const char *who, const char *person, const char *public_key)
{
	memset(out, 0, sizeof(*out));
	int rc = ps_keys_province_only(r, "approve");
	find_req f = {.who = who, .out = out};
	if (!rc)
		rc = ps_keys_pending_each(r, find_req_row, &f);
	if (!rc && public_key && f.found && !ps_keys_same_key(f.public_key, public_key))
		rc = ps_error_set(PS_EINVALID,
		                  "keys approve: replica %s asks with key %s, not the key given with --key; ask the "
		                  "office which one is theirs",
		                  who, out->fingerprint);
	else if (!rc && public_key && !f.found)
		rc = ahead(&f, who, public_key);
	else if (!rc && !(rc = open_request(&f, "approve")) && !public_key)
		rc = replaces_enrolled(r, &f);
	if (!rc)
		rc = ps_keys_each(r, revoked_key_row, &f);
	if (!rc && strcmp(out->office, ps_replica_province(r)) == 0)
		rc = ps_keys_root_only(r, "approve", out->replica);
	if (rc)
		return rc;
	char now[32];
	ps_keys_now(now);
	cJSON *o = ps_keys_enrolled_fields(f.public_key, out->fingerprint, person, now);
	return ps_keys_write(out, r, o, "enrolment approved by the province");
}

cJSON *ps_keys_enrolled_fields(const char *public_key, const char *fpr, const char *person, const char *now)
{
	cJSON *o = cJSON_CreateObject();
	if (o &&
	    (!cJSON_AddStringToObject(o, "public_key", public_key) || !cJSON_AddStringToObject(o, "fingerprint", fpr) ||
	     !(person ? cJSON_AddStringToObject(o, "person", person) : cJSON_AddNullToObject(o, "person")) ||
	     !cJSON_AddStringToObject(o, "enrolled", now) || !cJSON_AddNullToObject(o, "revoked_after") ||
	     !cJSON_AddNullToObject(o, "revoked"))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return o;
}

int ps_keys_refuse(ps_keydone *out, ps_replica *r, const char *who)
{
	memset(out, 0, sizeof(*out));
	int rc = ps_keys_province_only(r, "refuse");
	find_req f = {.who = who, .out = out};
	if (rc || (rc = ps_keys_pending_each(r, find_req_row, &f)) || (rc = open_request(&f, "refuse")) ||
	    (strcmp(out->office, ps_replica_province(r)) == 0 && (rc = ps_keys_root_only(r, "refuse", out->replica))))
		return rc;
	char now[32];
	ps_keys_now(now);
	cJSON *o = cJSON_CreateObject();
	if (o && (!cJSON_AddStringToObject(o, "public_key", f.public_key) ||
	          !cJSON_AddStringToObject(o, "fingerprint", out->fingerprint) || !cJSON_AddNullToObject(o, "person") ||
	          !cJSON_AddNullToObject(o, "enrolled") || !cJSON_AddNullToObject(o, "revoked_after") ||
	          !cJSON_AddStringToObject(o, "revoked", now))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return ps_keys_write(out, r, o, "enrolment refused by the province");
}
