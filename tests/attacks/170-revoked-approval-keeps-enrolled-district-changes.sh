#!/bin/bash
# 170: "Revocation is deterministic for every reader: it names the last accepted commit of that
# replica's branch, and everything after it is refused by all readers alike" (issue 11); README:
# "a reader that had applied commits of that branch after the named commit before the revocation
# reached it takes them back (attack 164)".
# Province replica tinh-b's laptop is stolen. The thief approves a district key of its own making
# (`keys approve gia-loc-z --key evil.pub`) and syncs, then writes progress as gia-loc-z. District
# binh-giang-a syncs and applies both. The root, which had not read the approval, revokes tinh-b
# (naming its last accepted commit, before the approval) and syncs; binh-giang-a syncs (twice) and
# rebuilds.
# Expected: binh-giang-a ends like the root and a new reader: the approval refused, so gia-loc-z
# not enrolled and none of its changes shown (they only ever applied because of the approval).
# Actual: binh-giang-a takes back the approval (gia-loc-z's key record goes) but keeps the change
# gia-loc-z made under it (gia-loc p1-t1 66% by EVIL, in `progress show` and `dump`), after sync
# and rebuild; the root and a new reader do not have it: readers diverge for good and
# binh-giang-a's own audit fails.
. "$(dirname "$0")/common.sh"
prov
"$P" init pb --office tinh --replica b --remote "$T/remote.git" --user PB --trust "$(province_pin)" >/dev/null || fail "setup pb"
enrol pb; "$P" -C pb sync >/dev/null 2>&1
dist d1 binh-giang a || fail "setup d1"
"$P" -C pb progress set p1-t1 2021 --percent 5 >/dev/null; "$P" -C pb sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
ssh-keygen -q -t ed25519 -N '' -C evil -f evil
"$P" init gz --office gia-loc --replica z --remote "$T/remote.git" --user EVIL --key evil --trust "$(province_pin)" >/dev/null 2>&1 || fail "setup gz"
"$P" -C pb keys approve gia-loc-z --key evil.pub >/dev/null || fail "setup: approve"
"$P" -C pb sync >/dev/null 2>&1; "$P" -C gz sync >/dev/null 2>&1
"$P" -C gz progress set p1-t1 2021 --percent 66 >/dev/null; "$P" -C gz sync >/dev/null 2>&1
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress show | grep -q 'gia-loc.*p1-t1.*66' || { echo "setup: d1 did not apply gia-loc-z's change"; exit 2; }
"$P" -C tinh keys revoke tinh-b >/dev/null || fail "revoke"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep -q 'gia-loc.*p1-t1' && { echo "setup: the root applied gia-loc-z's change"; exit 2; }
"$P" -C d1 sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; "$P" -C d1 rebuild >/dev/null 2>&1
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --user C --trust "$(province_pin)" >/dev/null 2>&1
"$P" -C d3 sync >/dev/null 2>&1
"$P" -C tinh dump > a.json; "$P" -C d1 dump > b.json; "$P" -C d3 dump > c.json
cmp -s a.json c.json || { diff a.json c.json >&2; echo "setup: the root and a new reader differ already"; exit 2; }
if ! cmp -s a.json b.json; then
  diff a.json b.json >&2
  "$P" -C d1 audit >/dev/null 2>&1 || echo "d1's own audit fails" >&2
  fail "a change applied under an approval that the revocation refuses stays on the reader that read it first: readers diverge"
fi
echo "held: what an approval refused by a revocation let in is taken back"
