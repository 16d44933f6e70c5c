#!/bin/bash
# Issue 12: "Timeliness must not trust the district's clock: when the
# province's replica first imports a report, it records a receipt"; README:
# "a district's clock may be wrong ... so a change's own time proves nothing
# about when it arrived". A district whose clock runs a day fast writes its
# 2025-q4 report (due 2026-01-15, i.e. until 17:00 UTC) and syncs; the
# province fetches it on 2026-01-15 10:00 UTC, before the deadline (its own
# `report sync` says "received 2026-01-15" for that replica), but holds it for
# the clock stamped on it and applies it, with a receipt, only when its own
# clock passes the district's: on 2026-01-16, "late". The district's clock,
# not the province's, decided that the report was late.
# Expected: the report is not late (the province had it before the due date).
. "$(dirname "$0")/common.sh"
D=1768471200000 # 2026-01-15T10:00Z
export PLANSYNC_FAKE_NOW_MS=$D
prov
dist d1 tx-kinh-mon a
PLANSYNC_FAKE_NOW_MS=$((D + 86400000)) "$P" -C d1 progress set p1-t1 2025-q4 --percent 10 >/dev/null || exit 2
PLANSYNC_FAKE_NOW_MS=$((D + 86400000)) "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1 # the province has the report's branch now
"$P" -C tinh report sync --json >rs.json 2>/dev/null || exit 2
grep -q '"received": "2026-01-15' rs.json || exit 2 # fetched before the due date
export PLANSYNC_FAKE_NOW_MS=$((D + 86400000 + 60000)) # the next day, 10:01 UTC
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh dump >dump.json || exit 2
"$P" -C tinh report coverage --period 2025-q4 --json >cov.json || exit 2
python3 - <<'PY' || fail "a report the province fetched before the due date is late because the district's clock ran ahead"
import json, sys
rs = [r for r in json.load(open("rs.json")) if r.get("office") == "tx-kinh-mon"]
print("report sync before the due date:", rs)
d = json.load(open("dump.json"))
rc = [r["fields"] for r in d["records"] if r["id"] == "receipt/tx-kinh-mon/p1-t1/2025-q4" and not r["retired"]]
print("receipt:", rc)
cov = json.load(open("cov.json"))
late = [o["late"] for o in cov["offices"] if o["office"] == "tx-kinh-mon"][0]
print("coverage late for tx-kinh-mon:", late)
sys.exit(1 if late or any(x.get("late") for x in rc) else 0)
PY
exit 0
