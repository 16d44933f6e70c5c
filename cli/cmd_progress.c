/* cmd_progress.c - plansync progress set|show|import */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/progress.h"
#include "plansync/views.h"
#include "render.h"

const opt_spec opts_progress_set[] = {
    {"status", 's', "S", 0, "not_started, on_track, at_risk, delayed, done or cancelled"},
    {"percent", 'p', "N", 0, "completion, a whole number 0-100"},
    {"actual", 'a', "V", 0, "the actual value reached (a decimal, kept exactly)"},
    {"note", 'n', "TEXT", 0, "a note for the province"},
    {"evidence", 'e', "REF", 1, "a reference to a document or file"},
    {"reporter", 0, "NAME", 0, "who reports (default: user.name)"},
    {"reason", 'm', "TEXT", 0, "why this changed (kept in the history)"},
    {NULL, 0, NULL, 0, NULL},
};
const opt_spec opts_progress_show[] = {
    {"office", 'o', "O", 0, "only office O"},
    {"task", 't', "T", 0, "only task T"},
    {"period", 'p', "P", 0, "only period P"},
    {NULL, 0, NULL, 0, NULL},
};
const opt_spec opts_progress_import[] = {{NULL, 0, NULL, 0, NULL}};

int cmd_progress_set(ctx *x, const args *a)
{
	const cmd *c = x->cmd;
	const char *const *ev;
	size_t nev = arg_multi(a, c, "evidence", &ev);
	ps_progress_in in = {arg_get(a, c, "status"),
	                     arg_get(a, c, "percent"),
	                     arg_get(a, c, "actual"),
	                     arg_get(a, c, "note"),
	                     arg_get(a, c, "reporter"),
	                     ev,
	                     nev};
	char *id = NULL;
	int rc = ps_progress_set(x->r, a->pos[0], a->pos[1], &in, arg_get(a, c, "reason"), &id);
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
	const cmd *c = x->cmd;
	ps_progress_view *v = NULL;
	int rc = ps_view_progress(&v, x->r, arg_get(a, c, "office"), arg_get(a, c, "task"), arg_get(a, c, "period"));
	if (rc)
		return fail(rc);
	render_rows(stdout, fmt_of(a), &progress_view, v->v, v->n);
	ps_progress_view_free(v);
	return 0;
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
