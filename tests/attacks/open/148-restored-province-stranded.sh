#!/bin/bash
# 148: the province restores its replica from a copy (cp -a taken earlier, as a backup) while the
# original had synced more since; the restored province continues as a new replica id with a new
# key (as a copy must), but that id is the province's and only the province enrols keys: every
# later province change is held on every district as an enrolment request, and the province
# cannot approve itself. Expected: the province has a way forward (its new key announced with a
# record the old key signs, as a rotation) and its changes keep applying everywhere.
# The README lists this as a known gap ("a province replica that takes a new id ... is trusted only
# by replicas that pin its new key"), but it is worse than that: the new id has no way forward at all
# (no district pins it, and keys approve refuses it), while the issue asks that a replica that
# re-identifies makes a new request that can be approved, nothing good lost.
source "$(dirname "$0")/common.sh"
prov
dist d2 tu-ky b
cp -a tinh tinh.bak
"$P" -C tinh progress set p1-t2 2021 --percent 3 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
rm -rf tinh; cp -a tinh.bak tinh
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress set p1-t1 2021 --percent 5 >/dev/null || fail "setup: province set"
"$P" -C tinh sync >/dev/null 2>&1
pr=$(replica_of tinh)
[ "$pr" = tinh-hq ] || echo "note: the restored province writes as replica $pr" >&2
if [ "$pr" != tinh-hq ]; then
  "$P" -C tinh keys approve "$pr" >/dev/null 2>&1 || echo "note: the province cannot approve its own new id $pr" >&2
  "$P" -C tinh sync >/dev/null 2>&1
fi
"$P" -C d2 sync >/dev/null 2>&1
"$P" -C d2 progress show 2>/dev/null | grep -q '^tinh  *p1-t1  *2021  *5 ' ||
  fail "district d2 does not see the restored province's change (province writes as $pr; $("$P" -C d2 status 2>/dev/null | grep -i enrol))"
exit 0
