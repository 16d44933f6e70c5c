#!/usr/bin/env bash
# `plansync init --remote` on a disk that fills during the first fetch
# (a 600 KB tmpfs). It exits 1 saying "the disk is full; free some space and
# try again (nothing was written)" - but it keeps the replica it created, so
# after freeing space the same init, as advised, is refused ("already a
# replica", exit 3). README: "an init --remote that fails removes what it
# created, so the corrected command runs". Expected: the failed init leaves
# nothing (or its message names the command that continues, e.g. sync, and
# does not say nothing was written).
source "$(dirname "$0")/common.sh"
prov
"$P" init d1 --office binh-giang --replica a --remote "$T/remote.git" --trust "$(province_pin)" --user U >/dev/null
for i in 1 2 3 4 5; do "$P" -C d1 progress set p$i-t1 2021 --percent $i --note "$(printf 'n%.0s' $(seq 1 500))" >/dev/null; done
"$P" -C d1 sync >/dev/null || fail "setup sync"
mkdir fs
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=600k tmpfs fs 2>/dev/null; then echo "skip: needs root to mount a tmpfs" >&2; exit 2; fi
trap 'umount "$T/fs" 2>/dev/null; rm -rf "$T"' EXIT
out=$("$P" init fs/r --office tu-ky --replica f --remote "$T/remote.git" --trust "$(province_pin)" --user U 2>&1); rc=$?
echo "init on a full disk (exit $rc): $out"
[ "$rc" -ne 0 ] || { echo "skip: the init fitted in 600 KB" >&2; exit 2; }
left=$(ls -A fs/r 2>/dev/null | tr '\n' ' ')
mount -o remount,size=50m fs
again=$("$P" init fs/r --office tu-ky --replica f --remote "$T/remote.git" --trust "$(province_pin)" --user U 2>&1); arc=$?
echo "left behind: [$left]; the same init after freeing space (exit $arc): $again"
[ "$arc" -eq 0 ] || fail "init failed on a full disk, said try again / nothing was written, kept its replica, and the same init then is refused"
exit 0
