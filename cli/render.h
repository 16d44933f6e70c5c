/* render.h - one description of a view's columns, four ways to print it.
 *
 * A view is an array of columns over a C struct (the typed reads of
 * plansync/views.h): the JSON name, the table header (NULL: not in the
 * table), the member's type and where it is. The same description prints a
 * text table, JSON (names as given, absent values null, times RFC 3339 in
 * UTC), CSV (RFC 4180) and HTML, so a new report is one description and a
 * new format is one function here. The COL_* macros take the struct and
 * member, so a renamed member, or one of another type, breaks the build. */
#ifndef PLANSYNC_RENDER_H
#define PLANSYNC_RENDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

typedef enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_HTML } fmt;

typedef enum col_type {
	COL_STR,  /* const char *; NULL absent */
	COL_LONG, /* long */
	COL_OPT,  /* long; negative absent */
	COL_BOOL, /* bool */
	COL_TIME, /* int64_t milliseconds since the epoch; 0 absent */
	COL_JSON, /* const char *, JSON text; NULL absent */
	COL_STRV, /* const char **, count (size_t) at off_n; NULL absent */
	COL_ROWS, /* rows (pointer) with count at off_n, described by sub */
	COL_OBJ,  /* an embedded struct, described by sub */
} col_type;

typedef struct view view;
typedef struct column {
	const char *name; /* JSON member, CSV header */
	const char *head; /* table and HTML header; NULL: JSON only */
	col_type type;
	size_t off, off_n;
	const view *sub;
} column;
struct view {
	const column *cols;
	size_t ncols;
	size_t size; /* of one row, for arrays */
};
#define VIEW(T, cols)                                                                                                  \
	{                                                                                                              \
		cols, sizeof(cols) / sizeof(cols[0]), sizeof(T)                                                        \
	}

/* offsetof, and a compile error unless T.m has type MT. */
#define COL_OFF(T, m, MT)                                                                                              \
	(offsetof(T, m) + 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((T *)0)->m), MT) ? 1 : -1]))
#define COL_S(T, m, name, head)                                                                                        \
	{                                                                                                              \
		name, head, COL_STR, COL_OFF(T, m, const char *), 0, NULL                                              \
	}
#define COL_J(T, m, name, head)                                                                                        \
	{                                                                                                              \
		name, head, COL_JSON, COL_OFF(T, m, const char *), 0, NULL                                             \
	}
#define COL_L(T, m, name, head)                                                                                        \
	{                                                                                                              \
		name, head, COL_LONG, COL_OFF(T, m, long), 0, NULL                                                     \
	}
#define COL_O(T, m, name, head)                                                                                        \
	{                                                                                                              \
		name, head, COL_OPT, COL_OFF(T, m, long), 0, NULL                                                      \
	}
#define COL_B(T, m, name, head)                                                                                        \
	{                                                                                                              \
		name, head, COL_BOOL, COL_OFF(T, m, bool), 0, NULL                                                     \
	}
#define COL_T(T, m, name, head)                                                                                        \
	{                                                                                                              \
		name, head, COL_TIME, COL_OFF(T, m, int64_t), 0, NULL                                                  \
	}
#define COL_V(T, m, n, name, head)                                                                                     \
	{                                                                                                              \
		name, head, COL_STRV, COL_OFF(T, m, const char **), COL_OFF(T, n, size_t), NULL                        \
	}
#define COL_R(T, m, n, name, sub)                                                                                      \
	{                                                                                                              \
		name, NULL, COL_ROWS, offsetof(T, m), COL_OFF(T, n, size_t), sub                                       \
	}
#define COL_G(T, m, name, sub)                                                                                         \
	{                                                                                                              \
		name, NULL, COL_OBJ, offsetof(T, m), 0, sub                                                            \
	}

/* The format a command's options ask for (--json: FMT_JSON). */
struct args;
fmt fmt_of(const struct args *a);

/* One row as a JSON object; rows as an array. NULL when out of memory. */
cJSON *render_json(const view *v, const void *row);
cJSON *render_json_rows(const view *v, const void *rows, size_t n);
/* A cell as text: times in local time (TZ), JSON strings bare, lists
 * joined by ", ", absent empty. malloc()ed; NULL when out of memory. */
char *render_cell(const column *c, const void *row);
/* Rows in format f: a table of the columns with a header, a JSON array, a
 * CSV file with a header row, or an HTML table. */
void render_rows(FILE *to, fmt f, const view *v, const void *rows, size_t n);

/* Times: "2026-11-29T02:10:00Z" (UTC) and local "2026-11-29 09:10:00 +07". */
void time_rfc3339(int64_t ms, char out[32]);
void time_local(int64_t ms, char out[48]);
/* Text escaped for CSV (quoted when it must be; a cell that a spreadsheet
 * would run as a formula, = + - @ tab CR first, gets a ' before it unless
 * it is a plain number such as -5 or +3.2) and for HTML. CSV output starts
 * with the UTF-8 byte order mark. */
void csv_cell(FILE *to, const char *s);
bool csv_plain_number(const char *s);
void html_text(FILE *to, const char *s);
/* Text from the data made safe for a terminal, for every text renderer:
 * newline, CR and tab become a space (one value stays on its line), other
 * C0 controls, DEL and bytes that are not UTF-8 show as \xNN, C1 controls
 * (U+0080..U+009F) as \u00NN, so no value can forge a line or send a
 * terminal sequence. text_escape appends to b; text_safe returns a
 * malloc()ed copy (NULL: out of memory; NULL s reads as ""); text_put
 * prints it. */
struct ps_buf;
void text_escape(struct ps_buf *b, const char *s);
char *text_safe(const char *s);
void text_put(FILE *to, const char *s);

/* status --json, also printed by init --json (cmd_status.c); a library
 * error code, nothing printed then. */
struct ps_replica;
int status_print_json(struct ps_replica *r);

#endif
