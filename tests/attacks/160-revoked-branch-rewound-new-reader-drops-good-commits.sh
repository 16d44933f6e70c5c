#!/bin/bash
# 160: a revocation names the last accepted commit X of a replica's branch; what came before X
# stays, "the same on every reader". The remote's branch then loses X (the server restored from
# yesterday's backup, or a git push --force to X's parent W by whoever can write there). W is still
# on the branch, signed before the revocation, and is the parent of X; the province read both.
# Expected: a new office replica pinned to the province applies W's change (p1-t1 at 10%), as the
# province shows it. Actual: it refuses W "revoked after commit X", so the province and every new
# reader disagree for good, and the province's audit fails (STATE DIFFERS) on an honest history.
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t3 2021 --percent 5 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
X=$(git -C remote.git rev-parse $B); W=$(git -C remote.git rev-parse "$X^") || fail "setup: two commits"
"$P" -C tinh progress show | grep -q 'p1-t1 .* 10 ' || fail "setup: the province shows p1-t1"
"$P" -C tinh keys revoke binh-giang-a >/dev/null || fail "setup: revoke"
"$P" -C tinh sync >/dev/null 2>&1
git -C remote.git update-ref $B "$W" "$X" || fail "setup: rewind"
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --user U3 --trust "$(province_pin)" </dev/null >/dev/null 2>&1 || fail "setup: d3 init"
"$P" -C d3 sync >/dev/null 2>&1
d3=$("$P" -C d3 progress show 2>/dev/null | grep -c 'p1-t1 .* 10 ')
echo "province shows p1-t1 at 10%; the new replica: $d3 rows"
[ "$d3" -eq 1 ] && exit 0
"$P" -C d3 problems 2>/dev/null | grep "$W" | head -1 >&2
fail "a commit signed before the revocation (the parent of the commit it names) is refused by a new reader once the branch lost the named commit; the province applies it"
