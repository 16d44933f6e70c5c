#!/bin/bash
# Design: "a branch may carry changes of another replica of its own office"
# and an id seen before with other bytes is refused ("What a reader never
# trusts"); "a change it rewrote counts in its current version" is for a
# rewritten branch's own history. The import applies it to any change the
# rewritten branch lists: a stray branch of the same office (binh-giang-z)
# that the province has read once, force-pushed to a commit listing the
# district's own report (binh-giang-a's change, same id) with other bytes,
# makes the province replace the district's delivered report with the forged
# one (99 % instead of 10 %), though the district's branch still holds 10 %;
# the district and a new replica keep 10 %.
# Expected: the province keeps the district's 10 % (and all replicas agree).
. "$(dirname "$0")/common.sh"
cat > forge.py <<'PY'
import json, subprocess, sys, unicodedata
repo, branch, pct = sys.argv[1:4]
def git(*a, data=None):
    return subprocess.run(["git", "-C", repo] + list(a), input=data, capture_output=True, check=True).stdout.strip().decode()
FMT = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
ls = git("ls-tree", "-r", branch).splitlines()
path = [l.split("\t")[1] for l in ls if l.split("\t")[1].startswith("changes/")][0]
d = json.loads(git("cat-file", "blob", branch + ":" + path))
if pct != "same":
    d["fields"]["percent"] = int(pct)
body = unicodedata.normalize("NFC", json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()
b = git("hash-object", "-w", "--stdin", data=body)
def tree(ents):
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                   for m, n, s in sorted(ents, key=lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")))
    return git("hash-object", "-w", "-t", "tree", "--stdin", data=raw)
parts = path.split("/")
t = tree([("100644", parts[-1], b)])
for p in reversed(parts[1:-1]):
    t = tree([("40000", p, t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", git("hash-object", "-w", "--stdin", data=FMT))])
print(git("commit-tree", root, "-m", "batch"))
PY
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
A=refs/heads/replicas/binh-giang/binh-giang-a; Z=refs/heads/replicas/binh-giang/binh-giang-z
# a stray branch of the office carries the district's change as it is (allowed) ...
Z1=$(python3 forge.py remote.git $A same) || exit 2
git -C remote.git update-ref $Z "$Z1"
"$P" -C tinh sync >/dev/null 2>&1
# ... then is force-pushed with that change altered
Z2=$(python3 forge.py remote.git $A 99) || exit 2
git -C remote.git update-ref $Z "$Z2"
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; done
dist d2 tu-ky c 2>/dev/null; "$P" -C d2 sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); b=$(pc d1); c=$(pc d2)
echo "district binh-giang-a's report: province shows ${a}%, the district ${b}%, a new replica ${c}%"
echo "district's branch holds: $(git -C remote.git show $A:$(git -C remote.git ls-tree -r --name-only $A | grep changes/) | grep percent)"
[ "$a" = 10 ] || fail "a stray same-office branch, rewritten, replaced the district's delivered report at the province (${a}% instead of 10%)"
exit 0
