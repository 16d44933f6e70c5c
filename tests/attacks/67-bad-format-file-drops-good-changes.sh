#!/bin/bash
# Trust guarantee (design "What a reader never trusts"): a bad file is
# quarantined with branch, commit, path and reason; the good files beside it
# apply. Branch format 2 reads each commit's plansync.json first, and a
# commit whose format file is malformed (here {"format": "2"}) is skipped
# whole: the valid change beside it is never applied, on any replica, and
# no problem names it (only plansync.json is reported). The branch's head
# moves past the commit, so it is never read again. plansync 0.1 applied the
# good file and quarantined the format file. (The corpus case "format file
# is not" has a valid change beside it too; the suite's dump comparison does
# not show unplanned changes, so it cannot see this.)
# Expected: the valid change applies (or at least is named in problems).
. "$(dirname "$0")/common.sh"
prov
crafter binh-giang-c # the branch is signed by an enrolled key: what is judged is its format file
cat > mk.py <<'PY'
import json, subprocess, sys
repo = sys.argv[1]
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
rep = "binh-giang-c"; hx = "%016x" % (1700000000000 << 16); cid = hx + "-" + rep; h = fnv(cid)
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/p1-t2/2021", "op": "set", "base": [], "fields": {"percent": 20}}
t = tree([("100644", cid + ".json", blob((json.dumps(d, indent=2) + "\n").encode()))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", blob(b'{"format": "2"}\n'))])
import os
print(git("commit-tree", root, "-m", "one good change, a malformed format file", *([os.environ["GIT_SIGN"]] if os.environ.get("GIT_SIGN") else [])))
PY
C=$(python3 mk.py remote.git) || exit 2
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-c "$C"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh problems 2>/dev/null | grep -q 'plansync.json' || { echo "format file not quarantined"; exit 2; }
n=$("$P" -C tinh log -n 0 --json 2>/dev/null | grep -c '"id": "[0-9a-f]*-binh-giang-c"')
named=$("$P" -C tinh problems --json 2>/dev/null | grep -c '"path": "changes/')
echo "valid change beside a malformed format file: applied $n, named in problems $named"
[ "$n" -ge 1 ] || [ "$named" -ge 1 ] || fail "the good change beside a bad plansync.json is dropped silently (applied $n, named $named)"
[ "$n" -ge 1 ] || fail "the good change beside a bad plansync.json is not applied"
exit 0
