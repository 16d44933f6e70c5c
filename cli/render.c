/* render.c - print a view (render.h) as a text table, JSON, CSV or HTML
 * from its column description; and the escaping every text renderer uses.
 *
 * JSON goes through cJSON and the canonical printer, so every command's
 * JSON has one layout. Text tables go through table.c (aligned by display
 * width). Text from the data (another office's note) never reaches a
 * terminal raw (text_safe), nor a spreadsheet as a formula (csv_cell).
 * Never reads the replica and never names a view's members. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "render.h"
#include "plansync/json.h"

fmt fmt_of(const struct args *a)
{
	return a->format ? (fmt)a->format : a->json ? FMT_JSON : FMT_TABLE;
}

#define AT(row, off, T) (*(const T *)((const char *)(row) + (off)))

void time_rfc3339(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void time_local(int64_t ms, char out[48])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 48, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

static cJSON *json_value(const column *c, const void *row)
{
	switch (c->type) {
	case COL_STR: {
		const char *s = AT(row, c->off, const char *);
		return s ? cJSON_CreateString(s) : cJSON_CreateNull();
	}
	case COL_LONG:
		return cJSON_CreateNumber((double)AT(row, c->off, long));
	case COL_OPT: {
		long n = AT(row, c->off, long);
		return n < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)n);
	}
	case COL_BOOL:
		return cJSON_CreateBool(AT(row, c->off, bool));
	case COL_TIME: {
		int64_t ms = AT(row, c->off, int64_t);
		char when[32];
		if (!ms)
			return cJSON_CreateNull();
		time_rfc3339(ms, when);
		return cJSON_CreateString(when);
	}
	case COL_JSON: {
		const char *s = AT(row, c->off, const char *);
		cJSON *v = s ? cJSON_Parse(s) : NULL;
		return v ? v : cJSON_CreateNull();
	}
	case COL_STRV: {
		const char *const *v = AT(row, c->off, const char *const *);
		size_t n = AT(row, c->off_n, size_t);
		if (!v)
			return cJSON_CreateNull();
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; a && i < n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
		return a;
	}
	case COL_ROWS:
		return render_json_rows(c->sub, AT(row, c->off, const void *), AT(row, c->off_n, size_t));
	case COL_OBJ:
		return render_json(c->sub, (const char *)row + c->off);
	}
	return cJSON_CreateNull();
}

cJSON *render_json(const view *v, const void *row)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < v->ncols; i++)
		cJSON_AddItemToObject(o, v->cols[i].name, json_value(&v->cols[i], row));
	return o;
}

cJSON *render_json_rows(const view *v, const void *rows, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, render_json(v, (const char *)rows + i * v->size));
	return a;
}

char *render_cell(const column *c, const void *row)
{
	char buf[48];
	switch (c->type) {
	case COL_STR: {
		const char *s = AT(row, c->off, const char *);
		return strdup(s ? s : "");
	}
	case COL_LONG:
	case COL_OPT: {
		long n = AT(row, c->off, long);
		if (n < 0 && c->type == COL_OPT)
			return strdup("");
		snprintf(buf, sizeof(buf), "%ld", n);
		return strdup(buf);
	}
	case COL_BOOL:
		return strdup(AT(row, c->off, bool) ? "yes" : "no");
	case COL_TIME: {
		int64_t ms = AT(row, c->off, int64_t);
		if (!ms)
			return strdup("");
		time_local(ms, buf);
		return strdup(buf);
	}
	case COL_JSON: {
		const char *s = AT(row, c->off, const char *);
		cJSON *v = s ? cJSON_Parse(s) : NULL;
		char *t = v ? cell_text(v) : strdup("");
		cJSON_Delete(v);
		return t;
	}
	case COL_STRV: {
		const char *const *v = AT(row, c->off, const char *const *);
		size_t n = AT(row, c->off_n, size_t);
		ps_buf b = PS_BUF_INIT;
		for (size_t i = 0; v && i < n; i++) {
			if (i)
				ps_buf_puts(&b, ", ");
			ps_buf_puts(&b, v[i]);
		}
		ps_buf_puts(&b, "");
		return ps_buf_error(&b) ? (ps_buf_release(&b), NULL) : ps_buf_detach(&b);
	}
	case COL_ROWS:
	case COL_OBJ:
		break;
	}
	return strdup("");
}

/* Nested rows show in CSV and HTML as one cell (rows_text); only JSON
 * keeps embedded groups. */
static bool shown(const column *c, fmt f)
{
	if (c->type == COL_OBJ || (c->type == COL_ROWS && f == FMT_TABLE))
		return false;
	return f == FMT_CSV || c->head || c->type == COL_ROWS; /* CSV keeps every scalar column */
}

/* Length of the UTF-8 sequence at s (1-4), 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80             ? 1
	           : (s[0] & 0xe0) == 0xc0 ? 2
	           : (s[0] & 0xf0) == 0xe0 ? 3
	           : (s[0] & 0xf8) == 0xf0 ? 4
	                                   : 0;
	if (n == 2 && s[0] < 0xc2)
		return 0; /* overlong */
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void text_escape(ps_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	while (*p) {
		size_t n = utf8_len(p);
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			ps_buf_puts(b, " ");
		} else if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p); /* C0, DEL, a byte that is no character */
			ps_buf_puts(b, esc);
			n = 1;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[1]); /* C1: U+0080..U+009F */
			ps_buf_puts(b, esc);
		} else {
			ps_buf_put(b, p, n);
		}
		p += n ? n : 1;
	}
}

char *text_safe(const char *s)
{
	ps_buf b = PS_BUF_INIT;
	text_escape(&b, s ? s : "");
	ps_buf_puts(&b, "");
	return ps_buf_error(&b) ? (ps_buf_release(&b), NULL) : ps_buf_detach(&b);
}

void text_put(FILE *to, const char *s)
{
	char *t = text_safe(s);
	fputs(t ? t : "", to);
	free(t);
}

bool csv_plain_number(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	size_t digits = 0;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	return digits > 0 && !*p;
}

void csv_cell(FILE *to, const char *s)
{
	/* A spreadsheet runs a cell that starts with one of these as a
	 * formula (OWASP "CSV injection"): a quote before it keeps it text. */
	bool formula = *s && strchr("=+-@\t\r", *s) && !csv_plain_number(s);
	if (!formula && !strpbrk(s, ",\"\r\n") && *s != ' ' && (!*s || s[strlen(s) - 1] != ' ')) {
		fputs(s, to);
		return;
	}
	fputc('"', to);
	if (formula)
		fputc('\'', to);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', to);
		fputc(*s, to);
	}
	fputc('"', to);
}

void html_text(FILE *to, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", to);
			break;
		case '<':
			fputs("&lt;", to);
			break;
		case '>':
			fputs("&gt;", to);
			break;
		case '"':
			fputs("&quot;", to);
			break;
		case '\'':
			fputs("&#39;", to);
			break;
		default:
			fputc(*s, to);
		}
	}
}

static void render_table(FILE *to, const view *v, const void *rows, size_t n)
{
	const char *heads[32];
	size_t idx[32], nc = 0;
	for (size_t i = 0; i < v->ncols && nc < 32; i++)
		if (shown(&v->cols[i], FMT_TABLE)) {
			heads[nc] = v->cols[i].head;
			idx[nc++] = i;
		}
	table *t = table_new((int)nc, heads);
	for (size_t r = 0; r < n; r++) {
		const void *row = (const char *)rows + r * v->size;
		char *cells[32];
		for (size_t k = 0; k < nc; k++)
			cells[k] = render_cell(&v->cols[idx[k]], row);
		table_row(t, (const char *const *)cells);
		for (size_t k = 0; k < nc; k++)
			free(cells[k]);
	}
	table_print(t, to);
	table_free(t);
}

/* A list as one CSV cell: items joined by "; ", a ';' inside an item
 * doubled, the form progress import reads back (evidence). */
static char *csv_list(const column *c, const void *row)
{
	const char *const *v = AT(row, c->off, const char *const *);
	size_t n = AT(row, c->off_n, size_t);
	ps_buf b = PS_BUF_INIT;
	for (size_t i = 0; v && i < n; i++) {
		if (i)
			ps_buf_puts(&b, "; ");
		for (const char *p = v[i]; *p; p++) {
			if (*p == ';')
				ps_buf_put(&b, p, 1);
			ps_buf_put(&b, p, 1);
		}
	}
	ps_buf_puts(&b, "");
	return ps_buf_error(&b) ? (ps_buf_release(&b), NULL) : ps_buf_detach(&b);
}

/* CSV is read by programs: times carry their zone (RFC 3339); lists are
 * ';' lists (csv_list). */
static char *csv_value(const column *c, const void *row)
{
	if (c->type == COL_STRV)
		return csv_list(c, row);
	int64_t ms = c->type == COL_TIME ? AT(row, c->off, int64_t) : 0;
	if (!ms)
		return render_cell(c, row);
	char *s = malloc(32);
	if (s)
		time_rfc3339(ms, s);
	return s;
}

/* Nested rows as one CSV or HTML cell: "name: value, ..." per row, rows
 * joined by "; ", each value as JSON text (strings quoted and escaped), so
 * text from the data cannot forge a pair or a row: log's fields read
 * 'field: "percent", old: 10, new: 55'. */
static char *rows_text(const column *c, const void *row)
{
	const view *sv = c->sub;
	const char *rows = AT(row, c->off, const char *);
	size_t n = AT(row, c->off_n, size_t);
	ps_buf b = PS_BUF_INIT;
	for (size_t r = 0; rows && r < n; r++) {
		const void *sub = rows + r * sv->size;
		const char *sep = r ? "; " : "";
		for (size_t i = 0; i < sv->ncols; i++) {
			if (sv->cols[i].type == COL_ROWS || sv->cols[i].type == COL_OBJ)
				continue;
			cJSON *j = json_value(&sv->cols[i], sub);
			char *s = j ? cJSON_PrintUnformatted(j) : NULL;
			cJSON_Delete(j);
			if (!s) {
				ps_buf_release(&b);
				return NULL;
			}
			ps_buf_puts(&b, sep);
			ps_buf_puts(&b, sv->cols[i].name);
			ps_buf_puts(&b, ": ");
			ps_buf_puts(&b, s);
			free(s);
			sep = ", ";
		}
	}
	ps_buf_puts(&b, "");
	return ps_buf_error(&b) ? (ps_buf_release(&b), NULL) : ps_buf_detach(&b);
}

/* The UTF-8 byte order mark: without it a spreadsheet reads the file in
 * the system's ANSI code page and Vietnamese turns to mojibake. */
#define CSV_BOM "\xef\xbb\xbf"

static void render_csv(FILE *to, const view *v, const void *rows, size_t n)
{
	const char *sep = "";
	fputs(CSV_BOM, to);
	for (size_t i = 0; i < v->ncols; i++)
		if (shown(&v->cols[i], FMT_CSV)) {
			fputs(sep, to);
			csv_cell(to, v->cols[i].name);
			sep = ",";
		}
	fputs("\r\n", to);
	for (size_t r = 0; r < n; r++) {
		const void *row = (const char *)rows + r * v->size;
		sep = "";
		for (size_t i = 0; i < v->ncols; i++) {
			if (!shown(&v->cols[i], FMT_CSV))
				continue;
			const column *c = &v->cols[i];
			char *s = c->type == COL_ROWS ? rows_text(c, row) : csv_value(c, row);
			fputs(sep, to);
			csv_cell(to, s ? s : "");
			free(s);
			sep = ",";
		}
		fputs("\r\n", to);
	}
}

static void render_html(FILE *to, const view *v, const void *rows, size_t n)
{
	fputs("<table>\n<thead><tr>", to);
	for (size_t i = 0; i < v->ncols; i++)
		if (shown(&v->cols[i], FMT_HTML)) {
			fputs("<th>", to);
			html_text(to, v->cols[i].head ? v->cols[i].head : v->cols[i].name);
			fputs("</th>", to);
		}
	fputs("</tr></thead>\n<tbody>\n", to);
	for (size_t r = 0; r < n; r++) {
		const void *row = (const char *)rows + r * v->size;
		fputs("<tr>", to);
		for (size_t i = 0; i < v->ncols; i++) {
			if (!shown(&v->cols[i], FMT_HTML))
				continue;
			const column *c = &v->cols[i];
			char *s = c->type == COL_ROWS ? rows_text(c, row) : render_cell(c, row);
			fputs("<td>", to);
			html_text(to, s ? s : "");
			fputs("</td>", to);
			free(s);
		}
		fputs("</tr>\n", to);
	}
	fputs("</tbody>\n</table>\n", to);
}

void render_rows(FILE *to, fmt f, const view *v, const void *rows, size_t n)
{
	switch (f) {
	case FMT_JSON: {
		cJSON *j = render_json_rows(v, rows, n);
		char *s = j ? ps_json_canonical(j) : NULL;
		if (s)
			fputs(s, to);
		free(s);
		cJSON_Delete(j);
		break;
	}
	case FMT_CSV:
		render_csv(to, v, rows, n);
		break;
	case FMT_HTML:
		render_html(to, v, rows, n);
		break;
	case FMT_TABLE:
		render_table(to, v, rows, n);
		break;
	}
}
