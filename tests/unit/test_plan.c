/* test_plan.c - the plan document: import, re-import, retire, and every
 * kind of bad document refused with its JSON path and nothing written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/ops.h"
#include "plansync/record.h"
#include "plansync/replica.h"
#include "plansync/store.h"

#define HEAD     "\"format\":\"plansync-plan/1\",\"plan\":{\"title\":\"Kế hoạch\"},\"province\":\"tinh\""
#define OFFICES  "\"offices\":[{\"id\":\"tinh\",\"name\":\"Tỉnh\"},{\"id\":\"binh-giang\",\"parent\":\"tinh\"}]"
#define PROGRAMS "\"programs\":[{\"id\":\"p1\",\"title\":\"Chương trình 1\"}]"
#define TASKS    "\"tasks\":[{\"id\":\"p1-t1\",\"program\":\"p1\"},{\"id\":\"p1-t2\",\"program\":\"p1\"}]"
#define PERIODS  "\"periods\":[{\"id\":\"2024\"}]"
#define GOOD     "{" HEAD "," OFFICES "," PROGRAMS "," TASKS "," PERIODS "}"

typedef struct fixture {
	char *base;
	ps_replica *r;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	f->base = tmpdir_new();
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/r", f->base);
	ps_init_opts o = {.office = "tinh", .replica = "a1"};
	assert_int_equal(ps_replica_init(&f->r, dir, &o), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ps_replica_free(f->r);
	tmpdir_remove(f->base);
	free(f);
	return 0;
}

static int count_row(void *ctx, const ps_change_row *row)
{
	(void)row;
	++*(long *)ctx;
	return 0;
}

static long changes(ps_replica *r)
{
	long n = 0;
	assert_int_equal(ps_store_change_rows(ps_replica_store(r), false, 0, count_row, &n), 0);
	return n;
}

static int import(ps_replica *r, const char *doc, ps_plan_stats *st)
{
	return ps_plan_import(r, doc, strlen(doc), st);
}

static void good_then_same(void **state)
{
	fixture *f = *state;
	ps_plan_stats st;
	assert_int_equal(import(f->r, GOOD, &st), 0);
	/* plan/header, 2 offices, 1 program, 2 tasks, 1 period */
	assert_int_equal(st.records, 7);
	assert_int_equal(st.set, 7);
	assert_int_equal(st.unchanged, 0);
	assert_int_equal(st.retired, 0);
	assert_int_equal(changes(f->r), 7);
	assert_int_equal(ps_replica_record_live(f->r, "task/p1-t2"), 1);
	/* order is the position in the document, not a member of it */
	char *v = NULL;
	assert_int_equal(ps_store_state_value(ps_replica_store(f->r), "task/p1-t2", "order", &v), 0);
	assert_string_equal(v, "2");
	free(v);
	assert_int_equal(ps_store_state_value(ps_replica_store(f->r), "task/p1-t2", "id", &v), 0);
	assert_null(v);
	/* again: nothing written */
	assert_int_equal(import(f->r, GOOD, &st), 0);
	assert_int_equal(st.records, 7);
	assert_int_equal(st.set, 0);
	assert_int_equal(st.unchanged, 7);
	assert_int_equal(changes(f->r), 7);
}

static void retire_and_change(void **state)
{
	fixture *f = *state;
	ps_plan_stats st;
	assert_int_equal(import(f->r, GOOD, &st), 0);
	/* p1-t2 gone, p1-t1 retitled */
	const char *next = "{" HEAD "," OFFICES "," PROGRAMS
	                   ",\"tasks\":[{\"id\":\"p1-t1\",\"program\":\"p1\",\"title\":\"mới\"}]," PERIODS "}";
	assert_int_equal(import(f->r, next, &st), 0);
	assert_int_equal(st.retired, 1);
	assert_int_equal(st.set, 1);
	assert_int_equal(ps_replica_record_live(f->r, "task/p1-t2"), 0);
	assert_int_equal(ps_replica_record_live(f->r, "task/p1-t1"), 1);
	assert_int_equal(changes(f->r), 9);
	/* progress is never retired by the plan */
	assert_int_equal(ps_replica_write(f->r, "review/binh-giang/p1-t1/2024", PS_OP_SET,
	                                  cJSON_Parse("{\"decision\":\"accepted\"}"), NULL, false, NULL),
	                 0);
	assert_int_equal(import(f->r, next, &st), 0);
	assert_int_equal(st.retired, 0);
	assert_int_equal(ps_replica_record_live(f->r, "review/binh-giang/p1-t1/2024"), 1);
}

static void bad_documents(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *doc, *says;
	} cases[] = {
	    {"[]", "the top level must be a JSON object"},
	    {"{" HEAD ",", "malformed JSON"},
	    {"{" HEAD "," OFFICES ",\"bogus\":1}", "unknown member \"bogus\""},
	    {"{\"format\":\"plansync-plan/2\",\"plan\":{\"title\":\"x\"},\"province\":\"tinh\"," OFFICES "}",
	     "\"format\""},
	    {"{\"format\":\"plansync-plan/1\",\"plan\":{\"title\":\"x\"},\"province\":\"hn\"," OFFICES "}",
	     "\"province\" must be \"tinh\""},
	    {"{\"format\":\"plansync-plan/1\",\"plan\":{},\"province\":\"tinh\"," OFFICES "}",
	     "\"plan\" must be an object"},
	    {"{\"format\":\"plansync-plan/1\",\"plan\":{\"title\":\"x\",\"Bad\":1},\"province\":\"tinh\"," OFFICES "}",
	     "plan: field name \"Bad\""},
	    {"{" HEAD ",\"offices\":[{\"id\":\"binh-giang\"}]}", "offices must include the province \"tinh\""},
	    {"{" HEAD "," OFFICES ",\"tasks\":{}}", "\"tasks\" must be an array"},
	    {"{" HEAD "," OFFICES ",\"tasks\":[{\"title\":\"x\"}]}", "tasks[0] needs an \"id\""},
	    {"{" HEAD "," OFFICES ",\"periods\":[{\"id\":\"2024\"},{\"id\":\"2024\"}]}",
	     "periods[1]: id \"2024\" is used twice"},
	    {"{" HEAD "," OFFICES ",\"periods\":[{\"id\":\"2024\",\"order\":3}]}",
	     "periods[0]: \"order\" is set by position"},
	    {"{" HEAD "," OFFICES
	     ",\"agencies\":[{\"id\":\"a\",\"x\":{\"y\":{\"z\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{}}}}}}}}}]}",
	     "agencies[0] (a): field \"x\" is nested too deeply"},
	    {"{" HEAD "," OFFICES "," PROGRAMS ",\"tasks\":[{\"id\":\"t\",\"program\":\"p9\"}]}",
	     "tasks[0].program names \"p9\", which is not in programs"},
	    {"{" HEAD "," OFFICES ",\"committees\":[{\"id\":\"c\",\"members\":\"a\"}]}",
	     "committees[0].members must be a list of ids"},
	    {"{" HEAD "," OFFICES ",\"committees\":[{\"id\":\"c\",\"members\":[\"a\"]}]}",
	     "committees[0].members names \"a\", which is not in agencies"},
	    {"{" HEAD ",\"offices\":[{\"id\":\"tinh\",\"parent\":\"hn\"}]}", "offices[0].parent names \"hn\""},
	};
	ps_plan_stats st;
	assert_int_equal(import(f->r, GOOD, &st), 0);
	long before = changes(f->r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = import(f->r, cases[i].doc, &st);
		if (rc != PS_EINVALID || !strstr(ps_error_last(), cases[i].says))
			fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, rc, ps_error_last(), cases[i].says);
		assert_int_equal(st.set + st.retired, 0);
		assert_int_equal(changes(f->r), before);
	}
	/* the good plan is all still there */
	assert_int_equal(ps_replica_record_live(f->r, "task/p1-t2"), 1);
}

/* Every plan document section is a kind of the table, imported as it. */
static void sections_are_kinds(void **state)
{
	fixture *f = *state;
	char doc[4000];
	int n = snprintf(doc, sizeof(doc), "{" HEAD "," OFFICES);
	long want = 3; /* header and two offices */
	for (int k = 0; k < PS_KIND__COUNT; k++) {
		const ps_kind_info *ki = ps_kind_get((ps_kind)k);
		if (!ki->section || k == PS_KIND_OFFICE)
			continue;
		n += snprintf(doc + n, sizeof(doc) - (size_t)n, ",\"%s\":[{\"id\":\"x-%d\"}]", ki->section, k);
		want++;
	}
	snprintf(doc + n, sizeof(doc) - (size_t)n, "}");
	ps_plan_stats st;
	assert_int_equal(import(f->r, doc, &st), 0);
	assert_int_equal(st.set, want);
	for (int k = 0; k < PS_KIND__COUNT; k++) {
		const ps_kind_info *ki = ps_kind_get((ps_kind)k);
		if (!ki->section || k == PS_KIND_OFFICE)
			continue;
		char rec[100];
		snprintf(rec, sizeof(rec), "%s/x-%d", ki->name, k);
		assert_int_equal(ps_replica_record_live(f->r, rec), 1);
	}
}

static void district_may_not(void **state)
{
	char *base = tmpdir_new(), dir[600];
	snprintf(dir, sizeof(dir), "%s/d", base);
	ps_init_opts o = {.office = "binh-giang", .replica = "a1"};
	ps_replica *r = NULL;
	assert_int_equal(ps_replica_init(&r, dir, &o), 0);
	ps_plan_stats st;
	assert_int_equal(import(r, GOOD, &st), PS_ENOTOWNER);
	assert_int_equal(changes(r), 0);
	ps_replica_free(r);
	tmpdir_remove(base);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(good_then_same, setup, teardown),
	    cmocka_unit_test_setup_teardown(retire_and_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_documents, setup, teardown),
	    cmocka_unit_test_setup_teardown(sections_are_kinds, setup, teardown),
	    cmocka_unit_test(district_may_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
