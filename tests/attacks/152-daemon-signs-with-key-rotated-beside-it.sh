#!/bin/bash
# 152: the province runs plansyncd (the README's normal set-up) and the officer runs
# `plansync keys rotate`. The CLI writes the rotation record, exports it signed by the old key and
# swaps the key files; the daemon keeps the old private key it loaded at its first export and
# signs every later province commit with it. Every reader refuses those commits ("which replica
# tinh-hq had before its current key ... refused"), while the province's status says every change
# delivered and no problem, and `keys show` prints the new key. The province's plan changes,
# approvals and reviews stop reaching anyone until the daemon happens to be restarted, and those
# signed meanwhile never reach anyone even after the restart (they stay in the province's own
# history, counted delivered; only later changes, signed by the new key, apply).
# Expected: a province change made after the rotation, synced by the running daemon, applies at
# the districts (the daemon signs with the key the registry names, or refuses to sign and says so).
source "$(dirname "$0")/common.sh"
D=${PLANSYNCD:-$(dirname "$P")/plansyncd}
[ -x "$D" ] || { echo "skip: no plansyncd"; exit 2; }
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
"$D" -C tinh --foreground --interval 3600 2>daemon.log & DP=$!
trap 'kill $DP 2>/dev/null; wait $DP 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -S tinh/plansyncd.sock ] && break; sleep 0.1; done
[ -S tinh/plansyncd.sock ] || { echo "skip: the daemon did not start"; exit 2; }
# the daemon exports one change (it loads the key), then the officer rotates
"$P" -C tinh progress set p1-t3 2021 --percent 3 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys rotate >/dev/null || fail "keys rotate"
"$P" -C tinh progress set p1-t2 2021 --percent 7 >/dev/null
"$P" -C tinh sync >/dev/null 2>&1; prc=$?   # the running daemon's cycle
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress show --office tinh 2>/dev/null | grep -q '^tinh  *p1-t2  *2021  *7 ' ||
  fail "a province change synced by its running daemon after 'keys rotate' is refused by the district (province sync exited $prc; province status: $("$P" -C tinh status | grep -E '^(own|problems):' | tr -s ' ' | tr '\n' ';'); district's problem: $("$P" -C d1 problems 2>/dev/null | grep -o 'had before its current key' | head -1))"
exit 0
