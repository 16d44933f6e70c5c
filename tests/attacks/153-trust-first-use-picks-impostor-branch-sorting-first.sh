#!/bin/bash
# 153: `init --trust-first-use` ("trust the key that signed the province's first key record")
# trusts whichever self-enrolled province branch sorts first, not the province's root. Long after
# the real province (tinh-hq) enrolled its offices, anyone with write access to the bare
# repository (bypassing the server) pushes a branch replicas/tinh/tinh-aaa made by plansync itself
# on an empty remote (a replica of office tinh enrolling its own key). A new office created with
# --trust-first-use, as the README says scripts do, now trusts the impostor: the real province's
# branch is quarantined as "not the province this replica trusts", the plan never arrives, every
# real office shows as an enrolment request, and init exits 0 printing the impostor's fingerprint.
# Expected: with two province roots on the remote, --trust-first-use refuses (naming both
# fingerprints, asking for --trust) or trusts the real root; it never trusts a key the province's
# root did not enrol.
source "$(dirname "$0")/common.sh"
prov
REAL=$(province_pin)
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh sync >/dev/null 2>&1
git init -q --bare evil.git
"$P" init ev --office tinh --replica aaa --remote "$T/evil.git" --user E >/dev/null 2>&1 || fail "setup: impostor init"
"$P" -C ev sync >/dev/null 2>&1
git -C evil.git push -q "$T/remote.git" refs/heads/replicas/tinh/tinh-aaa || fail "setup: push"
EVIL=$(province_pin "$T/ev")
"$P" init d2 --office tu-ky --replica b --remote "$T/remote.git" --user U2 --trust-first-use </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && exit 0   # refused: fixed
offices=$("$P" -C d2 plan offices 2>/dev/null | tail -n +2 | wc -l)
[ "$offices" -gt 0 ] && exit 0   # the real province's plan arrived: it trusts the root
fail "init --trust-first-use exited $rc trusting the impostor's key $EVIL (the province root is $REAL): the new office knows $offices offices of the plan; $("$P" -C d2 problems 2>/dev/null | grep -c 'not the province this replica trusts') problem(s) say the real province is not the one it trusts"
