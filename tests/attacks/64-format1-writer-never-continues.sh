#!/bin/bash
# Branch format 2 refuses format 1 (plansync 0.1) with the problem "written
# in branch format 1 by plansync 0.1, which this plansync no longer reads:
# upgrade plansync on the replica that wrote it and let it continue on a new
# branch (it does so by itself)". It does not: a replica upgraded from 0.1
# keeps writing format-2 commits on top of its format-1 branch and never
# sends its earlier changes again, and nothing tells it or anyone that they
# are stuck. A replica created after the upgrade never gets the plan nor the
# district's first report, while the upgraded ones show both.
# Needs a plansync 0.1 binary: PLANSYNC_V01, or built here from the commit
# before format 2 (skips, exit 2, when it cannot be built).
# Expected: after the upgrade, a new replica ends with the same data as the
# upgraded ones (dumps equal), as the problem text promises.
. "$(dirname "$0")/common.sh"
SRC=${PLANSYNC_SRC:-$ATTACKS/../..}
O=${PLANSYNC_V01:-}
if [ -z "$O" ]; then
  c=$(git -C "$SRC" log --format=%H -1 --grep '^format 2:') && [ -n "$c" ] || { echo "no format 2 commit"; exit 2; }
  mkdir v01 && git -C "$SRC" archive "$c^" | tar -x -C v01 || exit 2
  (cmake -S v01 -B v01/b -DCMAKE_BUILD_TYPE=Release -DPLANSYNC_TESTS=OFF >/dev/null &&
   nice cmake --build v01/b -j2 --target plansync-cli >/dev/null 2>&1) || { echo "cannot build plansync 0.1"; exit 2; }
  O=$T/v01/b/plansync
fi
# everything written by plansync 0.1
git init -q --bare remote.git
"$O" init tinh --office tinh --replica hq --remote "$T/remote.git" --user P >/dev/null || exit 2
"$O" -C tinh plan import >/dev/null && "$O" -C tinh sync >/dev/null || exit 2
"$O" init d1 --office binh-giang --replica a --remote "$T/remote.git" --user U >/dev/null || exit 2
"$O" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$O" -C d1 sync >/dev/null && "$O" -C tinh sync >/dev/null || exit 2
# both upgraded: they write on, and sync as often as anyone likes
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null 2>&1 || fail "upgraded district cannot write"
"$P" -C tinh progress set p1-t3 2021 --percent 5 >/dev/null 2>&1 || fail "upgraded province cannot write"
for i in 1 2 3; do "$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1; done
# the upgraded province became the root of trust; the district's new id
# (with its new key) is approved like any enrolment request
approve_all
for i in 1 2 3; do "$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1; done
# a replica created after the upgrade
"$P" init d2 --office tu-ky --replica c --remote "$T/remote.git" --user U2 --trust "$(province_pin)" >/dev/null 2>&1
for i in 1 2; do "$P" -C d2 sync >/dev/null 2>&1; done
n1=$("$P" -C tinh progress show --json 2>/dev/null | grep -c '"percent"')
n2=$("$P" -C d2 progress show --json 2>/dev/null | grep -c '"percent"')
p2=$("$P" -C d2 plan show 2>/dev/null | grep -c .)
echo "upgraded province shows $n1 progress rows; new replica shows $n2 (plan: $p2 lines)"
"$P" -C d2 problems 2>/dev/null | grep -m1 -o 'written in branch format 1.*' | cut -c1-200
"$P" -C tinh dump > t.json 2>/dev/null; "$P" -C d2 dump > d.json 2>/dev/null
cmp -s t.json d.json || fail "the writers upgraded and synced, yet a new replica never gets what they wrote under 0.1 ($n2 of $n1 progress rows)"
exit 0
