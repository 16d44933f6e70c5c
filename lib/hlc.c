/* hlc.c - hybrid logical clock arithmetic. Pure functions but ps_now_ms();
 * the store persists the value (store.c). The clock is bounded by the wall
 * clock plus the allowed drift, so one wrong clock (ours or a remote one)
 * never stamps every later change in the future. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "plansync/hlc.h"

uint64_t ps_now_ms(void)
{
	/* A clock before 1970 reads as 1970, and one past the clock field's 48
	 * bits (year 10889) as its end: wrapped around, either would stamp
	 * changes in the far future or at zero. */
	const uint64_t max_ms = ((uint64_t)1 << 48) - 1;
	const char *fake = getenv("PLANSYNC_FAKE_NOW_MS");
	if (fake && *fake) {
		long long v = strtoll(fake, NULL, 10);
		return v <= 0 ? 0 : (uint64_t)v > max_ms ? max_ms : (uint64_t)v;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < 0)
		return 0;
	uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	return ms > max_ms ? max_ms : ms;
}

ps_hlc ps_hlc_tick(ps_hlc last, uint64_t now_ms, uint64_t ahead_ms)
{
	if (PS_HLC_MS(last) > now_ms + ahead_ms)
		last = 0;
	uint64_t ms = PS_HLC_MS(last);
	if (now_ms > ms)
		return PS_HLC_MAKE(now_ms, 0);
	if ((last & 0xffffu) == 0xffffu)
		return PS_HLC_MAKE(ms + 1, 0);
	return last + 1;
}

ps_hlc ps_hlc_observe(ps_hlc last, ps_hlc seen, uint64_t now_ms, uint64_t ahead_ms)
{
	if (PS_HLC_MS(seen) > now_ms + ahead_ms)
		return last;
	return seen > last ? seen : last;
}

void ps_hlc_format(ps_hlc h, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

bool ps_hlc_parse(ps_hlc *out, const char *s)
{
	if (strlen(s) != 16)
		return false;
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		char c = s[i];
		int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

void ps_hlc_time(ps_hlc h, char out[32])
{
	time_t t = (time_t)(PS_HLC_MS(h) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}
