#!/bin/bash
# README, plan references: a progress report naming a task the plan does not
# have is held - not in progress show or dump, counted in status
# ("unplanned") and listed in problems - and shown once the plan has it.
# When the province retires a task (plan import without it) after a district
# reported on it, every replica goes on listing the report in 'progress show'
# and 'dump', status counts nothing unplanned, problems is empty, yet
# 'progress show --task p1-t7' exits 3 "unknown task" and a new report on it
# is refused: the same report is listed and said not to exist.
# Expected: either held (not listed, counted as unplanned) or listed and
# reachable with --task.
. "$(dirname "$0")/common.sh"
prov; dist d3 tu-ky c
"$P" -C d3 progress set p1-t7 2021 --percent 40 >/dev/null || fail "set"
"$P" -C d3 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
SRC=${PLANSYNC_SRC:-$ATTACKS/../..}
python3 - "$SRC/schema/plan/hai-duong-2020-2025.json" <<'PY' || exit 2
import json, sys
d = json.load(open(sys.argv[1]))
d['tasks'] = [t for t in d['tasks'] if t['id'] != 'p1-t7']
d['targets'] = [t for t in d['targets'] if t['task'] != 'p1-t7']
json.dump(d, open('not7.json', 'w'), ensure_ascii=False)
PY
"$P" -C tinh plan import not7.json >/dev/null || fail "plan import"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d3 sync >/dev/null 2>&1
listed=$("$P" -C tinh progress show --office tu-ky | grep -c 'p1-t7')
rc=0; err=$("$P" -C tinh progress show --task p1-t7 2>&1 >/dev/null) || rc=$?
unplanned=$("$P" -C tinh status --json | sed -n 's/.*"unplanned": \([0-9]*\).*/\1/p')
echo "listed in progress show: $listed; progress show --task p1-t7: exit $rc ($err); unplanned: $unplanned"
if [ "$listed" -gt 0 ] && [ "$rc" -ne 0 ]; then
  fail "a report on a retired task is listed by progress show but --task says the task is unknown (and status counts it nowhere)"
fi
[ "$listed" -gt 0 ] || [ "$unplanned" -gt 0 ] || fail "the report vanished without being counted as unplanned"
exit 0
