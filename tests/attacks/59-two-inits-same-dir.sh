#!/usr/bin/env bash
# Two `plansync init` of the same directory at the same time (two people, or a
# script run twice). At most one may say it created the replica; the other must
# refuse without touching what the first created, and the replica left behind
# must be the one that was announced and must pass `check`.
# Today both often exit 0 (each says "created replica ..." and one is silently
# replaced), or the loser's cleanup removes the winner's repo.git, leaving a
# replica that needs repair (exit 8) although its init said it was created.
source "$(dirname "$0")/common.sh"
git init -q --bare remote.git
"$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user P >/dev/null
"$P" -C tinh plan import >/dev/null; "$P" -C tinh sync >/dev/null || fail "setup"
for round in $(seq 1 12); do
  rm -rf d
  for i in 1 2; do ( "$P" init d --office tu-ky --replica c$i --remote "$T/remote.git" --user U >o$i 2>&1; echo $? >rc$i ) & done
  wait
  r1=$(cat rc1); r2=$(cat rc2)
  if [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]; then
    echo "round $round: both inits exited 0:"; cat o1 o2
    echo "replica left: $("$P" -C d status 2>&1 | sed -n 's/^replica: *//p')"
    fail "two concurrent inits of one directory both report success; one replica was silently replaced"
  fi
  if [ "$r1" -eq 0 ] || [ "$r2" -eq 0 ]; then
    "$P" -C d check >/dev/null 2>&1; c=$?
    if [ "$c" -ne 0 ]; then
      echo "round $round: init exits $r1/$r2:"; cat o1 o2
      fail "an init that reported success left a replica that check rejects (exit $c): the other init's cleanup removed its files"
    fi
  fi
done
echo "held: 12 rounds of two concurrent inits"
exit 0
