#!/bin/bash
# The remote is offline; a write is exported (commit in repo.git) but not
# pushed. That commit's loose object then rots. Its content is intact in
# plansync.db. Expected: sync re-exports from plansync.db (or check --repair
# does), the write reaches the province. Observed: sync exits 7 blaming the
# shared repository ("holds commits this replica did not write"), forever;
# check's advice is to re-create the replica from the remote, which drops
# the write that returned 0.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail sync
mv remote.git remote.off
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null || fail set
"$P" -C d1 sync >/dev/null 2>&1
mv remote.off remote.git
TIP=$(git -C d1/repo.git rev-parse refs/heads/replicas/binh-giang/binh-giang-a)
f=d1/repo.git/objects/${TIP:0:2}/${TIP:2}
python3 -c "
p='$f'; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=0xff; open(p,'wb').write(b)"
"$P" -C d1 check --repair >/dev/null 2>&1
rm -f "$f"   # what check says to do
git -C d1/repo.git fetch -q --refetch origin >/dev/null 2>&1
"$P" -C d1 check --repair >/dev/null 2>&1
for i in 1 2 3; do "$P" -C d1 sync; rc=$?; done
"$P" -C tinh sync >/dev/null 2>&1
echo "last sync rc=$rc; province rows: $("$P" -C tinh progress show | grep -c binh-giang) (expected 2)"
[ "$rc" -eq 0 ] || fail "d1 is stuck (sync exits $rc)"
"$P" -C tinh progress show | grep -q p1-t2 || fail "the write that returned 0 never reached the province"
exit 0
