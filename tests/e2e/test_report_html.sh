#!/usr/bin/env bash
# Issue 12 item 5: the HTML dashboard, opened in headless Chromium (Debian's
# /usr/bin/chromium, driven over --remote-debugging-pipe by cdp.py) with
# JavaScript disabled: no console error or failed load, every section
# present, the numbers on the page equal to --json, each office's sheet
# and each record's history with the review decisions; a screenshot is
# kept in the build directory (test-artifacts/). Bad -o targets write
# nothing; a rewrite keeps what the dashboard did not write; a link is
# followed and kept.
source "$(dirname "$0")/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "skip: $CHROMIUM not installed (scripts/deps.sh installs it)"; exit 0; }
ART="$(cd "$(dirname "$P")" && pwd)/test-artifacts"
mkdir -p "$ART"

setup_province
district km tx-kinh-mon pc1
district bg binh-giang pc1
"$P" -C km progress set p1-t1 2021 --status on_track --percent 40 --note 'Ghi chú <b>không</b> phải HTML' >/dev/null
"$P" -C km progress set p1-t2 2021 --status done --percent 100 >/dev/null
"$P" -C km progress set p2-t6 2021 --status at_risk --percent 20 >/dev/null
"$P" -C bg progress set p2-t7 2021 --status delayed --percent 30 >/dev/null
"$P" -C bg progress set p1-t1 2021 --status on_track --percent 70 >/dev/null
for d in km bg; do sync_ok "$d"; done
sync_ok tinh
"$P" -C tinh review return tx-kinh-mon p1-t1 2021 --comment "Thiếu số liệu quý IV" >/dev/null || bad "review return"
"$P" -C tinh review accept tx-kinh-mon p1-t2 2021 >/dev/null || bad "review accept"
"$P" -C tinh review accept binh-giang p1-t1 2021 >/dev/null || bad "review accept bg"
sync_ok tinh
sync_ok km
"$P" -C km progress set p1-t2 2021 --note "sửa sau khi duyệt" >/dev/null
sync_ok km
sync_ok tinh

out=$("$P" -C tinh report html -o "$T/site" --period 2021 --date 2026-06-01) && ok "report html: $out" || bad "report html failed"
grep -q "$T/site/index.html" <<<"$out" && ok "it says where to open it" || bad "no path in: $out"
[ -f site/index.html ] && [ -f site/office-tx-kinh-mon.html ] && ok "index.html and office pages" || bad "site files"
ls -a . | grep -q '\.site\.tmp' && bad "a temporary directory was left" || ok "no temporary directory left"
grep -l '<script' site/*.html && bad "a page holds a script" || ok "no script in any page"
grep -hoE '(src|href)="[a-z]+://[^"]*"' site/*.html | grep -q . && bad "a page loads from the network" ||
	ok "nothing loaded from the network"
"$P" -C tinh report coverage --period 2021 --json >cov.json
"$P" -C tinh report programs --json >prog.json
"$P" -C tinh report targets --date 2026-06-01 --json >tg.json
"$P" -C tinh report office tx-kinh-mon --period 2021 --json >km.json

if python3 "$SRC/tests/e2e/cdp.py" "$CHROMIUM" "$T/profile" "$ART/report_html.png" "file://$T/site/index.html" \
	"file://$T/site/office-tx-kinh-mon.html" "file://$T/site/office-binh-giang.html" >pages.json 2>cdp.err; then
	ok "chromium opened the dashboard (JavaScript disabled)"
else
	bad "chromium: $(cat cdp.err)"
fi
[ "$(head -c 8 "$ART/report_html.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	ok "screenshot saved: $ART/report_html.png" || bad "no screenshot"

cat >dom.py <<'EOF'
import json, sys
from html.parser import HTMLParser

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids, self.text = tag, dict(attrs), parent, [], ""
    def all(self):
        yield self
        for k in self.kids:
            yield from k.all()
    def find(self, tag=None, **want):
        for n in self.all():
            if (tag is None or n.tag == tag) and all(n.attrs.get(k.replace("_", "-")) == v for k, v in want.items()):
                yield n
    def words(self):
        return self.text + "".join(k.words() for k in self.kids)

VOID = {"meta", "br", "img", "link", "input", "hr", "line", "rect"}
class Tree(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.root = self.cur = Node("#root", {}, None)
        self.feed(html)
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent
    def handle_data(self, data):
        self.cur.text += data

pages = json.load(open("pages.json"))["pages"]
index, km, bg = (Tree(p["html"]).root for p in pages)
for p in pages:
    assert not p["errors"], (p["url"], p["errors"])
def num(n):
    t = n.words().strip()
    return int(t) if t else None
EOF
check() { # NAME PYTHON
	local out
	if out=$(python3 -c "exec(open('dom.py').read())
$2" 2>&1); then ok "$1"; else bad "$1: $out"; fi
}
check "no console errors, no failed loads" 'pass'
check "every section of the index is there" '
for sid in ("coverage", "programs", "late-targets", "offices", "sync"):
    assert list(index.find(id=sid)), sid
assert "Tình hình báo cáo" in index.words() and "Chỉ tiêu trễ hạn" in index.words()
assert list(index.find("svg")), "no chart"
'
check "coverage numbers on the page equal --json" '
cov = json.load(open("cov.json"))
table = next(index.find("table", **{"class": "totals"}))
for o in cov["offices"]:
    row = next(table.find("tr", data_office=o["office"]))
    cells = {c.attrs["data-n"]: num(c) for c in row.find("td") if "data-n" in c.attrs}
    for k in ("reported", "missing", "returned", "accepted", "changed_since_accepted", "late"):
        assert cells[k] == o[k], (o["office"], k, cells[k], o[k])
    for t in o["tasks"]:
        cell = next(index.find("td", data_office=o["office"], data_task=t["task"]))
        assert cell.attrs["data-state"] == t["state"], (o["office"], t["task"])
km_ = [o for o in cov["offices"] if o["office"] == "tx-kinh-mon"][0]
assert km_["returned"] == 1 and km_["changed_since_accepted"] == 1, km_
'
check "program charts and table equal --json" '
prog = json.load(open("prog.json"))
for r in prog["rows"]:
    row = next(index.find("tr", data_program=r["program"], data_office=r["office"]))
    cells = {c.attrs["data-n"]: num(c) for c in row.find("td") if "data-n" in c.attrs}
    assert cells["percent"] == r["percent"] and cells["reported"] == r["reported"], (r, cells)
    bar = next(index.find("g", data_program=r["program"], data_office=r["office"]))
    assert int(bar.attrs["data-percent"]) == (-1 if r["percent"] is None else r["percent"]), r
    if r["percent"] is not None:
        label = list(bar.find("text"))[-1].words().strip()
        assert label == "%d%%" % r["percent"], label
'
check "late targets equal --json" '
tg = json.load(open("tg.json"))
sec = next(index.find("section", id="late-targets"))
assert num(next(sec.find("span", data_n="late"))) == tg["counts"]["late"]
rows = [n.attrs["data-target"] for n in sec.find("tr") if "data-target" in n.attrs]
assert rows == [t["target"] for t in tg["targets"] if t["verdict"] == "late"] and rows, rows
'
check "an office sheet and its history with review decisions" '
sheet = json.load(open("km.json"))
sec = next(km.find("section", id="sheet-tx-kinh-mon"))
for t in sheet["tasks"]:
    row = next(sec.find("tr", data_task=t["task"]))
    assert row.attrs["data-state"] == t["state"], t["task"]
assert num(next(sec.find("span", data_n="reported"))) == sheet["reported"]
hist = next(km.find("section", id="history"))
words = hist.words()
assert "Thiếu số liệu quý IV" in words and "Ý kiến của tỉnh" in words, "no review decision in the history"
assert "returned" in words and "accepted" in words, "decisions missing"
assert "sửa sau khi duyệt" in words, "the change after acceptance is missing"
assert "Ghi chú <b>không</b> phải HTML" in sec.words(), "a note was not shown as text"
assert list(bg.find("section", id="sheet-binh-giang"))
'
check "print styles and Vietnamese labels" '
html = pages[0]["html"]
assert "@media print" in html and "lang=\"vi\"" in html
'

# Bad -o: a file, an unwritable place, a directory of other files: a
# clear message, exit 3, nothing written.
echo keep >afile
expect_fail 3 "is a file" "$P" -C tinh report html -o "$T/afile"
[ "$(cat afile)" = keep ] && ok "the file is untouched" || bad "the file changed"
expect_fail 3 "cannot write in /proc" "$P" -C tinh report html -o /proc/plansync-site
mkdir other && echo mine >other/notes.txt
expect_fail 3 "holds other files" "$P" -C tinh report html -o "$T/other"
[ "$(ls other)" = notes.txt ] && ok "a directory of other files is untouched" || bad "other/ changed: $(ls other)"
expect_fail 2 "-o DIR is required" "$P" -C tinh report html
expect_fail 3 "unknown period" "$P" -C tinh report html -o "$T/s2" --period 1999
[ ! -e s2 ] && ok "nothing written for an unknown period" || bad "s2 written"
"$P" -C tinh report html -o "$T/site" >/dev/null && [ -f site/index.html ] && ok "a dashboard is replaced by a new one" ||
	bad "rewrite over the dashboard"
ls -a . | grep -q '\.tmp-' && bad "temporary directories left: $(ls -a)" || ok "no temporary directory left"

# Writing over an earlier dashboard replaces only the pages its marker
# lists: an office's own files and folders beside it stay, a page it no
# longer writes goes, a name in the marker that is no page of ours stays.
# A failure leaves the directory byte for byte as it was, nothing hidden.
echo scan >site/bao-cao-da-ky.pdf && mkdir site/anh && echo photo >site/anh/1.jpg
echo old >site/office-gone.html && echo "office-gone.html" >>site/.plansync-dashboard
echo "bao-cao-da-ky.pdf" >>site/.plansync-dashboard
"$P" -C tinh report html -o "$T/site" >/dev/null || bad "rewrite beside an office's files"
[ "$(cat site/bao-cao-da-ky.pdf site/anh/1.jpg)" = "$(printf 'scan\nphoto')" ] &&
	ok "the office's file and folder beside the dashboard are kept" || bad "site/ now: $(ls -A site)"
[ ! -e site/office-gone.html ] && ok "a page the dashboard no longer writes is removed" || bad "office-gone.html kept"
diff <(sed 1d site/.plansync-dashboard | sort) <(cd site && ls index.html office-*.html | sort) >/dev/null &&
	ok "the marker lists exactly the pages written" || bad "marker: $(cat site/.plansync-dashboard)"
sums() { (cd "$1" && find . -type f | sort | xargs sha256sum); }
before=$(sums site)
expect_fail 3 "unknown period" "$P" -C tinh report html -o "$T/site" --period 1999
[ "$(sums site)" = "$before" ] && ok "a failed rewrite leaves the dashboard as it was" || bad "site/ changed on failure"
ls -A site . | grep -q '^\.plansync-tmp\|\.tmp-\|\.old-' && bad "hidden leftovers: $(ls -A site .)" ||
	ok "no hidden leftovers after a failure"

# -o through a symbolic link: the pages go where it points, the link stays;
# a link to nothing is refused. A path through "..": written there, and on
# an error (its parent missing) nothing is left anywhere.
mkdir -p media && ln -s media/usb2 baocao && "$P" -C tinh report html -o "$T/media/usb2" >/dev/null
echo scan >media/usb2/own.pdf
"$P" -C tinh report html -o "$T/baocao" >/dev/null && [ -L baocao ] && [ -f media/usb2/index.html ] &&
	[ -f media/usb2/own.pdf ] && ok "-o a link writes into the directory it names, link and files kept" ||
	bad "through a link: $(ls -lA . media/usb2)"
ln -s nowhere dangling
expect_fail 3 "link to a directory that does not exist" "$P" -C tinh report html -o "$T/dangling"
[ -L dangling ] && [ ! -e nowhere ] && ok "a link to nothing is left alone" || bad "dangling link changed"
mkdir rw
expect_fail 3 "cannot write in" "$P" -C tinh report html -o "$T/rw/sub/../sub"
[ -z "$(ls -A rw)" ] && ok "rw/sub/../sub with no rw/sub: nothing left in rw" || bad "rw/ now: $(ls -A rw)"
mkdir rw/sub && "$P" -C tinh report html -o "$T/rw/sub/../sub" >/dev/null &&
	"$P" -C tinh report html -o "$T/rw/sub/../sub" >/dev/null && [ "$(ls -A rw)" = sub ] &&
	[ -f rw/sub/index.html ] && ok "rw/sub/../sub written twice, nothing beside it" || bad "rw/ now: $(ls -A rw)"
finish
