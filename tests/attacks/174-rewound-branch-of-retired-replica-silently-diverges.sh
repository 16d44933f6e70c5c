#!/bin/bash
# Issue 11 (readers verify append-only history; "plansync audit ... fails,
# naming the commit, on one that has been tampered with"; nothing good lost)
# and the README ("a branch was force-pushed: every replica that had read the
# old history says 'history rewritten'"). An office replica reports twice (C1:
# p1-t1 10%, C2: p1-t3 5%) and is then retired (its PC replaced; it never syncs
# again). The shared repository's copy of its branch is then moved back to C1
# (git push --force to the parent, or the server restored from an older
# backup): nothing new is added, a commit is just gone. The province, which
# read C2, says nothing at all (sync ok, 'problems' empty: a branch that went
# back is skipped in silence), keeps showing p1-t3 at 5%, and never puts C2
# back; every replica created afterwards shows p1-t3 with no report, for good.
# The province's audit fails only with a dump line, naming no commit.
# Expected: the province's readers converge (the province, which holds C2,
# puts it back or the new reader gets it), or at least the province reports
# the lost commit by id in 'problems'. Actual: silent, lasting divergence.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t3 2021 --percent 5 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
C2=$(git -C remote.git rev-parse $B); C1=$(git -C remote.git rev-parse "$C2^") || fail "setup: two commits"
"$P" -C tinh progress show | grep -q 'p1-t3 .* 5 ' || fail "setup: the province shows p1-t3"
rm -rf d1 # retired: the office works on a new PC from now on
git -C remote.git update-ref $B "$C1" "$C2" || fail "setup: rewind"
for _ in 1 2 3; do "$P" -C tinh sync >/dev/null 2>&1; done
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --user U3 --trust "$(province_pin)" </dev/null >/dev/null 2>&1 || fail "setup: d3 init"
enrol d3; "$P" -C d3 sync >/dev/null 2>&1
pv=$("$P" -C tinh progress show | grep -c 'p1-t3 .* 5 '); nv=$("$P" -C d3 progress show | grep -c 'p1-t3 .* 5 ')
echo "p1-t3 at 5%: province $pv row(s), new replica $nv row(s)"
"$P" -C tinh audit 2>&1 | tail -3
[ "$pv" = "$nv" ] && exit 0
"$P" -C tinh problems 2>/dev/null | grep -q "$C2" && exit 0
fail "the branch lost accepted commit $C2: the province keeps its change, every new reader lacks it, and nothing names $C2"
