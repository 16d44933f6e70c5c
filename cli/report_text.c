/* report_text.c - the reports' text tables and CSV: a table that fits a
 * width (80 columns) by wrapping its cells at spaces instead of cutting
 * them, so an office name or a task id is never lost; and CSV cells with a
 * chosen separator (',' or ';', as Vietnamese Excel wants).
 *
 * Exports the rt_* and report_csv_* functions of report_out.h. Every cell
 * goes through text_safe (render.h) before it is measured, so text from
 * the data cannot forge a line. Never reads the replica. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "render.h"
#include "report_out.h"
#include "plansync/json.h"
#include "plansync/text.h"

#define RT_MAX 16

struct rt {
	int nc;
	char **cells; /* rows * nc; row 0 the headers */
	char **notes; /* per row: a line of text beneath it, or NULL */
	size_t nrows, cap;
	bool failed;
};

rt *rt_new(int nc, const char *const *heads)
{
	rt *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nc = nc < RT_MAX ? nc : RT_MAX;
	rt_row(t, heads);
	return t;
}

void rt_row(rt *t, const char *const *cells)
{
	if (!t || t->failed)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **nc = realloc(t->cells, cap * (size_t)t->nc * sizeof(char *));
		if (nc)
			t->cells = nc;
		char **nn = nc ? realloc(t->notes, cap * sizeof(char *)) : NULL;
		if (!nn) {
			t->failed = true;
			return;
		}
		t->notes = nn;
		t->cap = cap;
	}
	t->notes[t->nrows] = NULL;
	for (int i = 0; i < t->nc; i++)
		t->cells[t->nrows * (size_t)t->nc + (size_t)i] = text_safe(cells[i] ? cells[i] : "");
	t->nrows++;
}

void rt_note(rt *t, const char *text)
{
	if (!t || t->failed || t->nrows < 2 || !text || !*text)
		return;
	free(t->notes[t->nrows - 1]);
	t->notes[t->nrows - 1] = text_safe(text);
}

void rt_view_rows(rt *t, const view *v, const void *rows, size_t n)
{
	for (size_t r = 0; r < n; r++) {
		const void *row = (const char *)rows + r * v->size;
		char *cells[RT_MAX] = {0};
		int k = 0;
		for (size_t i = 0; i < v->ncols && k < RT_MAX; i++)
			if (v->cols[i].head && v->cols[i].type != COL_ROWS && v->cols[i].type != COL_OBJ)
				cells[k++] = render_cell(&v->cols[i], row);
		rt_row(t, (const char *const *)cells);
		for (int i = 0; i < k; i++)
			free(cells[i]);
	}
}

rt *rt_view(const view *v)
{
	const char *heads[RT_MAX];
	int k = 0;
	for (size_t i = 0; i < v->ncols && k < RT_MAX; i++)
		if (v->cols[i].head && v->cols[i].type != COL_ROWS && v->cols[i].type != COL_OBJ)
			heads[k++] = v->cols[i].head;
	return rt_new(k, heads);
}

/* The display width of the n bytes at s. */
static size_t width_n(const char *s, size_t n)
{
	char buf[512];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ps_text_width(buf);
}

/* Bytes of the longest prefix of s (at most n bytes) that fits cols
 * columns, ending on a character boundary; at least one character. */
static size_t fit_bytes(const char *s, size_t n, size_t cols)
{
	size_t k = 0;
	while (k < n) {
		size_t next = k + 1;
		while (next < n && ((unsigned char)s[next] & 0xc0) == 0x80)
			next++;
		if (k && width_n(s, next) > cols)
			break;
		k = next;
	}
	return k;
}

/* The next line of a cell wrapped at cols: its bytes in *len, the start
 * of the rest returned (NULL at the end). Breaks at the last space that
 * fits; a word longer than the line is broken where it must be. */
static const char *wrap_line(const char *s, size_t cols, size_t *len)
{
	size_t n = strlen(s);
	if (width_n(s, n) <= cols) {
		*len = n;
		return NULL;
	}
	size_t fit = fit_bytes(s, n, cols), cut = fit;
	while (cut > 0 && s[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = fit; /* one long word */
	*len = cut;
	const char *rest = s + cut;
	while (*rest == ' ')
		rest++;
	return *rest ? rest : NULL;
}

/* The widest word of a cell: a column is never made narrower. */
static size_t longest_word(const char *s)
{
	size_t best = 0;
	while (*s) {
		size_t n = strcspn(s, " ");
		size_t w = width_n(s, n);
		best = w > best ? w : best;
		s += n;
		s += strspn(s, " ");
	}
	return best;
}

void rt_print(rt *t, FILE *to, size_t width)
{
	if (!t)
		return;
	size_t w[RT_MAX] = {0}, min[RT_MAX] = {0}, total = 0;
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->nc; c++) {
			const char *s = t->cells[r * (size_t)t->nc + (size_t)c];
			size_t cw = s ? ps_text_width(s) : 0, lw = s ? longest_word(s) : 0;
			w[c] = cw > w[c] ? cw : w[c];
			lw = lw > 24 ? 24 : lw; /* words longer than this may break */
			min[c] = lw > min[c] ? lw : min[c];
		}
	for (int c = 0; c < t->nc; c++)
		total += w[c] + (c ? 2 : 0);
	/* Narrow the widest column that can give, one column at a time. */
	while (total > width) {
		int pick = -1;
		for (int c = 0; c < t->nc; c++)
			if (w[c] > min[c] && (pick < 0 || w[c] > w[pick]))
				pick = c;
		if (pick < 0)
			break; /* nothing gives: let it run over */
		w[pick]--;
		total--;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const char *rest[RT_MAX];
		bool more = true;
		for (int c = 0; c < t->nc; c++) {
			const char *s = t->cells[r * (size_t)t->nc + (size_t)c];
			rest[c] = s && *s ? s : NULL;
		}
		while (more) {
			more = false;
			ps_buf line = PS_BUF_INIT;
			for (int c = 0; c < t->nc; c++) {
				size_t len = 0, used = 0;
				const char *s = rest[c];
				if (s) {
					rest[c] = wrap_line(s, w[c], &len);
					ps_buf_put(&line, s, len);
					used = width_n(s, len);
					more = more || rest[c];
				}
				for (size_t k = used; c + 1 < t->nc && k < w[c] + 2; k++)
					ps_buf_puts(&line, " ");
			}
			ps_buf_puts(&line, "");
			char *out = ps_buf_error(&line) ? NULL : ps_buf_detach(&line);
			if (out) {
				size_t n = strlen(out);
				while (n && out[n - 1] == ' ')
					out[--n] = '\0';
				fprintf(to, "%s\n", out);
			}
			free(out);
			ps_buf_release(&line);
		}
		/* The note: under the second column, wrapped to the rest. */
		size_t indent = t->nc > 1 ? w[0] + 2 : 0;
		for (const char *s = t->notes[r]; s;) {
			size_t len;
			const char *next = wrap_line(s, width > indent + 20 ? width - indent : 20, &len);
			fprintf(to, "%*s%.*s\n", (int)indent, "", (int)len, s);
			s = next;
		}
	}
}

void rt_free(rt *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->nc; i++)
		free(t->cells[i]);
	for (size_t i = 0; i < t->nrows; i++)
		free(t->notes[i]);
	free(t->cells);
	free(t->notes);
	free(t);
}

/* ---- CSV ---- */

void report_csv_cell(FILE *to, const char *s, char sep)
{
	s = s ? s : "";
	if (sep == ',' || !strchr(s, sep)) {
		csv_cell(to, s); /* quotes for ',', '"' and line ends, guards formulas */
		return;
	}
	/* The separator inside: quoted, as csv_cell quotes a ','. */
	fputc('"', to);
	if (strchr("=+-@\t\r", *s) && !csv_plain_number(s))
		fputc('\'', to);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', to);
		fputc(*s, to);
	}
	fputc('"', to);
}

/* A cell of a view for CSV: times RFC 3339 (UTC), lists joined by "; ". */
static char *csv_value(const column *c, const void *row)
{
	if (c->type == COL_TIME) {
		int64_t ms = *(const int64_t *)((const char *)row + c->off);
		char *s = malloc(32);
		if (s && ms)
			time_rfc3339(ms, s);
		else if (s)
			s[0] = '\0';
		return s;
	}
	if (c->type == COL_STRV) {
		const char *const *v = *(const char *const *const *)((const char *)row + c->off);
		size_t n = *(const size_t *)((const char *)row + c->off_n);
		ps_buf b = PS_BUF_INIT;
		for (size_t i = 0; v && i < n; i++) {
			ps_buf_puts(&b, i ? "; " : "");
			ps_buf_puts(&b, v[i]);
		}
		ps_buf_puts(&b, "");
		return ps_buf_error(&b) ? (ps_buf_release(&b), NULL) : ps_buf_detach(&b);
	}
	return render_cell(c, row);
}

void report_csv_view(FILE *to, const view *v, const void *rows, size_t n, char sep, bool bom)
{
	if (bom)
		fputs("\xef\xbb\xbf", to);
	const char *sp = "";
	for (size_t i = 0; i < v->ncols; i++) {
		if (v->cols[i].type == COL_ROWS || v->cols[i].type == COL_OBJ)
			continue;
		fputs(sp, to);
		report_csv_cell(to, v->cols[i].name, sep);
		sp = sep == ';' ? ";" : ",";
	}
	fputs("\r\n", to);
	for (size_t r = 0; r < n; r++) {
		const void *row = (const char *)rows + r * v->size;
		sp = "";
		for (size_t i = 0; i < v->ncols; i++) {
			if (v->cols[i].type == COL_ROWS || v->cols[i].type == COL_OBJ)
				continue;
			char *s = csv_value(&v->cols[i], row);
			fputs(sp, to);
			report_csv_cell(to, s ? s : "", sep);
			free(s);
			sp = sep == ';' ? ";" : ",";
		}
		fputs("\r\n", to);
	}
}
