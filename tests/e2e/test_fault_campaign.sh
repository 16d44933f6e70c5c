#!/usr/bin/env bash
# A short run of the fault campaign (bench/faults.py, 15 rounds): concurrent CLI
# writers, `plansync sync` and `plansyncd` SIGKILLed at random instants (pushes
# included), clock jumps, a second daemon by mistake. After each bounded heal:
# every write that returned 0 is on every replica and on the remote exactly once
# with its values, dumps equal, integrity_check and git fsck clean, no lock left.
# SEED=N picks another draw; the long run is `bench/faults.py --rounds 1000`.
source "$(dirname "$0")/lib.sh"
: "${PLANSYNCD:?set PLANSYNCD}"
seed=${SEED:-11}
rc=0
PLANSYNC=$P PLANSYNCD=$PLANSYNCD timeout 240 python3 "$SRC/bench/faults.py" --rounds 15 --seed "$seed" \
  --dir "$T/campaign" > out.txt 2>&1 || rc=$?
cat out.txt
if [ $rc -eq 0 ] && grep -q 'violations: none' out.txt && grep -q ' 15/15 rounds' out.txt; then
  ok "15 rounds of random kills, seed $seed: no violation"
else
  bad "fault campaign (seed $seed) exited $rc; journal: $(grep VIOLATION "$T/campaign/journal.txt" 2>/dev/null | head -5)"
fi
kills=$(sed -n 's/^  kills: \([0-9]*\).*/\1/p' out.txt)
[ "${kills:-0}" -ge 4 ] && ok "$kills processes killed mid-flight" || bad "only ${kills:-0} kills: the campaign did not attack"
finish
