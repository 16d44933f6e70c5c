#!/bin/bash
# 165: revocation "names the last accepted commit of that replica's branch, and everything after it
# is refused by all readers alike" (issue 11); audit passes on an honest history. The province
# revokes binh-giang-a (naming C1) before it has fetched C2 (p1-t3 at 50%), syncs and refuses C2.
# The laptop is found again: the province enrols the same replica again with `keys approve
# binh-giang-a --key d1/key.pub` (accepted), syncs; the district writes p1-t4 and syncs.
# Expected: the province and a replica created afterwards agree on C2 (both refuse it, or both
# apply it), and the province's `audit` passes on this honest history (or the re-approval is
# refused with a reason). Actual: the province keeps C2 refused (p1-t4 applies), a new reader
# applies C2 (p1-t3 at 50%): their dumps differ for good, and the province's own audit FAILS.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a || fail "setup d1"
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t3 2021 --percent 50 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || fail "d1 sync"
"$P" -C tinh keys revoke binh-giang-a >/dev/null || fail "revoke"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep -q 'binh-giang.*p1-t3' && { echo "setup: province applied C2"; exit 2; }
if ! "$P" -C tinh keys approve binh-giang-a --key d1/key.pub >/dev/null 2>&1; then
  echo "held: re-enrolling a revoked replica is refused"; exit 0
fi
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t4 2021 --percent 44 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" init f1 --office tp-chi-linh --replica f --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init f1"
"$P" -C f1 sync >/dev/null 2>&1
"$P" -C tinh dump > a.json; "$P" -C f1 dump > f.json
bad=
cmp -s a.json f.json || { diff a.json f.json >&2; bad="the province and a new reader differ on the revoked-then-re-enrolled replica's commit; "; }
"$P" -C tinh audit >audit.txt 2>&1 || { tail -4 audit.txt >&2; bad="${bad}the province's audit fails on its own honest history"; }
[ -z "$bad" ] || fail "$bad"
echo "held: readers agree after a revoked replica is enrolled again"
