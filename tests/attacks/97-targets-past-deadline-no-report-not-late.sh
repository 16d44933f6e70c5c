#!/bin/bash
# Issue 12: "A province officer answers ... 'which targets are late' with one
# command"; README (report targets): "`late` (the deadline passed and not
# met, or the office says `delayed`) ... rows late first". Bình Giang's and
# Nam Sách's targets on p2-t7 ("đạt tiêu chí đô thị loại IV") have the
# deadline 2024-12-31; neither office ever reported on it. As of 2025-06-01
# the deadline has passed and the target is not met, yet `report targets`
# says "0 late" and files both under no_report, among the targets due in
# 2029 (lib/report_calc.c verdict: no report is checked before the deadline).
# Same with --json: counts.late 0. The independent count from `dump`: two
# district targets have a deadline before the date and no report of a met
# target (none at all).
# Expected: both are late (counts.late 2, the first rows).
. "$(dirname "$0")/common.sh"
prov
"$P" -C tinh report targets --date 2025-06-01 --json >t.json || exit 2
"$P" -C tinh dump >dump.json || exit 2
python3 - <<'PY' || fail "targets whose deadline passed with nothing reported are not counted late"
import json, sys
d = json.load(open("dump.json"))
rec = {r["id"]: r["fields"] for r in d["records"] if not r["retired"]}
due = sorted(k for k, f in rec.items() if k.startswith("target/") and f.get("deadline") and f["deadline"] < "2025-06-01"
             and not any(x.startswith("progress/%s/%s/" % (f["office"], f["task"])) for x in rec))
print("independent: past deadline, never reported:", due)
t = json.load(open("t.json"))
print("report targets counts:", t["counts"])
print("first rows:", [(r["verdict"], r["office"], r["task"], r["deadline"]) for r in t["targets"][:3]])
if not due:
    sys.exit(0)
sys.exit(0 if t["counts"]["late"] >= len(due) else 1)
PY
exit 0
