#!/usr/bin/env bash
# A full disk (issue item 8): writes fail with "the disk is full" and what
# to do, reads still work, nothing is lost, and everything goes out once
# space is freed. Needs root to mount small tmpfs file systems; elsewhere
# it says so and passes.
source "$(dirname "$0")/lib.sh"
trap 'umount "$T/fs/a/repo.git" 2>/dev/null || true; umount "$T/fs" 2>/dev/null || true; rm -rf "$T"' EXIT
mkdir fs
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=4m tmpfs fs 2>/dev/null; then
  echo "note: cannot mount a tmpfs here (not root); skipped"
  finish
  exit 0
fi
git init -q --bare remote.git
"$P" init fs/a --office tinh --replica hq --remote "$T/remote.git" >/dev/null
"$P" -C fs/a plan import >/dev/null
"$P" -C fs/a sync >/dev/null
before=$("$P" -C fs/a dump)

# plansync.db's disk full: the write fails clearly, reads go on.
dd if=/dev/zero of=fs/fill bs=4k 2>/dev/null || true
expect_fail 1 "disk is full.*free some space" "$P" -C fs/a progress set p1-t1 2021 --percent 5
"$P" -C fs/a status >/dev/null && ok "status reads on a full disk" || bad "status fails on a full disk"
[ "$("$P" -C fs/a dump)" = "$before" ] && ok "dump reads on a full disk" || bad "dump differs on a full disk"
expect_fail 1 "disk is full" "$P" -C fs/a sync
rm -f fs/fill
"$P" -C fs/a progress set p1-t1 2021 --percent 6 >/dev/null && ok "writes again once space is freed" || bad "no write after freeing space"

# repo.git's disk full (its own small file system): the export fails clearly.
mv fs/a/repo.git repo.save && mkdir fs/a/repo.git
mount -t tmpfs -o size=3m tmpfs fs/a/repo.git
cp -a repo.save/. fs/a/repo.git/
dd if=/dev/zero of=fs/a/repo.git/fill bs=4k 2>/dev/null || true
expect_fail 1 "disk is full.*free some space" "$P" -C fs/a sync
rm -f fs/a/repo.git/fill
"$P" -C fs/a sync >/dev/null && ok "sync goes through once space is freed" || bad "sync after freeing space"
"$P" -C fs/a check >/dev/null && ok "replica intact after the full disks" || bad "check after the full disks"
[ -n "$(git -C remote.git log --oneline --all)" ] && "$P" init b --office tinh --replica hq2 --remote "$T/remote.git" --trust "$(province_pin fs/a)" >/dev/null \
  && "$P" -C b progress show --json | grep -q '"percent": 6' && ok "the change written before the full disk arrived" \
  || bad "the change did not arrive"
finish
