#!/bin/bash
# "plansync log shows the verified signer of each change" (issue 11);
# README: "plansync log shows who signed each change (fingerprint,
# enrolled or pending)". The log looks up the writing replica's key in
# the registry as it is NOW (keys_trust.c ps_keys_signer_of), not the key
# that signed the commit that carried the change. After the province
# rotates its key, every change the old key signed (the plan, the
# enrolments, the rotation record itself, which the old key signs by
# design) is shown as signed by the new key, which did not exist then; a
# change written under a replica id the registry lacks shows no signer at
# all. git verify-commit on the same commits names the old key.
# Expected: the signer shown for a change is the key that signed its commit.
. "$(dirname "$0")/common.sh"
prov
OLD=$(province_pin)
dist d1 binh-giang a
"$P" -C tinh keys rotate >/dev/null || exit 2
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
NEW=$(ssh-keygen -lf tinh/key.pub | cut -d' ' -f2)
[ "$NEW" != "$OLD" ] || exit 2
# the commit that carried binh-giang-a's enrolment, as git sees it
"$P" -C tinh keys allowed-signers -o allowed_signers >/dev/null 2>&1 || exit 2
C=$(git -C remote.git log --format=%H --grep='binh-giang-a' refs/heads/replicas/tinh/tinh-hq | tail -1)
gitsays=$(git -C remote.git -c gpg.ssh.allowedSignersFile="$T/allowed_signers" verify-commit "$C" 2>&1 | grep -o 'SHA256:[A-Za-z0-9+/]*' | head -1)
[ "$gitsays" = "$OLD" ] || { echo "git: $gitsays"; exit 2; }
shown=$("$P" -C d1 log --json 2>/dev/null | python3 -c '
import json,sys
for e in json.load(sys.stdin):
    if e["record"] == "key/binh-giang/binh-giang-a":
        print(e.get("signer")); break')
echo "binh-giang-a's enrolment: git verify-commit says signed by $gitsays (the old key); plansync log says ${shown:-nothing} (the new key is $NEW)"
[ "$shown" = "$OLD" ] || fail "plansync log names a signer that did not sign the change"
exit 0
