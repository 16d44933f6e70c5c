#!/bin/bash
# 171: "Revocation is deterministic for every reader: it names the last accepted commit of that
# replica's branch, and everything after it is refused by all readers alike" (issue 11); README:
# "A revocation is the same on every reader whatever it read first: a reader that had applied
# commits of that branch after the named commit before the revocation reached it takes them back
# (attack 164; each is listed by `problems`, the bytes stay in Git)".
# Attack 164's scenario, as a daemon or a user lives it: nobody runs `rebuild`. District
# binh-giang-a pushes C2 (p1-t3 50%); district tu-ky-b syncs and applies it; the province, which
# has not fetched C2, revokes binh-giang-a (naming C1) and syncs; tu-ky-b syncs three times.
# Expected: tu-ky-b takes C2 back at the sync that brings the revocation (the same dump as the
# province) and `problems` lists the commit taken back.
# Actual: after any number of syncs tu-ky-b still shows binh-giang p1-t3 50%, `problems` says "no
# problems", `check` finds no fault; only a `rebuild` (which nothing asks for) takes C2 back.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a || fail "setup d1"
dist d2 tu-ky b || fail "setup d2"
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d2 sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t3 2021 --percent 50 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || fail "d1 sync"
"$P" -C d2 sync >/dev/null 2>&1
"$P" -C d2 progress show | grep -q 'binh-giang.*p1-t3' || { echo "setup: d2 did not apply C2"; exit 2; }
"$P" -C tinh keys revoke binh-giang-a >/dev/null || fail "revoke"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep -q 'binh-giang.*p1-t3' && { echo "setup: province applied C2"; exit 2; }
for _ in 1 2 3; do "$P" -C d2 sync >/dev/null 2>&1; done
"$P" -C d2 dump | grep -q '"revoked_after"' || { echo "setup: d2 did not get the revocation"; exit 2; }
"$P" -C tinh dump > a.json; "$P" -C d2 dump > b.json
if ! cmp -s a.json b.json; then
  diff a.json b.json >&2
  "$P" -C d2 problems | grep -q . && "$P" -C d2 problems | grep -qi 'no problems' && echo "d2's problems: no problems" >&2
  "$P" -C d2 rebuild >/dev/null 2>&1; "$P" -C d2 dump > c.json
  cmp -s a.json c.json && echo "(a rebuild takes it back)" >&2
  fail "after the revocation arrived, sync never takes back the commit it refuses: the reader shows it until someone runs rebuild"
fi
echo "held: the sync that brings the revocation takes back what it refuses"
