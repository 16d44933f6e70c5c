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
 * backrefs). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/fold.h"
#include "store_int.h"
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
	unsigned char *below; /* scratch for write_field: n flags */
	int back;             /* some base names a larger id: below needs passes to a fixed point */
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
}

static int cmp_id(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const fchange *)elem)->id);
}

static int load(ps_store *s, const char *record, fold *f)
{
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT id, op, fields FROM changes WHERE record = ?1 ORDER BY id");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f->n == cap) {
			cap = cap ? cap * 2 : 8;
			fchange *nc = realloc(f->c, cap * sizeof(*nc));
			if (!nc)
				goto oom;
			f->c = nc;
		}
		fchange *c = &f->c[f->n];
		c->id = strdup((const char *)sqlite3_column_text(st, 0));
		c->fields = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
		f->n++;
		if (!c->id || !c->fields)
			goto oom;
		int set = strcmp((const char *)sqlite3_column_text(st, 1), "set") == 0;
		if (!cJSON_AddBoolToObject(c->fields, EXISTS_FIELD, set))
			goto oom;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ps_store_error(s, "reading a record's changes");
	st = ps_store_stmt(s, "SELECT e.child, e.parent FROM edges e JOIN changes c ON c.id = e.child "
	                      "WHERE c.record = ?1");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	/* (parent, child) index pairs, then grouped by parent (counting sort). */
	size_t *pairs = NULL, np = 0, pcap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *child = (const char *)sqlite3_column_text(st, 0);
		const char *parent = (const char *)sqlite3_column_text(st, 1);
		fchange *ci = bsearch(child, f->c, f->n, sizeof(fchange), cmp_id);
		fchange *pi = bsearch(parent, f->c, f->n, sizeof(fchange), cmp_id);
		if (!ci || !pi || pi == ci)
			continue;
		if (np == pcap) {
			pcap = pcap ? pcap * 2 : 64;
			size_t *nps = realloc(pairs, pcap * 2 * sizeof(size_t));
			if (!nps) {
				free(pairs);
				goto oom;
			}
			pairs = nps;
		}
		pairs[2 * np] = (size_t)(pi - f->c);
		pairs[2 * np + 1] = (size_t)(ci - f->c);
		f->back |= pi > ci;
		np++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(pairs);
		return ps_store_error(s, "reading a record's history");
	}
	f->first = calloc(f->n + 2, sizeof(size_t));
	f->kid = malloc((np + 1) * sizeof(size_t));
	f->below = malloc(f->n + 1);
	if (!f->first || !f->kid || !f->below) {
		free(pairs);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < np; k++)
		f->first[pairs[2 * k] + 2]++;
	for (size_t i = 0; i < f->n; i++)
		f->first[i + 2] += f->first[i + 1];
	for (size_t k = 0; k < np; k++)
		f->kid[f->first[pairs[2 * k] + 1]++] = pairs[2 * k + 1];
	free(pairs);
	return 0;
oom:
	sqlite3_reset(st);
	return ps_error_set(PS_ENOMEM, "out of memory");
}

static int write_field(ps_store *s, const char *record, fold *f, const char *name, int *retired)
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
	size_t win = nw - 1;
	for (size_t a = nw; a-- > 0;)
		if (!(f->below[w[a]] & 2)) {
			win = a;
			break;
		}
	if (strcmp(name, EXISTS_FIELD) == 0) {
		*retired = strcmp(vals[win], "false") == 0;
	} else {
		sqlite3_stmt *st =
		    ps_store_stmt(s, "INSERT INTO state(record, field, value, change) VALUES (?1,?2,?3,?4)");
		if (!st) {
			rc = PS_ERROR;
			goto out;
		}
		sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, vals[win], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, f->c[w[win]].id, -1, SQLITE_STATIC);
		int r = sqlite3_step(st);
		sqlite3_reset(st);
		if (r != SQLITE_DONE) {
			rc = ps_store_error(s, "writing state");
			goto out;
		}
	}
	/* Maximal writers (flags above): conflicts when their values differ. */
	cJSON *ids = NULL;
	int differ = 0;
	for (size_t a = 0; a < nw; a++) {
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
		sqlite3_stmt *st = ps_store_stmt(s, "INSERT INTO conflicts(record, field, changes) VALUES (?1,?2,?3)");
		if (!txt || !st) {
			free(txt);
			cJSON_Delete(ids);
			rc = txt ? PS_ERROR : ps_error_set(PS_ENOMEM, "out of memory");
			goto out;
		}
		sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, txt, -1, SQLITE_STATIC);
		int r = sqlite3_step(st);
		sqlite3_reset(st);
		free(txt);
		if (r != SQLITE_DONE)
			rc = ps_store_error(s, "writing a conflict");
	}
	cJSON_Delete(ids);
out:
	for (size_t i = 0; vals && i < nw; i++)
		free(vals[i]);
	free(vals);
	free(w);
	return rc;
}

static int clear(ps_store *s, const char *sql, const char *record)
{
	sqlite3_stmt *st = ps_store_stmt(s, sql);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : ps_store_error(s, "clearing state");
}

/* Progress and reviews name an office, a task and a period: those the plan
 * lacks are noted in unplanned (the record is held, not shown as real);
 * a plan record that exists releases what waited for it. Three lookups by
 * primary key or one indexed delete: cheap enough for every fold. */
static int plan_refs(ps_store *s, const char *record)
{
	ps_record_id rid;
	if (ps_record_parse(&rid, record) != 0)
		return 0;
	if (rid.kind == PS_KIND_OFFICE || rid.kind == PS_KIND_TASK || rid.kind == PS_KIND_PERIOD)
		return clear(s, "DELETE FROM unplanned WHERE need = ?1", record);
	if (rid.kind != PS_KIND_PROGRESS && rid.kind != PS_KIND_REVIEW)
		return 0;
	sqlite3_stmt *known = ps_store_stmt(s, "SELECT 1 FROM records WHERE id = ?1");
	sqlite3_stmt *add = ps_store_stmt(s, "INSERT OR IGNORE INTO unplanned(record, need) VALUES (?1, ?2)");
	sqlite3_stmt *del = ps_store_stmt(s, "DELETE FROM unplanned WHERE record = ?1 AND need = ?2");
	if (!known || !add || !del)
		return PS_ERROR;
	const char *kinds[3] = {"office", "task", "period"}, *ids[3] = {rid.office, rid.task, rid.period};
	for (int i = 0; i < 3; i++) {
		char need[PS_RECORD_ID_MAX + 1];
		snprintf(need, sizeof(need), "%s/%s", kinds[i], ids[i]);
		sqlite3_reset(known);
		sqlite3_bind_text(known, 1, need, -1, SQLITE_STATIC);
		int e = sqlite3_step(known);
		sqlite3_reset(known);
		if (e != SQLITE_ROW && e != SQLITE_DONE)
			return ps_store_error(s, "looking up the plan");
		sqlite3_stmt *w = e == SQLITE_ROW ? del : add;
		sqlite3_reset(w);
		sqlite3_bind_text(w, 1, record, -1, SQLITE_STATIC);
		sqlite3_bind_text(w, 2, need, -1, SQLITE_STATIC);
		e = sqlite3_step(w);
		sqlite3_reset(w);
		if (e != SQLITE_DONE)
			return ps_store_error(s, "noting what the plan lacks");
	}
	return 0;
}

int ps_fold_record(ps_store *s, const char *record)
{
	fold f;
	memset(&f, 0, sizeof(f));
	int rc = load(s, record, &f);
	if (!rc)
		rc = clear(s, "DELETE FROM state WHERE record = ?1", record);
	if (!rc)
		rc = clear(s, "DELETE FROM conflicts WHERE record = ?1", record);
	if (!rc && f.n == 0)
		rc = clear(s, "DELETE FROM records WHERE id = ?1", record);
	if (!rc && f.n == 0)
		rc = clear(s, "DELETE FROM unplanned WHERE record = ?1", record);
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
	for (const cJSON *v = names->child; v && !rc; v = v->next)
		rc = write_field(s, record, &f, v->string, &retired);
	cJSON_Delete(names);
	if (rc)
		goto out;
	ps_record_id rid;
	const char *kind = ps_record_parse(&rid, record) == 0 ? ps_kind_name(rid.kind) : "?";
	sqlite3_stmt *st = ps_store_stmt(s, "INSERT OR REPLACE INTO records(id, kind, retired, changes, last) "
	                                    "VALUES (?1,?2,?3,?4,?5)");
	if (!st) {
		rc = PS_ERROR;
		goto out;
	}
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, retired);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)f.n);
	sqlite3_bind_text(st, 5, f.c[f.n - 1].id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ps_store_error(s, "writing a record");
	sqlite3_reset(st);
	if (!rc)
		rc = plan_refs(s, record);
out:
	fold_release(&f);
	return rc;
}

int ps_fold_all(ps_store *s, void (*progress)(void *, long, long), void *ctx)
{
	sqlite3_stmt *st;
	long total = 0, done = 0;
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT count(DISTINCT record) FROM changes", -1, &st, NULL) ==
	        SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(ps_store_db(s), "SELECT DISTINCT record FROM changes ORDER BY record", -1, &st, NULL) !=
	    SQLITE_OK)
		return ps_store_error(s, "listing records");
	int rc = 0, r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		char *rec = strdup((const char *)sqlite3_column_text(st, 0));
		rc = rec ? ps_fold_record(s, rec) : ps_error_set(PS_ENOMEM, "out of memory");
		free(rec);
		if (rc)
			break;
		if (progress && (++done % 1000 == 0 || done == total))
			progress(ctx, done, total);
	}
	if (!rc && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = ps_store_error(s, "listing records");
	sqlite3_finalize(st);
	return rc;
}

/* State rows for c's fields (c is their newest writer, descending from all). */
static int put_field(ps_store *s, const char *record, const cJSON *f, const char *change)
{
	sqlite3_stmt *up =
	    ps_store_stmt(s, "INSERT OR REPLACE INTO state(record, field, value, change) VALUES (?1,?2,?3,?4)");
	sqlite3_stmt *dc = ps_store_stmt(s, "DELETE FROM conflicts WHERE record = ?1 AND field = ?2");
	char *v = ps_json_compact(f);
	if (!up || !dc || !v) {
		free(v);
		return up && dc ? ps_error_set(PS_ENOMEM, "out of memory") : PS_ERROR;
	}
	sqlite3_bind_text(up, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 2, f->string, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 3, v, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 4, change, -1, SQLITE_STATIC);
	sqlite3_bind_text(dc, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(dc, 2, f->string, -1, SQLITE_STATIC);
	int e1 = sqlite3_step(up), e2 = sqlite3_step(dc);
	sqlite3_reset(up);
	sqlite3_reset(dc);
	free(v);
	return e1 == SQLITE_DONE && e2 == SQLITE_DONE ? 0 : ps_store_error(s, "writing state");
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
	sqlite3_stmt *dc = ps_store_stmt(s, "DELETE FROM conflicts WHERE record = ?1 AND field = ?2");
	if (!dc)
		return PS_ERROR;
	sqlite3_bind_text(dc, 1, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(dc, 2, EXISTS_FIELD, -1, SQLITE_STATIC);
	int e = sqlite3_step(dc);
	sqlite3_reset(dc);
	if (e != SQLITE_DONE)
		return ps_store_error(s, "writing state");
	ps_record_id rid;
	const char *kind = ps_record_parse(&rid, c->record) == 0 ? ps_kind_name(rid.kind) : "?";
	sqlite3_stmt *rs =
	    ps_store_stmt(s, "INSERT INTO records(id, kind, retired, changes, last) VALUES (?1,?2,?3,?5,?4) "
	                     "ON CONFLICT(id) DO UPDATE SET retired = excluded.retired, "
	                     "changes = records.changes + excluded.changes, last = excluded.last");
	if (!rs)
		return PS_ERROR;
	sqlite3_bind_text(rs, 1, c->record, -1, SQLITE_STATIC);
	sqlite3_bind_text(rs, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(rs, 3, c->op == PS_OP_RETIRE);
	sqlite3_bind_text(rs, 4, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(rs, 5, added);
	e = sqlite3_step(rs);
	sqlite3_reset(rs);
	return e == SQLITE_DONE ? plan_refs(s, c->record) : ps_store_error(s, "writing a record");
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
	int fast = nh == c->nbase;
	for (size_t i = 0; fast && i < nh; i++)
		fast = strcmp(heads[i], c->base[i]) == 0;
	ps_strv_free(heads, nh);
	if (fast) {
		sqlite3_stmt *mx = ps_store_stmt(s, "SELECT max(id) FROM changes WHERE record = ?1");
		if (!mx)
			return PS_ERROR;
		sqlite3_bind_text(mx, 1, c->record, -1, SQLITE_STATIC);
		if (sqlite3_step(mx) == SQLITE_ROW && sqlite3_column_type(mx, 0) != SQLITE_NULL)
			fast = strcmp((const char *)sqlite3_column_text(mx, 0), c->id) < 0;
		sqlite3_reset(mx);
	}
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
	int ok = nh == g[0]->nbase;
	for (size_t i = 0; ok && i < nh; i++)
		ok = strcmp(heads[i], g[0]->base[i]) == 0;
	ps_strv_free(heads, nh);
	for (size_t i = 1; ok && i < k; i++)
		ok = g[i]->nbase == 1 && strcmp(g[i]->base[0], g[i - 1]->id) == 0;
	if (ok) {
		sqlite3_stmt *mx = ps_store_stmt(s, "SELECT max(id) FROM changes WHERE record = ?1");
		if (!mx)
			return PS_ERROR;
		sqlite3_bind_text(mx, 1, g[0]->record, -1, SQLITE_STATIC);
		if (sqlite3_step(mx) == SQLITE_ROW && sqlite3_column_type(mx, 0) != SQLITE_NULL)
			ok = strcmp((const char *)sqlite3_column_text(mx, 0), g[0]->id) < 0;
		sqlite3_reset(mx);
	}
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
