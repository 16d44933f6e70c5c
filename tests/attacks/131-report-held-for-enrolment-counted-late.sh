#!/bin/bash
# "Until approved, that replica's changes are held: counted in status and
# listed by keys pending ... never lost; after approval they apply"
# (issue 11). A new district files its 2021 report on 10 December (due 15
# December) and syncs; the province fetches it the same day and holds it
# as an enrolment request ("first seen 2021-12-10"). The officer reaches
# the office by phone and approves on 20 December: the receipt says
# received 2021-12-20, late. The office delivered on time; the delay was
# the province's own, yet the report counts as late.
# Expected: a report the province held for enrolment and received before
# the due date is not late.
. "$(dirname "$0")/common.sh"
at() { echo $(( $(date -d "$1" +%s) * 1000 )); }
export PLANSYNC_FAKE_NOW_MS=$(at 2021-12-01T00:00:00Z)
prov
PIN=$(province_pin)
export PLANSYNC_FAKE_NOW_MS=$(at 2021-12-10T00:00:00Z)
"$P" init d1 --office binh-giang --replica a --remote "$T/remote.git" --trust "$PIN" >/dev/null 2>&1 || exit 2
"$P" -C d1 progress set p1-t1 2021 --percent 50 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys pending 2>/dev/null | grep -q 2021-12-10 || { echo "not held on the 10th"; exit 2; }
export PLANSYNC_FAKE_NOW_MS=$(at 2021-12-20T00:00:00Z)
"$P" -C tinh keys approve binh-giang-a >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
r=$("$P" -C tinh dump 2>/dev/null | grep '"receipt/binh-giang/p1-t1/2021"')
[ -n "$r" ] || exit 2
echo "report sent and held on 2021-12-10 (due 2021-12-15), approved 2021-12-20: $(echo "$r" | grep -o '"late": [a-z]*, "received": "[^"]*"')"
echo "$r" | grep -q '"late": false' || fail "a report held for enrolment and received before the due date is counted late"
exit 0
