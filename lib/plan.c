/* plan.c - the plan document: validation and import as changes.
 *
 * The document (schema/plan.schema.json) is a JSON object: "format",
 * "plan" (the header), "province", and one array per record kind
 * (offices, agencies, programs, objectives, tasks, committees, targets,
 * milestones, periods). Each item has an "id" slug; every other member
 * becomes a field of the record "<kind>/<id>", plus "order", its position
 * in the document. Import writes a change only where a record differs, and
 * retires plan records the document no longer names; all in one
 * transaction, so a bad document changes nothing. A record with an open
 * set/retire conflict ('@exists') is written whatever its state, set when
 * the document names it and retired when not, so importing the document
 * settles the conflict its way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/ops.h"
#include "plansync/store.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/text.h"
#include "store_views.h"

#define PLAN_FORMAT "plansync-plan/1"

/* References a field must make to another section: item[field] names an id there. */
static const struct {
	const char *section, *field, *target;
	int list;
} refs[] = {
    {"offices", "parent", "offices", 0},      {"offices", "successor", "offices", 0},
    {"objectives", "program", "programs", 0}, {"tasks", "program", "programs", 0},
    {"committees", "program", "programs", 0}, {"committees", "members", "agencies", 1},
    {"targets", "task", "tasks", 0},          {"targets", "office", "offices", 0},
};

static const cJSON *find_id(const cJSON *doc, const char *section, const char *id)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, section);
	for (const cJSON *it = arr ? arr->child : NULL; it; it = it->next) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "id");
		if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
			return it;
	}
	return NULL;
}

/* The last error behind the document path. Copied first: formatting the
 * message into the buffer it is read from garbled it. */
static int path_error(const char *path)
{
	char why[1024];
	snprintf(why, sizeof(why), "%s", ps_error_last());
	return ps_error_set(PS_EINVALID, "plan document: %s: %s", path, why);
}

static int check_doc(const cJSON *doc, const char *province)
{
	if (!cJSON_IsObject(doc))
		return ps_error_set(PS_EINVALID, "plan document: the top level must be a JSON object");
	for (const cJSON *m = doc->child; m; m = m->next) {
		int known =
		    !strcmp(m->string, "format") || !strcmp(m->string, "plan") || !strcmp(m->string, "province");
		known |= ps_kind_by_section(m->string) >= 0;
		if (!known)
			return ps_error_set(PS_EINVALID, "plan document: unknown member \"%s\"", m->string);
	}
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, PLAN_FORMAT))
		return ps_error_set(PS_EINVALID, "plan document: \"format\" must be \"%s\"", PLAN_FORMAT);
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(doc, "province");
	if (!cJSON_IsString(pv) || strcmp(pv->valuestring, province))
		return ps_error_set(
		    PS_EINVALID, "plan document: \"province\" must be \"%s\", the province of this replica", province);
	const cJSON *hdr = cJSON_GetObjectItemCaseSensitive(doc, "plan");
	if (!cJSON_IsObject(hdr) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(hdr, "title")))
		return ps_error_set(PS_EINVALID, "plan document: \"plan\" must be an object with at least a \"title\"");
	ps_record_id hid = {.kind = PS_KIND_PLAN};
	if (ps_record_check_fields(&hid, hdr))
		return path_error("plan");
	if (!find_id(doc, "offices", province))
		return ps_error_set(PS_EINVALID, "plan document: offices must include the province \"%s\"", province);
	for (int k = 0; k < PS_KIND__COUNT; k++) {
		const char *sec = ps_kind_get((ps_kind)k)->section;
		if (!sec)
			continue;
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, sec);
		if (!arr)
			continue;
		if (!cJSON_IsArray(arr))
			return ps_error_set(PS_EINVALID, "plan document: \"%s\" must be an array", sec);
		int i = 0;
		for (const cJSON *it = arr->child; it; it = it->next, i++) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
			if (!cJSON_IsObject(it) || !cJSON_IsString(id) || !ps_slug_valid(id->valuestring))
				return ps_error_set(
				    PS_EINVALID,
				    "plan document: %s[%d] needs an \"id\" of lowercase letters, digits and '-'", sec,
				    i);
			if (find_id(doc, sec, id->valuestring) != it)
				return ps_error_set(PS_EINVALID, "plan document: %s[%d]: id \"%s\" is used twice", sec,
				                    i, id->valuestring);
			if (cJSON_GetObjectItemCaseSensitive(it, "order"))
				return ps_error_set(PS_EINVALID,
				                    "plan document: %s[%d]: \"order\" is set by position, leave it out",
				                    sec, i);
			ps_record_id rid = {.kind = (ps_kind)k};
			if (ps_record_check_fields(&rid, it)) {
				char path[200];
				snprintf(path, sizeof(path), "%s[%d] (%s)", sec, i, id->valuestring);
				return path_error(path);
			}
		}
	}
	for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, refs[k].section);
		int i = 0;
		for (const cJSON *it = arr ? arr->child : NULL; it; it = it->next, i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, refs[k].field);
			if (!v || cJSON_IsNull(v))
				continue;
			const cJSON *one = refs[k].list ? (cJSON_IsArray(v) ? v->child : NULL) : v;
			if (refs[k].list && !cJSON_IsArray(v))
				return ps_error_set(PS_EINVALID, "plan document: %s[%d].%s must be a list of ids",
				                    refs[k].section, i, refs[k].field);
			for (; one; one = refs[k].list ? one->next : NULL) {
				if (!cJSON_IsString(one) || !find_id(doc, refs[k].target, one->valuestring))
					return ps_error_set(
					    PS_EINVALID, "plan document: %s[%d].%s names \"%s\", which is not in %s",
					    refs[k].section, i, refs[k].field,
					    cJSON_IsString(one) ? one->valuestring : "?", refs[k].target);
				if (!refs[k].list)
					break;
			}
		}
	}
	return 0;
}

/* 1 when record has an open set/retire conflict, 0 when not, <0 on error. */
static int exists_conflict(ps_replica *r, const char *record)
{
	char *ids = NULL;
	int rc = ps_store_conflict_changes(&ids, ps_replica_store(r), record, "@exists");
	free(ids);
	return rc == PS_ENOTFOUND ? 0 : rc ? rc : 1;
}

static int write_record(ps_replica *r, const char *record, cJSON *fields, ps_plan_stats *st)
{
	int settle = exists_conflict(r, record);
	if (settle < 0) {
		cJSON_Delete(fields);
		return settle;
	}
	int rc = ps_replica_write_full(r, record, PS_OP_SET, fields, settle ? "set again by the plan document" : NULL,
	                               true, settle, NULL);
	st->records++;
	if (rc == PS_EEXISTS) {
		st->unchanged++;
		return 0;
	}
	if (!rc)
		st->set++;
	return rc;
}

static int in_doc(const cJSON *doc, const char *record)
{
	if (strcmp(record, "plan/header") == 0)
		return 1;
	ps_record_id rid;
	if (ps_record_parse(&rid, record) != 0)
		return 0;
	const char *sec = ps_kind_get(rid.kind)->section;
	return sec && find_id(doc, sec, rid.slug) != NULL;
}

typedef struct gone_ctx {
	const cJSON *doc;
	char **ids;
	size_t n;
} gone_ctx;

/* A plan record the document does not name: to retire. */
static int note_gone(void *ctx, const char *id, const char *kind)
{
	gone_ctx *g = ctx;
	int k = ps_kind_parse(kind);
	if (k < 0 || !ps_kind_get((ps_kind)k)->plan || in_doc(g->doc, id))
		return 0;
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->ids[i], id))
			return 0;
	char **v = realloc(g->ids, (g->n + 1) * sizeof(char *));
	if (!v)
		return ps_error_set(PS_ENOMEM, "out of memory");
	g->ids = v;
	if (!(v[g->n] = strdup(id)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	g->n++;
	return 0;
}

/* A plan record with a set/retire conflict the document does not name. */
static int note_exists_conflict(void *ctx, const ps_sv_conflict *row)
{
	ps_record_id rid;
	if (strcmp(row->field, "@exists") || ps_record_parse(&rid, row->record))
		return 0;
	return note_gone(ctx, row->record, ps_kind_name(rid.kind));
}

int ps_plan_import(ps_replica *r, const char *data, size_t len, ps_plan_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!ps_replica_is_province(r))
		return ps_error_set(PS_ENOTOWNER, "only the province (%s) imports the plan; this replica belongs to %s",
		                    ps_replica_province(r), ps_replica_office(r));
	if (len > 16 * 1024 * 1024)
		return ps_error_set(PS_EINVALID, "plan document is larger than 16 MiB");
	cJSON *doc = NULL;
	int rc = ps_json_parse_strict(&doc, data, len, "plan document");
	if (rc)
		return rc;
	if ((rc = check_doc(doc, ps_replica_province(r)))) {
		cJSON_Delete(doc);
		return rc;
	}
	ps_store *s = ps_replica_store(r);
	if ((rc = ps_store_begin(s))) {
		cJSON_Delete(doc);
		return rc;
	}
	rc = write_record(r, "plan/header", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "plan"), 1), st);
	for (int k = 0; k < PS_KIND__COUNT && !rc; k++) {
		const ps_kind_info *ki = ps_kind_get((ps_kind)k);
		const cJSON *arr = ki->section ? cJSON_GetObjectItemCaseSensitive(doc, ki->section) : NULL;
		int order = 0;
		for (const cJSON *it = arr ? arr->child : NULL; it && !rc; it = it->next) {
			cJSON *fields = cJSON_Duplicate(it, 1);
			char record[PS_RECORD_ID_MAX + 1];
			snprintf(record, sizeof(record), "%s/%s", ki->name,
			         cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring);
			cJSON_DeleteItemFromObjectCaseSensitive(fields, "id");
			cJSON_AddNumberToObject(fields, "order", ++order);
			rc = write_record(r, record, fields, st);
		}
	}
	/* Retire what the document no longer names (listed first: retiring
	 * writes the records table the walk reads). */
	gone_ctx g = {doc, NULL, 0};
	if (!rc)
		rc = ps_store_live_records(s, note_gone, &g);
	for (size_t i = 0; i < g.n && !rc; i++) {
		rc = ps_replica_write(r, g.ids[i], PS_OP_RETIRE, NULL, "no longer in the plan document", true, NULL);
		if (!rc)
			st->retired++;
	}
	/* ... and those with a set/retire conflict, even when the retire won */
	size_t nlive = g.n;
	if (!rc)
		rc = ps_store_conflicts(s, note_exists_conflict, &g);
	for (size_t i = nlive; i < g.n && !rc; i++) {
		rc = ps_replica_write_full(r, g.ids[i], PS_OP_RETIRE, NULL, "no longer in the plan document", true,
		                           true, NULL);
		if (!rc)
			st->retired++;
	}
	ps_strv_free(g.ids, g.n);
	cJSON_Delete(doc);
	if (rc) {
		ps_store_rollback(s);
		return rc;
	}
	return ps_store_commit(s);
}
