#!/bin/bash
# plansync.db-wal is deleted while the daemon runs (a cleanup script, an
# over-eager antivirus). The next CLI write fails - fine - but its message is
# garbled (the error text is formatted into the buffer it is read from: "d1
# is not a complete replica (missing d1 is not a complete replica (missing
# ansync.db ...") and ends by telling the operator to "run plansync init
# again in a new directory", while the daemon still holds the only copy of
# the WAL's pages. Expected: one clear message (stop the daemon, check).
. "$(dirname "$0")/common.sh"
D=${PLANSYNCD:-$(dirname "$P")/plansyncd}
[ -x "$D" ] || { echo "no plansyncd next to $P"; exit 2; }
prov; dist d1 binh-giang a
"$D" -C d1 -f -i 3600 2>daemon.log & DP=$!
trap 'kill $DP 2>/dev/null; wait $DP 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -S d1/plansyncd.sock ] && break; sleep 0.1; done
"$P" -C d1 progress set p1-t1 2021 --percent 1 >/dev/null || fail "first write"
[ -f d1/plansync.db-wal ] || { echo "no WAL file to delete"; exit 2; }
rm -f d1/plansync.db-wal
err=$("$P" -C d1 progress set p1-t2 2021 --percent 2 2>&1 >/dev/null); rc=$?
echo "rc=$rc: $err"
[ "$rc" -ne 0 ] || fail "write after a deleted WAL returned 0"
n=$(printf '%s' "$err" | grep -o "is not a complete replica" | wc -l)
[ "$n" -le 1 ] || fail "garbled error message (the message repeats inside itself)"
printf '%s' "$err" | grep -q "run plansync init again in a new directory" && fail "advises re-creating the replica while the daemon holds its unwritten pages"
exit 0
