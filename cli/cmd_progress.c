/* cmd_progress.c - plansync progress set|show|import|withdraw */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/progress.h"
#include "plansync/views.h"
#include "render.h"

/* --status, --percent and --actual are record fields: strings the library
 * checks, as it checks the same columns of a CSV import (exit 3, not 2). */
typedef struct progress_set_opts {
	const char *status, *percent, *actual, *note, *reporter, *reason;
	opt_list evidence;
} progress_set_opts;
static const opt_spec progress_set_spec[] = {
    OPT_STRING('s', "status", progress_set_opts, status, "S",
               "not_started, on_track, at_risk, delayed, done or cancelled"),
    OPT_STRING('p', "percent", progress_set_opts, percent, "N", "completion, a whole number 0-100"),
    OPT_STRING('a', "actual", progress_set_opts, actual, "V", "the actual value reached (a decimal, kept exactly)"),
    OPT_STRING('n', "note", progress_set_opts, note, "TEXT", "a note for the province"),
    OPT_LIST('e', "evidence", progress_set_opts, evidence, "REF", "a reference to a document or file"),
    OPT_STRING(0, "reporter", progress_set_opts, reporter, "NAME", "who reports (default: user.name)"),
    OPT_STRING('m', "reason", progress_set_opts, reason, "TEXT", "why this changed (kept in the history)"),
    OPT_END,
};
const opt_table opts_progress_set = {progress_set_spec, sizeof(progress_set_opts)};

typedef struct progress_show_opts {
	const char *office, *task, *period, *status, *program;
	bool late;
} progress_show_opts;
static const opt_spec progress_show_spec[] = {
    OPT_STRING('o', "office", progress_show_opts, office, "O", "only office O"),
    OPT_STRING('t', "task", progress_show_opts, task, "T", "only task T"),
    OPT_STRING('p', "period", progress_show_opts, period, "P", "only period P"),
    OPT_STRING('s', "status", progress_show_opts, status, "S", "only reports with status S (done, delayed, ...)"),
    OPT_STRING(0, "program", progress_show_opts, program, "P", "only the tasks of program P (p1 ... p5)"),
    OPT_BOOL(0, "late", progress_show_opts, late,
             "only reports the province received after the period's due date (its receipt says late)"),
    OPT_END,
};
const opt_table opts_progress_show = {progress_show_spec, sizeof(progress_show_opts)};

int cmd_progress_set(ctx *x, const args *a)
{
	const progress_set_opts *opt = a->opts;
	ps_progress_in in = {opt->status,   opt->percent,    opt->actual,    opt->note,
	                     opt->reporter, opt->evidence.v, opt->evidence.n};
	char *id = NULL;
	int rc = ps_progress_set(x->r, a->pos[0], a->pos[1], &in, opt->reason, &id);
	if (rc == PS_EEXISTS) {
		fprintf(stderr, "plansync: %s\n", ps_error_last());
		return 0;
	}
	if (rc)
		return fail(rc);
	char what[300];
	snprintf(what, sizeof(what), "recorded %s %s for %s", a->pos[0], a->pos[1], ps_replica_office(x->r));
	return print_written(a, what, id);
}

static const column progress_cols[] = {
    COL_S(ps_progress_row, office, "office", "office"), COL_S(ps_progress_row, task, "task", "task"),
    COL_S(ps_progress_row, period, "period", "period"), COL_S(ps_progress_row, status, "status", "status"),
    COL_O(ps_progress_row, percent, "percent", "%"),    COL_S(ps_progress_row, actual, "actual", "actual"),
    COL_S(ps_progress_row, author, "author", "by"),     COL_T(ps_progress_row, updated, "updated", NULL),
    COL_S(ps_progress_row, reporter, "reporter", NULL), COL_V(ps_progress_row, evidence, nevidence, "evidence", NULL),
    COL_S(ps_progress_row, note, "note", "note"),
};
static const view progress_view = VIEW(ps_progress_row, progress_cols);

int cmd_progress_show(ctx *x, const args *a)
{
	const progress_show_opts *opt = a->opts;
	ps_progress_view *v = NULL;
	ps_progress_filter f = {opt->office, opt->task, opt->period, opt->status, opt->program, opt->late};
	int rc = ps_view_progress_where(&v, x->r, &f);
	if (rc)
		return fail(rc);
	render_rows(stdout, fmt_of(a), &progress_view, v->v, v->n);
	ps_progress_view_free(v);
	return 0;
}

typedef struct progress_withdraw_opts {
	const char *reason;
} progress_withdraw_opts;
static const opt_spec progress_withdraw_spec[] = {
    OPT_STRING('m', "reason", progress_withdraw_opts, reason, "TEXT",
               "why it is withdrawn (required; kept in the history)"),
    OPT_END,
};
const opt_table opts_progress_withdraw = {progress_withdraw_spec, sizeof(progress_withdraw_opts)};

int cmd_progress_withdraw(ctx *x, const args *a)
{
	const progress_withdraw_opts *opt = a->opts;
	if (!opt->reason)
		return fail_msg(EXIT_USAGE,
		                "progress withdraw: --reason TEXT is required: say why the report is taken back");
	char *id = NULL;
	int rc = ps_progress_withdraw(x->r, a->pos[0], a->pos[1], opt->reason, &id);
	if (rc)
		return fail(rc);
	char what[300];
	snprintf(what, sizeof(what), "withdrew the report of %s on %s %s", ps_replica_office(x->r), a->pos[0],
	         a->pos[1]);
	return print_written(a, what, id);
}

int cmd_progress_import(ctx *x, const args *a)
{
	char *data = NULL, *report = NULL;
	size_t len;
	long written = 0;
	int rc = read_file(a->pos[0], &data, &len);
	if (rc)
		return fail(rc);
	rc = ps_progress_import_csv(x->r, data, len, &report, &written);
	free(data);
	if (rc) {
		if (report)
			fputs(report, stderr);
		free(report);
		return fail(rc);
	}
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "changes", (double)written);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("imported %s: %ld changes\n", a->pos[0], written);
	}
	return 0;
}
