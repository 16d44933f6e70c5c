#!/bin/bash
# Branch format 2: plansync check now reads every tree and file of every
# commit of every fetched branch. The fetch leaves out a file over the 64 KiB
# change cap (design: "blobs over the change cap are left out"; the import
# quarantines the entry that names it), so a stray branch with one such file
# anywhere in its history makes check on a healthy replica report a Git
# fault, exit 8 ("the replica needs repair"), and advise a refetch that
# brings the hostile file into repo.git.
# Expected: check exits 0 (the quarantined file is not something the
# replica needs); the sync's problem already names it.
. "$(dirname "$0")/common.sh"
prov
crafter binh-giang-z # the branch is signed by an enrolled key: what is judged is its big file
F=$(head -c 70000 /dev/zero | tr '\0' a | git -C remote.git hash-object -w --stdin)
t1=$(printf '100644 blob %s\t00000000000000000000-binh-giang-z.json\n' "$F" | git -C remote.git mktree)
t2=$(printf '040000 tree %s\tbb\n' "$t1" | git -C remote.git mktree); t3=$(printf '040000 tree %s\taa\n' "$t2" | git -C remote.git mktree)
t4=$(printf '040000 tree %s\tbinh-giang\n' "$t3" | git -C remote.git mktree); t5=$(printf '040000 tree %s\tchanges\n' "$t4" | git -C remote.git mktree)
C1=$(git -C remote.git commit-tree $GIT_SIGN "$t5" -m big) || exit 2
# a later, empty commit: the big file is only in history
E=$(git -C remote.git mktree </dev/null); C2=$(git -C remote.git commit-tree $GIT_SIGN "$E" -p "$C1" -m later)
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-z "$C2"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh problems 2>/dev/null | grep -q "64 KiB" || { echo "the big file was not quarantined"; exit 2; }
rc=0; "$P" -C tinh check >out 2>&1 || rc=$?
echo "check on the province: exit $rc"; grep -m2 -E "fault|fetch" out
[ "$rc" -eq 0 ] || fail "check exits $rc on a healthy replica because a quarantined oversized file was (rightly) not fetched"
exit 0
