#!/bin/bash
# A freshly set-up district PC is cloned at the disk level (an image: the copy
# keeps plansync.db's inode and birth time, so the instance mark cannot tell
# the copies apart). The province's clock ran 5 minutes ahead (within the
# allowed drift), so both copies' clocks tick logically from the same value:
# each writes a different value for the same record, minutes apart, and both
# get the SAME change id. Expected: ids never collide between two copies;
# every write that returned 0 reaches every replica; dumps equal.
# Needs root (loop mounts).
. "$(dirname "$0")/common.sh"
cleanup() { umount "$T/m1" "$T/m2" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
NOW=$(date +%s%3N)
git init -q --bare remote.git
PLANSYNC_FAKE_NOW_MS=$((NOW + 300000)) "$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user P >/dev/null
PLANSYNC_FAKE_NOW_MS=$((NOW + 300000)) "$P" -C tinh plan import >/dev/null
PLANSYNC_FAKE_NOW_MS=$((NOW + 300000)) "$P" -C tinh sync >/dev/null
truncate -s 64M img1 && mkfs.ext4 -q -F img1 && mkdir m1 m2 && mount -o loop img1 m1 || { echo "cannot loop-mount (need root)"; exit 2; }
"$P" init m1/d --office binh-giang --replica a --remote "$T/remote.git" --user U --trust "$(province_pin)" >/dev/null || fail init
enrol m1/d
umount m1 && cp --sparse=always img1 img2 && mount -o loop img1 m1 && mount -o loop img2 m2
"$P" -C m1/d progress set p1-t1 2021 --percent 11 --note "from copy 1"
sleep 1.2
"$P" -C m2/d progress set p1-t1 2021 --percent 77 --note "from copy 2"
for d in m1/d m2/d m1/d m2/d tinh; do "$P" -C $d sync >/dev/null 2>&1; done
# the copy that continues under a new id has a new key: the province enrols it
enrol m1/d; enrol m2/d
# m2/d once more at the end: the receipts the province wrote (issue 12)
for d in m1/d m2/d m1/d m2/d tinh m2/d; do "$P" -C $d sync >/dev/null 2>&1; done
for d in tinh m1/d m2/d; do echo "$d: $("$P" -C $d progress show | grep p1-t1)"; done
a=$(sqlite3 m1/d/plansync.db "select id from changes where office='binh-giang'"); b=$(sqlite3 m2/d/plansync.db "select id from changes where office='binh-giang' and local in (0,1) order by seq limit 1")
echo "copy 1 id: $a; copy 2 id: $b"
[ "$a" != "$b" ] || echo "BROKEN: both copies minted change id $a for different content" >&2
"$P" -C tinh dump > t.json; "$P" -C m2/d dump > d2.json
cmp -s t.json d2.json || fail "copy 2 diverged from the province (its write never arrived)"
"$P" -C tinh log | grep -q "77" || fail "copy 2's write (exit 0) never reached the province"
[ "$a" != "$b" ] || fail "change id collision"
exit 0
