/* test_review.c - the review state's definition, lateness by the due day in
 * UTC+7, the province-only writes and their refusals, closed periods, and
 * receipts written once per report in force (the first change naming the
 * newest report counts, whatever comes after). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/review.h"
#include "plansync/store.h"

static void state_definition(void **st)
{
	assert_int_equal(ps_review_state_of(false, NULL, false), PS_RSTATE_MISSING);
	assert_int_equal(ps_review_state_of(false, "accepted", true), PS_RSTATE_MISSING);
	assert_int_equal(ps_review_state_of(true, NULL, false), PS_RSTATE_REPORTED);
	assert_int_equal(ps_review_state_of(true, "accepted", true), PS_RSTATE_ACCEPTED);
	assert_int_equal(ps_review_state_of(true, "accepted", false), PS_RSTATE_CHANGED);
	assert_int_equal(ps_review_state_of(true, "returned", true), PS_RSTATE_RETURNED);
	assert_int_equal(ps_review_state_of(true, "returned", false), PS_RSTATE_REPORTED);
	assert_string_equal(ps_rstate_name(PS_RSTATE_CHANGED), "changed_since_accepted");
	assert_string_equal(ps_rstate_name(PS_RSTATE_MISSING), "missing");
}

static void late_by_due_day(void **st)
{
	/* 2021-12-15 ends at 2021-12-15T17:00:00Z (midnight in UTC+7) */
	const int64_t end = 1639587600000;
	assert_false(ps_receipt_late(end - 1, "2021-12-15"));
	assert_true(ps_receipt_late(end, "2021-12-15"));
	assert_false(ps_receipt_late(end, "2021-12-16"));
	assert_false(ps_receipt_late(end, NULL));
	assert_false(ps_receipt_late(end, "soon"));
	assert_false(ps_receipt_late(end, "2021-12-15x"));
	assert_true(ps_receipt_late(end, "2020-02-29"));
}

static void province_only_and_bad_ids(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *p = replica_new(dir, "p", "tinh", "hq", NULL);
	ps_replica *d = replica_new(dir, "d", "binh-giang", "pc1", NULL);
	assert_int_equal(ps_review_write(d, true, "binh-giang", "p1-t1", "2021", NULL, false, NULL), PS_ENOTOWNER);
	assert_int_equal(ps_period_set_closed(d, "2021", true, NULL, NULL), PS_ENOTOWNER);
	assert_int_equal(ps_review_write(p, true, "nowhere", "p1-t1", "2021", NULL, false, NULL), PS_ENOTFOUND);
	assert_non_null(strstr(ps_error_last(), "plansync plan offices"));
	assert_int_equal(ps_review_write(p, true, "binh-giang", "p9-t9", "2021", NULL, false, NULL), PS_ENOTFOUND);
	assert_int_equal(ps_review_write(p, true, "binh-giang", "p1-t1", "1999", NULL, false, NULL), PS_ENOTFOUND);
	assert_int_equal(ps_review_write(p, false, "binh-giang", "p1-t1", "2021", "", false, NULL), PS_EINVALID);
	/* no report to review */
	assert_int_equal(ps_review_write(p, true, "binh-giang", "p1-t1", "2021", NULL, false, NULL), PS_ENOTFOUND);
	ps_rstate s;
	assert_int_equal(ps_review_state(&s, p, "binh-giang", "p1-t1", "2021"), 0);
	assert_int_equal(s, PS_RSTATE_MISSING);
	ps_replica_free(d);
	ps_replica_free(p);
	tmpdir_remove(dir);
}

static void closed_periods(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *p = replica_new(dir, "p", "tinh", "hq", NULL);
	char *closed = NULL;
	assert_int_equal(ps_period_write_check(p, "2021", NULL), 0);
	assert_int_equal(ps_period_set_closed(p, "2021", false, NULL, NULL), PS_EEXISTS);
	assert_int_equal(ps_period_set_closed(p, "2021", true, "hết hạn", NULL), 0);
	assert_int_equal(ps_period_set_closed(p, "2021", true, NULL, NULL), PS_EEXISTS);
	assert_int_equal(ps_period_closed(p, "2021", &closed), 0);
	assert_non_null(closed);
	assert_int_equal(strlen(closed), 20);
	free(closed);
	assert_int_equal(ps_period_write_check(p, "2021", NULL), PS_EINVALID);
	assert_int_equal(ps_period_write_check(p, "2021", " "), PS_EINVALID);
	assert_int_equal(ps_period_write_check(p, "2021", "nộp muộn"), 0);
	assert_int_equal(ps_period_write_check(p, "2022", NULL), 0);
	assert_int_equal(ps_period_set_closed(p, "2021", false, NULL, NULL), 0);
	assert_int_equal(ps_period_closed(p, "2021", &closed), 0);
	assert_null(closed);
	assert_int_equal(ps_period_write_check(p, "2021", NULL), 0);
	ps_replica_free(p);
	tmpdir_remove(dir);
}

/* A second receipt of the same report, even one that descends from the
 * first (the incremental path), changes nothing: the smallest id counts.
 * A receipt of the report filed again after a withdrawal names a later
 * change: it counts, and a late receipt of the old report does not undo it. */
static void receipt_written_once(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *p = replica_new(dir, "p", "tinh", "hq", NULL);
	const char *rec = "receipt/binh-giang/p1-t1/2021";
	const char *writes[] = {
	    "{\"change\":\"0000018c2f4b1a2b-binh-giang-pc1\",\"received\":\"2021-12-01T00:00:00Z\",\"late\":false}",
	    "{\"change\":\"0000018c2f4b1a2b-binh-giang-pc1\",\"received\":\"2022-01-01T00:00:00Z\",\"late\":true}",
	    "{\"change\":\"0000018c2f4b1a2c-binh-giang-pc1\",\"received\":\"2022-02-01T00:00:00Z\",\"late\":true}",
	    "{\"change\":\"0000018c2f4b1a2b-binh-giang-pc1\",\"received\":\"2022-03-01T00:00:00Z\",\"late\":false}",
	};
	const char *want[][2] = {{"0000018c2f4b1a2b-binh-giang-pc1", "2021-12-01T00:00:00Z"},
	                         {"0000018c2f4b1a2b-binh-giang-pc1", "2021-12-01T00:00:00Z"},
	                         {"0000018c2f4b1a2c-binh-giang-pc1", "2022-02-01T00:00:00Z"},
	                         {"0000018c2f4b1a2c-binh-giang-pc1", "2022-02-01T00:00:00Z"}};
	ps_receipt r;
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		assert_int_equal(ps_replica_write(p, rec, PS_OP_SET, cJSON_Parse(writes[i]), NULL, false, NULL), 0);
		assert_int_equal(ps_receipt_get(&r, p, "binh-giang", "p1-t1", "2021"), 0);
		assert_true(r.found);
		assert_string_equal(r.change, want[i][0]);
		assert_string_equal(r.received, want[i][1]);
		assert_int_equal(r.late, i >= 2);
	}
	assert_int_equal(ps_receipt_get(&r, p, "binh-giang", "p1-t1", "2022"), 0);
	assert_false(r.found);
	ps_replica_free(p);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(state_definition),          cmocka_unit_test(late_by_due_day),
	    cmocka_unit_test(province_only_and_bad_ids), cmocka_unit_test(closed_periods),
	    cmocka_unit_test(receipt_written_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
