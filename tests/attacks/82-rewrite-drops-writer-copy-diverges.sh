#!/bin/bash
# 82: a writer's branch rewritten without a change after a replica chose the writer's version of
# it (the branch listed it then): that replica must decide again, as a new replica that reads the
# branches only as they are now does (it once kept the writer's version for good; `rebuild` changed it).
# "every replica keeps the same version whatever order it read them in: the
# oldest listing on the branch of the replica that wrote it, as that branch
# is now; when that branch does not hold it, the version with the smaller
# blob id." The rule is applied only at the moment a second version is met.
# The writer's branch binh-giang-c lists change Z at one value (X); a stray
# branch of the office lists Z with other bytes (Y, the smaller blob id).
# The province reads both: X counts (the writer's branch holds it). Then the
# writer's branch is force-pushed without Z. By the rule Y now counts (the
# writer's branch does not hold Z; Y has the smaller blob id), and a new
# replica keeps Y; the province keeps X for good (re-reading the rewritten
# branch from its root meets no Z, nothing re-decides); `plansync rebuild`
# at the province then turns it to Y: the outcome depends on when it was
# decided.
# Expected: every replica ends with the same data.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, os, subprocess, sys
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
task = "p1-t1" if ms == "1700000000000" else "p1-t2"
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/%s/2021" % task, "op": "set", "base": [], "fields": {"percent": int(pct)}}
body = (json.dumps(d, indent=2) + "\n").encode()
if parent == "blob": print(git("hash-object", "--stdin", data=body)); sys.exit()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
sign = [os.environ["GIT_SIGN"]] if os.environ.get("GIT_SIGN") else []
print(git("commit-tree", *sign, root, "-m", "batch", *(["-p", parent] if parent != "-" else [])))
PY
prov
crafter binh-giang-c binh-giang-z
W=refs/heads/replicas/binh-giang/binh-giang-c; S=refs/heads/replicas/binh-giang/binh-giang-z
M=1700000000000
# X and Y: Y the version with the smaller blob id
x=40; y=60
[ "$(python3 mk.py remote.git blob $x $M)" \< "$(python3 mk.py remote.git blob $y $M)" ] && { x=60; y=40; }
git -C remote.git update-ref $W "$(python3 mk.py remote.git - $x $M)" || exit 2
"$P" -C tinh sync >/dev/null 2>&1
git -C remote.git update-ref $S "$(python3 mk.py remote.git - $y $M)" || exit 2
"$P" -C tinh sync >/dev/null 2>&1
# the writer's branch is force-pushed: another change, not Z
git -C remote.git update-ref $W "$(python3 mk.py remote.git - 5 1700000001000)" || exit 2
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; done
dist d2 tu-ky c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); c=$(pc d2)
echo "writer's version ${x}%, stray ${y}% (smaller blob id); writer's branch rewritten without it: province ${a:-nothing}%, new replica ${c:-nothing}%"
[ -n "$a" ] && [ "$a" = "$c" ] || fail "replicas keep different versions of one change after its writer's branch dropped it: province ${a:-nothing}%, new replica ${c:-nothing}%"
exit 0
