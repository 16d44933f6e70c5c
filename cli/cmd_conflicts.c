/* cmd_conflicts.c - plansync conflicts; plansync resolve RECORD FIELD.
 * Text shows each conflict with its versions as a table; CSV and HTML give
 * the versions as one cell per conflict (render.c), JSON as an array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/resolve.h"
#include "plansync/views.h"
#include "render.h"

typedef struct resolve_opts {
	const char *take, *value;
} resolve_opts;
static const opt_spec resolve_spec[] = {
    OPT_STRING('t', "take", resolve_opts, take, "CHANGE-ID", "keep the value of this version"),
    OPT_STRING('v', "value", resolve_opts, value, "VALUE", "write this value instead (JSON, or plain text)"),
    OPT_END,
};
const opt_table opts_resolve = {resolve_spec, sizeof(resolve_opts)};

static const column version_cols[] = {
    COL_S(ps_conflict_version, id, "id", "change"),           COL_S(ps_conflict_version, office, "office", "office"),
    COL_S(ps_conflict_version, author, "author", "author"),   COL_T(ps_conflict_version, time, "time", "time"),
    COL_J(ps_conflict_version, value_json, "value", "value"),
};
static const view version_view = VIEW(ps_conflict_version, version_cols);
static const column conflict_cols[] = {
    COL_S(ps_conflict_row, record, "record", "record"),
    COL_S(ps_conflict_row, field, "field", "field"),
    COL_J(ps_conflict_row, value_json, "value", "applied for now"),
    COL_S(ps_conflict_row, winner, "winner", "from change"),
    COL_R(ps_conflict_row, versions, nversions, "versions", &version_view),
};
static const view conflict_view = VIEW(ps_conflict_row, conflict_cols);

int cmd_conflicts(ctx *x, const args *a)
{
	ps_conflicts_view *v = NULL;
	int rc = ps_view_conflicts(&v, x->r);
	if (rc)
		return fail(rc);
	fmt f = fmt_of(a);
	if (f != FMT_TABLE) {
		render_rows(stdout, f, &conflict_view, v->v, v->n);
	} else if (!v->n) {
		printf("no conflicts\n");
	} else {
		for (size_t i = 0; i < v->n; i++) {
			const ps_conflict_row *c = &v->v[i];
			char *val = render_cell(&conflict_cols[2], c);
			char *rec = text_safe(c->record), *fld = text_safe(c->field), *vs = text_safe(val);
			printf("%s  %s  (applied everywhere for now: %s)\n", rec ? rec : "", fld ? fld : "",
			       vs ? vs : "");
			free(val);
			free(rec);
			free(fld);
			free(vs);
			render_rows(stdout, f, &version_view, c->versions, c->nversions);
			printf("\n");
		}
		printf("settle one with: plansync resolve RECORD FIELD --take CHANGE-ID (or --value VALUE; for\n"
		       "@exists, whether the record exists, only --take)\n");
	}
	ps_conflicts_view_free(v);
	return 0;
}

int cmd_resolve(ctx *x, const args *a)
{
	const resolve_opts *opt = a->opts;
	const char *take = opt->take, *value = opt->value;
	if (!take == !value)
		return fail_msg(EXIT_USAGE, "resolve: give exactly one of --take CHANGE-ID or --value VALUE");
	char *id = NULL;
	int rc = ps_resolve(x->r, a->pos[0], a->pos[1], take, value, &id);
	if (rc)
		return fail(rc);
	char what[300];
	snprintf(what, sizeof(what), "resolved %s %s", a->pos[0], a->pos[1]);
	return print_written(a, what, id);
}
