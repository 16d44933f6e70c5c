/* record.c - record ids, ownership and per-kind field rules (DESIGN §2).
 * Pure functions of their arguments; knows nothing of storage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/record.h"
#include "plansync/error.h"
#include "plansync/text.h"
#include "plansync/change.h"

static const char *const kind_names[PS_KIND__COUNT] = {
    "plan",      "office", "agency",    "program", "objective", "task",
    "committee", "target", "milestone", "period",  "progress",  "review",
};

const char *const ps_progress_statuses[] = {
    "not_started", "on_track", "at_risk", "delayed", "done", "cancelled", NULL,
};

const char *ps_kind_name(ps_kind k)
{
	return (unsigned)k < PS_KIND__COUNT ? kind_names[k] : "?";
}

int ps_kind_parse(const char *name)
{
	for (int i = 0; i < PS_KIND__COUNT; i++)
		if (strcmp(kind_names[i], name) == 0)
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
	if (k == PS_KIND_PROGRESS || k == PS_KIND_REVIEW) {
		if (n != 4)
			return ps_error_set(PS_EINVALID, "record id \"%s\": expected %s/<office>/<task>/<period>", id,
			                    kind);
		if ((rc = copy_slug(out->office, parts[1], lens[1], id, "office")) ||
		    (rc = copy_slug(out->task, parts[2], lens[2], id, "task")) ||
		    (rc = copy_slug(out->period, parts[3], lens[3], id, "period")))
			return rc;
		return 0;
	}
	if (n != 2)
		return ps_error_set(PS_EINVALID, "record id \"%s\": expected %s/<id>", id, kind);
	return copy_slug(out->slug, parts[1], lens[1], id, "id");
}

const char *ps_record_owner(const ps_record_id *r, const char *province)
{
	return r->kind == PS_KIND_PROGRESS ? r->office : province;
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

static int check_progress(const cJSON *f)
{
	const char *name = f->string;
	if (strcmp(name, "status") == 0) {
		if (cJSON_IsString(f))
			for (const char *const *s = ps_progress_statuses; *s; s++)
				if (strcmp(*s, f->valuestring) == 0)
					return 0;
		return ps_error_set(PS_EINVALID,
		                    "status must be one of not_started, on_track, at_risk, delayed, done, cancelled");
	}
	if (strcmp(name, "percent") == 0) {
		/* range first: converting an out-of-range double to int is undefined */
		if (!cJSON_IsNumber(f) || !(f->valuedouble >= 0 && f->valuedouble <= 100) ||
		    f->valuedouble != (double)(int)f->valuedouble)
			return ps_error_set(PS_EINVALID, "percent must be a whole number from 0 to 100");
		return 0;
	}
	if (cJSON_IsNull(f) && strcmp(name, "status") != 0)
		return 0;
	if (strcmp(name, "actual") == 0) {
		if (!cJSON_IsString(f) || !ps_decimal_valid(f->valuestring))
			return ps_error_set(PS_EINVALID,
			                    "actual must be a decimal number such as 12 or 3.75 (kept as text)");
		return 0;
	}
	if (strcmp(name, "note") == 0)
		return check_text(f, name, PS_NOTE_MAX, true);
	if (strcmp(name, "reporter") == 0)
		return check_text(f, name, PS_REPORTER_MAX, false);
	if (strcmp(name, "evidence") == 0) {
		if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) > 20)
			return ps_error_set(PS_EINVALID, "evidence must be a list of at most 20 references");
		for (const cJSON *c = f->child; c; c = c->next) {
			int rc = check_text(c, name, PS_EVIDENCE_MAX, false);
			if (rc)
				return rc;
		}
		return 0;
	}
	return ps_error_set(PS_EINVALID,
	                    "progress has no field \"%s\" (status, percent, actual, note, evidence, reporter)", name);
}

static int check_review(const cJSON *fields, const cJSON *f)
{
	const char *name = f->string;
	if (strcmp(name, "decision") == 0) {
		if (!cJSON_IsString(f) || (strcmp(f->valuestring, "accepted") && strcmp(f->valuestring, "returned")))
			return ps_error_set(PS_EINVALID, "decision must be accepted or returned");
		if (strcmp(f->valuestring, "returned") == 0) {
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(fields, "comment");
			if (!cJSON_IsString(c) || !c->valuestring[0])
				return ps_error_set(PS_EINVALID,
				                    "a returned review needs a comment saying what to fix");
		}
		return 0;
	}
	if (strcmp(name, "comment") == 0)
		return cJSON_IsNull(f) ? 0 : check_text(f, name, PS_NOTE_MAX, true);
	if (strcmp(name, "changes") == 0) {
		if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) > PS_CHANGE_MAX_BASE)
			return ps_error_set(PS_EINVALID, "changes must be a list of change ids");
		for (const cJSON *c = f->child; c; c = c->next)
			if (!cJSON_IsString(c) || !ps_change_id_valid(c->valuestring))
				return ps_error_set(PS_EINVALID, "changes must be a list of change ids");
		return 0;
	}
	return ps_error_set(PS_EINVALID, "review has no field \"%s\" (decision, comment, changes)", name);
}

int ps_record_check_fields(const ps_record_id *r, const cJSON *fields)
{
	if (!cJSON_IsObject(fields))
		return ps_error_set(PS_EINVALID, "fields must be an object");
	if (cJSON_GetArraySize(fields) > 64)
		return ps_error_set(PS_EINVALID, "too many fields in one change");
	for (const cJSON *f = fields->child; f; f = f->next) {
		if (!name_valid(f->string))
			return ps_error_set(
			    PS_EINVALID, "field name \"%s\" is not valid (lowercase letters, digits, '_')", f->string);
		int rc;
		if (r->kind == PS_KIND_PROGRESS)
			rc = check_progress(f);
		else if (r->kind == PS_KIND_REVIEW)
			rc = check_review(fields, f);
		else
			rc = check_any(f, f->string, 0);
		if (rc)
			return rc;
	}
	return 0;
}
