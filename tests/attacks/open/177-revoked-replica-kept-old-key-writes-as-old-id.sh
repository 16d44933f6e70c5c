#!/bin/bash
# Issue 11 (revocation: "everything after it is refused by all readers
# alike"; a replica that re-identifies "makes a new key and a new request")
# and the README ("makes a new key pair and keeps the old one as
# key.<old replica id>"; "the key it had before stays valid for its older
# commits"). An office's plansync.db is restored from a backup, so its
# replica continues as a new id with a new key, approved by the province; its
# old key stays in the replica directory as key.binh-giang-a and stays enrolled,
# unlimited, for binh-giang-a (the old id's record is untouched; the new
# record does not even name it). The laptop is stolen: the officer revokes the
# replica 'status' and 'keys show' name, the new id; 'keys revoke' says
# nothing of the key kept beside it. The thief signs a commit with the kept
# key.binh-giang-a (stock git, gpg.format=ssh) on top of binh-giang-a's branch,
# a report of 88%: every reader applies it, no problem listed, and 'keys
# allowed-signers' lists that key with no valid-before.
# Expected: revoking the replica cuts off every key its directory holds (or
# the old id's key counts only up to the new key's approval, as the README's
# previous_until says of "the key it had before"). Actual: the 88% applies.
. "$(dirname "$0")/../common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
cp d1/plansync.db db.bak
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
rm -f d1/plansync.db-wal d1/plansync.db-shm; cp db.bak d1/plansync.db # restored from the backup
"$P" -C d1 sync >/dev/null 2>&1
NEW=$(replica_of d1); [ -n "$NEW" ] && [ "$NEW" != binh-giang-a ] || fail "setup: no new id ($NEW)"
[ -f d1/key.binh-giang-a ] || fail "setup: no kept key"
"$P" -C tinh sync >/dev/null 2>&1; approve_all; "$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep -q 'p1-t2 .* 20 ' || fail "setup: the province shows p1-t2"
# the laptop is stolen
"$P" -C tinh keys revoke "$NEW" || fail "revoke"
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
git clone -q remote.git w 2>/dev/null || fail clone
git -C w checkout -q -b x origin/replicas/binh-giang/binh-giang-a || fail checkout
git -C w rm -q -r changes
hlc=$(printf '%012x0000' "$(date +%s%3N)"); id=$hlc-binh-giang-a
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
  "replica": "binh-giang-a",
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
git -C w add -A; sign_as "$T/d1/key.binh-giang-a"; git -C w commit -q -S -m "binh-giang: progress" || fail commit; unsign
git -C w push -q origin HEAD:$B || fail push
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep 'p1-t5'
"$P" -C tinh problems | tail -1
"$P" -C tinh progress show | grep -q 'p1-t5 .* 88 ' &&
  fail "the stolen laptop's kept key.binh-giang-a writes as binh-giang-a after the province revoked the laptop's replica $NEW"
exit 0
