#!/bin/bash
# README ("Timeliness is the province's clock"): "When the province's replica
# first imports a report of another office, it writes receipt/... received
# (the province replica's clock)"; "a report received after the period's due
# date is late in every report, before it on time". The receipt is written
# only by a sync whose import brought something (lib/sync.c: imported > 0),
# in a transaction after the import's commit. A province sync killed between
# the two (kill -9, a power cut: PLANSYNC_KILL_AT=import:committed) leaves the
# report in the province's database with no receipt; the next sync imports
# nothing new, so it writes none either; the receipt is written only when some
# other report arrives, dated then. Here Kinh Môn's 2025-q4 report (due
# 2026-01-15) is in the province's database on 2026-01-10, the province syncs
# again that day, and ten days later, when Nam Sách's report arrives, Kinh Môn
# gets a receipt "received 2026-01-20, late": counted late in every report.
# Expected: Kinh Môn's report is not late (coverage late 0, no late receipt).
. "$(dirname "$0")/common.sh"
export PLANSYNC_FAKE_NOW_MS=1768003200000 # 2026-01-10T00:00Z, before the due date
prov
dist d1 tx-kinh-mon a
dist d2 nam-sach a
"$P" -C d1 progress set p1-t1 2025-q4 --percent 10 >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1 || exit 2
PLANSYNC_KILL_AT=import:committed "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1 || exit 2 # the same day, all is well again
"$P" -C tinh progress show --office tx-kinh-mon --period 2025-q4 --json | grep -q '"percent": *10' || exit 2
export PLANSYNC_FAKE_NOW_MS=$((1768003200000 + 10 * 86400000)) # 2026-01-20, after the due date
"$P" -C d2 progress set p1-t1 2025-q4 --percent 5 >/dev/null || exit 2
"$P" -C d2 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1 || exit 2
"$P" -C tinh dump >dump.json || exit 2
python3 - "$P" <<'PY' || fail "Kinh Môn's report, in the province's database since 2026-01-10 (before the due date 2026-01-15), is counted late"
import json, subprocess, os, sys
d = json.load(open("dump.json"))
rc = [r for r in d["records"] if r["id"] == "receipt/tx-kinh-mon/p1-t1/2025-q4" and not r["retired"]]
print("receipt:", rc[0]["fields"] if rc else None)
cov = json.loads(subprocess.run([sys.argv[1], "-C", "tinh", "report", "coverage", "--period", "2025-q4", "--json"], capture_output=True, text=True).stdout)
late = [o["late"] for o in cov["offices"] if o["office"] == "tx-kinh-mon"][0]
print("coverage late for tx-kinh-mon:", late)
sys.exit(1 if late or (rc and rc[0]["fields"].get("late")) else 0)
PY
exit 0
