/* report_print.c - the reports' own text and CSV forms where a plain
 * list of columns does not say it best: the coverage as one line per
 * office with what is missing, and as a grid for a spreadsheet (one
 * column per task); programs with their statuses in words; targets with
 * their words beneath each row; the replicas with short times.
 *
 * Exports the report_*_text and report_coverage_csv functions of
 * report_out.h. Never reads the replica. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "report_out.h"
#include "plansync/json.h"

void report_coverage_text(const void *v)
{
	const ps_coverage *c = v;
	printf("Coverage of %s (due %s, %s)\n\n", c->period, c->due ? c->due : "not set",
	       c->closed ? "closed" : "open");
	const char *heads[] = {"office", "reported", "review, lateness and what is missing"};
	rt *t = rt_new(3, heads);
	long complete = 0;
	for (size_t i = 0; i < c->n; i++) {
		const ps_cov_office *o = &c->offices[i];
		char rep[32];
		snprintf(rep, sizeof(rep), "%ld of %ld", o->reported, o->total);
		ps_buf det = PS_BUF_INIT;
		const char *names[] = {"returned", "accepted", "changed since accepted", "late"};
		long n[] = {o->returned, o->accepted, o->changed, o->late};
		for (size_t k = 0; k < 4; k++)
			if (n[k])
				ps_buf_printf(&det, "%s%ld %s", det.len ? ", " : "", n[k], names[k]);
		if (o->missing == o->total)
			ps_buf_printf(&det, "%snothing reported", det.len ? "; " : "");
		else if (o->missing) {
			ps_buf_printf(&det, "%snot reported:", det.len ? "; " : "");
			for (size_t k = 0, first = 1; k < o->ntasks; k++)
				if (!strcmp(o->tasks[k].state, "missing")) {
					ps_buf_printf(&det, "%s %s", first ? "" : ",", o->tasks[k].task);
					first = 0;
				}
		}
		ps_buf_puts(&det, "");
		complete += !o->missing;
		const char *cells[] = {o->name ? o->name : o->office, rep, ps_buf_error(&det) ? "" : det.ptr};
		rt_row(t, cells);
		ps_buf_release(&det);
	}
	rt_print(t, stdout, REPORT_WIDTH);
	rt_free(t);
	printf("\n%ld of %zu offices have reported every task.\n", complete, c->n);
}

void report_coverage_csv(const ps_report *d, const void *v, char sep)
{
	const ps_coverage *c = v;
	fputs("\xef\xbb\xbf", stdout);
	const char *fixed[] = {
	    "office", "name", "reported", "missing", "returned", "accepted", "changed_since_accepted", "late"};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	for (size_t i = 0; i < nf; i++) {
		if (i)
			fputc(sep, stdout);
		report_csv_cell(stdout, fixed[i], sep);
	}
	for (size_t k = 0; k < d->ntasks; k++) {
		fputc(sep, stdout);
		report_csv_cell(stdout, d->tasks[k].id, sep);
	}
	fputs("\r\n", stdout);
	for (size_t i = 0; i < c->n; i++) {
		const ps_cov_office *o = &c->offices[i];
		char num[6][24];
		long vals[] = {o->reported, o->missing, o->returned, o->accepted, o->changed, o->late};
		for (int k = 0; k < 6; k++)
			snprintf(num[k], sizeof(num[k]), "%ld", vals[k]);
		const char *cells[] = {o->office, o->name ? o->name : "", num[0], num[1], num[2], num[3], num[4],
		                       num[5]};
		for (size_t k = 0; k < nf; k++) {
			if (k)
				fputc(sep, stdout);
			report_csv_cell(stdout, cells[k], sep);
		}
		for (size_t k = 0; k < o->ntasks; k++) {
			fputc(sep, stdout);
			report_csv_cell(stdout, o->tasks[k].state, sep);
		}
		fputs("\r\n", stdout);
	}
}

void report_programs_text(const void *v)
{
	const ps_programs_report *p = v;
	printf("Completion per program and office, the province's row first\n(%s)\n\n",
	       p->period ? p->period : "each task's latest report");
	const char *heads[] = {"program", "office", "reported", "mean %", "statuses"};
	rt *t = rt_new(5, heads);
	for (size_t i = 0; i < p->n; i++) {
		const ps_prog_row *r = &p->rows[i];
		char rep[32], pc[16];
		snprintf(rep, sizeof(rep), "%ld of %ld", r->reported, r->cells);
		snprintf(pc, sizeof(pc), "%ld", r->percent);
		ps_buf st = PS_BUF_INIT;
		const char *names[] = {"done", "on track", "at risk", "delayed", "not started", "cancelled"};
		long n[] = {r->done, r->on_track, r->at_risk, r->delayed, r->not_started, r->cancelled};
		for (size_t k = 0; k < 6; k++)
			if (n[k])
				ps_buf_printf(&st, "%s%ld %s", st.len ? ", " : "", n[k], names[k]);
		ps_buf_puts(&st, "");
		const char *cells[] = {r->program, strcmp(r->scope, "province") ? r->office : "(province)", rep,
		                       r->percent < 0 ? "" : pc, ps_buf_error(&st) ? "" : st.ptr};
		rt_row(t, cells);
		ps_buf_release(&st);
	}
	rt_print(t, stdout, REPORT_WIDTH);
	rt_free(t);
}

/* One line per target, its words beneath it. */
void report_targets_text(const void *v)
{
	const ps_targets_report *t = v;
	printf("District targets as of %s:\n%ld late, %ld at risk, %ld without a report, %ld on track, %ld met\n\n",
	       t->today, t->late, t->at_risk, t->no_report, t->on_track, t->met);
	const char *heads[] = {"verdict", "office", "task", "deadline", "latest report"};
	rt *tb = rt_new(5, heads);
	for (size_t i = 0; i < t->n; i++) {
		const ps_target_verdict *r = &t->rows[i];
		char latest[96] = "";
		if (r->period && r->percent >= 0)
			snprintf(latest, sizeof(latest), "%s: %s, %ld%%", r->period, r->status ? r->status : "-",
			         r->percent);
		else if (r->period)
			snprintf(latest, sizeof(latest), "%s: %s", r->period, r->status ? r->status : "-");
		const char *cells[] = {r->verdict, r->office, r->task, r->deadline ? r->deadline : "none", latest};
		rt_row(tb, cells);
		rt_note(tb, r->text);
	}
	rt_print(tb, stdout, REPORT_WIDTH);
	rt_free(tb);
}

/* A time for a narrow column: local "2026-11-29 09:10". */
static void short_time(int64_t ms, char out[24])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	out[0] = '\0';
	if (ms && localtime_r(&t, &tm))
		strftime(out, 24, "%Y-%m-%d %H:%M", &tm);
}

void report_sync_text(const void *v)
{
	const ps_sync_report *s = v;
	printf("Replicas this database has heard from (times local; replica: its id after the\n"
	       "office; held: changes stamped ahead of this clock or naming what the plan lacks;\n"
	       "problems: files quarantined; none: no replica of the office heard from yet)\n\n");
	const char *heads[] = {"office", "replica", "last change", "received", "changes", "held", "problems"};
	rt *t = rt_new(7, heads);
	for (size_t i = 0; i < s->n; i++) {
		const ps_sync_row *r = &s->rows[i];
		char last[24], recv[24], n[3][24];
		short_time(r->last, last);
		short_time(r->received, recv);
		snprintf(n[0], sizeof(n[0]), "%ld", r->changes);
		snprintf(n[1], sizeof(n[1]), "%ld", r->held_future + r->held_unplanned);
		snprintf(n[2], sizeof(n[2]), "%ld", r->problems);
		/* "tx-kinh-mon-pc1" under tx-kinh-mon: "pc1" */
		size_t ol = strlen(r->office);
		const char *rep = r->replica && !strncmp(r->replica, r->office, ol) && r->replica[ol] == '-'
		                      ? r->replica + ol + 1
		                      : r->replica;
		const char *cells[] = {r->office, rep ? rep : "none", last, r->own ? "this replica" : recv, n[0], n[1],
		                       n[2]};
		rt_row(t, cells);
	}
	rt_print(t, stdout, REPORT_WIDTH);
	rt_free(t);
}
