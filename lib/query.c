/* query.c - reads for the front ends, conflict resolution, dump, rebuild.
 *
 * Reads build cJSON trees from the derived tables (state, records,
 * conflicts) and the change log; they never write. ps_resolve writes
 * through ps_replica_write_full; ps_rebuild recomputes everything derived. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/ops.h"
#include "store_int.h"
#include "plansync/error.h"
#include "plansync/fold.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/sync.h"
#include "plansync/text.h"
#include "plansync/daemon.h"

/* Natural order: "p1-t2" before "p1-t10". */
static int natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
		} else {
			if (*a != *b)
				return (unsigned char)*a - (unsigned char)*b;
			a++;
			b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_item_id(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	const cJSON *ia = cJSON_GetObjectItemCaseSensitive(a, "id"), *ib = cJSON_GetObjectItemCaseSensitive(b, "id");
	return natcmp(cJSON_IsString(ia) ? ia->valuestring : "", cJSON_IsString(ib) ? ib->valuestring : "");
}

static void sort_array(cJSON *arr)
{
	int n = cJSON_GetArraySize(arr);
	if (n < 2)
		return;
	cJSON **v = malloc(sizeof(cJSON *) * (size_t)n);
	if (!v)
		return;
	int i = 0;
	while (arr->child) {
		v[i++] = cJSON_DetachItemViaPointer(arr, arr->child);
	}
	qsort(v, (size_t)n, sizeof(cJSON *), cmp_item_id);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, v[i]);
	free(v);
}

/* The fields of a record as an object, with "id" first (the slug part). */
static cJSON *record_object(ps_store *s, const char *record, const char *idval)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	if (idval)
		cJSON_AddStringToObject(o, "id", idval);
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT field, value FROM state WHERE record = ?1 ORDER BY field");
	if (!st) {
		cJSON_Delete(o);
		return NULL;
	}
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *v = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
		if (v)
			cJSON_AddItemToObject(o, (const char *)sqlite3_column_text(st, 0), v);
	}
	sqlite3_reset(st);
	return o;
}

/* Every live record of a kind, as objects; filter(obj, arg) keeps or not. */
static int list_kind(ps_store *s, const char *kind, int (*filter)(const cJSON *, const void *), const void *arg,
                     cJSON **out)
{
	*out = cJSON_CreateArray();
	if (!*out)
		return ps_error_set(PS_ENOMEM, "out of memory");
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT id FROM records WHERE kind = ?1 AND retired = 0");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	char **ids = NULL;
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **nv = realloc(ids, (n + 1) * sizeof(char *));
		if (!nv)
			break;
		ids = nv;
		ids[n++] = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(ids[i], '/');
		cJSON *o = record_object(s, ids[i], slash ? slash + 1 : ids[i]);
		if (o && (!filter || filter(o, arg)))
			cJSON_AddItemToArray(*out, o);
		else
			cJSON_Delete(o);
	}
	ps_strv_free(ids, n);
	sort_array(*out);
	return 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int count_where(const cJSON *arr, const char *key, const char *val)
{
	int n = 0;
	for (const cJSON *it = arr->child; it; it = it->next) {
		const char *v = str(it, key);
		n += v && !strcmp(v, val);
	}
	return n;
}

int ps_query_plan(ps_replica *r, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	*out = NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON *hdr = record_object(s, "plan/header", NULL);
	cJSON *progs = NULL, *objs = NULL, *tasks = NULL, *comms = NULL, *tmp = NULL;
	int rc = 0;
	if (!o || !hdr)
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (!rc && !hdr->child)
		rc = ps_error_set(PS_ENOTFOUND, "this replica has no plan yet; the province imports it ('plansync plan "
		                                "import'), districts get it with 'plansync sync'");
	if (rc || (rc = list_kind(s, "program", NULL, NULL, &progs)) ||
	    (rc = list_kind(s, "objective", NULL, NULL, &objs)) || (rc = list_kind(s, "task", NULL, NULL, &tasks)) ||
	    (rc = list_kind(s, "committee", NULL, NULL, &comms))) {
		cJSON_Delete(o);
		cJSON_Delete(hdr);
		cJSON_Delete(progs);
		cJSON_Delete(objs);
		cJSON_Delete(tasks);
		cJSON_Delete(comms);
		return rc;
	}
	cJSON_AddItemToObject(o, "plan", hdr);
	for (cJSON *p = progs->child; p; p = p->next) {
		const char *id = str(p, "id");
		cJSON_AddNumberToObject(p, "objectives", count_where(objs, "program", id));
		cJSON_AddNumberToObject(p, "tasks", count_where(tasks, "program", id));
		for (const cJSON *c = comms->child; c; c = c->next)
			if (str(c, "program") && !strcmp(str(c, "program"), id)) {
				cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "members");
				cJSON_AddNumberToObject(p, "committee_members", cJSON_GetArraySize(m));
				if (str(c, "head_role"))
					cJSON_AddStringToObject(p, "committee_head", str(c, "head_role"));
			}
	}
	cJSON_AddItemToObject(o, "programs", progs);
	cJSON *counts = cJSON_AddObjectToObject(o, "counts");
	static const char *const kinds[] = {"office", "agency", "target", "milestone", "period", NULL};
	for (int k = 0; kinds[k]; k++) {
		if (list_kind(s, kinds[k], NULL, NULL, &tmp) == 0)
			cJSON_AddNumberToObject(counts, kinds[k], cJSON_GetArraySize(tmp));
		cJSON_Delete(tmp);
		tmp = NULL;
	}
	cJSON_AddNumberToObject(counts, "objective", cJSON_GetArraySize(objs));
	cJSON_AddNumberToObject(counts, "task", cJSON_GetArraySize(tasks));
	cJSON_Delete(objs);
	cJSON_Delete(tasks);
	cJSON_Delete(comms);
	*out = o;
	return 0;
}

static int keep_program(const cJSON *o, const void *arg)
{
	return !arg || (str(o, "program") && !strcmp(str(o, "program"), arg));
}

static int keep_office(const cJSON *o, const void *arg)
{
	return !arg || (str(o, "office") && !strcmp(str(o, "office"), arg));
}

/* A filter naming an office or program that the plan lacks is a typo: say so. */
static int check_filter(ps_replica *r, const char *kind, const char *id)
{
	if (!id)
		return 0;
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "%s/%s", kind, id);
	int live = ps_slug_valid(id) ? ps_replica_record_live(r, rec) : 0;
	if (live < 0)
		return live;
	return live ? 0 : ps_error_set(PS_ENOTFOUND, "unknown %s \"%s\"; see 'plansync plan show'", kind, id);
}

int ps_query_tasks(ps_replica *r, const char *program, const char *office, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	int frc;
	*out = NULL;
	if ((frc = check_filter(r, "program", program)) || (frc = check_filter(r, "office", office)))
		return frc;
	cJSON *targets = NULL;
	int rc = list_kind(s, "task", keep_program, program, out);
	if (rc || (rc = list_kind(s, "target", keep_office, office, &targets))) {
		cJSON_Delete(*out);
		*out = NULL;
		return rc;
	}
	cJSON *it = (*out)->child;
	while (it) {
		cJSON *next = it->next;
		cJSON *offs = cJSON_CreateArray();
		for (const cJSON *t = targets->child; t; t = t->next)
			if (str(t, "task") && !strcmp(str(t, "task"), str(it, "id")))
				cJSON_AddItemToArray(offs, cJSON_CreateString(str(t, "office")));
		if (office && cJSON_GetArraySize(offs) == 0) {
			cJSON_Delete(offs);
			cJSON_Delete(cJSON_DetachItemViaPointer(*out, it));
		} else {
			cJSON_AddItemToObject(it, "target_offices", offs);
		}
		it = next;
	}
	cJSON_Delete(targets);
	return 0;
}

int ps_query_targets(ps_replica *r, const char *office, cJSON **out)
{
	*out = NULL;
	int frc = check_filter(r, "office", office);
	if (frc)
		return frc;
	return list_kind(ps_replica_store(r), "target", keep_office, office, out);
}

int ps_query_progress(ps_replica *r, const char *office, const char *task, const char *period, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	int frc;
	*out = NULL;
	if ((frc = check_filter(r, "office", office)) || (frc = check_filter(r, "task", task)) ||
	    (frc = check_filter(r, "period", period)))
		return frc;
	*out = cJSON_CreateArray();
	if (!*out)
		return ps_error_set(PS_ENOMEM, "out of memory");
	sqlite3_stmt *st =
	    ps_store_stmt(s, "SELECT r.id, c.author, c.hlc FROM records r JOIN changes c ON c.id = r.last "
	                     "WHERE r.kind = 'progress' AND r.retired = 0 "
	                     "AND NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) ORDER BY r.id");
	if (!st)
		return PS_ERROR;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		ps_record_id rid;
		if (ps_record_parse(&rid, id))
			continue;
		if ((office && strcmp(office, rid.office)) || (task && strcmp(task, rid.task)) ||
		    (period && strcmp(period, rid.period)))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "office", rid.office);
		cJSON_AddStringToObject(o, "task", rid.task);
		cJSON_AddStringToObject(o, "period", rid.period);
		cJSON *f = record_object(s, id, NULL);
		for (cJSON *v = f ? f->child : NULL; v;) {
			cJSON *next = v->next;
			cJSON_AddItemToObject(o, v->string, cJSON_DetachItemViaPointer(f, v));
			v = next;
		}
		cJSON_Delete(f);
		char when[32];
		ps_hlc_time((ps_hlc)sqlite3_column_int64(st, 2), when);
		cJSON_AddStringToObject(o, "updated", when);
		cJSON_AddStringToObject(o, "updated_by", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddItemToArray(*out, o);
	}
	sqlite3_reset(st);
	return 0;
}

/* ---- log ---- */

/* The record's changes in id order, each {id, fields, base: [...]}. */
static cJSON *changes_of(ps_store *s, const char *record)
{
	cJSON *arr = cJSON_CreateArray();
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT id, fields FROM changes WHERE record = ?1 ORDER BY id");
	sqlite3_stmt *ed = ps_store_stmt(s, "SELECT parent FROM edges WHERE child = ?1");
	if (!st || !ed || !arr) {
		cJSON_Delete(arr);
		return NULL;
	}
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		const char *id = (const char *)sqlite3_column_text(st, 0);
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddItemToObject(o, "fields", cJSON_Parse((const char *)sqlite3_column_text(st, 1)));
		cJSON *base = cJSON_AddArrayToObject(o, "base");
		sqlite3_reset(ed);
		sqlite3_bind_text(ed, 1, id, -1, SQLITE_STATIC);
		while (sqlite3_step(ed) == SQLITE_ROW)
			cJSON_AddItemToArray(base, cJSON_CreateString((const char *)sqlite3_column_text(ed, 0)));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(ed);
	sqlite3_reset(st);
	return arr;
}

static cJSON *find_change(cJSON *hist, const char *id)
{
	for (cJSON *h = hist->child; h; h = h->next)
		if (!strcmp(str(h, "id"), id))
			return h;
	return NULL;
}

/* Mark every ancestor of c through the base chain ("seen": true). */
static void mark_ancestors(cJSON *hist, cJSON *c)
{
	cJSON *base = cJSON_GetObjectItemCaseSensitive(c, "base");
	for (cJSON *b = base ? base->child : NULL; b; b = b->next) {
		cJSON *p = find_change(hist, b->valuestring);
		if (p && !cJSON_GetObjectItemCaseSensitive(p, "seen")) {
			cJSON_AddTrueToObject(p, "seen");
			mark_ancestors(hist, p);
		}
	}
}

int ps_query_log(ps_replica *r, const char *record, long limit, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	*out = cJSON_CreateArray();
	if (!*out)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (record) {
		ps_record_id rid;
		int rc = ps_record_parse(&rid, record);
		if (rc)
			return rc;
	}
	sqlite3_stmt *st =
	    record
	        ? ps_store_stmt(s, "SELECT id, office, author, hlc, record, op, reason FROM changes WHERE record = ?1 "
	                           "ORDER BY id DESC LIMIT ?2")
	        : ps_store_stmt(
	              s, "SELECT id, office, author, hlc, record, op, reason FROM changes ORDER BY id DESC LIMIT ?2");
	if (!st)
		return PS_ERROR;
	if (record)
		sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		char when[32];
		ps_hlc_time((ps_hlc)sqlite3_column_int64(st, 3), when);
		cJSON_AddStringToObject(o, "id", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddStringToObject(o, "office", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(o, "author", (const char *)sqlite3_column_text(st, 2));
		cJSON_AddStringToObject(o, "record", (const char *)sqlite3_column_text(st, 4));
		cJSON_AddStringToObject(o, "op", (const char *)sqlite3_column_text(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			cJSON_AddStringToObject(o, "reason", (const char *)sqlite3_column_text(st, 6));
		cJSON_AddItemToArray(*out, o);
	}
	sqlite3_reset(st);
	/* Old values: what the writer saw, the state folded from the change's
	 * base chain (not whatever happened to sort before it). */
	for (cJSON *o = (*out)->child; o; o = o->next) {
		cJSON *hist = changes_of(s, str(o, "record"));
		cJSON *self = hist ? find_change(hist, str(o, "id")) : NULL;
		cJSON *diff = cJSON_AddArrayToObject(o, "fields");
		if (self)
			mark_ancestors(hist, self);
		cJSON *f = self ? cJSON_GetObjectItemCaseSensitive(self, "fields") : NULL;
		for (cJSON *v = f ? f->child : NULL; v; v = v->next) {
			const cJSON *old = NULL;
			for (cJSON *h = hist->child; h != self; h = h->next)
				if (cJSON_GetObjectItemCaseSensitive(h, "seen")) {
					const cJSON *hv = cJSON_GetObjectItemCaseSensitive(
					    cJSON_GetObjectItemCaseSensitive(h, "fields"), v->string);
					if (hv)
						old = hv; /* later ids win */
				}
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "field", v->string);
			cJSON_AddItemToObject(d, "old", old ? cJSON_Duplicate(old, 1) : cJSON_CreateNull());
			cJSON_AddItemToObject(d, "new", cJSON_Duplicate(v, 1));
			cJSON_AddItemToArray(diff, d);
		}
		cJSON_Delete(hist);
	}
	return 0;
}

/* ---- conflicts ---- */

int ps_query_conflicts(ps_replica *r, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	*out = cJSON_CreateArray();
	if (!*out)
		return ps_error_set(PS_ENOMEM, "out of memory");
	sqlite3_stmt *st = ps_store_stmt(
	    s, "SELECT k.record, k.field, k.changes, st.value, st.change FROM conflicts k "
	       "LEFT JOIN state st ON st.record = k.record AND st.field = k.field "
	       "WHERE NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = k.record) ORDER BY k.record, k.field");
	sqlite3_stmt *ch = ps_store_stmt(s, "SELECT office, author, hlc, fields, op FROM changes WHERE id = ?1");
	if (!st || !ch)
		return PS_ERROR;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		const char *field = (const char *)sqlite3_column_text(st, 1);
		cJSON_AddStringToObject(o, "record", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "field", field);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			cJSON_AddItemToObject(o, "value", cJSON_Parse((const char *)sqlite3_column_text(st, 3)));
			cJSON_AddStringToObject(o, "winner", (const char *)sqlite3_column_text(st, 4));
		}
		cJSON *ids = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
		cJSON *vers = cJSON_AddArrayToObject(o, "versions");
		for (cJSON *id = ids ? ids->child : NULL; id; id = id->next) {
			sqlite3_reset(ch);
			sqlite3_bind_text(ch, 1, id->valuestring, -1, SQLITE_STATIC);
			if (sqlite3_step(ch) != SQLITE_ROW)
				continue;
			cJSON *v = cJSON_CreateObject();
			char when[32];
			ps_hlc_time((ps_hlc)sqlite3_column_int64(ch, 2), when);
			cJSON_AddStringToObject(v, "change", id->valuestring);
			cJSON_AddStringToObject(v, "office", (const char *)sqlite3_column_text(ch, 0));
			cJSON_AddStringToObject(v, "author", (const char *)sqlite3_column_text(ch, 1));
			cJSON_AddStringToObject(v, "time", when);
			cJSON *f = cJSON_Parse((const char *)sqlite3_column_text(ch, 3));
			cJSON *val = cJSON_GetObjectItemCaseSensitive(f, field);
			if (val)
				cJSON_AddItemToObject(v, "value", cJSON_Duplicate(val, 1));
			else if (!strcmp(field, "@exists"))
				cJSON_AddBoolToObject(v, "value",
				                      !strcmp((const char *)sqlite3_column_text(ch, 4), "set"));
			cJSON_Delete(f);
			cJSON_AddItemToArray(vers, v);
		}
		sqlite3_reset(ch);
		cJSON_Delete(ids);
		cJSON_AddItemToArray(*out, o);
	}
	sqlite3_reset(st);
	return 0;
}

int ps_resolve(ps_replica *r, const char *record, const char *field, const char *take_id, const char *value,
               char **id_out)
{
	ps_store *s = ps_replica_store(r);
	ps_record_id rid;
	int prc = ps_record_parse(&rid, record);
	if (prc)
		return prc;
	if (strcmp(ps_record_owner(&rid, ps_replica_province(r)), ps_replica_office(r)))
		return ps_error_set(PS_ENOTOWNER, "office %s may not write %s: only %s resolves its conflicts",
		                    ps_replica_office(r), record, ps_record_owner(&rid, ps_replica_province(r)));
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT changes FROM conflicts WHERE record = ?1 AND field = ?2");
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	cJSON *ids = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		ids = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (!ids)
		return ps_error_set(PS_ENOTFOUND, "there is no conflict on %s %s; see 'plansync conflicts'", record,
		                    field);
	cJSON *val = NULL;
	int rc = 0;
	if (take_id) {
		int listed = 0;
		for (cJSON *i = ids->child; i; i = i->next)
			listed |= !strcmp(i->valuestring, take_id);
		if (!listed) {
			cJSON_Delete(ids);
			return ps_error_set(
			    PS_EINVALID,
			    "change %s is not one of the conflicting versions of %s %s; see 'plansync conflicts'",
			    take_id, record, field);
		}
		st = ps_store_stmt(s, "SELECT fields FROM changes WHERE id = ?1");
		sqlite3_bind_text(st, 1, take_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *f = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
			cJSON *v = cJSON_GetObjectItemCaseSensitive(f, field);
			val = v ? cJSON_Duplicate(v, 1) : NULL;
			cJSON_Delete(f);
		}
		sqlite3_reset(st);
	} else {
		val = cJSON_Parse(value);
		if (!val)
			val = cJSON_CreateString(value); /* a bare word is text */
	}
	cJSON_Delete(ids);
	if (!strcmp(field, "@exists"))
		return ps_error_set(
		    PS_EINVALID,
		    "a set/retire conflict is resolved by setting the record again (progress set) or retiring it");
	if (!val)
		return ps_error_set(PS_ENOTFOUND, "change %s does not set %s", take_id, field);
	cJSON *fields = cJSON_CreateObject();
	cJSON_AddItemToObject(fields, field, val);
	if ((rc = ps_replica_write_full(r, record, PS_OP_SET, fields, "resolve conflict", false, true, id_out)))
		return rc;
	return 0;
}

/* ---- status, problems ---- */

static long long count(ps_store *s, const char *sql)
{
	sqlite3_stmt *st = ps_store_stmt(s, sql);
	long long n = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return n;
}

int ps_query_status(ps_replica *r, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	cJSON *o = *out = cJSON_CreateObject();
	if (!o)
		return ps_error_set(PS_ENOMEM, "out of memory");
	cJSON_AddStringToObject(o, "office", ps_replica_office(r));
	cJSON_AddStringToObject(o, "replica", ps_replica_id(r));
	cJSON_AddStringToObject(o, "province", ps_replica_province(r));
	cJSON_AddStringToObject(o, "user", ps_replica_author(r));
	char *v = NULL;
	if (ps_store_meta_get(s, "remote", &v) == 0)
		cJSON_AddStringToObject(o, "remote", v);
	else
		cJSON_AddNullToObject(o, "remote");
	free(v);
	cJSON_AddNumberToObject(o, "records", (double)count(s, "SELECT count(*) FROM records WHERE retired = 0"));
	cJSON_AddNumberToObject(o, "changes", (double)count(s, "SELECT count(*) FROM changes"));
	long long delivered = 0;
	ps_store_meta_get_int(s, "delivered_batch", &delivered, 0);
	cJSON *own = cJSON_AddObjectToObject(o, "own_changes");
	long long total = count(s, "SELECT count(*) FROM changes WHERE local = 1");
	long long pending = count(
	    s, "SELECT count(*) FROM changes WHERE local = 1 AND seq > (SELECT coalesce(max(maxseq), 0) FROM exports)");
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT count(*) FROM changes WHERE local = 1 AND seq <= "
	                                    "(SELECT coalesce(max(maxseq), 0) FROM exports WHERE batch <= ?1)");
	long long dl = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, delivered);
		if (sqlite3_step(st) == SQLITE_ROW)
			dl = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	cJSON_AddNumberToObject(own, "total", (double)total);
	cJSON_AddNumberToObject(own, "not_exported", (double)pending);
	cJSON_AddNumberToObject(own, "committed", (double)(total - pending));
	cJSON_AddNumberToObject(own, "delivered", (double)dl);
	cJSON_AddNumberToObject(own, "not_delivered", (double)(total - dl));
	/* Own changes stamped beyond wall clock + drift (written while this
	 * machine's clock was ahead): readers hold them back until then. The id
	 * starts with the clock, so the range is one index lookup. */
	char from[PS_CHANGE_ID_MAX + 1];
	ps_hlc_format(PS_HLC_MAKE(ps_now_ms() + ps_store_clock_ahead_ms(s) + 1, 0), from);
	st = ps_store_stmt(s, "SELECT count(*), max(hlc) FROM changes WHERE id >= ?1 AND local = 1");
	long long nfut = 0;
	ps_hlc until = 0;
	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			nfut = sqlite3_column_int64(st, 0);
			until = (ps_hlc)sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
	}
	cJSON_AddNumberToObject(own, "future", (double)nfut);
	if (nfut) {
		char when[32];
		ps_hlc_time(until, when);
		cJSON_AddStringToObject(own, "future_until", when);
	} else {
		cJSON_AddNullToObject(own, "future_until");
	}
	cJSON_AddNumberToObject(o, "conflicts", (double)count(s, "SELECT count(*) FROM conflicts"));
	cJSON_AddNumberToObject(o, "problems", (double)count(s, "SELECT count(*) FROM problems"));
	cJSON_AddNumberToObject(o, "held", (double)count(s, "SELECT count(*) FROM held"));
	cJSON_AddNumberToObject(o, "unplanned", (double)count(s, "SELECT count(DISTINCT record) FROM unplanned"));
	cJSON_AddNumberToObject(o, "branches", (double)count(s, "SELECT count(*) FROM branches"));
	cJSON *dm = cJSON_AddObjectToObject(o, "daemon");
	pid_t pid = ps_daemon_running(ps_replica_dir(r));
	cJSON_AddBoolToObject(dm, "running", pid != 0);
	if (pid)
		cJSON_AddNumberToObject(dm, "pid", (double)pid);
	long long next = 0, failures = 0;
	ps_store_meta_get_int(s, "daemon.next_at", &next, 0);
	ps_store_meta_get_int(s, "daemon.failures", &failures, 0);
	if (pid && next) {
		char when[32];
		ps_hlc_time(PS_HLC_MAKE((uint64_t)next * 1000, 0), when);
		cJSON_AddStringToObject(dm, "next_attempt", when);
		cJSON_AddNumberToObject(dm, "failures", (double)failures);
	}
	cJSON *ls = cJSON_AddObjectToObject(o, "last_sync");
	long long at = 0, ok = 0;
	ps_store_meta_get_int(s, "last_sync_at", &at, 0);
	ps_store_meta_get_int(s, "last_sync_ok", &ok, 0);
	if (at) {
		char when[32];
		ps_hlc_time(PS_HLC_MAKE((uint64_t)at * 1000, 0), when);
		cJSON_AddStringToObject(ls, "time", when);
		cJSON_AddBoolToObject(ls, "ok", ok != 0);
		if (ps_store_meta_get(s, "last_sync_result", &v) == 0)
			cJSON_AddStringToObject(ls, "result", v);
		free(v);
	} else {
		cJSON_AddNullToObject(ls, "time");
		cJSON_AddStringToObject(ls, "result", "never synced");
	}
	return 0;
}

int ps_query_problems(ps_replica *r, cJSON **out)
{
	ps_store *s = ps_replica_store(r);
	*out = cJSON_CreateArray();
	sqlite3_stmt *st = ps_store_stmt(s, "SELECT at, branch, commit_id, path, reason FROM problems ORDER BY seq");
	if (!*out || !st)
		return PS_ERROR;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		char when[32];
		ps_hlc_time(PS_HLC_MAKE((uint64_t)sqlite3_column_int64(st, 0) * 1000, 0), when);
		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddStringToObject(o, "branch", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(o, "commit", (const char *)sqlite3_column_text(st, 2));
		cJSON_AddStringToObject(o, "path", (const char *)sqlite3_column_text(st, 3));
		cJSON_AddStringToObject(o, "reason", (const char *)sqlite3_column_text(st, 4));
		cJSON_AddItemToArray(*out, o);
	}
	sqlite3_reset(st);
	/* Reports held because the plan lacks what they name: not a fault of
	 * the file (the plan may arrive later), listed so a person can act. */
	st = ps_store_stmt(s, "SELECT u.record, group_concat(u.need, ', '), c.office, c.replica, c.id FROM unplanned u "
	                      "JOIN records r ON r.id = u.record JOIN changes c ON c.id = r.last "
	                      "GROUP BY u.record ORDER BY u.record");
	if (!st)
		return PS_ERROR;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		char why[600];
		snprintf(why, sizeof(why),
		         "held: the plan this replica knows does not have %s; it shows once the province's plan has "
		         "it (check the id with the office that wrote it)",
		         (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(o, "time", "");
		char branch[300];
		snprintf(branch, sizeof(branch), "replicas/%s/%s", (const char *)sqlite3_column_text(st, 2),
		         (const char *)sqlite3_column_text(st, 3));
		cJSON_AddStringToObject(o, "branch", branch);
		cJSON_AddStringToObject(o, "commit", "");
		cJSON_AddStringToObject(o, "path", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "reason", why);
		cJSON_AddItemToArray(*out, o);
	}
	sqlite3_reset(st);
	return 0;
}

/* ---- dump, rebuild ---- */

int ps_dump(ps_replica *r, char **out)
{
	ps_store *s = ps_replica_store(r);
	*out = NULL;
	ps_buf b = PS_BUF_INIT;
	ps_buf_puts(&b, "{\n  \"conflicts\": [");
	/* Records held for the plan (unplanned) are not real yet: left out. */
	sqlite3_stmt *st =
	    ps_store_stmt(s, "SELECT record, field, changes FROM conflicts k WHERE NOT EXISTS "
	                     "(SELECT 1 FROM unplanned u WHERE u.record = k.record) ORDER BY record, field");
	if (!st)
		return PS_ERROR;
	int first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		ps_buf_puts(&b, first ? "\n    " : ",\n    ");
		first = 0;
		ps_buf_puts(&b, "{\"record\": ");
		ps_json_write_string(&b, (const char *)sqlite3_column_text(st, 0));
		ps_buf_puts(&b, ", \"field\": ");
		ps_json_write_string(&b, (const char *)sqlite3_column_text(st, 1));
		ps_buf_printf(&b, ", \"changes\": %s}", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	ps_buf_puts(&b, first ? "],\n" : "\n  ],\n");
	ps_buf_puts(&b, "  \"records\": [");
	st = ps_store_stmt(
	    s, "SELECT r.id, r.retired, s.field, s.value FROM records r LEFT JOIN state s ON s.record = r.id "
	       "WHERE NOT EXISTS (SELECT 1 FROM unplanned u WHERE u.record = r.id) ORDER BY r.id, s.field");
	if (!st)
		return PS_ERROR;
	const char *cur = NULL;
	char *curid = NULL;
	first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (!curid || strcmp(curid, id)) {
			if (curid)
				ps_buf_puts(&b, "}}");
			ps_buf_puts(&b, first ? "\n    " : ",\n    ");
			first = 0;
			free(curid);
			curid = strdup(id);
			ps_buf_puts(&b, "{\"id\": ");
			ps_json_write_string(&b, id);
			ps_buf_printf(&b, ", \"retired\": %s, \"fields\": {",
			              sqlite3_column_int(st, 1) ? "true" : "false");
			cur = "";
		}
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			ps_buf_puts(&b, cur);
			ps_json_write_string(&b, (const char *)sqlite3_column_text(st, 2));
			ps_buf_printf(&b, ": %s", (const char *)sqlite3_column_text(st, 3));
			cur = ", ";
		}
	}
	sqlite3_reset(st);
	if (curid)
		ps_buf_puts(&b, "}}\n  ]\n}\n");
	else
		ps_buf_puts(&b, "]\n}\n");
	free(curid);
	if (ps_buf_error(&b)) {
		ps_buf_release(&b);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	*out = ps_buf_detach(&b);
	return 0;
}

static void fold_progress(void *ctx, long done, long total)
{
	void **pc = ctx;
	ps_progress_fn fn = (ps_progress_fn)pc[0];
	if (fn)
		fn(pc[1], "records recomputed", done, total);
}

/* Derived state is recomputed from the stored changes, which are never
 * deleted: a change whose branch has disappeared from the remote, or that
 * only this replica still holds, stays. Then every fetched branch is read
 * again from its root, so a change missing here is added (known ones are
 * skipped by id). */
static int rebuild_state(ps_replica *r, ps_progress_fn progress, void *ctx)
{
	ps_store *s = ps_replica_store(r);
	int rc = ps_store_begin(s);
	if (rc)
		return rc;
	rc = ps_store_exec(s, "DELETE FROM state; DELETE FROM conflicts; DELETE FROM records;"
	                      "DELETE FROM branches; DELETE FROM unplanned;");
	if (!rc)
		rc = ps_store_rebuild_heads(s);
	if (!rc) {
		void *pc[2] = {(void *)progress, ctx};
		rc = ps_fold_all(s, fold_progress, pc);
	}
	if (!rc)
		rc = ps_store_meta_set(s, "rebuild.pending", NULL);
	if (rc) {
		ps_store_rollback(s);
		return rc;
	}
	return ps_store_commit(s);
}

int ps_rebuild_state(ps_replica *r)
{
	return rebuild_state(r, NULL, NULL);
}

int ps_rebuild(ps_replica *r, ps_progress_fn progress, void *ctx)
{
	int rc = rebuild_state(r, progress, ctx);
	if (rc)
		return rc;
	ps_sync_result res;
	memset(&res, 0, sizeof(res));
	return ps_sync_import(r, &res, progress, ctx);
}
