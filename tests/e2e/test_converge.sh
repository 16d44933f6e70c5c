#!/usr/bin/env bash
# Four replicas of three offices, seeded random edits and random sync
# orders through one bare repository: byte-identical dumps; rebuild gives
# the same dump; a sync with nothing new makes no commit.
source "$(dirname "$0")/lib.sh"
setup_province
district a1 tx-kinh-mon a1
district a2 tx-kinh-mon a2
district b1 binh-giang b1
replicas="tinh a1 a2 b1"
RANDOM=${SEED:-20261127}
tasks=(p1-t1 p2-t6 p2-t7 p3-t1 p4-t2)
periods=(2021 2022 2021-q1 2021-q2)
statuses=(not_started on_track at_risk delayed done)
for round in $(seq 1 6); do
  for r in a1 a2 b1; do
    n=$((RANDOM % 4))
    for _ in $(seq 1 $n); do
      t=${tasks[$((RANDOM % ${#tasks[@]}))]}
      p=${periods[$((RANDOM % ${#periods[@]}))]}
      s=${statuses[$((RANDOM % ${#statuses[@]}))]}
      "$P" -C "$r" progress set "$t" "$p" --status "$s" --percent $((RANDOM % 101)) --note "vòng $round: ghi chú $RANDOM" >/dev/null
    done
  done
  # random subset and order of syncs
  for r in $(printf '%s\n' $replicas | shuf --random-source=<(yes $round)); do
    [ $((RANDOM % 3)) -eq 0 ] || sync_ok "$r"
  done
done
# sync until quiet
for i in 1 2 3 4; do for r in $replicas; do sync_ok "$r"; done; done
ref=$("$P" -C tinh dump | sha256sum)
for r in $replicas; do
  [ "$("$P" -C "$r" dump | sha256sum)" = "$ref" ] && ok "$r converged" || bad "$r differs"
done
changes=$("$P" -C tinh status --json | json_num changes)
[ "$changes" -gt 146 ] && ok "$changes changes everywhere" || bad "too few changes: $changes"
# conflicts listed identically everywhere
c0=$("$P" -C tinh conflicts --json)
[ "$c0" = "$("$P" -C b1 conflicts --json)" ] && ok "conflict lists agree" || bad "conflict lists differ"
# sync exits 6 on the replicas whose office owns a conflicted record, 0 elsewhere
own=$(grep -c '"record": "progress/tx-kinh-mon/' <<<"$c0" || true)
rc=0; "$P" -C a1 sync >/dev/null || rc=$?
if [ "$own" -gt 0 ]; then
  [ $rc -eq 6 ] && ok "a1: sync exits 6 with $own conflicts of its office" || bad "a1: sync exited $rc with $own conflicts"
  sj=$("$P" -C a1 sync --json || true)
  grep -q "\"conflicts\": $own" <<<"$sj" && ok "a1: sync --json counts them" || bad "a1: conflicts count"
else
  [ $rc -eq 0 ] && ok "a1: no conflicts of its own, exit 0" || bad "a1: sync exited $rc without conflicts"
fi
rc=0; "$P" -C tinh sync >/dev/null || rc=$?
[ $rc -eq 0 ] && ok "tinh: other offices' conflicts are not its to resolve (exit 0)" || bad "tinh: sync exited $rc"
# rebuild == incremental
for r in a2 tinh; do
  "$P" -C "$r" rebuild >/dev/null
  [ "$("$P" -C "$r" dump | sha256sum)" = "$ref" ] && ok "rebuild of $r gives the same dump" || bad "rebuild of $r differs"
done
# idle sync: no new commit anywhere
before=$(git -C remote.git for-each-ref --format='%(objectname) %(refname)' | sha256sum)
lb=$(git -C a1/repo.git for-each-ref | sha256sum)
out=$("$P" -C a1 sync --json || true) # exit 6: a1 has conflicts of its office
[ "$(echo "$out" | json_num exported)" = 0 ] && ok "idle sync exports nothing" || bad "idle sync exported"
[ "$(git -C remote.git for-each-ref --format='%(objectname) %(refname)' | sha256sum)" = "$before" ] && ok "remote unchanged" || bad "remote changed on idle sync"
[ "$(git -C a1/repo.git for-each-ref | sha256sum)" = "$lb" ] && ok "local refs unchanged" || bad "local refs changed on idle sync"
# status counts: everything delivered
st=$("$P" -C a1 status --json)
[ "$(echo "$st" | json_num not_delivered)" = 0 ] && ok "all own changes delivered" || bad "undelivered changes: $st"
# the remote is readable with stock git and fsck-clean
git -C remote.git fsck --no-progress >/dev/null 2>&1 && ok "git fsck clean" || bad "git fsck failed"
finish
