#!/bin/bash
# Issue 9 item 4: numbers parsed once, by the option layer. They still are
# not: the same text gets different answers by where it is typed.
#   log -n ' 5'                  refused (exit 2)
#   plansyncd --interval ' 5'    refused (exit 2)
#   progress set --percent ' 5'  accepted (strtol by hand)
#   config sync.interval ' 5'    accepted, and stored as " 5" (and '+9',
#                                '010' stored as typed; the daemon reads
#                                them back with atol())
# Expected: one rule - ' 5' refused everywhere or accepted everywhere, and
# config storing the number it parsed.
. "$(dirname "$0")/common.sh"
D=${PLANSYNCD:-$(dirname "$P")/plansyncd}
prov; dist d1 binh-giang a
"$P" -C d1 log -n ' 5' >/dev/null 2>&1; a=$?
"$D" -C d1 --interval ' 5' --foreground >/dev/null 2>&1 & DP=$!; sleep 1; kill $DP 2>/dev/null; wait $DP; b=$?
"$P" -C d1 progress set p1-t1 2021 --percent ' 5' >/dev/null 2>&1; c=$?
"$P" -C d1 config sync.interval ' 5' >/dev/null 2>&1; d=$?; stored=$("$P" -C d1 config sync.interval)
echo "log -n: $a; plansyncd --interval: $b; --percent: $c; config sync.interval: $d (stored \"$stored\")"
bad=0
{ [ $a -eq 0 ] && [ $c -eq 0 ] && [ $d -eq 0 ]; } || { [ $a -ne 0 ] && [ $c -ne 0 ] && [ $d -ne 0 ]; } ||
  { echo "BROKEN: ' 5' is refused by one option and accepted by another" >&2; bad=1; }
[ $d -eq 0 ] && [ "$stored" != 5 ] && { echo "BROKEN: config stores the text typed, not the number" >&2; bad=1; }
exit $bad
