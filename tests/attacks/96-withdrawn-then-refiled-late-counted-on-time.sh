#!/bin/bash
# Issue 12: "a report received after the period's due date is late in every
# report, before it on time"; README: `progress withdraw` "takes back a report
# entered by mistake: the record is retired ...; it counts as no report
# anywhere, and `progress set` reports again". The receipt is per record and
# written once (its "change" is the record's first change, ever), so it
# outlives the withdrawal: Kinh Môn files a placeholder for 2025-q4 before the
# due date (2026-01-15), withdraws it the next day (still before the due date:
# at the deadline the province's coverage says "missing" for it), and reports
# for real ten days after the deadline. The province imports that report on
# 2026-01-25, and every report counts it on time (coverage late 0, not in
# `progress show --late`), by a receipt that names a change of the withdrawn
# report.
# Expected: the report in force, received after the due date, is late.
. "$(dirname "$0")/common.sh"
B=1768003200000 # 2026-01-10T00:00Z
export PLANSYNC_FAKE_NOW_MS=$B
prov
dist d1 tx-kinh-mon a
"$P" -C d1 progress set p1-t1 2025-q4 --percent 1 >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1 && "$P" -C tinh sync >/dev/null 2>&1 || exit 2
export PLANSYNC_FAKE_NOW_MS=$((B + 86400000)) # 2026-01-11
"$P" -C d1 progress withdraw p1-t1 2025-q4 --reason "nhập nhầm" >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1 && "$P" -C tinh sync >/dev/null 2>&1 || exit 2
"$P" -C tinh report coverage --period 2025-q4 --json >at-due.json || exit 2
grep -q '"state": "missing"' at-due.json || exit 2
export PLANSYNC_FAKE_NOW_MS=$((B + 15 * 86400000)) # 2026-01-25, ten days after the due date
"$P" -C d1 progress set p1-t1 2025-q4 --percent 60 --status on_track >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1 && "$P" -C tinh sync >/dev/null 2>&1 || exit 2
"$P" -C tinh report coverage --period 2025-q4 --json >cov.json || exit 2
"$P" -C tinh progress show --late --json >late.json || exit 2
"$P" -C tinh dump >dump.json || exit 2
python3 - <<'PY' || fail "a report filed ten days after the due date, after the office withdrew its earlier one, is counted on time"
import json, sys
cov = json.load(open("at-due.json"))
o = [o for o in cov["offices"] if o["office"] == "tx-kinh-mon"][0]
print("at the due date: tx-kinh-mon reported", o["reported"], "missing", o["missing"])
d = json.load(open("dump.json"))
rec = {r["id"]: r for r in d["records"]}
print("report:", rec["progress/tx-kinh-mon/p1-t1/2025-q4"]["fields"], "retired", rec["progress/tx-kinh-mon/p1-t1/2025-q4"]["retired"])
print("receipt:", rec.get("receipt/tx-kinh-mon/p1-t1/2025-q4", {}).get("fields"))
o = [o for o in json.load(open("cov.json"))["offices"] if o["office"] == "tx-kinh-mon"][0]
late = json.load(open("late.json"))
print("now: coverage reported", o["reported"], "late", o["late"], "; progress show --late:", len(late), "rows")
sys.exit(0 if o["reported"] == 1 and o["late"] == 1 and len(late) == 1 else 1)
PY
exit 0
