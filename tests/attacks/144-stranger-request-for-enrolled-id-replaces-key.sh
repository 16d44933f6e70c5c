#!/bin/bash
# Issue 11 (enrolment: a request is a NEW replica's first push; a replica
# that re-identifies itself makes a new key and a new id, so a legitimate
# request never names an id that is already enrolled). Anyone with write
# access pushes one commit signed by their own key onto an ENROLLED office
# replica's branch (135's junk). The office itself treats it as junk, but
# the province lists it as an ordinary enrolment request "from replica
# binh-giang-a", with nothing saying that id is enrolled with another key;
# and 'keys approve binh-giang-a' (by replica id, as the README shows)
# enrols the stranger's key for the office's replica with exit 0 and no
# warning: the stranger now writes as binh-giang, and the real office is
# pushed to a new id whose reports are held until it is enrolled again.
# (While the office is offline the request stays listed. A replica re-created
# with the same id asks the same way, so a fix may keep such a request, flagged.)
# Expected: a signature by a key other than the one enrolled for that
# replica id is refused (or shown as "not the enrolled key of binh-giang-a"),
# never offered as a request; approving it by id is refused or at least
# says that it replaces the enrolled key; the office keeps its id.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/stranger.key"
H=$(git -C remote.git rev-parse $B) || exit 2
sign_as "$T/stranger.key"
X=$(git -C remote.git commit-tree $GIT_SIGN "$H^{tree}" -p "$H" -m junk) || exit 2
unsign
git -C remote.git update-ref $B "$X"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys pending >pending.out 2>&1
req=$("$P" -C tinh keys pending --json 2>/dev/null | grep -c '"replica": "binh-giang-a"')
"$P" -C tinh keys approve binh-giang-a >approve.out 2>&1; arc=$?
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null || exit 2
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
id=$(replica_of d1)
n=$("$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 20')
echo "requests listed for the enrolled binh-giang-a: $req; keys approve binh-giang-a: rc=$arc: $(head -1 approve.out)"
echo "the office is now $id; its new report at the province: $n"
[ "$id" = binh-giang-a ] && [ "$n" = 1 ] && exit 0
# a fix that keeps such requests (a replica re-created with the same id is one)
# must at least refuse the approval by id or say that it replaces the enrolled key
[ "$arc" != 0 ] && exit 0
grep -Eqi 'replac|already enrolled|is enrolled' approve.out pending.out ||
  fail "a stranger's signed commit on an enrolled replica's branch is offered as an enrolment request for that id, and approving it by id silently replaces the office's key"
exit 0
