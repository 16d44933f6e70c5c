#!/usr/bin/env bash
# Read commands speak one JSON vocabulary (author, updated, offices,
# committee_size), give absent values as null and times as RFC 3339 in UTC;
# text output shows local time (TZ); a bad record id is refused cleanly.
source "$(dirname "$0")/lib.sh"
setup_province
district bg binh-giang pc1
"$P" -C bg sync >/dev/null
"$P" -C bg progress set p2-t7 2021 --status on_track --percent 35 --note 'a, "b"' >/dev/null
js=$("$P" -C bg progress show --json)
grep -q '"author": "Cán bộ binh-giang"' <<<"$js" && ok "progress: author" || bad "progress author: $js"
grep -q '"updated_by"' <<<"$js" && bad "progress still says updated_by" || ok "progress: no updated_by"
grep -qE '"updated": "20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' <<<"$js" \
  && ok "progress: updated is RFC 3339" || bad "progress updated: $js"
grep -q '"actual": null' <<<"$js" && ok "progress: absent actual is null" || bad "progress actual: $js"
# Whole outputs first: grep -q stops reading early, and pipefail would blame the writer.
tasks=$("$P" -C bg plan tasks --json)
grep -q '"offices": \[' <<<"$tasks" && ok "tasks: offices" || bad "tasks offices"
plan=$("$P" -C bg plan show --json)
grep -q '"committee_size": ' <<<"$plan" && ok "plan: committee_size" || bad "plan committee"
log=$("$P" -C bg log -n 1 --json)
grep -q '"reason": null' <<<"$log" && ok "log: absent reason is null" || bad "log reason"
st=$("$P" -C bg status --json)
grep -q '"pid": null' <<<"$st" && ok "status: no daemon, pid null" || bad "status pid"
out=$(TZ=Asia/Ho_Chi_Minh "$P" -C bg log -n 1)
utc=$(echo "$log" | sed -n 's/.*"time": "\(.*\)T\([0-9:]*\)Z".*/\1 \2/p' | head -1)
want=$(TZ=Asia/Ho_Chi_Minh date -d "$utc UTC" '+%Y-%m-%d %H:%M:%S +07')
echo "$out" | head -1 | grep -q "^$want " && ok "log text in local time ($want)" || bad "log text: $out (want $want)"
# Each stage of a cycle is timed: sync --json, status --json and status text.
sj=$("$P" -C bg sync --json || true)
python3 -c '
import json, sys
d = json.loads(sys.argv[1]); st = d["stages"]
assert sorted(st) == ["export_ms", "fetch_ms", "import_ms", "push_ms"], st
assert all(isinstance(v, int) and v >= 0 for v in st.values()), st
s = json.loads(sys.argv[2])["last_sync"]
assert all(isinstance(s[k], int) and s[k] >= 0 for k in st), s
' "$sj" "$("$P" -C bg status --json)" && ok "sync and status time each stage" || bad "stage times: $sj"
grep -qE '^ +export [0-9]+ ms, push [0-9]+ ms, fetch [0-9]+ ms, import [0-9]+ ms$' <<<"$("$P" -C bg status)" &&
	ok "status text shows the stage times" || bad "status text lacks stage times"
"$P" init never --office binh-giang --replica never1 >/dev/null
grep -q '"export_ms": null' <<<"$("$P" -C never status --json)" && ok "never synced: stage times null" ||
	bad "never synced: stage times not null"
# --format: one column description, four renderings.
csv=$("$P" -C bg progress show --format csv | tr -d '\r' | sed '1s/^\xef\xbb\xbf//') # CRLF line ends (RFC 4180), a BOM first
[ "$(head -1 <<<"$csv")" = "office,task,period,status,percent,actual,author,updated,reporter,evidence,note" ] &&
	ok "csv: header from the columns" || bad "csv header: $csv"
grep -q ',"a, ""b"""$' <<<"$csv" && ok "csv: quotes and commas quoted" || bad "csv quoting: $csv"
[ "$("$P" -C bg progress show --format csv | head -c 3 | od -An -tx1 | tr -d ' \n')" = efbbbf ] &&
	ok "csv: starts with the UTF-8 BOM" || bad "csv: no BOM"
html=$("$P" -C bg progress show --format html)
grep -q '<td>a, &quot;b&quot;</td>' <<<"$html" && ok "html: text escaped" || bad "html: $html"
[ "$("$P" -C bg progress show --format json)" = "$js" ] && ok "--format json is --json" || bad "--format json differs"
expect_fail 2 "takes table, json, csv or html" "$P" -C bg log --format xml
expect_fail 2 "unknown option --format" "$P" -C bg status --format csv
expect_fail 2 "--json and --format csv together" "$P" -C bg progress show --json --format csv
expect_fail 2 "--json and --format table together" "$P" -C bg log --format table --json
[ "$("$P" -C bg progress show --json --format json)" = "$js" ] && ok "--json --format json agree" ||
	bad "--json --format json"
help=$("$P" config --help)
missing=""
for k in $("$P" -C bg config --json | sed -n 's/^  "\([a-z_.]*\)": .*/\1/p'); do
	grep -q "^  $k " <<<"$help" || missing="$missing $k"
done
[ -z "$missing" ] && ok "config --help lists every setting" || bad "config --help lacks:$missing"
expect_fail 2 "unknown subcommand 'plan bogus'" "$P" -C bg plan bogus
# An empty PLANSYNC_DIR counts as unset; an empty -C is refused as empty.
out=$(cd bg && PLANSYNC_DIR= "$P" status) && ok "empty PLANSYNC_DIR: the current directory" ||
	bad "empty PLANSYNC_DIR: $out"
expect_fail 2 "-C needs a directory name" "$P" -C '' status
D=${PLANSYNCD:?set PLANSYNCD}
expect_fail 2 "-C needs a directory name" "$D" -C '' --foreground
"$D" --version | grep -q '^plansyncd [0-9]' && ok "plansyncd --version" || bad "plansyncd --version"
expect_fail 3 "unknown kind" "$P" -C bg log bogus/x
expect_fail 3 "unknown office" "$P" -C bg progress show --office nowhere
# A well-formed id the plan lacks is a typo too; a report not made yet is no rows.
expect_fail 3 "unknown record \"task/p9-t9\"" "$P" -C bg log task/p9-t9
expect_fail 3 "unknown period \"2099\"" "$P" -C bg log progress/binh-giang/p2-t7/2099
expect_fail 3 "unknown office \"nowhere\"" "$P" -C bg log progress/nowhere/p2-t7/2021
out=$("$P" -C bg log progress/binh-giang/p2-t1/2021) && [ -z "$out" ] && ok "log of a report not made yet: no rows" ||
	bad "log of a report not made yet"
finish
