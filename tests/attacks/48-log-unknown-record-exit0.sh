#!/bin/bash
# README, exit status 3: "an unknown task, period, office or record (log
# bogus/x)". Only an id of an unknown kind or shape gets 3: a well-formed id
# naming a period, task or office the plan does not have
# (progress/binh-giang/p1-t1/2099, task/p9-t9, progress/nowhere/p1-t1/2021)
# prints nothing at all and exits 0, so a typo looks like a record nobody
# changed - while 'progress show --period 2099' says "unknown period" and
# exits 3.
# Expected: exit 3 and a message naming what is unknown.
. "$(dirname "$0")/common.sh"
prov
bad=0
for rec in progress/tinh/p1-t1/2099 task/p9-t9 progress/nowhere/p1-t1/2021; do
  rc=0; err=$("$P" -C tinh log "$rec" 2>&1 >/dev/null) || rc=$?
  echo "log $rec: exit $rc, stderr: $err"
  [ "$rc" -eq 3 ] && [ -n "$err" ] || bad=1
done
rc=0; "$P" -C tinh progress show --period 2099 >/dev/null 2>&1 || rc=$?
echo "progress show --period 2099: exit $rc"
[ $bad -eq 0 ] || fail "log of a record naming an unknown period, task or office exits 0 with no message"
