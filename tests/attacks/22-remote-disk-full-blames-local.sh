#!/bin/bash
# The shared repository (a path remote on a file server) runs out of space.
# A district's sync fails, exit 1: "writing an object: the disk is full
# (failed to write out file: No space left on device); free some space and
# try again (nothing was lost)" - the same words as a full local disk, and
# status repeats them. The district's own disk has plenty of room; nothing
# says the shared repository is full or where it is, so the office frees
# space on its own PC and is stuck retrying. Expected: the error names the
# shared repository (the remote URL) as the full one - a refused push told
# apart from a local fault, in words. Needs root (tmpfs).
. "$(dirname "$0")/common.sh"
cleanup() { umount "$T/m" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkdir m && mount -t tmpfs -o size=3m tmpfs m 2>/dev/null || { echo "cannot mount tmpfs (need root)"; exit 2; }
R=$T/m/remote.git
git init -q --bare "$R"
"$P" init tinh --office tinh --replica hq --remote "$R" --user P >/dev/null; "$P" -C tinh plan import >/dev/null; "$P" -C tinh sync >/dev/null || fail setup
"$P" init d1 --office binh-giang --replica a --remote "$R" --user U --trust "$(province_pin)" >/dev/null || fail setup
dd if=/dev/zero of=m/filler bs=1k count=100000 2>/dev/null
"$P" -C d1 progress set p1-t1 2021 --percent 1 --note "$(head -c 8000 /dev/urandom | base64 -w0)" >/dev/null || fail set
out=$("$P" -C d1 sync 2>&1); rc=$?
echo "sync rc=$rc: $out"
[ $rc -ne 0 ] || fail "sync into a full remote returned 0"
grep -qiE "remote|shared|$R" <<<"$out" || fail "a full shared repository is reported as a full disk, without naming the remote"
exit 0
