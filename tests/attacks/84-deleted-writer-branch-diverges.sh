#!/bin/bash
# "every replica keeps the same version whatever order it read them in: the
# oldest listing on the branch of the replica that wrote it, as that branch
# is now; when that branch does not hold it, the version with the smaller
# blob id", and "a deleted branch is reported; its changes stay". The
# writer's branch binh-giang-c lists change Z as X; the province and a
# district both read it. A stray branch of the office then lists Z as Y
# (the smaller blob id). The province reads it while the writer's branch is
# there: X stays. Then the writer's branch is deleted in the shared
# repository, and the district reads the stray branch: its tracking ref of
# the writer's branch is pruned, so "that branch does not hold it" and Y
# replaces X. Both replicas read every version and every branch; they end
# different for good (a rebuild of the province then turns it to Y).
# Expected: every replica ends with the same data.
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
task = "p1-t1" if ms == "1700000000000" else "p1-t2"
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/%s/2021" % task, "op": "set", "base": [], "fields": {"percent": int(pct)}}
body = (json.dumps(d, indent=2) + "\n").encode()
if parent == "blob": print(git("hash-object", "--stdin", data=body)); sys.exit()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else []), *([__import__("os").environ["GIT_SIGN"]] if __import__("os").environ.get("GIT_SIGN") else [])))
PY
prov
crafter binh-giang-c binh-giang-b binh-giang-z # crafted branches are signed by an enrolled key: what is judged is their content
W=refs/heads/replicas/binh-giang/binh-giang-c; S=refs/heads/replicas/binh-giang/binh-giang-z
M=1700000000000
x=40; y=60
[ "$(python3 mk.py remote.git blob $x $M)" \< "$(python3 mk.py remote.git blob $y $M)" ] && { x=60; y=40; }
git -C remote.git update-ref $W "$(python3 mk.py remote.git - $x $M)" || exit 2
dist d1 tu-ky a 2>/dev/null
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
git -C remote.git update-ref $S "$(python3 mk.py remote.git - $y $M)" || exit 2
"$P" -C tinh sync >/dev/null 2>&1
git -C remote.git update-ref -d $W || exit 2
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; done
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d1)
echo "writer's version ${x}%, stray ${y}% (smaller blob id); writer's branch deleted: province ${a:-nothing}%, district ${b:-nothing}%"
[ -n "$a" ] && [ "$a" = "$b" ] || fail "two replicas that read every version keep different ones after the writer's branch was deleted: province ${a:-nothing}%, district ${b:-nothing}%"
exit 0
