#!/bin/bash
# 'plansync log' (text) prints a field's value and the reason as they are:
# a newline in another office's note or reason starts a new, unindented line,
# so a district can make the province's log show an entry nobody wrote
# ("... tinh  P  task/p1-t1" with a made-up change). The table renderer
# (progress show) turns newlines into spaces; log does not.
# Expected: no line of 'log' output that is not a real entry's header or an
# indented line under it.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 sync >/dev/null 2>&1
forged='2020-01-01 00:00:00 UTC  tinh  P  task/p1-t1'
"$P" -C d1 progress set p1-t1 2021 --percent 10 --note "ok
$forged
    text: (none) → bãi bỏ" --reason "x
$forged" >/dev/null || { echo "the writer refuses a newline in a note"; exit 2; }
"$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
out=$("$P" -C tinh log -n 3) || fail "log failed"
echo "$out"
grep -qxF "$forged" <<<"$out" && fail "a note from another office forges an unindented log entry in 'plansync log'"
exit 0
