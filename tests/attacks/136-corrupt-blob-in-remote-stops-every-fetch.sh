#!/bin/bash
# Mission (never stuck: one malformed object anywhere must not stop anyone's
# sync). A directory remote's objects are checked once, by libgit2's hash as
# they are read for copying (pathremote.c write_all). The walk that decides
# which branches are good (collect) parses commits and trees but only asks
# whether a change file's blob EXISTS; its content is read, and its hash
# checked, in write_all, where a mismatch ends the whole fetch. So one change
# file of one district whose object in the shared repository is damaged
# (zlib-valid, wrong content: a bad sector, a half-synced network share, a
# hostile writer) stops every replica's fetch of every branch, for good:
# the province no longer receives any office's reports.
# Expected: that branch is reported (problems) and left where it was, as a
# branch whose commit or tree cannot be read is; every other branch goes on.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
dist d2 tx-kinh-mon b
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
# the change file d1's last commit added, as a loose object of the remote
F=$(git -C remote.git diff-tree -r --root --diff-filter=A --format= "$B" | awk '{print $4}' | head -1)
[ -n "$F" ] || exit 2
O=remote.git/objects/${F:0:2}/${F:2}
[ -f "$O" ] || { echo "the blob is not a loose object here"; exit 2; }
python3 - "$O" <<'PY' || exit 2
import sys, zlib, os
p = sys.argv[1]
body = b'{"not": "what was written"}\n'
os.chmod(p, 0o644); os.unlink(p)
open(p, 'wb').write(zlib.compress(b'blob %d\0' % len(body) + body))
PY
git -C remote.git cat-file -p "$F" >/dev/null 2>&1 || exit 2   # zlib-valid, git reads it
# another office writes; the province syncs
"$P" -C d2 progress set p1-t2 2021 --percent 22 >/dev/null || exit 2
"$P" -C d2 sync >/dev/null 2>&1; drc=$?
"$P" -C tinh sync >prov.out 2>&1; prc=$?
n=$("$P" -C tinh progress show -o tx-kinh-mon -t p1-t2 --json 2>/dev/null | grep -c '"percent": 22')
echo "district sync rc=$drc; province sync rc=$prc; the other office's report at the province: $n"
sed 's/^/  province: /' prov.out | head -5
[ "$n" = 1 ] || fail "one damaged change-file object of one branch in the shared repository stops every fetch: another office's report never reaches the province"
[ "$prc" = 0 ] && [ "$drc" = 0 ] || fail "one damaged object of one branch makes every sync fail"
exit 0
