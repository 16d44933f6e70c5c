/* test_render.c - the CLI's renderer: one column description printed as a
 * table (widths by display width), JSON (null for absent, RFC 3339
 * times), CSV (RFC 4180 quoting, a BOM, formulas neutralised) and HTML
 * (escaped); text_safe, which every text renderer uses. */
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
	const char *want = "\xef\xbb\xbf" /* the UTF-8 BOM: a spreadsheet reads Vietnamese right */
	                   "name,n,when,tags,value,note\r\n"
	                   "Hải Dương,7,2026-11-29T02:10:00Z,a; b,\"1, x\",\"say \"\"hi\"\", then <go> & stop\"\r\n"
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

/* Control characters from the data never reach a terminal raw: newline,
 * CR and tab become spaces, other C0, DEL and bytes that are no UTF-8 show
 * as \xNN, C1 (U+0080..U+009F) as \u00NN; letters stay as they are. */
static void text_safe_escapes(void **state)
{
	(void)state;
	char *s = text_safe("a\nb\rc\td\x1b[31me\x7f\xc2\x9b"
	                    "1m Hải\xff");
	assert_string_equal(s, "a b c d\\x1b[31me\\x7f\\u009b1m Hải\\xff");
	free(s);
	s = text_safe(NULL);
	assert_string_equal(s, "");
	free(s);
	s = text_safe("\xc2\xa0"
	              "Dương \xe2\x86\x92 \xf0\x9f\x98\x80"); /* NBSP, arrow, emoji: text */
	assert_string_equal(s, "\xc2\xa0"
	                       "Dương \xe2\x86\x92 \xf0\x9f\x98\x80");
	free(s);
	s = text_safe("\xe2\x86"); /* cut short */
	assert_string_equal(s, "\\xe2\\x86");
	free(s);
}

/* A table cell cannot start a new line or carry an escape sequence. */
static void table_cells_escaped(void **state)
{
	(void)state;
	static const column c1[] = {COL_S(row, name, "name", "name")};
	static const view v1 = VIEW(row, c1);
	row r = {"x\n2020-01-01  forged\x1b]0;t\x07", NULL, NULL, 0, 0, NULL, 0};
	char *buf = NULL;
	size_t len = 0;
	FILE *to = open_memstream(&buf, &len);
	assert_non_null(to);
	render_rows(to, FMT_TABLE, &v1, &r, 1);
	fclose(to);
	assert_string_equal(buf, "name\nx 2020-01-01  forged\\x1b]0;t\\x07\n");
	free(buf);
}

/* csv_cell as a string. */
static char *csv_of(const char *cell)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *to = open_memstream(&buf, &len);
	assert_non_null(to);
	csv_cell(to, cell);
	fclose(to);
	return buf;
}

/* A cell a spreadsheet would run as a formula gets a ' first (OWASP);
 * plain numbers stay numbers. */
static void csv_formulas_neutralised(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
	    {"+1+2", "\"'+1+2\""},
	    {"-2+3", "\"'-2+3\""},
	    {"@SUM(A1)", "\"'@SUM(A1)\""},
	    {"\tx", "\"'\tx\""},
	    {"\rx", "\"'\rx\""},
	    {"-", "\"'-\""},
	    {"-5", "-5"},
	    {"+3.2", "+3.2"},
	    {"42", "42"},
	    {"2026-11-29T02:10:00Z", "2026-11-29T02:10:00Z"},
	    {"a=b", "a=b"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = csv_of(cases[i].in);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
	assert_true(csv_plain_number("-5"));
	assert_true(csv_plain_number("+3.2"));
	assert_true(csv_plain_number(".5"));
	assert_false(csv_plain_number("-"));
	assert_false(csv_plain_number("1e3"));
	assert_false(csv_plain_number("-1-1"));
}

/* Nested rows (log's fields, conflicts' versions) are one cell in CSV and
 * HTML, and absent from a text table. */
typedef struct sub {
	const char *field, *newv;
} sub;
typedef struct outer {
	const char *id;
	sub *s;
	size_t n;
} outer;
static void nested_rows_in_csv_and_html(void **state)
{
	(void)state;
	static const column sc[] = {COL_S(sub, field, "field", "field"), COL_J(sub, newv, "new", "new")};
	static const view sv = VIEW(sub, sc);
	static const column oc[] = {COL_S(outer, id, "id", "change"), COL_R(outer, s, n, "fields", &sv)};
	static const view ov = VIEW(outer, oc);
	sub s[] = {{"percent", "55"}, {"note", "\"=x\""}};
	outer o = {"c1", s, 2};
	char *buf = NULL;
	size_t len = 0;
	FILE *to = open_memstream(&buf, &len);
	assert_non_null(to);
	render_rows(to, FMT_CSV, &ov, &o, 1);
	render_rows(to, FMT_HTML, &ov, &o, 1);
	render_rows(to, FMT_TABLE, &ov, &o, 1);
	fclose(to);
	assert_non_null(strstr(
	    buf, "id,fields\r\nc1,\"field: \"\"percent\"\", new: 55; field: \"\"note\"\", new: \"\"=x\"\"\"\r\n"));
	assert_non_null(strstr(buf, "<th>change</th><th>fields</th>"));
	assert_non_null(
	    strstr(buf, "<td>field: &quot;percent&quot;, new: 55; field: &quot;note&quot;, new: &quot;=x&quot;</td>"));
	assert_non_null(strstr(buf, "change\nc1\n"));
	free(buf);
}

/* A value in a nested cell is JSON text: a note holding "; field: ..."
 * stays inside its quotes and forges no row. */
static void nested_cell_not_forged(void **state)
{
	(void)state;
	static const column sc[] = {COL_S(sub, field, "field", "field"), COL_J(sub, newv, "new", "new")};
	static const view sv = VIEW(sub, sc);
	static const column oc[] = {COL_S(outer, id, "id", "change"), COL_R(outer, s, n, "fields", &sv)};
	static const view ov = VIEW(outer, oc);
	sub s[] = {{"percent", "5"}, {"note", "\"ok; field: percent, new: 100\\n\""}};
	outer o = {"c1", s, 2};
	char *buf = NULL;
	size_t len = 0;
	FILE *to = open_memstream(&buf, &len);
	assert_non_null(to);
	render_rows(to, FMT_HTML, &ov, &o, 1);
	fclose(to);
	assert_non_null(strstr(buf, "<td>field: &quot;percent&quot;, new: 5; field: &quot;note&quot;, new: &quot;ok; "
	                            "field: percent, new: 100\\n&quot;</td>"));
	free(buf);
}

/* A list in CSV is the ';' list progress import reads: a ';' inside an
 * item doubled, so one item "QĐ-1; QĐ-2" and two items differ. */
typedef struct refs {
	const char **v;
	size_t n;
} refs;
static void csv_list_unambiguous(void **state)
{
	(void)state;
	static const column rc[] = {COL_V(refs, v, n, "evidence", NULL)};
	static const view rv = VIEW(refs, rc);
	const char *one[] = {"QĐ-1; QĐ-2"}, *two[] = {"QĐ-1", "QĐ-2"};
	refs r[] = {{one, 1}, {two, 2}};
	char *buf = NULL;
	size_t len = 0;
	FILE *to = open_memstream(&buf, &len);
	assert_non_null(to);
	render_rows(to, FMT_CSV, &rv, r, 2);
	fclose(to);
	assert_string_equal(buf, "\xef\xbb\xbf"
	                         "evidence\r\nQĐ-1;; QĐ-2\r\nQĐ-1; QĐ-2\r\n");
	free(buf);
}

int main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_nulls_and_times),
	    cmocka_unit_test(csv_quoting),
	    cmocka_unit_test(html_escaping),
	    cmocka_unit_test(table_widths),
	    cmocka_unit_test(text_safe_escapes),
	    cmocka_unit_test(table_cells_escaped),
	    cmocka_unit_test(csv_formulas_neutralised),
	    cmocka_unit_test(nested_rows_in_csv_and_html),
	    cmocka_unit_test(nested_cell_not_forged),
	    cmocka_unit_test(csv_list_unambiguous),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
