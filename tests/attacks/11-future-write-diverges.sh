#!/bin/bash
# A district writes once while its clock is 3 years ahead (status, note),
# then, with the clock corrected, writes only a new percent for the same
# record. Its status promises "a new change to the same record supersedes
# them everywhere". But the correction sets only 'percent': the writer shows
# status at_risk / note "important", the province shows neither (the future
# change is held for 3 years). Dumps differ for 3 years, nothing said to
# the province. Expected: equal dumps once both synced.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
NOW=$(date +%s%3N); FUT=$((NOW + 3*365*86400000))
"$P" -C d1 progress set p1-t1 2021 --percent 10 --note a >/dev/null; "$P" -C d1 sync >/dev/null
PLANSYNC_FAKE_NOW_MS=$FUT "$P" -C d1 progress set p1-t1 2021 --percent 90 --note important --status at_risk >/dev/null
"$P" -C d1 progress set p1-t1 2021 --percent 20 >/dev/null
"$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
echo "writer:   $("$P" -C d1 progress show | grep p1-t1)"
echo "province: $("$P" -C tinh progress show | grep p1-t1)"
"$P" -C d1 dump > a.json; "$P" -C tinh dump > b.json
cmp -s a.json b.json || fail "writer and province differ after a clock that was ahead was corrected"
exit 0
