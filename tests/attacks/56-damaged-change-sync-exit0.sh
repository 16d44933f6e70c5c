#!/bin/bash
# README "When things go wrong": bit rot in a stored change - its bytes are
# checked against their blob id before export (a damaged one is not sent),
# "exit 8 and plansync check prints the commands that recover"; exit status
# 8 is "the replica needs repair". A sync that finds a local change damaged
# holds it and the changes after it back, prints a warning, and exits 0
# with "ok: exported 0" (sync --json: exit 0, error null): scripts and the
# daemon's result see success while changes wait until someone reads stderr.
# Expected: sync exits 8 (error "repair") while a damaged change waits.
. "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || { echo "no sqlite3"; exit 2; }
prov; dist d3 tu-ky c
"$P" -C d3 sync >/dev/null 2>&1
"$P" -C d3 progress set p1-t6 2021 --percent 61 >/dev/null || fail "set"
"$P" -C d3 progress set p1-t5 2021 --percent 62 >/dev/null || fail "set"
id=$("$P" -C d3 log progress/tu-ky/p1-t6/2021 -n 1 --json | sed -n 's/.*"id": "\(.*\)".*/\1/p' | head -1)
[ -n "$id" ] || exit 2
sqlite3 d3/plansync.db "UPDATE unexported SET bytes = replace(bytes, '61', '69') WHERE seq = (SELECT seq FROM changes WHERE id = '$id')" || exit 2
rc=0; "$P" -C d3 sync >/dev/null 2>&1 || rc=$?
crc=0; "$P" -C d3 check >/dev/null 2>&1 || crc=$?
echo "sync with a damaged change waiting: exit $rc; check: exit $crc"
"$P" -C d3 sync --json 2>/dev/null | grep -E '"(exit|error)"'
[ "$crc" -eq 8 ] || { echo "check does not see the damage"; exit 2; }
[ "$rc" -eq 8 ] || fail "sync exits $rc while a damaged change and those after it wait (check exits 8)"
