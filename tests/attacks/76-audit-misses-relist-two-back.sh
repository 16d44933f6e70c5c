#!/bin/bash
# README, "For the person who runs the Git server": the audit reads
# additions only, and "a commit that lists an earlier commit's change again
# with other bytes shows as modified (M) to Git; every replica keeps the
# first version and reports the second in plansync problems", with
#   git log --no-renames --diff-filter=M --name-only --all   # should print nothing
# In format 2 a commit is diffed against its parent's batch only: when the
# earlier change is two commits back (another batch in between), the second
# version shows as one more *addition* of the same file, the M command prints
# nothing, and the additions log lists two different files under one change
# id with nothing telling which one counts. The replicas do report it.
# Expected: the README's M command names the re-listed change.
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
# X (task p1-t1) at 10 %, then Y (task p1-t2), then X again at 30 %
C1=$(python3 mk.py remote.git - p1-t1:1700000000000:10) && C2=$(python3 mk.py remote.git "$C1" p1-t2:1700000001000:15) &&
C3=$(python3 mk.py remote.git "$C2" p1-t1:1700000000000:30) || exit 2
git -C remote.git update-ref $B "$C3"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh problems 2>/dev/null | grep -qE "known in another version|different content" || echo "(the province did not report the re-listing)"
# the README's command for change files listed twice, as printed there
README=${PLANSYNC_SRC:-$ATTACKS/../..}/README.md
grep -qF 'git log --no-renames --diff-filter=AM --name-only --all --format= -- changes/ | sort | uniq -d' "$README" ||
  fail "the README's audit command for re-listed changes changed: update this script"
m=$(git -C remote.git log --no-renames --diff-filter=AM --name-only --all --format= -- changes/ | sort | uniq -d)
n=$(git -C remote.git log --no-renames --diff-filter=A --name-only --all --format= | grep -c 018bcfe568000000-binh-giang-c)
echo "the README's re-listing command prints: '${m}'; the additions log lists X's file $n times"
[ -n "$m" ] || fail "the README's audit command for a change listed again with other bytes prints nothing; the additions log shows X added $n times"
exit 0
