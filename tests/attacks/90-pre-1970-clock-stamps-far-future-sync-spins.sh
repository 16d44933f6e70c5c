#!/bin/bash
# README: "this machine's clock was wrong | a change is never stamped more
# than the drift ahead of the wall clock"; lib/hlc.c: "one wrong clock
# never stamps every later change in the future". A clock set before 1970
# (1969-12-31 23:59:59 UTC, PLANSYNC_FAKE_NOW_MS=-1000; a real clock with a
# negative tv_sec takes the same path through (uint64_t)tv_sec * 1000 in
# ps_now_ms) is read as 2^64 - 1000 ms: a progress report is stamped
# fffffffffc180000 (year 10889), and the next sync on that clock spins at
# full CPU and never ends. The control: the same write and sync with the
# clock at 1970-01-01 00:00:01 stamp a change in 1970 and finish.
# Expected: the change is not stamped thousands of years ahead, and the
# sync finishes (within 60 s).
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 sync >/dev/null 2>&1 || exit 2
PLANSYNC_FAKE_NOW_MS=1000 "$P" -C d1 progress set p1-t1 2021 --percent 11 >ctl.out 2>&1 || exit 2
PLANSYNC_FAKE_NOW_MS=1000 timeout 60 "$P" -C d1 sync >/dev/null 2>&1 || exit 2 # the control finishes
PLANSYNC_FAKE_NOW_MS=-1000 "$P" -C d1 progress set p1-t1 2021 --percent 12 >w.out 2>&1 || exit 2
id=$(sed -n 's/.*(change \([0-9a-f]\{16\}\)-.*/\1/p' w.out)
[ -n "$id" ] || exit 2
PLANSYNC_FAKE_NOW_MS=-1000 timeout 60 "$P" -C d1 sync >s.out 2>&1; rc=$?
ms=$(( 0x${id:0:12} ))
now=$(( $(date +%s) * 1000 ))
echo "clock at 1969-12-31 23:59:59: change $id (ms $ms; real now $now); sync rc=$rc$([ $rc -eq 124 ] && echo ' (killed after 60 s)')"
[ "$ms" -le $((now + 600000)) ] || fail "a clock before 1970 stamps the change at ms $ms, thousands of years ahead"
[ $rc -ne 124 ] || fail "the sync with a clock before 1970 never finishes"
exit 0
