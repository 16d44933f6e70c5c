#!/bin/bash
# Design: a rewritten branch's new commits are read and "a change it
# rewrote counts in its current version, the rule a new replica follows
# anyway"; rebuild "recomputes every derived table from the stored changes
# ... then reads every fetched branch again"; nothing is lost or
# half-written across kill -9 at any instant. The rewrite rule hangs on the
# branch's last imported head, which rebuild forgets: a province killed
# after a fetch brought a rewritten branch (X 10 % -> 30 %) and rebuilt
# before its next sync reads the rewrite as a new branch, refuses the new X
# as "already known with different content" and keeps 10 %; without the
# rebuild it takes 30 %, as a new replica does.
# The same without a kill: a copy of the province (cp -a) taken before the
# rewrite forks and rebuilds at its first sync, and keeps 10 % too.
# Expected: after the rebuild and a sync, the province, and the copy, agree
# with a new replica.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, parent, pct = sys.argv[1:4]
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
rep = "binh-giang-c"; hx = "%016x" % (1700000000000 << 16); cid = hx + "-" + rep; h = fnv(cid)
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/p1-t1/2021", "op": "set", "base": [], "fields": {"percent": int(pct)}}
t = tree([("100644", cid + ".json", blob((json.dumps(d, indent=2) + "\n").encode()))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else []), *([__import__("os").environ["GIT_SIGN"]] if __import__("os").environ.get("GIT_SIGN") else [])))
PY

prov
crafter binh-giang-c binh-giang-b binh-giang-z # crafted branches are signed by an enrolled key: what is judged is their content
B=refs/heads/replicas/binh-giang/binh-giang-c
C1=$(python3 mk.py remote.git - 10) || exit 2
git -C remote.git update-ref $B "$C1"
"$P" -C tinh sync >/dev/null 2>&1
cp -a tinh tinh2
# force-pushed: the same change id at 30 %
D1=$(python3 mk.py remote.git - 30) || exit 2
git -C remote.git update-ref $B "$D1"
PLANSYNC_KILL_AT=fetch:after "$P" -C tinh sync >/dev/null 2>&1
[ "$(git -C tinh/repo.git rev-parse refs/remotes/origin/replicas/binh-giang/binh-giang-c 2>/dev/null)" = "$D1" ] ||
  [ "$(git -C tinh/repo.git for-each-ref --format='%(objectname)' | grep -c "$D1")" -gt 0 ] || { echo "the killed sync did not fetch the rewrite"; exit 2; }
"$P" -C tinh rebuild >/dev/null 2>&1 || fail "rebuild failed"
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh2 sync >/dev/null 2>&1; done
dist d2 tu-ky c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
"$P" -C tinh2 sync >/dev/null 2>&1 # the registry now names d2's key (enrolled after tinh2's last sync)
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d2); c=$(pc tinh2)
echo "after kill, rebuild and sync: province shows ${a}%, new replica ${b}%; the province's copy (cp -a) ${c}%"
"$P" -C tinh dump > t.json 2>/dev/null; "$P" -C d2 dump > d.json 2>/dev/null
cmp -s t.json d.json || fail "a rebuild between a fetch and its import forgets that the branch was rewritten: province ${a}%, new replica ${b}%"
"$P" -C tinh2 dump > c.json 2>/dev/null
cmp -s c.json d.json || fail "a copy that rebuilds at its first sync forgets that a branch was rewritten: copy ${c}%, new replica ${b}%"
exit 0
