#!/bin/bash
# 172: issue 11: "Revocation is deterministic for every reader ..."; "The province's own first
# replica is the root of trust". README: "A province replica restored from a backup (or copied)
# takes a new id like any copy, but nobody else can enrol a province id, so it hands over to
# itself ... the offices keep their pin (the old root key) and go on reading the province under its
# new id (attack 148)"; "Only the root province replica (the one whose key the offices pin)
# revokes another province replica".
# The province's root PC dies; the officer restores it from its backup (cp -a of the replica, the
# original gone for good). The restored replica hands over to its new id, holding the pinned key
# as key.tinh-hq. Then the laptop of the second province replica tinh-b is lost, and the officer
# revokes it: `keys revoke tinh-b` on the restored root.
# Expected: the restored root (the only replica left with the key the offices pin) revokes tinh-b,
# and every reader refuses what tinh-b signs afterwards.
# (Fixed: a province replica whose branch's commit writing its own key record the pinned key
# signed, a hand-over from the root, is a root too; a reader made afterwards agrees.)
# Actual (before): `keys revoke` refuses ("only the province's root replica ... run this there"), and there
# is no "there" any more; the offices go on applying everything the lost laptop signs. (An
# undocumented way out exists: `init NEW --office tinh --replica hq --key tinh2/key.tinh-hq`, the
# old root id made again with the kept key, can revoke; neither the README nor the message says
# so, and the README's own advice for a new key is the opposite, a new replica with a new key.)
. "$(dirname "$0")/common.sh"
prov
"$P" init pb --office tinh --replica b --remote "$T/remote.git" --user PB --trust "$(province_pin)" >/dev/null || fail "setup pb"
enrol pb; "$P" -C pb sync >/dev/null 2>&1
dist d1 binh-giang a || fail "setup d1"
"$P" -C pb progress set p1-t1 2021 --percent 5 >/dev/null; "$P" -C pb sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
cp -a tinh tinh2; rm -rf tinh                     # restored from the backup; the original is gone
"$P" -C tinh2 sync >/dev/null 2>&1; "$P" -C tinh2 sync >/dev/null 2>&1
R=$(replica_of tinh2)
[ -n "$R" ] && [ "$R" != tinh-hq ] || { echo "setup: the restored root did not take a new id"; exit 2; }
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh2 progress set p1-t3 2021 --percent 3 >/dev/null; "$P" -C tinh2 sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress show | grep -q '^tinh.*p1-t3' || { echo "setup: d1 does not read the restored root (attack 148)"; exit 2; }
"$P" -C tinh2 keys revoke tinh-b > out.txt 2>&1; rc=$?
"$P" -C tinh2 sync >/dev/null 2>&1
"$P" -C pb progress set p1-t2 2021 --percent 66 >/dev/null; "$P" -C pb sync >/dev/null 2>&1   # the lost laptop
"$P" -C d1 sync >/dev/null 2>&1
if [ $rc -ne 0 ] || "$P" -C d1 progress show | grep -q '^tinh.*p1-t2.*66'; then
  cat out.txt >&2
  fail "after the root is restored from a backup, no replica can revoke a province replica (keys revoke exit $rc); the offices apply what the lost laptop signs"
fi
# a reader made afterwards reads the restored root's branch in whichever order its id sorts
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --trust "$(ssh-keygen -lf tinh2/key.tinh-hq | cut -d" " -f2)" >/dev/null 2>&1 || fail "init d3: $("$P" init d3b --office tu-ky --replica c --remote "$T/remote.git" --trust "$(ssh-keygen -lf tinh2/key.tinh-hq | cut -d" " -f2)" 2>&1 | tail -2)"
"$P" -C d3 progress show | grep -q '^tinh.*p1-t2.*66' && fail "a new reader applies what the lost laptop signed after the revocation"
strip() { "$P" -C "$1" dump | sed 's/"revoked_commit": "[^"]*"//'; }
cmp -s <(strip d1) <(strip d3) || fail "a district and a new reader disagree"
echo "held: the restored root revokes a province replica"
