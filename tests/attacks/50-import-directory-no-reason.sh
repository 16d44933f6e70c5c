#!/bin/bash
# Bad input exits 3 with a message that says what is wrong. 'plan import DIR'
# and 'progress import DIR' (a directory named where a file belongs) exit 1,
# "the operation failed" (a full disk, a busy database...), and say only
# "cannot read DIR" - no reason - while a missing file gets exit 3 and
# "No such file or directory".
# Expected: exit 3 and a message saying it is a directory.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
mkdir adir
bad=0
for cmd in "-C tinh plan import adir" "-C d1 progress import adir"; do
  rc=0; err=$("$P" $cmd 2>&1 >/dev/null) || rc=$?
  echo "plansync $cmd: exit $rc: $err"
  [ "$rc" -eq 3 ] && grep -qi 'directory' <<<"$err" || bad=1
done
[ $bad -eq 0 ] || fail "a directory given as the file to import exits 1 with no reason"
