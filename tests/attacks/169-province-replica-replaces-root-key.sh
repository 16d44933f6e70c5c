#!/bin/bash
# 169: "The province's own first replica is the root of trust"; "The province can rotate its own
# key with a record signed by the old one" (issue 11); README: "Only the root province replica
# (the one whose key the offices pin) revokes another province replica; every reader refuses such
# a record from any other (attacks 166, 167)".
# A second province replica tinh-b (its laptop stolen, or its officer gone rogue) runs
# `keys approve tinh-hq --key evil.pub` with a key of its own making and syncs: a key record that
# replaces the root's key, signed by tinh-b, not by the root's key.
# Expected: every reader refuses that record (only the root's own key rotates the root's key, and
# a non-root province replica no more replaces the root than it revokes it); the root goes on
# exporting; a commit on the root's branch signed by evil.pub is refused.
# Actual: every reader, the root included, takes the record: the root's next sync exports nothing
# (exit 8, "a key the province replaced"); when the root approves its own key again, the offices
# refuse its commits (its key now counts only as the root's "previous" key), while a commit that
# the holder of evil.pub signs on the root's branch is applied by the offices as the root's.
. "$(dirname "$0")/common.sh"
prov
"$P" init pb --office tinh --replica b --remote "$T/remote.git" --user PB --trust "$(province_pin)" >/dev/null || fail "setup pb"
enrol pb; "$P" -C pb sync >/dev/null 2>&1
dist d1 binh-giang a || fail "setup d1"
ssh-keygen -q -t ed25519 -N '' -C evil -f evil
"$P" -C pb keys approve tinh-hq --key evil.pub >/dev/null 2>&1
"$P" -C pb sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
EVIL=$(ssh-keygen -lf evil.pub | cut -d' ' -f2)
bad=""
"$P" -C d1 dump | grep '"key/tinh/tinh-hq"' | grep -qF "$EVIL" && bad="$bad; d1's registry gives the root tinh-hq the key $EVIL that tinh-b wrote"
"$P" -C tinh progress set p1-t1 2021 --percent 11 >/dev/null
"$P" -C tinh sync >/dev/null 2>&1; rc=$?
[ $rc -ne 0 ] && bad="$bad; the root's own sync then fails (exit $rc): it exports nothing"
# the holder of evil.pub writes on the root's branch
HLC=$(python3 -c 'import time; print("%016x" % (int(time.time()*1000) << 16))')
ID=$HLC-tinh-hq
PTH=$(python3 -c '
import sys
h=2166136261
for c in sys.argv[1].encode(): h=((h^c)*16777619)&0xffffffff
print("changes/tinh/%02x/%02x/%s.json"%(h>>24,(h>>16)&0xff,sys.argv[1]))' "$ID")
git clone -q remote.git w 2>/dev/null
(cd w && git checkout -q -B x origin/replicas/tinh/tinh-hq && git rm -rq changes && mkdir -p "$(dirname "$PTH")" &&
 printf '{\n  "format": 1,\n  "id": "%s",\n  "office": "tinh",\n  "replica": "tinh-hq",\n  "author": "EVIL",\n  "hlc": "%s",\n  "record": "progress/tinh/p1-t2/2021",\n  "op": "set",\n  "base": [],\n  "fields": {\n    "percent": 99,\n    "reporter": "EVIL"\n  }\n}\n' "$ID" "$HLC" > "$PTH" &&
 git add -A && sign_as "$T/evil" && git -c user.email=tinh-hq@plansync.invalid commit -q -m "tinh: p1-t2" &&
 git push -q origin HEAD:refs/heads/replicas/tinh/tinh-hq) || { echo "setup: crafting the commit failed"; exit 2; }
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress show | grep -q 'tinh.*p1-t2.*99' && bad="$bad; d1 applies a commit signed by $EVIL on the root's branch (p1-t2 99%)"
[ -n "$bad" ] && fail "a non-root province replica replaces the root's key${bad}"
echo "held: only the root's own key replaces the root's key"
