/* test_hlc.c - the hybrid logical clock: monotonic, persisted, advanced on import. */
#include <stdlib.h>
#include "util.h"
#include <stdio.h>
#include "plansync/hlc.h"
#include "plansync/change.h"

static void tick_monotonic(void **st)
{
	ps_hlc h = 0;
	ps_hlc prev = 0;
	/* wall clock going forward, standing still, and going backwards */
	uint64_t walls[] = {1000, 1000, 1000, 999, 500, 2000, 1999, 2000};
	for (size_t i = 0; i < sizeof(walls) / sizeof(walls[0]); i++) {
		h = ps_hlc_tick(h, walls[i], 600000);
		assert_true(h > prev);
		prev = h;
	}
	assert_int_equal(PS_HLC_MS(h), 2000);
	/* counter overflow moves to the next millisecond */
	h = ps_hlc_tick(PS_HLC_MAKE(5, 0xffff), 1, 600000);
	assert_int_equal(h, PS_HLC_MAKE(6, 0));
}

static void observe(void **st)
{
	ps_hlc local = PS_HLC_MAKE(1000, 3);
	ps_hlc remote = PS_HLC_MAKE(5000, 7);
	local = ps_hlc_observe(local, remote, 1000, 600000);
	assert_int_equal(local, remote);
	ps_hlc next = ps_hlc_tick(local, 1000, 600000); /* our wall clock is behind, within the drift */
	assert_true(next > remote);
	assert_int_equal(ps_hlc_observe(next, PS_HLC_MAKE(1, 0), 1000, 600000), next);
}

/* DESIGN §10: the clock never ratchets. A remote clock beyond wall + drift
 * never moves ours; a clock of ours beyond it (the wall clock was wrong)
 * is forgotten at the next tick. */
static void bounded(void **st)
{
	uint64_t now = 1700000000000ull, year = 365ull * 86400 * 1000;
	ps_hlc local = PS_HLC_MAKE(now, 0);
	assert_int_equal(ps_hlc_observe(local, PS_HLC_MAKE(now + 3 * year, 0), now, 600000), local);
	assert_int_equal(ps_hlc_observe(local, PS_HLC_MAKE(now + 600001, 0), now, 600000), local);
	assert_int_equal(ps_hlc_observe(local, PS_HLC_MAKE(now + 600000, 0), now, 600000),
	                 PS_HLC_MAKE(now + 600000, 0));
	ps_hlc ahead = PS_HLC_MAKE(now + 3 * year, 5);
	assert_int_equal(ps_hlc_tick(ahead, now, 600000), PS_HLC_MAKE(now, 0));
	/* within the bound the clock stays monotonic */
	ps_hlc near = PS_HLC_MAKE(now + 500000, 5);
	assert_int_equal(ps_hlc_tick(near, now, 600000), near + 1);
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
	setenv("PLANSYNC_FAKE_NOW_MS", "100000000", 1);
	ps_store *s = store_new(dir, "a.db");
	ps_hlc a, b, c;
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &a), 0);
	assert_int_equal(ps_store_hlc_observe(s, PS_HLC_MAKE(100500000, 4)), 0); /* within the drift */
	assert_int_equal(ps_store_commit(s), 0);
	ps_store_free(s);
	/* restart with the wall clock set back a little */
	setenv("PLANSYNC_FAKE_NOW_MS", "99999000", 1);
	s = store_new(dir, "a.db");
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &b), 0);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &c), 0);
	assert_int_equal(ps_store_commit(s), 0);
	assert_true(b > PS_HLC_MAKE(100500000, 4));
	assert_true(c > b && b > a);
	ps_store_free(s);
	unsetenv("PLANSYNC_FAKE_NOW_MS");
	tmpdir_remove(dir);
}

/* A far-future remote clock does not move the store's clock; a clock set by
 * a wrong wall clock is forgotten; a repeated value skips an id in use. */
static void store_bounded_unique(void **st)
{
	char *dir = tmpdir_new();
	ps_store *s = store_new(dir, "a.db");
	uint64_t now = 1700000000000ull, year = 365ull * 86400 * 1000;
	char buf[32];
	ps_hlc a, b, c, d;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)now);
	setenv("PLANSYNC_FAKE_NOW_MS", buf, 1);
	assert_int_equal(ps_store_begin(s), 0);
	assert_int_equal(ps_store_hlc_observe(s, PS_HLC_MAKE(now + 3 * year, 0)), 0);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &a), 0);
	assert_int_equal(a, PS_HLC_MAKE(now, 0));
	/* a raised drift accepts more but stamps no further ahead */
	assert_int_equal(ps_store_meta_set(s, "sync.max_drift", "31536000"), 0);
	assert_int_equal(ps_store_hlc_observe(s, PS_HLC_MAKE(now + year / 2, 0)), 0);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &b), 0);
	assert_int_equal(b, PS_HLC_MAKE(now, 1));
	/* a change stored under (now, 2): the next tick steps past it */
	char id[PS_CHANGE_ID_MAX + 1];
	ps_change_make_id(id, sizeof(id), PS_HLC_MAKE(now, 2), "x-a");
	char sql[400];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO changes(id, record, office, replica, author, hlc, op, fields, bytes, local) "
	         "VALUES ('%s', 'task/t', 'x', 'x-a', 'a', 0, 'set', '{}', x'00', 1)",
	         id);
	assert_int_equal(ps_store_exec(s, sql), 0);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &c), 0);
	assert_int_equal(c, PS_HLC_MAKE(now, 3));
	/* the wall clock jumps ahead a year and back: the clock follows it back */
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(now + year));
	setenv("PLANSYNC_FAKE_NOW_MS", buf, 1);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &d), 0);
	assert_int_equal(d, PS_HLC_MAKE(now + year, 0));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)now);
	setenv("PLANSYNC_FAKE_NOW_MS", buf, 1);
	assert_int_equal(ps_store_hlc_tick(s, "x-a", &d), 0);
	assert_int_equal(d, PS_HLC_MAKE(now, 0));
	assert_int_equal(ps_store_commit(s), 0);
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
	    cmocka_unit_test(bounded),
	    cmocka_unit_test(persisted_across_restarts),
	    cmocka_unit_test(store_bounded_unique),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
