#!/bin/bash
# Issue 9 item 2: each view rendered as table, JSON, CSV or HTML from one
# description. 'log --format csv|html' print id, time, office, author,
# record, op, reason - but not the fields, old and new (the renderer skips
# nested rows outside JSON), so the HTML/CSV history says who changed a
# record but not what: "percent 10 -> 55" is in text and JSON only. The same
# for 'conflicts --format csv|html': the competing versions are dropped.
# Expected: the new value (55) appears in log's CSV and HTML.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null
"$P" -C d1 progress set p1-t1 2021 --percent 55 >/dev/null
R=progress/binh-giang/p1-t1/2021
"$P" -C d1 log "$R" | grep -q '10 → 55' || { echo "text log lacks the change"; exit 2; }
bad=0
for f in csv html; do
  out=$("$P" -C d1 log "$R" -n 1 --format $f)
  grep -q '55' <<<"$out" || { echo "$out"; echo "BROKEN: log --format $f does not say what changed (percent 10 -> 55)" >&2; bad=1; }
done
exit $bad
