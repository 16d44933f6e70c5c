/* fold.c - recompute one record's state from all its known changes.
 *
 * Pure in its inputs: reads the record's rows of changes and edges, writes
 * its rows of records, state and conflicts. Import order cannot matter
 * because nothing incremental is kept: a field's value is that of its
 * maximal writers under the base relation (no other writer of the field
 * has them in its base chain) with the largest id, and conflicts are those
 * maximal writers when their values differ. Parents normally sort before
 * children, so "has a later writer of this field below it" is one pass in
 * reverse id order over the child lists; a base naming a larger id (a
 * bounded clock writing over a future-stamped change) takes more passes, to
 * a fixed point. Cost: O(n log n + e) per field for a record of n changes
 * and e base edges (times the passes a back edge needs), so many
 * concurrent writers (n branches writing one record at once) stay near
 * linear. The incremental paths (ps_fold_insert, groups) apply only where
 * they give the same result: the new changes descend from everything known,
 * sort after it, and the record has no base naming a larger id (store
 * backrefs). A kind written once (first_wins in the kind table: receipts)
 * takes every field from one change and lists no conflict: the smallest id
 * among those naming the largest "change" (a receipt of a report withdrawn
 * and filed again names the new report's first change, which sorts after
 * the old one's). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/fold.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"

#define EXISTS_FIELD "@exists"

typedef struct fchange {
	char *id;
	cJSON *fields; /* includes EXISTS_FIELD */
} fchange;

typedef struct fold {
	fchange *c;
	size_t n;
	/* Children of change i (same record, larger id): kid[first[i] ..
	 * first[i + 1]). */
	size_t *first, *kid;
	unsigned char *below;    /* scratch for write_field: n flags */
	size_t cap;              /* of c */
	size_t *pairs, np, pcap; /* while loading: (parent, child) index pairs */
	int back;                /* some base names a larger id: below needs passes to a fixed point */
} fold;

static void fold_release(fold *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->c[i].id);
		cJSON_Delete(f->c[i].fields);
	}
	free(f->c);
	free(f->first);
	free(f->kid);
	free(f->below);
	free(f->pairs);
}

static int cmp_id(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const fchange *)elem)->id);
}

static int load_change(void *ctx, const char *id, bool set, const char *fields)
{
	fold *f = ctx;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		fchange *nc = realloc(f->c, cap * sizeof(*nc));
		if (!nc)
			return ps_error_set(PS_ENOMEM, "out of memory");
		f->c = nc;
		f->cap = cap;
	}
	fchange *c = &f->c[f->n];
	c->id = strdup(id);
	c->fields = cJSON_Parse(fields);
	f->n++;
	if (!c->id || !c->fields || !cJSON_AddBoolToObject(c->fields, EXISTS_FIELD, set))
		return ps_error_set(PS_ENOMEM, "out of memory");
	return 0;
}

/* (parent, child) index pairs, grouped by parent afterwards. */
static int load_edge(void *ctx, const char *child, const char *parent)
{
	fold *f = ctx;
	fchange *ci = bsearch(child, f->c, f->n, sizeof(fchange), cmp_id);
	fchange *pi = bsearch(parent, f->c, f->n, sizeof(fchange), cmp_id);
	if (!ci || !pi || pi == ci)
		return 0;
	if (f->np == f->pcap) {
		size_t pcap = f->pcap ? f->pcap * 2 : 64;
		size_t *nps = realloc(f->pairs, pcap * 2 * sizeof(size_t));
		if (!nps)
			return ps_error_set(PS_ENOMEM, "out of memory");
		f->pairs = nps;
		f->pcap = pcap;
	}
	f->pairs[2 * f->np] = (size_t)(pi - f->c);
	f->pairs[2 * f->np + 1] = (size_t)(ci - f->c);
	f->back |= pi > ci;
	f->np++;
	return 0;
}

static int load(ps_store *s, const char *record, fold *f)
{
	assert(f->n == 0 && !f->c);
	int rc = ps_store_record_changes(s, record, load_change, f);
	if (!rc)
		rc = ps_store_record_edges(s, record, load_edge, f);
	if (rc)
		return rc;
	size_t np = f->np;
	f->first = calloc(f->n + 2, sizeof(size_t));
	f->kid = malloc((np + 1) * sizeof(size_t));
	f->below = malloc(f->n + 1);
	if (!f->first || !f->kid || !f->below)
		return ps_error_set(PS_ENOMEM, "out of memory");
	/* counting sort of the pairs by parent */
	for (size_t k = 0; k < np; k++)
		f->first[f->pairs[2 * k] + 2]++;
	for (size_t i = 0; i < f->n; i++)
		f->first[i + 2] += f->first[i + 1];
	for (size_t k = 0; k < np; k++)
		f->kid[f->first[f->pairs[2 * k] + 1]++] = f->pairs[2 * k + 1];
	free(f->pairs);
	f->pairs = NULL;
	return 0;
}

/* 1 when record is of a kind written once (first_wins): its first change
 * gives every field, so only a first change may take the incremental paths. */
static bool first_wins(const char *record)
{
	ps_record_id rid;
	return ps_record_parse(&rid, record) == 0 && ps_kind_get(rid.kind)->first_wins;
}

/* The change a record written once takes every field from: the smallest
 * id among those whose "change" is the largest (docs/design.md, receipts);
 * 0 when none names one. */
static size_t first_pick(const fold *f)
{
	size_t pick = 0;
	const char *best = NULL;
	for (size_t i = 0; i < f->n; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->c[i].fields, "change");
		if (cJSON_IsString(v) && (!best || strcmp(v->valuestring, best) > 0)) {
			best = v->valuestring;
			pick = i;
		}
	}
	return pick;
}

/* first: the record is written once, and pick gives every field it writes. */
static int write_field(ps_store *s, const char *record, fold *f, const char *name, int *retired, bool first,
                       size_t pick)
{
	/* Writers of this field, in id order. */
	size_t *w = malloc(f->n * sizeof(size_t));
	char **vals = calloc(f->n, sizeof(char *));
	int rc = 0;
	size_t nw = 0;
	if (!w || !vals) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < f->n; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->c[i].fields, name);
		if (!v)
			continue;
		vals[nw] = ps_json_compact(v);
		if (!vals[nw]) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			goto out;
		}
		w[nw++] = i;
	}
	if (nw == 0)
		goto out;
	/* A writer is superseded by a writer of the field that has it in its
	 * base chain. Flags per change: 1 writes the field, 2 some descendant
	 * writes it. Children normally have larger ids, so one pass from the
	 * newest change settles each flag before it is read; a base naming a
	 * larger id needs passes until nothing changes (a cycle, which only a
	 * hostile writer makes, ends too: its members supersede each other).
	 * Among writers not superseded the largest id wins, so a change beats
	 * every change in its base chain whatever their clocks say. */
	memset(f->below, 0, f->n);
	for (size_t a = 0; a < nw; a++)
		f->below[w[a]] = 1;
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = f->n; i-- > 0;) {
			if (f->below[i] & 2)
				continue;
			for (size_t k = f->first[i]; k < f->first[i + 1]; k++)
				if (f->below[f->kid[k]]) {
					f->below[i] |= 2;
					changed = f->back;
					break;
				}
		}
	}
	assert(nw <= f->n);
	size_t win = nw - 1;
	for (size_t a = nw; a-- > 0;)
		if (!(f->below[w[a]] & 2)) {
			win = a;
			break;
		}
	if (first) { /* a kind written once: pick counts, other writers are no conflict */
		win = 0;
		for (size_t a = 0; a < nw; a++)
			if (w[a] == pick)
				win = a;
	}
	if (strcmp(name, EXISTS_FIELD) == 0) {
		*retired = strcmp(vals[win], "false") == 0;
	} else {
		if ((rc = ps_store_state_insert(s, record, name, vals[win], f->c[w[win]].id)))
			goto out;
	}
	/* Maximal writers (flags above): conflicts when their values differ. */
	cJSON *ids = NULL;
	int differ = 0;
	for (size_t a = 0; a < nw && !first; a++) {
		if (f->below[w[a]] & 2)
			continue;
		if (a != win && strcmp(vals[a], vals[win]) != 0)
			differ = 1;
		if (!ids && !(ids = cJSON_CreateArray())) {
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			goto out;
		}
		cJSON_AddItemToArray(ids, cJSON_CreateString(f->c[w[a]].id));
	}
	if (differ) {
		char *txt = ps_json_compact(ids);
		rc = txt ? ps_store_conflict_insert(s, record, name, txt) : ps_error_set(PS_ENOMEM, "out of memory");
		free(txt);
	}
	cJSON_Delete(ids);
out:
	for (size_t i = 0; vals && i < nw; i++)
		free(vals[i]);
	free(vals);
	free(w);
	return rc;
}

/* Records of the kinds that name an office, a task and a period whose id
 * names slug in place i (0 office, 1 task, 2 period) are held as unplanned
 * under need: one indexed insert per such kind. */
static int hold_naming(ps_store *s, const char *need, int i, const char *slug)
{
	int rc = 0;
	for (int k = 0; k < PS_KIND__COUNT && !rc; k++) {
		const ps_kind_info *ki = ps_kind_get((ps_kind)k);
		if (ki->shape != PS_ID_OFFICE_TASK_PERIOD)
			continue;
		/* slugs hold no GLOB metacharacters, and ids have exactly three parts */
		char glob[PS_RECORD_ID_MAX + 8];
		snprintf(glob, sizeof(glob), i == 0 ? "%s/%s/*" : i == 1 ? "%s/*/%s/*" : "%s/*/*/%s", ki->name, slug);
		rc = ps_store_unplanned_hold(s, need, ki->name, glob);
	}
	return rc;
}

/* Progress and reviews name an office, a task and a period: those the plan
 * lacks or has retired are noted in unplanned (the record is held, not shown
 * as real); a live plan record releases what waited for it, a retired one
 * holds again what names it. Three lookups by primary key or one indexed
 * delete: cheap enough for every fold; holding scans the records of the
 * naming kinds, which only a retired office, task or period pays. */
static int plan_refs(ps_store *s, const char *record, bool retired)
{
	ps_record_id rid;
	if (ps_record_parse(&rid, record) != 0)
		return 0;
	const ps_kind_info *k = ps_kind_get(rid.kind);
	if (k->planned_by && !retired)
		return ps_store_unplanned_release(s, record);
	if (k->planned_by) {
		int place = rid.kind == PS_KIND_OFFICE ? 0 : rid.kind == PS_KIND_TASK ? 1 : 2;
		assert(rid.kind == PS_KIND_OFFICE || rid.kind == PS_KIND_TASK || rid.kind == PS_KIND_PERIOD);
		return hold_naming(s, record, place, rid.slug);
	}
	if (k->shape != PS_ID_OFFICE_TASK_PERIOD)
		return 0;
	const char *kinds[3] = {ps_kind_name(PS_KIND_OFFICE), ps_kind_name(PS_KIND_TASK), ps_kind_name(PS_KIND_PERIOD)};
	const char *ids[3] = {rid.office, rid.task, rid.period};
	int rc = 0;
	for (int i = 0; i < 3 && !rc; i++) {
		char need[PS_RECORD_ID_MAX + 1];
		snprintf(need, sizeof(need), "%s/%s", kinds[i], ids[i]);
		rc = ps_store_unplanned_note(s, record, need);
	}
	return rc;
}

int ps_fold_record(ps_store *s, const char *record)
{
	fold f;
	memset(&f, 0, sizeof(f));
	int rc = load(s, record, &f);
	if (!rc)
		rc = ps_store_state_clear(s, record);
	if (!rc && f.n == 0)
		rc = ps_store_record_forget(s, record);
	if (rc || f.n == 0)
		goto out;
	/* Every field name once, in sorted order. */
	cJSON *names = cJSON_CreateObject();
	if (!names) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < f.n && !rc; i++)
		for (const cJSON *v = f.c[i].fields->child; v && !rc; v = v->next)
			if (!cJSON_GetObjectItemCaseSensitive(names, v->string) &&
			    !cJSON_AddNullToObject(names, v->string))
				rc = ps_error_set(PS_ENOMEM, "out of memory");
	int retired = 0;
	bool first = first_wins(record);
	size_t pick = first ? first_pick(&f) : 0;
	for (const cJSON *v = names->child; v && !rc; v = v->next)
		rc = write_field(s, record, &f, v->string, &retired, first, pick);
	cJSON_Delete(names);
	if (rc)
		goto out;
	ps_record_id rid;
	const char *kind = ps_record_parse(&rid, record) == 0 ? ps_kind_name(rid.kind) : "?";
	rc = ps_store_record_put(s, record, kind, retired, (long)f.n, f.c[f.n - 1].id);
	if (!rc)
		rc = plan_refs(s, record, retired);
out:
	fold_release(&f);
	return rc;
}

typedef struct fold_all_ctx {
	void (*progress)(void *, long, long);
	void *ctx;
	long done, total;
	ps_store *s;
} fold_all_ctx;

static int fold_one(void *ctx, const char *record)
{
	fold_all_ctx *a = ctx;
	int rc = ps_fold_record(a->s, record);
	if (!rc && a->progress && (++a->done % 1000 == 0 || a->done == a->total))
		a->progress(a->ctx, a->done, a->total);
	return rc;
}

int ps_fold_all(ps_store *s, void (*progress)(void *, long, long), void *ctx)
{
	fold_all_ctx a = {progress, ctx, 0, 0, s};
	if (ps_store_changed_record_count(s, &a.total))
		a.total = 0; /* only the progress report needs it */
	return ps_store_changed_records(s, fold_one, &a);
}

/* State rows for c's fields (c is their newest writer, descending from all). */
static int put_field(ps_store *s, const char *record, const cJSON *f, const char *change)
{
	char *v = ps_json_compact(f);
	int rc = v ? ps_store_state_set(s, record, f->string, v, change) : ps_error_set(PS_ENOMEM, "out of memory");
	free(v);
	return rc;
}

/* State rows for c's fields (c is their newest writer, descending from all):
 * the value wins and no conflict remains. */
static int fold_fields(ps_store *s, const ps_change *c)
{
	int rc = 0;
	for (const cJSON *f = c->fields->child; f && !rc; f = f->next)
		rc = put_field(s, c->record, f, c->id);
	return rc;
}

/* The record row and its existence after `added` new changes, c the newest. */
static int fold_record_row(ps_store *s, const ps_change *c, long added)
{
	int rc = ps_store_conflict_clear(s, c->record, EXISTS_FIELD);
	if (rc)
		return rc;
	ps_record_id rid;
	const char *kind = ps_record_parse(&rid, c->record) == 0 ? ps_kind_name(rid.kind) : "?";
	rc = ps_store_record_advance(s, c->record, kind, c->op == PS_OP_RETIRE, added, c->id);
	return rc ? rc : plan_refs(s, c->record, c->op == PS_OP_RETIRE);
}

/* 1 when id sorts after every change of record stored, 0 when not. */
static int after_all(ps_store *s, const char *record, const char *id, int *after)
{
	char newest[PS_CHANGE_ID_MAX + 1];
	int rc = ps_store_record_newest(s, record, newest);
	if (!rc)
		*after = !newest[0] || strcmp(newest, id) < 0;
	return rc;
}

int ps_fold_insert(ps_store *s, const ps_change *c, const char *bytes, size_t len, bool local, const char *summary,
                   bool defer, bool *needs_fold)
{
	if (needs_fold)
		*needs_fold = false;
	char **heads = NULL;
	size_t nh = 0;
	int rc = ps_store_heads(s, c->record, &heads, &nh);
	if (rc)
		return rc;
	/* heads and base are both sorted: equal sets compare elementwise */
	int fast = nh == c->nbase && (nh == 0 || !first_wins(c->record));
	for (size_t i = 0; fast && i < nh; i++)
		fast = strcmp(heads[i], c->base[i]) == 0;
	ps_strv_free(heads, nh);
	if (fast && (rc = after_all(s, c->record, c->id, &fast)))
		return rc;
	if (fast && (rc = ps_store_has_backrefs(s, c->record)) != 0) {
		if (rc < 0)
			return rc;
		fast = 0;
	}
	if ((rc = ps_store_insert_change(s, c, bytes, len, local, summary)))
		return rc;
	if (fast)
		return (rc = fold_fields(s, c)) ? rc : fold_record_row(s, c, 1);
	if (defer) {
		*needs_fold = true;
		return 0;
	}
	return ps_fold_record(s, c->record);
}

int ps_fold_group_is_linear(ps_store *s, ps_change *const *g, size_t k, bool *linear)
{
	*linear = false;
	if (k == 0)
		return 0;
	char **heads = NULL;
	size_t nh = 0;
	int rc = ps_store_heads(s, g[0]->record, &heads, &nh);
	if (rc)
		return rc;
	int ok = nh == g[0]->nbase && ((nh == 0 && k == 1) || !first_wins(g[0]->record));
	for (size_t i = 0; ok && i < nh; i++)
		ok = strcmp(heads[i], g[0]->base[i]) == 0;
	ps_strv_free(heads, nh);
	for (size_t i = 1; ok && i < k; i++)
		ok = g[i]->nbase == 1 && strcmp(g[i]->base[0], g[i - 1]->id) == 0;
	if (ok && (rc = after_all(s, g[0]->record, g[0]->id, &ok)))
		return rc;
	if (ok && (rc = ps_store_has_backrefs(s, g[0]->record)) != 0) {
		if (rc < 0)
			return rc;
		ok = 0;
	}
	*linear = ok;
	return 0;
}

int ps_fold_group_apply(ps_store *s, ps_change *const *g, size_t k)
{
	assert(k > 0);
	for (size_t i = 1; i < k; i++)
		assert(strcmp(g[i]->record, g[0]->record) == 0 && strcmp(g[i - 1]->id, g[i]->id) < 0);
	/* Newest first: the first writer met of each field is the one that wins. */
	cJSON *done = cJSON_CreateObject();
	if (!done)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int rc = 0;
	for (size_t i = k; i-- > 0 && !rc;)
		for (const cJSON *f = g[i]->fields->child; f && !rc; f = f->next) {
			if (cJSON_GetObjectItemCaseSensitive(done, f->string))
				continue;
			cJSON_AddNullToObject(done, f->string);
			rc = put_field(s, g[i]->record, f, g[i]->id);
		}
	cJSON_Delete(done);
	return rc ? rc : fold_record_row(s, g[k - 1], (long)k);
}
