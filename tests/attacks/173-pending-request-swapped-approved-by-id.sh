#!/bin/bash
# Issue 11 (enrolment: the province sees pending requests "replica id,
# office, fingerprint, to confirm by phone" and approves them with 'keys
# approve REPLICA-OR-FINGERPRINT'; the README's own example approves by id).
# A new office replica pushes its request; the province syncs and the officer
# reads its fingerprint F1 from 'keys pending' and confirms it by phone.
# Before the approval, anyone with write access replaces the pending branch
# (git push --force) with the same commit re-signed by their own key and the
# office's 10% changed to 99%. At the province's next sync (plansyncd does it
# unasked) 'keys pending' silently shows the stranger's fingerprint under the
# same replica id and the same "first seen"; 'problems' says nothing about a
# rewritten branch. 'keys approve binh-giang-a' (by id, as the README shows,
# after the phone call that confirmed F1) enrols the stranger's key with exit 0:
# the forged 99% is shown as binh-giang's progress, and the real office is
# pushed to a new id whose reports wait for a second enrolment.
# Expected: a key the officer never saw is not enrolled by an approval by id
# (the request keeps its first key, or a request whose key changed is flagged
# and approving it by id is refused); the forged change never shows.
# Actual: the stranger's key is enrolled and its 99% shown.
. "$(dirname "$0")/common.sh"
prov
"$P" init d1 --office binh-giang --replica a --remote "$T/remote.git" --user U --trust "$(province_pin)" >/dev/null || fail "init d1"
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || fail "d1 sync"
"$P" -C tinh sync >/dev/null 2>&1
F1=$("$P" -C tinh keys pending --json | sed -n 's/^ *"fingerprint": "\([^"]*\)".*/\1/p' | head -1)
FD=$("$P" -C d1 keys show --json | sed -n 's/^ *"fingerprint": "\([^"]*\)".*/\1/p' | head -1)
[ -n "$F1" ] && [ "$F1" = "$FD" ] || fail "setup: the request shows $F1, the office's key is $FD"
# a stranger replaces the pending branch
B=refs/heads/replicas/binh-giang/binh-giang-a
git clone -q remote.git w 2>/dev/null || fail "clone"
git -C w checkout -q -b x origin/replicas/binh-giang/binh-giang-a || fail "checkout"
f=$(git -C w ls-files changes | head -1)
sed -i 's/"percent": *10/"percent": 99/' "w/$f"; grep -q '"percent": *99' "w/$f" || fail "setup: no percent field in $f"
git -C w add -A
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/evil"
sign_as "$T/evil"; git -C w commit -q --amend -S -m "export" || fail "commit"; unsign
git -C w push -q -f origin HEAD:$B 2>/dev/null || fail "push"
FE=$(ssh-keygen -lf "$T/evil.pub" | cut -d' ' -f2)
"$P" -C tinh sync >/dev/null 2>&1
echo "pending after the swap (officer confirmed $F1):"; "$P" -C tinh keys pending
"$P" -C tinh problems
# the officer approves by id, as the README shows
if "$P" -C tinh keys approve binh-giang-a >approve.out 2>&1; then cat approve.out
else cat approve.out; "$P" -C tinh keys approve "$F1" || echo "(approval by fingerprint refused too)"; fi
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show | grep p1-t1
grep -q "$FE" approve.out && grep -q '^enrolled' approve.out &&
  fail "'keys approve binh-giang-a' enrolled the stranger's key $FE; the officer confirmed $F1"
"$P" -C tinh progress show | grep p1-t1 | grep -qw 99 && fail "the stranger's forged 99% is shown as binh-giang's progress"
echo "held: the swapped request was not approved by id"
exit 0
