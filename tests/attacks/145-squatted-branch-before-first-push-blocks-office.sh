#!/bin/bash
# Issue 11 and the mission (a hostile push must not stop anyone's sync;
# nothing stored is lost). Anyone with write access pushes one commit signed
# by a stranger's key onto the branch a NEW replica will use, before its
# first push: refs/heads/replicas/tu-ky/tu-ky-c (the id is no secret: it is
# chosen with --replica, and the office sends it with key.pub for
# 'keys approve REPLICA --key'). Unlike junk on a branch that already holds
# the replica's history (132, 135: reported and pushed over), the new
# replica takes the stranger's commit as its branch's past, exports ON TOP
# of it and pushes; its status says "delivered", nobody lists a problem.
# The province lists the stranger's key as tu-ky-c's request; 'keys approve
# tu-ky-c --key d3/key.pub' is refused ("asks with key ..., not the key given
# with --key"); after 'keys refuse tu-ky-c' and approving the office's own
# key, the office's report still never applies anywhere (its commits sit
# after the refused one), the stranger's request stays listed, "no
# problems": the office is cut off for good.
# Expected: commits on a replica's own branch that no key of its id signed
# are junk whether or not the replica has pushed before: reported, never
# built upon, pushed over; the office's report reaches the province once
# its own key is approved.
. "$(dirname "$0")/common.sh"
prov
PT=$(git -C remote.git rev-parse refs/heads/replicas/tinh/tinh-hq) || exit 2
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/stranger.key"
sign_as "$T/stranger.key"
X=$(git -C remote.git commit-tree $GIT_SIGN "$PT^{tree}" -m junk) || exit 2
unsign
git -C remote.git update-ref refs/heads/replicas/tu-ky/tu-ky-c "$X"
"$P" init d3 --office tu-ky --replica c --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
"$P" -C d3 progress set p1-t3 2021 --percent 30 >/dev/null || exit 2
"$P" -C d3 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve tu-ky-c --key d3/key.pub >a1.out 2>&1; a1=$?
# what the message says: ask the office; theirs is d3/key.pub: refuse the other, approve theirs
"$P" -C tinh keys refuse tu-ky-c >/dev/null 2>&1
"$P" -C tinh keys approve tu-ky-c --key d3/key.pub >/dev/null 2>&1; a2=$?
"$P" -C tinh sync >/dev/null 2>&1
for i in 1 2; do "$P" -C d3 sync >/dev/null 2>&1; done
"$P" -C tinh sync >/dev/null 2>&1
parent=$(git -C remote.git rev-list --max-parents=0 refs/heads/replicas/tu-ky/tu-ky-c)
n=$("$P" -C tinh progress show -o tu-ky -t p1-t3 --json 2>/dev/null | grep -c '"percent": 30')
probs=$("$P" -C tinh problems 2>/dev/null; "$P" -C d3 problems 2>/dev/null)
echo "first approval with the office's key.pub: rc=$a1: $(head -1 a1.out)"
echo "after refusing the stranger and approving the office's key (rc=$a2): its report at the province: $n"
[ "$parent" = "$X" ] && echo "the office's branch is built on the stranger's commit"
echo "problems: $(echo "$probs" | grep -vc '^no problems$\|^time ')"
[ "$n" = 1 ] || bad1=1
# The same when the office was enrolled ahead, as the README advises (keys
# approve REPLICA --key key.pub before its first push): the replica says "the
# shared repository already had this replica's branch (re-created replica?):
# its history is adopted", adopting a history no key of its id signed.
"$P" init d4 --office tu-ky --replica e --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
enrol d4
sign_as "$T/stranger.key"
Y=$(git -C remote.git commit-tree $GIT_SIGN "$PT^{tree}" -m junk2) || exit 2
unsign
git -C remote.git update-ref refs/heads/replicas/tu-ky/tu-ky-e "$Y"
"$P" -C d4 progress set p1-t4 2021 --percent 40 >/dev/null || exit 2
for i in 1 2; do "$P" -C d4 sync >/dev/null 2>&1; done
"$P" -C tinh sync >/dev/null 2>&1
n=$("$P" -C tinh progress show -o tu-ky -t p1-t4 --json 2>/dev/null | grep -c '"percent": 40')
echo "enrolled ahead, then squatted: its report at the province: $n"
[ -z "${bad1:-}" ] || fail "a stranger's commit pushed onto a new replica's branch before its first push cuts that office off for good (its report never applies, no problem is listed)"
[ "$n" = 1 ] || fail "an office enrolled ahead adopts a stranger's commit found on its branch before its first push: its reports never apply"
exit 0
