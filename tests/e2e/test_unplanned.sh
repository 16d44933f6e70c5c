#!/usr/bin/env bash
# Readers check progress against the plan they know: a report for a task,
# period or office the plan does not have is held (not in progress show,
# dump or conflicts; said in status and problems) and shows once the plan
# has it, whatever the order the branches are imported in; rebuild and
# incremental sync give the same dump. A task, period or office the plan
# retires holds the reports naming it the same way until it is set again.
source "$(dirname "$0")/lib.sh"
setup_province
district bg binh-giang bg
"$P" -C bg sync >/dev/null
# A writer that lies to its own CLI (a task and a period added to its
# database by hand), and an office the plan does not have.
sqlite3 bg/plansync.db "INSERT INTO records(id, kind, retired, changes, last) VALUES
  ('task/p9-t99', 'task', 0, 1, 'x'), ('period/2099', 'period', 0, 1, 'x')"
"$P" -C bg progress set p9-t99 2021 --status on_track --note "việc chưa có trong kế hoạch" >/dev/null
"$P" -C bg progress set p1-t1 2099 --status done >/dev/null
"$P" -C bg progress set p1-t1 2021 --status at_risk >/dev/null
"$P" -C bg sync >/dev/null
# init --remote refuses an office the plan on the remote lacks (issue 11):
# the replica is made offline (pinned with --trust, enrolled) and pointed
# at the remote afterwards.
"$P" init xm --office an-moi --replica xm --user "Cán bộ an-moi" --trust "$(province_pin)" >/dev/null
"$P" -C xm config remote "$T/remote.git" >/dev/null; enrol xm
"$P" -C xm sync >/dev/null
# the writer refuses a report for its own office when the plan lacks it;
# one that lies (the office added to its database by hand) still writes
expect_fail 3 "office an-moi is not in the plan" "$P" -C xm progress set p1-t1 2021 --status delayed
sqlite3 xm/plansync.db "INSERT INTO records(id, kind, retired, changes, last) VALUES ('office/an-moi', 'office', 0, 1, 'x')"
"$P" -C xm progress set p1-t1 2021 --status delayed >/dev/null
"$P" -C xm sync >/dev/null

"$P" -C tinh sync >/dev/null
s=$("$P" -C tinh progress show --json)
grep -q '"task": "p9-t99"' <<<"$s" && bad "unknown task shown: $s" || ok "progress for an unknown task is not shown"
grep -q '"period": "2099"' <<<"$s" && bad "unknown period shown" || ok "progress for an unknown period is not shown"
grep -q '"office": "an-moi"' <<<"$s" && bad "unknown office shown" || ok "progress of an unknown office is not shown"
grep -q '"status": "at_risk"' <<<"$s" && ok "the valid report beside them shows" || bad "valid report missing: $s"
d=$("$P" -C tinh dump)
# (the registry's key/an-moi/... record is the province's, not progress)
grep -E 'p9-t99|/2099"|an-moi' <<<"$d" | grep -qv '"id": "key/an-moi/' && bad "dump shows held progress" || ok "dump leaves held progress out"
js=$("$P" -C tinh status --json)
[ "$(echo "$js" | json_num unplanned)" = 3 ] && ok "status --json: 3 held for the plan" || bad "status --json: $js"
"$P" -C tinh status | grep -qi "plan does not have" && ok "status text says why" || bad "status text silent"
p=$("$P" -C tinh problems --json)
grep -q 'p9-t99' <<<"$p" && grep -q 'office/an-moi' <<<"$p" && ok "problems name what is missing" || bad "problems: $p"

# The province adds the task, the period and the office to the plan: they show.
python3 - "$SRC/schema/plan/hai-duong-2020-2025.json" plan2.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = dict(d["tasks"][0]); t["id"] = "p9-t99"; d["tasks"].append(t)
p = dict(d["periods"][0]); p["id"] = "2099"; p["start"] = "2099-01-01"; p["end"] = "2099-12-31"; p["due"] = "2099-12-15"; d["periods"].append(p)
o = dict(d["offices"][1]); o["id"] = "an-moi"; o["name"] = "An Mới"; d["offices"].append(o)
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False, indent=1)
PY
"$P" -C tinh plan import plan2.json >/dev/null
s=$("$P" -C tinh progress show --json)
grep -q '"task": "p9-t99"' <<<"$s" && ok "the task is in the plan now: its progress shows" || bad "still hidden: $s"
grep -q '"period": "2099"' <<<"$s" && ok "the period too" || bad "period still hidden"
grep -q '"office": "an-moi"' <<<"$s" && ok "the office too" || bad "office still hidden"
[ "$("$P" -C tinh status --json | json_num unplanned)" = 0 ] && ok "nothing held any more" || bad "still held"
"$P" -C tinh sync >/dev/null

# A new replica imports binh-giang's and an-moi's branches before the
# province's (branch order): the same result.
district bg2 binh-giang bg2
[ "$("$P" -C bg2 dump | sha256sum)" = "$("$P" -C tinh dump | sha256sum)" ] && ok "plan imported after the reports: same dump" || bad "order of import matters"
"$P" -C bg2 rebuild >/dev/null
[ "$("$P" -C bg2 dump | sha256sum)" = "$("$P" -C tinh dump | sha256sum)" ] && ok "rebuild gives the same dump" || bad "rebuild differs"
"$P" -C tinh rebuild >/dev/null
[ "$("$P" -C bg2 dump | sha256sum)" = "$("$P" -C tinh dump | sha256sum)" ] && ok "province rebuild agrees" || bad "province rebuild differs"
# The province retires them again (the original plan): the reports are held
# again, as for a plan that never had them, and show once the plan has them.
"$P" -C tinh plan import >/dev/null
s=$("$P" -C tinh progress show --json)
grep -qE '"task": "p9-t99"|"period": "2099"|"office": "an-moi"' <<<"$s" && bad "retired plan records: reports still shown: $s" || ok "reports on a retired task, period and office are held"
# (three reports, and the province's receipts of them, written while the
# plan had them: issue 12)
nrc=$(sqlite3 tinh/plansync.db "SELECT count(*) FROM records WHERE id LIKE 'receipt/%' AND (id LIKE '%/p9-t99/%' OR id LIKE '%/2099' OR id LIKE 'receipt/an-moi/%')")
[ "$nrc" = 3 ] && ok "the province wrote a receipt of each while they were planned" || bad "$nrc receipts of them"
[ "$("$P" -C tinh status --json | json_num unplanned)" = $((3 + nrc)) ] && ok "status counts them unplanned again" || bad "status: $("$P" -C tinh status --json)"
"$P" -C tinh problems --json | grep -q 'p9-t99' && ok "problems names the retired task" || bad "problems silent on the retired task"
expect_fail 3 "unknown task" "$P" -C tinh progress show --task p9-t99
"$P" -C tinh sync >/dev/null
district bg3 binh-giang bg3
[ "$("$P" -C bg3 dump | sha256sum)" = "$("$P" -C tinh dump | sha256sum)" ] && ok "retired after the reports: a new replica agrees" || bad "new replica differs after the retire"
"$P" -C tinh rebuild >/dev/null
[ "$("$P" -C bg3 dump | sha256sum)" = "$("$P" -C tinh dump | sha256sum)" ] && ok "rebuild agrees after the retire" || bad "rebuild differs after the retire"
"$P" -C tinh plan import plan2.json >/dev/null
[ "$("$P" -C tinh status --json | json_num unplanned)" = 0 ] && ok "set again: they show again" || bad "still held after the plan has them again"
finish
