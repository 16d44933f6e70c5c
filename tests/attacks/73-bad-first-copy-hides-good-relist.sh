#!/bin/bash
# Branch format 2, the reader's rule: a later commit that lists an earlier
# change's path with other bytes is the "known with other bytes" alarm; the
# first version counts "as it does for a replica that read the two commits
# in two syncs". But when the first copy was never read as a change (not
# canonical JSON: quarantined), a replica that reads the two commits in two
# syncs quarantines the first and then applies the second, valid one (its id
# is not known), while a replica that reads both in one sync drops the second
# as "listed again with other bytes" and never applies it.
# Expected: every replica ends with the same data (dumps equal).
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, parent, pct, bad = sys.argv[1:5]
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
# bad=1: the same change in four-space indentation (not canonical: refused)
body = (json.dumps(d, indent=4 if bad == "1" else 2) + "\n").encode()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else [])))
PY
prov
B=refs/heads/replicas/binh-giang/binh-giang-c
C1=$(python3 mk.py remote.git - 40 1) || exit 2
git -C remote.git update-ref $B "$C1"
"$P" -C tinh sync >/dev/null 2>&1
C2=$(python3 mk.py remote.git "$C1" 40 0) || exit 2
git -C remote.git update-ref $B "$C2"
"$P" -C tinh sync >/dev/null 2>&1
dist d2 tu-ky c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d2)
echo "p1-t1: province (two syncs) shows ${a:-nothing}%, new replica (one sync) shows ${b:-nothing}%"
"$P" -C tinh dump > t.json 2>/dev/null; "$P" -C d2 dump > d.json 2>/dev/null
cmp -s t.json d.json || fail "a valid change listed again after a refused copy applies in two syncs but not in one: province ${a:-nothing}%, new replica ${b:-nothing}%"
exit 0
