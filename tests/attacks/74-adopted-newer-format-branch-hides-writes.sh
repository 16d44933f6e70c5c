#!/bin/bash
# Branch format 2: a commit whose format file names a newer format is read
# up to its parent and reported "this repository needs plansync >= X"; its
# changes and everything after it wait for an upgrade. A replica that finds
# its own id's branch already on the remote, not built on its exports (the
# re-created case), adopts it: "continues from its tip, and exports local
# writes on top". It does so even when that tip is a commit in a newer format
# (here one stray root commit pushed before the district first synced): the
# district writes its format-2 commits after the newer commit, where no
# reader of its own version reads on, says the sync went fine, and its
# reports never reach the province. (A format-1 tip makes it continue on a
# new branch instead.)
# Expected: the district's report reaches the province.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import subprocess, sys
repo = sys.argv[1]
def git(*a, data=None):
    return subprocess.run(["git", "-C", repo] + list(a), input=data, capture_output=True, check=True).stdout.strip().decode()
def blob(d): return git("hash-object", "-w", "--stdin", data=d)
def tree(ents):
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                   for m, n, s in sorted(ents, key=lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")))
    return git("hash-object", "-w", "-t", "tree", "--stdin", data=raw)
FMT = b'{\n  "format": 3,\n  "layout": "something newer",\n  "needs": "0.3.0"\n}\n'
print(git("commit-tree", tree([("100644", "plansync.json", blob(FMT))]), "-m", "written by a later plansync"))
PY
prov
C=$(python3 mk.py remote.git) || exit 2
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-a "$C"
dist d1 binh-giang a || exit 2
"$P" -C d1 progress set p1-t1 2021 --percent 55 >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1; r1=$?
"$P" -C d1 sync >/dev/null 2>&1; r2=$?
"$P" -C tinh sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
echo "district syncs: rc=$r1, $r2; district shows ${a:=$(pc d1)}%; province shows $(pc tinh)%"
echo "district's branch on the remote:"; git -C remote.git log --format='  %h %s' refs/heads/replicas/binh-giang/binh-giang-a
b=$(pc tinh)
[ "${b:-}" = 55 ] || fail "the district's report (55 %) never reaches the province: its branch continues after a newer-format commit (province shows ${b:-nothing}%)"
exit 0
