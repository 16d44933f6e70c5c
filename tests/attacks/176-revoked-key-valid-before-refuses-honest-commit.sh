#!/bin/bash
# Issue 11 ("stock git verifies the same signatures"; tests: "git
# verify-commit accepts every exported commit") and the README: a revoked
# key is listed in 'keys allowed-signers' with valid-before at "the committer
# time of the last commit the revocation accepts, so git refuses what it
# signs later". An office replica writes C1 with a right clock, then C2 while
# its clock is a month behind (a dead CMOS battery, PLANSYNC_FAKE_NOW_MS):
# C2's committer date is older than C1's. Every reader accepts both. The
# laptop is then stolen: 'keys revoke' names C2, the last commit the province
# accepted. 'keys allowed-signers' writes valid-before = C2's date, so stock
# git refuses C1 ("key has expired"), an honest commit plansync accepts and
# the revocation keeps.
# Expected: git verify-commit accepts every commit the revocation accepts
# (valid-before no earlier than the latest committer date among them).
# Actual: git refuses C1.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
C1=$(git -C remote.git rev-parse $B) || fail "setup: C1"
PLANSYNC_FAKE_NOW_MS=$((($(date +%s) - 30 * 86400) * 1000)) "$P" -C d1 progress set p1-t3 2021 --percent 5 >/dev/null
PLANSYNC_FAKE_NOW_MS=$((($(date +%s) - 30 * 86400) * 1000)) "$P" -C d1 sync >/dev/null 2>&1
C2=$(git -C remote.git rev-parse $B); [ "$C2" != "$C1" ] || fail "setup: C2"
"$P" -C tinh sync >/dev/null 2>&1
[ "$("$P" -C tinh progress show | grep -c 'p1-t[13] ')" -eq 2 ] || fail "setup: the province applies both"
"$P" -C tinh keys revoke binh-giang-a | grep -q "$C2" || fail "setup: the revocation names C2"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys allowed-signers -o "$T/as" || fail "allowed-signers"
grep binh-giang-a "$T/as"
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/as" verify-commit "$C2" 2>/dev/null || fail "setup: git refuses C2"
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/as" verify-commit "$C1" 2>&1 | grep -i expired
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/as" verify-commit "$C1" 2>/dev/null ||
  fail "stock git refuses $C1, a commit signed before the revocation that every reader accepts"
exit 0
