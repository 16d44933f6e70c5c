/* record.c - record ids, ownership and per-kind field rules (DESIGN §2).
 *
 * Exports the kind table (ps_kind_get) and what reads it: parsing an id,
 * its owner, checking a change's fields, its label. Pure functions of their
 * arguments; knows nothing of storage. Every per-kind rule is a row of
 * kinds[] below: no other code switches on the kind. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/record.h"
#include "plansync/error.h"
#include "plansync/text.h"
#include "plansync/change.h"

const char *const ps_progress_statuses[] = {
    "not_started", "on_track", "at_risk", "delayed", "done", "cancelled", NULL,
};

static const char *const review_decisions[] = {"accepted", "returned", NULL};

static int returned_needs_comment(const cJSON *fields, const cJSON *v);

static const ps_field_info progress_fields[] = {
    {.name = "status",
     .type = PS_FIELD_ENUM,
     .values = ps_progress_statuses,
     .message = "status must be one of not_started, on_track, at_risk, delayed, done, cancelled"},
    {.name = "percent", .type = PS_FIELD_PERCENT, .message = "percent must be a whole number from 0 to 100"},
    {.name = "actual",
     .type = PS_FIELD_DECIMAL,
     .nullable = true,
     .message = "actual must be a decimal number such as 12 or 3.75 (kept as text)"},
    {.name = "note", .type = PS_FIELD_TEXT, .nullable = true, .newlines = true, .max = PS_NOTE_MAX},
    {.name = "evidence",
     .type = PS_FIELD_TEXT_LIST,
     .nullable = true,
     .max = PS_EVIDENCE_MAX,
     .max_items = 20,
     .message = "evidence must be a list of at most 20 references"},
    {.name = "reporter", .type = PS_FIELD_TEXT, .nullable = true, .max = PS_REPORTER_MAX},
    {.name = NULL},
};

static const ps_field_info review_fields[] = {
    {.name = "decision",
     .type = PS_FIELD_ENUM,
     .values = review_decisions,
     .message = "decision must be accepted or returned",
     .also = returned_needs_comment},
    {.name = "comment", .type = PS_FIELD_TEXT, .nullable = true, .newlines = true, .max = PS_NOTE_MAX},
    {.name = "changes",
     .type = PS_FIELD_ID_LIST,
     .max_items = PS_CHANGE_MAX_BASE,
     .message = "changes must be a list of change ids"},
    {.name = NULL},
};

/* A receipt (DESIGN §2): when the province's replica first imported a
 * report, by its own clock; written once per record (first_wins). */
static const ps_field_info receipt_fields[] = {
    {.name = "change", .type = PS_FIELD_ID, .message = "change must be a change id"},
    {.name = "received", .type = PS_FIELD_TIME, .message = "received must be a UTC time such as 2026-11-29T02:10:00Z"},
    {.name = "late", .type = PS_FIELD_BOOL, .message = "late must be true or false"},
    {.name = NULL},
};

/* A replica's key in the registry (lib/keys.c): written by the province
 * only; times are ISO-8601 UTC text, revoked_after a commit id. */
static const ps_field_info key_fields[] = {
    {.name = "public_key", .type = PS_FIELD_TEXT, .max = 300},
    {.name = "fingerprint", .type = PS_FIELD_TEXT, .max = 64},
    {.name = "person", .type = PS_FIELD_TEXT, .nullable = true, .max = PS_REPORTER_MAX},
    {.name = "enrolled", .type = PS_FIELD_TEXT, .nullable = true, .max = 40},
    {.name = "revoked_after", .type = PS_FIELD_TEXT, .nullable = true, .max = 64},
    {.name = "revoked", .type = PS_FIELD_TEXT, .nullable = true, .max = 40},
    /* the commit revoked_after names, its raw object in base64: a reader
     * whose shared repository lost it still knows its parents */
    {.name = "revoked_commit", .type = PS_FIELD_TEXT, .nullable = true, .max = 32768},
    /* keys the replica had before (a re-created replica, a rotation): each
     * still verifies that branch's commits up to previous_until (without
     * it: older than the first one the current key signed) */
    {.name = "previous_keys",
     .type = PS_FIELD_TEXT_LIST,
     .nullable = true,
     .max = 300,
     .max_items = 20,
     .message = "previous_keys must be a list of at most 20 public keys"},
    /* the last commit of the branch a previous key signed that counts */
    {.name = "previous_until", .type = PS_FIELD_TEXT, .nullable = true, .max = 64},
    /* a province replica under a new id (a backup restored): the id whose
     * enrolled key signed this record's commit, handing over (keys_sign.c) */
    {.name = "handed_from", .type = PS_FIELD_TEXT, .nullable = true, .max = 64},
    {.name = NULL},
};

/* Plan kinds: slug ids, owned by the province, any field. */
#define PLAN_KIND(n, sec, by)                                                                                          \
	{                                                                                                              \
		.name = n, .shape = PS_ID_SLUG, .owner = PS_OWNER_PROVINCE, .section = sec, .plan = true,              \
		.planned_by = by                                                                                       \
	}

static const ps_kind_info kinds[] = {
    [PS_KIND_PLAN] = PLAN_KIND("plan", NULL, false),
    [PS_KIND_OFFICE] = PLAN_KIND("office", "offices", true),
    [PS_KIND_AGENCY] = PLAN_KIND("agency", "agencies", false),
    [PS_KIND_PROGRAM] = PLAN_KIND("program", "programs", false),
    [PS_KIND_OBJECTIVE] = PLAN_KIND("objective", "objectives", false),
    [PS_KIND_TASK] = PLAN_KIND("task", "tasks", true),
    [PS_KIND_COMMITTEE] = PLAN_KIND("committee", "committees", false),
    [PS_KIND_TARGET] = PLAN_KIND("target", "targets", false),
    [PS_KIND_MILESTONE] = PLAN_KIND("milestone", "milestones", false),
    [PS_KIND_PERIOD] = PLAN_KIND("period", "periods", true),
    [PS_KIND_PROGRESS] = {.name = "progress",
                          .shape = PS_ID_OFFICE_TASK_PERIOD,
                          .owner = PS_OWNER_OFFICE,
                          .fields = progress_fields,
                          .field_names = "status, percent, actual, note, evidence, reporter",
                          .unknown_null_ok = true},
    [PS_KIND_REVIEW] = {.name = "review",
                        .shape = PS_ID_OFFICE_TASK_PERIOD,
                        .owner = PS_OWNER_PROVINCE,
                        .fields = review_fields,
                        .field_names = "decision, comment, changes",
                        .label_office = true},
    [PS_KIND_RECEIPT] = {.name = "receipt",
                         .shape = PS_ID_OFFICE_TASK_PERIOD,
                         .owner = PS_OWNER_PROVINCE,
                         .fields = receipt_fields,
                         .field_names = "change, received, late",
                         .label_office = true,
                         .first_wins = true},
    [PS_KIND_KEY] = {.name = "key",
                     .shape = PS_ID_OFFICE_REPLICA,
                     .owner = PS_OWNER_PROVINCE,
                     .fields = key_fields,
                     .field_names = "public_key, fingerprint, person, enrolled, revoked_after, revoked, "
                                    "previous_keys, previous_until, revoked_commit, handed_from"},
};
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == PS_KIND__COUNT, "one row of kinds[] per ps_kind");

const ps_kind_info *ps_kind_get(ps_kind k)
{
	assert((unsigned)k < PS_KIND__COUNT && kinds[k].name);
	return &kinds[k];
}

const char *ps_kind_name(ps_kind k)
{
	return (unsigned)k < PS_KIND__COUNT ? kinds[k].name : "?";
}

int ps_kind_parse(const char *name)
{
	for (int i = 0; i < PS_KIND__COUNT; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return i;
	return -1;
}

int ps_kind_by_section(const char *section)
{
	for (int i = 0; i < PS_KIND__COUNT; i++)
		if (kinds[i].section && strcmp(kinds[i].section, section) == 0)
			return i;
	return -1;
}

static int copy_slug(char dst[64], const char *src, size_t n, const char *id, const char *what)
{
	if (n == 0 || n > 63)
		return ps_error_set(PS_EINVALID, "record id \"%s\": the %s part is empty or too long", id, what);
	memcpy(dst, src, n);
	dst[n] = '\0';
	if (!ps_slug_valid(dst))
		return ps_error_set(PS_EINVALID,
		                    "record id \"%s\": \"%s\" is not a valid %s (lowercase letters, digits and '-')",
		                    id, dst, what);
	return 0;
}

int ps_record_parse(ps_record_id *out, const char *id)
{
	memset(out, 0, sizeof(*out));
	size_t len = strlen(id);
	if (len == 0 || len > PS_RECORD_ID_MAX)
		return ps_error_set(PS_EINVALID, "record id is empty or longer than %d bytes", PS_RECORD_ID_MAX);
	const char *parts[5];
	size_t lens[5];
	int n = 0;
	const char *p = id;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (n == 5)
			return ps_error_set(PS_EINVALID, "record id \"%s\" has too many parts", id);
		parts[n] = p;
		lens[n] = slash ? (size_t)(slash - p) : strlen(p);
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	char kind[64];
	if (lens[0] >= sizeof(kind))
		return ps_error_set(PS_EINVALID, "record id \"%s\": unknown kind", id);
	memcpy(kind, parts[0], lens[0]);
	kind[lens[0]] = '\0';
	int k = ps_kind_parse(kind);
	if (k < 0)
		return ps_error_set(PS_EINVALID, "record id \"%s\": unknown kind \"%s\"", id, kind);
	out->kind = (ps_kind)k;
	int rc;
	if (kinds[k].shape == PS_ID_OFFICE_TASK_PERIOD) {
		if (n != 4)
			return ps_error_set(PS_EINVALID, "record id \"%s\": expected %s/<office>/<task>/<period>", id,
			                    kind);
		if ((rc = copy_slug(out->office, parts[1], lens[1], id, "office")) ||
		    (rc = copy_slug(out->task, parts[2], lens[2], id, "task")) ||
		    (rc = copy_slug(out->period, parts[3], lens[3], id, "period")))
			return rc;
		return 0;
	}
	if (kinds[k].shape == PS_ID_OFFICE_REPLICA) {
		if (n != 3)
			return ps_error_set(PS_EINVALID, "record id \"%s\": expected %s/<office>/<replica>", id, kind);
		if ((rc = copy_slug(out->office, parts[1], lens[1], id, "office")) ||
		    (rc = copy_slug(out->replica, parts[2], lens[2], id, "replica")))
			return rc;
		if (!ps_replica_id_valid(out->replica, out->office))
			return ps_error_set(PS_EINVALID, "record id \"%s\": \"%s\" is not a replica id of office %s",
			                    id, out->replica, out->office);
		return 0;
	}
	if (n != 2)
		return ps_error_set(PS_EINVALID, "record id \"%s\": expected %s/<id>", id, kind);
	return copy_slug(out->slug, parts[1], lens[1], id, "id");
}

const char *ps_record_owner(const ps_record_id *r, const char *province)
{
	return ps_kind_get(r->kind)->owner == PS_OWNER_OFFICE ? r->office : province;
}

bool ps_decimal_valid(const char *s)
{
	size_t n = strlen(s), i = 0;
	if (n == 0 || n > 40)
		return false;
	if (s[i] == '-')
		i++;
	size_t d0 = i;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == d0)
		return false;
	if (s[i] == '.') {
		size_t f0 = ++i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f0)
			return false;
	}
	return s[i] == '\0';
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* YYYY-MM-DDTHH:MM:SSZ with digits where digits go and fields in range
 * (the form every time in a change is written in). */
static bool time_valid(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != form[i])
			return false;
	int mo = atoi(s + 5), d = atoi(s + 8), h = atoi(s + 11), mi = atoi(s + 14), se = atoi(s + 17);
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60;
}

/* Text rules of ps_text_check, on the value as it is: the caller passes
 * NFC (ps_change_validate checks a built or decoded change, whose strings
 * ps_change_new normalised), so writer and reader judge the same bytes. */
static int check_text(const cJSON *v, const char *field, size_t max, bool nl)
{
	if (!cJSON_IsString(v))
		return ps_error_set(PS_EINVALID, "field \"%s\" must be text", field);
	char what[100];
	snprintf(what, sizeof(what), "field \"%s\"", field);
	return ps_text_check(v->valuestring, max, nl, what);
}

/* Sizes bound every value so a change file stays under its byte cap. */
static int check_any(const cJSON *v, const char *field, int depth)
{
	if (depth > 6)
		return ps_error_set(PS_EINVALID, "field \"%s\" is nested too deeply", field);
	if (cJSON_IsString(v))
		return check_text(v, field, PS_TEXT_MAX, true);
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		if (cJSON_GetArraySize(v) > 500)
			return ps_error_set(PS_EINVALID, "field \"%s\" holds too many items", field);
		for (const cJSON *c = v->child; c; c = c->next) {
			int rc = check_any(c, field, depth + 1);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* The value v of field fi: 0, or PS_EINVALID with the field's message. */
static int check_field(const ps_field_info *fi, const cJSON *fields, const cJSON *v)
{
	if (fi->nullable && cJSON_IsNull(v))
		return 0;
	int ok = 0;
	switch (fi->type) {
	case PS_FIELD_TEXT:
		return check_text(v, fi->name, fi->max, fi->newlines);
	case PS_FIELD_ENUM:
		for (const char *const *e = fi->values; cJSON_IsString(v) && *e && !ok; e++)
			ok = strcmp(*e, v->valuestring) == 0;
		break;
	case PS_FIELD_PERCENT:
		/* range first: converting an out-of-range double to int is undefined */
		ok = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 100 &&
		     v->valuedouble == (double)(int)v->valuedouble;
		break;
	case PS_FIELD_DECIMAL:
		ok = cJSON_IsString(v) && ps_decimal_valid(v->valuestring);
		break;
	case PS_FIELD_TEXT_LIST:
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > fi->max_items)
			break;
		for (const cJSON *c = v->child; c; c = c->next) {
			int rc = check_text(c, fi->name, fi->max, fi->newlines);
			if (rc)
				return rc;
		}
		ok = 1;
		break;
	case PS_FIELD_ID:
		ok = cJSON_IsString(v) && ps_change_id_valid(v->valuestring);
		break;
	case PS_FIELD_TIME:
		ok = cJSON_IsString(v) && time_valid(v->valuestring);
		break;
	case PS_FIELD_BOOL:
		ok = cJSON_IsBool(v);
		break;
	case PS_FIELD_ID_LIST:
		ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) <= fi->max_items;
		for (const cJSON *c = ok ? v->child : NULL; c && ok; c = c->next)
			ok = cJSON_IsString(c) && ps_change_id_valid(c->valuestring);
		break;
	}
	if (!ok)
		return ps_error_set(PS_EINVALID, "%s", fi->message);
	return fi->also ? fi->also(fields, v) : 0;
}

static int returned_needs_comment(const cJSON *fields, const cJSON *v)
{
	if (strcmp(v->valuestring, "returned") != 0)
		return 0;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(fields, "comment");
	if (!cJSON_IsString(c) || !c->valuestring[0])
		return ps_error_set(PS_EINVALID, "a returned review needs a comment saying what to fix");
	return 0;
}

/* One field of a kind with a field list. */
static int check_known(const ps_kind_info *k, const cJSON *fields, const cJSON *f)
{
	for (const ps_field_info *fi = k->fields; fi->name; fi++)
		if (strcmp(fi->name, f->string) == 0)
			return check_field(fi, fields, f);
	if (k->unknown_null_ok && cJSON_IsNull(f))
		return 0;
	return ps_error_set(PS_EINVALID, "%s has no field \"%s\" (%s)", k->name, f->string, k->field_names);
}

int ps_record_check_fields(const ps_record_id *r, const cJSON *fields)
{
	const ps_kind_info *k = ps_kind_get(r->kind);
	if (!cJSON_IsObject(fields))
		return ps_error_set(PS_EINVALID, "fields must be an object");
	if (cJSON_GetArraySize(fields) > 64)
		return ps_error_set(PS_EINVALID, "too many fields in one change");
	for (const cJSON *f = fields->child; f; f = f->next) {
		if (!name_valid(f->string))
			return ps_error_set(
			    PS_EINVALID, "field name \"%s\" is not valid (lowercase letters, digits, '_')", f->string);
		int rc = k->fields ? check_known(k, fields, f) : check_any(f, f->string, 0);
		if (rc)
			return rc;
	}
	return 0;
}

void ps_record_label(char *out, size_t n, const char *record)
{
	assert(n > 0);
	ps_record_id rid;
	if (ps_record_parse(&rid, record) == 0 && ps_kind_get(rid.kind)->shape == PS_ID_OFFICE_TASK_PERIOD) {
		const ps_kind_info *k = ps_kind_get(rid.kind);
		snprintf(out, n, "%s%s%s %s %s", k->name, k->label_office ? " " : "", k->label_office ? rid.office : "",
		         rid.task, rid.period);
		return;
	}
	snprintf(out, n, "%s", record);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = ' ';
}
