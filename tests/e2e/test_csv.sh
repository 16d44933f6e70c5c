#!/usr/bin/env bash
# progress import: many rows in one transaction; any bad row writes nothing
# and the report names line and column of every problem.
source "$(dirname "$0")/lib.sh"
setup_province
district bg binh-giang pc1
cat > good.csv <<'CSV'
task,period,status,percent,actual,note,evidence,reason
p2-t7,2021,on_track,35,9,"Hoàn thành 9/13 tiêu chí, còn ""giao thông""",BC-1/UBND; QĐ-7,báo cáo năm
p2-t7,2022,on_track,60,11,,,
p1-t1,2021-q1,done,100,,"Nhiều dòng
ghi chú",,
CSV
out=$("$P" -C bg progress import good.csv --json)
[ "$(echo "$out" | json_num changes)" = 3 ] && ok "3 rows imported" || bad "import: $out"
"$P" -C bg progress show --task p2-t7 --period 2021 --json > shown.json
grep -q '"note": "Hoàn thành 9/13 tiêu chí, còn \\"giao thông\\""' shown.json && ok "quoted cell kept" || bad "quoted cell: $(cat shown.json)"
grep -q '"QĐ-7"' shown.json && ok "evidence split" || bad "evidence"
grep -q '"actual": "9"' shown.json && ok "actual kept as text" || bad "actual"
"$P" -C bg progress show --task p1-t1 --json | grep -q 'Nhiều dòng\\nghi chú' && ok "multi-line cell" || bad "multi-line cell"
n0=$("$P" -C bg status --json | json_num changes)
# same file again: nothing new
"$P" -C bg progress import good.csv >/dev/null
[ "$("$P" -C bg status --json | json_num changes)" = "$n0" ] && ok "re-import writes nothing new" || bad "re-import wrote"
cat > bad.csv <<'CSV'
task,period,status,percent
p2-t7,2023,on_track,70
p2-t7,2024,finished,80
p9-t1,2024,done,100
p2-t7,2039,done,100
p2-t7,2025,done,150
CSV
rc=0
err=$("$P" -C bg progress import bad.csv 2>&1) || rc=$?
[ $rc -eq 3 ] && ok "bad CSV exit 3" || bad "bad CSV exit $rc"
for want in "line 3, column 3 (status)" "line 4, column 1 (task)" "line 5, column 2 (period)" "line 6, column 4 (percent)" "nothing was written"; do
  grep -qF "$want" <<<"$err" && ok "report has: $want" || bad "report lacks '$want': $err"
done
[ "$("$P" -C bg status --json | json_num changes)" = "$n0" ] && ok "bad CSV wrote nothing (not even line 2)" || bad "bad CSV wrote"
printf 'task,colour\n' > badhdr.csv
expect_fail 3 "errors" "$P" -C bg progress import badhdr.csv
printf '\xef\xbb\xbftask,period,status\r\np2-t7,2023,delayed\r\n' > bom.csv
"$P" -C bg progress import bom.csv >/dev/null && ok "BOM and CRLF accepted" || bad "BOM/CRLF"
finish
