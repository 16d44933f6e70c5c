#!/bin/bash
# README / design "History that changes under us": a lost shared repository
# is replaced by an empty one seeded from any replica (plansync remote seed
# URL), which pushes every branch it holds. The fetch leaves out a file over
# the 64 KiB change cap (quarantined on import), so every replica that
# fetched a stray branch holding one lacks that object; seed walks that
# branch's history, cannot read the file and stops the whole seed (exit 1)
# with "this replica's own branch cannot be read", leaving the province's
# branch (the plan) unsent when it comes after the stray one.
# Expected: seed exits 0 (or names the one branch it could not send) and the
# new repository holds the province's and the district's branches; a
# replica that joins it gets the plan.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1 || fail "setup: district sync"
crafter binh-giang-z # the branch is signed by an enrolled key: what is judged is its big file
F=$(head -c 70000 /dev/zero | tr '\0' a | git -C remote.git hash-object -w --stdin)
t1=$(printf '100644 blob %s\t00000000000000000000-binh-giang-z.json\n' "$F" | git -C remote.git mktree)
t2=$(printf '040000 tree %s\tbb\n' "$t1" | git -C remote.git mktree); t3=$(printf '040000 tree %s\taa\n' "$t2" | git -C remote.git mktree)
t4=$(printf '040000 tree %s\tbinh-giang\n' "$t3" | git -C remote.git mktree); t5=$(printf '040000 tree %s\tchanges\n' "$t4" | git -C remote.git mktree)
C1=$(git -C remote.git commit-tree $GIT_SIGN "$t5" -m big) || exit 2
E=$(git -C remote.git mktree </dev/null); C2=$(git -C remote.git commit-tree $GIT_SIGN "$E" -p "$C1" -m later)
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-z "$C2"
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 problems 2>/dev/null | grep -q "64 KiB" || { echo "the big file was not quarantined"; exit 2; }
# the shared repository is lost: seed a new one from the district
git init -q --bare new.git
rc=0; "$P" -C d1 remote seed "$T/new.git" >out 2>&1 || rc=$?
echo "seed exit $rc: $(grep -v -e '^-' -e Suppress -e 'count ' -e pcre out | head -2)"
git -C new.git for-each-ref --format='%(refname)' | sed 's/^/  new repository: /'
git -C new.git rev-parse -q --verify refs/heads/replicas/tinh/tinh-hq >/dev/null ||
  fail "seed (exit $rc) did not send the province's branch: a replica joining the new repository has no plan"
git -C new.git rev-parse -q --verify refs/heads/replicas/binh-giang/binh-giang-a >/dev/null || fail "district branch not sent"
exit 0
