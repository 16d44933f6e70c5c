#!/bin/bash
# Issue 9: "JSON output is consistent across commands: one name per fact".
# A change's id is "id" in 'log --json' (and the CSV header) but "change"
# in 'conflicts --json' versions (and "change" in log's own HTML/table
# header); a sync's result text is "message" in 'sync --json' but
# "last_sync.result" in 'status --json'. A script joining log and conflicts
# on the change id, or reading the result, needs two names for one fact.
. "$(dirname "$0")/common.sh"
prov; dist a binh-giang a; dist b binh-giang b
"$P" -C a sync >/dev/null 2>&1; "$P" -C b sync >/dev/null 2>&1
"$P" -C a progress set p1-t1 2021 --status on_track >/dev/null
"$P" -C b progress set p1-t1 2021 --status at_risk >/dev/null
"$P" -C a sync >/dev/null 2>&1; "$P" -C b sync >/dev/null 2>&1; "$P" -C a sync >/dev/null 2>&1
c=$("$P" -C a conflicts --json); l=$("$P" -C a log -n 1 --json)
grep -q '"versions"' <<<"$c" || { echo "no conflict made"; exit 2; }
cid=$(grep -q '"change":' <<<"$c" && echo change); lid=$(grep -qE '^    "id": "[0-9a-f]{16}-' <<<"$l" && echo id)
s=$("$P" -C a sync --json 2>/dev/null); st=$("$P" -C a status --json)
sm=$(grep -q '"message":' <<<"$s" && echo message); stm=$(grep -q '"result":' <<<"$st" && echo result)
echo "change id: log '$lid', conflicts '$cid'; sync result text: sync '$sm', status '$stm'"
bad=0
[ -n "$cid" ] && [ -n "$lid" ] && { echo "BROKEN: a change id is 'id' in log and 'change' in conflicts" >&2; bad=1; }
[ -n "$sm" ] && [ -n "$stm" ] && { echo "BROKEN: a sync's result is 'message' in sync --json and 'result' in status --json" >&2; bad=1; }
exit $bad
