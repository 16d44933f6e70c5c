/* cmd_problems.c - plansync problems: what import quarantined from the
 * remote, this replica's own changes held back, reports held for the plan;
 * each fact under its own name (ps_problem_row). */
#include <stdio.h>
#include "cli.h"
#include "plansync/views.h"
#include "render.h"

static const column problem_cols[] = {
    COL_T(ps_problem_row, time, "time", "time"),       COL_S(ps_problem_row, branch, "branch", "branch"),
    COL_S(ps_problem_row, commit, "commit", "commit"), COL_S(ps_problem_row, path, "path", "path"),
    COL_S(ps_problem_row, change, "change", "change"), COL_S(ps_problem_row, record, "record", "record"),
    COL_S(ps_problem_row, reason, "reason", "reason"),
};
static const view problem_view = VIEW(ps_problem_row, problem_cols);

int cmd_problems(ctx *x, const args *a)
{
	ps_problems_view *v = NULL;
	int rc = ps_view_problems(&v, x->r);
	if (rc)
		return fail(rc);
	fmt f = fmt_of(a);
	if (f == FMT_TABLE && !v->n)
		printf("no problems\n");
	else
		render_rows(stdout, f, &problem_view, v->v, v->n);
	ps_problems_view_free(v);
	return 0;
}
