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
# ---- CSV as Vietnamese offices save it (issue 12 item 7) ---------------
# The sample shipped for the README: ';' (Excel in Vietnamese), BOM, CRLF,
# Vietnamese headers, ids in upper case, 40%, decimal commas, a blank row
# and empty trailing columns. Every row against Python's own csv reader.
district km tx-kinh-mon pc1
SAMPLE=$SRC/examples/bao-cao-mau.csv
out=$("$P" -C km progress import "$SAMPLE" --json)
"$P" -C km dump > km.json
python3 - "$SAMPLE" "$(echo "$out" | json_num changes)" <<'PY' && ok "the sample CSV imports as Python's csv reads it" || bad "sample CSV: $out"
import csv, json, sys
rows = [r for r in csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""), delimiter=";")][1:]
rows = [r for r in rows if any(c.strip() for c in r)]
assert int(sys.argv[2]) == len(rows) == 4, (sys.argv[2], len(rows))
recs = {r["id"]: r for r in json.load(open("km.json"))["records"]}
for task, period, status, pct, actual, note, ev, reporter, reason, *rest in rows:
    assert not any(rest)
    f = recs["progress/tx-kinh-mon/%s/%s" % (task.lower(), period.lower())]["fields"]
    assert f["status"] == status.lower(), f
    assert f["percent"] == int(pct.rstrip("%")), f
    assert f.get("actual") == (actual.replace(",", ".") if actual else None), f
    assert f.get("note") == (note or None), f
    assert f.get("evidence") == ([e.strip() for e in ev.split(";")] if ev else None), f
    assert f["reporter"] == reporter, f
PY
# ',' with English names in any case, empty unnamed columns, blank rows
printf 'TASK,Period,STATUS,Percent,Actual,,\r\n\r\np2-t6,2022,on_track,"55 %%","7,5",,\r\n,,,,,,\r\n' > en.csv
"$P" -C km progress import en.csv >/dev/null && "$P" -C km progress show --task p2-t6 --period 2022 --json > en.json &&
  grep -q '"percent": 55' en.json && grep -q '"actual": "7.5"' en.json && ok "',' file, names in any case, 55 %, \"7,5\"" ||
  bad "en.csv: $(cat en.json 2>/dev/null)"
# headers without marks, as typed on a keyboard with no Vietnamese input
printf 'nhiem vu;ky;trang thai;ty le\np3-t3;2022;at_risk;30\n' > nomarks.csv
"$P" -C km progress import nomarks.csv >/dev/null && "$P" -C km progress show --task p3-t3 --period 2022 --json |
  grep -q '"status": "at_risk"' && ok "Vietnamese names without marks" || bad "names without marks"
# numbers that read two ways: refused, the line and column named, nothing written
n1=$("$P" -C km status --json | json_num changes)
printf 'Nhiệm vụ;Kỳ;Giá trị thực tế;Tỷ lệ\np2-t6;2023;1,234;10\np2-t6;2024;1.234;10\np2-t6;2025;2,5;40,5%%\n' > amb.csv
rc=0
err=$("$P" -C km progress import amb.csv 2>&1) || rc=$?
[ $rc -eq 3 ] && ok "ambiguous numbers: exit 3" || bad "ambiguous numbers: exit $rc"
for want in 'line 2, column 3 (actual): actual "1,234" reads two ways' 'line 3, column 3 (actual): actual "1.234" reads two ways' \
  'line 4, column 4 (percent): percent "40,5" must be a whole number'; do
  grep -qF "$want" <<<"$err" && ok "report has: $want" || bad "report lacks '$want': $err"
done
[ "$("$P" -C km status --json | json_num changes)" = "$n1" ] && ok "ambiguous CSV wrote nothing" || bad "ambiguous CSV wrote"
# a value under a column with no name is not dropped
printf 'task;period;status;\np2-t6;2023;done;x\n' > stray.csv
expect_fail 3 "errors" "$P" -C km progress import stray.csv
err=$("$P" -C km progress import stray.csv 2>&1) || true
grep -qF "line 2, column 4: a value under a column with no name" <<<"$err" && ok "a value under no column refused" ||
  bad "stray value: $err"
finish
