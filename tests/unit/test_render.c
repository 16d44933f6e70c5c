/* test_render.c - the CLI's renderer: one column description printed as a
 * table (widths by display width), JSON (null for absent, RFC 3339
 * times), CSV (RFC 4180 quoting) and HTML (escaped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h" /* before cmocka, which defines a fail() macro */
#include "render.h"
#include "util.h"

typedef struct row {
	const char *name, *note, *json;
	long n;
	int64_t when;
	const char **tags;
	size_t ntags;
} row;

static const column cols[] = {
    COL_S(row, name, "name", "name"),        COL_O(row, n, "n", "#"),         COL_T(row, when, "when", "when"),
    COL_V(row, tags, ntags, "tags", "tags"), COL_J(row, json, "value", NULL), COL_S(row, note, "note", "note"),
};
static const view row_view = VIEW(row, cols);

static const char *tags[] = {"a", "b"};
static const row rows[] = {
    {"Hải Dương", "say \"hi\", then <go> & stop", "[1,\"x\"]", 7, 1795918200000LL /* 2026-11-29T02:10:00Z */, tags, 2},
    {"b", NULL, NULL, -1, 0, NULL, 0},
};

/* What render_rows prints, as a string (free()). */
static char *rendered(fmt f, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *to = open_memstream(&buf, &len);
	assert_non_null(to);
	render_rows(to, f, &row_view, rows, n);
	fclose(to);
	return buf;
}

static void json_nulls_and_times(void **state)
{
	(void)state;
	char *s = rendered(FMT_JSON, 2);
	assert_non_null(strstr(s, "\"when\": \"2026-11-29T02:10:00Z\""));
	assert_non_null(strstr(s, "\"n\": 7"));
	assert_non_null(strstr(s, "\"n\": null"));
	assert_non_null(strstr(s, "\"note\": null"));
	assert_non_null(strstr(s, "\"tags\": null"));
	assert_non_null(strstr(s, "\"when\": null"));
	assert_non_null(strstr(s, "\"value\": null"));
	assert_non_null(strstr(s, "\"x\"")); /* JSON text goes in as JSON */
	free(s);
}

static void csv_quoting(void **state)
{
	(void)state;
	char *s = rendered(FMT_CSV, 2);
	const char *want = "name,n,when,tags,value,note\r\n"
	                   "Hải Dương,7,2026-11-29T02:10:00Z,\"a, b\",\"1, x\",\"say \"\"hi\"\", then <go> & stop\"\r\n"
	                   "b,,,,,\r\n";
	assert_string_equal(s, want);
	free(s);
}

static void html_escaping(void **state)
{
	(void)state;
	char *s = rendered(FMT_HTML, 1);
	assert_non_null(strstr(s, "<th>#</th>"));
	assert_null(strstr(s, "<th>value</th>")); /* JSON-only column */
	assert_non_null(strstr(s, "<td>say &quot;hi&quot;, then &lt;go&gt; &amp; stop</td>"));
	free(s);
}

static void table_widths(void **state)
{
	(void)state;
	char *s = rendered(FMT_TABLE, 2);
	/* "Hải Dương" is 9 columns wide however many bytes: the next column
	 * starts at 11 on every line. Times are local (TZ=Asia/Ho_Chi_Minh). */
	const char *want = "name       #  when                     tags  note\n"
	                   "Hải Dương  7  2026-11-29 09:10:00 +07  a, b  say \"hi\", then <go> & stop\n"
	                   "b                                            \n";
	assert_string_equal(s, want);
	free(s);
}

int main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_nulls_and_times),
	    cmocka_unit_test(csv_quoting),
	    cmocka_unit_test(html_escaping),
	    cmocka_unit_test(table_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
