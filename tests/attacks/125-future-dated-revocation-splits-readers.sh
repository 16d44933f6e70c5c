#!/bin/bash
# "Revocation is deterministic for every reader: it names the last
# accepted commit of that replica's branch, and everything after it is
# refused by all readers alike" (issue 11). The province's clock runs
# 2 hours ahead (PLANSYNC_FAKE_NOW_MS) when it revokes binh-giang-a. A
# district with a right clock fetches the revocation and holds the key
# record back as a change from the future (sync.max_drift), so the
# registry it verifies with still has the key enrolled: the revoked
# replica's next commit is applied there. A replica that reads the
# province's branch and that commit in one import uses the key records of
# the import at once (sync_verify.c overlay_note, which ignores the clock
# hold) and refuses it. When the clock catches up the first district
# applies the revocation but keeps the commit (it applied it already):
# the two districts differ for good (audit on the first one does fail,
# since its from-scratch import reads both in one go).
# Expected: every reader refuses the commit after the revocation.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
dist d2 tu-ky b
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
for d in tinh d2; do "$P" -C $d sync >/dev/null 2>&1; done
AHEAD=$(( ($(date +%s) + 7200) * 1000 ))
PLANSYNC_FAKE_NOW_MS=$AHEAD "$P" -C tinh keys revoke binh-giang-a >/dev/null 2>&1 || exit 2
PLANSYNC_FAKE_NOW_MS=$AHEAD "$P" -C tinh sync >/dev/null 2>&1
"$P" -C d2 sync >/dev/null 2>&1
# the revoked laptop writes on
"$P" -C d1 progress set p1-t2 2021 --percent 77 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
"$P" -C d2 sync >/dev/null 2>&1
"$P" init d3 --office ninh-giang --replica c --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
# hours later: every clock is past the revocation's
LATER=$(( ($(date +%s) + 10800) * 1000 ))
for d in tinh d2 d3; do PLANSYNC_FAKE_NOW_MS=$LATER "$P" -C $d sync >/dev/null 2>&1; done
pc() { PLANSYNC_FAKE_NOW_MS=$LATER "$P" -C "$1" progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 77'; }
rv() { PLANSYNC_FAKE_NOW_MS=$LATER "$P" -C "$1" dump 2>/dev/null | grep '"key/binh-giang/binh-giang-a"' | grep -c '"revoked": "'; }
a=$(pc tinh) b=$(pc d2) c=$(pc d3)
PLANSYNC_FAKE_NOW_MS=$LATER "$P" -C d2 audit >/dev/null 2>&1; echo "audit on the district that applied it: exit $?"
echo "the revoked replica's 77 % after its revocation: province $a, district with a right clock $b, new district $c; revocation known: $(rv tinh)/$(rv d2)/$(rv d3)"
[ "$a" = 0 ] && [ "$b" = 0 ] && [ "$c" = 0 ] || fail "a commit after the revocation is applied by some readers and refused by others: $a/$b/$c"
exit 0
