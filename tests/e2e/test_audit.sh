#!/usr/bin/env bash
# plansync audit (issue 11): the whole history verified again from scratch.
# It passes on a clean repository and names per office the commits, change
# files and signers (as stock git counts them and ssh-keygen prints their
# fingerprints); it fails, naming the commit, once a branch has been tampered
# with using stock git, and when the database no longer matches the history.
source "$(dirname "$0")/lib.sh"
setup_province
district d1 binh-giang a
district d2 tu-ky b
"$P" -C d1 progress set p1-t1 2021 --percent 10 --note audit-1 >/dev/null
"$P" -C d2 progress set p1-t2 2021 --percent 20 --note audit-2 >/dev/null
for r in d1 d2 tinh d1 d2; do "$P" -C $r sync >/dev/null; done

out=$("$P" -C tinh audit) && ok "audit passes on a clean repository" || bad "audit failed on a clean repository: $out"
grep -q "audit passed" <<<"$out" && ok "it says so" || bad "no verdict: $out"
js=$("$P" -C tinh audit --json)
B=refs/heads/replicas/binh-giang/binh-giang-a
want_commits=$(git -C remote.git rev-list --count $B)
want_changes=$(git -C remote.git log --format= --name-only --diff-filter=A $B -- changes/ | grep -c .)
python3 - "$js" "$want_commits" "$want_changes" "$(ssh-keygen -lf d1/key.pub | cut -d' ' -f2)" <<'PY' && ok "binh-giang: commits, changes and signer as stock git and ssh-keygen see them" || bad "per-office figures: $js"
import json, sys
j, commits, changes, fpr = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
o = [o for o in j["offices"] if o["office"] == "binh-giang"][0]
assert j["ok"] and j["state_equal"] and not j["refused"], j
assert o["commits"] == commits and o["changes"] == changes, (o, commits, changes)
assert [s["fingerprint"] for s in o["signers"]] == [fpr], o
PY
"$P" -C d2 audit >/dev/null && ok "audit passes on a district too" || bad "district audit failed"

# the database no longer matches the history (edited with sqlite3)
cp -a d2 d2copy
sqlite3 d2copy/plansync.db "UPDATE state SET value = '99' WHERE record = 'progress/tu-ky/p1-t2/2021' AND field = 'percent'"
rc=0; out=$("$P" -C d2copy audit 2>/dev/null) || rc=$?
[ $rc -eq 1 ] && grep -q "STATE DIFFERS" <<<"$out" && grep -q "progress/tu-ky/p1-t2/2021" <<<"$out" &&
  ok "a database edited behind plansync's back fails, naming the record" || bad "edited database: rc $rc: $out"

# a branch tampered with stock git: the last commit rewritten (unsigned)
git clone -q remote.git w 2>/dev/null
( cd w && git checkout -q -B x origin/replicas/binh-giang/binh-giang-a &&
  f=$(git show --name-only --format= HEAD | grep changes/ | head -1) && sed -i 's/"percent": 10/"percent": 90/' "$f" &&
  git commit -qa --amend -m "tampered" && git push -qf origin x:$B )
bad_commit=$(git -C remote.git rev-parse $B)
"$P" -C tinh sync >/dev/null 2>&1 || true
rc=0; out=$("$P" -C tinh audit 2>/dev/null) || rc=$?
[ $rc -eq 1 ] && ok "audit fails after tampering (exit 1)" || bad "audit after tampering exited $rc"
grep -q "REFUSED replicas/binh-giang/binh-giang-a commit $bad_commit" <<<"$out" && ok "it names the tampered commit" ||
  bad "tampered commit $bad_commit not named: $out"
grep -q "audit FAILED" <<<"$out" && ok "verdict: failed" || bad "no failed verdict"
js=$("$P" -C tinh audit --json 2>/dev/null) || true
grep -q "\"commit\": \"$bad_commit\"" <<<"$js" && grep -q '"ok": false' <<<"$js" && ok "--json names it too" || bad "--json lacks the commit"
"$P" -C tinh progress show --json | grep -q '"percent": 90' && bad "the tampered value applied" || ok "the tampered value is not applied"
finish
