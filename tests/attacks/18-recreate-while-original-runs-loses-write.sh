#!/bin/bash
# A district replica is re-created with the same --replica id on a second PC
# while the first PC is still in use (the issue: "init with an existing
# replica id adopts that branch's history"; the brief: "re-create while a
# copy runs"). The province's clock runs 5 minutes ahead (within the allowed
# drift), so both PCs tick their clocks logically from the same imported
# value and each mints the SAME change id for a different record. The first
# PC pushes; the second finds the foreign commit, forks to a new id and
# re-sends its own change - but quarantines the first PC's change as an
# "integrity alarm" ("already known with different content"). Observed: the
# re-created PC never shows the first PC's report (exit 0, delivered to the
# remote, shown by the province), dumps differ for good. Expected: both
# writes reach every replica, dumps equal, no false integrity alarm.
. "$(dirname "$0")/common.sh"
NOW=$(date +%s%3N)
git init -q --bare remote.git
export PLANSYNC_FAKE_NOW_MS=$((NOW + 300000))
"$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user P >/dev/null
"$P" -C tinh plan import >/dev/null; "$P" -C tinh sync >/dev/null
unset PLANSYNC_FAKE_NOW_MS
dist d1 binh-giang a
"$P" init d1n --office binh-giang --replica a --remote "$T/remote.git" --user V --trust "$(province_pin)" >/dev/null 2>&1 || fail "re-create"
"$P" -C d1 progress set p1-t2 2021 --percent 22 || fail set
"$P" -C d1n progress set p1-t4 2021 --percent 44 || fail set
for i in 1 2 3; do for r in d1 d1n tinh; do "$P" -C $r sync >/dev/null 2>&1; done; done
# whichever continues under a new id has a new key: the province enrols both
enrol d1n; enrol d1; approve_all
for i in 1 2 3; do for r in d1 d1n tinh; do "$P" -C $r sync >/dev/null 2>&1; done; done
for r in tinh d1 d1n; do echo "$r: $("$P" -C $r progress show | grep -c binh-giang) reports"; done
"$P" -C d1n problems | grep -i "integrity alarm" >&2
"$P" -C tinh dump > t.json; "$P" -C d1n dump > n.json; "$P" -C d1 dump > o.json
cmp -s t.json o.json || fail "the first PC diverged from the province"
"$P" -C d1n progress show | grep -q "p1-t2" || fail "the first PC's write (exit 0, shown by the province) never reaches the re-created PC"
cmp -s t.json n.json || fail "the re-created PC diverged from the province"
exit 0
