#!/bin/bash
# 190: "stock git verifies the same signatures" with the allowed-signers file that
# `plansync keys allowed-signers` prints. After `keys rotate` the province's old key was listed
# with no limit, so a commit signed later by that old key (a copy of the old key file) was a
# "Good signature" to `git verify-commit`, while every reader refuses it. Expected: git accepts
# the province's commits signed by the old key up to the rotation record and by the new key
# after it, and refuses a later commit signed by the old key; a reader refuses it too.
source "$(dirname "$0")/common.sh"
prov
B=refs/heads/replicas/tinh/tinh-hq
cp tinh/key old.key; cp tinh/key.pub old.key.pub; chmod 600 old.key
X=$(git -C remote.git rev-parse $B) || fail "setup: the province pushed"
sleep 1
"$P" -C tinh keys rotate >/dev/null 2>&1 || { echo "setup: rotate"; exit 2; }
"$P" -C tinh sync >/dev/null 2>&1
R=$(git -C remote.git rev-parse $B)
ROT=$(git -C remote.git rev-list --reverse "$X..$R" | head -1)
[ -n "$ROT" ] || fail "setup: no rotation commit"
# the old key's copy signs a commit an hour after the rotation
sign_as old.key
Y=$(GIT_COMMITTER_DATE="$(($(date +%s) + 3600)) +0000" git -C remote.git commit-tree $GIT_SIGN "$(git -C remote.git rev-parse "$R^{tree}")" -p "$R" -m "tinh: forged") || fail "setup: signed commit"
unsign
"$P" -C tinh keys allowed-signers -o "$T/allowed" >/dev/null || fail "setup: allowed-signers"
v() { git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit "$1" >/dev/null 2>&1; }
v "$X" || fail "git does not verify the province's commit before the rotation"
v "$ROT" || fail "git does not verify the rotation record (signed by the old key)"
v "$R" || fail "git does not verify the commit the new key signed"
v "$Y" && fail "git verify-commit exits 0 on $Y, signed by the replaced key an hour after the rotation"
git -C remote.git update-ref $B "$Y" "$R" || fail "setup: push"
dist d1 binh-giang a || fail "setup d1"
"$P" -C d1 problems 2>/dev/null | grep -q "${Y:0:12}" || fail "a reader does not refuse the old key's later commit"
echo "held: the replaced province key counts up to its rotation for stock git too"
