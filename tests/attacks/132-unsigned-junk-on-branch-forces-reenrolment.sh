#!/bin/bash
# Issue 11: "every reader verifies it without trusting the server"; bad
# input: "Clear message, nothing applied that should not be, nothing good
# lost". Every reader refuses an unsigned commit ("commit is not signed").
# The writer whose branch it lands on does not: anything on its own branch
# it did not write makes it continue under a new replica id (sync_own.c),
# and since issue 11 a new id means a new key and a new enrolment request.
# Anyone who can push to the shared repository, with no key at all, hangs
# one unsigned commit on an enrolled office's branch: the office silently
# becomes binh-giang-XXXX, its next reports are held at the province
# ("keys pending") and missing from progress show until the officer phones
# the office and approves again, and the attacker can repeat it at will.
# Expected: the writer ignores (reports) a commit on its branch that its
# key did not sign, keeps its enrolled id, and its report applies.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
H=$(git -C remote.git rev-parse $B) || exit 2
X=$(git -C remote.git commit-tree "$H^{tree}" -p "$H" -m junk) || exit 2 # unsigned
git -C remote.git update-ref $B "$X"
"$P" -C d1 progress set p1-t2 2021 --percent 33 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
id=$(replica_of d1)
n=$("$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 33')
pend=$("$P" -C tinh keys pending --json 2>/dev/null | grep -c '"replica"')
echo "after one unsigned commit on its branch: the office's replica is now $id; its new report shown at the province: $n; enrolment requests pending: $pend"
[ "$id" = binh-giang-a ] && [ "$n" = 1 ] || fail "an unsigned commit pushed by anyone knocks an enrolled office back to an enrolment request"
exit 0
