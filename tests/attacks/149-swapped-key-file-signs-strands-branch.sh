#!/bin/bash
# 149: the replica's private key file is replaced by another valid Ed25519 key (a wrong file
# restored, a key copied over it; permissions 0600, key.pub left as it was). plansync signs its
# next export with it without noticing that it is not the key of key.pub / the enrolled key:
# `keys show` still prints the enrolled fingerprint, sync says ok, status says delivered, problems
# says none. Every reader refuses that commit ("this commit and those after it wait"), so the
# change, and every later one even after the right key file is back, never applies anywhere,
# while the district believes them delivered. Expected: sync refuses to sign with a key that is
# not this replica's (clear message, changes stay queued), and nothing good is lost.
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null
cp d1/key key.good
ssh-keygen -q -t ed25519 -N '' -C other -f other.key
cp other.key d1/key; chmod 600 d1/key
"$P" -C d1 sync >/dev/null 2>&1; rc=$?
cp key.good d1/key; chmod 600 d1/key
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
out=$("$P" -C tinh progress show 2>/dev/null)
echo "$out" | grep -q '^binh-giang  *p1-t1  *2021  *10 ' && echo "$out" | grep -q '^binh-giang  *p1-t2  *2021  *20 ' ||
  fail "the province never gets binh-giang's changes after one sync signed with a swapped key file (that sync exited $rc; the district's status: $("$P" -C d1 status | grep '^own:'))"
exit 0
