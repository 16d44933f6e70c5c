#!/usr/bin/env bash
# People's habits (issue 12, items 1, 2, 3, 4, 6): the listings (plan
# offices, periods, tasks --office) checked against the plan document
# itself; "unknown X" errors with the closest id and the listing command,
# nothing written; ids typed in any case stored canonical; progress show
# --status/--program/--late and log --office/--task/--period checked
# against the dump and the change files in the shared repository; a
# withdrawn report gone from progress show and kept in the log, on every
# replica.
source "$(dirname "$0")/lib.sh"
PLAN=$SRC/schema/plan/hai-duong-2020-2025.json
setup_province
district km tx-kinh-mon pc1
district bg binh-giang pc1
district tk tu-ky pc1

# ---- listings against the plan document --------------------------------
"$P" -C km plan offices --json > offices.json
"$P" -C km plan periods --json > periods.json
"$P" -C tk plan tasks --office tu-ky --json > tasks-tk.json
"$P" -C km plan tasks --office TX-KINH-MON --json > tasks-km.json
out=$(python3 - "$PLAN" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
bad = []
offices = json.load(open("offices.json"))
want = [(o["id"], o["name"], o["kind"], sum(t["office"] == o["id"] for t in plan["targets"])) for o in plan["offices"]]
got = [(o["id"], o["name"], o["kind"], o["targets"]) for o in offices]
if got != want: bad.append("offices %r != %r" % (got, want))
periods = json.load(open("periods.json"))
want = sorted((p["id"], p["kind"], p["start"], p["end"], p["due"]) for p in plan["periods"])
got = sorted((p["id"], p["kind"], p["start"], p["end"], p["due"]) for p in periods)
if got != want: bad.append("periods %r != %r" % (got, want))
if any(p["state"] != "open" or p["closed"] is not None for p in periods): bad.append("a period is closed")
starts = [p["start"] for p in periods]
if starts != sorted(starts): bad.append("periods not by start date")
ntasks = len(plan["tasks"])
for name, office in (("tasks-tk.json", "tu-ky"), ("tasks-km.json", "tx-kinh-mon")):
    tasks = json.load(open(name))
    if sorted(t["id"] for t in tasks) != sorted(t["id"] for t in plan["tasks"]):
        bad.append("%s: %d tasks, the plan has %d" % (office, len(tasks), ntasks))
    want = sorted((t["task"], t["id"]) for t in plan["targets"] if t["office"] == office)
    got = sorted((t["id"], t["target"]) for t in tasks if t["target"])
    if got != want: bad.append("%s's targets %r != %r" % (office, got, want))
print("; ".join(bad) if bad else "same", ntasks)
PY
)
case $out in same\ 34) ok "plan offices, periods, tasks --office equal the plan document (34 tasks for Tứ Kỳ too)" ;;
  *) bad "listings: $out" ;; esac
"$P" -C km plan periods | grep -q "^2021-q3 *quarter *2021-07-01 *2021-09-30 *2021-10-15 *open" && ok "plan periods table" ||
  bad "plan periods table: $("$P" -C km plan periods | head -5)"
"$P" -C km plan offices --format csv | grep -q "^tu-ky,district,tinh,.*,0,Huyện Tứ Kỳ" && ok "plan offices as CSV" ||
  bad "plan offices csv: $("$P" -C km plan offices --format csv | tail -2)"

# ---- unknown ids: the closest one, the listing command, nothing written --
n0=$("$P" -C km status --json | json_num changes)
expect_fail 3 'unknown office "tx-kinhmon" \(did you mean "tx-kinh-mon"\? the list: plansync plan offices\)' \
  "$P" -C km plan tasks --office tx-kinhmon
expect_fail 3 'unknown period "2021q3" \(did you mean "2021-q3"\? the list: plansync plan periods\)' \
  "$P" -C km progress set p2-t6 2021q3 --status done
expect_fail 3 'unknown task "p2t6" \(did you mean "p2-t6"\? the list: plansync plan tasks\)' \
  "$P" -C km progress set p2t6 2021 --status done
expect_fail 3 'unknown period "2039" \(the list: plansync plan periods\)' "$P" -C km progress set p2-t6 2039 --status done
expect_fail 3 'unknown program "p9" \(the list: plansync plan show\)' "$P" -C km progress show --program p9
expect_fail 3 'unknown status "don" \(did you mean "done"\?\)' "$P" -C km progress show --status don
expect_fail 3 'unknown office "binh-gaing" \(did you mean "binh-giang"\?' "$P" -C km log --office binh-gaing
expect_fail 3 'unknown office "kinh-mon" \(did you mean "tx-kinh-mon"\?' "$P" -C km plan targets --office kinh-mon
expect_fail 3 'unknown period "2099" \(the list: plansync plan periods\)' "$P" -C km log progress/tx-kinh-mon/p2-t6/2099
printf 'task,period,status\np2-t6,2021q2,done\n' > bad-period.csv
expect_fail 3 'errors' "$P" -C km progress import bad-period.csv
err=$("$P" -C km progress import bad-period.csv 2>&1) || true
grep -qF 'line 2, column 2 (period): unknown period "2021q2" (did you mean "2021-q2"?' <<<"$err" &&
  ok "CSV names the closest period" || bad "CSV period: $err"
[ "$("$P" -C km status --json | json_num changes)" = "$n0" ] && ok "nothing written by the refused commands" || bad "a refused command wrote"
# init --office against a remote that holds a plan: refused, nothing kept
refs0=$(git -C remote.git for-each-ref | sort | sha1sum)
expect_fail 3 'unknown office "tx-kinhmon" \(did you mean "tx-kinh-mon"\?' \
  "$P" init wrong --office tx-kinhmon --remote "$T/remote.git"
[ ! -e wrong ] && ok "no replica kept for an unknown office" || bad "init left $(ls -A wrong)"
[ "$(git -C remote.git for-each-ref | sort | sha1sum)" = "$refs0" ] && ok "the remote is untouched" || bad "remote changed"
# the province's first init on an empty remote is allowed
git init -q --bare empty.git
"$P" init first --office TINH --remote "$T/empty.git" >/dev/null && ok "the province's first init on an empty remote" ||
  bad "first init refused"
[ "$("$P" -C first status --json | sed -n 's/.*"office": "\([^"]*\)".*/\1/p' | head -1)" = tinh ] &&
  ok "init --office TINH stored as tinh" || bad "office case: $("$P" -C first status --json | head -3)"

# ---- ids in any case, stored canonical --------------------------------
"$P" -C km progress set P2-T6 2021-Q3 --status On_Track --percent 40 >/dev/null
"$P" -C km progress set p3-t1 2021 --status DONE --percent 100 >/dev/null
"$P" -C km progress show --office TX-KINH-MON --task P2-T6 --period 2021-Q3 --json | grep -q '"status": "on_track"' &&
  ok "filters in any case" || bad "filters in upper case"
"$P" -C km log progress/TX-KINH-MON/P2-T6/2021-Q3 --json | grep -q '"record": "progress/tx-kinh-mon/p2-t6/2021-q3"' &&
  ok "log RECORD in any case" || bad "log in upper case"
"$P" -C km dump > km-dump.json
python3 - <<'PY' && ok "stored canonical: lower-case ids and status" || bad "ids not canonical in the dump"
import json
recs = {r["id"]: r for r in json.load(open("km-dump.json"))["records"]}
assert recs["progress/tx-kinh-mon/p2-t6/2021-q3"]["fields"]["status"] == "on_track"
assert recs["progress/tx-kinh-mon/p3-t1/2021"]["fields"]["status"] == "done"
assert all(i == i.lower() for i in recs)
PY

# ---- a season of reports, then the filters against the dump ------------
"$P" -C km progress set p2-t6 2021 --status at_risk --percent 20 >/dev/null
"$P" -C km progress set p2-t7 2022 --status done --percent 100 >/dev/null
"$P" -C bg progress set p2-t7 2021 --status on_track --percent 35 >/dev/null
"$P" -C bg progress set p1-t1 2021-q1 --status done --percent 100 >/dev/null
"$P" -C bg progress set p5-t1 2022 --status delayed --percent 10 >/dev/null
"$P" -C tk progress set p3-t1 2021 --status done --percent 100 >/dev/null
"$P" -C tk progress set p2-t6 2021-q3 --status not_started >/dev/null
# withdrawn: entered by mistake
"$P" -C tk progress set p4-t1 2021 --status done --percent 100 >/dev/null
expect_fail 2 "reason TEXT is required" "$P" -C tk progress withdraw p4-t1 2021
"$P" -C tk progress withdraw P4-T1 2021 --reason "nhập nhầm nhiệm vụ" >/dev/null && ok "withdraw" || bad "withdraw failed"
expect_fail 3 "no report on p4-t1 for 2021 to withdraw" "$P" -C tk progress withdraw p4-t1 2021 --reason again
expect_fail 3 'unknown period "2021-q9"' "$P" -C tk progress withdraw p4-t1 2021-q9 --reason x
for d in km bg tk tinh km bg tk; do sync_ok $d; done
"$P" -C tinh dump > dump.json
check_filter() { # check_filter NAME ARGS...: progress show ARGS against the dump
  local name=$1; shift
  "$P" -C tinh progress show "$@" --json > shown.json
  if python3 - "$PLAN" "$@" <<'PY'; then ok "progress show $name equals the dump"; else bad "progress show $name"; fi
import json, sys
plan = json.load(open(sys.argv[1])); args = sys.argv[2:]
opt = dict(zip(args[::2], args[1::2])) if "--late" not in args else {}
program = {t["id"]: t["program"] for t in plan["tasks"]}
recs = {r["id"]: r for r in json.load(open("dump.json"))["records"]}
want = set()
for rid, r in recs.items():
    kind, *rest = rid.split("/")
    if kind != "progress" or r["retired"]: continue
    office, task, period = rest
    f = r["fields"]
    if "--status" in opt and f.get("status") != opt["--status"]: continue
    if "--program" in opt and program[task] != opt["--program"]: continue
    if "--office" in opt and office != opt["--office"]: continue
    if "--late" in args:
        rc = recs.get("receipt/%s/%s/%s" % (office, task, period))
        if not rc or rc["fields"].get("late") is not True: continue
    want.add((office, task, period))
got = {(r["office"], r["task"], r["period"]) for r in json.load(open("shown.json"))}
if got != want:
    print("got", sorted(got), "want", sorted(want), file=sys.stderr); sys.exit(1)
if "--late" not in args and not want:
    print("the filter keeps nothing: the test would not tell", file=sys.stderr); sys.exit(1)
PY
}
check_filter "--status done" --status done
check_filter "--program p2" --program p2
check_filter "--status done --program p3" --status done --program p3
check_filter "--office binh-giang --status delayed" --office binh-giang --status delayed
check_filter "--late" --late
python3 - <<'PY' && ok "the withdrawn report is retired in the dump" || bad "withdrawn report not retired"
import json
r = {r["id"]: r for r in json.load(open("dump.json"))["records"]}["progress/tu-ky/p4-t1/2021"]
assert r["retired"] is True
PY
for d in tinh tk km; do
  "$P" -C $d progress show --json | grep -q '"task": "p4-t1"' && bad "withdrawn report shown on $d" ||
    ok "withdrawn report not in progress show on $d"
done
"$P" -C km log --office tu-ky --task p4-t1 --json > wlog.json
python3 - <<'PY' && ok "the log shows the withdrawal with its reason, after the report" || bad "log of the withdrawal: $(cat wlog.json)"
import json
log = json.load(open("wlog.json"))
assert [e["op"] for e in log] == ["retire", "set"], log
assert log[0]["reason"] == "nhập nhầm nhiệm vụ" and log[0]["record"] == "progress/tu-ky/p4-t1/2021"
PY
# reported again after the withdrawal
"$P" -C tk progress set p4-t1 2021 --status on_track --percent 50 >/dev/null
"$P" -C tk progress show --task p4-t1 --json | grep -q '"percent": 50' && ok "reported again after withdrawing" ||
  bad "report after withdraw"
sync_ok tk

# ---- log --office/--task/--period against the change files in Git ------
sync_ok tinh
for f in "--office binh-giang" "--task p2-t6" "--period 2021" "--office tx-kinh-mon --period 2021-q3" "--task P3-T1 --period 2021"; do
  # shellcheck disable=SC2086
  "$P" -C tinh log $f -n 0 --json > flog.json
  if python3 - "$T/remote.git" $f <<'PY'; then ok "log $f equals the change files in the shared repository"; else bad "log $f"; fi
import json, subprocess, sys
repo = sys.argv[1]; args = sys.argv[2:]
opt = {k[2:]: v.lower() for k, v in zip(args[::2], args[1::2])}
git = lambda *a: subprocess.run(["git", "-C", repo] + list(a), check=True, capture_output=True, text=True).stdout
want = set()
for line in git("log", "--all", "--no-renames", "--diff-filter=A", "--format=", "--raw", "--no-abbrev").splitlines():
    meta, path = line.split("\t")
    if not path.startswith("changes/"): continue
    c = json.loads(git("cat-file", "blob", meta.split()[3]))
    parts = c["record"].split("/")
    if len(parts) != 4: continue
    rec = dict(zip(("office", "task", "period"), parts[1:]))
    if all(rec[k] == v for k, v in opt.items()):
        want.add(c["id"])
got = [e["id"] for e in json.load(open("flog.json"))]
if set(got) != want or len(got) != len(want) or got != sorted(got, reverse=True) or not want:
    print("got", got, "want", sorted(want), file=sys.stderr); sys.exit(1)
PY
done
"$P" -C tinh log --task p2-t6 -n 2 --json | grep -c '"id"' | grep -qx 2 && ok "log filter with -n" || bad "log -n with a filter"
expect_fail 2 "not both" "$P" -C tinh log progress/tu-ky/p4-t1/2021 --office tu-ky
finish
