#!/bin/bash
# README: the replica directory is -C DIR, else $PLANSYNC_DIR, else the
# current directory. An empty PLANSYNC_DIR (exported but unset in a systemd
# unit or a profile, PLANSYNC_DIR=) is taken as the directory "": every
# command, from inside a replica too, says "replica directory  does not
# exist" (a blank where the name should be) - plansync and plansyncd alike.
# Expected: an empty PLANSYNC_DIR counts as unset (the current directory),
# and an empty -C '' is refused as empty, not called a missing directory.
. "$(dirname "$0")/common.sh"
prov
bad=0
out=$(cd tinh && PLANSYNC_DIR= "$P" status 2>&1); rc=$?
echo "PLANSYNC_DIR= plansync status (in the replica): exit $rc: $(head -1 <<<"$out")"
[ "$rc" -eq 0 ] || bad=1
out=$("$P" -C '' status 2>&1); rc=$?
echo "plansync -C '' status: exit $rc: $(head -1 <<<"$out")"
grep -q 'directory  does' <<<"$out" && bad=1
[ $bad -eq 0 ] || fail "an empty PLANSYNC_DIR or -C '' is a directory named \"\" that does not exist"
