#!/bin/bash
# A sync over HTTP is killed (kill -9, a power cut) while it fetches. libgit2
# leaves a ref lock in the staging repository repo.git/plansync-fetch.git;
# the stale-lock sweep only looks in repo.git/refs. From then on every sync
# fails "fetch failed: failed to lock file ...", exit 5 as if offline: the
# replica never receives anything again. Expected: the next sync heals (the
# province's write arrives) or says in words what to do.
. "$(dirname "$0")/common.sh"
http_setup
got=
for i in $(seq 1 60); do
  "$P" -C tinh progress set p1-t2 2021 --percent $((i % 100)) >/dev/null
  "$P" -C tinh sync >/dev/null 2>&1
  "$P" -C d1 sync >/dev/null 2>&1 & pid=$!
  python3 -c "import time,random; time.sleep(random.uniform(0.0,0.25))"
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  got=$(find d1/repo.git/plansync-fetch.git -name '*.lock' | head -1)
  [ -n "$got" ] && break
done
[ -n "$got" ] || { echo "no kill left a staging lock in 60 tries"; exit 2; }
echo "after kill $i: $got"
"$P" -C tinh progress set p1-t3 2021 --percent 33 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C d1 sync >/dev/null 2>&1; "$P" -C d1 sync; rc=$?
echo "d1 sync rc=$rc"
"$P" -C d1 progress show | grep -q "p1-t3.*33" || fail "the province's write never reaches the district after one killed fetch (sync rc=$rc)"
exit 0
