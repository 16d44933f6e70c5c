#!/bin/bash
# A directory remote's fetch walks each branch and lists the objects the
# replica lacks; a file entry's object is listed as a file and, when it is
# not a blob of at most 64 KiB, left out at copy time ("the import
# quarantines the entry that names it"). But the listing also marks the
# object as seen, so a later branch whose walk meets the same object (its
# own tip commit, or a tree) takes it as listed and copies nothing: a
# hostile branch that sorts first (binh-giang-0) with one file entry naming
# the district binh-giang-a's tip commit makes every replica that fetches
# both in one go (a new replica's init --remote, the province) leave the
# district's branch out: "branch could not be fetched ... target OID ...
# doesn't exist", blamed on the district, and its report is missing.
# Expected: the hostile entry is quarantined on binh-giang-0 and the
# district's branch applies (its 10 % shows at once, nothing blamed on it).
. "$(dirname "$0")/common.sh"
cat > t.py <<'PY'
import subprocess, sys
repo, target = sys.argv[1:3]
def git(*a, data=None):
    return subprocess.run(["git", "-C", repo] + list(a), input=data, capture_output=True, check=True).stdout.strip().decode()
def tree(ents):
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                   for m, n, s in sorted(ents, key=lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")))
    return git("hash-object", "--literally", "-w", "-t", "tree", "--stdin", data=raw)
FMT = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
t = tree([("100644", "0000000000000000-binh-giang-0.json", target)])
t = tree([("40000", "00", t)]); t = tree([("40000", "00", t)]); t = tree([("40000", "binh-giang", t)])
root = tree([("40000", "changes", t), ("100644", "plansync.json", git("hash-object", "-w", "--stdin", data=FMT))])
print(git("commit-tree", root, "-m", "batch", *([__import__("os").environ["GIT_SIGN"]] if __import__("os").environ.get("GIT_SIGN") else [])))
PY
prov
crafter binh-giang-0 # crafted branches are signed by an enrolled key: what is judged is their content
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
TIP=$(git -C remote.git rev-parse refs/heads/replicas/binh-giang/binh-giang-a) || exit 2
H=$(python3 t.py remote.git "$TIP") || exit 2
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-0 "$H"
"$P" init d2 --office tu-ky --replica c --remote "$T/remote.git" --trust "$(province_pin)" --user U >/dev/null 2>&1 || fail "init --remote failed"
"$P" -C tinh sync >/dev/null 2>&1
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p'; }
a=$(pc tinh); c=$(pc d2)
blame=$("$P" -C d2 problems 2>/dev/null | grep -c 'binh-giang-a ')
echo "district's 10 % after one fetch beside the hostile branch: province ${a:-nothing}, new replica ${c:-nothing}; problems blamed on the district's branch: $blame"
"$P" -C d2 problems 2>/dev/null | grep 'binh-giang-a ' | cut -c1-220
[ "$a" = 10 ] && [ "$c" = 10 ] && [ "$blame" = 0 ] || fail "a hostile branch's file entry naming another branch's commit keeps that good branch out of the fetch (blamed on it)"
exit 0
