/* review.c - the province's review of reports, the periods it closes, and
 * the receipts that date each report by the province's clock (issue 12).
 *
 * Exports plansync/review.h: ps_review_state, the one definition of a
 * report's review state that reports, the inbox and status read; writing a
 * review bound to the report's heads; an office's inbox; closing and
 * opening a period and the local check a write to a closed one makes; and
 * receipts, written by the province's replica after an import. Reads and
 * writes records only through the store's functions and the replica's one
 * write path; never writes SQL (lib/store_review.c holds it), never
 * prints. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "plansync/review.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/text.h"
#include "store_review.h"
#include "store_views.h"

static const char *const rstate_names[PS_RSTATE__COUNT] = {"missing", "reported", "returned", "accepted",
                                                           "changed_since_accepted"};

const char *ps_rstate_name(ps_rstate s)
{
	return (unsigned)s < PS_RSTATE__COUNT ? rstate_names[s] : "?";
}

ps_rstate ps_review_state_of(bool reported, const char *decision, bool same_version)
{
	if (!reported)
		return PS_RSTATE_MISSING;
	if (decision && strcmp(decision, "accepted") == 0)
		return same_version ? PS_RSTATE_ACCEPTED : PS_RSTATE_CHANGED;
	if (decision && strcmp(decision, "returned") == 0 && same_version)
		return PS_RSTATE_RETURNED;
	/* not reviewed, or returned and changed since: the district answered */
	return PS_RSTATE_REPORTED;
}

/* ---- reading records ---- */

static int add_field(void *ctx, const ps_sv_field *row)
{
	cJSON *o = ctx;
	if (!row->field)
		return 0;
	cJSON *v = cJSON_Parse(row->value);
	if (!v || !cJSON_AddItemToObject(o, row->field, v)) {
		cJSON_Delete(v);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	return 0;
}

/* The fields of record's state as an object (empty when it has none). */
static int record_json(ps_store *s, const char *record, cJSON **out)
{
	*out = NULL;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return ps_error_set(PS_ENOMEM, "out of memory");
	int rc = ps_store_record_fields(s, record, add_field, o);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return 0;
}

static const char *str_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The review's "changes" equal the heads (both sorted, as written). */
static bool same_version(const cJSON *changes, char **heads, size_t n)
{
	if (!cJSON_IsArray(changes) || (size_t)cJSON_GetArraySize(changes) != n)
		return false;
	size_t i = 0;
	for (const cJSON *c = changes->child; c; c = c->next, i++)
		if (!cJSON_IsString(c) || strcmp(c->valuestring, heads[i]) != 0)
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct last_change {
	char *author;
	int64_t hlc;
} last_change;

static int take_last(void *ctx, const ps_sv_change *row)
{
	last_change *l = ctx;
	l->hlc = row->hlc;
	l->author = strdup(row->author ? row->author : "");
	return l->author ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

static char *dup_or_null(const char *s, int *rc)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*rc = ps_error_set(PS_ENOMEM, "out of memory");
	return d;
}

void ps_review_info_release(ps_review_info *i)
{
	if (!i)
		return;
	free(i->office);
	free(i->task);
	free(i->period);
	free(i->decision);
	free(i->comment);
	free(i->reviewer);
	free(i->id);
	memset(i, 0, sizeof(*i));
}

int ps_review_get(ps_review_info *out, ps_replica *r, const char *office, const char *task, const char *period)
{
	memset(out, 0, sizeof(*out));
	ps_store *s = ps_replica_store(r);
	char prec[PS_RECORD_ID_MAX + 1], rrec[PS_RECORD_ID_MAX + 1];
	snprintf(prec, sizeof(prec), "progress/%s/%s/%s", office, task, period);
	snprintf(rrec, sizeof(rrec), "review/%s/%s/%s", office, task, period);
	char **heads = NULL;
	size_t nh = 0;
	cJSON *rev = NULL;
	last_change last = {NULL, 0};
	int rc = 0;
	out->office = dup_or_null(office, &rc);
	out->task = dup_or_null(task, &rc);
	out->period = dup_or_null(period, &rc);
	if (rc)
		goto out;
	int reported = ps_store_record_live(s, prec);
	int reviewed = reported < 0 ? 0 : ps_store_record_live(s, rrec);
	if (reported < 0 || reviewed < 0) {
		rc = reported < 0 ? reported : reviewed;
		goto out;
	}
	if (reported && (rc = ps_store_heads(s, prec, &heads, &nh)))
		goto out;
	bool same = false;
	if (reviewed) {
		char newest[PS_CHANGE_ID_MAX + 1];
		if ((rc = record_json(s, rrec, &rev)) || (rc = ps_store_record_newest(s, rrec, newest)) ||
		    (rc = ps_store_change_get(s, newest, take_last, &last)))
			goto out;
		same = same_version(cJSON_GetObjectItemCaseSensitive(rev, "changes"), heads, nh);
		out->decision = dup_or_null(str_member(rev, "decision"), &rc);
		out->comment = dup_or_null(str_member(rev, "comment"), &rc);
		out->id = dup_or_null(newest, &rc);
		out->reviewer = last.author;
		last.author = NULL;
		out->time = (int64_t)PS_HLC_MS((ps_hlc)last.hlc);
		if (rc)
			goto out;
	}
	out->state = ps_review_state_of(reported, out->decision, same);
out:
	if (rc)
		ps_review_info_release(out);
	free(last.author);
	cJSON_Delete(rev);
	ps_strv_free(heads, nh);
	return rc;
}

int ps_review_state(ps_rstate *out, ps_replica *r, const char *office, const char *task, const char *period)
{
	*out = PS_RSTATE_MISSING;
	ps_review_info i;
	int rc = ps_review_get(&i, r, office, task, period);
	if (!rc)
		*out = i.state;
	ps_review_info_release(&i);
	return rc;
}

/* ---- writing reviews ---- */

/* 1 when plan record kind/id is live, 0 when not, <0 error. */
static int plan_live(ps_replica *r, const char *kind, const char *id)
{
	char rec[PS_RECORD_ID_MAX + 1];
	if (!ps_slug_valid(id))
		return 0;
	snprintf(rec, sizeof(rec), "%s/%s", kind, id);
	return ps_replica_record_live(r, rec);
}

int ps_review_check_ids(ps_replica *r, const char *office, const char *task, const char *period)
{
	static const struct {
		const char *kind, *list;
	} k[] = {
	    {"office", "plansync plan offices"}, {"task", "plansync plan tasks"}, {"period", "plansync plan periods"}};
	const char *ids[3] = {office, task, period};
	for (int i = 0; i < 3; i++) {
		if (!ids[i])
			continue;
		int live = plan_live(r, k[i].kind, ids[i]);
		if (live < 0)
			return live;
		if (!live)
			return ps_error_set(PS_ENOTFOUND, "unknown %s \"%.60s\" (the list: %s)", k[i].kind, ids[i],
			                    k[i].list);
	}
	return 0;
}

static int need_province(ps_replica *r, const char *what)
{
	if (ps_replica_is_province(r))
		return 0;
	return ps_error_set(PS_ENOTOWNER, "only the province %s (this replica is office %s); run it on the %s replica",
	                    what, ps_replica_office(r), ps_replica_province(r));
}

/* The text is empty or only spaces. */
static bool blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

int ps_review_write(ps_replica *r, bool accept, const char *office, const char *task, const char *period,
                    const char *comment, bool in_txn, char **id_out)
{
	if (id_out)
		*id_out = NULL;
	ps_store *s = ps_replica_store(r);
	char *clean = NULL;
	char **heads = NULL;
	size_t nh = 0;
	cJSON *rev = NULL, *fields = NULL;
	char prec[PS_RECORD_ID_MAX + 1], rrec[PS_RECORD_ID_MAX + 1];
	int rc = need_province(r, "reviews reports");
	if (rc || (rc = ps_review_check_ids(r, office, task, period)))
		goto out;
	if (comment && (rc = ps_text_clean(&clean, comment, PS_NOTE_MAX, true, "the comment")))
		goto out;
	if (!accept && blank(clean)) {
		rc = ps_error_set(PS_EINVALID, "returning a report needs --comment TEXT saying what to fix");
		goto out;
	}
	snprintf(prec, sizeof(prec), "progress/%s/%s/%s", office, task, period);
	snprintf(rrec, sizeof(rrec), "review/%s/%s/%s", office, task, period);
	int live = ps_replica_record_live(r, prec);
	if (live <= 0) {
		rc = live < 0 ? live
		              : ps_error_set(PS_ENOTFOUND,
		                             "office %s has no report on %s for %s to review (plansync progress show "
		                             "--office %s --period %s)",
		                             office, task, period, office, period);
		goto out;
	}
	if ((rc = ps_store_heads(s, prec, &heads, &nh)))
		goto out;
	qsort(heads, nh, sizeof(char *), cmp_str);
	const char *decision = accept ? "accepted" : "returned";
	const char *text = blank(clean) ? NULL : clean;
	if ((live = ps_replica_record_live(r, rrec)) < 0) {
		rc = live;
		goto out;
	}
	if (live) {
		if ((rc = record_json(s, rrec, &rev)))
			goto out;
		const char *d = str_member(rev, "decision"), *c = str_member(rev, "comment");
		if (d && !strcmp(d, decision) && ((!c && !text) || (c && text && !strcmp(c, text))) &&
		    same_version(cJSON_GetObjectItemCaseSensitive(rev, "changes"), heads, nh)) {
			rc = ps_error_set(PS_EEXISTS, "%s %s %s is already %s in this version; nothing to change",
			                  office, task, period, decision);
			goto out;
		}
	}
	cJSON *arr = NULL;
	if (!(fields = cJSON_CreateObject()) || !cJSON_AddStringToObject(fields, "decision", decision) ||
	    !(text ? cJSON_AddStringToObject(fields, "comment", text) : cJSON_AddNullToObject(fields, "comment")) ||
	    !(arr = cJSON_AddArrayToObject(fields, "changes"))) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nh; i++) {
		cJSON *h = cJSON_CreateString(heads[i]);
		if (!h || !cJSON_AddItemToArray(arr, h)) {
			cJSON_Delete(h);
			rc = ps_error_set(PS_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* every field, even one equal to the state: a return carries its
	 * comment in the same change, as every reader checks */
	rc = ps_replica_write_full(r, rrec, PS_OP_SET, fields, NULL, in_txn, true, id_out);
	fields = NULL;
out:
	cJSON_Delete(fields);
	cJSON_Delete(rev);
	ps_strv_free(heads, nh);
	free(clean);
	return rc;
}

typedef struct strv {
	char **v;
	size_t n;
	size_t skip;        /* bytes of each id to leave out */
	const char *suffix; /* cut from the end of each id, or NULL */
} strv;

static int strv_add(void *ctx, const char *id)
{
	strv *l = ctx;
	size_t len = strlen(id);
	if (len < l->skip)
		return 0;
	char **nv = realloc(l->v, (l->n + 1) * sizeof(char *));
	if (!nv)
		return ps_error_set(PS_ENOMEM, "out of memory");
	l->v = nv;
	size_t keep = len - l->skip;
	if (l->suffix) {
		size_t sl = strlen(l->suffix);
		keep = keep >= sl ? keep - sl : 0;
	}
	if (!(nv[l->n] = strndup(id + l->skip, keep)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	l->n++;
	return 0;
}

int ps_review_reported_tasks(ps_replica *r, const char *office, const char *period, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc = ps_review_check_ids(r, office, NULL, period);
	if (rc)
		return rc;
	char glob[PS_RECORD_ID_MAX + 16], prefix[PS_RECORD_ID_MAX + 1], suffix[PS_RECORD_ID_MAX + 1];
	snprintf(glob, sizeof(glob), "progress/%s/*/%s", office, period);
	snprintf(prefix, sizeof(prefix), "progress/%s/", office);
	snprintf(suffix, sizeof(suffix), "/%s", period);
	strv l = {NULL, 0, strlen(prefix), suffix};
	rc = ps_store_records_like(ps_replica_store(r), "progress", glob, strv_add, &l);
	if (rc) {
		ps_strv_free(l.v, l.n);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* ---- the inbox ---- */

static int inbox_rank(ps_rstate s)
{
	switch (s) {
	case PS_RSTATE_RETURNED:
		return 0;
	case PS_RSTATE_CHANGED:
		return 1;
	case PS_RSTATE_REPORTED:
		return 2;
	case PS_RSTATE_ACCEPTED:
		return 3;
	default:
		return 4;
	}
}

static int cmp_inbox(const void *a, const void *b)
{
	const ps_review_info *x = a, *y = b;
	int d = inbox_rank(x->state) - inbox_rank(y->state);
	if (d)
		return d;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

int ps_inbox_read(ps_inbox **out, ps_replica *r, const char *office)
{
	*out = NULL;
	char glob[PS_RECORD_ID_MAX + 16], prefix[PS_RECORD_ID_MAX + 1];
	snprintf(glob, sizeof(glob), "review/%s/*/*", office);
	snprintf(prefix, sizeof(prefix), "review/%s/", office);
	strv l = {NULL, 0, strlen(prefix), NULL};
	ps_inbox *b = calloc(1, sizeof(*b));
	int rc = b ? ps_store_records_like(ps_replica_store(r), "review", glob, strv_add, &l)
	           : ps_error_set(PS_ENOMEM, "out of memory");
	if (!rc && l.n && !(b->v = calloc(l.n, sizeof(ps_review_info))))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; i < l.n && !rc; i++) {
		char *slash = strchr(l.v[i], '/'); /* "<task>/<period>" */
		if (!slash)
			continue;
		*slash = '\0';
		rc = ps_review_get(&b->v[b->n], r, office, l.v[i], slash + 1);
		if (rc)
			break;
		if (b->v[b->n].state == PS_RSTATE_MISSING) {
			/* a review of a report withdrawn since: nothing to answer */
			ps_review_info_release(&b->v[b->n]);
			continue;
		}
		b->returned += b->v[b->n].state == PS_RSTATE_RETURNED;
		b->n++;
	}
	ps_strv_free(l.v, l.n);
	if (rc) {
		ps_inbox_free(b);
		return rc;
	}
	if (b->n)
		qsort(b->v, b->n, sizeof(ps_review_info), cmp_inbox);
	*out = b;
	return 0;
}

void ps_inbox_free(ps_inbox *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		ps_review_info_release(&b->v[i]);
	free(b->v);
	free(b);
}

/* ---- periods ---- */

/* ms as "2026-11-29T02:10:00Z". */
static void utc_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The string value of a plan record's field, malloc()ed; NULL when unset,
 * null or not text. */
static int field_text(ps_replica *r, const char *record, const char *field, char **out)
{
	*out = NULL;
	char *json = NULL;
	int rc = ps_store_state_value(ps_replica_store(r), record, field, &json);
	if (rc || !json)
		return rc;
	cJSON *v = cJSON_Parse(json);
	free(json);
	if (cJSON_IsString(v) && !(*out = strdup(v->valuestring)))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	cJSON_Delete(v);
	return rc;
}

int ps_period_closed(ps_replica *r, const char *period, char **closed)
{
	*closed = NULL;
	if (!ps_slug_valid(period))
		return 0;
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "period/%s", period);
	return field_text(r, rec, "closed", closed);
}

int ps_period_set_closed(ps_replica *r, const char *period, bool close, const char *reason, char **id_out)
{
	if (id_out)
		*id_out = NULL;
	char *closed = NULL;
	int rc = need_province(r, close ? "closes periods" : "opens periods");
	if (rc || (rc = ps_review_check_ids(r, NULL, NULL, period)) || (rc = ps_period_closed(r, period, &closed)))
		goto out;
	if (close && closed) {
		rc = ps_error_set(PS_EEXISTS, "period %s is already closed (since %s)", period, closed);
		goto out;
	}
	if (!close && !closed) {
		rc = ps_error_set(PS_EEXISTS, "period %s is not closed", period);
		goto out;
	}
	char now[32], rec[PS_RECORD_ID_MAX + 1];
	utc_time((int64_t)ps_now_ms(), now);
	snprintf(rec, sizeof(rec), "period/%s", period);
	cJSON *fields = cJSON_CreateObject();
	if (!fields ||
	    !(close ? cJSON_AddStringToObject(fields, "closed", now) : cJSON_AddNullToObject(fields, "closed"))) {
		cJSON_Delete(fields);
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto out;
	}
	rc = ps_replica_write(r, rec, PS_OP_SET, fields, reason, false, id_out);
out:
	free(closed);
	return rc;
}

int ps_period_write_check(ps_replica *r, const char *period, const char *reason)
{
	char *closed = NULL;
	int rc = ps_period_closed(r, period, &closed);
	if (!rc && closed && blank(reason))
		rc =
		    ps_error_set(PS_EINVALID,
		                 "period %s was closed by the province (%s); a report for it needs --reason saying why "
		                 "it comes now",
		                 period, closed);
	free(closed);
	return rc;
}

/* ---- receipts ---- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's
 * days_from_civil), so no time zone of this machine enters. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

bool ps_receipt_late(int64_t ms, const char *due)
{
	int y, m, d;
	char tail;
	if (!due || strlen(due) != 10 || sscanf(due, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return false;
	/* the end of the due day in Asia/Ho_Chi_Minh (UTC+7): the next day's
	 * 00:00 there is 17:00 UTC on the due day */
	int64_t end = (days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + 17 * 3600) * 1000;
	return ms >= end;
}

int ps_receipt_get(ps_receipt *out, ps_replica *r, const char *office, const char *task, const char *period)
{
	memset(out, 0, sizeof(*out));
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "receipt/%s/%s/%s", office, task, period);
	int live = ps_replica_record_live(r, rec);
	if (live <= 0)
		return live;
	cJSON *o = NULL;
	int rc = record_json(ps_replica_store(r), rec, &o);
	if (rc)
		return rc;
	const char *c = str_member(o, "change"), *t = str_member(o, "received");
	out->found = true;
	snprintf(out->change, sizeof(out->change), "%s", c ? c : "");
	snprintf(out->received, sizeof(out->received), "%s", t ? t : "");
	out->late = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "late"));
	cJSON_Delete(o);
	return 0;
}

static int first_change(void *ctx, const char *id, bool set, const char *fields)
{
	(void)set;
	(void)fields;
	snprintf(ctx, PS_CHANGE_ID_MAX + 1, "%s", id);
	return 1; /* the first in id order: stop */
}

/* The receipt of the report prec ("progress/o/t/p"), received at now. */
static int write_receipt(ps_replica *r, const char *prec, int64_t now)
{
	ps_record_id rid;
	int rc = ps_record_parse(&rid, prec);
	if (rc)
		return rc;
	char first[PS_CHANGE_ID_MAX + 1] = "", when[32], prd[PS_RECORD_ID_MAX + 1], rec[PS_RECORD_ID_MAX + 1];
	if ((rc = ps_store_record_changes(ps_replica_store(r), prec, first_change, first)) < 0)
		return rc;
	if (!first[0])
		return 0;
	char *due = NULL;
	snprintf(prd, sizeof(prd), "period/%s", rid.period);
	if ((rc = field_text(r, prd, "due", &due)))
		return rc;
	utc_time(now, when);
	snprintf(rec, sizeof(rec), "receipt/%s/%s/%s", rid.office, rid.task, rid.period);
	cJSON *f = cJSON_CreateObject();
	if (!f || !cJSON_AddStringToObject(f, "change", first) || !cJSON_AddStringToObject(f, "received", when) ||
	    !cJSON_AddBoolToObject(f, "late", ps_receipt_late(now, due))) {
		cJSON_Delete(f);
		free(due);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	free(due);
	return ps_replica_write(r, rec, PS_OP_SET, f, NULL, true, NULL);
}

int ps_receipts_write(ps_replica *r, long *written)
{
	if (written)
		*written = 0;
	if (!ps_replica_is_province(r))
		return 0;
	ps_store *s = ps_replica_store(r);
	/* the list first: the writes below add records the walk reads */
	strv l = {NULL, 0, 0, NULL};
	int rc = ps_store_begin(s);
	if (rc)
		return rc;
	rc = ps_store_receipts_missing(s, ps_replica_province(r), strv_add, &l);
	int64_t now = (int64_t)ps_now_ms();
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = write_receipt(r, l.v[i], now);
	rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	if (!rc && written)
		*written = (long)l.n;
	ps_strv_free(l.v, l.n);
	return rc;
}
