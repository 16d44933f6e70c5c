/* cmd_log.c - plansync log [RECORD | --office O --task T --period P]: the
 * changes to one record, to the reports of an office, task or period, or
 * to all, newest first, as text (one header line per change, its fields indented
 * under it) or as any --format. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/views.h"
#include "render.h"
#include "plansync/text.h"

typedef struct log_opts {
	long limit;
	const char *office, *task, *period;
} log_opts;
static const opt_spec log_spec[] = {
    OPT_INT('n', "limit", log_opts, limit, "N", 0, LONG_MAX, 50, "show at most N changes (default 50; 0 for all)"),
    OPT_STRING('o', "office", log_opts, office, "O", "only the reports of office O (progress, reviews, ...)"),
    OPT_STRING('t', "task", log_opts, task, "T", "only the reports on task T"),
    OPT_STRING('p', "period", log_opts, period, "P", "only the reports for period P"),
    OPT_END,
};
const opt_table opts_log = {log_spec, sizeof(log_opts)};

static const column field_cols[] = {
    COL_S(ps_log_field, field, "field", "field"),
    COL_J(ps_log_field, old_json, "old", "old"),
    COL_J(ps_log_field, new_json, "new", "new"),
};
static const view field_view = VIEW(ps_log_field, field_cols);
static const column log_cols[] = {
    COL_S(ps_log_entry, id, "id", "change"),
    COL_T(ps_log_entry, time, "time", "time"),
    COL_S(ps_log_entry, office, "office", "office"),
    COL_S(ps_log_entry, author, "author", "author"),
    COL_S(ps_log_entry, record, "record", "record"),
    COL_S(ps_log_entry, op, "op", "op"),
    COL_S(ps_log_entry, reason, "reason", "reason"),
    COL_R(ps_log_entry, fields, nfields, "fields", &field_view),
    COL_S(ps_log_entry, signer, "signer", "signer"),
    COL_S(ps_log_entry, signer_status, "signer_status", "signer status"),
    COL_S(ps_log_entry, signer_replica, "signer_replica", "signer replica"),
};
static const view log_view = VIEW(ps_log_entry, log_cols);

int cmd_log(ctx *x, const args *a)
{
	const log_opts *opt = a->opts;
	ps_log_view *v = NULL;
	bool match = opt->office || opt->task || opt->period;
	if (match && a->npos)
		return fail_msg(EXIT_USAGE, "log: give a RECORD or --office/--task/--period, not both");
	int rc = match ? ps_view_log_of(&v, x->r, opt->office, opt->task, opt->period, opt->limit)
	               : ps_view_log(&v, x->r, a->npos ? a->pos[0] : NULL, opt->limit);
	if (rc)
		return fail(rc);
	fmt f = fmt_of(a);
	if (f != FMT_TABLE) {
		render_rows(stdout, f, &log_view, v->v, v->n);
		ps_log_view_free(v);
		return 0;
	}
	/* Every value from the data through text_safe: a newline in another
	 * office's note must not start a line that reads as an entry. */
	for (size_t i = 0; i < v->n; i++) {
		const ps_log_entry *e = &v->v[i];
		char when[48];
		time_local(e->time, when);
		printf("%s  ", when);
		text_put(stdout, e->office);
		fputs("  ", stdout);
		text_put(stdout, e->author);
		fputs("  ", stdout);
		text_put(stdout, e->record);
		printf("%s\n", !strcmp(e->op, "retire") ? "  (retired)" : "");
		for (size_t k = 0; k < e->nfields; k++) {
			char *o = render_cell(&field_cols[1], &e->fields[k]);
			char *n = render_cell(&field_cols[2], &e->fields[k]);
			char *os = text_safe(o && *o ? o : "(none)"), *ns = text_safe(n);
			char *of = ps_text_fit(os ? os : "", 50), *nf = ps_text_fit(ns ? ns : "", 70);
			fputs("    ", stdout);
			text_put(stdout, e->fields[k].field);
			printf(": %s \xe2\x86\x92 %s\n", of ? of : "", nf ? nf : "");
			free(o);
			free(n);
			free(os);
			free(ns);
			free(of);
			free(nf);
		}
		if (e->reason && *e->reason) {
			fputs("    reason: ", stdout);
			text_put(stdout, e->reason);
			fputc('\n', stdout);
		}
		if (e->signer && *e->signer) {
			printf("    signed: %s (%s) by replica ", e->signer, e->signer_status);
			text_put(stdout, e->signer_replica);
			fputc('\n', stdout);
		}
	}
	ps_log_view_free(v);
	return 0;
}
