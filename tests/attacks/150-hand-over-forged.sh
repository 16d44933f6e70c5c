#!/bin/bash
# 150: a province replica that takes a new id hands over to it with its old, enrolled key (148).
# Only that can enrol a province id that way: (a) a replica of office tinh whose key is a
# district's enrolled key writes its own key record "enrolled": every reader refuses it;
# (b) a second province replica, revoked by the province, then copied: the copy's hand-over is
# signed by a revoked key, and every reader refuses it; the province's own changes go on.
source "$(dirname "$0")/common.sh"
prov
dist d2 tu-ky b
pin=$(province_pin)
# (a) a district's key on a province branch, enrolling itself
# (plansync itself refuses to sign with a key enrolled for another replica: attack 154; so the
# branch plansync wrote is signed again with d2's key by stock git)
"$P" init evil --office tinh --replica evil --trust "$pin" >/dev/null 2>&1 || fail "setup: evil init"
"$P" -C evil keys approve tinh-evil --key evil/key.pub >/dev/null 2>&1
"$P" -C evil plan set program/p9 --field name='Chương trình giả' >/dev/null 2>&1
"$P" -C evil config remote "$T/remote.git" >/dev/null
"$P" -C evil sync >/dev/null 2>&1
tip=$(git -C remote.git rev-parse -q --verify refs/heads/replicas/tinh/tinh-evil) || exit 2
sign_as d2
forged=$(git -C remote.git commit-tree $GIT_SIGN "$tip^{tree}" -m "hand-over by a district's key") || exit 2
unsign
git -C remote.git update-ref refs/heads/replicas/tinh/tinh-evil "$forged"
git -C remote.git ls-tree -r --name-only "$forged" | grep -q . || exit 2
# (b) a second province replica, enrolled, copied, then revoked before the copy syncs
"$P" init p2 --office tinh --replica two --remote "$T/remote.git" --trust "$pin" >/dev/null || fail "setup: p2 init"
"$P" -C p2 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve tinh-two --key p2/key.pub >/dev/null || fail "setup: approve p2"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C p2 sync >/dev/null 2>&1
"$P" -C p2 progress set p1-t4 2021 --percent 4 >/dev/null; "$P" -C p2 sync >/dev/null 2>&1
cp -a p2 p2copy
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys revoke tinh-two >/dev/null || fail "setup: revoke p2"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C p2copy progress set p1-t5 2021 --percent 6 >/dev/null 2>&1
"$P" -C p2copy sync >/dev/null 2>&1
nc=$(replica_of p2copy)
[ "$nc" != tinh-two ] || exit 2
"$P" -C tinh progress set p1-t1 2021 --percent 9 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
for d in d2 tinh; do
  "$P" -C $d sync >/dev/null 2>&1
  "$P" -C $d dump >"$T/dump.$d" 2>/dev/null || fail "$d dump"
  grep -q '"id": "key/tinh/tinh-evil"' "$T/dump.$d" && fail "$d enrolled tinh-evil (signed by a district's key)"
  grep -q "\"id\": \"key/tinh/$nc\"" "$T/dump.$d" && fail "$d enrolled $nc (handed over by a revoked key)"
  grep -q '"id": "program/p9"' "$T/dump.$d" && fail "$d applied the plan record the district's key signed"
  grep -q '"id": "key/tinh/tinh-two"' "$T/dump.$d" || fail "$d: no record of tinh-two (the test is wrong)"
  "$P" -C $d progress show 2>/dev/null | grep -q '^tinh  *p1-t5 ' && fail "$d applied the change of the revoked replica's copy"
  "$P" -C $d progress show 2>/dev/null | grep -q '^tinh  *p1-t1  *2021  *9 ' || fail "$d lost the province's own change"
done
"$P" -C d2 problems 2>/dev/null | grep -q 'tinh-evil' || fail "d2 does not report the forged province branch"
exit 0
