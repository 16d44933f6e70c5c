#!/bin/bash
# A district's repo.git is rolled back to a copy taken two syncs earlier
# (restored from a backup; or an rsnapshot-style hard-link copy that shares
# plansync.db and is synced from, see the end). Sync stops: "the last export
# commit is missing from repo.git ... run 'plansync check'". check says:
# "fetch it again if it was pushed: git -C d1/repo.git fetch --refetch
# origin". Done that, sync still fails, exit 1, "the replica's branch in
# repo.git does not match plansync.db; restore both from the same backup",
# while check now says "ok: no faults found" and rebuild changes nothing.
# Writes keep returning 0 and never leave. (With only one sync in between,
# the export is resumed and all is well: the branch is only recovered when
# the last export's parent is the local head.) Expected: sync heals (the
# local branch is an ancestor of the last export, which is on the remote),
# or check names the fault and a recovery that works.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null
cp -a d1/repo.git repo-backup
"$P" -C d1 progress set p1-t2 2021 --percent 22 >/dev/null; "$P" -C d1 sync >/dev/null
"$P" -C d1 progress set p1-t3 2021 --percent 33 >/dev/null; "$P" -C d1 sync >/dev/null
rm -rf d1/repo.git; cp -a repo-backup d1/repo.git
"$P" -C d1 progress set p1-t4 2021 --percent 44 >/dev/null || fail "write"
"$P" -C d1 sync; echo "sync rc=$?"
advice=$("$P" -C d1 check 2>&1); echo "$advice" | tail -2
grep -q "fetch --refetch origin" <<<"$advice" && git -C d1/repo.git fetch -q --refetch origin
"$P" -C d1 rebuild >/dev/null
out=$("$P" -C d1 sync 2>&1); rc=$?; echo "after the advice: sync rc=$rc: $out"
c=$("$P" -C d1 check 2>&1); crc=$?; echo "check rc=$crc: $(echo "$c" | tail -1)"
"$P" -C tinh sync >/dev/null
[ $rc -eq 0 ] || { [ $crc -eq 0 ] && fail "sync stuck (exit $rc) while check finds no fault"; fail "sync stuck after following check's advice"; }
"$P" -C tinh progress show | grep -q p1-t4 || fail "the write made after the rollback never reached the province"
exit 0
