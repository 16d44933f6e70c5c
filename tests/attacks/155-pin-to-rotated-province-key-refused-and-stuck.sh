#!/bin/bash
# 155: after `keys rotate` the README says offices created afterwards are best given the current
# fingerprint (`keys show`). Until the province happens to export another change, the tip of its
# branch is the rotation commit, signed by the old key, and a replica pinned to the current key
# refuses the real province: `init --remote URL --trust <current>` fails "the remote's province
# key is <old> ... this is not the province you meant"; and a replica made offline with that pin
# (the README's gitolite steps 3 and 6: init with no remote, config remote, sync) whose first
# sync falls in that window quarantines the province's root commit for good: its syncs keep
# failing (exit 3, "move DIR away and run init again") even after the province's next commit,
# signed by the very key it pinned, is on the remote; the plan never arrives.
# Expected: a pin to the province's current key, reached by a rotation the old root signed, is
# accepted whatever the branch's tip; at the least, once the pinned key signs the tip, the replica
# reads the province.
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C tinh keys rotate >/dev/null || fail "setup: rotate"
"$P" -C tinh sync >/dev/null 2>&1
NEW=$("$P" -C tinh keys show | sed -n 's/^fingerprint: *//p')
[ "$NEW" = "$(province_pin)" ] || fail "setup: keys show"
"$P" init d2 --office tu-ky --replica b --remote "$T/remote.git" --user U2 --trust "$NEW" </dev/null >/dev/null 2>&1; irc=$?
"$P" init d3 --office thanh-ha --replica c --user U3 --trust "$NEW" </dev/null >/dev/null 2>&1 || fail "setup: offline init"
"$P" -C d3 config remote "$T/remote.git" >/dev/null || fail "setup: config remote"
"$P" -C d3 sync >/dev/null 2>&1
# the province's next commit, signed by the key d3 pinned
"$P" -C tinh progress set p1-t2 2021 --percent 7 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C d3 sync >/dev/null 2>&1; src=$?
offices=$("$P" -C d3 plan offices 2>/dev/null | tail -n +2 | wc -l)
[ "$irc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$offices" -gt 0 ] && exit 0
fail "pinned to the province's current key after a rotation: init --remote exited $irc; the offline-made replica's sync after the province's next commit exited $src and it knows $offices offices ($("$P" -C d3 sync 2>&1 | grep -o "the remote's province key is [^ ]*, not [^ ]*" | head -1))"
