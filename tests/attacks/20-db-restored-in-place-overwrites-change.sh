#!/bin/bash
# A district backs up its database the SQLite way (sqlite3 .backup) right
# after setting up, writes and syncs one report, then restores the backup
# in place (sqlite3 .restore: same file, same inode, so the instance mark
# sees no copy). The province's clock runs 5 minutes ahead (within the
# allowed drift), so the restored clock mints the SAME change id again for
# the next report. The export writes it to the same path on top of the
# branch and pushes (fast-forward): "ok: exported 1, pushed"; status
# "delivered". The province quarantines the commit ("an existing file was
# modified"), keeps 22 and never sees 33; the district shows 33 and has lost
# 22. Nothing is said to the writer; dumps differ for good.
# Expected: the restore is detected (or the id collision is): both reports
# reach every replica, dumps equal.
. "$(dirname "$0")/common.sh"
NOW=$(date +%s%3N)
git init -q --bare remote.git
export PLANSYNC_FAKE_NOW_MS=$((NOW + 300000))
"$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user P >/dev/null
"$P" -C tinh plan import >/dev/null; "$P" -C tinh sync >/dev/null
unset PLANSYNC_FAKE_NOW_MS
dist d1 binh-giang a
sqlite3 d1/plansync.db ".backup $T/backup.db" || fail "backup"
"$P" -C d1 progress set p1-t2 2021 --percent 22 || fail set
"$P" -C d1 sync >/dev/null || fail sync
sqlite3 d1/plansync.db ".restore $T/backup.db" || fail "restore"
"$P" -C d1 progress set p1-t3 2021 --percent 33 || fail set
for i in 1 2 3; do for r in d1 tinh; do "$P" -C $r sync 2>&1 | tail -1 | sed "s/^/$r: /"; done; done
enrol d1 # it continues under a new id, with a new key
for i in 1 2; do for r in d1 tinh; do "$P" -C $r sync 2>&1 | tail -1 | sed "s/^/$r: /"; done; done
for r in tinh d1; do echo "$r: $("$P" -C $r progress show | grep binh | awk '{print $2"="$4}' | tr '\n' ' ')"; done
"$P" -C tinh problems | grep -i "modified" >&2
"$P" -C tinh progress show | grep -q "p1-t3" || fail "the district's write (exit 0, 'pushed', 'delivered') never reaches the province"
"$P" -C d1 progress show | grep -q "p1-t2" || fail "the district lost its own delivered report"
cmp -s <("$P" -C tinh dump) <("$P" -C d1 dump) || fail "dumps differ"
exit 0
