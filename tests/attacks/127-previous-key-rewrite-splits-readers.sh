#!/bin/bash
# README: "A replica that takes a new id ... or is re-created has a new
# key and asks again; the key it had before stays valid for its older
# commits"; issue 11: "a commit signed by the right key but rewriting
# history" is bad input: "nothing applied that should not be". After
# binh-giang-a's key is replaced (key moved aside, new key approved: the
# record keeps the old one in previous_keys), "older" is judged per reader
# from the branch as it reads it (sync_verify.c current_seen: has the
# current key signed a commit up to the head read last?). Whoever still
# has the old key file (an old disk, a backup) rewrites the branch: back
# to the last commit the old key signed, plus one new commit signed by the
# old key. A district that had read the new key's commit refuses it; a
# replica created afterwards reads a branch on which the new key never
# signed and applies the forged report, with no problem and a passing
# audit. The readers differ for good.
# Expected: every reader refuses the old key's new commit.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, rep, task, pct, ms = sys.argv[1:6]
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
hx = "%016x" % (int(ms) << 16); cid = hx + "-" + rep; h = fnv(cid)
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/%s/2021" % task, "op": "set", "base": [], "fields": {"percent": int(pct)}}
body = (json.dumps(d, indent=2) + "\n").encode()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
print(tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))]))
PY
prov
dist d1 binh-giang a
dist d2 tu-ky b
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
C1=$(git -C remote.git rev-parse $B)
cp d1/key oldkey; cp d1/key.pub oldkey.pub; chmod 600 oldkey
# the key is replaced: moved aside, a new one made, the province approves it
# (with the key.pub the office sends: a new key for an enrolled id, attack 144)
mkdir aside; mv d1/key d1/key.pub aside/
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh keys approve binh-giang-a --key d1/key.pub >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
for d in d1 d2; do "$P" -C $d sync >/dev/null 2>&1; done
"$P" -C d2 progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -q '"percent": 20' || { echo "setup: the new key's report not applied"; exit 2; }
# whoever has the old key: the branch back to its last commit, plus a new one
TR=$(python3 mk.py remote.git binh-giang-a p1-t3 66 $(( $(date +%s) * 1000 - 1000 ))) || exit 2
sign_as oldkey
X=$(git -C remote.git commit-tree "$TR" -p "$C1" -m "progress" $GIT_SIGN) || exit 2
unsign
git -C remote.git update-ref $B "$X"
"$P" -C d2 sync >/dev/null 2>&1
"$P" init d3 --office ninh-giang --replica c --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t3 --json 2>/dev/null | grep -c '"percent": 66'; }
a=$(pc d2) b=$(pc d3)
echo "problems on the new replica: $("$P" -C d3 problems --json 2>/dev/null | grep -c "\"reason\"")"
"$P" -C d3 audit >/dev/null 2>&1 && au="passes" || au="fails"
echo "old key's new commit on the rewritten branch: applied by the district that read the new key's commit: $a, by a replica made afterwards: $b (its audit $au)"
[ "$a" = 0 ] && [ "$b" = 0 ] || fail "a commit by the replaced key on a rewritten branch is applied by new readers and refused by old ones"
exit 0
