#!/bin/bash
# Exit 3 means "bad input, nothing was written". 'init DIR --office O --set
# sync.interval=0' (a value out of range) exits 3 and says "created DIR, but
# sync.interval was not set": DIR holds a complete replica, and the same
# command with the value corrected is refused ("DIR is already a replica").
# (--set bogus=1 is checked before anything is created: exit 2, no DIR.)
# Expected: the value is checked before DIR is created (exit 3, no DIR), so
# the corrected command works.
. "$(dirname "$0")/common.sh"
prov
rc=0; err=$("$P" init d1 --office binh-giang --remote "$T/remote.git" --set sync.interval=0 2>&1 >/dev/null) || rc=$?
echo "init --set sync.interval=0: exit $rc: $err"
[ "$rc" -eq 3 ] || { echo "exit $rc, not 3"; }
left=no; [ -e d1/plansync.db ] && left=yes
rc2=0; err2=$("$P" init d1 --office binh-giang --remote "$T/remote.git" --set sync.interval=30 2>&1 >/dev/null) || rc2=$?
echo "replica left behind: $left; corrected init: exit $rc2 $err2"
if [ "$rc" -eq 3 ] && [ "$left" = yes ]; then fail "init exits 3 (nothing written) but leaves a replica, and the corrected init is refused (exit $rc2)"; fi
exit 0
