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
"$P" -C d2 sync >/dev/null 2>&1
"$P" -C d2 progress show 2>/dev/null | grep -q '^tinh  *p1-t1  *2021  *5 ' ||
  fail "district d2 does not see the restored province's change (province writes as $pr; $("$P" -C d2 status 2>/dev/null | grep -i enrol))"
# The new id is the province now: it enrols a new office, whose progress every
# reader applies, and the new office (pinned to the original key) reads the
# restored province's changes.
"$P" init d3 --office gia-loc --replica c --remote "$T/remote.git" --user U3 --trust "$(ssh-keygen -lf tinh/key.tinh-hq.pub | cut -d' ' -f2)" >/dev/null || fail "setup: d3 init"
"$P" -C d3 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve "$(replica_of d3)" --key d3/key.pub >/dev/null || fail "the restored province cannot enrol a new office"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d3 progress set p1-t3 2021 --percent 8 >/dev/null; "$P" -C d3 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d2 sync >/dev/null 2>&1; "$P" -C d3 sync >/dev/null 2>&1
"$P" -C d2 progress show 2>/dev/null | grep -q '^gia-loc  *p1-t3  *2021  *8 ' || fail "d2 does not apply the office the restored province enrolled"
"$P" -C d3 progress show 2>/dev/null | grep -q '^tinh  *p1-t1  *2021  *5 ' || fail "d3 (pinned to the original province key) does not read the restored province"
"$P" -C d2 keys pending --json | grep -q '"replica"' && fail "d2 still lists enrolment requests: $("$P" -C d2 keys pending)"
# stock git verifies the new branch, hand-over commit included; audit passes
"$P" -C d2 keys allowed-signers -o "$T/allowed" >/dev/null || fail "allowed-signers"
for c in $(git -C remote.git rev-list "refs/heads/replicas/tinh/$pr"); do
  git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit "$c" 2>/dev/null || fail "git verify-commit refuses $c on replicas/tinh/$pr"
done
"$P" -C d2 audit >/dev/null 2>&1 || fail "audit fails on d2: $("$P" -C d2 audit 2>&1 | tail -5)"
exit 0
