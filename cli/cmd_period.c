/* cmd_period.c - plansync period close|open P [--reason TEXT].
 *
 * Closing is a plan change of period/P (its "closed" time) that syncs like
 * any other; a district that knows of it needs --reason to report for P
 * (lib/review.c), and no reader refuses a report because of it. */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/review.h"

typedef struct period_opts {
	const char *reason;
} period_opts;
static const opt_spec period_spec[] = {
    OPT_STRING('m', "reason", period_opts, reason, "TEXT", "why (kept in the history)"),
    OPT_END,
};
const opt_table opts_period = {period_spec, sizeof(period_opts)};

static int set_closed(ctx *x, const args *a, bool close)
{
	const period_opts *opt = a->opts;
	char *id = NULL;
	int rc = ps_period_set_closed(x->r, a->pos[0], close, opt->reason, &id);
	if (rc == PS_EEXISTS) {
		fprintf(stderr, "plansync: %s\n", ps_error_last());
		return 0;
	}
	if (rc)
		return fail(rc);
	char what[200];
	snprintf(what, sizeof(what), "%s period %s", close ? "closed" : "opened", a->pos[0]);
	return print_written(a, what, id);
}

int cmd_period_close(ctx *x, const args *a)
{
	return set_closed(x, a, true);
}

int cmd_period_open(ctx *x, const args *a)
{
	return set_closed(x, a, false);
}
