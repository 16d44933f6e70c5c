#!/bin/bash
# 151: `keys rotate` on the province is killed (-9, a power cut) at the instant after the
# rotation record went out in its commit (signed by the old key) and before the key files were
# swapped (strace kills it at its first rename of DIR/key). The registry now names the new key
# for tinh-hq, the private key in DIR/key is still the old one and the new one lies in key.next.
# Nothing notices: `keys show` prints the old fingerprint, sync says ok, status says every change
# delivered, `problems` says none, and every later province commit is signed by the replaced key,
# which every reader refuses ("which replica tinh-hq had before its current key"). The province
# is cut off silently: its plan changes, approvals and reviews never apply anywhere.
# Expected: the next run finishes the rotation (or undoes it) so the province signs with the key
# the registry names, or refuses to sign saying what to do; a province change made after the
# crash reaches the districts.
source "$(dirname "$0")/common.sh"
command -v strace >/dev/null || { echo "skip: no strace"; exit 2; }
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
(strace -f -qq -o /dev/null -P tinh/key -e trace=rename,renameat,renameat2 \
  -e inject=rename,renameat,renameat2:signal=KILL "$P" -C tinh keys rotate) >/dev/null 2>&1
[ -e tinh/key.next ] || { echo "skip: the kill did not land between export and rename"; exit 2; }
"$P" -C tinh progress set p1-t2 2021 --percent 7 >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; prc=$?
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress show --office tinh 2>/dev/null | grep -q '^tinh  *p1-t2  *2021  *7 ' ||
  fail "after a killed 'keys rotate' the province signs with its replaced key and no reader applies its changes (province sync exited $prc; its status: $("$P" -C tinh status | grep -E '^(own|problems):' | tr -s ' ' | tr '\n' ';'); district's problem: $("$P" -C d1 problems 2>/dev/null | grep -o 'had before its current key' | head -1))"
exit 0
