#!/bin/bash
# Issue 11: readers verify "without trusting the server"; README known
# gap: "a province replica that takes a new id (a copy, a restored
# database) is trusted only by replicas that pin its new key". Anyone who
# can push, with no key, hangs one unsigned commit on the province's own
# branch replicas/tinh/tinh-hq. Every reader refuses that commit, but the
# province replica takes it as "commits this replica did not write" and
# continues as tinh-XXXX with a new key (sync_own.c). For every district
# the new province branch is now an enrolment request of office tinh that
# only the province could approve: every approval, revocation, review and
# plan change the province makes from then on is held on every district,
# for good. Here the province enrols a new office after the junk commit:
# the province shows its report, the existing district never learns the
# key and holds the new office's branch as a request.
# Expected: the province keeps its enrolled id (it ignores a commit its
# key did not sign) and what it writes next reaches the districts.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
PIN=$(province_pin)
B=refs/heads/replicas/tinh/tinh-hq
H=$(git -C remote.git rev-parse $B) || exit 2
X=$(git -C remote.git commit-tree "$H^{tree}" -p "$H" -m junk) || exit 2 # unsigned
git -C remote.git update-ref $B "$X"
"$P" -C tinh sync >/dev/null 2>&1
pid=$(replica_of tinh)
# the province enrols a new office afterwards
"$P" init d2 --office tu-ky --replica b --remote "$T/remote.git" --trust "$PIN" >/dev/null 2>&1 || exit 2
"$P" -C tinh keys approve tu-ky-b --key d2/key.pub >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d2 progress set p1-t1 2021 --percent 5 >/dev/null && "$P" -C d2 sync >/dev/null 2>&1
for d in tinh d1; do "$P" -C $d sync >/dev/null 2>&1; done
k=$("$P" -C d1 dump 2>/dev/null | grep -c '"key/tu-ky/tu-ky-b"')
p=$("$P" -C d1 progress show -o tu-ky --json 2>/dev/null | grep -c '"percent": 5')
q=$("$P" -C d1 keys pending --json 2>/dev/null | grep -o '"replica": "[^"]*"' | tr '\n' ' ')
echo "province now $pid; on the existing district: tu-ky-b's enrolment known $k, its report shown $p; held as requests there: ${q:-none}"
[ "$k" = 1 ] && [ "$p" = 1 ] || fail "one unsigned commit on the province's branch cuts the province off from every district"
exit 0
