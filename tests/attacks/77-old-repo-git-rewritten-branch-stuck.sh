#!/bin/bash
# Design, Identity: "repo.git left behind (restored from an older copy)" is
# healed; History that changes under us: a deleted branch is reported and a
# rewritten one has its new commits read. Together: the province's repo.git
# is restored from a copy taken before it read a district's second commit;
# meanwhile the district's branch was deleted and the district, re-created,
# started it again with a new report. The province's last head for that
# branch (in plansync.db) is now in no repository, and the import stops
# every sync at "walking the branch: object not found ... run 'plansync
# check'", where check says "no faults found": the new report never
# arrives, every sync exits 0. (Only rebuild, which forgets the heads, gets
# it in.)
# Expected: the district's new report reaches the province by sync alone.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
cp -a tinh/repo.git repo-backup.git
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
# the district's branch deleted on the remote; the district re-created with its id writes again
git -C remote.git update-ref -d refs/heads/replicas/binh-giang/binh-giang-a
rm -rf d1; dist d1 binh-giang a
"$P" -C d1 progress set p1-t3 2021 --percent 30 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
# the province's repo.git comes back from the older copy
rm -rf tinh/repo.git && cp -a repo-backup.git tinh/repo.git
for i in 1 2 3; do "$P" -C tinh sync >/dev/null 2>&1; done
"$P" -C tinh check >/dev/null 2>&1; crc=$?
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t3 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh)
echo "province after three syncs: p1-t3 ${a:-missing}; check exits $crc"
"$P" -C tinh problems 2>/dev/null | grep -o "walking the branch[^;]*" | head -1
[ "${a:-}" = 30 ] || fail "a branch rewritten while repo.git was behind is never read again (check exit $crc says nothing is wrong)"
exit 0
