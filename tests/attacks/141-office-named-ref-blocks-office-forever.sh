#!/bin/bash
# Mission (a hostile push, one malformed ref anywhere, must not stop anyone's
# sync). Anyone with write access (a directory remote, plain SSH with
# git-shell as the README sets up) pushes ONE ref named after an office that
# has not joined yet: refs/heads/replicas/tu-ky (stock git push; readers
# ignore it as "branch name is not replicas/<office>/<office>-<suffix>").
# Git keeps refs as files, so refs/heads/replicas/tu-ky/<replica> can then
# never be created. When that office joins, its every sync fails with exit 5
# ("the remote was not reached") and libgit2's words ("could not remove
# directory .../tu-ky/tu-ky-c: parent is not directory"), forever: nothing
# it writes reaches the province, no message says which ref is in the way.
# Expected: the office's changes reach the province (the blocking ref is
# junk no replica owns), or at the least the sync names the ref in the way
# and the command that removes it, with exit 7 (the remote refused).
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
PT=$(git -C remote.git rev-parse refs/heads/replicas/tinh/tinh-hq)
git -C remote.git push -q . "$PT:refs/heads/replicas/tu-ky" || exit 2
"$P" -C tinh sync >/dev/null 2>&1
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
enrol d3
"$P" -C d3 progress set p1-t3 2021 --percent 30 >/dev/null || exit 2
for i in 1 2 3; do "$P" -C d3 sync >d3.out 2>&1; rc=$?; done
"$P" -C tinh sync >/dev/null 2>&1
n=$("$P" -C tinh progress show -o tu-ky -t p1-t3 --json 2>/dev/null | grep -c '"percent": 30')
echo "the new office's sync: rc=$rc: $(head -1 d3.out)"
echo "its report at the province: $n"
[ "$n" = 1 ] && [ "$rc" = 0 ] && exit 0
grep -Eq "replicas/tu-ky([^/-]|$)" d3.out && [ "$rc" = 7 ] ||
  fail "one ref named after an office (refs/heads/replicas/tu-ky) pushed by anyone with write access blocks that office for good: exit $rc, no word of the ref in the way"
fail "one ref named after an office blocks that office's changes for good"
