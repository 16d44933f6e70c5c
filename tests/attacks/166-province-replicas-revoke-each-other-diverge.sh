#!/bin/bash
# 166: "Revocation is deterministic for every reader ... everything after it is refused by all
# readers alike" (issue 11). The province enrols a second province replica tinh-z (README: "there
# are now two province replicas; revoke the one that should stop"). Offline from each other,
# tinh-hq revokes tinh-z and tinh-z revokes tinh-hq; both sync (twice).
# Expected: every reader, both province replicas included, ends with the same key registry and the
# same state (whichever revocation wins). Actual: tinh-hq and a new reader keep tinh-hq enrolled and
# tinh-z revoked, while tinh-z keeps tinh-hq revoked and itself enrolled, refusing every later
# commit of the root province replica for good: the registry (and the data) diverge.
. "$(dirname "$0")/common.sh"
prov
"$P" init z --office tinh --replica z --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init z"
"$P" -C z sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve tinh-z --key z/key.pub >/dev/null || { echo "setup: approve tinh-z"; exit 2; }
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C z sync >/dev/null 2>&1
"$P" -C tinh keys revoke tinh-z >/dev/null || { echo "setup: hq revokes z"; exit 2; }
if ! "$P" -C z keys revoke tinh-hq >/dev/null 2>&1; then echo "held: z may not revoke the root"; exit 0; fi
for _ in 1 2; do "$P" -C tinh sync >/dev/null 2>&1; "$P" -C z sync >/dev/null 2>&1; done
"$P" -C tinh progress set p1-t1 2021 --percent 3 >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1; "$P" -C z sync >/dev/null 2>&1
"$P" init f --office tu-ky --replica f --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init f"
keys() { "$P" -C "$1" dump | grep '"key/tinh/' | sed 's/"revoked_commit": "[^"]*"//'; }
keys tinh > h.txt; keys z > z.txt; keys f > f.txt
bad=
cmp -s h.txt z.txt || { diff h.txt z.txt | grep -o '"id": "[^"]*"\|"revoked": [^,]*' >&2; bad="the two province replicas disagree on who is revoked; "; }
cmp -s h.txt f.txt || bad="${bad}the root province replica and a new reader disagree; "
[ -z "$bad" ] || fail "$bad"
echo "held: every reader ends with the same registry"
