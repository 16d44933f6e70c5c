/* query.c - the typed reads of views.h: plan, tasks, targets, offices,
 * periods, progress, log, conflicts, status, problems.
 *
 * Each read walks rows from lib/store_views.c and fills its struct from
 * the stored field values (JSON), in memory that one _free releases. The
 * names of a record's fields (the plan document's, the progress schema's)
 * are read here and nowhere else in the library's seam. Never writes and
 * never writes SQL; knows nothing of how a view is shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/views.h"
#include "plansync/daemon.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/record.h"
#include "plansync/suggest.h"
#include "plansync/text.h"
#include "store_views.h"
#include "view_mem.h"

#define MS(hlc) ((int64_t)PS_HLC_MS((ps_hlc)(hlc)))

/* ---- fields of plan records ---- */

/* A record's fields gathered as one object. */
typedef struct gathered {
	char id[PS_RECORD_ID_MAX + 1];
	cJSON *fields;
} gathered;

typedef struct kind_walk {
	int (*fn)(void *ctx, const char *slug, const cJSON *fields);
	void *ctx;
	gathered cur;
	int rc;
} kind_walk;

static int flush(kind_walk *w)
{
	int rc = 0;
	if (w->cur.id[0]) {
		const char *slash = strchr(w->cur.id, '/');
		rc = w->fn(w->ctx, slash ? slash + 1 : w->cur.id, w->cur.fields);
	}
	cJSON_Delete(w->cur.fields);
	w->cur.fields = NULL;
	w->cur.id[0] = '\0';
	return rc;
}

static int kind_row(void *ctx, const ps_sv_field *row)
{
	kind_walk *w = ctx;
	int rc;
	if (strcmp(w->cur.id, row->record)) {
		if ((rc = flush(w)))
			return rc;
		snprintf(w->cur.id, sizeof(w->cur.id), "%s", row->record);
		if (!(w->cur.fields = cJSON_CreateObject()))
			return ps_error_set(PS_ENOMEM, "out of memory");
	}
	if (row->field) {
		cJSON *v = cJSON_Parse(row->value);
		if (v)
			cJSON_AddItemToObject(w->cur.fields, row->field, v);
	}
	return 0;
}

/* fn(ctx, slug, fields) for every live record of kind, by record id. */
static int each_record(ps_store *s, ps_kind kind, int (*fn)(void *, const char *, const cJSON *), void *ctx)
{
	kind_walk w = {fn, ctx, {{0}, NULL}, 0};
	int rc = ps_store_kind_fields(s, kind, kind_row, &w);
	int frc = rc ? 0 : flush(&w);
	cJSON_Delete(w.cur.fields);
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

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* A filter naming an office, program, task or period: *id in canonical
 * form (in buf, 64 bytes: a slug's most and its NUL), or NULL when not given. One
 * that the plan lacks is a typo: say so, with the closest id. */
static int check_filter(ps_replica *r, ps_kind kind, const char **id, char *buf)
{
	if (!*id)
		return 0;
	const char *c = ps_id_canon_to(buf, 64, *id);
	char rec[PS_RECORD_ID_MAX + 1];
	int live = 0;
	if (c && ps_slug_valid(c)) {
		snprintf(rec, sizeof(rec), "%s/%s", ps_kind_name(kind), c);
		live = ps_replica_record_live(r, rec);
	}
	if (live < 0)
		return live;
	if (!live)
		return ps_suggest_unknown(r, kind, *id, NULL);
	*id = c;
	return 0;
}

/* ---- plan show ---- */

typedef struct plan_walk {
	ps_plan_view *v;
	ps_kind kind; /* being counted */
	bool header;  /* the plan's header has fields: there is a plan */
} plan_walk;

static int plan_program(void *ctx, const char *slug, const cJSON *f)
{
	ps_plan_view *v = ((plan_walk *)ctx)->v;
	ps_plan_program *p = ps_view_mem_push(v->mem, &v->programs, &v->nprograms, sizeof(*p));
	if (!p)
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->id = ps_view_mem_str(v->mem, slug);
	p->title = fstr(v->mem, f, "title");
	p->period = fstr(v->mem, f, "period");
	p->order = fnum(f, "order");
	p->number = fnum(f, "number");
	p->period_start = fnum(f, "period_start");
	p->period_end = fnum(f, "period_end");
	p->vision_year = fnum(f, "vision_year");
	return 0;
}

static ps_plan_program *program_of(ps_plan_view *v, const cJSON *f)
{
	const cJSON *pg = cJSON_GetObjectItemCaseSensitive(f, "program");
	for (size_t i = 0; cJSON_IsString(pg) && i < v->nprograms; i++)
		if (!strcmp(v->programs[i].id, pg->valuestring))
			return &v->programs[i];
	return NULL;
}

/* Counts every kind; objectives, tasks and committees also per program. */
static int plan_count(void *ctx, const char *slug, const cJSON *f)
{
	plan_walk *w = ctx;
	ps_plan_view *v = w->v;
	(void)slug;
	v->counts[v->ncounts - 1].n++;
	ps_plan_program *p = program_of(v, f);
	if (!p)
		return 0;
	if (w->kind == PS_KIND_OBJECTIVE)
		p->objectives++;
	else if (w->kind == PS_KIND_TASK)
		p->tasks++;
	else if (w->kind == PS_KIND_COMMITTEE) {
		p->committee_size = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "members"));
		p->committee_head = fstr(v->mem, f, "head_role");
	}
	return 0;
}

static int cmp_program(const void *a, const void *b)
{
	return ps_natcmp(((const ps_plan_program *)a)->id, ((const ps_plan_program *)b)->id);
}

static int plan_header(void *ctx, const ps_sv_field *row)
{
	plan_walk *w = ctx;
	ps_plan_view *v = w->v;
	cJSON *val = cJSON_Parse(row->value);
	const char *s = cJSON_IsString(val) ? ps_view_mem_str(v->mem, val->valuestring) : NULL;
	cJSON_Delete(val);
	w->header = true;
	static const char *const names[] = {"title", "issuer", "number", "place", "date", "term"};
	const char **slot[] = {&v->title, &v->issuer, &v->number, &v->place, &v->date, &v->term};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(row->field, names[i]))
			*slot[i] = s;
	return 0;
}

int ps_view_plan(ps_plan_view **out, ps_replica *r)
{
	/* Counted in this order, as plan show lists them. */
	static const ps_kind counted[] = {PS_KIND_OFFICE, PS_KIND_AGENCY,    PS_KIND_TARGET, PS_KIND_MILESTONE,
	                                  PS_KIND_PERIOD, PS_KIND_OBJECTIVE, PS_KIND_TASK,   PS_KIND_COMMITTEE};
	ps_store *s = ps_replica_store(r);
	*out = NULL;
	ps_plan_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	plan_walk w = {v, PS_KIND_PROGRAM, false};
	int rc = ps_store_record_fields(s, "plan/header", plan_header, &w);
	if (!rc && !w.header)
		rc = ps_error_set(PS_ENOTFOUND, "this replica has no plan yet; the province imports it ('plansync plan "
		                                "import'), districts get it with 'plansync sync'");
	if (!rc)
		rc = each_record(s, PS_KIND_PROGRAM, plan_program, &w);
	if (!rc && v->nprograms)
		qsort(v->programs, v->nprograms, sizeof(*v->programs), cmp_program);
	if (!rc && !(v->counts = ps_view_mem_alloc(v->mem, sizeof(counted) / sizeof(counted[0]) * sizeof(*v->counts))))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < sizeof(counted) / sizeof(counted[0]); i++) {
		v->counts[v->ncounts++].kind = ps_kind_name(counted[i]);
		w.kind = counted[i];
		rc = each_record(s, counted[i], plan_count, &w);
	}
	if (!rc)
		v->ncounts--; /* committees were counted for their programs only */
	return ps_view_done(rc, v, out);
}

void ps_plan_view_free(ps_plan_view *v)
{
	ps_view_release(v);
}

/* ---- plan tasks, plan targets ---- */

typedef struct list_walk {
	void *v;
	const char *program, *office;
	ps_view_mem *mem;
} list_walk;

static int add_target(void *ctx, const char *slug, const cJSON *f)
{
	list_walk *w = ctx;
	ps_targets_view *v = w->v;
	const char *office = fstr(w->mem, f, "office");
	if (w->office && !same(office, w->office))
		return 0;
	ps_target_row *t = ps_view_mem_push(w->mem, &v->v, &v->n, sizeof(*t));
	if (!t)
		return ps_error_set(PS_ENOMEM, "out of memory");
	t->id = ps_view_mem_str(w->mem, slug);
	t->task = fstr(w->mem, f, "task");
	t->office = office;
	t->text = fstr(w->mem, f, "text");
	t->deadline = fstr(w->mem, f, "deadline");
	t->deadline_text = fstr(w->mem, f, "deadline_text");
	t->order = fnum(f, "order");
	return 0;
}

static int cmp_target(const void *a, const void *b)
{
	return ps_natcmp(((const ps_target_row *)a)->id, ((const ps_target_row *)b)->id);
}

/* The live targets (of office, or all), in natural id order. */
static int targets_of(ps_targets_view *v, ps_store *s, const char *office)
{
	list_walk w = {v, NULL, office, v->mem};
	int rc = each_record(s, PS_KIND_TARGET, add_target, &w);
	if (!rc && v->n)
		qsort(v->v, v->n, sizeof(*v->v), cmp_target);
	return rc;
}

int ps_view_targets(ps_targets_view **out, ps_replica *r, const char *office)
{
	*out = NULL;
	char obuf[64];
	int rc = check_filter(r, PS_KIND_OFFICE, &office, obuf);
	if (rc)
		return rc;
	ps_targets_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	rc = targets_of(v, ps_replica_store(r), office);
	return ps_view_done(rc, v, out);
}

void ps_targets_view_free(ps_targets_view *v)
{
	ps_view_release(v);
}

static int add_task(void *ctx, const char *slug, const cJSON *f)
{
	list_walk *w = ctx;
	ps_tasks_view *v = w->v;
	const char *program = fstr(w->mem, f, "program");
	if (w->program && !same(program, w->program))
		return 0;
	ps_task_row *t = ps_view_mem_push(w->mem, &v->v, &v->n, sizeof(*t));
	if (!t)
		return ps_error_set(PS_ENOMEM, "out of memory");
	t->id = ps_view_mem_str(w->mem, slug);
	t->program = program;
	t->text = fstr(w->mem, f, "text");
	t->order = fnum(f, "order");
	return 0;
}

static int cmp_task(const void *a, const void *b)
{
	return ps_natcmp(((const ps_task_row *)a)->id, ((const ps_task_row *)b)->id);
}

int ps_view_tasks(ps_tasks_view **out, ps_replica *r, const char *program, const char *office)
{
	*out = NULL;
	char pbuf[64], obuf[64];
	int rc;
	if ((rc = check_filter(r, PS_KIND_PROGRAM, &program, pbuf)) ||
	    (rc = check_filter(r, PS_KIND_OFFICE, &office, obuf)))
		return rc;
	ps_tasks_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	ps_targets_view tg = {.mem = v->mem}; /* its rows live in the tasks' memory */
	list_walk w = {v, program, NULL, v->mem};
	ps_store *s = ps_replica_store(r);
	if (!(rc = each_record(s, PS_KIND_TASK, add_task, &w)) && !(rc = targets_of(&tg, s, NULL))) {
		if (v->n)
			qsort(v->v, v->n, sizeof(*v->v), cmp_task);
		for (size_t i = 0; i < v->n; i++) {
			ps_task_row *t = &v->v[i];
			for (size_t k = 0; k < tg.n; k++)
				if (same(tg.v[k].task, t->id)) {
					const char **o =
					    ps_view_mem_push(v->mem, &t->offices, &t->noffices, sizeof(*o));
					if (o)
						*o = tg.v[k].office;
					if (office && same(tg.v[k].office, office) && !t->target)
						t->target = tg.v[k].id;
				}
			if (!t->offices) /* a list, even when empty */
				t->offices = ps_view_mem_alloc(v->mem, sizeof(*t->offices));
		}
	}
	return ps_view_done(rc, v, out);
}

void ps_tasks_view_free(ps_tasks_view *v)
{
	ps_view_release(v);
}

/* ---- plan offices, plan periods ---- */

static int add_office(void *ctx, const char *slug, const cJSON *f)
{
	ps_offices_view *v = ctx;
	ps_office_row *o = ps_view_mem_push(v->mem, &v->v, &v->n, sizeof(*o));
	if (!o)
		return ps_error_set(PS_ENOMEM, "out of memory");
	o->id = ps_view_mem_str(v->mem, slug);
	o->name = fstr(v->mem, f, "name");
	o->kind = fstr(v->mem, f, "kind");
	o->parent = fstr(v->mem, f, "parent");
	o->order = fnum(f, "order");
	return 0;
}

static int cmp_order(long a, long b, const char *ia, const char *ib)
{
	if (a != b)
		return a < 0 ? 1 : b < 0 ? -1 : a < b ? -1 : 1;
	return ps_natcmp(ia, ib);
}

static int cmp_office(const void *a, const void *b)
{
	const ps_office_row *x = a, *y = b;
	return cmp_order(x->order, y->order, x->id, y->id);
}

int ps_view_offices(ps_offices_view **out, ps_replica *r)
{
	*out = NULL;
	ps_offices_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	ps_store *s = ps_replica_store(r);
	ps_targets_view tg = {.mem = v->mem};
	int rc = each_record(s, PS_KIND_OFFICE, add_office, v);
	if (!rc)
		rc = targets_of(&tg, s, NULL);
	if (!rc && v->n)
		qsort(v->v, v->n, sizeof(*v->v), cmp_office);
	for (size_t i = 0; !rc && i < v->n; i++)
		for (size_t k = 0; k < tg.n; k++)
			v->v[i].targets += same(tg.v[k].office, v->v[i].id);
	return ps_view_done(rc, v, out);
}

void ps_offices_view_free(ps_offices_view *v)
{
	ps_view_release(v);
}

static int add_period(void *ctx, const char *slug, const cJSON *f)
{
	ps_periods_view *v = ctx;
	ps_period_row *p = ps_view_mem_push(v->mem, &v->v, &v->n, sizeof(*p));
	if (!p)
		return ps_error_set(PS_ENOMEM, "out of memory");
	p->id = ps_view_mem_str(v->mem, slug);
	p->kind = fstr(v->mem, f, "kind");
	p->start = fstr(v->mem, f, "start");
	p->end = fstr(v->mem, f, "end");
	p->due = fstr(v->mem, f, "due");
	p->closed = fstr(v->mem, f, "closed"); /* null or absent: open */
	p->state = p->closed ? "closed" : "open";
	p->order = fnum(f, "order");
	return 0;
}

/* By start date; of two that start together the longer (the year) first. */
static int cmp_period(const void *a, const void *b)
{
	const ps_period_row *x = a, *y = b;
	int c = strcmp(x->start ? x->start : "", y->start ? y->start : "");
	if (!c)
		c = -strcmp(x->end ? x->end : "", y->end ? y->end : "");
	return c ? c : ps_natcmp(x->id, y->id);
}

int ps_view_periods(ps_periods_view **out, ps_replica *r)
{
	*out = NULL;
	ps_periods_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	int rc = each_record(ps_replica_store(r), PS_KIND_PERIOD, add_period, v);
	if (!rc && v->n)
		qsort(v->v, v->n, sizeof(*v->v), cmp_period);
	return ps_view_done(rc, v, out);
}

void ps_periods_view_free(ps_periods_view *v)
{
	ps_view_release(v);
}

/* ---- progress show ---- */

typedef struct progress_walk {
	ps_progress_view *v;
	ps_store *s;
	const ps_progress_filter *f; /* ids and status canonical */
	cJSON *fields;
} progress_walk;

static int progress_field(void *ctx, const ps_sv_field *row)
{
	cJSON *fields = ctx;
	cJSON *v = cJSON_Parse(row->value);
	if (v)
		cJSON_AddItemToObject(fields, row->field, v);
	return 0;
}

/* The fields of a record as one object (NULL members when it has none). */
static int record_object(cJSON **out, ps_store *s, const char *record)
{
	if (!(*out = cJSON_CreateObject()))
		return ps_error_set(PS_ENOMEM, "out of memory");
	return ps_store_record_fields(s, record, progress_field, *out);
}

/* Whether the report rid passes the filters that need other records: its
 * task's program, its receipt's late. 1 yes, 0 no, <0 an error. */
static int progress_related(progress_walk *w, const ps_record_id *rid)
{
	char rec[PS_RECORD_ID_MAX + 1];
	cJSON *o = NULL;
	int rc = 0, keep = 1;
	if (w->f->program) {
		snprintf(rec, sizeof(rec), "task/%s", rid->task);
		if (!(rc = record_object(&o, w->s, rec))) {
			const cJSON *pg = cJSON_GetObjectItemCaseSensitive(o, "program");
			keep = cJSON_IsString(pg) && !strcmp(pg->valuestring, w->f->program);
		}
		cJSON_Delete(o);
		o = NULL;
	}
	if (!rc && keep && w->f->late) {
		/* A report with no receipt yet counts as not late (api12.md). */
		snprintf(rec, sizeof(rec), "receipt/%s/%s/%s", rid->office, rid->task, rid->period);
		if (!(rc = record_object(&o, w->s, rec)))
			keep = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "late"));
		cJSON_Delete(o);
	}
	return rc ? rc : keep;
}

static int add_progress(void *ctx, const ps_sv_last *row)
{
	progress_walk *w = ctx;
	ps_view_mem *m = w->v->mem;
	ps_record_id rid;
	if (ps_record_parse(&rid, row->record))
		return 0;
	if ((w->f->office && strcmp(w->f->office, rid.office)) || (w->f->task && strcmp(w->f->task, rid.task)) ||
	    (w->f->period && strcmp(w->f->period, rid.period)))
		return 0;
	int rc = progress_related(w, &rid);
	if (rc <= 0)
		return rc;
	if ((rc = record_object(&w->fields, w->s, row->record)))
		return rc;
	const cJSON *f = w->fields;
	if (w->f->status && !same(w->f->status, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "status"))))
		goto done;
	ps_progress_row *p = ps_view_mem_push(m, &w->v->v, &w->v->n, sizeof(*p));
	if (!p) {
		rc = ps_error_set(PS_ENOMEM, "out of memory");
		goto done;
	}
	p->office = ps_view_mem_str(m, rid.office);
	p->task = ps_view_mem_str(m, rid.task);
	p->period = ps_view_mem_str(m, rid.period);
	p->status = fstr(m, f, "status");
	p->percent = fnum(f, "percent");
	p->actual = fstr(m, f, "actual");
	p->note = fstr(m, f, "note");
	p->reporter = fstr(m, f, "reporter");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence");
	if (cJSON_IsArray(ev)) {
		size_t n = (size_t)cJSON_GetArraySize(ev);
		p->evidence = ps_view_mem_alloc(m, (n ? n : 1) * sizeof(*p->evidence));
		for (const cJSON *e = ev->child; p->evidence && e; e = e->next)
			if (cJSON_IsString(e))
				p->evidence[p->nevidence++] = ps_view_mem_str(m, e->valuestring);
	}
	p->updated = MS(row->hlc);
	p->author = ps_view_mem_str(m, row->author);
done:
	cJSON_Delete(w->fields);
	w->fields = NULL;
	return rc;
}

/* The status filter as one of the list, case ignored, in buf (32 bytes). */
static int check_status(const char **status, char *buf)
{
	if (!*status)
		return 0;
	const char *c = ps_id_canon_to(buf, 32, *status);
	size_t n = 0;
	for (const char *const *s = ps_progress_statuses; *s; s++, n++)
		if (c && !strcmp(*s, c)) {
			*status = *s;
			return 0;
		}
	const char *near = ps_suggest(*status, ps_progress_statuses, n);
	return ps_error_set(PS_EINVALID,
	                    "unknown status \"%.40s\"%s%s%s; the statuses: not_started, on_track, at_risk, delayed, "
	                    "done, cancelled",
	                    *status, near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
}

int ps_view_progress_where(ps_progress_view **out, ps_replica *r, const ps_progress_filter *filter)
{
	*out = NULL;
	ps_progress_filter f = *filter;
	char obuf[64], tbuf[64], pbuf[64], gbuf[64], sbuf[32];
	int rc;
	if ((rc = check_filter(r, PS_KIND_OFFICE, &f.office, obuf)) ||
	    (rc = check_filter(r, PS_KIND_TASK, &f.task, tbuf)) ||
	    (rc = check_filter(r, PS_KIND_PERIOD, &f.period, pbuf)) ||
	    (rc = check_filter(r, PS_KIND_PROGRAM, &f.program, gbuf)) || (rc = check_status(&f.status, sbuf)))
		return rc;
	ps_progress_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	progress_walk w = {v, ps_replica_store(r), &f, NULL};
	rc = ps_store_shown_records(w.s, PS_KIND_PROGRESS, add_progress, &w);
	cJSON_Delete(w.fields);
	return ps_view_done(rc, v, out);
}

int ps_view_progress(ps_progress_view **out, ps_replica *r, const char *office, const char *task, const char *period)
{
	ps_progress_filter f = {office, task, period, NULL, NULL, false};
	return ps_view_progress_where(out, r, &f);
}

void ps_progress_view_free(ps_progress_view *v)
{
	ps_view_release(v);
}
