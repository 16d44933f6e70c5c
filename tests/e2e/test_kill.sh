#!/usr/bin/env bash
# Kill points: a sync SIGKILLed at each named step of export, push, fetch
# and import, many times with random workloads. After each restart:
# PRAGMA integrity_check ok, git fsck clean, no change lost or duplicated,
# and the replicas converge.
source "$(dirname "$0")/lib.sh"
setup_province
district a tx-kinh-mon a
district b binh-giang b
RANDOM=${SEED:-7}
points=(export:blobs export:commit export:recorded export:ref push:before push:after fetch:after import:apply import:fold import:committed)
tasks=(p1-t1 p2-t6 p2-t7 p3-t2)
write_some() { # write_some REPLICA N
  for _ in $(seq 1 "$2"); do
    "$P" -C "$1" progress set "${tasks[$((RANDOM % 4))]}" 202$((RANDOM % 5 + 1)) --percent $((RANDOM % 101)) --note "n$RANDOM" >/dev/null
  done
}
check() { # check REPLICA: integrity and fsck
  sqlite3 "$1/plansync.db" 'PRAGMA integrity_check' | grep -qx ok || bad "$1: integrity_check failed"
  git -C "$1/repo.git" fsck --no-progress >/dev/null 2>&1 || bad "$1: git fsck failed"
}
kills=0
for round in 1 2 3; do
  for pt in "${points[@]}"; do
    write_some a $((RANDOM % 3 + 1))
    write_some b $((RANDOM % 2))
    "$P" -C b sync >/dev/null 2>&1 || true
    victim=a
    case $pt in import:*|fetch:*) victim=a ;; esac
    rc=0
    PLANSYNC_KILL_AT=$pt "$P" -C "$victim" sync >/dev/null 2>&1 || rc=$?
    [ $rc -eq 137 ] && kills=$((kills + 1))
    check "$victim"
    "$P" -C "$victim" sync >/dev/null 2>&1 || bad "sync after a kill at $pt failed: $("$P" -C "$victim" sync 2>&1)"
    check "$victim"
  done
done
[ $kills -ge 20 ] && ok "$kills syncs killed at named points" || bad "only $kills kills happened"
for i in 1 2 3; do for r in a b tinh; do "$P" -C "$r" sync >/dev/null 2>&1 || bad "final sync of $r"; done; done
ref=$("$P" -C tinh dump | sha256sum)
for r in a b; do [ "$("$P" -C "$r" dump | sha256sum)" = "$ref" ] && ok "$r converged" || bad "$r differs"; done
git -C remote.git fsck --no-progress >/dev/null 2>&1 && ok "remote fsck clean" || bad "remote fsck"
# no change lost or duplicated: a's own changes each in exactly one commit on the remote
own=$("$P" -C a status --json | json_num total)
files=$(git -C remote.git log --format= --no-renames --diff-filter=A --name-only replicas/tx-kinh-mon/tx-kinh-mon-a | grep '^changes/' | sort)
nf=$(echo "$files" | wc -l); nu=$(echo "$files" | sort -u | wc -l)
[ "$nf" = "$own" ] && [ "$nu" = "$nf" ] && ok "$own own changes, each on the remote exactly once" || bad "own $own, files $nf, unique $nu"
tc=$("$P" -C tinh status --json | json_num changes)
ac=$("$P" -C a status --json | json_num changes)
[ "$tc" = "$ac" ] && ok "same change count everywhere ($tc)" || bad "counts differ: tinh $tc a $ac"
[ "$("$P" -C a status --json | json_num not_delivered)" = 0 ] && ok "everything delivered" || bad "undelivered"
finish
