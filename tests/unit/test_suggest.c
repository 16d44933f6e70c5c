/* test_suggest.c - the closest id to a mistyped one, canonical ids, and
 * the "unknown X" message against a replica's plan. */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "plansync/suggest.h"
#include "plansync/error.h"

static const char *const offices[] = {"tinh", "tp-hai-duong", "tx-kinh-mon", "h-kinh-thanh", "h-tu-ky"};
#define NOFF (sizeof(offices) / sizeof(offices[0]))

static void closest(void **st)
{
	assert_string_equal(ps_suggest("tx-kinhmon", offices, NOFF), "tx-kinh-mon");
	assert_string_equal(ps_suggest("TX-KINH-MON", offices, NOFF), "tx-kinh-mon"); /* case only */
	assert_string_equal(ps_suggest("kinh-mon", offices, NOFF), "tx-kinh-mon");
	assert_string_equal(ps_suggest("tx-knih-mon", offices, NOFF), "tx-kinh-mon"); /* transposed */
	assert_string_equal(ps_suggest("tu-ky", offices, NOFF), "h-tu-ky");           /* a part */
	assert_string_equal(ps_suggest("tnih", offices, NOFF), "tinh");
	assert_null(ps_suggest("thin", offices, NOFF)); /* two slips in four */
	const char *const periods[] = {"2021", "2021-q1", "2021-q3", "2022"};
	assert_string_equal(ps_suggest("2021q3", periods, 4), "2021-q3");
	assert_string_equal(ps_suggest("2021-Q3", periods, 4), "2021-q3");
	const char *const tasks[] = {"p1-t1", "p2-t6", "p2-t7"};
	assert_string_equal(ps_suggest("P2-T6", tasks, 3), "p2-t6");
	assert_string_equal(ps_suggest("p2t6", tasks, 3), "p2-t6");
}

static void nothing_close(void **st)
{
	assert_null(ps_suggest("bogus", offices, NOFF));
	const char *const programs[] = {"p1", "p2", "p3", "p4", "p5"};
	assert_null(ps_suggest("p9", programs, 5)); /* as near one as another: no guess */
	assert_string_equal(ps_suggest("P2", programs, 5), "p2");
	assert_null(ps_suggest("x", offices, NOFF));
	assert_null(ps_suggest("", offices, NOFF));
	assert_null(ps_suggest(NULL, offices, NOFF));
	assert_null(ps_suggest("tinh", NULL, 0));
	char long_in[400];
	memset(long_in, 'a', sizeof(long_in) - 1);
	long_in[sizeof(long_in) - 1] = 0;
	assert_null(ps_suggest(long_in, offices, NOFF));
	const char *const with_null[] = {NULL, "", "tinh"};
	assert_string_equal(ps_suggest("tinh", with_null, 3), "tinh");
}

static void canon(void **st)
{
	char *c = ps_id_canon("2021-Q3");
	assert_string_equal(c, "2021-q3");
	free(c);
	assert_null(ps_id_canon(NULL));
	char buf[8];
	assert_string_equal(ps_id_canon_to(buf, sizeof(buf), "P2-T6"), "p2-t6");
	assert_null(ps_id_canon_to(buf, sizeof(buf), "much-too-long"));
	/* non-ASCII bytes stay as they are */
	c = ps_id_canon("\xc3\x90X");
	assert_string_equal(c, "\xc3\x90x");
	free(c);
}

static void unknown_message(void **st)
{
	char *dir = tmpdir_new();
	ps_replica *r = replica_new(dir, "tinh", "tinh", "hq", NULL);
	assert_int_equal(ps_suggest_unknown(r, PS_KIND_OFFICE, "binh-gaing", NULL), PS_ENOTFOUND);
	assert_string_equal(
	    ps_error_last(),
	    "unknown office \"binh-gaing\" (did you mean \"binh-giang\"? the list: plansync plan offices)");
	assert_int_equal(ps_suggest_unknown(r, PS_KIND_PERIOD, "1999", "periods are years"), PS_ENOTFOUND);
	assert_string_equal(ps_error_last(),
	                    "unknown period \"1999\" (the list: plansync plan periods); periods are years");
	assert_string_equal(ps_suggest_list_command(PS_KIND_TASK), "plansync plan tasks");
	assert_string_equal(ps_suggest_list_command(PS_KIND_AGENCY), "plansync dump");
	ps_replica_free(r);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(closest),
	    cmocka_unit_test(nothing_close),
	    cmocka_unit_test(canon),
	    cmocka_unit_test(unknown_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
