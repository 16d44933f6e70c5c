#!/bin/bash
# Mission (the daemon survives power cuts; never stuck) and issue 11 (the
# province's first replica is the root of trust). As 140, for the
# PROVINCE's branch: its ref file in a directory remote is left empty (a
# power cut on the share mid-push). The province decides its branch "holds
# commits that cannot be read (someone else pushed to it)", abandons its id
# AND its root key (new id, new key; README's known gap: a province that
# takes a new id is trusted only by replicas that pin its new key), and
# re-sends its whole history on a new branch. Every district, pinned to the
# old key, sees the province as an enrolment request it cannot approve: the
# province's plan changes and reports from then on never apply anywhere.
# (plansync fsyncs its own ref writes; a network share that loses a write,
# or a git or backup tool that does not fsync, leaves such a file.)
# Expected: an unreadable ref file of its own branch is no sign of another
# writer: the province keeps its id and key and pushes its branch again; the
# district sees its new write.
. "$(dirname "$0")/../common.sh"
prov
dist d1 binh-giang a
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/tinh/tinh-hq
[ -f remote.git/$B ] || { echo "the branch is not a loose ref here"; exit 2; }
: > remote.git/$B    # what a power cut mid-write leaves
"$P" -C tinh progress set p1-t1 2021 --percent 55 >/dev/null || exit 2
for i in 1 2; do "$P" -C tinh sync >tinh.out 2>&1; done
for i in 1 2; do "$P" -C d1 sync >/dev/null 2>&1; done
id=$(replica_of tinh)
n=$("$P" -C d1 progress show -o tinh -t p1-t1 --json 2>/dev/null | grep -c '"percent": 55')
echo "the province is now $id; its new write at the district: $n"
[ "$id" = tinh-hq ] || fail "an empty ref file of the province's branch (a power cut) makes the province take a new id and a new root key: every district, pinned to the old key, stops applying the province's writes"
[ "$n" = 1 ] || fail "the province's write never reaches the district"
exit 0
