/* test_progress.c - progress reports: the CSV parser and import, and the
 * field checks of ps_progress_set.
 *
 * Every test runs on a fresh province replica holding the small test plan
 * (util.c) and checks exact report lines, counts and the state after: an
 * import that fails must leave the state byte for byte as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/ops.h"
#include "plansync/record.h"

typedef struct fx {
	char *dir;
	ps_replica *r;
} fx;

static int setup(void **st)
{
	fx *f = calloc(1, sizeof(*f));
	f->dir = tmpdir_new();
	f->r = replica_new(f->dir, "tinh", "tinh", "hq", NULL);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	fx *f = *st;
	ps_replica_free(f->r);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Import csv; returns the code, *report (may be NULL) and *written. */
static int import(fx *f, const char *csv, char **report, long *written)
{
	return ps_progress_import_csv(f->r, csv, strlen(csv), report, written);
}

/* Import csv, expect it refused with exactly want as the report and the
 * state unchanged. */
static void import_refused(fx *f, const char *csv, const char *want)
{
	char *before = replica_dump(f->r);
	char *rep = NULL;
	long w = -1;
	assert_int_equal(import(f, csv, &rep, &w), PS_EINVALID);
	assert_string_equal(ps_error_last(), "the CSV file has errors; nothing was written");
	assert_int_equal(w, 0);
	assert_non_null(rep);
	assert_string_equal(rep, want);
	free(rep);
	char *after = replica_dump(f->r);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* The dump must contain needle. */
static void has(fx *f, const char *needle)
{
	char *d = replica_dump(f->r);
	if (!strstr(d, needle))
		fail_msg("state lacks %s:\n%s", needle, d);
	free(d);
}

static void quoting_newlines_evidence(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	const char *csv = "task,period,status,percent,actual,note,evidence,reason\n"
	                  "p2-t7,2021,on_track,35,9,\"Hoàn thành 9/13, còn \"\"giao thông\"\"\",BC-1/UBND; QĐ-7 ;,năm\n"
	                  "p2-t7,2022,on_track,60,11.5,,,\n"
	                  "p1-t1,2021-q1,done,100,,\"Nhiều dòng\nghi chú\",,\n";
	assert_int_equal(import(f, csv, &rep, &w), 0);
	assert_null(rep);
	assert_int_equal(w, 3);
	has(f, "\"note\": \"Hoàn thành 9/13, còn \\\"giao thông\\\"\"");
	has(f, "\"evidence\": [\"BC-1/UBND\",\"QĐ-7 \"]");
	has(f, "\"actual\": \"11.5\"");
	has(f, "\"note\": \"Nhiều dòng\\nghi chú\"");
	has(f, "\"percent\": 100");
	has(f, "\"reporter\": \"Cán bộ tinh\"");
	/* The same file again: every row equals the state, nothing written. */
	char *before = replica_dump(f->r);
	assert_int_equal(import(f, csv, &rep, &w), 0);
	assert_int_equal(w, 0);
	char *after = replica_dump(f->r);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* Evidence is a ';' list and ';;' is a ';' inside a reference, the form
 * progress show --format csv writes. */
static void evidence_semicolons(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	assert_int_equal(import(f, "task,period,evidence\np2-t7,2021,QĐ-1;; QĐ-2; x;;;  y\n", &rep, &w), 0);
	assert_null(rep);
	assert_int_equal(w, 1);
	has(f, "\"evidence\": [\"QĐ-1; QĐ-2\",\"x;\",\"y\"]");
}

static void bom_crlf_blank_lines(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	const char *csv = "\xef\xbb\xbftask,period,status\r\n\r\np2-t7,2023,delayed\r\n\n"
	                  "\"p1-t1\",\"2024\",\"at_risk\"\r\n\r\n";
	assert_int_equal(import(f, csv, &rep, &w), 0);
	assert_int_equal(w, 2);
	has(f, "{\"id\": \"progress/tinh/p2-t7/2023\", \"retired\": false, \"fields\": {\"reporter\": \"Cán bộ "
	       "tinh\", \"status\": \"delayed\"}}");
	has(f, "\"id\": \"progress/tinh/p1-t1/2024\", \"retired\": false, \"fields\": {\"reporter\": \"Cán bộ "
	       "tinh\", \"status\": \"at_risk\"}");
	/* A multi-line cell written on Windows ends its lines in CRLF: a
	 * newline in the note, and the line count goes on after it. */
	assert_int_equal(import(f, "task,period,note\r\np2-t7,2025,\"a\r\nb\"\r\np2-t7,x y,\r\n", &rep, &w),
	                 PS_EINVALID);
	assert_string_equal(rep, "line 4, column 2 (period): period \"x y\" is not a period id (such as 2021 or "
	                         "2021-q3); see 'plansync plan periods'\n");
	free(rep);
	rep = NULL;
	assert_int_equal(import(f, "task,period,note\r\np2-t7,2025,\"a\r\nb\"\r\n", &rep, &w), 0);
	has(f, "\"note\": \"a\\nb\"");
	/* A NUL byte: not a text file, said with its line. */
	assert_int_equal(ps_progress_import_csv(f->r, "task,period\np2-t7,\0002021\n", 19, &rep, &w), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "NUL byte on line 2"));
}

static void header_problems(void **st)
{
	fx *f = *st;
	/* Header names are matched case-insensitively: "Status" is status. */
	import_refused(f, "task,colour,period,task,Status\np2-t7,red,2021,p2-t7,done\n",
	               "line 1, column 2: unknown column \"colour\" (known: task, period, status, percent, actual, "
	               "note, evidence, reporter, reason; or in Vietnamese: Nhiệm vụ, Kỳ, Trạng thái, Tỷ lệ, Giá "
	               "trị thực tế, Ghi chú, Minh chứng, Người báo cáo, Lý do)\n"
	               "line 1, column 4: column \"task\" appears twice\n");
	import_refused(f, "task,period,Trạng thái,trang thai\np2-t7,2021,done,done\n",
	               "line 1, column 4: column \"trang thai\" appears twice\n");
	import_refused(f, "status,percent\ndone,100\n", "line 1: the header must have the columns task and period\n");
	import_refused(f, "period,status\n2021,done\n", "line 1: the header must have the columns task and period\n");
}

static void empty_and_header_only(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	assert_int_equal(import(f, "", &rep, &w), PS_EINVALID);
	assert_null(rep);
	assert_string_equal(ps_error_last(),
	                    "the CSV file is empty; the first line must name the columns (task,period,status,...)");
	assert_int_equal(import(f, "\xef\xbb\xbf", &rep, &w), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "the CSV file is empty"));
	assert_int_equal(import(f, "task,period,status\r\n", &rep, &w), PS_EINVALID);
	assert_null(rep);
	assert_string_equal(ps_error_last(), "the CSV file has a header but no rows");
	assert_int_equal(import(f, "task,period,status\n\n\n", &rep, &w), PS_EINVALID);
	assert_string_equal(ps_error_last(), "the CSV file has a header but no rows");
	assert_int_equal(w, 0);
}

/* One good row first, then a bad value in every column that has a check:
 * each problem is reported and not even the good row is written. */
static void every_bad_value_reported(void **st)
{
	fx *f = *st;
	import_refused(
	    f,
	    "task,period,status,percent,actual,note,evidence,reporter,reason\n"
	    "p2-t7,2023,on_track,70,,,,,\n"
	    "p2-t7,2024,finished,80,,,,,\n"
	    "p9-t1,2024,done,100,,,,,\n"
	    "p2-t7,2039,done,100,,,,,\n"
	    "p2-t7,2025,done,150,,,,,\n"
	    "p2-t7,2025,done,1x,,,,,\n"
	    "p2-t7,2025,,,12.5.1,,,,\n"
	    "p2-t7,2025,,,,\"bell\a\",,,\n"
	    "P2-T7,2025,done,,,,,,\n"
	    "p2-t7,2025 q1,done,,,,,,\n"
	    ",2025,done,,,,,,\n"
	    "p2-t7,,done,,,,,,\n"
	    "p2-t7,2025,,,,,,,\n",
	    "line 3, column 3 (status): status \"finished\" is not one of not_started, on_track, at_risk, "
	    "delayed, done, cancelled\n"
	    "line 4, column 1 (task): unknown task \"p9-t1\" (did you mean \"p1-t1\"? the list: plansync plan "
	    "tasks); has this replica synced the plan?\n"
	    "line 5, column 2 (period): unknown period \"2039\" (the list: plansync plan periods); periods "
	    "are years (2021) and quarters (2021-q3) of the plan\n"
	    "line 6, column 4 (percent): percent \"150\" must be a whole number from 0 to 100\n"
	    "line 7, column 4 (percent): percent \"1x\" must be a whole number from 0 to 100\n"
	    "line 8, column 5 (actual): actual \"12.5.1\" must be a decimal number such as 12 or 3.75\n"
	    "line 9, column 6 (note): the note contains a control character (U+0007); remove it\n"
	    "line 11, column 2 (period): period \"2025 q1\" is not a period id (such as 2021 or 2021-q3); see "
	    "'plansync plan periods'\n"
	    "line 12, column 1: task and period are required\n"
	    "line 13, column 2: task and period are required\n"
	    "line 14: nothing to record: fill at least one of the columns status, percent, actual, note, "
	    "evidence\n");
}

/* Line numbers count the lines a quoted cell spans. */
static void lines_after_multiline_cell(void **st)
{
	fx *f = *st;
	import_refused(f, "task,period,note,status\np2-t7,2021,\"one\ntwo\nthree\",done\np2-t7,2022,,late\n",
	               "line 5, column 4 (status): status \"late\" is not one of not_started, on_track, at_risk, "
	               "delayed, done, cancelled\n");
}

static void quote_errors(void **st)
{
	fx *f = *st;
	import_refused(f, "task,period,note\np2-t7,2021,ok\np2-t7,2022,\"never closed\n",
	               "line 3, column 3: a quoted cell is not closed\n");
	import_refused(f, "task,period,note\np2-t7,2022,\"quoted\"tail\n",
	               "line 2, column 3: stray quote or text after a quoted cell\n");
	import_refused(f, "task,period,note\np2-t7,2022,in\"side\n",
	               "line 2, column 3: stray quote or text after a quoted cell\n");
	/* A quote error in the header is the whole answer. */
	char *rep = NULL;
	long w = -1;
	assert_int_equal(import(f, "task,\"period\n", &rep, &w), PS_EINVALID);
	assert_null(rep);
	assert_string_equal(ps_error_last(), "line 1, column 2: a quoted cell is not closed");
}

static void utf8_and_nfc(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	assert_int_equal(import(f, "task,period,note\np2-t7,2021,ab\xff\n", &rep, &w), PS_EINVALID);
	assert_null(rep);
	assert_string_equal(ps_error_last(), "the CSV file is not valid UTF-8; save it as \"CSV UTF-8\" and try again");
	/* Decomposed input (a + U+0300, e + U+0302 + U+0301) is stored composed. */
	assert_int_equal(
	    import(f, "task,period,note,reporter\np2-t7,2021,Hoa\xcc\x80 the\xcc\x82\xcc\x81,Nguye\xcc\x82\xcc\x83n\n",
	           &rep, &w),
	    0);
	assert_int_equal(w, 1);
	has(f, "\"note\": \"Hoà thế\"");
	has(f, "\"reporter\": \"Nguyễn\"");
}

static void long_fields(void **st)
{
	fx *f = *st;
	size_t big = 200000;
	char *csv = malloc(big + PS_NOTE_MAX + 200);
	char *rep = NULL;
	long w = -1;
	/* A note at the limit, in a quoted cell with doubled quotes. */
	int n = sprintf(csv, "task,period,note\np2-t7,2021,\"");
	for (size_t i = 0; i < PS_NOTE_MAX - 2; i++)
		csv[n++] = 'x';
	n += sprintf(csv + n, "\"\"\"\n");
	assert_int_equal(ps_progress_import_csv(f->r, csv, (size_t)n, &rep, &w), 0);
	assert_int_equal(w, 1);
	/* One byte over, and a 200 kB cell: each refused with its size. */
	n = sprintf(csv, "task,period,note\np2-t7,2022,");
	memset(csv + n, 'y', PS_NOTE_MAX + 1);
	n += PS_NOTE_MAX + 1;
	n += sprintf(csv + n, "\np2-t7,2023,");
	memset(csv + n, 'z', big);
	n += (int)big;
	csv[n++] = '\n';
	char *before = replica_dump(f->r);
	assert_int_equal(ps_progress_import_csv(f->r, csv, (size_t)n, &rep, &w), PS_EINVALID);
	assert_string_equal(rep, "line 2, column 3 (note): the note is too long: 12001 bytes in UTF-8 (NFC), at most "
	                         "12000 allowed; shorten it\n"
	                         "line 3, column 3 (note): the note is too long: 200000 bytes in UTF-8 (NFC), at "
	                         "most 12000 allowed; shorten it\n");
	free(rep);
	char *after = replica_dump(f->r);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(csv);
}

/* CSV as Vietnamese offices save it: ';' from Excel in Vietnamese, names
 * in Vietnamese in any case and with or without marks, empty trailing
 * columns and blank rows, "40%" and decimal commas. */
static void vietnamese_csv(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	const char *csv = "\xef\xbb\xbfNhiệm vụ;KỲ;Trạng thái;Tỷ lệ (%);Giá trị thực tế;Ghi chú;Minh chứng;Người "
	                  "báo cáo;;\r\n"
	                  "P2-T7;2021-Q1;On_Track;40%;3,75;Đã xong, còn một phần;QĐ-1;Lan;;\r\n"
	                  ";;;;;;;;;\r\n"
	                  "p1-t1; 2022 ;done; 100 % ;12;;;;;\r\n"
	                  "\r\n";
	assert_int_equal(import(f, csv, &rep, &w), 0);
	assert_null(rep);
	assert_int_equal(w, 2);
	has(f, "{\"id\": \"progress/tinh/p2-t7/2021-q1\", \"retired\": false, \"fields\": {\"actual\": \"3.75\", "
	       "\"evidence\": [\"QĐ-1\"], \"note\": \"Đã xong, còn một phần\", \"percent\": 40, \"reporter\": "
	       "\"Lan\", \"status\": \"on_track\"}}");
	has(f, "\"id\": \"progress/tinh/p1-t1/2022\", \"retired\": false, \"fields\": {\"actual\": \"12\", "
	       "\"percent\": 100,");
	/* without marks, other spellings */
	assert_int_equal(import(f, "nhiem vu,ky bao cao,ti le,thuc te\np2-t7,2023,\"50 %\",\"0,5\"\n", &rep, &w), 0);
	has(f, "{\"id\": \"progress/tinh/p2-t7/2023\", \"retired\": false, \"fields\": {\"actual\": \"0.5\", "
	       "\"percent\": 50,");
	/* numbers that read two ways, a value under no column, a fraction */
	import_refused(f,
	               "task;period;percent;actual;\n"
	               "p2-t7;2024;;1,234\n"
	               "p2-t7;2024;;1.234\n"
	               "p2-t7;2024;;1.234,5\n"
	               "p2-t7;2024;;1,2,3\n"
	               "p2-t7;2024;40,5%;\n"
	               "p2-t7;2024;;;x\n"
	               "p2-t7;2024;;2,5;;x\n",
	               "line 2, column 4 (actual): actual \"1,234\" reads two ways (a decimal point or a thousands "
	               "separator); write it with no thousands separator and at most one decimal point, such as 1234 "
	               "or 1234.5\n"
	               "line 3, column 4 (actual): actual \"1.234\" reads two ways (a decimal point or a thousands "
	               "separator); write it with no thousands separator and at most one decimal point, such as 1234 "
	               "or 1234.5\n"
	               "line 4, column 4 (actual): actual \"1.234,5\" reads two ways (a decimal point or a thousands "
	               "separator); write it with no thousands separator and at most one decimal point, such as 1234 "
	               "or 1234.5\n"
	               "line 5, column 4 (actual): actual \"1,2,3\" reads two ways (a decimal point or a thousands "
	               "separator); write it with no thousands separator and at most one decimal point, such as 1234 "
	               "or 1234.5\n"
	               "line 6, column 3 (percent): percent \"40,5\" must be a whole number from 0 to 100\n"
	               "line 7, column 5: a value under a column with no name in the header\n"
	               "line 8: 6 cells, but the header names 5 columns; put a cell holding a semicolon in double "
	               "quotes\n");
	/* with ',' the '.' is the decimal point, as progress set takes it */
	assert_int_equal(import(f, "task,period,actual\np2-t7,2025,1.234\n", &rep, &w), 0);
	has(f, "\"actual\": \"1.234\"");
}

static void evidence_limits(void **st)
{
	fx *f = *st;
	char *rep = NULL;
	long w = -1;
	/* An unquoted comma in a note makes a cell the header does not name:
	 * refused, never dropped. */
	import_refused(f, "task,period,note\np2-t7,2021,Đã xong phần 1, còn phần 2\n",
	               "line 2: 4 cells, but the header names 3 columns; put a cell holding a comma in double "
	               "quotes\n");
	/* More than 20 references in a cell: refused, as progress set refuses a
	 * 21st --evidence; 20 are fine. */
	char csv[512] = "task,period,evidence\np2-t7,2021,";
	for (int i = 0; i < 25; i++)
		sprintf(csv + strlen(csv), "E%d;", i);
	strcat(csv, "\n");
	import_refused(f, csv, "line 2, column 3 (evidence): at most 20 evidence references\n");
	strcpy(csv, "task,period,evidence\np2-t7,2021,");
	for (int i = 0; i < 20; i++)
		sprintf(csv + strlen(csv), "E%d;", i);
	strcat(csv, "\n");
	assert_int_equal(import(f, csv, &rep, &w), 0);
	assert_int_equal(w, 1);
	has(f, "\"E19\"]");
	import_refused(f, "task,period,evidence\np2-t7,2022,ok; bad\ttab\n",
	               "line 2, column 3 (evidence): an evidence reference contains a control character (U+0009); "
	               "remove it\n");
}

static void set_field_checks(void **st)
{
	fx *f = *st;
	char *id = NULL;
	char *before = replica_dump(f->r);
	struct {
		const char *task, *period;
		ps_progress_in in;
		int rc;
		const char *msg;
	} cases[] = {
	    {"p2-t7",
	     "2021",
	     {.status = "finished"},
	     PS_EINVALID,
	     "status \"finished\" is not one of not_started, on_track, at_risk, delayed, done, cancelled"},
	    {"p2-t7", "2021", {.percent = "101"}, PS_EINVALID, "percent \"101\" must be a whole number from 0 to 100"},
	    {"p2-t7", "2021", {.percent = "-1"}, PS_EINVALID, "percent \"-1\" must be a whole number from 0 to 100"},
	    {"p2-t7", "2021", {.percent = ""}, PS_EINVALID, "percent \"\" must be a whole number from 0 to 100"},
	    {"p2-t7", "2021", {.percent = "3.5"}, PS_EINVALID, "percent \"3.5\" must be a whole number from 0 to 100"},
	    {"p2-t7",
	     "2021",
	     {.actual = "abc"},
	     PS_EINVALID,
	     "actual \"abc\" must be a decimal number such as 12 or 3.75"},
	    {"p2-t7",
	     "2021",
	     {.note = "tab\tand\nnewline ok\x01"},
	     PS_EINVALID,
	     "the note contains a control character (U+0001); remove it"},
	    {"p2-t7",
	     "2021",
	     {.reporter = "two\nlines", .status = "done"},
	     PS_EINVALID,
	     "the reporter contains a control character (U+000A); remove it"},
	    {"p2-t7",
	     "2021",
	     {.reporter = "only a reporter"},
	     PS_EINVALID,
	     "nothing to record: give at least one of --status, --percent, --actual, --note, --evidence"},
	    {"p2-t7",
	     "2021",
	     {.evidence = (const char *const[]){"QĐ-1", " "}, .nevidence = 2},
	     PS_EINVALID,
	     "an evidence reference is empty; give the document's reference, such as QĐ-123/UBND"},
	    {"p2-t7",
	     "2021",
	     {0},
	     PS_EINVALID,
	     "nothing to record: give at least one of --status, --percent, --actual, --note, --evidence"},
	    {"p9-t9",
	     "2021",
	     {.status = "done"},
	     PS_ENOTFOUND,
	     "unknown task \"p9-t9\" (the list: plansync plan tasks); has this replica synced the plan?"},
	    {"p2_t7",
	     "2021",
	     {.status = "done"},
	     PS_EINVALID,
	     "task \"p2_t7\" is not a task id (such as p2-t7); see 'plansync plan tasks'"},
	    {"p2-t7",
	     "2030",
	     {.status = "done"},
	     PS_ENOTFOUND,
	     "unknown period \"2030\" (the list: plansync plan periods); periods are years (2021) and quarters "
	     "(2021-q3) of the plan"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ps_progress_set(f->r, cases[i].task, cases[i].period, &cases[i].in, NULL, &id);
		if (rc != cases[i].rc || strcmp(ps_error_last(), cases[i].msg))
			fail_msg("case %zu: %d \"%s\", expected %d \"%s\"", i, rc, ps_error_last(), cases[i].rc,
			         cases[i].msg);
		assert_null(id);
	}
	const char *ev[21];
	for (int i = 0; i < 21; i++)
		ev[i] = "x";
	ps_progress_in many = {.evidence = ev, .nevidence = 21};
	assert_int_equal(ps_progress_set(f->r, "p2-t7", "2021", &many, NULL, &id), PS_EINVALID);
	assert_string_equal(ps_error_last(), "at most 20 evidence references");
	char *after = replica_dump(f->r);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* A good one, then an equal one writes nothing; a colleague's edit
	 * keeps the first reporter. */
	ps_progress_in ok = {.status = "on_track", .percent = "0", .actual = "0.25", .evidence = ev, .nevidence = 20};
	assert_int_equal(ps_progress_set(f->r, "p2-t7", "2021", &ok, "first report", &id), 0);
	assert_non_null(id);
	free(id);
	id = NULL;
	assert_int_equal(ps_progress_set(f->r, "p2-t7", "2021", &ok, NULL, &id), PS_EEXISTS);
	assert_null(id);
	ps_progress_in later = {.percent = "100", .reporter = NULL};
	assert_int_equal(ps_progress_set(f->r, "p2-t7", "2021", &later, NULL, NULL), 0);
	has(f, "\"percent\": 100, \"reporter\": \"Cán bộ tinh\", \"status\": \"on_track\"");
	ps_progress_in other = {.note = "sửa", .reporter = "Người khác"};
	assert_int_equal(ps_progress_set(f->r, "p2-t7", "2021", &other, NULL, NULL), 0);
	has(f, "\"reporter\": \"Người khác\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(quoting_newlines_evidence, setup, teardown),
	    cmocka_unit_test_setup_teardown(evidence_semicolons, setup, teardown),
	    cmocka_unit_test_setup_teardown(bom_crlf_blank_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(header_problems, setup, teardown),
	    cmocka_unit_test_setup_teardown(empty_and_header_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(every_bad_value_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(lines_after_multiline_cell, setup, teardown),
	    cmocka_unit_test_setup_teardown(quote_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(utf8_and_nfc, setup, teardown),
	    cmocka_unit_test_setup_teardown(long_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(vietnamese_csv, setup, teardown),
	    cmocka_unit_test_setup_teardown(evidence_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(set_field_checks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
