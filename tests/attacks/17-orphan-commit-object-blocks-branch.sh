#!/bin/bash
# A reader's repo.git holds a district's new commit object but not its tree
# (what cp -a of a replica whose daemon is fetching leaves behind: objects/
# copied before the fetch wrote the tree, the commit file after; seen in
# 16-copy-while-daemon-runs-diverges.sh). The fetch walk treats a commit it
# already has as complete, so the tree is never fetched again: the branch is
# quarantined at every sync ("repo.git may be damaged: run 'plansync check'"),
# and 'plansync check' says "no faults found". The district's write never
# arrives. Expected: the missing object is fetched again (or check finds it
# and says how to recover), and the write arrives.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail sync
"$P" -C tinh sync >/dev/null
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null; "$P" -C d1 sync >/dev/null || fail sync
C2=$(git -C remote.git rev-parse refs/heads/replicas/binh-giang/binh-giang-a)
git -C remote.git cat-file commit $C2 | git -C tinh/repo.git hash-object -t commit -w --stdin >/dev/null
"$P" -C tinh sync; rc1=$?; "$P" -C tinh sync; rc2=$?
"$P" -C tinh check; crc=$?
echo "province sync rc: $rc1 $rc2; check rc=$crc"
"$P" -C tinh progress show | grep -q "p1-t2.*20" && exit 0
[ "$crc" -ne 0 ] || fail "the district's write never arrives, and check finds no fault"
fail "the district's write never arrives"
