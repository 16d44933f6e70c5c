#!/bin/bash
# "A change met in two versions ... every replica keeps the same version
# whatever order it read them in: the oldest listing on the branch of the
# replica that wrote it, as that branch is now; when that branch does not
# hold it, the version with the smaller blob id." Attack 81 made
# writer_version skip a copy the import refuses, but it checks only that
# the copy decodes and names the right id and office: a copy the import
# refuses for ownership ("office binh-giang may not write progress/tu-ky/...")
# still decides. The writer's branch binh-giang-c lists change Z first on a
# record of another office (refused), then valid at 40 %; a stray branch of
# the office (binh-giang-b) lists Z valid at 60 %. Neither valid version is
# "the writer's version", so whichever a replica read first stays: a
# district that read the writer's branch first keeps 40 %, replicas that
# read the stray branch first keep 60 %, for good.
# Expected: every replica ends with the same data.
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
     "record": "progress/%s/p1-t1/2021" % ("tu-ky" if bad == "1" else "binh-giang"), "op": "set", "base": [],
     "fields": {"percent": int(pct)}}
body = (json.dumps(d, indent=2) + "\n").encode()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else []), *([__import__("os").environ["GIT_SIGN"]] if __import__("os").environ.get("GIT_SIGN") else [])))
PY
prov
crafter binh-giang-c binh-giang-b binh-giang-z # crafted branches are signed by an enrolled key: what is judged is their content
W=refs/heads/replicas/binh-giang/binh-giang-c; S=refs/heads/replicas/binh-giang/binh-giang-b
C1=$(python3 mk.py remote.git - 40 1) && C2=$(python3 mk.py remote.git "$C1" 40 0) || exit 2
git -C remote.git update-ref $W "$C2"
# a district reads the writer's branch alone: 40 %
dist d1 tu-ky a 2>/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 problems 2>/dev/null | grep -q "may not write" || exit 2 # the first copy must be refused
S1=$(python3 mk.py remote.git - 60 0) || exit 2
git -C remote.git update-ref $S "$S1"
# the province reads both in one sync (the stray branch first, by name)
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; done
dist d2 ninh-giang c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d1); c=$(pc d2)
echo "change on binh-giang-c (copy on another office's record, then 40 %) and binh-giang-b (60 %): province ${a:-nothing}%, district that read the writer first ${b:-nothing}%, new replica ${c:-nothing}%"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] || fail "replicas keep different versions of one change: ${a:-nothing}% / ${b:-nothing}% / ${c:-nothing}%"
exit 0
