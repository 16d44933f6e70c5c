#!/bin/bash
# A stray push appends a commit without an author line on top of a replica's
# branch (its parent is the replica's good tip). Expected: the owner detects
# the foreign commit and continues (new id), readers keep/import the last good
# state (the parent) so the delivered change reaches the province.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail "first sync"
B=refs/heads/replicas/binh-giang/binh-giang-a
TIP=$(git -C remote.git rev-parse $B); TR=$(git -C remote.git rev-parse "$TIP^{tree}")
BAD=$(printf 'tree %s\nparent %s\ncommitter x <x@x> 1 +0000\n\nstray\n' "$TR" "$TIP" | git -C remote.git hash-object -t commit --literally -w --stdin)
git -C remote.git update-ref $B "$BAD"
"$P" -C d1 progress set p1-t2 2021 --percent 11 >/dev/null || fail "set"
"$P" -C d1 sync; rc1=$?
"$P" -C d1 sync; rc2=$?
enrol d1 # it continues under a new id, with a new key
"$P" -C tinh sync >/dev/null 2>&1
n=$("$P" -C tinh progress show | grep -c binh-giang)
echo "owner sync rc: $rc1 $rc2; province sees $n binh-giang rows (expected 2)"
[ "$rc2" -eq 0 ] || fail "owner stuck: sync exits $rc2 every time"
[ "$n" -eq 2 ] || fail "province lacks delivered/new writes ($n of 2)"
exit 0
