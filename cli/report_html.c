/* report_html.c - the reports as HTML: a page skeleton with its style
 * (screen and print: offices print and sign their sheets), and one
 * <section> per report, with Vietnamese labels and inline SVG charts.
 *
 * Exports the html_* functions of report_out.h. Pages need no script, no
 * network and no other file: they open from file:// on a USB stick. Every
 * number a reader may check carries data-* attributes naming what it
 * counts, so a test reads the page as a person would and compares it
 * with --json. All text from the data goes through html_text. Never reads
 * the replica. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "report_out.h"

static const struct {
	const char *name, *label;
} labels[] = {
    {"missing", "Chưa báo cáo"},
    {"reported", "Đã báo cáo"},
    {"returned", "Bị trả lại"},
    {"accepted", "Đã duyệt"},
    {"changed_since_accepted", "Sửa sau khi duyệt"},
    {"late", "Trễ hạn"},
    {"at_risk", "Có nguy cơ"},
    {"no_report", "Chưa có báo cáo"},
    {"on_track", "Đúng tiến độ"},
    {"met", "Đã đạt"},
    {"not_started", "Chưa bắt đầu"},
    {"delayed", "Chậm tiến độ"},
    {"done", "Hoàn thành"},
    {"cancelled", "Đã hủy"},
    /* the fields of a report, a review and a receipt, as the history names them */
    {"status", "Trạng thái"},
    {"percent", "Tỷ lệ (%)"},
    {"actual", "Giá trị thực hiện"},
    {"note", "Ghi chú"},
    {"evidence", "Minh chứng"},
    {"reporter", "Người báo cáo"},
    {"decision", "Quyết định"},
    {"comment", "Ý kiến"},
    {"changes", "Phiên bản được xem xét"},
    {"change", "Thay đổi được nhận"},
    {"received", "Thời điểm tỉnh nhận"},
};

const char *html_label(const char *name)
{
	for (size_t i = 0; name && i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(labels[i].name, name))
			return labels[i].label;
	return name ? name : "";
}

static void esc(FILE *to, const char *s)
{
	html_text(to, s ? s : "");
}

static const char style[] =
    "body{font-family:'Noto Sans','DejaVu Sans',Arial,sans-serif;margin:1.5em;color:#222;line-height:1.35}\n"
    "h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:2px solid #456;padding-bottom:.2em;margin-top:1.6em}\n"
    "h3{font-size:1.05em}table{border-collapse:collapse;margin:.6em 0}\n"
    "th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top;font-size:.92em}\n"
    "th{background:#e8eef4}td.n{text-align:right}nav a{margin-right:1em}\n"
    ".grid td{width:1.6em;text-align:center;padding:.15em}.grid th.t{writing-mode:vertical-rl;font-weight:normal}\n"
    ".grid td:first-child{white-space:nowrap;width:auto;text-align:left}\n"
    ".s-missing{background:#f3d0d0}.s-reported{background:#fff2bf}.s-returned{background:#f6c08a}\n"
    ".s-accepted{background:#bfe6c2}.s-changed_since_accepted{background:#c9d6f7}\n"
    ".v-late{background:#f3d0d0}.v-at_risk{background:#f6e0a8}.v-no_report{background:#eee}\n"
    ".v-on_track{background:#dff0dc}.v-met{background:#bfe6c2}\n"
    ".legend span{display:inline-block;padding:.1em .5em;margin-right:.4em;border:1px solid #bbb}\n"
    ".hist{font-size:.9em}.muted{color:#666}.sign{margin-top:3em;display:flex;justify-content:space-between}\n"
    ".sign div{width:40%;text-align:center}.late{color:#b00;font-weight:bold}\n"
    ".grid td.late{outline:2px solid #b00;outline-offset:-3px}\n"
    "@media print{nav,.noprint{display:none}body{margin:0;font-size:11pt}"
    "section{page-break-inside:avoid}section.office{page-break-before:always}"
    "th{background:#eee!important}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "@page{size:A4;margin:15mm}}\n";

void html_begin(FILE *to, const char *title, bool back)
{
	fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      to);
	esc(to, title);
	fprintf(to, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	if (back)
		fputs("<nav><a href=\"index.html\">← Trang tổng hợp</a></nav>\n", to);
	fputs("<h1>", to);
	esc(to, title);
	fputs("</h1>\n", to);
}

void html_end(FILE *to)
{
	fputs(
	    "<p class=\"muted\">Lập bởi plansync từ cơ sở dữ liệu của đơn vị, không cần mạng.</p>\n</body>\n</html>\n",
	    to);
}

static void num_cell(FILE *to, const char *key, long n)
{
	fprintf(to, "<td class=\"n\" data-n=\"%s\">", key);
	if (n >= 0)
		fprintf(to, "%ld", n);
	fputs("</td>", to);
}

static void text_cell(FILE *to, const char *s)
{
	fputs("<td>", to);
	esc(to, s);
	fputs("</td>", to);
}

/* ---- coverage ---- */

static const char *state_mark(const char *state)
{
	return !strcmp(state, "missing")    ? "–"
	       : !strcmp(state, "returned") ? "↩"
	       : !strcmp(state, "accepted") ? "✓"
	       : !strcmp(state, "reported") ? "•"
	                                    : "!";
}

void html_coverage(FILE *to, const ps_report *d, const ps_coverage *c, const char *office_href)
{
	fprintf(to, "<section id=\"coverage\" data-period=\"");
	esc(to, c->period);
	fputs("\">\n<h2>Tình hình báo cáo kỳ ", to);
	esc(to, c->period);
	fputs("</h2>\n<p>Hạn nộp: ", to);
	esc(to, c->due ? c->due : "chưa định");
	fputs(c->closed ? " · Kỳ đã khóa sổ" : " · Kỳ đang mở", to);
	fputs("</p>\n<table class=\"totals\">\n<thead><tr><th>Đơn vị</th><th>Đã báo cáo</th><th>Chưa báo cáo</th>"
	      "<th>Bị trả lại</th><th>Đã duyệt</th><th>Sửa sau khi duyệt</th><th>Trễ hạn</th><th>Số nhiệm vụ</th>"
	      "</tr></thead>\n<tbody>\n",
	      to);
	for (size_t i = 0; i < c->n; i++) {
		const ps_cov_office *o = &c->offices[i];
		fputs("<tr data-office=\"", to);
		esc(to, o->office);
		fputs("\"><td>", to);
		if (office_href) {
			fprintf(to, "<a href=\"%s", office_href);
			esc(to, o->office);
			fputs(".html\">", to);
		}
		esc(to, o->name ? o->name : o->office);
		fputs(office_href ? "</a></td>" : "</td>", to);
		num_cell(to, "reported", o->reported);
		num_cell(to, "missing", o->missing);
		num_cell(to, "returned", o->returned);
		num_cell(to, "accepted", o->accepted);
		num_cell(to, "changed_since_accepted", o->changed);
		num_cell(to, "late", o->late);
		num_cell(to, "tasks_total", o->total);
		fputs("</tr>\n", to);
	}
	fputs("</tbody>\n</table>\n<p class=\"legend\">", to);
	static const char *const states[] = {"missing", "reported", "returned", "accepted", "changed_since_accepted"};
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(to, "<span class=\"s-%s\">%s %s</span>", states[i], state_mark(states[i]),
		        html_label(states[i]));
	fputs("</p>\n<table class=\"grid\">\n<thead><tr><th>Đơn vị</th>", to);
	for (size_t k = 0; k < d->ntasks; k++) {
		fputs("<th class=\"t\">", to);
		esc(to, d->tasks[k].id);
		fputs("</th>", to);
	}
	fputs("</tr></thead>\n<tbody>\n", to);
	for (size_t i = 0; i < c->n; i++) {
		const ps_cov_office *o = &c->offices[i];
		fputs("<tr><td>", to);
		esc(to, o->name ? o->name : o->office);
		fputs("</td>", to);
		for (size_t k = 0; k < o->ntasks; k++) {
			const ps_cov_cell *cell = &o->tasks[k];
			fprintf(to, "<td class=\"s-%s%s\" data-office=\"", cell->state, cell->late ? " late" : "");
			esc(to, o->office);
			fputs("\" data-task=\"", to);
			esc(to, cell->task);
			fprintf(to, "\" data-state=\"%s\" title=\"", cell->state);
			esc(to, cell->task);
			fprintf(to, ": %s%s\">%s</td>", html_label(cell->state), cell->late ? ", trễ hạn" : "",
			        state_mark(cell->state));
		}
		fputs("</tr>\n", to);
	}
	fputs("</tbody>\n</table>\n</section>\n", to);
}

/* ---- programs ---- */

/* One program's bars: the province first, then each office; the bar's
 * length is the mean percent, its label the number. */
static void program_chart(FILE *to, const ps_programs_report *p, size_t first, size_t end)
{
	const int bar = 18, gap = 6, left = 190, span = 400;
	int h = (int)(end - first) * (bar + gap) + 24;
	fprintf(to,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
	        "class=\"chart\" viewBox=\"0 0 %d %d\">\n",
	        left + span + 60, h, left + span + 60, h);
	for (int t = 0; t <= 100; t += 25)
		fprintf(to,
		        "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/><text x=\"%d\" y=\"%d\" "
		        "font-size=\"10\" text-anchor=\"middle\">%d%%</text>\n",
		        left + span * t / 100, left + span * t / 100, h - 14, left + span * t / 100, h - 2, t);
	for (size_t i = first; i < end; i++) {
		const ps_prog_row *r = &p->rows[i];
		int y = (int)(i - first) * (bar + gap);
		long pc = r->percent < 0 ? 0 : r->percent;
		bool prov = !strcmp(r->scope, "province");
		fputs("<g data-program=\"", to);
		esc(to, r->program);
		fputs("\" data-office=\"", to);
		esc(to, r->office);
		fprintf(to, "\" data-percent=\"%ld\">", r->percent);
		fprintf(to, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\"%s>", left - 6, y + 13,
		        prov ? " font-weight=\"bold\"" : "");
		esc(to, prov ? "Toàn tỉnh" : r->name ? r->name : r->office);
		fprintf(to, "</text><rect x=\"%d\" y=\"%d\" width=\"%ld\" height=\"%d\" fill=\"%s\"/>", left, y,
		        (long)span * pc / 100, bar, prov ? "#2f5d8a" : "#6f9fcf");
		fprintf(to, "<text x=\"%ld\" y=\"%d\" font-size=\"12\">", left + (long)span * pc / 100 + 4, y + 13);
		if (r->percent >= 0)
			fprintf(to, "%ld%%", r->percent);
		else
			fputs("chưa có", to);
		fputs("</text></g>\n", to);
	}
	fputs("</svg>\n", to);
}

void html_programs(FILE *to, const ps_report *d, const ps_programs_report *p)
{
	(void)d;
	fputs("<section id=\"programs\">\n<h2>Tiến độ theo chương trình và đơn vị</h2>\n<p class=\"muted\">", to);
	if (p->period) {
		fputs("Kỳ ", to);
		esc(to, p->period);
	} else
		fputs("Báo cáo mới nhất của từng nhiệm vụ", to);
	fputs(". Tỷ lệ: trung bình tỷ lệ hoàn thành đã báo cáo.</p>\n", to);
	for (size_t i = 0; i < p->n;) {
		size_t end = i + 1;
		while (end < p->n && !strcmp(p->rows[end].program, p->rows[i].program))
			end++;
		fputs("<div class=\"program\" data-program=\"", to);
		esc(to, p->rows[i].program);
		fputs("\">\n<h3>", to);
		esc(to, p->rows[i].program);
		fputs(": ", to);
		esc(to, p->rows[i].title);
		fputs("</h3>\n", to);
		program_chart(to, p, i, end);
		fputs(
		    "<table>\n<thead><tr><th>Đơn vị</th><th>Đã báo cáo</th><th>Tỷ lệ TB (%)</th><th>Hoàn thành</th>"
		    "<th>Đúng tiến độ</th><th>Có nguy cơ</th><th>Chậm tiến độ</th><th>Chưa bắt đầu</th><th>Đã hủy</th>"
		    "</tr></thead>\n<tbody>\n",
		    to);
		for (size_t k = i; k < end; k++) {
			const ps_prog_row *r = &p->rows[k];
			fputs("<tr data-program=\"", to);
			esc(to, r->program);
			fputs("\" data-office=\"", to);
			esc(to, r->office);
			fputs("\">", to);
			text_cell(to, !strcmp(r->scope, "province") ? "Toàn tỉnh" : r->name ? r->name : r->office);
			fprintf(to, "<td class=\"n\" data-n=\"reported\">%ld</td>", r->reported);
			num_cell(to, "percent", r->percent);
			num_cell(to, "done", r->done);
			num_cell(to, "on_track", r->on_track);
			num_cell(to, "at_risk", r->at_risk);
			num_cell(to, "delayed", r->delayed);
			num_cell(to, "not_started", r->not_started);
			num_cell(to, "cancelled", r->cancelled);
			fputs("</tr>\n", to);
		}
		fputs("</tbody>\n</table>\n</div>\n", to);
		i = end;
	}
	fputs("</section>\n", to);
}

/* ---- targets ---- */

void html_targets(FILE *to, const ps_targets_report *t, bool late_only)
{
	fprintf(to, "<section id=\"%s\">\n<h2>%s</h2>\n<p>Tính đến ngày ", late_only ? "late-targets" : "targets",
	        late_only ? "Chỉ tiêu trễ hạn" : "Chỉ tiêu của các địa phương");
	esc(to, t->today);
	fprintf(to,
	        ": <span data-n=\"late\">%ld</span> trễ hạn, <span data-n=\"at_risk\">%ld</span> có nguy cơ, "
	        "<span data-n=\"no_report\">%ld</span> chưa có báo cáo, <span data-n=\"on_track\">%ld</span> đúng "
	        "tiến độ, <span data-n=\"met\">%ld</span> đã đạt.</p>\n",
	        t->late, t->at_risk, t->no_report, t->on_track, t->met);
	fputs("<table>\n<thead><tr><th>Đánh giá</th><th>Đơn vị</th><th>Nhiệm vụ</th><th>Thời hạn</th><th>Kỳ</th>"
	      "<th>Trạng thái</th><th>Tỷ lệ (%)</th><th>Chỉ tiêu</th></tr></thead>\n<tbody>\n",
	      to);
	for (size_t i = 0; i < t->n; i++) {
		const ps_target_verdict *r = &t->rows[i];
		if (late_only && strcmp(r->verdict, "late"))
			continue;
		fprintf(to, "<tr class=\"v-%s\" data-target=\"", r->verdict);
		esc(to, r->target);
		fprintf(to, "\" data-verdict=\"%s\">", r->verdict);
		text_cell(to, html_label(r->verdict));
		text_cell(to, r->name ? r->name : r->office);
		text_cell(to, r->task);
		fputs("<td>", to);
		esc(to, r->deadline_text ? r->deadline_text : r->deadline);
		fputs("</td>", to);
		text_cell(to, r->period);
		text_cell(to, r->status ? html_label(r->status) : "");
		num_cell(to, "percent", r->percent);
		text_cell(to, r->text);
		fputs("</tr>\n", to);
	}
	fputs("</tbody>\n</table>\n</section>\n", to);
}

/* ---- one office's sheet ---- */

void html_sheet(FILE *to, const ps_report *d, const ps_office_sheet *s)
{
	(void)d;
	fputs("<section class=\"office\" id=\"sheet-", to);
	esc(to, s->office);
	fputs("\" data-office=\"", to);
	esc(to, s->office);
	fputs("\">\n<h2>Báo cáo của ", to);
	esc(to, s->name ? s->name : s->office);
	fputs("</h2>\n<p>", to);
	if (s->period) {
		fputs("Kỳ báo cáo: ", to);
		esc(to, s->period);
	} else
		fputs("Báo cáo mới nhất của từng nhiệm vụ", to);
	fprintf(to,
	        " · Đã báo cáo <span data-n=\"reported\">%ld</span> / %zu nhiệm vụ, chưa báo cáo "
	        "<span data-n=\"missing\">%ld</span>.</p>\n",
	        s->reported, s->n, s->missing);
	fputs("<table>\n<thead><tr><th>Nhiệm vụ</th><th>Kỳ</th><th>Tình trạng duyệt</th><th>Trạng thái</th>"
	      "<th>Tỷ lệ (%)</th><th>Ghi chú</th><th>Minh chứng</th><th>Người báo cáo</th><th>Ý kiến của tỉnh</th>"
	      "</tr></thead>\n<tbody>\n",
	      to);
	for (size_t i = 0; i < s->n; i++) {
		const ps_sheet_row *r = &s->rows[i];
		fprintf(to, "<tr class=\"s-%s\" data-task=\"", r->state);
		esc(to, r->task);
		fprintf(to, "\" data-state=\"%s\"><td>", r->state);
		esc(to, r->task);
		if (r->target) {
			fputs("<br><span class=\"muted\">Chỉ tiêu: ", to);
			esc(to, r->target);
			if (r->deadline) {
				fputs(" (hạn ", to);
				esc(to, r->deadline);
				fputs(")", to);
			}
			fputs("</span>", to);
		}
		fputs("</td>", to);
		text_cell(to, r->period);
		fputs("<td>", to);
		esc(to, html_label(r->state));
		if (r->late)
			fputs(" <span class=\"late\">(trễ hạn)</span>", to);
		fputs("</td>", to);
		text_cell(to, r->status ? html_label(r->status) : "");
		num_cell(to, "percent", r->percent);
		text_cell(to, r->note);
		fputs("<td>", to);
		for (size_t k = 0; k < r->nevidence; k++) {
			if (k)
				fputs("; ", to);
			esc(to, r->evidence[k]);
		}
		fputs("</td>", to);
		text_cell(to, r->reporter ? r->reporter : r->author);
		text_cell(to, r->comment);
		fputs("</tr>\n", to);
	}
	fputs("</tbody>\n</table>\n<div class=\"sign\"><div>Người lập biểu<br><br><br>(Ký, ghi rõ họ tên)</div>"
	      "<div>Thủ trưởng đơn vị<br><br><br>(Ký tên, đóng dấu)</div></div>\n</section>\n",
	      to);
}

/* ---- sync ---- */

static void time_cell(FILE *to, int64_t ms)
{
	char when[48] = "";
	if (ms)
		time_local(ms, when);
	text_cell(to, ms ? when : "chưa có");
}

void html_sync(FILE *to, const ps_sync_report *s)
{
	fputs("<section id=\"sync\">\n<h2>Tình hình đồng bộ của các máy</h2>\n<table>\n<thead><tr><th>Đơn vị</th>"
	      "<th>Máy (bản sao)</th><th>Thay đổi mới nhất</th><th>Nhận lần cuối</th><th>Số thay đổi</th>"
	      "<th>Giữ lại (đồng hồ sớm)</th><th>Giữ lại (ngoài kế hoạch)</th><th>Sự cố</th></tr></thead>\n<tbody>\n",
	      to);
	for (size_t i = 0; i < s->n; i++) {
		const ps_sync_row *r = &s->rows[i];
		fputs("<tr data-office=\"", to);
		esc(to, r->office);
		fputs("\" data-replica=\"", to);
		esc(to, r->replica);
		fputs("\">", to);
		text_cell(to, r->name ? r->name : r->office);
		text_cell(to, r->replica ? r->replica : "chưa kết nối");
		time_cell(to, r->last);
		if (r->own)
			text_cell(to, "(máy này)");
		else
			time_cell(to, r->received);
		num_cell(to, "changes", r->changes);
		num_cell(to, "held_future", r->held_future);
		num_cell(to, "held_unplanned", r->held_unplanned);
		num_cell(to, "problems", r->problems);
		fputs("</tr>\n", to);
	}
	fputs("</tbody>\n</table>\n</section>\n", to);
}
