#!/bin/bash
# "A change met in two versions ... every replica keeps the same version
# whatever order it read them in: the oldest listing on the branch of the
# replica that wrote it, as that branch is now; when that branch does not
# hold it, the version with the smaller blob id." The import skips a merge
# commit ("merge commit: a replica branch is a straight line; skipped"),
# but writer_version (lib/repo_branch.c) reads every commit of the walk,
# merges too, so the copy in a skipped merge commit decides. The writer's
# branch binh-giang-c: two roots, a merge of them listing change Z at 50 %
# (skipped), then a commit listing Z at 40 % (applied); a stray branch of
# the office (binh-giang-b) lists Z at 60 %. Neither applied version is
# "the writer's version", so whichever a replica read first stays: a
# district that read the writer's branch first keeps 40 %, replicas that
# read the stray branch first keep 60 %, for good.
# Expected: every replica ends with the same data.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, parents, pct, ms = sys.argv[1:5]
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
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
ps = [] if parents == "-" else sum((["-p", p] for p in parents.split(",")), [])
print(git("commit-tree", root, "-m", "batch " + ms, *ps, *([__import__("os").environ["GIT_SIGN"]] if __import__("os").environ.get("GIT_SIGN") else [])))
PY
prov
crafter binh-giang-c binh-giang-b binh-giang-z # crafted branches are signed by an enrolled key: what is judged is their content
W=refs/heads/replicas/binh-giang/binh-giang-c; S=refs/heads/replicas/binh-giang/binh-giang-b
M=1700000000000
A=$(python3 mk.py remote.git - 5 1700000001000) && B=$(python3 mk.py remote.git - 6 1700000002000) &&
  MG=$(python3 mk.py remote.git "$A,$B" 50 $M) && C2=$(python3 mk.py remote.git "$MG" 40 $M) || exit 2
git -C remote.git update-ref $W "$C2"
# a district reads the writer's branch alone: 40 % (the merge's copy skipped)
dist d1 tu-ky a 2>/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 problems 2>/dev/null | grep -q "merge commit" || exit 2
S1=$(python3 mk.py remote.git - 60 $M) || exit 2
git -C remote.git update-ref $S "$S1"
# the province reads both in one sync (the stray branch first, by name)
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; done
dist d2 ninh-giang c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d1); c=$(pc d2)
echo "change on binh-giang-c (50 % in a skipped merge commit, then 40 %) and binh-giang-b (60 %): province ${a:-nothing}%, district that read the writer first ${b:-nothing}%, new replica ${c:-nothing}%"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] || fail "replicas keep different versions of one change: ${a:-nothing}% / ${b:-nothing}% / ${c:-nothing}%"
exit 0
