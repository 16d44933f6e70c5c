#!/bin/bash
# Mission (one malformed ref anywhere must not stop anyone's sync; every
# replica converges). One line planted in a directory remote's packed-refs,
# refs/heads/replicas/binh-giang (an office-level name, beside the office's
# real branch refs/heads/replicas/binh-giang/binh-giang-a; git for-each-ref
# lists both). refread.c lists it as a branch, and the fetch then stores
# tracking refs in name order: on a replica that does not have the office's
# tracking ref yet (every replica that joins from now on), the junk one is
# stored first as a FILE refs/remotes/origin/replicas/binh-giang, and the
# office's GOOD branch "cannot be stored here" and is quarantined, on every
# sync: the new replica never sees that office's data. On the office's own
# replica every push fails, exit 5, "collides with existing one".
# Expected: a branch name that is no replicas/<office>/<replica> is set
# aside before it takes a tracking ref; the office's branch reaches every
# replica; the office still pushes.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
PT=$(git -C remote.git rev-parse refs/heads/replicas/tinh/tinh-hq)
echo "$PT refs/heads/replicas/binh-giang" >> remote.git/packed-refs
[ "$(git -C remote.git for-each-ref refs/heads/replicas/binh-giang* | wc -l)" -ge 1 ] || exit 2
"$P" init d2 --office tx-kinh-mon --replica b --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
for i in 1 2; do "$P" -C d2 sync >d2.out 2>&1; done
n=$("$P" -C d2 progress show -o binh-giang -t p1-t1 --json 2>/dev/null | grep -c '"percent": 10')
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null || exit 2
"$P" -C d1 sync >d1.out 2>&1; drc=$?
echo "binh-giang's report on a replica that joined after the planted line: $n"
grep -m1 'binh-giang-a' d2.out | sed 's/^/  d2: /'
echo "binh-giang's own sync: rc=$drc: $(head -1 d1.out)"
[ "$n" = 1 ] || fail "one office-level ref planted in packed-refs hides that office's good branch from every replica that joins afterwards"
[ "$drc" = 0 ] || fail "one office-level ref planted in packed-refs stops the office's pushes (exit $drc)"
exit 0
