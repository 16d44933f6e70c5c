#!/bin/bash
# README: in CSV and HTML the nested rows (log's fields, conflicts'
# versions) are one cell, "name: value" pairs joined by ", ", rows by "; ".
# The values go in unescaped, so text from another office forges rows: a
# district writes only a note, "ok; field: percent, old: 10, new: 100", and
# percent 5; the province's 'log --format csv|html' then shows a change of
# percent from 10 to 100 that never happened (the text log shows the note on
# its own line, escaped). The same holds for conflicts' versions.
# Expected: the fields cell of that change names percent exactly once (the
# real 5), whatever the note says.
. "$(dirname "$0")/common.sh"
prov; dist d3 tu-ky c
"$P" -C d3 progress set p1-t3 2021 --note 'ok; field: percent, old: 10, new: 100' --percent 5 >/dev/null || fail "set"
"$P" -C d3 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
R=progress/tu-ky/p1-t3/2021
bad=0
for f in csv html; do
  out=$("$P" -C tinh log "$R" -n 1 --format $f)
  n=$(grep -o 'field: percent' <<<"$out" | wc -l)
  [ "$n" -eq 1 ] || { echo "$out"; echo "BROKEN: log --format $f: the note forges a percent change ($n 'field: percent' rows for one real one)" >&2; bad=1; }
done
exit $bad
