#!/bin/bash
# 'progress set' refuses a 21st --evidence ("at most 20 evidence
# references", exit 3), but 'progress import' with 25 references in one
# evidence cell ("E1;E2;...;E25") records the first 20 and drops the other
# five without a word, exit 0 (lib/progress.c stops its strtok loop at 20).
# README: bad input is refused with a message, nothing written.
# Expected: the CSV row refused like the command line (exit 3).
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
printf 'task,period,evidence\np3-t2,2021,%s\n' "$(seq -f 'E%g' 25 | paste -sd';')" > ev.csv
"$P" -C d1 progress import ev.csv >/dev/null 2>&1; rc=$?
n=$("$P" -C d1 progress show --task p3-t2 --json | grep -c '"E')
echo "rc=$rc, evidence stored: $n of 25"
[ $rc -eq 0 ] && [ "$n" -lt 25 ] && fail "25 evidence references imported as $n, the rest dropped silently"
[ $rc -eq 3 ] || fail "exit $rc, expected 3"
exit 0
