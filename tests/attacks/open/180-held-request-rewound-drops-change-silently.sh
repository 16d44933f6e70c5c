#!/usr/bin/env bash
# An enrolment request's changes are held, "never lost; after approval they
# apply" (issue 11); a rewound branch is said in problems ("history rewritten",
# README; attack 174). Here an unenrolled replica pushes two commits (the
# province holds 2 changes), the branch on the shared repository is set back one
# commit, and the province syncs: `keys pending` silently counts 1, `problems`
# says nothing, and after approval only the first change applies: the second,
# held and read by the province, is gone (the writer is offline, not syncing).
. "$(dirname "$0")/../common.sh"
prov
"$P" init d4 --office ninh-giang --replica e --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null || fail "init"
"$P" -C d4 progress set p1-t1 2021 --percent 5 >/dev/null && "$P" -C d4 sync >/dev/null 2>&1 || fail "first"
"$P" -C d4 progress set p1-t2 2021 --percent 6 >/dev/null && "$P" -C d4 sync >/dev/null 2>&1 || fail "second"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys pending | grep -q 'ninh-giang-e .* 2$' || fail "setup: the province does not hold 2 changes"
B=refs/heads/replicas/ninh-giang/ninh-giang-e
git -C remote.git update-ref "$B" "$(git -C remote.git rev-parse "$B~1")"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve ninh-giang-e >/dev/null || fail "approve"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep -q '^ninh-giang *p1-t1' || fail "setup: the first held change did not apply"
if ! "$P" -C tinh progress show | grep -q '^ninh-giang *p1-t2'; then
  echo "province problems: $("$P" -C tinh problems | head -3 | tr '\n' ' ')" >&2
  fail "a held change the province had read is dropped when the request's branch goes back one commit"
fi
exit 0
