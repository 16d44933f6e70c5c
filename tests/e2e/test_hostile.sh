#!/usr/bin/env bash
# A corpus of crafted replica branches (tests/e2e/craft.py): each hostile
# file or branch is quarantined with its reason, the valid change beside it
# applies, and the victim's dump equals that of a replica that fetched only
# the valid changes. Then a branch is rewritten and another deleted.
source "$(dirname "$0")/lib.sh"
git init -q --bare evil.git
git init -q --bare clean.git
# The crafted commits are signed with one key that the victim (and the
# reference), each the province's first replica of its remote, enrol for
# every crafted replica: what is judged is the branch, not its signature.
ssh-keygen -q -t ed25519 -N '' -C crafter -f crafter
sign_as crafter
n=$(python3 "$SRC/tests/e2e/craft.py" evil.git clean.git cases.tsv)
[ "$n" -ge 40 ] && ok "$n crafted branches" || bad "only $n cases"
"$P" init victim --office tinh --remote "$T/evil.git" >/dev/null 2>&1 || bad "victim sync failed"
"$P" init ref --office tinh --remote "$T/clean.git" >/dev/null 2>&1 || bad "reference sync failed"
for b in $(cut -f1 cases.tsv | sort -u); do
  for r in victim ref; do "$P" -C $r keys approve "${b##*/}" --key crafter.pub >/dev/null 2>&1 || true; done
done
"$P" -C victim sync >/dev/null 2>&1
"$P" -C ref sync >/dev/null 2>&1
# each replica's registry names its own root key: compared without it
nokeys() { grep -v '"id": "key/'; }
"$P" -C victim problems --json > problems.json
while IFS=$'\t' read -r branch reason; do
  if [ "$reason" = NONE ]; then
    python3 - "$branch" problems.json <<'PY' && ok "$branch: nothing quarantined" || bad "$branch: a quarantine reported"
import json, sys
b, f = sys.argv[1:3]
sys.exit(1 if any(p["branch"] == b and p["commit"] for p in json.load(open(f))) else 0)
PY
    continue
  fi
  if [ "$reason" = HELD ]; then
    [ "$("$P" -C victim status --json | json_num held)" = 1 ] && ok "$branch: future clock held back" || bad "$branch: not held"
    continue
  fi
  python3 - "$branch" "$reason" problems.json <<'PY' && ok "$branch: $reason" || bad "$branch: no problem matching /$reason/"
import json, re, sys
b, r, f = sys.argv[1:4]
sys.exit(0 if any(p["branch"] == b and re.search(r, p["reason"]) for p in json.load(open(f))) else 1)
PY
done < cases.tsv
[ "$("$P" -C victim dump | nokeys)" = "$("$P" -C ref dump | nokeys)" ] && ok "victim holds exactly the valid changes" || bad "victim dump differs from the reference"
# (stored, not shown: this remote has no plan, so they wait for it as unplanned)
applied=$("$P" -C victim log -n 0 --json | grep -c '"office": "binh-giang"' || true)
[ "$applied" -ge 40 ] && ok "$applied valid changes beside the bad ones applied" || bad "only $applied valid changes applied"

# a second sync changes nothing and adds no problem
np=$("$P" -C victim problems --json | grep -c '"reason"')
"$P" -C victim sync >/dev/null 2>&1 || true
[ "$("$P" -C victim problems --json | grep -c '"reason"')" = "$np" ] && ok "problems reported once" || bad "problems repeated"

# rewritten history and a deleted branch
before=$("$P" -C victim dump)
tree=$(git -C evil.git rev-parse 'replicas/binh-giang/binh-giang-c1^{tree}')
other=$(git -C evil.git commit-tree ${GIT_SIGN:-} "$tree" -m rewritten)
git -C evil.git update-ref refs/heads/replicas/binh-giang/binh-giang-c1 "$other"
git -C evil.git update-ref -d refs/heads/replicas/binh-giang/binh-giang-c2
"$P" -C victim sync >/dev/null 2>&1 || true
"$P" -C victim problems --json > p2.json
grep -q 'history rewritten' p2.json && ok "rewritten branch reported" || bad "rewrite not reported"
grep -q 'branch deleted on the remote' p2.json && ok "deleted branch reported" || bad "deletion not reported"
[ "$("$P" -C victim dump)" = "$before" ] && ok "last good state kept" || bad "state changed after rewrite/delete"
finish
