#!/bin/bash
# progress show --format csv joins a report's evidence references with ", "
# and nothing else: one reference "QĐ-1, QĐ-2" and two references "QĐ-1" and
# "QĐ-2" print the same cell, so the CSV loses how many documents an office
# cited (and it is not the ";" that progress import splits evidence on, so a
# report read back from the CSV gets other references than it had).
# Expected: the two reports' evidence cells differ.
. "$(dirname "$0")/common.sh"
prov; dist d3 tu-ky c
"$P" -C d3 progress set p1-t4 2021 --evidence 'QĐ-1, QĐ-2' >/dev/null || fail "set one reference"
"$P" -C d3 progress set p1-t5 2021 --evidence 'QĐ-1' --evidence 'QĐ-2' >/dev/null || fail "set two references"
out=$("$P" -C d3 progress show --format csv)
a=$(grep '^tu-ky,p1-t4,' <<<"$out" | cut -d, -f10-)
b=$(grep '^tu-ky,p1-t5,' <<<"$out" | cut -d, -f10-)
echo "$out"
[ -n "$a" ] || fail "no row for p1-t4"
[ "$a" != "$b" ] || fail "one reference 'QĐ-1, QĐ-2' and two references 'QĐ-1','QĐ-2' print the same CSV cell: $a"
