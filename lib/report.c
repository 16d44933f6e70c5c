/* report.c - the data every report reads, loaded once: the plan's offices,
 * tasks, programs, periods and targets, and each progress record in force
 * joined with its review and its receipt; the state of a report (missing,
 * reported, returned, accepted, changed since accepted); lookups.
 *
 * Exports ps_report_open, ps_report_free, the lookups and
 * ps_report_state_name of plansync/report.h. The reports themselves are
 * computed in report_calc.c and report_sync.c. Reads rows through
 * lib/store_report.c; never writes and never writes SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "plansync/suggest.h"
#include "plansync/report.h"
#include "plansync/error.h"
#include "plansync/hlc.h"
#include "plansync/record.h"
#include "plansync/review.h"
#include "store_report.h"
#include "view_mem.h"

#define MS(hlc) ((int64_t)PS_HLC_MS((ps_hlc)(hlc)))

const char *ps_report_state_name(ps_cell_state s)
{
	return ps_rstate_name((ps_rstate)s);
}

/* ---- records of a kind, gathered as one object each ---- */

typedef int (*record_fn)(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *fields);

typedef struct gather {
	record_fn fn;
	void *ctx;
	char id[256];
	char author[256];
	int64_t hlc;
	cJSON *fields;
} gather;

static int gather_flush(gather *g)
{
	int rc = g->id[0] ? g->fn(g->ctx, g->id, g->author, g->hlc, g->fields) : 0;
	cJSON_Delete(g->fields);
	g->fields = NULL;
	g->id[0] = '\0';
	return rc;
}

static int gather_row(void *ctx, const ps_sr_field *row)
{
	gather *g = ctx;
	int rc;
	if (strcmp(g->id, row->record)) {
		if ((rc = gather_flush(g)))
			return rc;
		snprintf(g->id, sizeof(g->id), "%s", row->record);
		snprintf(g->author, sizeof(g->author), "%s", row->author ? row->author : "");
		g->hlc = row->hlc;
		if (!(g->fields = cJSON_CreateObject()))
			return ps_error_set(PS_ENOMEM, "out of memory");
	}
	cJSON *v = row->field ? cJSON_Parse(row->value) : NULL;
	if (v)
		cJSON_AddItemToObject(g->fields, row->field, v);
	return 0;
}

static int each_record(ps_store *s, const char *kind, record_fn fn, void *ctx)
{
	gather g = {fn, ctx, {0}, {0}, 0, NULL};
	int rc = ps_store_report_fields(s, kind, gather_row, &g);
	int frc = rc ? 0 : gather_flush(&g);
	cJSON_Delete(g.fields);
	return rc ? rc : frc;
}

static const char *fstr(ps_view_mem *m, const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? ps_view_mem_str(m, v->valuestring) : NULL;
}

static long fnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

/* "kind/<slug>" -> slug */
static const char *slug_of(const char *id)
{
	const char *s = strchr(id, '/');
	return s ? s + 1 : id;
}

/* "kind/office/task/period" into its three parts; false when not that shape. */
static bool split3(const char *id, char office[64], char task[64], char period[64])
{
	const char *a = strchr(id, '/'), *b = a ? strchr(a + 1, '/') : NULL, *c = b ? strchr(b + 1, '/') : NULL;
	if (!c || strchr(c + 1, '/') || b - a - 1 >= 64 || c - b - 1 >= 64 || strlen(c + 1) >= 64)
		return false;
	snprintf(office, 64, "%.*s", (int)(b - a - 1), a + 1);
	snprintf(task, 64, "%.*s", (int)(c - b - 1), b + 1);
	snprintf(period, 64, "%s", c + 1);
	return true;
}

/* ---- the plan ---- */

typedef struct loader {
	ps_report *d;
	ps_store *s;
} loader;

static int add_office(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	(void)author, (void)hlc;
	if (d->province && !strcmp(slug_of(id), d->province))
		return 0; /* the province reviews; it does not report */
	ps_rep_office *o = ps_view_mem_push(d->mem, &d->offices, &d->noffices, sizeof(*o));
	if (!o)
		return ps_error_set(PS_ENOMEM, "out of memory");
	o->id = ps_view_mem_str(d->mem, slug_of(id));
	o->name = fstr(d->mem, f, "name");
	o->kind = fstr(d->mem, f, "kind");
	o->order = fnum(f, "order");
	return 0;
}

static int add_task(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	(void)author, (void)hlc;
	ps_rep_task *t = ps_view_mem_push(d->mem, &d->tasks, &d->ntasks, sizeof(*t));
	if (!t)
		return ps_error_set(PS_ENOMEM, "out of memory");
	t->id = ps_view_mem_str(d->mem, slug_of(id));
	t->program = fstr(d->mem, f, "program");
	t->text = fstr(d->mem, f, "text");
	t->order = fnum(f, "order");
	return 0;
}

static int add_program(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	(void)author, (void)hlc;
	ps_rep_program *p = ps_view_mem_push(d->mem, &d->programs, &d->nprograms, sizeof(*p));
	if (!p)
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->id = ps_view_mem_str(d->mem, slug_of(id));
	p->title = fstr(d->mem, f, "title");
	p->order = fnum(f, "order");
	return 0;
}

static int add_period(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	(void)author, (void)hlc;
	ps_rep_period *p = ps_view_mem_push(d->mem, &d->periods, &d->nperiods, sizeof(*p));
	if (!p)
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->id = ps_view_mem_str(d->mem, slug_of(id));
	p->kind = fstr(d->mem, f, "kind");
	p->start = fstr(d->mem, f, "start");
	p->end = fstr(d->mem, f, "end");
	p->due = fstr(d->mem, f, "due");
	p->closed = fstr(d->mem, f, "closed");
	p->order = fnum(f, "order");
	return 0;
}

static int add_target(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	(void)author, (void)hlc;
	ps_target_row *t = ps_view_mem_push(d->mem, &d->targets, &d->ntargets, sizeof(*t));
	if (!t)
		return ps_error_set(PS_ENOMEM, "out of memory");
	t->id = ps_view_mem_str(d->mem, slug_of(id));
	t->task = fstr(d->mem, f, "task");
	t->office = fstr(d->mem, f, "office");
	t->text = fstr(d->mem, f, "text");
	t->deadline = fstr(d->mem, f, "deadline");
	t->deadline_text = fstr(d->mem, f, "deadline_text");
	t->order = fnum(f, "order");
	return 0;
}

static int cmp_office(const void *a, const void *b)
{
	const ps_rep_office *x = a, *y = b;
	return x->order != y->order ? (x->order < y->order ? -1 : 1) : strcmp(x->id, y->id);
}
static int cmp_task(const void *a, const void *b)
{
	return ps_natcmp(((const ps_rep_task *)a)->id, ((const ps_rep_task *)b)->id);
}
static int cmp_program(const void *a, const void *b)
{
	return ps_natcmp(((const ps_rep_program *)a)->id, ((const ps_rep_program *)b)->id);
}
static int cmp_target(const void *a, const void *b)
{
	return ps_natcmp(((const ps_target_row *)a)->id, ((const ps_target_row *)b)->id);
}
static int cmp_period(const void *a, const void *b)
{
	const ps_rep_period *x = a, *y = b;
	int c = strcmp(x->start ? x->start : "", y->start ? y->start : "");
	if (c)
		return c;
	/* a year before its first quarter: the longer period first */
	c = strcmp(y->end ? y->end : "", x->end ? x->end : "");
	return c ? c : strcmp(x->id, y->id);
}

/* ---- progress, reviews, receipts ---- */

static int cmp_entry_key(const char *o, const char *t, const char *p, const ps_rep_entry *e)
{
	int c = strcmp(o, e->office);
	if (!c)
		c = ps_natcmp(t, e->task);
	if (!c)
		c = strcmp(p, e->period);
	return c;
}

static int cmp_entry(const void *a, const void *b)
{
	const ps_rep_entry *x = a;
	return cmp_entry_key(x->office, x->task, x->period, b);
}

const ps_rep_entry *ps_report_entry(const ps_report *d, const char *office, const char *task, const char *period)
{
	size_t lo = 0, hi = d->nentries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_entry_key(office, task, period, &d->entries[mid]);
		if (!c)
			return &d->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static ps_rep_entry *entry_mut(ps_report *d, const char *id)
{
	char o[64], t[64], p[64];
	return split3(id, o, t, p) ? (ps_rep_entry *)ps_report_entry(d, o, t, p) : NULL;
}

static int add_progress(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	char o[64], t[64], p[64];
	if (!split3(id, o, t, p) || !ps_report_office_get(d, o))
		return 0; /* the province's own, or not a reporting office */
	ps_rep_entry *e = ps_view_mem_push(d->mem, &d->entries, &d->nentries, sizeof(*e));
	if (!e)
		return ps_error_set(PS_ENOMEM, "out of memory");
	ps_view_mem *m = d->mem;
	e->office = ps_view_mem_str(m, o);
	e->task = ps_view_mem_str(m, t);
	e->period = ps_view_mem_str(m, p);
	e->status = fstr(m, f, "status");
	e->percent = fnum(f, "percent");
	e->actual = fstr(m, f, "actual");
	e->note = fstr(m, f, "note");
	e->reporter = fstr(m, f, "reporter");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence");
	if (cJSON_IsArray(ev)) {
		size_t n = (size_t)cJSON_GetArraySize(ev);
		e->evidence = ps_view_mem_alloc(m, (n ? n : 1) * sizeof(*e->evidence));
		for (const cJSON *x = ev->child; e->evidence && x; x = x->next)
			if (cJSON_IsString(x))
				e->evidence[e->nevidence++] = ps_view_mem_str(m, x->valuestring);
	}
	e->updated = MS(hlc);
	e->author = ps_view_mem_str(m, author);
	e->state = PS_CELL_REPORTED;
	return 0;
}

/* The heads of each progress record, joined by ',' in id order, kept in
 * the entry's comment slot until the reviews are read. */
typedef struct heads_walk {
	ps_report *d;
	ps_rep_entry *cur;
	char record[256];
	char buf[4096];
} heads_walk;

static void heads_flush(heads_walk *w)
{
	if (w->cur)
		w->cur->comment = ps_view_mem_str(w->d->mem, w->buf);
	w->cur = NULL;
	w->buf[0] = '\0';
}

static int heads_row(void *ctx, const char *record, const char *id)
{
	heads_walk *w = ctx;
	if (strcmp(record, w->record)) {
		heads_flush(w);
		snprintf(w->record, sizeof(w->record), "%s", record);
		w->cur = entry_mut(w->d, record);
	}
	size_t n = strlen(w->buf);
	snprintf(w->buf + n, sizeof(w->buf) - n, "%s%s", n ? "," : "", id);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A review's "changes" as the heads string: sorted, joined by ','. */
static void changes_text(const cJSON *f, char *out, size_t n)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(f, "changes");
	const char *ids[64];
	size_t k = 0;
	out[0] = '\0';
	for (const cJSON *x = cJSON_IsArray(c) ? c->child : NULL; x && k < 64; x = x->next)
		if (cJSON_IsString(x))
			ids[k++] = x->valuestring;
	qsort(ids, k, sizeof(ids[0]), cmp_str);
	for (size_t i = 0; i < k; i++) {
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", i ? "," : "", ids[i]);
	}
}

/* The state by the one definition (ps_review_state_of, lib/review.c): a
 * review judges the version whose heads it names. */
static ps_cell_state review_state(const char *heads, const char *decision, const char *judged)
{
	bool same = heads && judged && !strcmp(heads, judged);
	_Static_assert(
	    (int)PS_CELL_MISSING == (int)PS_RSTATE_MISSING && (int)PS_CELL_REPORTED == (int)PS_RSTATE_REPORTED &&
	        (int)PS_CELL_RETURNED == (int)PS_RSTATE_RETURNED && (int)PS_CELL_ACCEPTED == (int)PS_RSTATE_ACCEPTED &&
	        (int)PS_CELL_CHANGED == (int)PS_RSTATE_CHANGED && (int)PS_CELL__COUNT == (int)PS_RSTATE__COUNT,
	    "ps_cell_state mirrors ps_rstate");
	return (ps_cell_state)ps_review_state_of(true, decision, same);
}

static int add_review(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	ps_rep_entry *e = entry_mut(d, id);
	if (!e)
		return 0; /* a review of a report withdrawn or never made: missing wins */
	char judged[4096];
	changes_text(f, judged, sizeof(judged));
	const char *heads = e->comment;
	e->decision = fstr(d->mem, f, "decision");
	e->comment = fstr(d->mem, f, "comment");
	e->reviewer = ps_view_mem_str(d->mem, author);
	e->reviewed = MS(hlc);
	e->state = review_state(heads, e->decision, judged);
	return 0;
}

/* "2026-11-29T02:10:00Z" (or with fractions) as milliseconds; 0 when not that. */
static int64_t iso_ms(const char *s)
{
	struct tm tm = {0};
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	                 &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000;
}

static int add_receipt(void *ctx, const char *id, const char *author, int64_t hlc, const cJSON *f)
{
	ps_report *d = ((loader *)ctx)->d;
	(void)author;
	ps_rep_entry *e = entry_mut(d, id);
	if (!e)
		return 0;
	e->received = iso_ms(fstr(d->mem, f, "received"));
	if (!e->received)
		e->received = MS(hlc);
	e->late = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "late"));
	return 0;
}

int ps_report_open(ps_report **out, ps_replica *r)
{
	*out = NULL;
	ps_report *d = ps_view_new(sizeof(*d));
	if (!d)
		return PS_ENOMEM;
	loader l = {d, ps_replica_store(r)};
	d->replica = r;
	d->province = ps_view_mem_str(d->mem, ps_replica_province(r));
	int rc = 0;
	if (!rc && !(rc = each_record(l.s, "office", add_office, &l)) && d->noffices)
		qsort(d->offices, d->noffices, sizeof(*d->offices), cmp_office);
	if (!rc && !(rc = each_record(l.s, "task", add_task, &l)) && d->ntasks)
		qsort(d->tasks, d->ntasks, sizeof(*d->tasks), cmp_task);
	if (!rc && !(rc = each_record(l.s, "program", add_program, &l)) && d->nprograms)
		qsort(d->programs, d->nprograms, sizeof(*d->programs), cmp_program);
	if (!rc && !(rc = each_record(l.s, "period", add_period, &l)) && d->nperiods)
		qsort(d->periods, d->nperiods, sizeof(*d->periods), cmp_period);
	if (!rc && !(rc = each_record(l.s, "target", add_target, &l)) && d->ntargets)
		qsort(d->targets, d->ntargets, sizeof(*d->targets), cmp_target);
	if (!rc && !(rc = each_record(l.s, "progress", add_progress, &l)) && d->nentries)
		qsort(d->entries, d->nentries, sizeof(*d->entries), cmp_entry);
	if (!rc) {
		heads_walk *w = calloc(1, sizeof(*w));
		if (!w)
			rc = ps_error_set(PS_ENOMEM, "out of memory");
		else {
			w->d = d;
			rc = ps_store_report_heads(l.s, "progress", heads_row, w);
			heads_flush(w);
			free(w);
		}
	}
	if (!rc)
		rc = each_record(l.s, "review", add_review, &l);
	for (size_t i = 0; !rc && i < d->nentries; i++)
		if (!d->entries[i].decision)
			d->entries[i].comment = NULL; /* the heads kept there are spent */
	if (!rc)
		rc = each_record(l.s, "receipt", add_receipt, &l);
	if (!rc && !d->ntasks)
		rc = ps_error_set(PS_ENOTFOUND, "this replica has no plan yet; the province imports it ('plansync plan "
		                                "import'), districts get it with 'plansync sync'");
	return ps_view_done(rc, d, out);
}

void ps_report_free(ps_report *d)
{
	ps_view_release(d);
}

const ps_rep_office *ps_report_office_get(const ps_report *d, const char *id)
{
	for (size_t i = 0; id && i < d->noffices; i++)
		if (!strcmp(d->offices[i].id, id))
			return &d->offices[i];
	return NULL;
}

const ps_rep_period *ps_report_period_get(const ps_report *d, const char *id)
{
	for (size_t i = 0; id && i < d->nperiods; i++)
		if (!strcmp(d->periods[i].id, id))
			return &d->periods[i];
	return NULL;
}

const ps_rep_program *ps_report_program_get(const ps_report *d, const char *id)
{
	for (size_t i = 0; id && i < d->nprograms; i++)
		if (!strcmp(d->programs[i].id, id))
			return &d->programs[i];
	return NULL;
}

const ps_rep_entry *ps_report_latest(const ps_report *d, const char *office, const char *task)
{
	for (size_t i = d->nperiods; i-- > 0;) {
		const ps_rep_entry *e = ps_report_entry(d, office, task, d->periods[i].id);
		if (e)
			return e;
	}
	return NULL;
}

const ps_rep_period *ps_report_default_period(const ps_report *d)
{
	for (size_t i = d->nperiods; i-- > 0;)
		for (size_t k = 0; k < d->nentries; k++)
			if (!strcmp(d->entries[k].period, d->periods[i].id))
				return &d->periods[i];
	return d->nperiods ? &d->periods[0] : NULL;
}

/* An id the plan lacks: the one text, with the closest id (suggest.c). */
int ps_report_check_office(const ps_report *d, const char *id)
{
	if (ps_report_office_get(d, id))
		return 0;
	if (d->province && !strcmp(id, d->province))
		return ps_error_set(PS_ENOTFOUND,
		                    "office \"%s\" is the province, which reviews and does not report; "
		                    "the reporting offices: plansync plan offices",
		                    id);
	return ps_suggest_unknown(d->replica, PS_KIND_OFFICE, id, NULL);
}

int ps_report_check_period(const ps_report *d, const char *id)
{
	return ps_report_period_get(d, id) ? 0 : ps_suggest_unknown(d->replica, PS_KIND_PERIOD, id, NULL);
}
