#!/bin/bash
# Permission faults get wrong or bare messages:
#  a) a replica directory the user cannot enter (EACCES) is reported as
#     "replica directory ... does not exist; create one with plansync init"
#     (following that advice would make a second replica);
#  b) 'sync' on a read-only replica says only "cannot open .../sync.lock",
#     where 'progress set' explains read-only and what to do.
# Needs root (runs the binary as nobody).
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null
chmod 755 "$T"; chmod -R a-w d1; chmod 755 "$(dirname "$P")" 2>/dev/null
b=$(su nobody -s /bin/bash -c "'$P' -C '$T/d1' sync" 2>&1); brc=$?
chmod 700 "$T"
a=$(su nobody -s /bin/bash -c "'$P' -C '$T/d1' status" 2>&1); arc=$?
chmod -R u+w d1
echo "a) rc=$arc: $a"; echo "b) rc=$brc: $b"
bad=0
grep -q "does not exist" <<<"$a" && { echo "BROKEN: an unreadable replica is called missing" >&2; bad=1; }
grep -qi "read-only\|chmod\|permission" <<<"$b" || { echo "BROKEN: sync on a read-only replica does not say what is wrong or what to do" >&2; bad=1; }
exit $bad
