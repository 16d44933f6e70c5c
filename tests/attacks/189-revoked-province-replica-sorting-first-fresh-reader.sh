#!/bin/bash
# 189 (a guard: held when written): a revocation is the same on every reader, whatever order it reads branches in. The root
# province replica tinh-hq revokes a second province replica tinh-a, naming its commit A1, before
# it has read A2 (p1-t1 at 50% for tinh). tinh-a's branch sorts before tinh-hq's, so a new reader
# reads it before the revocation in the same import (the import reads every branch again after
# the province's, with the registry complete). Expected: a replica made afterwards
# (`init --remote`, one import) refuses A2 like the root at once (same dump), and `audit` on the
# root says the state it holds is the one the history implies.
. "$(dirname "$0")/common.sh"
prov
"$P" init a --office tinh --replica a --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init a"
"$P" -C a sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve tinh-a --key a/key.pub >/dev/null || { echo "setup: approve tinh-a"; exit 2; }
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C a sync >/dev/null 2>&1
"$P" -C a progress set p1-t1 2021 --percent 10 >/dev/null 2>&1 || { echo "setup: a writes"; exit 2; }
"$P" -C a sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C a progress set p1-t1 2021 --percent 50 >/dev/null 2>&1; "$P" -C a sync >/dev/null 2>&1
"$P" -C tinh keys revoke tinh-a >/dev/null || fail "the root could not revoke tinh-a"
"$P" -C tinh sync >/dev/null 2>&1
"$P" init f --office tu-ky --replica f --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init f"
strip() { "$P" -C "$1" dump | sed 's/"revoked_commit": "[^"]*"//'; }
"$P" -C f progress show --json 2>/dev/null | grep -q '"percent": 50' && fail "a new reader applied the commit after the revocation"
cmp -s <(strip tinh) <(strip f) || fail "the root and a new reader disagree"
"$P" -C tinh audit 2>&1 | grep -q "STATE DIFFERS" && fail "the root's audit says its state is not what the history implies"
echo "held: a new reader refuses the revoked province replica's later commit at once"
