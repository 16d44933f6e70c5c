#!/bin/bash
# 'plansync check --json' is the machine-readable verdict (README: check
# [--repair] [--json], exit 8 on a fault). When plansync.db is damaged so
# badly it cannot be opened (its header overwritten), check exits 8 but
# prints nothing on stdout: the fault and the recovery steps go to stderr as
# text, so a monitoring script reading the JSON gets no document at all.
# Expected: a JSON object on stdout ({"ok": false, "faults": [...]}).
. "$(dirname "$0")/common.sh"
prov
printf 'garbage!' | dd of=tinh/plansync.db bs=1 seek=0 conv=notrunc 2>/dev/null
out=$("$P" -C tinh check --json 2>/dev/null); rc=$?
echo "rc=$rc stdout=[$out]"
[ $rc -eq 8 ] || fail "exit $rc, expected 8"
python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if d.get("ok") is False else 1)' <<<"$out" 2>/dev/null ||
  fail "check --json prints no JSON verdict when plansync.db cannot be opened"
exit 0
