/* csv.c - reading CSV as offices save it: RFC 4180 rows with ',' or ';'
 * detected from the header, header names folded for matching (case,
 * Vietnamese marks), and number cells as a Vietnamese spreadsheet writes
 * them ("40%", "3,75").
 *
 * Exports ps_csv_init, ps_csv_row, ps_csv_blank, ps_csv_fold, ps_csv_trim,
 * ps_csv_percent and ps_csv_decimal (csv.h, private to lib/). Knows
 * nothing of progress records: lib/progress.c maps columns to fields and
 * checks the values. Never guesses a number that reads two ways. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "csv.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/store.h"

/* ';' or ',' outside quotes on the first line: whichever comes more. */
static char detect(const char *p, const char *end)
{
	size_t semi = 0, comma = 0;
	bool quoted = false;
	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '\n' || *p == '\r'))
			break;
		else if (!quoted)
			semi += *p == ';', comma += *p == ',';
	}
	return semi > comma ? ';' : ',';
}

void ps_csv_init(ps_csv *c, const char *data, size_t len)
{
	c->p = data;
	c->end = data + len;
	c->line = 1;
	c->sep = detect(data, data + len);
}

static int cell_error(ps_buf *cell, char **v, size_t cnt, const char *why, int line)
{
	ps_buf_release(cell);
	ps_strv_free(v, cnt);
	return ps_error_set(PS_EINVALID, "line %d, column %zu: %s", line, cnt + 1, why);
}

int ps_csv_row(ps_csv *c, char ***cells, size_t *n, int *line)
{
	*cells = NULL;
	*n = 0;
	if (c->p >= c->end)
		return 0;
	*line = c->line;
	ps_buf cell = PS_BUF_INIT;
	char **v = NULL;
	size_t cnt = 0;
	for (;;) {
		int quoted = 0;
		ps_buf_put(&cell, "", 0);
		if (c->p < c->end && *c->p == '"') {
			quoted = 1;
			c->p++;
			for (;;) {
				if (c->p >= c->end)
					return cell_error(&cell, v, cnt, "a quoted cell is not closed", *line);
				if (*c->p == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						ps_buf_put(&cell, "\"", 1);
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\r') { /* a multi-line cell from Windows: CRLF is a newline */
					c->p++;
					if (c->p < c->end && *c->p == '\n')
						c->p++;
					c->line++;
					ps_buf_put(&cell, "\n", 1);
					continue;
				}
				if (*c->p == '\n')
					c->line++;
				ps_buf_put(&cell, c->p++, 1);
			}
		}
		while (c->p < c->end && *c->p != c->sep && *c->p != '\n' && *c->p != '\r') {
			if (quoted || *c->p == '"')
				return cell_error(&cell, v, cnt, "stray quote or text after a quoted cell", *line);
			ps_buf_put(&cell, c->p++, 1);
		}
		char **nv = realloc(v, (cnt + 1) * sizeof(char *));
		char *s = ps_buf_detach(&cell);
		if (!nv || !s) {
			free(s);
			ps_strv_free(nv ? nv : v, cnt);
			return ps_error_set(PS_ENOMEM, "out of memory");
		}
		v = nv;
		v[cnt++] = s;
		if (c->p < c->end && *c->p == c->sep) {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		c->line++;
		break;
	}
	*cells = v;
	*n = cnt;
	return 1;
}

bool ps_csv_blank(char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cells[i][strspn(cells[i], " \t")])
			return false;
	return true;
}

char *ps_csv_fold(const char *name)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)name, 0, &m,
	                                    UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
	                                        UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
	if (len < 0)
		return strdup(""); /* not UTF-8: matches no column */
	char *out = malloc((size_t)len + 1), *w = out;
	for (const utf8proc_uint8_t *p = m; out && *p; p++) {
		char ch;
		if (p[0] == 0xc4 && p[1] == 0x91) { /* đ (Đ folds to it): its own letter, read as d */
			ch = 'd';
			p++;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p >= 0x80) {
			ch = (char)*p;
		} else {
			ch = ' ';
		}
		if (ch != ' ' || (w > out && w[-1] != ' '))
			*w++ = ch;
	}
	if (out) {
		if (w > out && w[-1] == ' ')
			w--;
		*w = '\0';
	}
	free(m);
	return out;
}

/* cell without the spaces around it, in out; false when it does not fit */
static bool trimmed(char *out, size_t size, const char *cell)
{
	cell += strspn(cell, " \t");
	size_t n = strlen(cell);
	while (n && (cell[n - 1] == ' ' || cell[n - 1] == '\t'))
		n--;
	if (n >= size)
		return false;
	memcpy(out, cell, n);
	out[n] = '\0';
	return true;
}

int ps_csv_trim(char *out, size_t size, const char *cell)
{
	return trimmed(out, size, cell) ? 0 : ps_error_set(PS_EINVALID, "\"%.40s...\" is too long", cell);
}

int ps_csv_percent(char *out, size_t size, const char *cell)
{
	if (!trimmed(out, size, cell))
		return ps_error_set(PS_EINVALID, "percent \"%.40s\" must be a whole number from 0 to 100", cell);
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '%') {
		out[--n] = '\0';
		while (n && out[n - 1] == ' ')
			out[--n] = '\0';
	}
	return 0;
}

int ps_csv_decimal(char *out, size_t size, const char *cell, char sep)
{
	if (!trimmed(out, size, cell))
		return ps_error_set(PS_EINVALID, "actual \"%.40s\" must be a decimal number such as 12 or 3.75", cell);
	const char *comma = strchr(out, ','), *dot = strchr(out, '.');
	const char *point = comma ? comma : dot;
	bool two = comma && (dot || strchr(comma + 1, ','));
	/* one separator and exactly three digits after it: a thousands
	 * separator in one locale, a decimal point in the other */
	bool thousands = point && !two && strspn(point + 1, "0123456789") == 3 && !point[4] && (comma || sep == ';');
	if (two || thousands)
		return ps_error_set(PS_EINVALID,
		                    "actual \"%.40s\" reads two ways (a decimal point or a thousands separator); write "
		                    "it with no thousands separator and at most one decimal point, such as 1234 or "
		                    "1234.5",
		                    out);
	if (comma)
		out[comma - out] = '.';
	return 0;
}
