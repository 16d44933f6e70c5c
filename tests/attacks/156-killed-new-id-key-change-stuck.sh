#!/bin/bash
# 156: a copied replica (cp -a) takes a new id and makes a new key, keeping the old one as
# key.<old id> (replica_key.c renames key, then key.pub, then makes the new pair). Killed -9
# between the two renames (strace kills it at the rename of key.pub), it leaves key.<old id>
# and the old key.pub but no key. The code means such a cut-short change to finish at the next
# load, but every later sync now fails (exit 8: "key is missing but key.pub is there; put the
# private key back, or move key.pub away"): the replica is stuck until someone edits its
# directory by hand, and its changes stay undelivered.
# Expected: the next run finishes the change (key.pub is the old id's, kept as key.<old id>.pub,
# and a new pair is made) and the sync goes through.
source "$(dirname "$0")/common.sh"
command -v strace >/dev/null || { echo "skip: no strace"; exit 2; }
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
cp -a d1 d1c
(strace -f -qq -o /dev/null -P d1c/key.pub -e trace=rename,renameat,renameat2 \
  -e inject=rename,renameat,renameat2:signal=KILL "$P" -C d1c progress set p1-t2 2021 --percent 20) >/dev/null 2>&1
[ ! -e d1c/key ] && [ -e d1c/key.pub ] || { echo "skip: the kill did not land between the renames"; exit 2; }
"$P" -C d1c progress set p1-t2 2021 --percent 20 >/dev/null 2>&1
"$P" -C d1c sync >/dev/null 2>&1; rc=$?
[ "$rc" -eq 0 ] || fail "after a kill between the key renames of a new id, every sync fails (exit $rc: $("$P" -C d1c sync 2>&1 | head -1 | cut -c1-160))"
exit 0
