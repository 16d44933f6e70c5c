/* table.c - text tables aligned by display width (Vietnamese letters with
 * combining marks take one column; wide characters two); every cell goes
 * through text_safe (render.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli.h"
#include "render.h"
#include "plansync/json.h"
#include "plansync/text.h"

struct table {
	int ncols;
	char **cells; /* rows * ncols, row 0 the headers */
	size_t nrows, cap;
};

table *table_new(int ncols, const char *const *headers)
{
	table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	table_row(t, headers);
	return t;
}

void table_row(table *t, const char *const *cells)
{
	if (!t)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, cap * (size_t)t->ncols * sizeof(char *));
		if (!nc)
			return;
		t->cells = nc;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		char *c = text_safe(cells[i]); /* no cell forges a line or a terminal sequence */
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = c;
	}
	t->nrows++;
}

void table_print(table *t, FILE *to)
{
	if (!t)
		return;
	size_t width[32] = {0};
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols && c < 32; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t w = s ? ps_text_width(s) : 0;
			if (w > width[c])
				width[c] = w;
		}
	size_t cols = 0;
	struct winsize ws;
	if (isatty(fileno(to)) && ioctl(fileno(to), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		cols = ws.ws_col;
	size_t used = 0;
	for (int c = 0; c + 1 < t->ncols; c++)
		used += width[c] + 2;
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			s = s ? s : "";
			if (c + 1 == t->ncols) {
				size_t room = cols > used + 10 ? cols - used : (cols ? 10 : 0);
				char *fit = room ? ps_text_fit(s, room) : NULL;
				fputs(fit ? fit : s, to);
				free(fit);
			} else {
				fputs(s, to);
				for (size_t w = ps_text_width(s); w < width[c] + 2; w++)
					fputc(' ', to);
			}
		}
		fputc('\n', to);
	}
}

void table_free(table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

char *cell_text(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return strdup("");
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsArray(v)) {
		ps_buf b = PS_BUF_INIT;
		for (const cJSON *c = v->child; c; c = c->next) {
			char *s = cell_text(c);
			ps_buf_puts(&b, s ? s : "");
			free(s);
			if (c->next)
				ps_buf_puts(&b, ", ");
		}
		return ps_buf_detach(&b);
	}
	return ps_json_compact(v);
}
