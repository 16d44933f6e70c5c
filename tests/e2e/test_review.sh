#!/usr/bin/env bash
# The province's review with the real binaries: a province (two machines)
# and two districts. Reports, a return with a comment (the district sees
# it in inbox, status and sync), a correction, acceptance, a change after
# acceptance (changed_since_accepted on every replica), a batch accept, a
# period closed then a late report (--reason needed; the receipt says late
# on every replica, judged by the province's clock), receipts that survive
# rebuild, and one receipt per report when both province machines write
# one. States and receipts are checked against the dump and the database
# (sqlite3), not only against the commands' own output.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 missing"; exit 0; }

# A plan whose 2025-q4 is due far ahead (on time) beside the bundled
# periods, all due before today (late).
python3 - "$SRC/schema/plan/hai-duong-2020-2025.json" plan.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["periods"]:
    if p["id"] == "2025-q4":
        p["due"] = "2099-12-31"
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
EOF
git init -q --bare remote.git
"$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user "Cán bộ Tỉnh" >/dev/null
"$P" -C tinh plan import plan.json >/dev/null
"$P" -C tinh sync >/dev/null
district km tx-kinh-mon pc1
district bg binh-giang pc1

# field REPLICA RECORD FIELD: the field's value in the dump, as JSON.
field() {
	"$P" -C "$1" dump | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [x for x in d["records"] if x["id"] == sys.argv[1]]
print(json.dumps(r[0]["fields"].get(sys.argv[2])) if r else "absent")' "$2" "$3"
}
# state REPLICA OFFICE TASK PERIOD: the review state computed from the
# dump (decision, changes) and the report's heads in plansync.db.
state() {
	local heads
	heads=$(sqlite3 "$1/plansync.db" "SELECT id FROM heads WHERE record = 'progress/$2/$3/$4' ORDER BY id" | paste -sd, -)
	"$P" -C "$1" dump | python3 -c '
import json, sys
d = json.load(sys.stdin)
rec = {x["id"]: x for x in d["records"]}
o, t, p, heads = sys.argv[1:5]
prog = rec.get("progress/%s/%s/%s" % (o, t, p))
rev = rec.get("review/%s/%s/%s" % (o, t, p))
if not prog or prog["retired"]:
    print("missing"); sys.exit()
if not rev or rev["retired"]:
    print("reported"); sys.exit()
same = ",".join(rev["fields"].get("changes") or []) == heads
dec = rev["fields"].get("decision")
if dec == "accepted":
    print("accepted" if same else "changed_since_accepted")
elif dec == "returned" and same:
    print("returned")
else:
    print("reported")' "$2" "$3" "$4" "$heads"
}
# inbox_state REPLICA OFFICE TASK PERIOD: the state plansync inbox gives.
inbox_state() {
	"$P" -C "$1" inbox --office "$2" --json | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["task"] == sys.argv[1] and r["period"] == sys.argv[2]]
print(rows[0]["state"] if rows else "none")' "$3" "$4"
}
expect_state() { # expect_state WANT OFFICE TASK PERIOD REPLICA...
	local want=$1 o=$2 t=$3 p=$4 r got mine
	shift 4
	for r in "$@"; do
		got=$(state "$r" "$o" "$t" "$p")
		mine=$(inbox_state "$r" "$o" "$t" "$p")
		# a report not reviewed yet has no row in the inbox
		[ "$mine" = none ] && [ "$(field "$r" "review/$o/$t/$p" decision)" = absent ] && mine=reported
		if [ "$got" = "$want" ] && [ "$mine" = "$want" ]; then
			ok "$o $t $p is $want on $r"
		else
			bad "$o $t $p on $r: dump says $got, inbox says $mine, want $want"
		fi
	done
}
all_sync() { for r in "$@"; do sync_ok "$r"; done; }

# ---- reports, a return, a correction, acceptance ----
"$P" -C km progress set p2-t6 2021 --status on_track --percent 40 >/dev/null
"$P" -C km progress set p2-t7 2021 --status at_risk --percent 20 >/dev/null
"$P" -C bg progress set p2-t7 2021 --status on_track --percent 35 >/dev/null
"$P" -C bg progress set p1-t1 2021 --status done --percent 100 >/dev/null
"$P" -C bg progress set p1-t2 2021 --status on_track --percent 60 >/dev/null
all_sync km bg tinh
expect_state reported tx-kinh-mon p2-t6 2021 tinh

# Bad input: clear message, non-zero exit, nothing written.
before=$("$P" -C tinh dump)
nchanges=$(sqlite3 tinh/plansync.db "SELECT count(*) FROM changes")
expect_fail 4 "only the province" "$P" -C km review accept tx-kinh-mon p2-t6 2021
expect_fail 4 "only the province" "$P" -C km period close 2021
expect_fail 3 "needs --comment" "$P" -C tinh review return tx-kinh-mon p2-t6 2021
expect_fail 3 "needs --comment" "$P" -C tinh review return tx-kinh-mon p2-t6 2021 --comment "  "
expect_fail 3 'unknown office "tx-kinhmon".*plansync plan offices' "$P" -C tinh review accept tx-kinhmon p2-t6 2021
expect_fail 3 'unknown task "p9-t9".*plansync plan tasks' "$P" -C tinh review accept tx-kinh-mon p9-t9 2021
expect_fail 3 'unknown period "2031".*plansync plan periods' "$P" -C tinh review accept tx-kinh-mon p2-t6 2031
expect_fail 3 "no report on p3-t1" "$P" -C tinh review accept tx-kinh-mon p3-t1 2021
expect_fail 3 'unknown period "2031"' "$P" -C tinh period close 2031
expect_fail 3 "no report in force" "$P" -C tinh review accept tx-kinh-mon --period 2022
expect_fail 2 "OFFICE TASK" "$P" -C tinh review accept tx-kinh-mon p2-t6
# a batch with one bad task writes none of it
expect_fail 3 "no report on p3-t1" "$P" -C tinh review accept tx-kinh-mon p2-t6 p3-t1 2021
[ "$("$P" -C tinh dump)" = "$before" ] && [ "$(sqlite3 tinh/plansync.db "SELECT count(*) FROM changes")" = "$nchanges" ] &&
	ok "refused reviews wrote nothing" || bad "a refused review wrote something"

out=$("$P" -C tinh review return tx-kinh-mon p2-t6 2021 --comment "Thiếu số liệu quý IV")
grep -q "^returned tx-kinh-mon p2-t6 2021" <<<"$out" && ok "return: $out" || bad "return printed: $out"
"$P" -C tinh review accept tx-kinh-mon p2-t7 2021 >/dev/null
expect_fail 0 "already accepted" "$P" -C tinh review accept tx-kinh-mon p2-t7 2021
sync_ok tinh
out=$("$P" -C km sync)
grep -q "1 report returned by the province: see plansync inbox" <<<"$out" && ok "sync says a report came back" ||
	bad "sync did not say a report came back: $out"
out=$("$P" -C km sync)
grep -q "returned by the province" <<<"$out" && bad "a second sync repeats the news: $out" || ok "the news is said once"
sync_ok bg
grep -q "1 report returned" <<<"$("$P" -C km status)" && ok "status: 1 report returned" || bad "status lacks returned"
[ "$("$P" -C km status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["returned"])')" = 1 ] &&
	ok "status --json: returned 1" || bad "status --json returned"
inbox=$("$P" -C km inbox)
head -1 <<<"$inbox" | grep -q "1 report returned" && ok "inbox leads with the returned count" || bad "inbox: $inbox"
first=$("$P" -C km inbox --json | python3 -c '
import json, sys
r = json.load(sys.stdin)[0]
print(r["task"], r["state"], r["comment"])')
[ "$first" = "p2-t6 returned Thiếu số liệu quý IV" ] && ok "inbox: the returned report first, with its comment" ||
	bad "inbox first row: $first"
expect_state returned tx-kinh-mon p2-t6 2021 tinh km bg
expect_state accepted tx-kinh-mon p2-t7 2021 tinh km bg

# The district corrects: reported again, everywhere.
"$P" -C km progress set p2-t6 2021 --percent 45 --note "Đã bổ sung số liệu" >/dev/null
expect_state reported tx-kinh-mon p2-t6 2021 km
all_sync km tinh bg
expect_state reported tx-kinh-mon p2-t6 2021 tinh km bg
"$P" -C tinh review accept tx-kinh-mon p2-t6 2021 >/dev/null
# a change after acceptance: changed since accepted on every replica
"$P" -C km progress set p2-t7 2021 --percent 25 >/dev/null
all_sync tinh km bg tinh
expect_state accepted tx-kinh-mon p2-t6 2021 tinh km bg
expect_state changed_since_accepted tx-kinh-mon p2-t7 2021 tinh km bg
grep -q "returned" <<<"$("$P" -C km status)" && bad "status still says returned" || ok "status: nothing returned now"

# ---- batch accept: every report of binh-giang in force in 2021 ----
js=$("$P" -C tinh review accept binh-giang --period 2021 --json)
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["reviews"]))' "$js")
want=$("$P" -C tinh dump | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for x in d["records"] if x["id"].startswith("progress/binh-giang/") and x["id"].endswith("/2021") and not x["retired"]))')
[ "$n" = 3 ] && [ "$want" = 3 ] && ok "batch accept: $n reviews for $want reports" || bad "batch: $n reviews, $want reports"
all_sync tinh bg
for t in p2-t7 p1-t1 p1-t2; do expect_state accepted binh-giang $t 2021 bg; done
out=$("$P" -C tinh review accept binh-giang --period 2021)
grep -q "3 already accepted" <<<"$out" && ok "batch again: all unchanged" || bad "batch again: $out"

# ---- receipts: the province's clock, not the district's ----
# A district whose clock says 2021 reports for 2021 (due 2021-12-15): the
# province receives it now, so it is late whatever the district's clock.
PLANSYNC_FAKE_NOW_MS=1625097600000 "$P" -C bg progress set p3-t1 2021 --status done >/dev/null
"$P" -C bg progress set p3-t1 2025-q4 --status on_track --percent 10 >/dev/null
all_sync bg tinh tinh km bg
# receipt_ok REPLICA OFFICE TASK PERIOD WANT_LATE: the dump's receipt names
# the report's first change, and late is received after the due day's end
# in UTC+7 (17:00 UTC), computed here.
receipt_ok() {
	local first due
	first=$(sqlite3 "$1/plansync.db" "SELECT min(id) FROM changes WHERE record = 'progress/$2/$3/$4'")
	due=$(field "$1" "period/$4" due | tr -d '"')
	"$P" -C "$1" dump | python3 -c '
import json, sys
d = json.load(sys.stdin)
rid, first, due, want = sys.argv[1:5]
r = [x for x in d["records"] if x["id"] == rid]
assert r, "no receipt " + rid
f = r[0]["fields"]
assert f["change"] == first, (f, first)
late = f["received"] >= due + "T17:00:00Z"
assert f["late"] == late, (f, due)
assert str(late).lower() == want, (f, want)
assert f["received"] >= "2026", f  # the province clock, not the district (2021)
' "receipt/$2/$3/$4" "$first" "$due" "$5" && ok "receipt $2 $3 $4 on $1: late=$5" ||
		bad "receipt $2 $3 $4 on $1"
}
for r in tinh km bg; do
	receipt_ok $r binh-giang p3-t1 2021 true
	receipt_ok $r binh-giang p3-t1 2025-q4 false
	receipt_ok $r tx-kinh-mon p2-t6 2021 true
done

# ---- a period closed, then a late report ----
"$P" -C tinh period close 2024 --reason "hết hạn báo cáo" >/dev/null
expect_fail 0 "already closed" "$P" -C tinh period close 2024
all_sync tinh km
[ "$(field km period/2024 closed)" != null ] && ok "the close reached the district" || bad "close not seen"
nkm=$(sqlite3 km/plansync.db "SELECT count(*) FROM changes")
expect_fail 3 "closed by the province.*--reason" "$P" -C km progress set p2-t6 2024 --status on_track
[ "$(sqlite3 km/plansync.db "SELECT count(*) FROM changes")" = "$nkm" ] && ok "nothing written without --reason" ||
	bad "a refused report was written"
"$P" -C km progress set p2-t6 2024 --status on_track --percent 80 --reason "nộp muộn do lũ" >/dev/null &&
	ok "a late report with --reason" || bad "late report with --reason refused"
# bg gets the close and the late report in one sync: it takes the report (readers never refuse one)
all_sync km tinh tinh bg km
for r in tinh km bg; do receipt_ok $r tx-kinh-mon p2-t6 2024 true; done
[ "$(field bg progress/tx-kinh-mon/p2-t6/2024 percent)" = 80 ] && ok "every reader takes the late report" ||
	bad "late report missing on bg"
"$P" -C tinh period open 2024 >/dev/null
all_sync tinh km
"$P" -C km progress set p2-t7 2024 --status on_track >/dev/null && ok "reopened: no --reason needed" ||
	bad "reopened period still refuses"

# ---- receipts survive rebuild ----
before=$("$P" -C km dump)
"$P" -C km rebuild >/dev/null
"$P" -C tinh rebuild >/dev/null
[ "$("$P" -C km dump)" = "$before" ] && ok "district rebuild keeps the receipts" || bad "district rebuild changed the dump"
receipt_ok tinh tx-kinh-mon p2-t6 2024 true
receipt_ok tinh binh-giang p3-t1 2025-q4 false

# ---- two province machines: one receipt per report ----
district tinh2 tinh pc2 # a second province machine, pinned and enrolled like any replica
"$P" -C km progress set p4-t1 2021 --status done >/dev/null
sync_ok km
# tinh writes its receipt, and a sync sends it at once: here it dies
# before that push, as a machine that lost power
PLANSYNC_KILL_AT=push:before "$P" -C tinh sync >/dev/null 2>&1 || true
n=$(sqlite3 tinh/plansync.db "SELECT count(*) FROM changes WHERE record = 'receipt/tx-kinh-mon/p4-t1/2021'")
[ "$n" = 1 ] && ok "tinh wrote its receipt, unsent" || bad "tinh holds $n receipts"
# tinh2 has not seen it: writes its own, its clock five minutes ahead
# (within the drift), so the two receipts differ; the first (smaller id)
# counts on both machines, each of which reads the other's second
PLANSYNC_FAKE_NOW_MS=$(($(date +%s) * 1000 + 300000)) "$P" -C tinh2 sync >/dev/null || bad "tinh2 sync"
n=$(sqlite3 tinh2/plansync.db "SELECT count(*) FROM changes WHERE record = 'receipt/tx-kinh-mon/p4-t1/2021'")
[ "$n" = 1 ] && ok "the second province machine wrote its own receipt" || bad "tinh2 holds $n receipts"
all_sync tinh tinh2 tinh km
n=$(sqlite3 tinh2/plansync.db "SELECT count(*) FROM changes WHERE record = 'receipt/tx-kinh-mon/p4-t1/2021'")
first=$(sqlite3 tinh/plansync.db "SELECT min(id) FROM changes WHERE record = 'receipt/tx-kinh-mon/p4-t1/2021'")
want=$(sqlite3 tinh/plansync.db "SELECT fields FROM changes WHERE id = '$first'" | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])')
other=$(sqlite3 tinh/plansync.db "SELECT fields FROM changes WHERE record = 'receipt/tx-kinh-mon/p4-t1/2021' AND id != '$first'" | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])')
[ "$want" != "$other" ] && ok "the two receipts differ ($want, $other)" || bad "the receipts do not differ: $want"
[ "$n" = 2 ] && ok "two receipts for one report" || bad "$n receipts"
for r in tinh tinh2 km; do
	got=$(field $r receipt/tx-kinh-mon/p4-t1/2021 received | tr -d '"')
	[ "$got" = "$want" ] && ok "$r: the first receipt counts ($got)" || bad "$r: receipt $got, want the first $want"
	c=$(sqlite3 "$r/plansync.db" "SELECT count(*) FROM conflicts WHERE record LIKE 'receipt/%'")
	[ "$c" = 0 ] && ok "$r: no conflict over receipts" || bad "$r: $c receipt conflicts"
done
rc=0
"$P" -C tinh sync >/dev/null || rc=$?
[ "$rc" = 0 ] && ok "the province's sync exits 0" || bad "province sync exits $rc"
[ "$("$P" -C tinh dump)" = "$("$P" -C tinh2 dump)" ] && ok "both province machines agree" || bad "province dumps differ"

# ---- sync says when it brought a conflict, and exits 6 ----
district km2 tx-kinh-mon pc2
sync_ok km2
"$P" -C km progress set p5-t1 2021 --note "bản A" >/dev/null
"$P" -C km2 progress set p5-t1 2021 --note "bản B" >/dev/null
sync_ok km
rc=0
out=$("$P" -C km2 sync) || rc=$?
[ "$rc" = 6 ] && grep -q "1 new conflict on this office's records" <<<"$out" &&
	ok "sync: new conflict said, exit 6" || bad "sync with a conflict: rc $rc, $out"
finish
