/* hlc.h - hybrid logical clock: 48-bit Unix milliseconds, 16-bit counter.
 * Values compare as plain integers; they are persisted by the store. */
#ifndef PLANSYNC_HLC_H
#define PLANSYNC_HLC_H
#include <stdint.h>
#include <stdbool.h>

typedef uint64_t ps_hlc;
#define PS_HLC_MS(h)       ((h) >> 16)
#define PS_HLC_MAKE(ms, c) (((uint64_t)(ms) << 16) | ((c)&0xffffu))

/* Wall clock in ms; PLANSYNC_FAKE_NOW_MS overrides it (tests of skewed clocks). */
uint64_t ps_now_ms(void);
/* The next clock value after last, for a local event at wall time now_ms.
 * The clock is bounded (DESIGN §10): a last more than ahead_ms ahead of
 * now_ms was set by a wrong wall clock and is forgotten, so the result
 * restarts at now_ms; it may then repeat a value used before, and the
 * caller keeps ids unique (ps_store_hlc_tick). */
ps_hlc ps_hlc_tick(ps_hlc last, uint64_t now_ms, uint64_t ahead_ms);
/* last advanced past a clock seen on import, unless seen is more than
 * ahead_ms ahead of now_ms: such a clock never moves ours. */
ps_hlc ps_hlc_observe(ps_hlc last, ps_hlc seen, uint64_t now_ms, uint64_t ahead_ms);
/* Default allowed drift (sync.max_drift), and the most a local stamp may be
 * ahead of the wall clock: what readers with the default accept. */
#define PS_HLC_DEFAULT_DRIFT_S 600
/* "0001899f3c2a0001": 16 lowercase hex digits. */
void ps_hlc_format(ps_hlc h, char out[17]);
bool ps_hlc_parse(ps_hlc *out, const char *s);
/* "2026-11-27 15:30:07" in UTC, from the clock's milliseconds. */
void ps_hlc_time(ps_hlc h, char out[32]);

#endif
