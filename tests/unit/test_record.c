/* test_record.c - record ids, owners, per-kind field rules. */
#include <stdio.h>
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

/* Every row of the kind table: a name that parses back to it, ids of its
 * shape parse and others do not, the owner its rule names. */
static void kind_table_rows(void **st)
{
	int sections = 0;
	for (int k = 0; k < PS_KIND__COUNT; k++) {
		const ps_kind_info *ki = ps_kind_get((ps_kind)k);
		assert_non_null(ki->name);
		assert_int_equal(ps_kind_parse(ki->name), k);
		assert_string_equal(ps_kind_name((ps_kind)k), ki->name);
		char slug[100], otp[150], orp[150];
		snprintf(slug, sizeof(slug), "%s/abc-1", ki->name);
		snprintf(otp, sizeof(otp), "%s/binh-giang/p2-t7/2024", ki->name);
		snprintf(orp, sizeof(orp), "%s/binh-giang/binh-giang-a1", ki->name);
		ps_record_id r;
		if (ki->shape == PS_ID_OFFICE_REPLICA) {
			assert_int_equal(ps_record_parse(&r, orp), 0);
			assert_string_equal(r.office, "binh-giang");
			assert_string_equal(r.replica, "binh-giang-a1");
			assert_int_equal(ps_record_parse(&r, slug), PS_EINVALID);
			assert_int_equal(ps_record_parse(&r, otp), PS_EINVALID);
			snprintf(orp, sizeof(orp), "%s/binh-giang/tu-ky-a1",
			         ki->name); /* not a replica of that office */
			assert_int_equal(ps_record_parse(&r, orp), PS_EINVALID);
			snprintf(orp, sizeof(orp), "%s/binh-giang/binh-giang-a1", ki->name);
		} else if (ki->shape == PS_ID_SLUG) {
			assert_int_equal(ps_record_parse(&r, slug), 0);
			assert_string_equal(r.slug, "abc-1");
			assert_int_equal(ps_record_parse(&r, otp), PS_EINVALID);
		} else {
			assert_int_equal(ps_record_parse(&r, otp), 0);
			assert_string_equal(r.office, "binh-giang");
			assert_string_equal(r.task, "p2-t7");
			assert_string_equal(r.period, "2024");
			assert_int_equal(ps_record_parse(&r, slug), PS_EINVALID);
		}
		assert_int_equal(ps_record_parse(&r, ki->shape == PS_ID_SLUG             ? slug
		                                     : ki->shape == PS_ID_OFFICE_REPLICA ? orp
		                                                                         : otp),
		                 0);
		assert_int_equal(r.kind, k);
		assert_string_equal(ps_record_owner(&r, "tinh"), ki->owner == PS_OWNER_OFFICE ? "binh-giang" : "tinh");
		if (ki->section) {
			sections++;
			assert_int_equal(ps_kind_by_section(ki->section), k);
			assert_true(ki->plan);
		}
		/* a kind with a field list rejects a field it does not name */
		cJSON *f = cJSON_Parse("{\"colour\":\"red\"}");
		assert_int_equal(ps_record_check_fields(&r, f), ki->fields ? PS_EINVALID : 0);
		cJSON_Delete(f);
		for (const ps_field_info *fi = ki->fields; fi && fi->name; fi++) {
			assert_non_null(strstr(ki->field_names, fi->name));
			/* null clears exactly the nullable fields */
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNullToObject(o, fi->name);
			if (fi->nullable)
				assert_int_equal(ps_record_check_fields(&r, o), 0);
			else
				assert_int_equal(ps_record_check_fields(&r, o), PS_EINVALID);
			cJSON_Delete(o);
		}
	}
	assert_int_equal(sections, 9); /* offices ... periods */
	assert_int_equal(ps_kind_parse("bogus"), -1);
	assert_int_equal(ps_kind_by_section("bogus"), -1);
	assert_int_equal(ps_kind_by_section("plan"), -1);
	/* only progress and the plan records that progress names */
	assert_true(ps_kind_get(PS_KIND_OFFICE)->planned_by && ps_kind_get(PS_KIND_TASK)->planned_by &&
	            ps_kind_get(PS_KIND_PERIOD)->planned_by);
	assert_false(ps_kind_get(PS_KIND_PROGRAM)->planned_by || ps_kind_get(PS_KIND_PROGRESS)->plan ||
	             ps_kind_get(PS_KIND_REVIEW)->plan);
}

/* Each field rule of each kind with fields, by value. */
static void field_rules(void **st)
{
	static const struct {
		const char *record, *fields;
		int want;
	} cases[] = {
	    {"progress/a/b/c", "{\"status\":\"on_track\"}", 0},
	    {"progress/a/b/c", "{\"status\":3}", PS_EINVALID},
	    {"progress/a/b/c", "{\"percent\":0}", 0},
	    {"progress/a/b/c", "{\"percent\":\"5\"}", PS_EINVALID},
	    {"progress/a/b/c", "{\"percent\":null}", PS_EINVALID},
	    {"progress/a/b/c", "{\"actual\":\"-3.75\"}", 0},
	    {"progress/a/b/c", "{\"actual\":null}", 0},
	    {"progress/a/b/c", "{\"note\":\"line\\nline\"}", 0},
	    {"progress/a/b/c", "{\"note\":5}", PS_EINVALID},
	    {"progress/a/b/c", "{\"reporter\":\"a\\nb\"}", PS_EINVALID},
	    {"progress/a/b/c", "{\"reporter\":\"Nguyễn\"}", 0},
	    {"progress/a/b/c", "{\"evidence\":[\"a\\nb\"]}", PS_EINVALID},
	    {"progress/a/b/c", "{\"evidence\":[1]}", PS_EINVALID},
	    {"progress/a/b/c", "{\"evidence\":[]}", 0},
	    {"progress/a/b/c", "{\"colour\":null}", 0}, /* readers keep accepting it */
	    {"review/a/b/c", "{\"decision\":\"accepted\"}", 0},
	    {"review/a/b/c", "{\"decision\":\"maybe\"}", PS_EINVALID},
	    {"review/a/b/c", "{\"decision\":\"returned\",\"comment\":\"\"}", PS_EINVALID},
	    {"review/a/b/c", "{\"comment\":null}", 0},
	    {"review/a/b/c", "{\"changes\":[\"0000018c2f4b1a2b-hn-abc\"]}", 0},
	    {"review/a/b/c", "{\"changes\":[\"nope\"]}", PS_EINVALID},
	    {"review/a/b/c", "{\"changes\":\"x\"}", PS_EINVALID},
	    {"review/a/b/c", "{\"colour\":null}", PS_EINVALID},
	    {"task/t", "{\"title\":\"x\",\"n\":[1,{\"a\":null}]}", 0},
	    {"task/t", "{\"Bad\":1}", PS_EINVALID},
	    {"task/t", "[]", PS_EINVALID},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ps_record_id r;
		assert_int_equal(ps_record_parse(&r, cases[i].record), 0);
		cJSON *f = cJSON_Parse(cases[i].fields);
		assert_non_null(f);
		int rc = ps_record_check_fields(&r, f);
		if (rc != cases[i].want)
			fail_msg("%s %s: got %d, want %d (%s)", cases[i].record, cases[i].fields, rc, cases[i].want,
			         ps_error_last());
		cJSON_Delete(f);
	}
	/* the unknown-field message names the kind's fields */
	ps_record_id r;
	ps_record_parse(&r, "review/a/b/c");
	cJSON *f = cJSON_Parse("{\"colour\":1}");
	ps_record_check_fields(&r, f);
	assert_string_equal(ps_error_last(), "review has no field \"colour\" (decision, comment, changes)");
	cJSON_Delete(f);
}

static void labels(void **st)
{
	char b[PS_RECORD_ID_MAX + 1];
	ps_record_label(b, sizeof(b), "progress/x/p2-t7/2021");
	assert_string_equal(b, "progress p2-t7 2021");
	ps_record_label(b, sizeof(b), "review/x/p2-t7/2021");
	assert_string_equal(b, "review x p2-t7 2021");
	ps_record_label(b, sizeof(b), "task/p1-t1");
	assert_string_equal(b, "task p1-t1");
	ps_record_label(b, sizeof(b), "plan/header");
	assert_string_equal(b, "plan header");
	char small[8];
	ps_record_label(small, sizeof(small), "task/p1-t1");
	assert_string_equal(small, "task p1");
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
	    cmocka_unit_test(kind_table_rows),
	    cmocka_unit_test(field_rules),
	    cmocka_unit_test(labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
