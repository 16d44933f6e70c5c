/* cmd_plan.c - plansync plan import|show|tasks|targets|offices|periods */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/plan.h"
#include "plansync/views.h"
#include "render.h"

typedef struct plan_import_opts {
	bool bundled;
} plan_import_opts;
static const opt_spec plan_import_spec[] = {
    OPT_BOOL(0, "default", plan_import_opts, bundled, "import the bundled plan (Hải Dương 2020-2025)"),
    OPT_END,
};
const opt_table opts_plan_import = {plan_import_spec, sizeof(plan_import_opts)};

typedef struct plan_tasks_opts {
	const char *program, *office;
} plan_tasks_opts;
static const opt_spec plan_tasks_spec[] = {
    OPT_STRING('p', "program", plan_tasks_opts, program, "P", "only the tasks of program P (p1 ... p5)"),
    OPT_STRING('o', "office", plan_tasks_opts, office, "O",
               "what office O reports on: every task, its own targets marked"),
    OPT_END,
};
const opt_table opts_plan_tasks = {plan_tasks_spec, sizeof(plan_tasks_opts)};

typedef struct plan_targets_opts {
	const char *office;
} plan_targets_opts;
static const opt_spec plan_targets_spec[] = {
    OPT_STRING('o', "office", plan_targets_opts, office, "O", "only the targets of office O"),
    OPT_END,
};
const opt_table opts_plan_targets = {plan_targets_spec, sizeof(plan_targets_opts)};

int cmd_plan_import(ctx *x, const args *a)
{
	char *data = NULL;
	size_t len = 0;
	int rc;
	const plan_import_opts *opt = a->opts;
	if (a->npos == 1 && !opt->bundled) {
		if ((rc = read_file(a->pos[0], &data, &len)))
			return fail(rc);
	} else if (a->npos == 1) {
		return fail_msg(EXIT_USAGE, "plan import: give a FILE or --default, not both");
	}
	ps_plan_stats st;
	rc = data ? ps_plan_import(x->r, data, len, &st)
	          : ps_plan_import(x->r, (const char *)ps_embedded_plan, ps_embedded_plan_len, &st);
	free(data);
	if (rc)
		return fail(rc);
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "records", (double)st.records);
		cJSON_AddNumberToObject(j, "changed", (double)st.set);
		cJSON_AddNumberToObject(j, "retired", (double)st.retired);
		cJSON_AddNumberToObject(j, "unchanged", (double)st.unchanged);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("plan: %ld records, %ld changed, %ld retired, %ld unchanged\n", st.records, st.set, st.retired,
		       st.unchanged);
	}
	return 0;
}

static const column program_cols[] = {
    COL_S(ps_plan_program, id, "id", "program"),
    COL_O(ps_plan_program, number, "number", NULL),
    COL_O(ps_plan_program, order, "order", NULL),
    COL_S(ps_plan_program, period, "period", "period"),
    COL_O(ps_plan_program, period_start, "period_start", NULL),
    COL_O(ps_plan_program, period_end, "period_end", NULL),
    COL_O(ps_plan_program, vision_year, "vision_year", NULL),
    COL_L(ps_plan_program, objectives, "objectives", "objectives"),
    COL_L(ps_plan_program, tasks, "tasks", "tasks"),
    COL_L(ps_plan_program, committee_size, "committee_size", "committee"),
    COL_S(ps_plan_program, committee_head, "committee_head", NULL),
    COL_S(ps_plan_program, title, "title", "title"),
};
static const view program_view = VIEW(ps_plan_program, program_cols);
static const column plan_cols[] = {
    COL_S(ps_plan_view, title, "title", "title"),    COL_S(ps_plan_view, issuer, "issuer", "issuer"),
    COL_S(ps_plan_view, number, "number", "number"), COL_S(ps_plan_view, place, "place", "place"),
    COL_S(ps_plan_view, date, "date", "date"),       COL_S(ps_plan_view, term, "term", "term"),
};
static const view plan_view = VIEW(ps_plan_view, plan_cols);

static void plan_json(const ps_plan_view *v)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "plan", render_json(&plan_view, v));
	cJSON_AddItemToObject(j, "programs", render_json_rows(&program_view, v->programs, v->nprograms));
	cJSON *c = cJSON_AddObjectToObject(j, "counts");
	for (size_t i = 0; c && i < v->ncounts; i++)
		cJSON_AddNumberToObject(c, v->counts[i].kind, (double)v->counts[i].n);
	print_json(j);
	cJSON_Delete(j);
}

int cmd_plan_show(ctx *x, const args *a)
{
	ps_plan_view *v = NULL;
	int rc = ps_view_plan(&v, x->r);
	if (rc)
		return fail(rc);
	fmt f = fmt_of(a);
	if (f == FMT_JSON) {
		plan_json(v);
	} else if (f != FMT_TABLE) {
		render_rows(stdout, f, &program_view, v->programs, v->nprograms);
	} else {
		/* The plan's words are the province's data: shown escaped. */
		char *t = text_safe(v->title ? v->title : ""), *is = text_safe(v->issuer ? v->issuer : "");
		char *d = text_safe(v->date ? v->date : ""), *tm = text_safe(v->term ? v->term : "");
		printf("%s\n%s, %s (term %s)\n\n", t ? t : "", is ? is : "", d ? d : "", tm ? tm : "");
		free(t);
		free(is);
		free(d);
		free(tm);
		render_rows(stdout, f, &program_view, v->programs, v->nprograms);
		printf("\n");
		for (size_t i = 0; i < v->ncounts; i++)
			printf("%s%s: %ld", i ? ", " : "", v->counts[i].kind, v->counts[i].n);
		printf("\n");
	}
	ps_plan_view_free(v);
	return 0;
}

static const column task_cols[] = {
    COL_S(ps_task_row, id, "id", "task"),     COL_S(ps_task_row, program, "program", NULL),
    COL_O(ps_task_row, order, "order", NULL), COL_V(ps_task_row, offices, noffices, "offices", "targets for"),
    COL_S(ps_task_row, text, "text", "text"),
};
static const view task_view = VIEW(ps_task_row, task_cols);

/* With --office: every task (every office reports on every one) and the
 * office's own target for it. */
static const column office_task_cols[] = {
    COL_S(ps_task_row, id, "id", "task"),
    COL_S(ps_task_row, program, "program", NULL),
    COL_O(ps_task_row, order, "order", NULL),
    COL_S(ps_task_row, target, "target", "own target"),
    COL_V(ps_task_row, offices, noffices, "offices", NULL),
    COL_S(ps_task_row, text, "text", "text"),
};
static const view office_task_view = VIEW(ps_task_row, office_task_cols);

int cmd_plan_tasks(ctx *x, const args *a)
{
	const plan_tasks_opts *opt = a->opts;
	ps_tasks_view *v = NULL;
	int rc = ps_view_tasks(&v, x->r, opt->program, opt->office);
	if (rc)
		return fail(rc);
	render_rows(stdout, fmt_of(a), opt->office ? &office_task_view : &task_view, v->v, v->n);
	ps_tasks_view_free(v);
	return 0;
}

static const column office_cols[] = {
    COL_S(ps_office_row, id, "id", "office"),
    COL_S(ps_office_row, kind, "kind", "kind"),
    COL_S(ps_office_row, parent, "parent", NULL),
    COL_O(ps_office_row, order, "order", NULL),
    COL_L(ps_office_row, targets, "targets", "targets"),
    COL_S(ps_office_row, name, "name", "name"),
};
static const view office_view = VIEW(ps_office_row, office_cols);

int cmd_plan_offices(ctx *x, const args *a)
{
	ps_offices_view *v = NULL;
	int rc = ps_view_offices(&v, x->r);
	if (rc)
		return fail(rc);
	render_rows(stdout, fmt_of(a), &office_view, v->v, v->n);
	ps_offices_view_free(v);
	return 0;
}

static const column period_cols[] = {
    COL_S(ps_period_row, id, "id", "period"),         COL_S(ps_period_row, kind, "kind", "kind"),
    COL_S(ps_period_row, start, "start", "start"),    COL_S(ps_period_row, end, "end", "end"),
    COL_S(ps_period_row, due, "due", "due"),          COL_S(ps_period_row, state, "state", "state"),
    COL_S(ps_period_row, closed, "closed", "closed"), COL_O(ps_period_row, order, "order", NULL),
};
static const view period_view = VIEW(ps_period_row, period_cols);

int cmd_plan_periods(ctx *x, const args *a)
{
	ps_periods_view *v = NULL;
	int rc = ps_view_periods(&v, x->r);
	if (rc)
		return fail(rc);
	render_rows(stdout, fmt_of(a), &period_view, v->v, v->n);
	ps_periods_view_free(v);
	return 0;
}

static const column target_cols[] = {
    COL_S(ps_target_row, id, "id", NULL),
    COL_S(ps_target_row, office, "office", "office"),
    COL_S(ps_target_row, task, "task", "task"),
    COL_S(ps_target_row, deadline, "deadline", "deadline"),
    COL_S(ps_target_row, deadline_text, "deadline_text", "as written"),
    COL_O(ps_target_row, order, "order", NULL),
    COL_S(ps_target_row, text, "text", "target"),
};
static const view target_view = VIEW(ps_target_row, target_cols);

int cmd_plan_targets(ctx *x, const args *a)
{
	const plan_targets_opts *opt = a->opts;
	ps_targets_view *v = NULL;
	int rc = ps_view_targets(&v, x->r, opt->office);
	if (rc)
		return fail(rc);
	render_rows(stdout, fmt_of(a), &target_view, v->v, v->n);
	ps_targets_view_free(v);
	return 0;
}
