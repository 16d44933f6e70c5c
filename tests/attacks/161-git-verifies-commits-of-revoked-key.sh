#!/bin/bash
# 161: "stock git verifies the same signatures" with the allowed-signers file that
# `plansync keys allowed-signers` prints. After `keys revoke` (a lost laptop) that file still
# lists the revoked key with no limit (no valid-before, nothing), so the thief's new commit on the
# replica's branch, signed by the stolen key and refused by every reader, is a "Good signature"
# to `git verify-commit` and `git log --show-signature`: an inspector checking the history with
# stock git, as the README says, is told the forged change is good.
# Expected: git verify-commit with the province's allowed-signers (written after the revocation)
# refuses a commit signed by the revoked key, made after the revocation went out.
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
B=refs/heads/replicas/binh-giang/binh-giang-a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
X=$(git -C remote.git rev-parse $B) || fail "setup: d1 pushed"
"$P" -C tinh keys revoke binh-giang-a >/dev/null || fail "setup: revoke"
"$P" -C tinh sync >/dev/null 2>&1
sleep 1
# The thief, with d1/key: a signed commit after X (its tree X's tree, one more file does not
# matter here: what matters is who git says signed it).
sign_as d1
Y=$(git -C remote.git commit-tree $GIT_SIGN "$(git -C remote.git rev-parse "$X^{tree}")" -p "$X" -m "binh-giang: forged") || fail "setup: signed commit"
unsign
git -C remote.git update-ref $B "$Y" "$X" || fail "setup: push"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh problems 2>/dev/null | grep "$Y" | grep -q revoked || fail "setup: the province does not refuse the thief's commit as revoked"
"$P" -C tinh keys allowed-signers -o "$T/allowed" >/dev/null || fail "setup: allowed-signers"
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit "$X" 2>/dev/null || fail "setup: git does not verify d1's honest commit"
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit "$Y" 2>git.out
rc=$?
[ "$rc" -ne 0 ] && exit 0
fail "git verify-commit exits 0 on $Y, signed by the revoked key after its revocation and refused by every reader: $(head -1 git.out)"
