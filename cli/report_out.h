/* report_out.h - how the reports are shown (cli/report_*.c): text tables
 * that wrap to a width, CSV with a chosen separator, HTML sections and
 * pages, and the static dashboard site. The reports themselves come from
 * plansync/report.h; nothing here reads the replica. */
#ifndef PLANSYNC_REPORT_OUT_H
#define PLANSYNC_REPORT_OUT_H
#include <stdbool.h>
#include <stdio.h>
#include "render.h"
#include "plansync/report.h"

/* The width every report's text fits: a terminal, a printed page. */
#define REPORT_WIDTH 80

/* ---- text tables (report_text.c) ---- */
typedef struct rt rt;
/* A table of nc columns (at most 16) with these headers; NULL when out of
 * memory (every rt_ function accepts NULL). */
rt *rt_new(int nc, const char *const *heads);
/* A table of the columns of v that have a table header. */
rt *rt_view(const view *v);
void rt_row(rt *t, const char *const *cells);
void rt_view_rows(rt *t, const view *v, const void *rows, size_t n);
/* A text printed beneath the last row added, under its second column,
 * wrapped to the width (a target's words, too long for a column). */
void rt_note(rt *t, const char *text);
/* Print within width columns: cells wrap at spaces; a column never gets
 * narrower than its longest word (up to 24 columns). */
void rt_print(rt *t, FILE *to, size_t width);
void rt_free(rt *t);

/* ---- CSV (report_text.c) ---- */
/* A cell for a file separated by sep (',' or ';'): quoted when it holds
 * sep, a quote or a line end; a formula guarded as csv_cell does. */
void report_csv_cell(FILE *to, const char *s, char sep);
/* Rows of v with a header row (JSON names), CRLF line ends; bom: the
 * UTF-8 byte order mark first. */
void report_csv_view(FILE *to, const view *v, const void *rows, size_t n, char sep, bool bom);

/* ---- each report's text, and the coverage grid as CSV (report_print.c) ---- */
/* Each takes the report's struct (plansync/report.h) and prints it to
 * stdout as a table that fits 80 columns. */
void report_coverage_text(const void *coverage);
void report_coverage_csv(const ps_report *d, const void *coverage, char sep);
void report_programs_text(const void *programs);
void report_targets_text(const void *targets);
void report_sync_text(const void *sync);

/* ---- HTML (report_html.c) ---- */
/* A whole page: <!DOCTYPE>, the style (screen and print), a heading;
 * links back to index.html when back. */
void html_begin(FILE *to, const char *title, bool back);
void html_end(FILE *to);
/* Each report as a <section> with its id. */
void html_coverage(FILE *to, const ps_report *d, const ps_coverage *c, const char *office_href);
void html_programs(FILE *to, const ps_report *d, const ps_programs_report *p);
void html_targets(FILE *to, const ps_targets_report *t, bool late_only);
void html_sheet(FILE *to, const ps_report *d, const ps_office_sheet *s);
void html_sync(FILE *to, const ps_sync_report *s);
/* The Vietnamese label of a state, verdict or status ("missing": "Chưa báo cáo"). */
const char *html_label(const char *name);

/* ---- the dashboard (report_site.c) ---- */
/* Write the site into dir (created when absent; else an empty directory
 * or an earlier dashboard, a link followed): index.html and one page per
 * office, written into a temporary directory inside dir and renamed into
 * place; only the pages an earlier dashboard wrote are replaced. A library
 * error code, the message set; on an error dir is as it was. */
int report_site_write(ps_replica *r, ps_report *d, const char *dir, const char *period, const char *today);

#endif
