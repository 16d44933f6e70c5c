#!/bin/bash
# README "How sync works": a change wins over every change in its base chain
# whatever their clocks, so a correction written after a machine's clock was
# ahead replaces the future-stamped values everywhere. A correction names the
# future head and, one level deep, that head's own bases (replica.c
# base_past_future). With three future writes A1 <- A2 <- A3, the correction
# C names A3 and A2 only. Every other office holds A1..A3 back until its clock
# reaches each one; once it reaches A1 but not yet A2, A1 is released while
# the chain C -> A2 -> A1 is still unknown there: A1 counts as concurrent with
# C, wins by its later clock, and a conflict shows. The province reads the
# percent the district corrected (91, not 50) while the district itself shows
# 50 - for as long as the clocks stay between the two writes.
# Expected: the province shows 50 and no conflict at that time.
. "$(dirname "$0")/common.sh"
prov; dist d3 tu-ky c
"$P" -C d3 sync >/dev/null 2>&1
now=$(($(date +%s) * 1000))
PLANSYNC_FAKE_NOW_MS=$((now + 3600000)) "$P" -C d3 progress set p1-t7 2021 --percent 91 >/dev/null || fail "set A1"
PLANSYNC_FAKE_NOW_MS=$((now + 4800000)) "$P" -C d3 progress set p1-t7 2021 --percent 92 >/dev/null || fail "set A2"
PLANSYNC_FAKE_NOW_MS=$((now + 6000000)) "$P" -C d3 progress set p1-t7 2021 --percent 93 >/dev/null || fail "set A3"
PLANSYNC_FAKE_NOW_MS=$((now + 6000000)) "$P" -C d3 sync >/dev/null 2>&1 || fail "future sync"
"$P" -C d3 progress set p1-t7 2021 --percent 50 --reason "clock fixed" >/dev/null || fail "correction"
"$P" -C d3 sync >/dev/null 2>&1 || fail "correction sync"
"$P" -C tinh sync >/dev/null 2>&1
# the province's clock reaches A1 (within the 600 s drift) but not A2
T=$((now + 3600000))
PLANSYNC_FAKE_NOW_MS=$T "$P" -C tinh sync >/dev/null 2>&1
pct=$(PLANSYNC_FAKE_NOW_MS=$T "$P" -C tinh progress show --task p1-t7 --office tu-ky --json | sed -n 's/.*"percent": \([0-9]*\).*/\1/p')
own=$(PLANSYNC_FAKE_NOW_MS=$T "$P" -C d3 progress show --task p1-t7 --json | sed -n 's/.*"percent": \([0-9]*\).*/\1/p')
nconf=$(PLANSYNC_FAKE_NOW_MS=$T "$P" -C tinh conflicts --json | grep -c '"record"')
echo "district shows $own; province shows $pct with $nconf conflict(s)"
[ "$pct" = 50 ] && [ "$nconf" = 0 ] || fail "the correction loses to the oldest future-stamped write at the province (shows $pct, $nconf conflicts)"
