/* report_calc.c - the province's reports computed from the loaded data
 * (report.c): coverage of a period, completion per program and office,
 * district targets with a verdict, and one office's sheet.
 *
 * Exports ps_report_coverage, ps_report_programs, ps_report_targets and
 * ps_report_office of plansync/report.h; results live in the ps_report's
 * memory. Counts only reporting offices and live tasks; a withdrawn report
 * is absent from the data and so counts as missing. Never reads the store
 * and never knows how a report is shown. */
#include <stdlib.h>
#include <string.h>
#include "plansync/report.h"
#include "plansync/error.h"
#include "view_mem.h"

static int oom(void)
{
	return ps_error_set(PS_ENOMEM, "out of memory");
}

/* ---- coverage ---- */

int ps_report_coverage(ps_coverage **out, ps_report *d, const char *period)
{
	*out = NULL;
	int rc = ps_report_check_period(d, period);
	if (rc)
		return rc;
	const ps_rep_period *p = ps_report_period_get(d, period);
	ps_coverage *c = ps_view_mem_alloc(d->mem, sizeof(*c));
	if (!c)
		return oom();
	c->period = p->id;
	c->due = p->due;
	c->closed = p->closed;
	if (d->noffices && !(c->offices = ps_view_mem_alloc(d->mem, d->noffices * sizeof(*c->offices))))
		return oom();
	for (size_t i = 0; i < d->noffices; i++) {
		ps_cov_office *o = &c->offices[c->n++];
		o->office = d->offices[i].id;
		o->name = d->offices[i].name;
		o->total = (long)d->ntasks;
		if (!(o->tasks = ps_view_mem_alloc(d->mem, (d->ntasks ? d->ntasks : 1) * sizeof(*o->tasks))))
			return oom();
		for (size_t k = 0; k < d->ntasks; k++) {
			const ps_rep_entry *e = ps_report_entry(d, o->office, d->tasks[k].id, period);
			ps_cov_cell *cell = &o->tasks[o->ntasks++];
			ps_cell_state st = e ? e->state : PS_CELL_MISSING;
			cell->task = d->tasks[k].id;
			cell->state = ps_report_state_name(st);
			cell->late = e && e->late;
			cell->status = e ? e->status : NULL;
			cell->percent = e ? e->percent : -1;
			o->reported += e != NULL;
			o->missing += !e;
			o->returned += st == PS_CELL_RETURNED;
			o->accepted += st == PS_CELL_ACCEPTED;
			o->changed += st == PS_CELL_CHANGED;
			o->late += cell->late;
		}
	}
	*out = c;
	return 0;
}

/* ---- programs ---- */

/* Count one report (or its absence) into row. */
static void tally(ps_prog_row *row, const ps_rep_entry *e, long *sum, long *n)
{
	row->cells++;
	if (!e) {
		row->missing++;
		return;
	}
	row->reported++;
	if (e->percent >= 0) {
		*sum += e->percent;
		(*n)++;
	}
	static const char *const names[] = {"not_started", "on_track", "at_risk", "delayed", "done", "cancelled"};
	long *slot[] = {&row->not_started, &row->on_track, &row->at_risk, &row->delayed, &row->done, &row->cancelled};
	for (size_t i = 0; e->status && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(e->status, names[i]))
			(*slot[i])++;
}

/* The mean rounded half up; -1 when there is nothing to average. */
static long mean(long sum, long n)
{
	return n ? (2 * sum + n) / (2 * n) : -1;
}

int ps_report_programs(ps_programs_report **out, ps_report *d, const char *period)
{
	*out = NULL;
	int rc = period ? ps_report_check_period(d, period) : 0;
	if (rc)
		return rc;
	ps_programs_report *v = ps_view_mem_alloc(d->mem, sizeof(*v));
	if (!v)
		return oom();
	v->period = period ? ps_report_period_get(d, period)->id : NULL;
	for (size_t p = 0; p < d->nprograms; p++) {
		const ps_rep_program *pg = &d->programs[p];
		size_t first = v->n;
		ps_prog_row *prov = ps_view_mem_push(d->mem, &v->rows, &v->n, sizeof(*prov));
		if (!prov)
			return oom();
		long psum = 0, pn = 0;
		for (size_t i = 0; i < d->noffices; i++) {
			ps_prog_row *row = ps_view_mem_push(d->mem, &v->rows, &v->n, sizeof(*row));
			if (!row)
				return oom();
			row->program = pg->id;
			row->title = pg->title;
			row->scope = "office";
			row->office = d->offices[i].id;
			row->name = d->offices[i].name;
			long sum = 0, n = 0;
			for (size_t k = 0; k < d->ntasks; k++) {
				if (!d->tasks[k].program || strcmp(d->tasks[k].program, pg->id))
					continue;
				const char *o = d->offices[i].id, *t = d->tasks[k].id;
				tally(row, period ? ps_report_entry(d, o, t, period) : ps_report_latest(d, o, t), &sum,
				      &n);
			}
			row->percent = mean(sum, n);
			psum += sum;
			pn += n;
		}
		prov = &v->rows[first]; /* the array may have moved */
		prov->program = pg->id;
		prov->title = pg->title;
		prov->scope = "province";
		prov->office = d->province;
		prov->name = NULL;
		for (size_t i = first + 1; i < v->n; i++) {
			const ps_prog_row *r = &v->rows[i];
			prov->cells += r->cells;
			prov->reported += r->reported;
			prov->missing += r->missing;
			prov->not_started += r->not_started;
			prov->on_track += r->on_track;
			prov->at_risk += r->at_risk;
			prov->delayed += r->delayed;
			prov->done += r->done;
			prov->cancelled += r->cancelled;
		}
		prov->percent = mean(psum, pn);
	}
	*out = v;
	return 0;
}

/* ---- targets ---- */

enum { V_LATE, V_AT_RISK, V_NO_REPORT, V_ON_TRACK, V_MET, V__COUNT };
static const char *const verdicts[V__COUNT] = {"late", "at_risk", "no_report", "on_track", "met"};

static bool is(const char *s, const char *v)
{
	return s && !strcmp(s, v);
}

/* The verdict on a target from its office's latest report on the task:
 * a deadline passed and not met is late, with or without a report. */
static int verdict(const ps_target_row *t, const ps_rep_entry *e, const char *today)
{
	bool passed = t->deadline && strcmp(t->deadline, today) < 0;
	if (!e)
		return passed ? V_LATE : V_NO_REPORT;
	if (is(e->status, "done") || e->percent == 100)
		return V_MET;
	if (passed || is(e->status, "delayed"))
		return V_LATE;
	if (is(e->status, "at_risk") || is(e->status, "not_started") || is(e->status, "cancelled"))
		return V_AT_RISK;
	return V_ON_TRACK;
}

static int rank(const char *v)
{
	for (int i = 0; i < V__COUNT; i++)
		if (!strcmp(v, verdicts[i]))
			return i;
	return V__COUNT;
}

static int cmp_verdict(const void *a, const void *b)
{
	const ps_target_verdict *x = a, *y = b;
	int c = rank(x->verdict) - rank(y->verdict);
	if (c)
		return c;
	if (!x->deadline != !y->deadline)
		return x->deadline ? -1 : 1; /* a deadline before none */
	if (x->deadline && (c = strcmp(x->deadline, y->deadline)))
		return c;
	if ((c = strcmp(x->office, y->office)))
		return c;
	return ps_natcmp(x->task, y->task);
}

int ps_report_targets(ps_targets_report **out, ps_report *d, const char *today)
{
	*out = NULL;
	ps_targets_report *v = ps_view_mem_alloc(d->mem, sizeof(*v));
	if (!v)
		return oom();
	v->today = ps_view_mem_str(d->mem, today);
	for (size_t i = 0; i < d->ntargets; i++) {
		const ps_target_row *t = &d->targets[i];
		const ps_rep_office *o = ps_report_office_get(d, t->office);
		if (!o || !t->task)
			continue; /* a target of the province itself, or of an office the plan dropped */
		const ps_rep_entry *e = ps_report_latest(d, o->id, t->task);
		ps_target_verdict *r = ps_view_mem_push(d->mem, &v->rows, &v->n, sizeof(*r));
		if (!r)
			return oom();
		r->target = t->id;
		r->office = o->id;
		r->name = o->name;
		r->task = t->task;
		r->deadline = t->deadline;
		r->deadline_text = t->deadline_text;
		r->text = t->text;
		r->period = e ? e->period : NULL;
		r->status = e ? e->status : NULL;
		r->percent = e ? e->percent : -1;
		int k = verdict(t, e, today);
		r->verdict = verdicts[k];
		long *count[V__COUNT] = {&v->late, &v->at_risk, &v->no_report, &v->on_track, &v->met};
		(*count[k])++;
	}
	if (v->n)
		qsort(v->rows, v->n, sizeof(*v->rows), cmp_verdict);
	*out = v;
	return 0;
}

/* ---- one office's sheet ---- */

int ps_report_office(ps_office_sheet **out, ps_report *d, const char *office, const char *period)
{
	*out = NULL;
	int rc = ps_report_check_office(d, office);
	if (!rc && period)
		rc = ps_report_check_period(d, period);
	if (rc)
		return rc;
	const ps_rep_office *o = ps_report_office_get(d, office);
	ps_office_sheet *v = ps_view_mem_alloc(d->mem, sizeof(*v));
	if (!v || (d->ntasks && !(v->rows = ps_view_mem_alloc(d->mem, d->ntasks * sizeof(*v->rows)))))
		return oom();
	v->office = o->id;
	v->name = o->name;
	v->period = period ? ps_report_period_get(d, period)->id : NULL;
	for (size_t k = 0; k < d->ntasks; k++) {
		const ps_rep_task *t = &d->tasks[k];
		ps_sheet_row *r = &v->rows[v->n++];
		r->task = t->id;
		r->program = t->program;
		r->text = t->text;
		for (size_t i = 0; i < d->ntargets && !r->target; i++)
			if (is(d->targets[i].office, o->id) && is(d->targets[i].task, t->id)) {
				r->target = d->targets[i].text;
				r->deadline = d->targets[i].deadline;
			}
		const ps_rep_entry *e =
		    period ? ps_report_entry(d, o->id, t->id, period) : ps_report_latest(d, o->id, t->id);
		r->state = ps_report_state_name(e ? e->state : PS_CELL_MISSING);
		r->percent = -1;
		v->reported += e != NULL;
		v->missing += !e;
		if (!e)
			continue;
		r->period = e->period;
		r->late = e->late;
		r->status = e->status;
		r->percent = e->percent;
		r->actual = e->actual;
		r->note = e->note;
		r->reporter = e->reporter;
		r->evidence = e->evidence;
		r->nevidence = e->nevidence;
		r->updated = e->updated;
		r->author = e->author;
		r->comment = e->comment;
	}
	*out = v;
	return 0;
}
