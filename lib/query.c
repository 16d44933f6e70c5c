/* query.c - the typed reads of views.h: plan, tasks, targets, progress,
 * log, conflicts, status, problems.
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

/* A filter naming an office or program that the plan lacks is a typo: say so. */
static int check_filter(ps_replica *r, ps_kind kind, const char *id)
{
	if (!id)
		return 0;
	char rec[PS_RECORD_ID_MAX + 1];
	snprintf(rec, sizeof(rec), "%s/%s", ps_kind_name(kind), id);
	int live = ps_slug_valid(id) ? ps_replica_record_live(r, rec) : 0;
	if (live < 0)
		return live;
	return live ? 0
	            : ps_error_set(PS_ENOTFOUND, "unknown %s \"%s\"; see 'plansync plan show'", ps_kind_name(kind), id);
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
	int rc = check_filter(r, PS_KIND_OFFICE, office);
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
	int rc;
	if ((rc = check_filter(r, PS_KIND_PROGRAM, program)) || (rc = check_filter(r, PS_KIND_OFFICE, office)))
		return rc;
	ps_tasks_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	ps_targets_view tg = {.mem = v->mem}; /* its rows live in the tasks' memory */
	list_walk w = {v, program, NULL, v->mem};
	ps_store *s = ps_replica_store(r);
	if (!(rc = each_record(s, PS_KIND_TASK, add_task, &w)) && !(rc = targets_of(&tg, s, office))) {
		if (v->n)
			qsort(v->v, v->n, sizeof(*v->v), cmp_task);
		size_t keep = 0;
		for (size_t i = 0; i < v->n; i++) {
			ps_task_row t = v->v[i];
			for (size_t k = 0; k < tg.n; k++)
				if (same(tg.v[k].task, t.id)) {
					const char **o = ps_view_mem_push(v->mem, &t.offices, &t.noffices, sizeof(*o));
					if (o)
						*o = tg.v[k].office;
				}
			if (!t.offices) /* a list, even when empty */
				t.offices = ps_view_mem_alloc(v->mem, sizeof(*t.offices));
			if (!office || t.noffices)
				v->v[keep++] = t;
		}
		v->n = keep;
	}
	return ps_view_done(rc, v, out);
}

void ps_tasks_view_free(ps_tasks_view *v)
{
	ps_view_release(v);
}

/* ---- progress show ---- */

typedef struct progress_walk {
	ps_progress_view *v;
	ps_store *s;
	const char *office, *task, *period;
	cJSON *fields;
} progress_walk;

static int progress_field(void *ctx, const ps_sv_field *row)
{
	progress_walk *w = ctx;
	cJSON *v = cJSON_Parse(row->value);
	if (v)
		cJSON_AddItemToObject(w->fields, row->field, v);
	return 0;
}

static int add_progress(void *ctx, const ps_sv_last *row)
{
	progress_walk *w = ctx;
	ps_view_mem *m = w->v->mem;
	ps_record_id rid;
	if (ps_record_parse(&rid, row->record))
		return 0;
	if ((w->office && strcmp(w->office, rid.office)) || (w->task && strcmp(w->task, rid.task)) ||
	    (w->period && strcmp(w->period, rid.period)))
		return 0;
	ps_progress_row *p = ps_view_mem_push(m, &w->v->v, &w->v->n, sizeof(*p));
	if (!p || !(w->fields = cJSON_CreateObject()))
		return ps_error_set(PS_ENOMEM, "out of memory");
	int rc = ps_store_record_fields(w->s, row->record, progress_field, w);
	const cJSON *f = w->fields;
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
	cJSON_Delete(w->fields);
	w->fields = NULL;
	return rc;
}

int ps_view_progress(ps_progress_view **out, ps_replica *r, const char *office, const char *task, const char *period)
{
	*out = NULL;
	int rc;
	if ((rc = check_filter(r, PS_KIND_OFFICE, office)) || (rc = check_filter(r, PS_KIND_TASK, task)) ||
	    (rc = check_filter(r, PS_KIND_PERIOD, period)))
		return rc;
	ps_progress_view *v = ps_view_new(sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	progress_walk w = {v, ps_replica_store(r), office, task, period, NULL};
	rc = ps_store_shown_records(w.s, PS_KIND_PROGRESS, add_progress, &w);
	cJSON_Delete(w.fields);
	return ps_view_done(rc, v, out);
}

void ps_progress_view_free(ps_progress_view *v)
{
	ps_view_release(v);
}
