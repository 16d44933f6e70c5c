#!/bin/bash
# Design "History that changes under us": a rewritten branch's new commits
# are read and "a change it rewrote counts in its current version, the rule
# a new replica follows anyway" (so every replica ends with the same set).
# Not when the change is stamped in the future (held back until the clock
# catches up): the province holds X (30 %) from the old history; after the
# rewrite (X now 60 %) its hold keeps the old bytes, and once the time comes
# it applies 30 %, while a replica created after the rewrite holds and then
# applies 60 %.
# Expected: once the time has come, the province and the new replica agree.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, parent, pct, ms = sys.argv[1:5]
def git(*a, data=None):
    return subprocess.run(["git", "-C", repo] + list(a), input=data, capture_output=True, check=True).stdout.strip().decode()
def blob(d): return git("hash-object", "-w", "--stdin", data=d)
def fnv(s):
    h = 2166136261
    for b in s.encode(): h = ((h ^ b) * 16777619) & 0xffffffff
    return h
def tree(ents):
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                   for m, n, s in sorted(ents, key=lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")))
    return git("hash-object", "-w", "-t", "tree", "--stdin", data=raw)
FMT = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
rep = "binh-giang-c"; hx = "%016x" % (int(ms) << 16); cid = hx + "-" + rep; h = fnv(cid)
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/p1-t1/2021", "op": "set", "base": [], "fields": {"percent": int(pct)}}
t = tree([("100644", cid + ".json", blob((json.dumps(d, indent=2) + "\n").encode()))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else [])))
PY

prov
NOW=$(date +%s%3N); WHEN=$((NOW + 3600 * 1000))   # an hour ahead: beyond the allowed drift
B=refs/heads/replicas/binh-giang/binh-giang-c
C1=$(python3 mk.py remote.git - 30 $WHEN) || exit 2
git -C remote.git update-ref $B "$C1"
"$P" -C tinh sync >/dev/null 2>&1
# force-pushed: the same change id (same clock), now at 60 %
D1=$(python3 mk.py remote.git - 60 $WHEN) || exit 2
git -C remote.git update-ref $B "$D1"
"$P" -C tinh sync >/dev/null 2>&1
dist d2 tu-ky c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
# two hours later
export PLANSYNC_FAKE_NOW_MS=$((NOW + 7200 * 1000))
for r in tinh d2 tinh d2; do "$P" -C $r sync >/dev/null 2>&1; done
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d2)
echo "once the time came: province (held the old version) shows ${a:-nothing}%, new replica shows ${b:-nothing}%"
"$P" -C tinh dump > t.json 2>/dev/null; "$P" -C d2 dump > d.json 2>/dev/null
cmp -s t.json d.json || fail "a held change rewritten on its branch: province ${a:-nothing}%, new replica ${b:-nothing}%"
exit 0
