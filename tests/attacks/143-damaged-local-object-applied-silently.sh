#!/bin/bash
# README ("a change from another office is stored as its columns ...
# canonical bytes are exactly their encoding, checked against the same blob
# id") and the brief's object-hash change: objects the destination already
# has end the fetch's walk, and the import reads repo.git without
# re-hashing. A change file's object that is already in this replica's
# repo.git with other content (zlib-valid: a tampered or mixed-up disk, a
# copy of repo.git from another machine; here written before the fetch) is
# not fetched again and is APPLIED as it is: the province shows 90 where the
# district wrote 10; the sync exits 0 and 'problems' says nothing. Only a
# later 'plansync check' finds "stored bytes do not match the blob id".
# Expected: a file whose bytes do not hash to the id its tree names is never
# applied (fetched again from the remote, or quarantined with its reason).
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
F=$(git -C remote.git diff-tree -r --root --diff-filter=A --format= "$B" | awk '{print $4}' | head -1)
[ -n "$F" ] || exit 2
git -C remote.git cat-file -p "$F" | grep -q '"percent": 10' || exit 2
O=tinh/repo.git/objects/${F:0:2}/${F:2}
[ -e "$O" ] && exit 2
mkdir -p "$(dirname "$O")"
python3 - "$O" "$(git -C remote.git cat-file -p "$F" | sed 's/"percent": 10/"percent": 90/')" <<'PY' || exit 2
import sys, zlib
body = sys.argv[2].encode() + b'\n'
open(sys.argv[1], 'wb').write(zlib.compress(b'blob %d\0' % len(body) + body))
PY
"$P" -C tinh sync >sync.out 2>&1; rc=$?
got=$("$P" -C tinh progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p' | head -1)
probs=$("$P" -C tinh problems 2>/dev/null | grep -vc '^no problems\|^time ')
echo "province sync rc=$rc ($(tail -1 sync.out)); binh-giang's percent at the province: $got (written: 10); problems listed: $probs"
[ "$got" = 90 ] && fail "a change file whose local object does not hash to its id is applied as it is (90 shown, 10 written), with no problem reported"
exit 0
