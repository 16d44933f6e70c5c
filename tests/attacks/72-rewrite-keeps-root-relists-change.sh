#!/bin/bash
# Design "History that changes under us": a rewritten branch's new commits
# are read, and a change it rewrote counts in its current version, "the
# rule a new replica follows anyway"; format 2's reader rule: a later commit
# that lists an earlier change's path with other bytes is the "known with
# other bytes" alarm and the first version counts. A rewrite that keeps the
# branch's first commit (X at 10 %) and replaces the second with one that
# lists X again at 30 % sets the two rules against each other: the province,
# which had read the old history, takes the rewrite's X (30 %); a replica
# created after the rewrite reads the kept first commit, then refuses the
# re-listed X and keeps 10 %. Attack 71 rewrote from the root only.
# Expected: the province and a replica created after the rewrite agree.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, parent = sys.argv[1:3]
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
rep = "binh-giang-c"
def nest(ents, path):
    for part in reversed(path):
        ents = [("40000", part, tree(ents))]
    return ents
byh = {}
for spec in sys.argv[3:]:
    task, ms, pct = spec.split(":")
    hx = "%016x" % (int(ms) << 16); cid = hx + "-" + rep; h = fnv(cid)
    d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
         "record": "progress/binh-giang/%s/2021" % task, "op": "set", "base": [], "fields": {"percent": int(pct)}}
    byh.setdefault(("%02x" % (h >> 24), "%02x" % ((h >> 16) & 0xff)), []).append(
        ("100644", cid + ".json", blob((json.dumps(d, indent=2) + "\n").encode())))
h1 = {}
for (a, b), ents in byh.items():
    h1.setdefault(a, []).append(("40000", b, tree(ents)))
t = tree([("40000", "binh-giang", tree([("40000", a, tree(e)) for a, e in h1.items()]))])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else [])))
PY
prov
B=refs/heads/replicas/binh-giang/binh-giang-c
# the old history: X (task p1-t1) at 10 %, then Y (task p1-t2) at 15 %
C1=$(python3 mk.py remote.git - p1-t1:1700000000000:10) && C2=$(python3 mk.py remote.git "$C1" p1-t2:1700000001000:15) || exit 2
git -C remote.git update-ref $B "$C2"
"$P" -C tinh sync >/dev/null 2>&1
# force-pushed: C1 kept, C2 replaced by a commit that lists Y as it was and
# X again at 30 %
D2=$(python3 mk.py remote.git "$C1" p1-t2:1700000001000:15 p1-t1:1700000000000:30) || exit 2
git -C remote.git update-ref $B "$D2"
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; done
dist d2 tu-ky c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
x() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(x tinh); b=$(x d2)
echo "X after the rewrite: province (read the old history) holds ${a}%, new replica holds ${b}%"
"$P" -C tinh dump > t.json 2>/dev/null; "$P" -C d2 dump > d.json 2>/dev/null
cmp -s t.json d.json || fail "a rewrite that keeps the first commit and lists its change again leaves replicas apart: province X=${a}%, new replica X=${b}%"
exit 0
