/* test_record.c - record ids, owners, per-kind field rules. */
#include <string.h>
#include "util.h"
#include "plansync/record.h"
#include "plansync/error.h"

static void parse_and_owner(void **st)
{
	ps_record_id r;
	assert_int_equal(ps_record_parse(&r, "progress/binh-giang/p2-t7/2024"), 0);
	assert_int_equal(r.kind, PS_KIND_PROGRESS);
	assert_string_equal(ps_record_owner(&r, "tinh"), "binh-giang");
	assert_int_equal(ps_record_parse(&r, "review/binh-giang/p2-t7/2024"), 0);
	assert_string_equal(ps_record_owner(&r, "tinh"), "tinh");
	assert_int_equal(ps_record_parse(&r, "task/p1-t3"), 0);
	assert_string_equal(ps_record_owner(&r, "tinh"), "tinh");
	const char *bad[] = {"",
	                     "task",
	                     "task/",
	                     "task/P1",
	                     "task/a/b",
	                     "progress/x/y",
	                     "foo/bar",
	                     "progress/x/y/z/w",
	                     "task/../etc",
	                     "task/a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ps_record_parse(&r, bad[i]), PS_EINVALID);
}

static void progress_fields(void **st)
{
	ps_record_id r;
	ps_record_parse(&r, "progress/binh-giang/p2-t7/2024");
	const char *ok[] = {"{\"status\":\"done\",\"percent\":100}", "{\"actual\":\"12.50\"}",
	                    "{\"evidence\":[\"a\",\"b\"]}", "{\"note\":null}"};
	const char *bad[] = {"{\"status\":\"finished\"}", "{\"percent\":101}",        "{\"percent\":2.5}",
	                     "{\"actual\":\"1,5\"}",      "{\"actual\":12}",          "{\"colour\":\"red\"}",
	                     "{\"evidence\":\"x\"}",      "{\"status\":null}",        "{\"percent\":1e300}",
	                     "{\"percent\":-1e300}",      "{\"percent\":99999999999}"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cJSON *f = cJSON_Parse(ok[i]);
		assert_int_equal(ps_record_check_fields(&r, f), 0);
		cJSON_Delete(f);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *f = cJSON_Parse(bad[i]);
		assert_int_equal(ps_record_check_fields(&r, f), PS_EINVALID);
		cJSON_Delete(f);
	}
}

static void review_needs_comment(void **st)
{
	ps_record_id r;
	ps_record_parse(&r, "review/binh-giang/p2-t7/2024");
	cJSON *f = cJSON_Parse("{\"decision\":\"returned\"}");
	assert_int_equal(ps_record_check_fields(&r, f), PS_EINVALID);
	cJSON_Delete(f);
	f = cJSON_Parse("{\"decision\":\"returned\",\"comment\":\"thiếu số liệu\"}");
	assert_int_equal(ps_record_check_fields(&r, f), 0);
	cJSON_Delete(f);
}

static void decimals(void **st)
{
	assert_true(ps_decimal_valid("0"));
	assert_true(ps_decimal_valid("-12.750"));
	assert_false(ps_decimal_valid("1."));
	assert_false(ps_decimal_valid(".5"));
	assert_false(ps_decimal_valid("1e5"));
	assert_false(ps_decimal_valid(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_and_owner),
	    cmocka_unit_test(progress_fields),
	    cmocka_unit_test(review_needs_comment),
	    cmocka_unit_test(decimals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
