#!/bin/bash
# "The province can rotate its own key with a record signed by the old one"
# (issue 11); README: "the new key signs from then on". The province's own
# branch does refuse a commit by the old key once the new one has signed
# ("which replica tinh-hq had before its current key signed a commit"),
# but a new province replica id signed by the old key is taken as "the
# pinned key itself (the root under a new id)" (sync_verify.c
# ps_sync_verify_boot): the pin is compared, never the registry, and after
# the rotation no record names the old key as its public_key, so the
# "signed by another replica's key" check no longer catches it either.
# Whoever holds the retired key (the reason to rotate it: a lost laptop, a
# departed officer) writes key records as the province on every reader:
# here it enrols its own key for binh-giang and files binh-giang's progress.
# Expected: the retired key's commits are refused by every reader.
. "$(dirname "$0")/common.sh"
prov
PIN=$(province_pin)
cp tinh/key old.key; chmod 600 old.key
dist d1 binh-giang a
"$P" -C tinh keys rotate >/dev/null || exit 2
"$P" -C tinh sync >/dev/null 2>&1
# the new key signs a commit of the province's own branch
ssh-keygen -q -t ed25519 -N '' -C other -f other.key
"$P" -C tinh keys approve tu-ky-b --key other.key.pub >/dev/null || exit 2
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
[ "$("$P" -C tinh keys show --json | sed -n 's/.*"fingerprint": "\([^"]*\)".*/\1/p')" != "$PIN" ] || exit 2
# the holder of the retired key: a replica of the province under a new id
"$P" init evil --office tinh --replica x --remote "$T/remote.git" --user Evil --key old.key --trust "$PIN" >/dev/null 2>&1 || exit 2
ssh-keygen -q -t ed25519 -N '' -C atk -f atk.key
"$P" -C evil keys approve binh-giang-zz --key atk.key.pub >/dev/null 2>&1 || exit 2
"$P" -C evil sync >/dev/null 2>&1 || exit 2
"$P" init z --office binh-giang --replica zz --remote "$T/remote.git" --key atk.key --trust "$PIN" >/dev/null 2>&1 || exit 2
"$P" -C z progress set p1-t1 2021 --percent 99 >/dev/null && "$P" -C z sync >/dev/null 2>&1 || exit 2
for d in tinh d1; do "$P" -C $d sync >/dev/null 2>&1; done
pz() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | grep -c '"percent": 99'; }
kz() { "$P" -C "$1" dump 2>/dev/null | grep -c '"key/binh-giang/binh-giang-zz"'; }
a=$(kz tinh) b=$(kz d1) c=$(pz tinh) d=$(pz d1)
echo "key record written with the retired province key: on the province ${a}, on the district ${b}; the forged 99 % shown: province ${c}, district ${d}"
"$P" -C tinh audit >/dev/null 2>&1 && echo "audit passes"
[ "$a" = 0 ] && [ "$b" = 0 ] && [ "$c" = 0 ] && [ "$d" = 0 ] || fail "the rotated-away province key still writes as the province on every reader"
exit 0
