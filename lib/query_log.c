/* query_log.c - the typed reads of the change log (ps_view_log) and of the
 * open conflicts (ps_view_conflicts), declared in views.h; ps_view_log_of
 * keeps the changes of the reports of an office, task or period.
 *
 * The log gives, for each change, every field it sets with the value the
 * writer saw: the state folded from the change's own base chain, not
 * whatever happened to sort before it, and who signed it: the key this
 * replica verified on the commit that brought it (stored at import or
 * export, schema 5), never the registry's key of today, with that key's
 * standing in the registry now. Rows come from lib/store_views.c;
 * never writes, never writes SQL, knows nothing of how a view is shown. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/views.h"
#include "plansync/key.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/suggest.h"
#include "plansync/text.h"
#include "keys_int.h"
#include "store_views.h"
#include "view_mem.h"

#define MS(hlc) ((int64_t)PS_HLC_MS((ps_hlc)(hlc)))

/* ---- log ---- */

/* One change of a record's history. */
typedef struct hist_change {
	char *id;
	cJSON *fields;
	char **base;
	size_t nbase;
	bool seen;
} hist_change;

typedef struct hist {
	hist_change *v;
	size_t n, cap;
	ps_store *s;
} hist;

static void hist_release(hist *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].id);
		cJSON_Delete(h->v[i].fields);
		ps_strv_free(h->v[i].base, h->v[i].nbase);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static int hist_base(void *ctx, const char *parent)
{
	hist_change *c = ctx;
	char **nv = realloc(c->base, (c->nbase + 1) * sizeof(*nv));
	if (!nv)
		return ps_error_set(PS_ENOMEM, "out of memory");
	c->base = nv;
	if (!(c->base[c->nbase] = strdup(parent)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	c->nbase++;
	return 0;
}

static int hist_add(void *ctx, const char *id, bool set, const char *fields)
{
	hist *h = ctx;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 8;
		hist_change *nv = realloc(h->v, cap * sizeof(*nv));
		if (!nv)
			return ps_error_set(PS_ENOMEM, "out of memory");
		h->v = nv;
		h->cap = cap;
	}
	hist_change *c = &h->v[h->n++];
	memset(c, 0, sizeof(*c));
	c->id = strdup(id);
	c->fields = cJSON_Parse(fields);
	if (!c->id)
		return ps_error_set(PS_ENOMEM, "out of memory");
	return ps_store_parents(h->s, id, hist_base, c);
}

static hist_change *hist_find(hist *h, const char *id)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].id, id))
			return &h->v[i];
	return NULL;
}

/* Mark every ancestor of c through the base chain. */
static void mark_ancestors(hist *h, const hist_change *c)
{
	for (size_t i = 0; i < c->nbase; i++) {
		hist_change *p = hist_find(h, c->base[i]);
		if (p && !p->seen) {
			p->seen = true;
			mark_ancestors(h, p);
		}
	}
}

static const char *compact(ps_view_mem *m, const cJSON *v)
{
	char *s = ps_json_compact(v);
	const char *r = s ? ps_view_mem_str(m, s) : NULL;
	if (!s)
		ps_view_mem_fail(m);
	free(s);
	return r;
}

/* The fields e sets, each with the value its writer saw. */
static int log_fields(ps_log_view *v, ps_store *s, ps_log_entry *e)
{
	hist h = {NULL, 0, 0, s};
	int rc = ps_store_record_changes(s, e->record, hist_add, &h);
	hist_change *self = rc ? NULL : hist_find(&h, e->id);
	if (self)
		mark_ancestors(&h, self);
	const cJSON *f = self ? self->fields : NULL;
	size_t n = f ? (size_t)cJSON_GetArraySize(f) : 0;
	e->fields = n ? ps_view_mem_alloc(v->mem, n * sizeof(*e->fields)) : NULL;
	for (const cJSON *fv = f ? f->child : NULL; e->fields && fv; fv = fv->next) {
		const cJSON *old = NULL;
		for (hist_change *c = h.v; c != self; c++)
			if (c->seen) {
				const cJSON *hv = cJSON_GetObjectItemCaseSensitive(c->fields, fv->string);
				if (hv)
					old = hv; /* later ids win */
			}
		ps_log_field *d = &e->fields[e->nfields++];
		d->field = ps_view_mem_str(v->mem, fv->string);
		d->old_json = old ? compact(v->mem, old) : NULL;
		d->new_json = compact(v->mem, fv);
	}
	hist_release(&h);
	return rc;
}

/* The registry's word now on the key with fingerprint fpr that signed as
 * replica of office (keys.h statuses; see ps_log_entry). */
static int signer_status(ps_replica *r, const char *office, const char *replica, const char *fpr, const char **out)
{
	*out = "unknown";
	ps_keyrec k;
	int rc = ps_keys_lookup(&k, r, office, replica);
	if (rc)
		return rc;
	char line[400], f[PS_KEY_FPR_MAX];
	uint8_t pub[32];
	bool before = false;
	for (const char *p = k.previous, *nl; p && !before && (nl = strchr(p, '\n')); p = nl + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (ps_pubkey_parse(pub, line) == 0) {
			ps_pubkey_fingerprint(f, pub);
			before = strcmp(f, fpr) == 0;
		}
	}
	if (k.found && k.fingerprint && strcmp(k.fingerprint, fpr) == 0)
		*out = k.revoked ? (k.enrolled ? "revoked" : "refused") : k.enrolled ? "enrolled" : "pending";
	else if (before)
		*out = "rotated";
	else if (k.found && k.fingerprint)
		*out = "replaced";
	else if (strcmp(replica, ps_replica_id(r)) == 0 && strcmp(office, ps_replica_office(r)) == 0)
		*out = "pending"; /* our own key, not enrolled yet */
	ps_keyrec_release(&k);
	return 0;
}

/* Who signed e (row's stored signer; our own change not exported yet: the
 * key that will sign it); the entry before it answers when it names the
 * same signer. */
static int log_signer(ps_log_view *v, ps_replica *r, ps_log_entry *e, const ps_sv_change *row, const ps_log_entry *prev)
{
	char own[PS_KEY_FPR_MAX];
	const char *fpr = row->signer, *rep = row->signer_replica;
	if ((!fpr || !rep) && row->local) {
		const ps_key *key = NULL;
		if (ps_replica_key(r, &key) == 0) { /* a key that cannot be read: not known */
			ps_pubkey_fingerprint(own, ps_key_public(key));
			fpr = own;
			rep = ps_replica_id(r);
		}
	}
	if (!fpr || !rep) {
		e->signer = e->signer_replica = "";
		e->signer_status = "unknown";
		return 0;
	}
	if (prev && !strcmp(prev->signer, fpr) && !strcmp(prev->signer_replica, rep) &&
	    !strcmp(prev->office, e->office)) {
		e->signer = prev->signer;
		e->signer_replica = prev->signer_replica;
		e->signer_status = prev->signer_status;
		return 0;
	}
	const char *status = NULL;
	int rc = signer_status(r, e->office, rep, fpr, &status);
	if (rc)
		return rc;
	e->signer = ps_view_mem_str(v->mem, fpr);
	e->signer_replica = ps_view_mem_str(v->mem, rep);
	e->signer_status = status;
	return e->signer && e->signer_replica ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

typedef struct log_walk {
	ps_log_view *v;
	ps_replica *r;
	/* ps_view_log_of: the reports to keep (NULL: any), and how many */
	const char *office, *task, *period;
	long limit;
} log_walk;

/* The walk stops here once the filtered log has its limit. */
#define LOG_FULL 1

static int add_log(void *ctx, const ps_sv_change *row)
{
	log_walk *w = ctx;
	ps_log_view *v = w->v;
	if (w->office || w->task || w->period) {
		ps_record_id rid;
		if (ps_record_parse(&rid, row->record) || ps_kind_get(rid.kind)->shape != PS_ID_OFFICE_TASK_PERIOD ||
		    (w->office && strcmp(w->office, rid.office)) || (w->task && strcmp(w->task, rid.task)) ||
		    (w->period && strcmp(w->period, rid.period)))
			return 0;
		if (w->limit > 0 && v->n >= (size_t)w->limit)
			return LOG_FULL;
	}
	ps_log_entry *e = ps_view_mem_push(v->mem, &v->v, &v->n, sizeof(*e));
	if (!e)
		return ps_error_set(PS_ENOMEM, "out of memory");
	e->id = ps_view_mem_str(v->mem, row->id);
	e->office = ps_view_mem_str(v->mem, row->office);
	e->author = ps_view_mem_str(v->mem, row->author);
	e->record = ps_view_mem_str(v->mem, row->record);
	e->op = ps_view_mem_str(v->mem, row->op);
	e->reason = ps_view_mem_str(v->mem, row->reason);
	e->time = MS(row->hlc);
	return log_signer(v, w->r, e, row, v->n > 1 ? &v->v[v->n - 2] : NULL);
}

static int count_change(void *ctx, const ps_sv_change *row)
{
	(void)row;
	++*(long *)ctx;
	return 0;
}

/* 1 when some change ever named record (retired ones too), 0 when none,
 * else a library error code (negative). */
static int ever_written(ps_store *s, const char *record)
{
	long n = 0;
	int rc = ps_store_log(s, record, 1, count_change, &n);
	return rc ? rc : n > 0;
}

/* A record with no change is a typo unless it is a report not yet made:
 * then its office, task and period are known. PS_ENOTFOUND names what the
 * plan lacks, with the closest id. */
static int check_unlogged(ps_replica *r, const ps_record_id *rid, const char *record)
{
	if (ps_kind_get(rid->kind)->shape != PS_ID_OFFICE_TASK_PERIOD) {
		char *near = NULL;
		int rc = ps_suggest_kind(&near, r, rid->kind, rid->slug);
		if (!rc && near)
			ps_error_set(PS_ENOTFOUND,
			             "unknown record \"%s\": no change names it (did you mean \"%s/%s\"? the list: %s)",
			             record, ps_kind_name(rid->kind), near, ps_suggest_list_command(rid->kind));
		else if (!rc)
			ps_error_set(PS_ENOTFOUND, "unknown record \"%s\": no change names it (the list: %s)", record,
			             ps_suggest_list_command(rid->kind));
		free(near);
		return rc ? rc : PS_ENOTFOUND;
	}
	const ps_kind kinds[] = {PS_KIND_OFFICE, PS_KIND_TASK, PS_KIND_PERIOD};
	const char *id[] = {rid->office, rid->task, rid->period};
	for (int i = 0; i < 3; i++) {
		char rec[PS_RECORD_ID_MAX + 1];
		snprintf(rec, sizeof(rec), "%s/%s", ps_kind_name(kinds[i]), id[i]);
		int known = ever_written(ps_replica_store(r), rec);
		if (known < 0)
			return known;
		if (!known) {
			char why[600];
			snprintf(why, sizeof(why), "in record \"%s\"", record);
			return ps_suggest_unknown(r, kinds[i], id[i], why);
		}
	}
	return 0;
}

int ps_view_log(ps_log_view **out, ps_replica *r, const char *record, long limit)
{
	*out = NULL;
	ps_record_id rid;
	int rc;
	char canon[PS_RECORD_ID_MAX + 1];
	/* ids are matched case-insensitively: their canonical form is lower-case */
	if (record && !ps_id_canon_to(canon, sizeof(canon), record))
		return ps_error_set(PS_ENOTFOUND, "unknown record \"%.60s...\": no id is that long", record);
	if (record && (rc = ps_record_parse(&rid, record = canon)))
		return rc;
	ps_log_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	ps_store *s = ps_replica_store(r);
	log_walk w = {v, r};
	rc = ps_store_log(s, record, limit, add_log, &w);
	if (!rc && record && v->n == 0)
		rc = check_unlogged(r, &rid, record);
	for (size_t i = 0; !rc && i < v->n; i++)
		rc = log_fields(v, s, &v->v[i]);
	return ps_view_done(rc, v, out);
}

/* A filter of ps_view_log_of in canonical form in buf (64 bytes): an id
 * some change ever named (a retired one has its history too). */
static int log_filter(ps_replica *r, ps_kind kind, const char **id, char *buf)
{
	if (!*id)
		return 0;
	char rec[PS_RECORD_ID_MAX + 1];
	int known = 0;
	if (ps_id_canon_to(buf, 64, *id) && ps_slug_valid(buf)) {
		snprintf(rec, sizeof(rec), "%s/%s", ps_kind_name(kind), buf);
		known = ever_written(ps_replica_store(r), rec);
	}
	if (known < 0)
		return known;
	if (!known)
		return ps_suggest_unknown(r, kind, *id, NULL);
	*id = buf;
	return 0;
}

int ps_view_log_of(ps_log_view **out, ps_replica *r, const char *office, const char *task, const char *period,
                   long limit)
{
	*out = NULL;
	assert(office || task || period);
	char ob[64], tb[64], pb[64];
	int rc;
	if ((rc = log_filter(r, PS_KIND_OFFICE, &office, ob)) || (rc = log_filter(r, PS_KIND_TASK, &task, tb)) ||
	    (rc = log_filter(r, PS_KIND_PERIOD, &period, pb)))
		return rc;
	ps_log_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	ps_store *s = ps_replica_store(r);
	log_walk w = {v, r, office, task, period, limit};
	rc = ps_store_log(s, NULL, 0, add_log, &w);
	if (rc == LOG_FULL)
		rc = 0;
	for (size_t i = 0; !rc && i < v->n; i++)
		rc = log_fields(v, s, &v->v[i]);
	return ps_view_done(rc, v, out);
}

void ps_log_view_free(ps_log_view *v)
{
	ps_view_release(v);
}

/* ---- conflicts ---- */

typedef struct version_walk {
	ps_view_mem *m;
	ps_conflict_version *out;
	const char *field;
} version_walk;

static int add_version(void *ctx, const ps_sv_change *row)
{
	version_walk *w = ctx;
	ps_conflict_version *cv = w->out;
	cv->id = ps_view_mem_str(w->m, row->id);
	cv->office = ps_view_mem_str(w->m, row->office);
	cv->author = ps_view_mem_str(w->m, row->author);
	cv->time = MS(row->hlc);
	cJSON *f = cJSON_Parse(row->fields);
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(f, w->field);
	if (val)
		cv->value_json = compact(w->m, val);
	else if (!strcmp(w->field, "@exists"))
		cv->value_json = !strcmp(row->op, "set") ? "true" : "false";
	cJSON_Delete(f);
	return 0;
}

typedef struct conflict_walk {
	ps_conflicts_view *v;
	ps_store *s;
} conflict_walk;

static int add_conflict(void *ctx, const ps_sv_conflict *row)
{
	conflict_walk *w = ctx;
	ps_view_mem *m = w->v->mem;
	ps_conflict_row *c = ps_view_mem_push(m, &w->v->v, &w->v->n, sizeof(*c));
	if (!c)
		return ps_error_set(PS_ENOMEM, "out of memory");
	c->record = ps_view_mem_str(m, row->record);
	c->field = ps_view_mem_str(m, row->field);
	if (row->value) {
		cJSON *val = cJSON_Parse(row->value);
		c->value_json = val ? compact(m, val) : NULL;
		cJSON_Delete(val);
		c->winner = ps_view_mem_str(m, row->winner);
	}
	cJSON *ids = cJSON_Parse(row->changes);
	size_t n = (size_t)cJSON_GetArraySize(ids);
	c->versions = n ? ps_view_mem_alloc(m, n * sizeof(*c->versions)) : NULL;
	int rc = 0;
	for (const cJSON *id = ids ? ids->child : NULL; !rc && c->versions && id; id = id->next) {
		if (!cJSON_IsString(id))
			continue;
		version_walk vw = {m, &c->versions[c->nversions], c->field};
		rc = ps_store_change_get(w->s, id->valuestring, add_version, &vw);
		if (rc == PS_ENOTFOUND)
			rc = 0; /* not stored here: left out */
		else if (!rc)
			c->nversions++;
	}
	cJSON_Delete(ids);
	return rc;
}

int ps_view_conflicts(ps_conflicts_view **out, ps_replica *r)
{
	*out = NULL;
	ps_conflicts_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	conflict_walk w = {v, ps_replica_store(r)};
	int rc = ps_store_conflicts(w.s, add_conflict, &w);
	return ps_view_done(rc, v, out);
}

void ps_conflicts_view_free(ps_conflicts_view *v)
{
	ps_view_release(v);
}
