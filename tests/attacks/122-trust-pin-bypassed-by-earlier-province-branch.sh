#!/bin/bash
# "init --trust SHA256:... pins it on every other replica ... A pin that
# does not match the remote's province key is refused with both
# fingerprints, and nothing is kept" (issue 11, README "The root of
# trust"). init runs its first sync trusting on first use, so the pin
# becomes the first province key met that writes its own key record
# (sync_verify.c ps_sync_verify_boot); settle_trust (cli/cmd_init.c) then
# accepts --trust when the registry verified from THAT key merely names
# the given fingerprint as a province key, and keeps the first key met as
# the pin. Anyone who can push to the shared repository (no key of the
# province) makes a province of their own offline, copies the real
# province key's public record into it (keys approve tinh-hq --key, the
# province's key.pub is public), and pushes it as replicas/tinh/tinh-aaa,
# a name read before tinh-hq. A new office that types the province's
# correct fingerprint gets the attacker's key as its root of trust: the
# attacker enrols a key for that office and its forged progress shows,
# with no problem and a passing audit, while the province refuses it.
# Expected: the new replica pins the fingerprint given with --trust, and
# what the attacker's key signs is refused there as on the province.
. "$(dirname "$0")/common.sh"
prov
PIN=$(province_pin)
# the attacker: only write access to the shared repository
"$P" init fake --office tinh --replica aaa --user Mallory >/dev/null 2>&1 || exit 2
"$P" -C fake keys approve tinh-hq --key tinh/key.pub >/dev/null 2>&1 || exit 2
ssh-keygen -q -t ed25519 -N '' -C atk -f atk.key
"$P" -C fake keys approve binh-giang-zz --key atk.key.pub >/dev/null 2>&1 || exit 2
"$P" -C fake config remote "$T/remote.git" >/dev/null || exit 2
"$P" -C fake sync >/dev/null 2>&1
git -C remote.git rev-parse -q --verify refs/heads/replicas/tinh/tinh-aaa >/dev/null || exit 2
# a new office, given the province's fingerprint by phone
"$P" init d2 --office binh-giang --replica b --remote "$T/remote.git" --trust "$PIN" >/dev/null 2>&1; irc=$?
if [ $irc -ne 0 ]; then echo "init refused (exit $irc)"; exit 0; fi
pinned=$(sqlite3 d2/plansync.db "select value from meta where key='trust.province'" 2>/dev/null)
"$P" init z --office binh-giang --replica zz --remote "$T/remote.git" --key atk.key --trust-first-use >/dev/null 2>&1
"$P" -C z progress set p1-t1 2021 --percent 99 >/dev/null 2>&1 && "$P" -C z sync >/dev/null 2>&1
for d in tinh d2; do "$P" -C $d sync >/dev/null 2>&1; done
pz() { "$P" -C "$1" progress show -o binh-giang -t p1-t1 --json 2>/dev/null | grep -c '"percent": 99'; }
a=$(pz tinh) b=$(pz d2)
echo "init --trust $PIN exit $irc; the replica pins ${pinned:-?}; forged 99 % shown on the province: $a, on the new district: $b"
"$P" -C d2 audit >/dev/null 2>&1 && echo "audit on the district passes"
[ "$pinned" = "$PIN" ] && [ "$b" = 0 ] || fail "init --trust with the right fingerprint pins the attacker's key; its forgeries apply"
exit 0
