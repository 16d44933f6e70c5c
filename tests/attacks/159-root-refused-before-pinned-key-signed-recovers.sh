#!/bin/bash
# 159: after `keys rotate` an office made offline with the province's current key as its pin
# (README gitolite steps 3 and 6) syncs before that key has signed anything: the province's root
# commit (the old key's) cannot be accepted yet (a chain the old key wrote proves nothing about who
# holds the new key, attack 158) and is quarantined. Once the province exports with its current
# key, that replica must read the province at its next sync (never stuck), as must a replica an
# older plansync left with its province root refused.
source "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C tinh keys rotate >/dev/null || fail "setup: rotate"
"$P" -C tinh sync >/dev/null 2>&1
NEW=$(province_pin)
"$P" init d3 --office thanh-ha --replica c --user U3 --trust "$NEW" </dev/null >/dev/null 2>&1 || fail "setup: offline init"
"$P" -C d3 config remote "$T/remote.git" >/dev/null || fail "setup: config remote"
"$P" -C d3 sync >/dev/null 2>&1
seen=$(sqlite3 d3/plansync.db "SELECT value FROM meta WHERE key='trust.seen'")
[ -n "$seen" ] && [ "$seen" != "$NEW" ] || { echo "skip: the province's root was not refused first"; exit 2; }
"$P" -C tinh progress set p1-t2 2021 --percent 7 >/dev/null; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C d3 sync >/dev/null 2>&1; src=$?
offices=$("$P" -C d3 plan offices 2>/dev/null | tail -n +2 | wc -l)
[ "$src" -eq 0 ] && [ "$offices" -gt 0 ] || fail "a replica whose province root was refused before the pinned key signed stays stuck: its sync exits $src and it knows $offices offices"
# and now that the current key has signed, init --trust with it works at once
"$P" init d2 --office tu-ky --replica b --remote "$T/remote.git" --user U2 --trust "$NEW" </dev/null >/dev/null 2>&1 || fail "init --trust with the current key after it signed: $("$P" init d2b --office tu-ky --replica b2 --remote "$T/remote.git" --trust "$NEW" </dev/null 2>&1 | tail -1)"
exit 0
