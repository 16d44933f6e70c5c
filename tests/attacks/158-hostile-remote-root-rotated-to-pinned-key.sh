#!/bin/bash
# 158: a rotation chain alone does not prove who holds the key it ends at. A hostile remote whose
# own province root (made by plansync on an empty repository) writes its own key record naming
# the real province's public key (`keys approve ID --key key.pub`: public keys are public), signed
# by its root, leads "by rotation" from its root to the pin an office was given. If that counted,
# an office pinned to the real province would trust the hostile root and its plan.
# Expected: the pin is reached by rotation only when the pinned key itself signed a commit after
# that step on the branch; init --trust against the hostile remote refuses and keeps nothing.
source "$(dirname "$0")/common.sh"
prov
REAL=$(province_pin)
git init -q --bare evil.git
"$P" init ev --office tinh --replica aaa --remote "$T/evil.git" --user E >/dev/null 2>&1 || fail "setup: impostor init"
"$P" -C ev sync >/dev/null 2>&1
"$P" -C ev keys approve tinh-aaa --key "$T/tinh/key.pub" >/dev/null || fail "setup: the impostor names the real key"
"$P" -C ev sync >/dev/null 2>&1
[ "$(git -C evil.git rev-list --count refs/heads/replicas/tinh/tinh-aaa)" -eq 2 ] || fail "setup: two commits"
"$P" init d2 --office tu-ky --replica b --remote "$T/evil.git" --user U2 --trust "$REAL" </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ ! -e d2/plansync.db ] ||
  fail "init --trust $REAL against a hostile remote whose root only names that key exited $rc and kept a replica knowing $("$P" -C d2 plan offices 2>/dev/null | tail -n +2 | wc -l) offices"
# The real province's commits, signed by the pinned key, are public too: a merge that joins one
# of them to the hostile branch does not make the pinned key sign anything on that branch.
B=refs/heads/replicas/tinh/tinh-aaa
git -C evil.git fetch -q "$T/remote.git" "refs/heads/replicas/tinh/tinh-hq:refs/real" || fail "setup: fetch the real branch"
M=$(git -C evil.git commit-tree "$(git -C evil.git rev-parse "$B^{tree}")" -p "$(git -C evil.git rev-parse $B)" -p "$(git -C evil.git rev-parse refs/real)" -m merge) &&
  git -C evil.git update-ref $B "$M" && git -C evil.git update-ref -d refs/real || fail "setup: merge"
"$P" init d3 --office tu-ky --replica c --remote "$T/evil.git" --user U3 --trust "$REAL" </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ ! -e d3/plansync.db ] && exit 0
fail "init --trust $REAL against a hostile branch that merged in the real province's signed commits exited $rc and kept a replica"
