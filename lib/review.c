/* review.c - the province's review of reports (issue 12).
 *
 * Exports the review part of plansync/review.h: ps_review_state, the one
 * definition of a report's review state that reports, the inbox, status
 * and sync's news read; writing a review bound to the report's heads; an
 * office's inbox; and to lib/deadline.c (periods, receipts) the helpers of
 * review_int.h. Reads and writes records only through the store's
 * functions and the replica's one write path; never writes SQL
 * (lib/store_review.c holds it), never prints. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/review.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/suggest.h"
#include "plansync/text.h"
#include "store_review.h"
#include "store_views.h"
#include "review_int.h"

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
int ps_review_record_json(ps_store *s, const char *record, cJSON **out)
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

const char *ps_review_str(const cJSON *o, const char *name)
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
		if ((rc = ps_review_record_json(s, rrec, &rev)) || (rc = ps_store_record_newest(s, rrec, newest)) ||
		    (rc = ps_store_change_get(s, newest, take_last, &last)))
			goto out;
		same = same_version(cJSON_GetObjectItemCaseSensitive(rev, "changes"), heads, nh);
		out->decision = dup_or_null(ps_review_str(rev, "decision"), &rc);
		out->comment = dup_or_null(ps_review_str(rev, "comment"), &rc);
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

/* An id as stored: ASCII letters lowercased, since ids are canonical in
 * lowercase and people type "2021-Q3". One longer than an id can be is
 * left as typed, to be refused as unknown. */
const char *ps_review_canon(char buf[64], const char *in)
{
	if (!in || strlen(in) >= 64)
		return in;
	size_t i = 0;
	for (; in[i]; i++)
		buf[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a') : in[i];
	buf[i] = '\0';
	return buf;
}

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
		const char *kind;
		ps_kind k;
	} k[] = {{"office", PS_KIND_OFFICE}, {"task", PS_KIND_TASK}, {"period", PS_KIND_PERIOD}};
	char bufs[3][64];
	const char *ids[3] = {ps_review_canon(bufs[0], office), ps_review_canon(bufs[1], task),
	                      ps_review_canon(bufs[2], period)};
	for (int i = 0; i < 3; i++) {
		if (!ids[i])
			continue;
		int live = plan_live(r, k[i].kind, ids[i]);
		if (live < 0)
			return live;
		if (!live) /* the closest id, as every other command names it */
			return ps_suggest_unknown(r, k[i].k, ids[i], NULL);
	}
	return 0;
}

int ps_review_need_province(ps_replica *r, const char *what)
{
	if (ps_replica_is_province(r))
		return 0;
	return ps_error_set(PS_ENOTOWNER, "only the province %s (this replica is office %s); run it on the %s replica",
	                    what, ps_replica_office(r), ps_replica_province(r));
}

/* The text is empty or only spaces. */
bool ps_review_blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n")];
}

int ps_review_write(ps_replica *r, bool accept, const char *office, const char *task, const char *period,
                    const char *comment, bool in_txn, char **id_out)
{
	if (id_out)
		*id_out = NULL;
	char ob[64], tb[64], pb[64];
	office = ps_review_canon(ob, office);
	task = ps_review_canon(tb, task);
	period = ps_review_canon(pb, period);
	ps_store *s = ps_replica_store(r);
	char *clean = NULL;
	char **heads = NULL;
	size_t nh = 0;
	cJSON *rev = NULL, *fields = NULL;
	char prec[PS_RECORD_ID_MAX + 1], rrec[PS_RECORD_ID_MAX + 1];
	int rc = ps_review_need_province(r, "reviews reports");
	if (rc || (rc = ps_review_check_ids(r, office, task, period)))
		goto out;
	if (comment && (rc = ps_text_clean(&clean, comment, PS_NOTE_MAX, true, "the comment")))
		goto out;
	if (!accept && ps_review_blank(clean)) {
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
	const char *text = ps_review_blank(clean) ? NULL : clean;
	if ((live = ps_replica_record_live(r, rrec)) < 0) {
		rc = live;
		goto out;
	}
	if (live) {
		if ((rc = ps_review_record_json(s, rrec, &rev)))
			goto out;
		const char *d = ps_review_str(rev, "decision"), *c = ps_review_str(rev, "comment");
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

int ps_idlist_add(void *ctx, const char *id)
{
	ps_idlist *l = ctx;
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
	char ob[64], pb[64];
	office = ps_review_canon(ob, office);
	period = ps_review_canon(pb, period);
	int rc = ps_review_check_ids(r, office, NULL, period);
	if (rc)
		return rc;
	char glob[PS_RECORD_ID_MAX + 16], prefix[PS_RECORD_ID_MAX + 1], suffix[PS_RECORD_ID_MAX + 1];
	snprintf(glob, sizeof(glob), "progress/%s/*/%s", office, period);
	snprintf(prefix, sizeof(prefix), "progress/%s/", office);
	snprintf(suffix, sizeof(suffix), "/%s", period);
	ps_idlist l = {NULL, 0, strlen(prefix), suffix};
	rc = ps_store_records_like(ps_replica_store(r), "progress", glob, ps_idlist_add, &l);
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
	char ob[64];
	office = ps_review_canon(ob, office);
	char glob[PS_RECORD_ID_MAX + 16], prefix[PS_RECORD_ID_MAX + 1];
	snprintf(glob, sizeof(glob), "review/%s/*/*", office);
	snprintf(prefix, sizeof(prefix), "review/%s/", office);
	ps_idlist l = {NULL, 0, strlen(prefix), NULL};
	ps_inbox *b = calloc(1, sizeof(*b));
	int rc = b ? ps_store_records_like(ps_replica_store(r), "review", glob, ps_idlist_add, &l)
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
