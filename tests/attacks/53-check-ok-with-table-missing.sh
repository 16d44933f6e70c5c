#!/bin/bash
# 'plansync check' verifies the replica and exits 8 with the commands that
# recover (README). A database that lost one of its tables (a migration cut
# short, a tool that dropped it; SQLite's integrity_check does not notice)
# is not checked against the schema:
#  - without the heads table, check says "ok: no faults found" (exit 0)
#    while every write fails "preparing a query: no such table: heads"
#    (exit 1);
#  - without the state table, check exits 1 with "no such table:
#    main.state", no recovery, nothing on stdout with --json, and 'rebuild'
#    (which recomputes state) fails the same way.
# Expected: check exits 8 naming the missing table and how to recover.
. "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || { echo "no sqlite3"; exit 2; }
prov; dist d1 binh-giang a
"$P" -C d1 sync >/dev/null 2>&1
bad=0
for t in heads state; do
  cp -a d1 "x-$t"; sqlite3 "x-$t/plansync.db" "DROP TABLE $t" || exit 2
  rc=0; out=$("$P" -C "x-$t" check 2>&1) || rc=$?
  wrc=0; "$P" -C "x-$t" progress set p1-t1 2021 --percent 9 >/dev/null 2>&1 || wrc=$?
  echo "table $t dropped: check exit $rc ($(tail -1 <<<"$out")); a write exits $wrc"
  [ "$rc" -eq 8 ] || bad=1
done
[ $bad -eq 0 ] || fail "check does not find a missing table (says ok, or exits 1 with no recovery) while writes fail"
