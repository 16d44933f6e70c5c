#!/bin/bash
# Mission (the daemon survives power cuts; one malformed ref anywhere must
# not stop anyone's sync) and issue 11 (the province enrols each replica
# once; README: junk on a replica's own branch is reported and pushed over,
# the replica "keeps its id and enrolment"). A power cut on the machine or
# share holding a directory remote, mid-push, leaves the pushing replica's
# ref file EMPTY (git users know it as "ignoring broken ref"). The fetch
# (refread.c) lists it as a branch that cannot be read; the replica then
# decides that its own branch "holds commits that cannot be read (someone
# else pushed to it)", abandons its id, makes a new key and re-sends its
# history as a NEW ENROLMENT REQUEST: at the province its reports are held
# (not shown by progress show, not counted by reports) until the officer
# approves the office again by phone. A symbolic link planted there, or any
# garbage in the file, does the same. No commit of anybody else's exists:
# the ref file is just damaged.
# Expected: a ref file of its own branch that is not readable is no sign of
# another writer: the replica keeps its id and enrolment and pushes its
# branch again (with a lease on what it read, as for junk commits), and the
# province shows its report.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
[ -f remote.git/$B ] || { echo "the branch is not a loose ref here"; exit 2; }
: > remote.git/$B    # what a power cut mid-write leaves
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null || exit 2
for i in 1 2 3; do "$P" -C d1 sync >d1.out 2>&1; done
"$P" -C tinh sync >/dev/null 2>&1
id=$(replica_of d1)
n=$("$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 20')
pend=$("$P" -C tinh keys pending --json 2>/dev/null | grep -c '"replica"')
echo "d1 is now $id; enrolment requests at the province: $pend; d1's new report at the province: $n"
[ "$id" = binh-giang-a ] || fail "an empty ref file of an office's own branch in the shared repository (a power cut) makes it take a new id and key: a new enrolment request"
[ "$n" = 1 ] || fail "the office's report is held at the province until it is enrolled again"
# the same with nothing new to send: the next sync pushes the branch over it
: > remote.git/$B
for i in 1 2; do "$P" -C d1 sync >/dev/null 2>&1; done
[ "$(git -C remote.git rev-parse -q --verify $B)" = "$(git --git-dir=d1/repo.git rev-parse $B)" ] ||
  fail "an emptied ref file of an office's own branch stays damaged while the office has nothing new to send"
exit 0
