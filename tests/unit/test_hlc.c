/* test_hlc.c - the hybrid logical clock: monotonic, persisted, advanced on import. */
#include <stdlib.h>
#include "util.h"
#include "plansync/hlc.h"

static void tick_monotonic(void **st)
{
	ps_hlc h = 0;
	ps_hlc prev = 0;
	/* wall clock going forward, standing still, and going backwards */
	uint64_t walls[] = {1000, 1000, 1000, 999, 500, 2000, 1999, 2000};
	for (size_t i = 0; i < sizeof(walls) / sizeof(walls[0]); i++) {
		h = ps_hlc_tick(h, walls[i]);
		assert_true(h > prev);
		prev = h;
	}
	assert_int_equal(PS_HLC_MS(h), 2000);
	/* counter overflow moves to the next millisecond */
	h = ps_hlc_tick(PS_HLC_MAKE(5, 0xffff), 1);
	assert_int_equal(h, PS_HLC_MAKE(6, 0));
}

static void observe(void **st)
{
	ps_hlc local = PS_HLC_MAKE(1000, 3);
	ps_hlc remote = PS_HLC_MAKE(5000, 7);
	local = ps_hlc_observe(local, remote);
	assert_int_equal(local, remote);
	ps_hlc next = ps_hlc_tick(local, 1000); /* our wall clock is behind */
	assert_true(next > remote);
	assert_int_equal(ps_hlc_observe(next, PS_HLC_MAKE(1, 0)), next);
}

static void format_parse(void **st)
{
	char s[17];
	ps_hlc_format(PS_HLC_MAKE(0x1899f3c2aull, 0x12), s);
	assert_string_equal(s, "0001899f3c2a0012");
	ps_hlc h;
	assert_true(ps_hlc_parse(&h, s));
	assert_int_equal(h, PS_HLC_MAKE(0x1899f3c2aull, 0x12));
	assert_false(ps_hlc_parse(&h, "0001899F3C2A0012"));
	assert_false(ps_hlc_parse(&h, "123"));
}

static void persisted_across_restarts(void **st)
{
	char *dir = tmpdir_new();
	setenv("PLANSYNC_FAKE_NOW_MS", "100000", 1);
	ps_store *s = store_new(dir, "a.db");
	ps_hlc a, b, c;
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_hlc_tick(s, &a), 0);
	assert_int_equal(ps_store_hlc_observe(s, PS_HLC_MAKE(900000, 4)), 0);
	assert_int_equal(ps_store_commit(s), 0);
	ps_store_free(s);
	/* restart with the wall clock set back */
	setenv("PLANSYNC_FAKE_NOW_MS", "50", 1);
	s = store_new(dir, "a.db");
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_hlc_tick(s, &b), 0);
	assert_int_equal(ps_store_hlc_tick(s, &c), 0);
	assert_int_equal(ps_store_commit(s), 0);
	assert_true(b > PS_HLC_MAKE(900000, 4));
	assert_true(c > b && b > a);
	ps_store_free(s);
	unsetenv("PLANSYNC_FAKE_NOW_MS");
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tick_monotonic),
	    cmocka_unit_test(observe),
	    cmocka_unit_test(format_parse),
	    cmocka_unit_test(persisted_across_restarts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
