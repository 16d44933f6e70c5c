#!/bin/bash
# -C naming a regular file (a typo: -C plansync.db, or the replica's path
# given to the wrong option) is reported as "replica directory X does not
# exist; create one with 'plansync init DIR ...'": the file does exist, and
# following the advice fails. Expected: a message saying X is not a
# directory (exit 2).
. "$(dirname "$0")/common.sh"
prov
out=$("$P" -C "$T/tinh/plansync.db" status 2>&1 >/dev/null); rc=$?
echo "rc=$rc: $out"
[ $rc -eq 2 ] || fail "exit $rc, expected 2"
grep -q "does not exist" <<<"$out" && fail "an existing file given as -C is called missing"
exit 0
