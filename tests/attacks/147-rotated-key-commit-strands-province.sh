#!/bin/bash
# 147: after the province rotates its key, one commit signed by the OLD (retired) province key
# pushed onto the province's branch (anyone holding the old key file and write access to the bare
# repository) is quarantined by readers, as it should be, but the province's own replica then
# treats itself as a copy and continues as a new replica id (tinh-xxxxxx) that nobody has
# enrolled: every later province change (progress, plan data, key approvals, revocations) is held
# on every district as an "enrolment request", and the province cannot approve its own new id
# ("keys approve: no open enrolment request").
# Expected: the retired key's commit is refused; the province's good changes keep applying.
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
dist d2 tu-ky b
B=refs/heads/replicas/tinh/tinh-hq
# the province rotates its key; then a commit signed by its retired key goes on top of its tip
"$P" -C tinh keys rotate >/dev/null || fail "setup: rotate"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d2 sync >/dev/null 2>&1
TIP=$(git -C remote.git rev-parse $B)
OLDK=$(ls "$T"/tinh/key.tinh-hq-rotated-* | grep -v '\.pub$' | head -1)
[ -f "$OLDK" ] || { echo "setup: no rotated key kept" >&2; exit 2; }
sign_as "$OLDK"
ID=01a2276000000000-tinh-hq
H=$(python3 -c "
h=2166136261
for c in b'$ID': h=((h^c)*16777619)&0xffffffff
print('%02x/%02x'%(h>>24,(h>>16)&0xff))")
cat > c.json <<J
{
  "format": 1,
  "id": "$ID",
  "office": "tinh",
  "replica": "tinh-hq",
  "author": "P",
  "hlc": "01a2276000000000",
  "record": "progress/tinh/p1-t9/2021",
  "op": "set",
  "base": [],
  "fields": {
    "percent": 99,
    "reporter": "P"
  }
}
J
export GIT_INDEX_FILE=$T/idx
git -C remote.git read-tree --empty
git -C remote.git update-index --add --cacheinfo "100644,$(git -C remote.git hash-object -w "$T/c.json"),changes/tinh/$H/$ID.json"
git -C remote.git update-index --add --cacheinfo "100644,$(git -C remote.git rev-parse "$TIP:plansync.json"),plansync.json"
NT=$(git -C remote.git write-tree); unset GIT_INDEX_FILE
NC=$(git -C remote.git commit-tree $GIT_SIGN "$NT" -p "$TIP" -m "tinh: progress p1-t9 2021") || fail "setup: commit"
unsign
git -C remote.git update-ref $B "$NC" "$TIP"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress set p1-t1 2021 --percent 5 >/dev/null || fail "setup: province set"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d2 sync >/dev/null 2>&1
pr=$(replica_of tinh)
[ "$pr" = tinh-hq ] || echo "note: the province now writes as replica $pr" >&2
"$P" -C d2 keys pending 2>/dev/null | grep -q "^$pr " && echo "note: d2 holds the province's changes as an enrolment request from $pr" >&2
if [ "$pr" != tinh-hq ]; then
  "$P" -C tinh keys approve "$pr" >/dev/null 2>&1 || echo "note: the province cannot approve its own new id $pr" >&2
  "$P" -C tinh sync >/dev/null 2>&1; "$P" -C d2 sync >/dev/null 2>&1
fi
"$P" -C d2 progress show 2>/dev/null | grep -q '^tinh  *p1-t1  *2021  *5 ' ||
  fail "district d2 does not see the province's change made after a retired-key commit on the province branch (province writes as $pr)"
exit 0
