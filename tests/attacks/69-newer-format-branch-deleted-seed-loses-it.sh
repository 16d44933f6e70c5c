#!/bin/bash
# Branch format 2: a branch written in a newer format is read up to its
# parent and reported "this repository needs plansync >= X ... (nothing is
# lost: its changes are read once it can)". Design: a deleted branch is
# reported, its changes stay, and its last head stays named in
# refs/plansync/kept/... so remote seed sends it again. For a branch that
# stopped at a newer-format commit, the kept ref names only the last commit
# read (its head in SQLite), not the last one fetched: after the branch is
# deleted on the remote and a new repository is seeded, the newer-format
# commit and every commit after it are gone; once every replica upgrades
# nobody holds them. (When the newer format starts at the branch's root, the
# deletion is not even reported and nothing is kept.)
# Expected: the kept ref and the seeded branch reach the last fetched tip.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, parent, fmt, rec, pct, ms = sys.argv[1:7]
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
rep = "binh-giang-c"; hx = "%016x" % (int(ms) << 16); cid = hx + "-" + rep; h = fnv(cid)
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": rec, "op": "set", "base": [], "fields": {"percent": int(pct)}}
t = tree([("100644", cid + ".json", blob((json.dumps(d, indent=2) + "\n").encode()))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(open(fmt, "rb").read()))])
print(git("commit-tree", root, "-m", "batch", *(["-p", parent] if parent != "-" else [])))
PY
printf '{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n' > f2
printf '{"format": 7, "needs": "0.9.1"}\n' > f7
prov
B=refs/heads/replicas/binh-giang/binh-giang-c
C1=$(python3 mk.py remote.git - f2 progress/binh-giang/p1-t1/2021 10 1700000000000) || exit 2
C2=$(python3 mk.py remote.git "$C1" f7 progress/binh-giang/p1-t2/2021 20 1700000001000) || exit 2
C3=$(python3 mk.py remote.git "$C2" f2 progress/binh-giang/p1-t3/2021 30 1700000002000) || exit 2
git -C remote.git update-ref $B "$C3"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh problems 2>/dev/null | grep -q 'needs plansync' || { echo "newer format not reported"; exit 2; }
# the branch is deleted on the shared repository, which is then replaced
git -C remote.git update-ref -d $B
"$P" -C tinh sync >/dev/null 2>&1
kept=$(git -C tinh/repo.git rev-parse -q --verify refs/plansync/kept/replicas/binh-giang/binh-giang-c)
git init -q --bare new.git; "$P" -C tinh remote seed "$T/new.git" >/dev/null 2>&1
seeded=$(git -C new.git rev-parse -q --verify $B)
echo "fetched tip $C3; kept ${kept:-none}; seeded ${seeded:-none} (C1 is $C1)"
[ "$kept" = "$C3" ] || fail "the deleted branch is kept only up to the last commit read (${kept:-none}), not its fetched tip: the newer-format commits are dropped"
[ "$seeded" = "$C3" ] || fail "seed sends the branch only up to ${seeded:-none}"
exit 0
