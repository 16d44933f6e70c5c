/* report_site.c - plansync report html -o DIR: the dashboard, a static
 * site that opens from file:// (a USB stick, no server, no network, no
 * script): DIR/index.html with the coverage grid, completion per program
 * and office as SVG charts, the late targets and the replicas heard from;
 * and one page per office with its sheet and the history of each of its
 * records, review decisions included.
 *
 * Exports report_site_write (report_out.h). Writes every page into a
 * temporary directory inside DIR and renames each into place when all are
 * written, so a failure leaves DIR as it was; writes only into a DIR that
 * is new, empty or an earlier dashboard (it holds the marker file), and
 * there replaces only the pages the marker lists. Never moves or removes
 * DIR itself nor anything in it the dashboard did not write. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "report_out.h"
#include "plansync/error.h"
#include "plansync/views.h"

/* A file in every dashboard: its presence lets a later run write there,
 * its lines after the first name the pages it may replace. */
#define MARKER ".plansync-dashboard"

/* ---- the pages ---- */

static void page_index(FILE *to, ps_report *d, const char *period, const char *today, ps_replica *r, int *rc)
{
	ps_coverage *c = NULL;
	ps_programs_report *p = NULL;
	ps_targets_report *t = NULL;
	ps_sync_report *s = NULL;
	if ((period && (*rc = ps_report_coverage(&c, d, period))) || (*rc = ps_report_programs(&p, d, NULL)) ||
	    (*rc = ps_report_targets(&t, d, today)) || (*rc = ps_report_sync(&s, r)))
		goto done;
	html_begin(to, "Theo dõi thực hiện Chương trình hành động — Trang tổng hợp", false);
	fputs("<nav><a href=\"#coverage\">Tình hình báo cáo</a><a href=\"#programs\">Tiến độ chương trình</a>"
	      "<a href=\"#late-targets\">Chỉ tiêu trễ hạn</a><a href=\"#offices\">Báo cáo từng đơn vị</a>"
	      "<a href=\"#sync\">Đồng bộ</a></nav>\n",
	      to);
	if (c)
		html_coverage(to, d, c, "office-");
	else
		fputs("<section id=\"coverage\"><h2>Tình hình báo cáo</h2><p>Kế hoạch chưa có kỳ báo "
		      "cáo.</p></section>\n",
		      to);
	html_programs(to, d, p);
	html_targets(to, t, true);
	fputs("<section id=\"offices\">\n<h2>Báo cáo từng đơn vị</h2>\n<ul>\n", to);
	for (size_t i = 0; i < d->noffices; i++) {
		fputs("<li><a href=\"office-", to);
		html_text(to, d->offices[i].id);
		fputs(".html\">", to);
		html_text(to, d->offices[i].name ? d->offices[i].name : d->offices[i].id);
		fputs("</a></li>\n", to);
	}
	fputs("</ul>\n</section>\n", to);
	html_sync(to, s);
	html_end(to);
done:
	ps_sync_report_free(s);
}

static const char *op_label(const ps_log_entry *e)
{
	if (!strncmp(e->record, "review/", 7))
		return "Ý kiến của tỉnh";
	if (!strncmp(e->record, "receipt/", 8))
		return "Tỉnh nhận báo cáo";
	return !strcmp(e->op, "retire") ? "Rút báo cáo" : "Báo cáo / sửa";
}

/* The history of one record: its entries (newest first), fields old → new. */
static void history(FILE *to, const ps_log_view *log, const char *office, const char *task, const char *period)
{
	bool any = false;
	char want[3][256];
	snprintf(want[0], sizeof(want[0]), "progress/%s/%s/%s", office, task, period);
	snprintf(want[1], sizeof(want[1]), "review/%s/%s/%s", office, task, period);
	snprintf(want[2], sizeof(want[2]), "receipt/%s/%s/%s", office, task, period);
	for (size_t i = 0; i < log->n; i++) {
		const ps_log_entry *e = &log->v[i];
		if (strcmp(e->record, want[0]) && strcmp(e->record, want[1]) && strcmp(e->record, want[2]))
			continue;
		if (!any) {
			fprintf(to, "<h3 id=\"h-%s-%s\">", task, period);
			html_text(to, task);
			fputs(" · kỳ ", to);
			html_text(to, period);
			fputs("</h3>\n<table class=\"hist\">\n<thead><tr><th>Thời gian</th><th>Người thực hiện</th>"
			      "<th>Việc</th><th>Nội dung</th><th>Lý do</th></tr></thead>\n<tbody>\n",
			      to);
			any = true;
		}
		char when[48];
		time_local(e->time, when);
		fputs("<tr><td>", to);
		html_text(to, when);
		fputs("</td><td>", to);
		html_text(to, e->author);
		fputs("</td><td>", to);
		html_text(to, op_label(e));
		fputs("</td><td>", to);
		for (size_t k = 0; k < e->nfields; k++) {
			const ps_log_field *f = &e->fields[k];
			if (k)
				fputs("<br>", to);
			html_text(to, html_label(f->field));
			fputs(": ", to);
			if (f->old_json) {
				html_text(to, f->old_json);
				fputs(" → ", to);
			}
			html_text(to, f->new_json ? f->new_json : "");
		}
		fputs("</td><td>", to);
		html_text(to, e->reason ? e->reason : "");
		fputs("</td></tr>\n", to);
	}
	if (any)
		fputs("</tbody>\n</table>\n", to);
}

static void page_office(FILE *to, ps_report *d, const ps_rep_office *o, const char *period, const ps_log_view *log,
                        int *rc)
{
	ps_office_sheet *s = NULL;
	if ((*rc = ps_report_office(&s, d, o->id, period)))
		return;
	html_begin(to, o->name ? o->name : o->id, true);
	html_sheet(to, d, s);
	fputs("<section id=\"history\">\n<h2>Lịch sử báo cáo và ý kiến duyệt</h2>\n", to);
	/* The (task, period) pairs the log names for this office: most
	 * pairs are never reported. */
	const char **named = calloc(log->n ? log->n : 1, sizeof(*named));
	size_t nnamed = 0;
	for (size_t i = 0; named && i < log->n; i++) {
		const char *rec = log->v[i].record, *rest = strchr(rec, '/');
		size_t ol = strlen(o->id);
		if (!rest || strncmp(rest + 1, o->id, ol) || rest[1 + ol] != '/' ||
		    (strncmp(rec, "progress/", 9) && strncmp(rec, "review/", 7) && strncmp(rec, "receipt/", 8)))
			continue;
		const char *pair = rest + 2 + ol;
		bool seen = false;
		for (size_t k = 0; k < nnamed && !seen; k++)
			seen = !strcmp(named[k], pair);
		if (!seen)
			named[nnamed++] = pair;
	}
	for (size_t k = 0; k < d->ntasks; k++)
		for (size_t p = 0; p < d->nperiods; p++) {
			char pair[160];
			bool hit = false;
			snprintf(pair, sizeof(pair), "%s/%s", d->tasks[k].id, d->periods[p].id);
			for (size_t i = 0; i < nnamed && !hit; i++)
				hit = !strcmp(named[i], pair);
			if (hit)
				history(to, log, o->id, d->tasks[k].id, d->periods[p].id);
		}
	free(named);
	fputs("</section>\n", to);
	html_end(to);
}

/* ---- writing ---- */

/* The pages go into a temporary directory inside DIR (never beside it: DIR
 * may be a link, or a path through "..", and renaming DIR itself would
 * move what it holds) and are renamed one by one into DIR once all are
 * written. The marker, renamed last, lists the pages written (one name a
 * line after its first line), so a later run replaces those and removes
 * those it no longer writes, and nothing else in DIR: an office's own
 * files beside the dashboard stay. */
typedef struct site {
	char tmp[4096];  /* DIR/.plansync-tmp-XXXXXX */
	char path[4352]; /* the file being written, for messages */
	char **pages;    /* names written into tmp, the marker last */
	size_t npages;
	bool created; /* DIR made by this run: removed on failure */
} site;

static FILE *open_page(site *s, const char *name)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", s->tmp, name);
	char *copy = strdup(name), **grown = realloc(s->pages, (s->npages + 1) * sizeof(*grown));
	if (grown)
		s->pages = grown;
	if (!copy || !grown) {
		free(copy);
		ps_error_set(PS_ENOMEM, "out of memory");
		return NULL;
	}
	s->pages[s->npages++] = copy;
	FILE *f = fopen(s->path, "w");
	if (!f)
		ps_error_set(PS_ERROR, "cannot write %s: %s", s->path, strerror(errno));
	return f;
}

static int close_page(site *s, FILE *f, int rc)
{
	bool bad = ferror(f);
	if (fclose(f) || bad)
		return rc ? rc : ps_error_set(PS_ERROR, "cannot write %s: %s", s->path, strerror(errno));
	return rc;
}

/* Remove the temporary directory and what it holds (no subdirectories). */
static void remove_tree(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char p[4352];
	while (dp && (e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

/* True for a name a dashboard writes: index.html or office-<id>.html,
 * nothing hidden, no path. A marker's list names nothing else we remove. */
static bool page_name(const char *n)
{
	size_t len = strlen(n);
	if (strchr(n, '/') || n[0] == '.')
		return false;
	return !strcmp(n, "index.html") || (!strncmp(n, "office-", 7) && len > 12 && !strcmp(n + len - 5, ".html"));
}

/* 0 when dir may be written (absent, empty, or an earlier dashboard). */
static int check_target(const char *dir, bool *exists)
{
	struct stat st;
	*exists = false;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT && lstat(dir, &st) == 0)
			return ps_error_set(
			    PS_EINVALID, "%s is a link to a directory that does not exist; give -o a directory", dir);
		return errno == ENOENT ? 0 : ps_error_set(PS_EINVALID, "cannot use %s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return ps_error_set(PS_EINVALID, "%s is a file, not a directory; give -o a new directory name", dir);
	*exists = true;
	char marker[4352];
	snprintf(marker, sizeof(marker), "%s/%s", dir, MARKER);
	if (access(marker, F_OK) == 0)
		return 0;
	DIR *dp = opendir(dir);
	struct dirent *e;
	bool empty = true;
	while (dp && (e = readdir(dp)))
		empty = empty && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
	if (dp)
		closedir(dp);
	return empty
	           ? 0
	           : ps_error_set(PS_EINVALID,
	                          "%s holds other files and is not a dashboard; give -o a new or empty directory", dir);
}

/* Make dir when absent, then the temporary directory inside it. */
static int start(site *s, const char *dir, bool exists)
{
	if (!exists) {
		char copy[4096];
		snprintf(copy, sizeof(copy), "%s", dir);
		if (mkdir(dir, 0777) != 0)
			return ps_error_set(PS_EINVALID, "cannot write in %s: %s; give -o a directory you can write",
			                    dirname(copy), strerror(errno));
		s->created = true;
	}
	snprintf(s->tmp, sizeof(s->tmp), "%s/.plansync-tmp-XXXXXX", dir);
	if (mkdtemp(s->tmp))
		return 0;
	int e = errno;
	s->tmp[0] = '\0';
	if (s->created)
		rmdir(dir);
	return ps_error_set(PS_EINVALID, "cannot write in %s: %s; give -o a directory you can write", dir, strerror(e));
}

/* The pages an earlier dashboard's marker lists that this one did not
 * write: removed (an office the plan dropped). */
static void remove_stale(const site *s, const char *dir, const char *marker_text)
{
	char line[512], p[4352];
	const char *at = marker_text ? strchr(marker_text, '\n') : NULL;
	while (at && *at) {
		const char *end = strchr(++at, '\n');
		size_t n = end ? (size_t)(end - at) : strlen(at);
		if (n && n < sizeof(line)) {
			memcpy(line, at, n);
			line[n] = '\0';
			bool kept = !page_name(line);
			for (size_t i = 0; i < s->npages && !kept; i++)
				kept = !strcmp(s->pages[i], line);
			snprintf(p, sizeof(p), "%s/%s", dir, line);
			if (!kept)
				unlink(p);
		}
		at = end;
	}
}

/* The earlier marker's text (malloc()ed), NULL when none or unreadable. */
static char *read_marker(const char *dir)
{
	char p[4352];
	snprintf(p, sizeof(p), "%s/%s", dir, MARKER);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	char *text = calloc(1, 65536);
	if (text)
		text[fread(text, 1, 65535, f)] = '\0';
	fclose(f);
	return text;
}

/* Rename each page into dir, the marker last. On a failure the pages
 * already renamed stay only when dir was there before. */
static int install(site *s, const char *dir)
{
	char from[4352], to[4352];
	char *old = read_marker(dir);
	size_t i = 0;
	for (; i < s->npages; i++) {
		snprintf(from, sizeof(from), "%s/%s", s->tmp, s->pages[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, s->pages[i]);
		if (rename(from, to) != 0)
			break;
	}
	int rc = 0;
	if (i < s->npages) {
		rc = ps_error_set(PS_ERROR, "cannot move the dashboard into %s: %s", dir, strerror(errno));
		while (s->created && i-- > 0) {
			snprintf(to, sizeof(to), "%s/%s", dir, s->pages[i]);
			unlink(to);
		}
	} else {
		remove_stale(s, dir, old);
	}
	free(old);
	return rc;
}

int report_site_write(ps_replica *r, ps_report *d, const char *dir, const char *period, const char *today)
{
	site s = {0};
	bool exists;
	ps_log_view *log = NULL;
	FILE *f = NULL;
	int rc = check_target(dir, &exists);
	if (rc || (rc = start(&s, dir, exists)))
		return rc;
	if ((rc = ps_view_log(&log, r, NULL, 0)))
		goto done;
	if (!(f = open_page(&s, "index.html"))) {
		rc = PS_ERROR;
		goto done;
	}
	page_index(f, d, period, today, r, &rc);
	if ((rc = close_page(&s, f, rc)))
		goto done;
	for (size_t i = 0; i < d->noffices; i++) {
		char page[128];
		snprintf(page, sizeof(page), "office-%s.html", d->offices[i].id);
		if (!(f = open_page(&s, page))) {
			rc = PS_ERROR;
			goto done;
		}
		page_office(f, d, &d->offices[i], period, log, &rc);
		if ((rc = close_page(&s, f, rc)))
			goto done;
	}
	size_t npages = s.npages;
	if (!(f = open_page(&s, MARKER))) {
		rc = PS_ERROR;
		goto done;
	}
	fputs("plansync report html\n", f);
	for (size_t i = 0; i < npages; i++)
		fprintf(f, "%s\n", s.pages[i]);
	if ((rc = close_page(&s, f, 0)))
		goto done;
	rc = install(&s, dir);
done:
	remove_tree(s.tmp);
	if (rc && s.created)
		rmdir(dir);
	for (size_t i = 0; i < s.npages; i++)
		free(s.pages[i]);
	free(s.pages);
	ps_log_view_free(log);
	return rc;
}
