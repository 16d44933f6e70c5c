#!/bin/bash
# "A pin that does not match the remote's province key is refused with
# both fingerprints, and nothing is kept" (README, "The root of trust");
# "without a pin ... in a script refuses unless --trust-first-use".
# cmd_init.c turns trust-on-first-use ON before init's first sync (the
# sync pins the first province key it meets) and compares --trust only
# after it (settle_trust), undoing the replica on a mismatch. Killed
# between the two (power cut, kill -9; here at the sync's last step,
# PLANSYNC_KILL_AT=import:committed), init leaves a complete replica that
# pins the remote's key, not the one given, with trust.first_use=1 for
# good; init run again says "d9 is already a replica; use it with -C d9",
# and using it works: sync exits 0, no problem is reported. Here the
# remote is another province (a repository that is not the province's).
# Expected: after the kill, the replica does not trust a key other than
# the one given with --trust (refused, or the check made at the next use).
. "$(dirname "$0")/common.sh"
prov
PIN=$(province_pin)
git init -q --bare remote2.git
"$P" init fakep --office tinh --replica hq --remote "$T/remote2.git" >/dev/null 2>&1 && "$P" -C fakep plan import >/dev/null &&
  "$P" -C fakep sync >/dev/null 2>&1 || exit 2
# the same command without a kill is refused, nothing kept
"$P" init d9x --office binh-giang --remote "$T/remote2.git" --trust "$PIN" >/dev/null 2>&1 && exit 2
[ -e d9x ] && exit 2
{ PLANSYNC_KILL_AT=import:committed "$P" init d9 --office binh-giang --remote "$T/remote2.git" --trust "$PIN" >/dev/null 2>&1; } 2>/dev/null
krc=$?
[ $krc -eq 137 ] || { echo "init not killed (exit $krc)"; exit 2; }
"$P" init d9 --office binh-giang --remote "$T/remote2.git" --trust "$PIN" >again.out 2>&1; arc=$?
"$P" -C d9 sync >/dev/null 2>&1; src=$?
pinned=$(sqlite3 d9/plansync.db "select value from meta where key='trust.province'" 2>/dev/null)
nrec=$("$P" -C d9 dump 2>/dev/null | grep -c '"id": "task/')
echo "killed init; init again exit $arc ($(head -c 80 again.out)); sync exit $src; pinned ${pinned:-none} (given $PIN); plan tasks from the other province: $nrec"
[ "$src" -ne 0 ] || [ -z "$pinned" ] || [ "$pinned" = "$PIN" ] || fail "a killed init leaves a replica that trusts a province key it was told not to"
exit 0
