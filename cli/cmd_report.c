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
#include "plansync/review.h"

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

/* Today in the plan's time zone (UTC+7, as receipts) as YYYY-MM-DD, or
 * --date checked. */
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
	ps_plan_day((int64_t)time(NULL) * 1000, out);
	return 0;
}

static void add_str(cJSON *j, const char *k, const char *v)
{
	cJSON_AddItemToObject(j, k, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

/* What a report command needs: its read, and how it prints each format.
 * Every report is one row of this kind; run() does the rest. */
typedef struct report_kind {
	const char *title; /* of the --html page */
	/* The report in *out, from d (NULL for reports that read the replica
	 * themselves: release frees what they return). */
	int (*read)(const void **out, ps_report *d, ctx *x, const args *a);
	void (*release)(const void *v);
	cJSON *(*json)(const void *v);
	void (*csv)(const ps_report *d, const void *v, char sep);
	void (*html)(const ps_report *d, const void *v);
	void (*text)(const void *v);
} report_kind;

static int run(ctx *x, const args *a, const report_kind *k)
{
	fmt f = FMT_TABLE;
	char sep = ',';
	int rc = out_format(a, &f, &sep);
	if (rc)
		return rc;
	ps_report *d = NULL;
	const void *v = NULL;
	if ((!k->release && (rc = ps_report_open(&d, x->r))) || (rc = k->read(&v, d, x, a))) {
		rc = rc < 0 ? fail(rc) : rc;
	} else if (f == FMT_JSON) {
		cJSON *j = k->json(v);
		print_json(j);
		cJSON_Delete(j);
	} else if (f == FMT_CSV) {
		k->csv(d, v, sep);
	} else if (f == FMT_HTML) {
		html_begin(stdout, k->title, false);
		k->html(d, v);
		html_end(stdout);
	} else {
		k->text(v);
	}
	if (k->release)
		k->release(v);
	ps_report_free(d);
	return rc;
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

static int coverage_read(const void **out, ps_report *d, ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	char pbuf[64];
	(void)x;
	if (!o->period)
		return fail_msg(EXIT_USAGE,
		                "report coverage: --period P is required (the list: plansync plan periods)");
	return ps_report_coverage((ps_coverage **)out, d, lower(pbuf, sizeof(pbuf), o->period));
}

static cJSON *coverage_json(const void *v)
{
	const ps_coverage *c = v;
	cJSON *j = cJSON_CreateObject();
	add_str(j, "period", c->period);
	add_str(j, "due", c->due);
	add_str(j, "closed", c->closed);
	cJSON_AddItemToObject(j, "offices", render_json_rows(&cov_view, c->offices, c->n));
	return j;
}

static void coverage_html(const ps_report *d, const void *v)
{
	html_coverage(stdout, d, v, NULL);
}

static const report_kind coverage_kind = {
    "Tình hình báo cáo", coverage_read, NULL, coverage_json, report_coverage_csv, coverage_html, report_coverage_text};

int cmd_report_coverage(ctx *x, const args *a)
{
	return run(x, a, &coverage_kind);
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

static int programs_read(const void **out, ps_report *d, ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	char pbuf[64];
	(void)x;
	return ps_report_programs((ps_programs_report **)out, d, lower(pbuf, sizeof(pbuf), o->period));
}

static cJSON *programs_json(const void *v)
{
	const ps_programs_report *p = v;
	cJSON *j = cJSON_CreateObject();
	add_str(j, "period", p->period);
	cJSON_AddItemToObject(j, "rows", render_json_rows(&prog_view, p->rows, p->n));
	return j;
}

static void programs_csv(const ps_report *d, const void *v, char sep)
{
	const ps_programs_report *p = v;
	(void)d;
	report_csv_view(stdout, &prog_view, p->rows, p->n, sep, true);
}

static void programs_html(const ps_report *d, const void *v)
{
	html_programs(stdout, d, v);
}

static const report_kind programs_kind = {
    "Tiến độ theo chương trình", programs_read, NULL, programs_json, programs_csv, programs_html, report_programs_text};

int cmd_report_programs(ctx *x, const args *a)
{
	return run(x, a, &programs_kind);
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

static int targets_read(const void **out, ps_report *d, ctx *x, const args *a)
{
	char today[11];
	(void)x;
	int rc = today_of(a->opts, today);
	return rc ? rc : ps_report_targets((ps_targets_report **)out, d, today);
}

static cJSON *targets_json(const void *v)
{
	const ps_targets_report *t = v;
	cJSON *j = cJSON_CreateObject(), *n = cJSON_CreateObject();
	add_str(j, "today", t->today);
	cJSON_AddNumberToObject(n, "late", (double)t->late);
	cJSON_AddNumberToObject(n, "at_risk", (double)t->at_risk);
	cJSON_AddNumberToObject(n, "no_report", (double)t->no_report);
	cJSON_AddNumberToObject(n, "on_track", (double)t->on_track);
	cJSON_AddNumberToObject(n, "met", (double)t->met);
	cJSON_AddItemToObject(j, "counts", n);
	cJSON_AddItemToObject(j, "targets", render_json_rows(&verdict_view, t->rows, t->n));
	return j;
}

static void targets_csv(const ps_report *d, const void *v, char sep)
{
	const ps_targets_report *t = v;
	(void)d;
	report_csv_view(stdout, &verdict_view, t->rows, t->n, sep, true);
}

static void targets_html(const ps_report *d, const void *v)
{
	(void)d;
	html_targets(stdout, v, false);
}

static const report_kind targets_kind = {
    "Chỉ tiêu của các địa phương", targets_read, NULL, targets_json, targets_csv, targets_html, report_targets_text};

int cmd_report_targets(ctx *x, const args *a)
{
	return run(x, a, &targets_kind);
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

static int office_read(const void **out, ps_report *d, ctx *x, const args *a)
{
	const report_opts *o = a->opts;
	char pbuf[64], obuf[64];
	(void)x;
	return ps_report_office((ps_office_sheet **)out, d, lower(obuf, sizeof(obuf), a->pos[0]),
	                        lower(pbuf, sizeof(pbuf), o->period));
}

static cJSON *office_json(const void *v)
{
	const ps_office_sheet *s = v;
	cJSON *j = cJSON_CreateObject();
	add_str(j, "office", s->office);
	add_str(j, "name", s->name);
	add_str(j, "period", s->period);
	cJSON_AddNumberToObject(j, "reported", (double)s->reported);
	cJSON_AddNumberToObject(j, "missing", (double)s->missing);
	cJSON_AddItemToObject(j, "tasks", render_json_rows(&sheet_view, s->rows, s->n));
	return j;
}

static void office_csv(const ps_report *d, const void *v, char sep)
{
	const ps_office_sheet *s = v;
	(void)d;
	report_csv_view(stdout, &sheet_view, s->rows, s->n, sep, true);
}

static void office_html(const ps_report *d, const void *v)
{
	html_sheet(stdout, d, v);
}

static void office_text(const void *v)
{
	const ps_office_sheet *s = v;
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
	rt_print(t, stdout, REPORT_WIDTH);
	rt_free(t);
}

static const report_kind office_kind = {"Báo cáo của đơn vị", office_read, NULL,       office_json,
                                        office_csv,           office_html, office_text};

int cmd_report_office(ctx *x, const args *a)
{
	return run(x, a, &office_kind);
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

static int sync_read(const void **out, ps_report *d, ctx *x, const args *a)
{
	(void)d, (void)a;
	return ps_report_sync((ps_sync_report **)out, x->r);
}

static void sync_release(const void *v)
{
	ps_sync_report_free((ps_sync_report *)v);
}

static cJSON *sync_json(const void *v)
{
	const ps_sync_report *s = v;
	return render_json_rows(&sync_view, s->rows, s->n);
}

static void sync_csv(const ps_report *d, const void *v, char sep)
{
	const ps_sync_report *s = v;
	(void)d;
	report_csv_view(stdout, &sync_view, s->rows, s->n, sep, true);
}

static void sync_html(const ps_report *d, const void *v)
{
	(void)d;
	html_sync(stdout, v);
}

static const report_kind sync_kind = {"Tình hình đồng bộ", sync_read,       sync_release, sync_json, sync_csv,
                                      sync_html,           report_sync_text};

int cmd_report_sync(ctx *x, const args *a)
{
	return run(x, a, &sync_kind);
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
	if ((rc = ps_report_open(&d, x->r)))
		return fail(rc);
	const char *period = lower(pbuf, sizeof(pbuf), o->period);
	if (!period && ps_report_default_period(d))
		period = ps_report_default_period(d)->id;
	char *where = NULL;
	if ((rc = report_site_write(x->r, d, o->out, period, today))) {
		rc = fail(rc);
	} else {
		where = realpath(o->out, NULL); /* what a browser's address bar takes */
		if (a->json) {
			cJSON *j = cJSON_CreateObject();
			add_str(j, "dir", where ? where : o->out);
			add_str(j, "period", period);
			print_json(j);
			cJSON_Delete(j);
		} else {
			printf(
			    "dashboard written; open %s/index.html in a browser (works from a USB stick, no network)\n",
			    where ? where : o->out);
		}
	}
	free(where);
	ps_report_free(d);
	return rc;
}
