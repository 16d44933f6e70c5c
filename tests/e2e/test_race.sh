#!/usr/bin/env bash
# Races: replicas of different offices syncing in parallel through one bare
# repository, many rounds; CLI writers running on a replica while it syncs.
# Every change written anywhere ends up everywhere; no write is lost and no
# "database is locked" reaches the user.
source "$(dirname "$0")/lib.sh"
setup_province
offices=(tx-kinh-mon binh-giang nam-sach gia-loc)
for o in "${offices[@]}"; do district "$o" "$o" r1; done
all="tinh ${offices[*]}"
RANDOM=${SEED:-99}
written=0
for round in $(seq 1 8); do
  for o in "${offices[@]}"; do
    n=$((RANDOM % 3 + 1))
    for _ in $(seq 1 $n); do
      "$P" -C "$o" progress set "p$((RANDOM % 5 + 1))-t1" 202$((RANDOM % 5 + 1)) --percent $((RANDOM % 101)) --note "r$round $RANDOM" >/dev/null || bad "write failed"
      written=$((written + 1))
    done
  done
  for r in $all; do ( "$P" -C "$r" sync >/dev/null 2>"$r.err" || echo "sync $r failed: $(cat "$r.err")" >> errors ) & done
  wait
done
[ ! -s errors ] && ok "8 rounds of parallel syncs, no error" || bad "$(cat errors)"
for _ in 1 2; do for r in $all; do "$P" -C "$r" sync >/dev/null; done; done
ref=$("$P" -C tinh dump | sha256sum)
for r in $all; do [ "$("$P" -C "$r" dump | sha256sum)" = "$ref" ] && ok "$r converged" || bad "$r differs"; done
# the plan's 146, the key registry's (the province's root key and one
# enrolment per district), and every write
keys=$((1 + ${#offices[@]}))
for r in $all; do
  c=$("$P" -C "$r" status --json | json_num changes)
  [ "$c" = $((146 + keys + written)) ] && ok "$r holds all $c changes" || bad "$r holds $c changes, expected $((146 + keys + written))"
done
git -C remote.git fsck --no-progress >/dev/null 2>&1 && ok "remote fsck clean" || bad "remote fsck"

# CLI writers and syncs on the same replica at the same time
: > werr
for w in 1 2 3; do
  ( for i in $(seq 1 20); do "$P" -C binh-giang progress set "p$w-t2" 2021-q$((i % 4 + 1)) --percent $i --note "w$w-$i" >/dev/null 2>>werr || echo "writer $w failed" >> werr; done ) &
done
( for i in $(seq 1 10); do "$P" -C binh-giang sync >/dev/null 2>>werr || echo "sync failed" >> werr; done ) &
wait
[ ! -s werr ] && ok "60 CLI writes alongside 10 syncs: no error" || bad "errors: $(cat werr)"
grep -qi "locked" werr && bad "database is locked reached the user" || ok "no 'database is locked'"
n=$("$P" -C binh-giang progress show --office binh-giang --json | grep -c '"note": "w[123]-')
[ "$n" = 12 ] && ok "every writer's records present (12)" || bad "$n of 12 records"
"$P" -C binh-giang sync >/dev/null
[ "$("$P" -C binh-giang status --json | json_num not_delivered)" = 0 ] && ok "all delivered" || bad "undelivered after the race"
"$P" -C tinh sync >/dev/null
[ "$("$P" -C tinh dump)" = "$("$P" -C binh-giang dump)" ] && ok "province sees every write" || bad "province differs"
finish
