#!/bin/bash
# A district replica is copied with cp -a while its daemon syncs and the
# office keeps writing (the brief's "a replica copied while its daemon
# runs"). Each copy forks to a new id as designed, but its repo.git may lack
# objects that its refs (or plansync.db) name. The copy then reports the
# province's branch as "history rewritten" (it was not), skips changes, and
# shows a conflict nobody else has. Following 'plansync check''s own
# recovery commands and syncing again does not bring it back to the
# province's state. Expected: after the advised recovery and a few syncs,
# every copy's dump equals the province's.
. "$(dirname "$0")/common.sh"
D=${PLANSYNCD:-$(dirname "$P")/plansyncd}
[ -x "$D" ] || { echo "no plansyncd next to $P"; exit 2; }
prov; dist d1 binh-giang a
"$D" -C d1 -f -i 1 2>daemon.log & DP=$!
( i=0; while :; do i=$((i+1)); "$P" -C d1 progress set p1-t$((i%34+1)) 2021 --percent $((i%100)) >/dev/null 2>&1; done ) & W1=$!
( while :; do "$P" -C tinh progress set p1-t1 2022 --percent $((RANDOM%100)) >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1; done ) & W2=$!
trap 'kill $DP $W1 $W2 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
sleep 2
for k in $(seq 1 8); do cp -a d1 c$k 2>/dev/null; sleep 0.3; done
kill $W1 $W2; wait $W1 $W2 2>/dev/null; sleep 2; kill $DP; wait $DP 2>/dev/null
all="d1 $(seq -f c%g -s ' ' 1 8)"
for r in $all tinh; do "$P" -C $r sync >/dev/null 2>&1; done
for k in $(seq 1 8); do   # do what check says, once
  "$P" -C c$k check 2>/dev/null | grep -E '^  (git|plansync) ' | sort -u | while read -r cmd; do (cd "$T" && eval "$cmd") >/dev/null 2>&1; done
done
for _ in 1 2; do for r in $all tinh; do "$P" -C $r sync >/dev/null 2>&1; done; done
"$P" -C tinh dump > t.json; bad=0
for r in $all; do
  "$P" -C $r dump > $r.json
  if ! cmp -s t.json $r.json; then bad=$((bad+1)); "$P" -C $r check >/dev/null 2>&1; c=$?
    echo "$r differs from the province (check exits $c; problems: $("$P" -C $r problems 2>/dev/null | grep -c 'history rewritten') 'history rewritten')"; fi
done
[ "$bad" -eq 0 ] || fail "$bad of 9 replicas never converge with the province"
exit 0
