#!/bin/bash
# "Signed commits in Git's own format ... so git verify-commit and git log
# --show-signature verify it"; "stock git verifies the same signatures"
# (issue 11). Git leaves every header line that starts with "gpgsig" (and
# its continuation lines) out of the bytes a signature covers (commit.c
# parse_buffer_signed_by_header: starts_with(line, "gpgsig")); plansync
# (lib/repo_sign.c split) leaves out only "gpgsig " and "gpgsig-sha256 ".
# A commit with a header "gpgsigx ..." signed over all its other bytes is
# accepted by every plansync reader and by plansync audit, while git
# verify-commit with the allowed-signers file plansync prints says the
# signature is bad: the inspector's stock git and plansync disagree on the
# same history. (And the reverse: the same commit signed as git computes
# it verifies in git and is refused by plansync.)
# Expected: plansync and git verify-commit give the same verdict.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, pct, ms = sys.argv[1:4]
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
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/p1-t1/2021", "op": "set", "base": [], "fields": {"percent": int(pct)}}
body = (json.dumps(d, indent=2) + "\n").encode()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
print(tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))]))
PY
prov
crafter binh-giang-c
unsign
dist d1 tu-ky a
TR=$(python3 mk.py remote.git 42 $(( $(date +%s) * 1000 - 60000 ))) || exit 2
# the payload: a header git leaves out of what it verifies, plansync does not
# mkc HEADER: a commit with header lines HEADER (may be empty), signed over its bytes by the crafter key
mkc() {
  printf 'tree %s\nauthor x <binh-giang-c@plansync.invalid> 1700000000 +0000\ncommitter x <binh-giang-c@plansync.invalid> 1700000000 +0000\n%s\nprogress\n' "$TR" "$1" > payload
  rm -f payload.sig; ssh-keygen -Y sign -q -n git -f crafter.key payload 2>/dev/null || exit 2
  { sed -n 1,3p payload; sed 's/^/ /; 1s/^ /gpgsig /' payload.sig; sed -n '4,$p' payload; } > commit
  git -C remote.git hash-object -t commit --literally -w --stdin < commit
}
"$P" -C tinh keys allowed-signers -o allowed_signers >/dev/null 2>&1 || exit 2
C0=$(mkc "") || exit 2 # the control: git verifies what the crafter key signs
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed_signers" verify-commit "$C0" >/dev/null 2>&1 || { echo "control commit not verified by git"; exit 2; }
C=$(mkc "gpgsigx note
") || exit 2
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-c "$C"
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed_signers" verify-commit "$C" >git.out 2>&1; grc=$?
for d in tinh d1; do "$P" -C $d sync >/dev/null 2>&1; done
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | grep -c '"percent": 42'; }
a=$(pc tinh) b=$(pc d1)
"$P" -C tinh audit >/dev/null 2>&1; arc=$?
echo "git verify-commit exit $grc ($(grep -o 'Good "git" signature\|Signature verification failed\|[Bb]ad.*signature' git.out | head -1)); applied on the province: $a, on a district: $b; plansync audit exit $arc"
if [ "$grc" -ne 0 ] && { [ "$a" != 0 ] || [ "$b" != 0 ] || [ "$arc" = 0 ]; }; then
  fail "a commit git verify-commit refuses is applied by plansync readers and passes plansync audit"
fi
[ "$grc" -eq 0 ] && [ "$a" = 0 ] && fail "git and plansync disagree"
exit 0
