#!/bin/bash
# plansyncd without --foreground, started while another daemon holds the
# replica: the refusal "plansyncd: already running for DIR (pid N); stop that
# one first" is printed twice (once by the detached child, once by the
# parent it reports to). Expected: one message, exit 1.
. "$(dirname "$0")/common.sh"
D=${PLANSYNCD:-$(dirname "$P")/plansyncd}
[ -x "$D" ] || { echo "no plansyncd"; exit 2; }
prov
"$D" -C tinh --foreground 2>/dev/null & DP=$!
trap 'kill $DP 2>/dev/null; wait $DP 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -S tinh/plansyncd.sock ] && break; sleep 0.1; done
out=$("$D" -C tinh 2>&1); rc=$?
echo "rc=$rc:"; echo "$out"
[ $rc -eq 1 ] || fail "exit $rc, expected 1"
n=$(grep -c 'already running' <<<"$out")
[ "$n" -eq 1 ] || fail "the refusal is printed $n times"
exit 0
