#!/bin/bash
# Issue 11 (revocation: "everything after it is refused by all readers
# alike"; the README: a key the province revoked "counts nowhere after its
# revocation"). One person's key serves two PCs of an office: the office's
# second replica binh-giang-b was made with 'init --key' of the same key
# (offline, as the gitolite set-up has it, so init cannot see the registry:
# attack 162), and the province approves the key.pub it is sent with 'keys
# approve binh-giang-b --key key.pub', exit 0, not a word that this key is
# already enrolled as binh-giang-a. Laptop A is stolen: 'keys revoke
# binh-giang-a' says "revoked the key SHA256:...". The thief signs a commit
# with that key (stock git, gpg.format=ssh) on binh-giang-b's branch, a
# progress report of 88%: the province (and every reader) applies it with no
# problem listed.
# Expected: the revoked key writes nothing anywhere after its revocation (or
# the approval refused the key enrolled for another replica, naming it).
# Actual: the thief's 88% is shown as binh-giang's progress.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
if "$P" -C tinh keys approve binh-giang-b --key d1/key.pub; then
  "$P" -C tinh sync >/dev/null 2>&1
else
  echo "held: the key enrolled as binh-giang-a is not enrolled again"; exit 0
fi
"$P" -C tinh keys revoke binh-giang-a || fail "revoke"
"$P" -C tinh sync >/dev/null 2>&1
# the thief, with laptop A's key file, writes on binh-giang-b's branch
B=refs/heads/replicas/binh-giang/binh-giang-a
mkdir w && git -C w init -q || fail "git init"
git -C remote.git show $B:plansync.json > w/plansync.json || fail "setup: plansync.json"
hlc=$(printf '%012x0000' "$(date +%s%3N)"); id=$hlc-binh-giang-b
pth=$(python3 -c 'import sys
h=2166136261
for c in sys.argv[1].encode(): h=((h^c)*16777619)&0xffffffff
print("%02x/%02x"%(h>>24,(h>>16)&0xff))' "$id")
mkdir -p "w/changes/binh-giang/$pth"
cat > "w/changes/binh-giang/$pth/$id.json" <<J
{
  "format": 1,
  "id": "$id",
  "office": "binh-giang",
  "replica": "binh-giang-b",
  "author": "thief",
  "hlc": "$hlc",
  "record": "progress/binh-giang/p1-t5/2021",
  "op": "set",
  "base": [],
  "fields": {
    "percent": 88,
    "reporter": "thief"
  }
}
J
git -C w add -A; sign_as "$T/d1"; git -C w commit -q -S -m "binh-giang: progress" || fail "commit"; unsign
git -C w push -q "$T/remote.git" HEAD:refs/heads/replicas/binh-giang/binh-giang-b || fail "push"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep p1-t5
"$P" -C tinh problems | tail -2
"$P" -C tinh progress show | grep -q 'p1-t5 .* 88 ' &&
  fail "a commit signed by the key revoked as binh-giang-a after its revocation applies on binh-giang-b's branch"
exit 0
