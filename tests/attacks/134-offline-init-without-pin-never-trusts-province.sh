#!/bin/bash
# README (gitolite steps): "Each office creates its replica with no remote
# yet, pinned to the province's key"; "Without --trust, init shows the
# fingerprint of the province key it found and asks on a terminal; in a
# script it refuses unless --trust-first-use". With no remote there is no
# key to find, so init without --trust succeeds (exit 0) and records
# "no first use". When the remote is set and the replica syncs, the
# province's branch is held as an "enrolment request from replica tinh-hq
# (office tinh)" that only the province could approve: sync exits 0, the
# replica never gets the plan (no offices, no tasks), status says its
# keys "wait for the province", nothing says a pin is missing, and no
# command sets one afterwards (keys approve: "only the province decides";
# config has no such setting). The office is stuck for good.
# Expected: init refuses (or the sync fails saying how to pin), or the
# replica can still be given the pin and gets the plan.
. "$(dirname "$0")/common.sh"
prov
PIN=$(province_pin)
"$P" init off1 --office binh-giang --replica o1 >/dev/null 2>&1; irc=$?
[ $irc -ne 0 ] && { echo "init without --trust and without a remote refused (exit $irc)"; exit 0; }
"$P" -C off1 config remote "$T/remote.git" >/dev/null || exit 2
"$P" -C off1 sync >sync.out 2>&1; src=$?
"$P" -C off1 sync >>sync.out 2>&1
n=$("$P" -C off1 plan offices --json 2>/dev/null | grep -c '"id"')
hint=$(grep -ci 'trust\|pin' sync.out)
# any command that could take the pin now
"$P" -C off1 keys approve tinh-hq >/dev/null 2>&1 && ok1=yes || ok1=no
"$P" -C off1 config trust.province "$PIN" >/dev/null 2>&1 && ok2=yes || ok2=no
"$P" -C off1 sync >/dev/null 2>&1
n2=$("$P" -C off1 plan offices --json 2>/dev/null | grep -c '"id"')
echo "offline init without --trust: exit $irc; sync exit $src, lines naming trust or a pin: $hint; plan offices: $n; keys approve tinh-hq: $ok1; config trust.province: $ok2; offices after: $n2"
[ "$n2" -gt 0 ] || { [ "$src" -ne 0 ] && [ "$hint" -gt 0 ]; } || fail "a replica made offline without --trust never trusts the province, and nothing says why or lets it"
exit 0
