#!/bin/bash
# Issue 11 (nothing good lost; the province enrols each replica once): the
# fix of 132 treats an UNSIGNED commit on a replica's own branch as junk
# and keeps the replica's id, but a commit that carries any valid SSH
# signature still makes the replica continue under a new id (new key, new
# enrolment request). Signing costs an attacker one ssh-keygen: a junk
# commit signed by a stranger's key, or by another office's enrolled key,
# knocks an enrolled office back to "keys pending" as 132 did.
# Expected: only a key that writes this replica id (its own key: a copy;
# one the registry names for it: the replica re-created) makes it take a
# new id; a commit signed by any other key is junk: reported, pushed over.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
dist d2 tx-kinh-mon b
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
round() { # round KEY PERCENT: junk signed by KEY on d1's branch, then d1 writes and syncs
  local H X
  H=$(git -C remote.git rev-parse $B) || exit 2
  sign_as "$1"
  X=$(git -C remote.git commit-tree $GIT_SIGN "$H^{tree}" -p "$H" -m junk) || exit 2
  unsign
  git -C remote.git verify-commit "$X" >/dev/null 2>&1 || git -C remote.git cat-file commit "$X" | grep -q '^gpgsig' || exit 2
  git -C remote.git update-ref $B "$X"
  "$P" -C d1 progress set p1-t2 2021 --percent "$2" >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
  "$P" -C tinh sync >/dev/null 2>&1
}
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/stranger.key"
round "$T/stranger.key" 33
id=$(replica_of d1)
n=$("$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 33')
echo "junk signed by a stranger's key: d1 is now $id; its report at the province: $n"
[ "$id" = binh-giang-a ] && [ "$n" = 1 ] || fail "a commit signed by any key pushed onto an office's branch knocks it back to an enrolment request"
round d2 44
id=$(replica_of d1)
n=$("$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 44')
echo "junk signed by another office's enrolled key: d1 is now $id; its report at the province: $n"
[ "$id" = binh-giang-a ] && [ "$n" = 1 ] || fail "a commit signed by another office's key pushed onto an office's branch knocks it back to an enrolment request"
exit 0
