#!/usr/bin/env bash
# Issue 12 item 4: the province's reports. A province and four districts
# over a season (reports on time and late, a return with a comment, a
# correction, acceptances, a change after acceptance, a late report after
# the period closed, a withdrawal); every report's
# numbers are checked against an independent count from 'dump', the heads
# table (sqlite3) and 'log', done here in Python, never against the
# reports' own code; tables fit 80 columns; the CSV variants (BOM, --sep).
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed"; exit 0; }

# The bundled plan and one period whose due date is far ahead, so that
# reports for it arrive on time whatever today is (the others are late).
python3 - "$SRC/schema/plan/hai-duong-2020-2025.json" plan.json <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["periods"].append({"id": "2026", "kind": "year", "start": "2026-01-01", "end": "2026-12-31", "due": "2099-12-15"})
json.dump(p, open(sys.argv[2], "w"), ensure_ascii=False)
EOF
git init -q --bare remote.git
"$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user "Cán bộ Tỉnh" >/dev/null
"$P" -C tinh plan import plan.json >/dev/null
"$P" -C tinh sync >/dev/null
district km tx-kinh-mon pc1
district bg binh-giang pc1
district ns nam-sach pc1
district tk tu-ky pc1
set_p() { # DIR TASK PERIOD ARGS...
	local d=$1; shift
	"$P" -C "$d" progress set "$@" >/dev/null || bad "progress set in $d: $*"
}
set_p km p1-t1 2026 --status on_track --percent 40 --note "Đã phê duyệt, chờ vốn"
set_p km p1-t2 2026 --status done --percent 100
set_p km p1-t3 2026 --status at_risk --percent 20
set_p km p1-t4 2026 --status on_track --percent 55
set_p km p2-t6 2021 --status done --percent 100
set_p km p3-t1 2021 --status delayed --percent 10
set_p bg p1-t1 2026 --status on_track --percent 50
set_p bg p2-t7 2026 --status delayed --percent 30
set_p ns p2-t7 2026 --status done --percent 100
set_p ns p3-t1 2026 --status at_risk --percent 15 --note "thiếu kinh phí; chờ tỉnh"
set_p tk p1-t1 2021 --status on_track --percent 20
for d in km bg ns tk; do sync_ok "$d"; done
sync_ok tinh # imports the reports and writes their receipts
# Review: a return with a comment, acceptances.
"$P" -C tinh review return tx-kinh-mon p1-t1 2026 --comment "Bổ sung số liệu vốn" >/dev/null || bad "review return"
"$P" -C tinh review accept tx-kinh-mon p1-t2 p1-t3 2026 >/dev/null || bad "review accept"
"$P" -C tinh review accept binh-giang p1-t1 2026 >/dev/null || bad "review accept bg"
"$P" -C tinh period close 2021 >/dev/null || bad "period close"
sync_ok tinh
for d in km bg ns tk; do sync_ok "$d"; done
# The district answers the return, changes an accepted report, reports late
# for the closed period, and withdraws one report.
set_p km p1-t1 2026 --percent 45 --note "Đã bổ sung"
set_p km p1-t2 2026 --note "sửa sau khi duyệt"
set_p tk p1-t2 2021 --status not_started --percent 0 --reason "báo cáo muộn"
"$P" -C km progress withdraw p1-t4 2026 --reason "nhập nhầm" >/dev/null || bad "progress withdraw"
withdrew=1
for d in km bg ns tk; do sync_ok "$d"; done
sync_ok tinh
sync_ok tinh # sends the receipts the last import wrote

"$P" -C tinh dump >dump.json
sqlite3 tinh/plansync.db "SELECT record || ' ' || id FROM heads WHERE record LIKE 'progress/%'" >heads.txt
# Each replica's changes as stock git counts them: the files its branch added.
for b in $(git -C remote.git for-each-ref --format='%(refname:lstrip=2)' refs/heads/replicas/); do
	printf '%s %s\n' "${b##*/}" "$(git -C remote.git log --no-renames --diff-filter=A --name-only --format= "$b" -- changes/ | grep -c .)"
done >branches.txt
# The independent count: what each report must say, from the dump alone.
cat >expect.py <<'EOF'
import json, sys
dump = json.load(open("dump.json"))
heads = {}
for line in open("heads.txt"):
    rec, cid = line.split()
    heads.setdefault(rec, []).append(cid)
recs = {r["id"]: r for r in dump["records"]}
live = lambda kind: {k.split("/", 1)[1]: r["fields"] for k, r in recs.items() if k.startswith(kind + "/") and not r["retired"]}
offices = sorted(((f.get("order", 0), o) for o, f in live("office").items() if o != "tinh"))
offices = [o for _, o in offices]
def natkey(s):
    import re
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", s)]
tasks = sorted(live("task"), key=natkey)
periods = live("period")
progress = live("progress")
reviews = live("review")
receipts = live("receipt")
def state(o, t, p):
    key = f"{o}/{t}/{p}"
    if key not in progress:
        return "missing"
    rv = reviews.get(key)
    if not rv:
        return "reported"
    same = sorted(heads.get("progress/" + key, [])) == sorted(rv.get("changes") or [])
    if rv["decision"] == "accepted":
        return "accepted" if same else "changed_since_accepted"
    return "returned" if same else "reported"
def late(o, t, p):
    k = f"{o}/{t}/{p}"
    return k in progress and bool(receipts.get(k, {}).get("late"))
def coverage(p):
    out = []
    for o in offices:
        st = [state(o, t, p) for t in tasks]
        out.append({"office": o, "reported": sum(s != "missing" for s in st), "missing": st.count("missing"),
                    "returned": st.count("returned"), "accepted": st.count("accepted"),
                    "changed_since_accepted": st.count("changed_since_accepted"),
                    "late": sum(late(o, t, p) for t in tasks), "tasks": dict(zip(tasks, st))})
    return out
order = sorted(periods, key=lambda p: (periods[p]["start"], tuple(-ord(c) for c in periods[p]["end"]), p))
def latest(o, t):
    for p in reversed(order):
        if f"{o}/{t}/{p}" in progress:
            return p, progress[f"{o}/{t}/{p}"]
    return None, None
def mean(xs):
    return (2 * sum(xs) + len(xs)) // (2 * len(xs)) if xs else None
def programs(period):
    rows = {}
    for pg in live("program"):
        ptasks = [t for t in tasks if live("task")[t].get("program") == pg]
        allpc = []
        tot = {"reported": 0, "missing": 0}
        for o in offices:
            got = [(progress.get(f"{o}/{t}/{period}") if period else latest(o, t)[1]) for t in ptasks]
            pcs = [g["percent"] for g in got if g and g.get("percent") is not None]
            allpc += pcs
            rep = sum(g is not None for g in got)
            rows[(pg, o)] = {"reported": rep, "missing": len(ptasks) - rep, "percent": mean(pcs),
                             "done": sum(1 for g in got if g and g.get("status") == "done")}
            tot["reported"] += rep
            tot["missing"] += len(ptasks) - rep
        rows[(pg, "tinh")] = dict(tot, percent=mean(allpc))
    return rows
def targets(today):
    out = {}
    for tid, f in live("target").items():
        if f["office"] not in offices:
            continue
        p, e = latest(f["office"], f["task"])
        passed = bool(f.get("deadline")) and f["deadline"] < today
        if not e:
            v = "late" if passed else "no_report"
        elif e.get("status") == "done" or e.get("percent") == 100:
            v = "met"
        elif (f.get("deadline") and f["deadline"] < today) or e.get("status") == "delayed":
            v = "late"
        elif e.get("status") in ("at_risk", "not_started", "cancelled"):
            v = "at_risk"
        else:
            v = "on_track"
        out[tid] = v
    return out
EOF

check() { # NAME PYTHON (reads report JSON on stdin)
	local name=$1 code=$2 out
	if out=$(python3 -c "exec(open('expect.py').read())
$code" 2>&1); then ok "$name"; else bad "$name: $out"; fi
}

"$P" -C tinh report coverage --period 2026 --json >cov.json
check "coverage 2026 equals the count from dump" '
got = json.load(open("cov.json"))
assert got["period"] == "2026", got["period"]
exp = coverage("2026")
assert [o["office"] for o in got["offices"]] == [o["office"] for o in exp], "offices differ"
for g, e in zip(got["offices"], exp):
    for k in ("reported", "missing", "returned", "accepted", "changed_since_accepted", "late"):
        assert g[k] == e[k], (g["office"], k, g[k], e[k])
    assert {c["task"]: c["state"] for c in g["tasks"]} == e["tasks"], g["office"]
km = {c["task"]: c["state"] for c in got["offices"][[o["office"] for o in exp].index("tx-kinh-mon")]["tasks"]}
assert km["p1-t1"] == "reported", km["p1-t1"]            # returned, then answered
assert km["p1-t2"] == "changed_since_accepted", km["p1-t2"]
assert km["p1-t3"] == "accepted", km["p1-t3"]
assert km["p1-t4"] == ("missing" if '"$withdrew"' else "reported"), km["p1-t4"]
assert sum(o["late"] for o in got["offices"]) == 0, "a report for 2026 counted late"
'
"$P" -C tinh report coverage --period 2021 --json >cov21.json
check "coverage 2021 (late, after close) equals the count from dump" '
got = json.load(open("cov21.json"))
exp = coverage("2021")
for g, e in zip(got["offices"], exp):
    for k in ("reported", "missing", "late"):
        assert g[k] == e[k], (g["office"], k, g[k], e[k])
tk = [o for o in got["offices"] if o["office"] == "tu-ky"][0]
assert tk["reported"] == 2 and tk["late"] == 2, tk
'
# A returned report before its answer: a fresh look from the district's side.
out=$("$P" -C km report coverage --period 2026 --json) && ok "a district reads the coverage offline" ||
	bad "coverage on a district"

"$P" -C tinh report programs --json >prog.json
"$P" -C tinh report programs --period 2026 --json >prog26.json
check "programs equal the count from dump (latest and --period)" '
for f, per in (("prog.json", None), ("prog26.json", "2026")):
    got = json.load(open(f))
    assert got["period"] == per, got["period"]
    exp = programs(per)
    assert len(got["rows"]) == len(exp), (len(got["rows"]), len(exp))
    for r in got["rows"]:
        e = exp[(r["program"], r["office"])]
        for k in e:
            assert r[k] == e[k], (f, r["program"], r["office"], k, r[k], e[k])
'

"$P" -C tinh report targets --date 2026-06-01 --json >tg.json
check "targets: verdicts from dump, late first" '
got = json.load(open("tg.json"))
exp = targets("2026-06-01")
assert {r["target"]: r["verdict"] for r in got["targets"]} == exp, [(r["target"], r["verdict"]) for r in got["targets"]]
rank = ["late", "at_risk", "no_report", "on_track", "met"]
ranks = [rank.index(r["verdict"]) for r in got["targets"]]
assert ranks == sorted(ranks), ranks
assert got["counts"]["late"] == sum(v == "late" for v in exp.values()) >= 1, got["counts"]
assert exp["p2-t7-binh-giang"] == "late" and exp["p2-t7-nam-sach"] == "met", exp
'
# A target never reported: late once its deadline has passed, no_report
# before (README); the deadlines read from dump, not from the report.
"$P" -C tinh report targets --date 2000-01-01 --json >tg2000.json
"$P" -C tinh report targets --date 2030-01-01 --json >tg2030.json
check "targets: never reported is no_report before the deadline, late after" '
tg = live("target")
never = [t for t, f in tg.items() if f["office"] in offices and f.get("deadline") and not latest(f["office"], f["task"])[1]]
assert never and all("2000-01-01" <= tg[t]["deadline"] < "2030-01-01" for t in never), [tg[t] for t in never]
for f, day, want in (("tg2000.json", "2000-01-01", "no_report"), ("tg2030.json", "2030-01-01", "late")):
    got = json.load(open(f))
    v = {r["target"]: r["verdict"] for r in got["targets"]}
    assert all(v[t] == want for t in never), (day, {t: v[t] for t in never})
    assert v == targets(day), (day, v)
    assert got["counts"][want] >= len(never), got["counts"]
'
# No --date: today in Asia/Ho_Chi_Minh (UTC+7), whatever TZ says. At any
# hour one of UTC-12 and UTC+14 is on another day than UTC+7.
today_vn=$(TZ=Asia/Ho_Chi_Minh date +%F)
for tz in UTC Etc/GMT+12 Pacific/Kiritimati; do
	got=$(TZ=$tz "$P" -C tinh report targets --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["today"])')
	[ "$got" = "$today_vn" ] && ok "targets today in TZ=$tz is the plan's day $got" ||
		bad "targets today in TZ=$tz: $got, the plan's day is $today_vn"
done

"$P" -C tinh report office TX-Kinh-Mon --period 2026 --json >office.json
check "office sheet equals the count from dump (id matched in any case)" '
got = json.load(open("office.json"))
assert got["office"] == "tx-kinh-mon" and got["period"] == "2026", got["office"]
st = {r["task"]: r["state"] for r in got["tasks"]}
assert st == {t: state("tx-kinh-mon", t, "2026") for t in tasks}, st
assert got["reported"] == sum(s != "missing" for s in st.values()), got["reported"]
row = [r for r in got["tasks"] if r["task"] == "p1-t1"][0]
assert row["note"] == "Đã bổ sung" and row["percent"] == 45, row
'

"$P" -C tinh report sync --json >sync.json
check "sync: each replica's changes equal what its branch added (git); silent offices listed" '
got = json.load(open("sync.json"))
count = {l.split()[0]: int(l.split()[1]) for l in open("branches.txt")}
assert len(count) == 5, count
reps = {r["replica"]: r for r in got if r["replica"]}
for rep, n in count.items():
    assert reps[rep]["changes"] == n, (rep, reps[rep]["changes"], n)
silent = {r["office"] for r in got if r["replica"] is None}
assert "gia-loc" in silent and "tx-kinh-mon" not in silent, silent
assert reps["tinh-hq"]["own"] and not reps["tx-kinh-mon-pc1"]["own"]
assert reps["tx-kinh-mon-pc1"]["received"] is not None
'

# Tables fit 80 columns; words that matter are not cut.
for args in "coverage --period 2026" "programs" "targets --date 2026-06-01" "office tu-ky" "sync"; do
	# shellcheck disable=SC2086
	"$P" -C tinh report $args >table.txt
	w=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' table.txt)
	[ "$w" -le 80 ] && ok "report $args: $w columns" || bad "report $args: $w columns wide"
done
"$P" -C tinh report coverage --period 2026 >table.txt
grep -q "^Thị xã Kinh Môn *[0-9]* of 34" table.txt && ok "coverage table names the office in full" ||
	bad "coverage table: $(cat table.txt)"
grep -q "Thành phố Hải Dương" table.txt && ok "a long office name is kept whole" || bad "office name cut"

# CSV: BOM, CRLF, ',' or ';', the same numbers as JSON.
"$P" -C tinh report coverage --period 2026 --csv >cov.csv
"$P" -C tinh report coverage --period 2026 --csv --sep ';' >cov2.csv
"$P" -C tinh report targets --date 2026-06-01 --csv --sep ';' >tg.csv
check "csv: BOM, CRLF, separators, numbers as in JSON" '
import csv, io
got = json.load(open("cov.json"))
for f, sep in (("cov.csv", ","), ("cov2.csv", ";")):
    raw = open(f, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), f + ": no BOM"
    assert b"\r\n" in raw and raw.count(b"\r\n") == raw.count(b"\n"), f + ": not CRLF"
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=sep))
    head = rows[0]
    assert head[:3] == ["office", "name", "reported"], head
    assert len(rows) - 1 == len(got["offices"]), len(rows)
    for r, o in zip(rows[1:], got["offices"]):
        d = dict(zip(head, r))
        assert d["office"] == o["office"] and d["name"] == o["name"], d
        for k in ("reported", "missing", "returned", "accepted", "changed_since_accepted", "late"):
            assert int(d[k]) == o[k], (f, k)
        for c in o["tasks"]:
            assert d[c["task"]] == c["state"], (f, c)
raw = open("tg.csv", "rb").read()
rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=";"))
tg = json.load(open("tg.json"))
assert [r[0] for r in rows[1:]] == [t["verdict"] for t in tg["targets"]], "target verdicts"
assert rows[1][rows[0].index("text")] == tg["targets"][0]["text"], "target text with commas survives"
'
head -1 cov2.csv | grep -q ';reported;' && ok "--sep ';' separates with ;" || bad "--sep ;: $(head -1 cov2.csv)"
"$P" -C tinh report coverage --period 2026 --html >cov.html
grep -q '<!DOCTYPE html>' cov.html && grep -q 'data-office="tx-kinh-mon"' cov.html && ! grep -q '<script' cov.html &&
	ok "--html: one page, no script" || bad "--html page"

# Bad input: a clear message, a non-zero exit, nothing written.
expect_fail 2 "--period P is required.*plan periods" "$P" -C tinh report coverage
expect_fail 3 "unknown period \"2030\".*plan periods" "$P" -C tinh report coverage --period 2030
expect_fail 3 "unknown period" "$P" -C tinh report programs --period bogus
expect_fail 3 "unknown office \"nowhere\".*plan offices" "$P" -C tinh report office nowhere
expect_fail 3 "is the province" "$P" -C tinh report office tinh
expect_fail 2 "give one of --json, --csv, --html" "$P" -C tinh report sync --csv --html
expect_fail 2 "give one of" "$P" -C tinh report sync --json --csv
expect_fail 2 "--sep takes ',' or ';'" "$P" -C tinh report sync --csv --sep x
expect_fail 2 "--sep is for CSV" "$P" -C tinh report sync --sep ';'
expect_fail 2 "--date takes a day" "$P" -C tinh report targets --date 2026-13-01
expect_fail 2 "missing argument" "$P" -C tinh report office
"$P" -C tinh report --help >/dev/null 2>&1 && bad "report alone should need a subcommand" || ok "report needs a subcommand"
for c in coverage programs targets office sync html; do
	"$P" report $c --help | grep -q "^usage: plansync \[-C DIR\] report $c" && ok "report $c --help" ||
		bad "report $c --help"
done
finish
