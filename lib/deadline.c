/* deadline.c - the province's deadlines: closing and opening a period,
 * the local check a report for a closed period makes, and the receipts
 * that date each report by the province's clock (issue 12).
 *
 * Exports the period and receipt functions of plansync/review.h and
 * ps_plan_day (a day in the plan's time zone, UTC+7). A close
 * is a plan change of period/<id>'s "closed"; the check runs in the
 * writer only, never in a reader. A receipt is written by the province's
 * replica at every sync for each report in force that has none (or one of
 * a withdrawn report), dated when this replica first had the report (its
 * changes' arrival, a held change's included) and judged by the period's
 * due day; the district's clock never enters. Never writes SQL
 * (lib/store_review.c), never prints. */
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
#include "review_int.h"
#include "store_review.h"
#include "store_sync.h"
#include "store_views.h"

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
	char pb[64];
	period = ps_review_canon(pb, period);
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
	char pb[64];
	period = ps_review_canon(pb, period);
	char *closed = NULL;
	int rc = ps_review_need_province(r, close ? "closes periods" : "opens periods");
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
	if (!rc && closed && ps_review_blank(reason))
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

void ps_plan_day(int64_t ms, char out[11])
{
	time_t t = (time_t)(ms / 1000 + 7 * 3600);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
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
	int rc = ps_review_record_json(ps_replica_store(r), rec, &o);
	if (rc)
		return rc;
	const char *c = ps_review_str(o, "change"), *t = ps_review_str(o, "received");
	out->found = true;
	snprintf(out->change, sizeof(out->change), "%s", c ? c : "");
	snprintf(out->received, sizeof(out->received), "%s", t ? t : "");
	out->late = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "late"));
	cJSON_Delete(o);
	return 0;
}

/* The reports ps_receipts_write dates, read before it writes. */
typedef struct due_list {
	struct due_receipt {
		char *report, first[PS_CHANGE_ID_MAX + 1];
		int64_t arrived;
	} * v;
	size_t n, cap;
} due_list;

static int due_add(void *ctx, const char *report, const char *first, int64_t arrived)
{
	due_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct due_receipt *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return ps_error_set(PS_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	struct due_receipt *d = &l->v[l->n];
	if (!(d->report = strdup(report)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	snprintf(d->first, sizeof(d->first), "%s", first);
	d->arrived = arrived;
	l->n++;
	return 0;
}

/* The receipt of the report prec ("progress/o/t/p") whose report in force
 * begins with change first, received at ms. */
static int write_receipt(ps_replica *r, const char *prec, const char *first, int64_t ms)
{
	ps_record_id rid;
	int rc = ps_record_parse(&rid, prec);
	if (rc)
		return rc;
	char when[32], prd[PS_RECORD_ID_MAX + 1], rec[PS_RECORD_ID_MAX + 1];
	char *due = NULL;
	snprintf(prd, sizeof(prd), "period/%s", rid.period);
	if ((rc = field_text(r, prd, "due", &due)))
		return rc;
	utc_time(ms, when);
	snprintf(rec, sizeof(rec), "receipt/%s/%s/%s", rid.office, rid.task, rid.period);
	cJSON *f = cJSON_CreateObject();
	if (!f || !cJSON_AddStringToObject(f, "change", first) || !cJSON_AddStringToObject(f, "received", when) ||
	    !cJSON_AddBoolToObject(f, "late", ps_receipt_late(ms, due))) {
		cJSON_Delete(f);
		free(due);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	free(due);
	return ps_replica_write(r, rec, PS_OP_SET, f, NULL, true, NULL);
}

/* meta: the newest change seq the last finished receipt walk saw */
#define RECEIPTS_SEEN "receipts.seen_seq"

int ps_receipts_write(ps_replica *r, long *written)
{
	if (written)
		*written = 0;
	if (!ps_replica_is_province(r))
		return 0;
	ps_store *s = ps_replica_store(r);
	/* The walk reads every report: run it only when a change was stored
	 * since the last one finished (a sync with nothing new costs one
	 * lookup; one killed before its receipts left the mark behind). */
	long long top = 0, done = 0;
	int rc = ps_store_changes_top(s, &top);
	if (!rc)
		rc = ps_store_meta_get_int(s, RECEIPTS_SEEN, &done, 0);
	if (rc || top == done)
		return rc;
	/* the list first: the writes below add records the walk reads */
	due_list l = {NULL, 0, 0};
	if ((rc = ps_store_begin(s)))
		return rc;
	rc = ps_store_receipts_missing(s, ps_replica_province(r), "progress", ps_kind_name(PS_KIND_RECEIPT), due_add,
	                               &l);
	/* received when the province first had the report, not now: a sync
	 * killed before its receipts, or a change held for a clock ahead of
	 * ours, is dated by its arrival; now only for a change stored before
	 * arrival times were kept */
	int64_t now = (int64_t)ps_now_ms();
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = write_receipt(r, l.v[i].report, l.v[i].first, l.v[i].arrived > 0 ? l.v[i].arrived : now);
	/* the receipts just written are changes too: the mark is past them */
	if (!rc && !(rc = ps_store_changes_top(s, &top)))
		rc = ps_store_meta_set_int(s, RECEIPTS_SEEN, top);
	rc = rc ? (ps_store_rollback(s), rc) : ps_store_commit(s);
	if (!rc && written)
		*written = (long)l.n;
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].report);
	free(l.v);
	return rc;
}
