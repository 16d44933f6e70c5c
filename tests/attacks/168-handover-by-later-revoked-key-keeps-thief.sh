#!/bin/bash
# 168: "Revocation is deterministic for every reader: it names the last accepted commit of that
# replica's branch, and everything after it is refused by all readers alike" (issue 11); README:
# "Every reader accepts that [hand-over] commit only when its signer is a province replica's
# enrolled key, neither revoked nor rotated away"; "A hand-over by a revoked ... key is refused
# everywhere (attack 150)".
# Province replica tinh-b's laptop is stolen. The thief copies it (cp -a) while tinh-b goes on
# working; the copy's next sync continues under a new id and hands over to itself: a new branch
# whose first commit, signed by tinh-b's key, enrols the thief's new key as a province replica.
# District binh-giang-a syncs and reads it. The root province replica, which never read the
# hand-over, revokes tinh-b (naming its last accepted commit) and syncs; binh-giang-a syncs.
# The thief then writes more and syncs.
# Expected: every reader ends with the same state: the hand-over (a commit of tinh-b's key that is
# not among the commits the revocation accepts) refused, the thief's new id not enrolled, its
# changes nowhere; the root and a new reader do exactly that.
# Actual: binh-giang-a keeps the thief's id enrolled as a province replica (key record with no
# revocation) and applies everything it writes, after the revocation too; the root cannot revoke
# that id ("no enrolled key"), so nothing repairs binh-giang-a, whose dump differs for good.
. "$(dirname "$0")/common.sh"
prov
"$P" init pb --office tinh --replica b --remote "$T/remote.git" --user PB --trust "$(province_pin)" >/dev/null || fail "setup pb"
enrol pb; "$P" -C pb sync >/dev/null 2>&1
dist d1 binh-giang a || fail "setup d1"
"$P" -C pb progress set p1-t1 2021 --percent 5 >/dev/null || fail "setup: pb set"
"$P" -C pb sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
cp -a pb thief                                   # the stolen laptop, copied
"$P" -C pb progress set p1-t2 2021 --percent 6 >/dev/null; "$P" -C pb sync >/dev/null 2>&1
"$P" -C thief progress set p1-t3 2021 --percent 66 >/dev/null; "$P" -C thief sync >/dev/null 2>&1
"$P" -C thief sync >/dev/null 2>&1
TR=$(replica_of thief)
[ -n "$TR" ] && [ "$TR" != tinh-b ] || { echo "setup: the copy did not take a new id"; exit 2; }
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 dump | grep -q "\"key/tinh/$TR\"" || { echo "setup: d1 did not read the hand-over"; exit 2; }
"$P" -C tinh keys revoke tinh-b >/dev/null || fail "revoke tinh-b"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C thief progress set p1-t4 2021 --percent 77 >/dev/null; "$P" -C thief sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; "$P" -C d1 rebuild >/dev/null 2>&1
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --user C --trust "$(province_pin)" >/dev/null 2>&1
"$P" -C d3 sync >/dev/null 2>&1
"$P" -C tinh dump > a.json; "$P" -C d1 dump > b.json; "$P" -C d3 dump > c.json
cmp -s a.json c.json || { diff a.json c.json >&2; echo "setup: the root and a new reader differ already"; exit 2; }
bad=""
grep -q "\"key/tinh/$TR\".*\"revoked\": null" b.json && bad="$bad; d1 keeps the thief's id $TR enrolled as a province replica"
grep -q '"progress/tinh/p1-t4/2021"' b.json && bad="$bad; d1 applies what the thief wrote after the revocation (p1-t4 77%)"
# the root can revoke the thief's id whenever it holds it enrolled (not when every reader refuses it)
grep -q "\"key/tinh/$TR\".*\"revoked\": null" a.json && { "$P" -C tinh keys revoke "$TR" >/dev/null 2>&1 || bad="$bad; the root cannot revoke $TR"; }
if [ -n "$bad" ] || ! cmp -s a.json b.json; then
  diff a.json b.json >&2
  fail "a hand-over signed by a key revoked later stays on a reader that read it first${bad}"
fi
echo "held: a hand-over by a key revoked later is refused by every reader"
