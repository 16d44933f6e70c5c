#!/bin/bash
# Mission (nothing stored is lost; never stuck) and the README ("each change's
# bytes are checked against their blob id before export"; "check --repair
# rewrites a damaged change from its Git object or its columns"). The remote
# is offline; a write is exported (its change file a loose blob in repo.git)
# but not pushed. That blob then rots into a zlib-valid object of other
# content; the change's bytes in plansync.db are intact. The push of our own
# objects (hashed by libcrypto as written) finds the mismatch and sync exits
# 5 blaming the SHARED repository ("cannot take this replica's objects ...
# tell whoever looks after it"). check names the damaged local object and says
# to remove it and refetch; the remote never had it, and after that sync fails
# with "plansync: unknown error" (exit 1) forever, check --repair cannot
# repair, and the write that returned 0 never reaches the province.
# Expected: the blob is written again from plansync.db (sync, or check
# --repair), the write reaches the province; meanwhile the message names the
# local copy, not the server.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || exit 2
mv remote.git remote.off
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1
mv remote.off remote.git
B=refs/heads/replicas/binh-giang/binh-giang-a
F=$(git -C d1/repo.git diff-tree -r --diff-filter=A --format= "$B~1" "$B" | awk '{print $4}' | head -1)
[ -n "$F" ] || exit 2
O=d1/repo.git/objects/${F:0:2}/${F:2}
[ -f "$O" ] || { echo "the blob is not a loose object here"; exit 2; }
python3 - "$O" <<'PY' || exit 2
import sys, zlib, os
p = sys.argv[1]
body = b'{"not": "what was written"}\n'
os.chmod(p, 0o644); os.unlink(p)
open(p, 'wb').write(zlib.compress(b'blob %d\0' % len(body) + body))
PY
"$P" -C d1 sync >first.out 2>&1; frc=$?
echo "first sync after the damage: rc=$frc: $(head -1 first.out)"
# what check says to do, then check --repair
"$P" -C d1 check --repair >/dev/null 2>&1
rm -f "$O"
git -C d1/repo.git fetch -q --refetch origin >/dev/null 2>&1
"$P" -C d1 check --repair >check.out 2>&1; crc=$?
for i in 1 2 3; do "$P" -C d1 sync >last.out 2>&1; rc=$?; done
"$P" -C tinh sync >/dev/null 2>&1
echo "check --repair rc=$crc; last sync rc=$rc: $(head -1 last.out)"
"$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -q '"percent": 20' ||
  fail "a write that returned 0 never reaches the province: its unpushed change-file object rotted, plansync.db holds it intact, and no sync or check --repair writes it again (sync exit $rc)"
[ "$rc" -eq 0 ] || fail "d1 is stuck (sync exits $rc)"
grep -q "tell whoever looks after it" first.out && fail "a damaged object of this replica's own repo.git is blamed on the shared repository"
exit 0
