/* csv.h - reading CSV as offices save it (lib/csv.c); private to lib/.
 *
 * RFC 4180 (quotes, doubled quotes, CRLF) with the separator detected
 * from the header line (',' or ';': Vietnamese Excel writes ';'), header
 * names folded so that "Tỷ lệ (%)", "TY LE" and "ty le" are one name, and
 * numbers as a spreadsheet in Vietnamese writes them ("40%", "3,75"). */
#ifndef PLANSYNC_CSV_H
#define PLANSYNC_CSV_H
#include <stdbool.h>
#include <stddef.h>

typedef struct ps_csv {
	const char *p, *end;
	int line; /* of the next row */
	char sep; /* ',' or ';' */
} ps_csv;

/* Starts reading the len bytes at data (no byte order mark). The
 * separator is the one of ';' and ',' that the first line holds more of
 * outside quotes; ',' when it holds neither, or as many of each. */
void ps_csv_init(ps_csv *c, const char *data, size_t len);
/* The next row's cells (each malloc'd, *cells freed with ps_strv_free):
 * 1 with a row, 0 at the end, PS_EINVALID (message naming line and
 * column) for a quote that is not closed or text after a quoted cell.
 * *line is the row's first line. */
int ps_csv_row(ps_csv *c, char ***cells, size_t *n, int *line);
/* True when every cell is empty or spaces (a blank row). */
bool ps_csv_blank(char *const *cells, size_t n);
/* name folded for matching (malloc'd; NULL when out of memory): case,
 * Vietnamese marks and đ, and everything but letters and digits ignored,
 * words separated by one space: "Tỷ lệ (%)" is "ty le". */
char *ps_csv_fold(const char *name);

/* cell without the spaces around it, in out (size bytes); PS_EINVALID
 * when it does not fit. */
int ps_csv_trim(char *out, size_t size, const char *cell);
/* A number cell as the progress fields take it, in out (size bytes):
 * spaces around it dropped; a percent may end in '%' ("40%", "40 %"); a
 * decimal may use ',' for its point ("3,75"). A cell that reads two ways
 * is refused (PS_EINVALID, the message says why and what to write): '.'
 * and ',' together ("1.234,5"), more than one ',', or a single separator
 * followed by exactly three digits ("1,234"; "1.234" too when sep is ';',
 * where a spreadsheet writes '.' between thousands). Anything else is
 * copied as it is, for the field's own check. */
int ps_csv_percent(char *out, size_t size, const char *cell);
int ps_csv_decimal(char *out, size_t size, const char *cell, char sep);

#endif
