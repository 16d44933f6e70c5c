#!/bin/bash
# README, "When things go wrong": on "a full disk ... reads keep working;
# writes fail saying so and write nothing"; a replica "copied (cp -a, a
# restored backup) ... notices at its first open ... and continues as a new
# replica id". A backup restored (cp -a) onto a disk it fills: the first
# open of the copy wants to record its new identity (ps_identity_check,
# lib/identity.c, begins a transaction whenever the files are writable by
# permission), the store opened read-only because the disk is full, so the
# open fails: `status`, `progress show` exit 1 with "the disk is full:
# reading works, writing does not", and `check` exits 8 calling the healthy
# database one that "cannot be opened" and telling the user to move the
# replica aside, `plansync init` it again and recover undelivered reports
# with sqlite3 .recover. The same copy on a disk with room reads fine, and
# so does the original replica once the disk is full (the control).
# Expected: status and progress show work on the full disk and check does
# not tell anyone to set a healthy replica aside.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 11 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C d1 progress set p1-t2 2021 --percent 22 >/dev/null || exit 2 # not yet sent
mkdir fs ctl
mount -t tmpfs -o size=2m tmpfs fs 2>/dev/null || exit 2
trap 'umount "$T/fs" "$T/ctl" 2>/dev/null; rm -rf "$T"' EXIT
mount -t tmpfs -o size=2m tmpfs ctl || exit 2
# control: the replica opened in place on the disk before it filled
cp -a d1 ctl/d1 && "$P" -C ctl/d1 status >/dev/null 2>&1 || exit 2
dd if=/dev/zero of=ctl/fill bs=1k count=4096 2>/dev/null
"$P" -C ctl/d1 progress show 2>/dev/null | grep -q p1-t2 || exit 2 # reads on a full disk do work
# the restored copy, first opened once the disk is full
cp -a d1 fs/d1 || exit 2
dd if=/dev/zero of=fs/fill bs=1k count=4096 2>/dev/null
[ "$(df -k --output=avail fs | tail -1 | tr -d ' ')" -lt 16 ] || exit 2
"$P" -C fs/d1 status >st.out 2>st.err; src=$?
"$P" -C fs/d1 progress show >ps.out 2>ps.err; prc=$?
"$P" -C fs/d1 check >ck.out 2>ck.err; crc=$?
echo "on the full disk: status rc=$src ($(head -1 st.err)); progress show rc=$prc; check rc=$crc"
grep -q 'set the replica aside' ck.err && echo "check says: $(grep -m1 -A1 'set the replica aside' ck.err | tr '\n' ' ')"
[ $src -eq 0 ] && [ $prc -eq 0 ] && grep -q p1-t2 ps.out ||
	fail "a restored copy first opened on a full disk cannot be read (status rc=$src, progress show rc=$prc)"
grep -q 'set the replica aside' ck.err && fail "check tells the user to set a healthy replica aside and init it again because the disk is full"
exit 0
