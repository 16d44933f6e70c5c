#!/bin/bash
# A replica whose plansync.db the user cannot read (mode 000, owner nobody):
# every command exits 3 ("bad input, nothing was written") with SQLite's
# bare "cannot open .../plansync.db: unable to open database file", where an
# unreadable replica directory gets exit 1 and "permission denied; run
# plansync as the user who owns the replica, or ... chmod/chown". An
# unreadable repo.git makes sync say "path is not a repository" (it is one).
# Expected: exit 1, a message that names the permission fault and the fix.
# Needs root (runs the binary as nobody).
. "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 2; }
prov; dist d1 binh-giang a
"$P" -C d1 sync >/dev/null 2>&1
chmod 755 "$T"; chown -R nobody d1
run() { su nobody -s /bin/bash -c "cd '$T' && '$P' -C '$T/d1' $*" 2>&1 >/dev/null; }
chmod 000 d1/plansync.db
a=$(run status); arc=$?
chmod 644 d1/plansync.db; chmod 000 d1/repo.git
b=$(run sync); brc=$?
chmod 755 d1/repo.git
echo "a) status, plansync.db unreadable: rc=$arc: $a"
echo "b) sync, repo.git unreadable: rc=$brc: $b"
bad=0
[ $arc -eq 3 ] && { echo "BROKEN: an unreadable plansync.db exits 3 (bad input)" >&2; bad=1; }
grep -qi "permission\|chmod\|owner" <<<"$a" || { echo "BROKEN: an unreadable plansync.db is not called a permission fault, nor is a fix given" >&2; bad=1; }
grep -qi "not a repository" <<<"$b" && { echo "BROKEN: an unreadable repo.git is called 'not a repository'" >&2; bad=1; }
exit $bad
