#!/bin/bash
# Issue 9: JSON output says null for an absent value, never "" (README:
# "an absent value is null, never left out or \"\""). A quarantined branch
# whose name is wrong has no file path, yet 'problems --json' prints
# "path": "" (and the warning reads "... in : branch name is not ...").
. "$(dirname "$0")/common.sh"
prov
git -C remote.git update-ref refs/heads/replicas/tinh/bad-name "$(git -C remote.git rev-parse refs/heads/replicas/tinh/tinh-hq)"
"$P" init d1 --office binh-giang --replica a --remote "$T/remote.git" --trust "$(province_pin)" --user U >/dev/null 2>&1
out=$("$P" -C d1 problems --json) || fail "problems --json failed"
echo "$out"
grep -q '"branch name is not' <<<"$out" || grep -q 'bad-name' <<<"$out" || { echo "no problem recorded for the badly named branch"; exit 2; }
grep -q '"path": ""' <<<"$out" && fail 'problems --json prints "path": "" for a branch-level problem instead of null'
exit 0
