#!/usr/bin/env bash
# A replica's first push is an enrolment request: its changes are held by every
# reader, "never lost; after approval they apply" (issue 11), and a branch deleted
# on the remote keeps its changes on every replica that read it (README). Here the
# request is held by the province and a district, the branch is then deleted on
# the shared repository (an admin's slip, a hostile server), and the province
# approves the key it saw in `keys pending`: the held change never applies on
# any replica, `problems` says nothing, and the writer, syncing again, pushes
# nothing (it believes its change delivered). The change is lost everywhere.
. "$(dirname "$0")/../common.sh"
prov
dist d1 binh-giang a
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null || fail "init d3"
"$P" -C d3 progress set p1-t3 2021 --percent 5 >/dev/null || fail "set"
"$P" -C d3 sync >/dev/null 2>&1 || fail "d3 sync"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh keys pending | grep -q tu-ky-c || fail "setup: no request at the province"
"$P" -C d1 status | grep -q '1 changes held' || fail "setup: d1 holds nothing"
git -C remote.git update-ref -d refs/heads/replicas/tu-ky/tu-ky-c
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh keys approve tu-ky-c >/dev/null || fail "approve"
for r in tinh d3 tinh d1; do "$P" -C $r sync >/dev/null 2>&1; done
bad=0
for r in tinh d1; do
  if "$P" -C $r progress show | grep -q '^tu-ky *p1-t3'; then :; else
    echo "$r: the approved replica's held change is not applied; problems: $("$P" -C $r problems | head -3 | tr '\n' ' ')" >&2
    bad=1
  fi
done
[ "$bad" -eq 0 ] || fail "a held enrolment request's change is lost once its branch is deleted on the remote"
exit 0
