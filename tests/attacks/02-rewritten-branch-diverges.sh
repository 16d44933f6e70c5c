#!/bin/bash
# A replica's branch is force-pushed with one change file altered (same change
# id, other content) after the province imported it. The writer's PC is gone
# (it never syncs again). A replica created afterwards reads the altered version.
# Expected: the same version counts everywhere (dumps equal), or at least the
# new replica reports the conflict; never silent divergence.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail "sync"
"$P" -C tinh sync >/dev/null 2>&1
B=refs/heads/replicas/binh-giang/binh-giang-a
git clone -q remote.git w 2>/dev/null
sign_as d1 # the rewrite is signed with the writer's key: what is judged is the rewrite
( cd w && git checkout -q -B x origin/replicas/binh-giang/binh-giang-a &&
  F=$(git ls-files changes) && sed -i 's/"percent": *10/"percent": 99/' "$F" &&
  git commit -qa --amend -m rewrite && git push -qf origin x:$B )
unsign
for i in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; done
dist d2 binh-giang b; for i in 1 2; do "$P" -C d2 sync >/dev/null 2>&1; done
a=$("$P" -C tinh progress show | awk '/p1-t1/{print $4}'); b=$("$P" -C d2 progress show | awk '/p1-t1/{print $4}')
echo "province shows $a%, new replica shows $b%; new replica's problems: $("$P" -C d2 problems | head -1)"
"$P" -C tinh dump > t.json; "$P" -C d2 dump > d.json
cmp -s t.json d.json || fail "dumps differ (province $a%, new replica $b%)"
exit 0
