/* store_meta.c - the meta table: settings, and the clock kept in it.
 *
 * Exports ps_store_meta_* (small key/value settings) and the hybrid logical
 * clock (ps_store_hlc_tick/observe, the drift bound, the newest clock seen
 * from others). Writes run inside the caller's transaction. Never reads
 * or writes another table (a stamp already taken is asked of
 * store_changes.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"
#include "plansync/error.h"

/* PS_ENOTFOUND without touching the error message: absent is normal. */
static int meta_lookup(ps_store *s, const char *key, char **out)
{
	static ps_site q = {"SELECT value FROM meta WHERE key = ?1"};
	*out = NULL;
	sqlite3_stmt *st = ps_store_site(s, &q);
	if (!st)
		return PS_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = ps_store_text_dup(st, 0);
		sqlite3_reset(st);
		return *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return PS_ENOTFOUND;
	return ps_store_error(s, "reading settings");
}

int ps_store_meta_get(ps_store *s, const char *key, char **out)
{
	int rc = meta_lookup(s, key, out);
	if (rc == PS_ENOTFOUND)
		return ps_error_set(PS_ENOTFOUND, "%s is not set", key);
	return rc;
}

int ps_store_meta_set(ps_store *s, const char *key, const char *value)
{
	static ps_site set = {"INSERT INTO meta(key, value) VALUES (?1, ?2) "
	                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"};
	static ps_site del = {"DELETE FROM meta WHERE key = ?1"};
	return ps_store_run(s, value ? &set : &del, "writing settings", key, value, NULL, NULL);
}

int ps_store_meta_get_int(ps_store *s, const char *key, long long *out, long long dflt)
{
	char *v = NULL;
	int rc = meta_lookup(s, key, &v);
	if (rc == PS_ENOTFOUND) {
		*out = dflt;
		return 0;
	}
	if (rc)
		return rc;
	*out = strtoll(v, NULL, 10);
	free(v);
	return 0;
}

int ps_store_meta_set_int(ps_store *s, const char *key, long long value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", value);
	return ps_store_meta_set(s, key, buf);
}

void ps_store_future_from(ps_store *s, char out[17])
{
	long long seen = 0;
	if (ps_store_meta_get_int(s, "seen.remote_ms", &seen, 0))
		seen = 0;
	uint64_t now = ps_now_ms();
	if (seen > 0 && (uint64_t)seen > now)
		now = (uint64_t)seen;
	ps_hlc_format(PS_HLC_MAKE(now + ps_store_clock_ahead_ms(s) + 1, 0), out);
}

int ps_store_note_remote_clock(ps_store *s, ps_hlc seen)
{
	long long cur = 0;
	int rc = ps_store_meta_get_int(s, "seen.remote_ms", &cur, 0);
	if (rc || (long long)PS_HLC_MS(seen) <= cur)
		return rc;
	return ps_store_meta_set_int(s, "seen.remote_ms", (long long)PS_HLC_MS(seen));
}

uint64_t ps_store_clock_ahead_ms(ps_store *s)
{
	long long v;
	if (ps_store_meta_get_int(s, "sync.max_drift", &v, PS_HLC_DEFAULT_DRIFT_S) || v <= 0 ||
	    v > PS_HLC_DEFAULT_DRIFT_S)
		v = PS_HLC_DEFAULT_DRIFT_S;
	return (uint64_t)v * 1000;
}

/* 1 when a change with this id is stored, 0 when not, <0 on error. */
static int id_taken(ps_store *s, ps_hlc h, const char *replica)
{
	char id[PS_CHANGE_ID_MAX + 1];
	ps_change_make_id(id, sizeof(id), h, replica);
	return ps_store_change_known(s, id);
}

int ps_store_hlc_tick(ps_store *s, const char *replica, ps_hlc *out)
{
	long long last;
	int rc = ps_store_meta_get_int(s, "hlc", &last, 0);
	if (rc)
		return rc;
	uint64_t now = ps_now_ms(), ahead = ps_store_clock_ahead_ms(s);
	ps_hlc h = ps_hlc_tick((ps_hlc)last, now, ahead);
	/* A clock that was reset (it had been ahead of a wrong wall clock) may
	 * come back to a value an earlier change of ours carries: step past. */
	while ((rc = id_taken(s, h, replica)) == 1)
		h = ps_hlc_tick(h, now, UINT64_MAX - now);
	if (rc < 0)
		return rc;
	if ((rc = ps_store_meta_set_int(s, "hlc", (long long)h)))
		return rc;
	*out = h;
	return 0;
}

int ps_store_hlc_observe(ps_store *s, ps_hlc seen)
{
	long long last;
	int rc = ps_store_meta_get_int(s, "hlc", &last, 0);
	if (rc)
		return rc;
	ps_hlc h = ps_hlc_observe((ps_hlc)last, seen, ps_now_ms(), ps_store_clock_ahead_ms(s));
	if (h == (ps_hlc)last)
		return 0;
	return ps_store_meta_set_int(s, "hlc", (long long)h);
}
