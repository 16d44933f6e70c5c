#!/bin/bash
# 157: after a rotation, offices created afterwards are pinned to the province's current key (as
# the README advises). Whether a new replica accepts the province's root commit (signed by the
# old key) depends on who signed the tip of the province's branch. Anyone with write access to the
# bare repository appends one unsigned commit there: every new office pinned to the current key
# is refused ("the remote's province key is <old>, not <current>"), and one made offline with
# that pin (README gitolite steps 3 and 6) stays stuck for good: after the province's next sync
# replaced the junk with a commit signed by the pinned key, its syncs still fail (exit 3) and the
# plan never arrives. Every reader is meant to refuse junk and read on.
# Expected: unsigned junk on the province's branch changes nothing for a replica pinned to the
# province's current key: it reads the province (at the latest once the junk is replaced).
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C tinh keys rotate >/dev/null || fail "setup: rotate"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress set p1-t2 2021 --percent 7 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
NEW=$(province_pin)
B=refs/heads/replicas/tinh/tinh-hq; TIP=$(git -C remote.git rev-parse $B)
J=$(git -C remote.git commit-tree "$TIP^{tree}" -p "$TIP" -m junk) && git -C remote.git update-ref $B "$J" || fail "setup: junk"
"$P" init d3 --office thanh-ha --replica c --user U3 --trust "$NEW" </dev/null >/dev/null 2>&1 || fail "setup: offline init"
"$P" -C d3 config remote "$T/remote.git" >/dev/null || fail "setup: config remote"
"$P" -C d3 sync >/dev/null 2>&1
# the province's next sync replaces the junk with a commit signed by the pinned key
"$P" -C tinh progress set p1-t3 2021 --percent 3 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
[ "$(git -C remote.git rev-parse $B)" != "$J" ] || { echo "skip: the junk was not replaced"; exit 2; }
"$P" -C d3 sync >/dev/null 2>&1; src=$?
offices=$("$P" -C d3 plan offices 2>/dev/null | tail -n +2 | wc -l)
[ "$src" -eq 0 ] && [ "$offices" -gt 0 ] && exit 0
fail "one unsigned commit on the province's branch locked out a replica pinned to the province's current key: after the junk was replaced its sync exits $src and it knows $offices offices"
