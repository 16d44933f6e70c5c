/* cmd_inbox.c - plansync inbox: what the province said about this office's
 * reports, returned ones first (with the comment), then those changed
 * since accepted, answered, accepted; newest first within each.
 *
 * The states come from ps_review_state's definition (lib/review.c); this
 * file only lays them out as a view (render.h). */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/review.h"
#include "render.h"

typedef struct inbox_opts {
	const char *office;
} inbox_opts;
static const opt_spec inbox_spec[] = {
    OPT_STRING('o', "office", inbox_opts, office, "O", "another office's reviews (default: this replica's office)"),
    OPT_END,
};
const opt_table opts_inbox = {inbox_spec, sizeof(inbox_opts)};

typedef struct inbox_row {
	const char *office, *task, *period, *state, *decision, *comment, *reviewer, *id;
	int64_t time;
} inbox_row;
static const column inbox_cols[] = {
    COL_S(inbox_row, office, "office", NULL),        COL_S(inbox_row, task, "task", "task"),
    COL_S(inbox_row, period, "period", "period"),    COL_S(inbox_row, state, "state", "state"),
    COL_S(inbox_row, decision, "decision", NULL),    COL_S(inbox_row, reviewer, "reviewer", "by"),
    COL_T(inbox_row, time, "time", "when"),          COL_S(inbox_row, id, "id", NULL),
    COL_S(inbox_row, comment, "comment", "comment"),
};
static const view inbox_view = VIEW(inbox_row, inbox_cols);

int cmd_inbox(ctx *x, const args *a)
{
	const inbox_opts *opt = a->opts;
	const char *office = opt->office ? opt->office : ps_replica_office(x->r);
	ps_inbox *b = NULL;
	int rc = opt->office ? ps_review_check_ids(x->r, office, NULL, NULL) : 0;
	if (rc || (rc = ps_inbox_read(&b, x->r, office)))
		return fail(rc);
	inbox_row *rows = calloc(b->n + 1, sizeof(inbox_row));
	if (!rows) {
		ps_inbox_free(b);
		return fail(ps_error_set(PS_ENOMEM, "out of memory"));
	}
	for (size_t i = 0; i < b->n; i++) {
		const ps_review_info *v = &b->v[i];
		rows[i] =
		    (inbox_row){v->office,   v->task, v->period, ps_rstate_name(v->state), v->decision, v->comment,
		                v->reviewer, v->id,   v->time};
	}
	fmt f = fmt_of(a);
	if (f == FMT_TABLE) {
		if (b->returned)
			printf("%zu report%s returned to %s: correct %s with plansync progress set TASK PERIOD ...\n\n",
			       b->returned, b->returned == 1 ? "" : "s", office, b->returned == 1 ? "it" : "them");
		else if (!b->n)
			printf("no reviews of %s's reports yet\n", office);
	}
	if (b->n || f != FMT_TABLE)
		render_rows(stdout, f, &inbox_view, rows, b->n);
	free(rows);
	ps_inbox_free(b);
	return 0;
}
