/* cmd_report.c - plansync report coverage|programs|targets|office|sync|html:
 * the province's reports, offline, from the replica's own database.
 *
 * Each report comes from plansync/report.h and prints as a table that
 * fits 80 columns (cells wrap, nothing is cut), --json, --csv (UTF-8 with
 * a byte order mark; --sep ';' for a Vietnamese Excel) or --html (one
 * self-contained page). 'report html -o DIR' writes the dashboard site
 * (report_site.c). The column descriptions here name the members of the
 * report structs, so a renamed member breaks the build. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "render.h"
#include "report_out.h"
#include "plansync/error.h"
#include "plansync/json.h"

#define WIDTH 80

typedef struct report_opts {
	const char *period, *date, *sep, *out;
	bool csv, html;
} report_opts;

#define OPT_CSV  OPT_BOOL(0, "csv", report_opts, csv, "print CSV (UTF-8 with a byte order mark, for a spreadsheet)")
#define OPT_HTML OPT_BOOL(0, "html", report_opts, html, "print one self-contained HTML page")
#define OPT_SEP                                                                                                        \
	OPT_STRING(0, "sep", report_opts, sep, "C", "the CSV separator: ',' (default) or ';' (Vietnamese Excel)")
#define OPT_DATE                                                                                                       \
	OPT_STRING(0, "date", report_opts, date, "YYYY-MM-DD", "judge deadlines as of this day (default: today)")

static const opt_spec coverage_spec[] = {
    OPT_STRING('p', "period", report_opts, period, "P", "the period (required; the list: plansync plan periods)"),
    OPT_CSV, OPT_HTML, OPT_SEP, OPT_END};
const opt_table opts_report_coverage = {coverage_spec, sizeof(report_opts)};
static const opt_spec programs_spec[] = {
    OPT_STRING('p', "period", report_opts, period, "P", "only reports for period P (default: each task's latest)"),
    OPT_CSV, OPT_HTML, OPT_SEP, OPT_END};
const opt_table opts_report_programs = {programs_spec, sizeof(report_opts)};
const opt_table opts_report_office = {programs_spec, sizeof(report_opts)};
static const opt_spec targets_spec[] = {OPT_DATE, OPT_CSV, OPT_HTML, OPT_SEP, OPT_END};
const opt_table opts_report_targets = {targets_spec, sizeof(report_opts)};
static const opt_spec sync_spec[] = {OPT_CSV, OPT_HTML, OPT_SEP, OPT_END};
const opt_table opts_report_sync = {sync_spec, sizeof(report_opts)};
static const opt_spec html_spec[] = {
    OPT_STRING('o', "output", report_opts, out, "DIR", "the directory to write (required; index.html is its entry)"),
    OPT_STRING('p', "period", report_opts, period, "P",
               "the period of the coverage grid (default: the latest reported)"),
    OPT_DATE, OPT_END};
const opt_table opts_report_html = {html_spec, sizeof(report_opts)};

/* The format and CSV separator the options ask for; EXIT_USAGE after
 * saying why when they contradict each other. */
static int out_format(const args *a, fmt *f, char *sep)
{
	const report_opts *o = a->opts;
	int n = (a->json || a->format) + o->csv + o->html;
	if (n > 1)
		return fail_msg(EXIT_USAGE, "report: give one of --json, --csv, --html or --format, not several");
	*f = o->csv ? FMT_CSV : o->html ? FMT_HTML : fmt_of(a);
	*sep = ',';
	if (o->sep) {
		if (*f != FMT_CSV)
			return fail_msg(EXIT_USAGE, "report: --sep is for CSV output: add --csv");
		if (strcmp(o->sep, ",") && strcmp(o->sep, ";"))
			return fail_msg(EXIT_USAGE, "report: --sep takes ',' or ';', not \"%s\"", o->sep);
		*sep = o->sep[0];
	}
	return 0;
}

/* Ids are stored lower-case: what a person typed, matched as such. */
static const char *lower(char *buf, size_t n, const char *s)
{
	if (!s)
		return NULL;
	size_t i = 0;
	for (; s[i] && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}

/* Today (local time) as YYYY-MM-DD, or --date checked. */
static int today_of(const report_opts *o, char out[11])
{
	if (o->date) {
		int y, m, d;
		char tail;
		if (strlen(o->date) != 10 || sscanf(o->date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 ||
		    m > 12 || d < 1 || d > 31)
			return fail_msg(EXIT_USAGE, "report: --date takes a day as YYYY-MM-DD, not \"%s\"", o->date);
		memcpy(out, o->date, 11);
		return 0;
	}
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

static void print_obj(cJSON *j)
{
	print_json(j);
	cJSON_Delete(j);
}

static void add_str(cJSON *j, const char *k, const char *v)
{
	cJSON_AddItemToObject(j, k, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static int open_data(ctx *x, ps_report **d)
{
	int rc = ps_report_open(d, x->r);
	return rc ? fail(rc) : 0;
}

/* ---- coverage ---- */

static const column cell_cols[] = {
    COL_S(ps_cov_cell, task, "task", "task"),    COL_S(ps_cov_cell, state, "state", "state"),
    COL_B(ps_cov_cell, late, "late", "late"),    COL_S(ps_cov_cell, status, "status", "status"),
    COL_O(ps_cov_cell, percent, "percent", "%"),
};
static const view cell_view = VIEW(ps_cov_cell, cell_cols);
static const column cov_cols[] = {
    COL_S(ps_cov_office, office, "office", NULL),     COL_S(ps_cov_office, name, "name", NULL),
    COL_L(ps_cov_office, total, "tasks_total", NULL), COL_L(ps_cov_office, reported, "reported", NULL),
    COL_L(ps_cov_office, missing, "missing", NULL),   COL_L(ps_cov_office, returned, "returned", NULL),
    COL_L(ps_cov_office, accepted, "accepted", NULL), COL_L(ps_cov_office, changed, "changed_since_accepted", NULL),
    COL_L(ps_cov_office, late, "late", NULL),         COL_R(ps_cov_office, tasks, ntasks, "tasks", &cell_view),
};
static const view cov_view = VIEW(ps_cov_office, cov_cols);

static void coverage_text(const ps_coverage *c)
{
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
	rt_print(t, stdout, WIDTH);
	rt_free(t);
	printf("\n%ld of %zu offices have reported every task.\n", complete, c->n);
}

static void coverage_csv(const ps_report *d, const ps_coverage *c, char sep)
{
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
		long v[] = {o->reported, o->missing, o->returned, o->accepted, o->changed, o->late};
		for (int k = 0; k < 6; k++)
			snprintf(num[k], sizeof(num[k]), "%ld", v[k]);
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

int cmd_report_coverage(ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	fmt f;
	char sep, pbuf[64];
	int rc = out_format(a, &f, &sep);
	if (rc)
		return rc;
	if (!o->period)
		return fail_msg(EXIT_USAGE,
		                "report coverage: --period P is required (the list: plansync plan periods)");
	ps_report *d = NULL;
	ps_coverage *c = NULL;
	if ((rc = open_data(x, &d)))
		return rc;
	if ((rc = ps_report_coverage(&c, d, lower(pbuf, sizeof(pbuf), o->period)))) {
		rc = fail(rc);
	} else if (f == FMT_JSON) {
		cJSON *j = cJSON_CreateObject();
		add_str(j, "period", c->period);
		add_str(j, "due", c->due);
		add_str(j, "closed", c->closed);
		cJSON_AddItemToObject(j, "offices", render_json_rows(&cov_view, c->offices, c->n));
		print_obj(j);
	} else if (f == FMT_CSV) {
		coverage_csv(d, c, sep);
	} else if (f == FMT_HTML) {
		html_begin(stdout, "Báo cáo tiến độ — kỳ báo cáo", false);
		html_coverage(stdout, d, c, NULL);
		html_end(stdout);
	} else {
		coverage_text(c);
	}
	ps_report_free(d);
	return rc;
}

/* ---- programs ---- */

static const column prog_cols[] = {
    COL_S(ps_prog_row, program, "program", "program"),
    COL_S(ps_prog_row, scope, "scope", NULL),
    COL_S(ps_prog_row, office, "office", "office"),
    COL_S(ps_prog_row, name, "name", NULL),
    COL_L(ps_prog_row, cells, "tasks", "tasks"),
    COL_L(ps_prog_row, reported, "reported", "reported"),
    COL_L(ps_prog_row, missing, "missing", NULL),
    COL_O(ps_prog_row, percent, "percent", "mean %"),
    COL_L(ps_prog_row, done, "done", "done"),
    COL_L(ps_prog_row, on_track, "on_track", "on track"),
    COL_L(ps_prog_row, at_risk, "at_risk", "at risk"),
    COL_L(ps_prog_row, delayed, "delayed", "delayed"),
    COL_L(ps_prog_row, not_started, "not_started", "not started"),
    COL_L(ps_prog_row, cancelled, "cancelled", "cancelled"),
    COL_S(ps_prog_row, title, "title", NULL),
};
static const view prog_view = VIEW(ps_prog_row, prog_cols);

static void programs_text(const ps_programs_report *p)
{
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
	rt_print(t, stdout, WIDTH);
	rt_free(t);
}

int cmd_report_programs(ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	fmt f;
	char sep, pbuf[64];
	int rc = out_format(a, &f, &sep);
	if (rc)
		return rc;
	ps_report *d = NULL;
	ps_programs_report *p = NULL;
	if ((rc = open_data(x, &d)))
		return rc;
	if ((rc = ps_report_programs(&p, d, lower(pbuf, sizeof(pbuf), o->period)))) {
		rc = fail(rc);
	} else if (f == FMT_JSON) {
		cJSON *j = cJSON_CreateObject();
		add_str(j, "period", p->period);
		cJSON_AddItemToObject(j, "rows", render_json_rows(&prog_view, p->rows, p->n));
		print_obj(j);
	} else if (f == FMT_CSV) {
		report_csv_view(stdout, &prog_view, p->rows, p->n, sep, true);
	} else if (f == FMT_HTML) {
		html_begin(stdout, "Tiến độ theo chương trình", false);
		html_programs(stdout, d, p);
		html_end(stdout);
	} else {
		programs_text(p);
	}
	ps_report_free(d);
	return rc;
}

/* ---- targets ---- */

static const column verdict_cols[] = {
    COL_S(ps_target_verdict, verdict, "verdict", "verdict"),
    COL_S(ps_target_verdict, office, "office", "office"),
    COL_S(ps_target_verdict, name, "name", NULL),
    COL_S(ps_target_verdict, task, "task", "task"),
    COL_S(ps_target_verdict, deadline, "deadline", "deadline"),
    COL_S(ps_target_verdict, deadline_text, "deadline_text", NULL),
    COL_S(ps_target_verdict, period, "period", "period"),
    COL_S(ps_target_verdict, status, "status", "status"),
    COL_O(ps_target_verdict, percent, "percent", "%"),
    COL_S(ps_target_verdict, target, "target", NULL),
    COL_S(ps_target_verdict, text, "text", "target"),
};
static const view verdict_view = VIEW(ps_target_verdict, verdict_cols);

/* One line per target, its words beneath it. */
static void targets_text(const ps_targets_report *t)
{
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
	rt_print(tb, stdout, WIDTH);
	rt_free(tb);
}

int cmd_report_targets(ctx *x, const args *a)
{
	fmt f;
	char sep, today[11];
	int rc = out_format(a, &f, &sep);
	if (rc || (rc = today_of(a->opts, today)))
		return rc;
	ps_report *d = NULL;
	ps_targets_report *t = NULL;
	if ((rc = open_data(x, &d)))
		return rc;
	if ((rc = ps_report_targets(&t, d, today))) {
		rc = fail(rc);
	} else if (f == FMT_JSON) {
		cJSON *j = cJSON_CreateObject(), *n = cJSON_CreateObject();
		add_str(j, "today", t->today);
		cJSON_AddNumberToObject(n, "late", (double)t->late);
		cJSON_AddNumberToObject(n, "at_risk", (double)t->at_risk);
		cJSON_AddNumberToObject(n, "no_report", (double)t->no_report);
		cJSON_AddNumberToObject(n, "on_track", (double)t->on_track);
		cJSON_AddNumberToObject(n, "met", (double)t->met);
		cJSON_AddItemToObject(j, "counts", n);
		cJSON_AddItemToObject(j, "targets", render_json_rows(&verdict_view, t->rows, t->n));
		print_obj(j);
	} else if (f == FMT_CSV) {
		report_csv_view(stdout, &verdict_view, t->rows, t->n, sep, true);
	} else if (f == FMT_HTML) {
		html_begin(stdout, "Chỉ tiêu của các địa phương", false);
		html_targets(stdout, t, false);
		html_end(stdout);
	} else {
		printf("District targets as of %s:\n%ld late, %ld at risk, %ld without a report, %ld on track, %ld "
		       "met\n\n",
		       t->today, t->late, t->at_risk, t->no_report, t->on_track, t->met);
		targets_text(t);
	}
	ps_report_free(d);
	return rc;
}

/* ---- one office ---- */

static const column sheet_cols[] = {
    COL_S(ps_sheet_row, task, "task", "task"),
    COL_S(ps_sheet_row, program, "program", NULL),
    COL_S(ps_sheet_row, period, "period", "period"),
    COL_S(ps_sheet_row, state, "state", "state"),
    COL_B(ps_sheet_row, late, "late", NULL),
    COL_S(ps_sheet_row, status, "status", "status"),
    COL_O(ps_sheet_row, percent, "percent", "%"),
    COL_S(ps_sheet_row, actual, "actual", NULL),
    COL_S(ps_sheet_row, note, "note", "note"),
    COL_S(ps_sheet_row, reporter, "reporter", NULL),
    COL_V(ps_sheet_row, evidence, nevidence, "evidence", NULL),
    COL_T(ps_sheet_row, updated, "updated", NULL),
    COL_S(ps_sheet_row, author, "author", NULL),
    COL_S(ps_sheet_row, comment, "comment", NULL),
    COL_S(ps_sheet_row, target, "target", NULL),
    COL_S(ps_sheet_row, deadline, "deadline", NULL),
};
static const view sheet_view = VIEW(ps_sheet_row, sheet_cols);

int cmd_report_office(ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	fmt f;
	char sep, pbuf[64], obuf[64];
	int rc = out_format(a, &f, &sep);
	if (rc)
		return rc;
	ps_report *d = NULL;
	ps_office_sheet *s = NULL;
	if ((rc = open_data(x, &d)))
		return rc;
	if ((rc =
	         ps_report_office(&s, d, lower(obuf, sizeof(obuf), a->pos[0]), lower(pbuf, sizeof(pbuf), o->period)))) {
		rc = fail(rc);
	} else if (f == FMT_JSON) {
		cJSON *j = cJSON_CreateObject();
		add_str(j, "office", s->office);
		add_str(j, "name", s->name);
		add_str(j, "period", s->period);
		cJSON_AddNumberToObject(j, "reported", (double)s->reported);
		cJSON_AddNumberToObject(j, "missing", (double)s->missing);
		cJSON_AddItemToObject(j, "tasks", render_json_rows(&sheet_view, s->rows, s->n));
		print_obj(j);
	} else if (f == FMT_CSV) {
		report_csv_view(stdout, &sheet_view, s->rows, s->n, sep, true);
	} else if (f == FMT_HTML) {
		html_begin(stdout, s->name ? s->name : s->office, false);
		html_sheet(stdout, d, s);
		html_end(stdout);
	} else {
		char *nm = text_safe(s->name ? s->name : s->office);
		printf("%s (%s), %s: %ld of %zu tasks reported\n\n", nm ? nm : "", s->office,
		       s->period ? s->period : "latest reports", s->reported, s->n);
		free(nm);
		rt *t = rt_view(&sheet_view);
		for (size_t i = 0; i < s->n; i++) {
			rt_view_rows(t, &sheet_view, &s->rows[i], 1);
			if (s->rows[i].comment) {
				char *c = malloc(strlen(s->rows[i].comment) + 32);
				if (c)
					sprintf(c, "the province: %s", s->rows[i].comment);
				rt_note(t, c);
				free(c);
			}
		}
		rt_print(t, stdout, WIDTH);
		rt_free(t);
	}
	ps_report_free(d);
	return rc;
}

/* ---- sync ---- */

static const column sync_cols[] = {
    COL_S(ps_sync_row, office, "office", "office"),
    COL_S(ps_sync_row, name, "name", NULL),
    COL_S(ps_sync_row, replica, "replica", "replica"),
    COL_B(ps_sync_row, own, "own", NULL),
    COL_B(ps_sync_row, enrolled, "enrolled", NULL),
    COL_T(ps_sync_row, last, "last", "last change"),
    COL_T(ps_sync_row, received, "received", "received"),
    COL_L(ps_sync_row, changes, "changes", "changes"),
    COL_L(ps_sync_row, held_future, "held_future", "held"),
    COL_L(ps_sync_row, held_unplanned, "held_unplanned", "unplanned"),
    COL_L(ps_sync_row, problems, "problems", "problems"),
};
static const view sync_view = VIEW(ps_sync_row, sync_cols);

/* A time for a narrow column: local "2026-11-29 09:10". */
static void short_time(int64_t ms, char out[24])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	out[0] = '\0';
	if (ms && localtime_r(&t, &tm))
		strftime(out, 24, "%Y-%m-%d %H:%M", &tm);
}

static void sync_text(const ps_sync_report *s)
{
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
	rt_print(t, stdout, WIDTH);
	rt_free(t);
}

int cmd_report_sync(ctx *x, const args *a)
{
	fmt f;
	char sep;
	int rc = out_format(a, &f, &sep);
	if (rc)
		return rc;
	ps_sync_report *s = NULL;
	if ((rc = ps_report_sync(&s, x->r)))
		return fail(rc);
	if (f == FMT_JSON) {
		cJSON *j = render_json_rows(&sync_view, s->rows, s->n);
		print_obj(j);
	} else if (f == FMT_CSV) {
		report_csv_view(stdout, &sync_view, s->rows, s->n, sep, true);
	} else if (f == FMT_HTML) {
		html_begin(stdout, "Đồng bộ", false);
		html_sync(stdout, s);
		html_end(stdout);
	} else {
		sync_text(s);
	}
	ps_sync_report_free(s);
	return 0;
}

/* ---- the dashboard ---- */

int cmd_report_html(ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	char today[11], pbuf[64];
	int rc = today_of(o, today);
	if (rc)
		return rc;
	if (!o->out)
		return fail_msg(EXIT_USAGE, "report html: -o DIR is required (the directory to write)");
	ps_report *d = NULL;
	if ((rc = open_data(x, &d)))
		return rc;
	const char *period = lower(pbuf, sizeof(pbuf), o->period);
	if (!period && ps_report_default_period(d))
		period = ps_report_default_period(d)->id;
	if ((rc = report_site_write(x->r, d, o->out, period, today)))
		rc = fail(rc);
	else if (a->json) {
		cJSON *j = cJSON_CreateObject();
		add_str(j, "dir", o->out);
		add_str(j, "period", period);
		print_obj(j);
	} else
		printf("dashboard written; open %s/index.html in a browser (works from a USB stick, no network)\n",
		       o->out);
	ps_report_free(d);
	return rc;
}
