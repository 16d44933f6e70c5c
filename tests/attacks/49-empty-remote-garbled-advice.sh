#!/bin/bash
# Error messages say what to do. An empty remote ('config remote ""' or
# 'init DIR --remote ""', e.g. from an unset shell variable) is treated as a
# path and answered with "remote  does not exist; create it with 'git init
# --bare '" - two spaces where the name should be and a command that cannot
# work. Expected: a usage error (exit 2) or bad input (exit 3) whose message
# says the remote is empty, and no "git init --bare '" advice with no path.
. "$(dirname "$0")/common.sh"
prov
bad=0
rc=0; err=$("$P" -C tinh config remote '' 2>&1 >/dev/null) || rc=$?
echo "config remote '': exit $rc: $err"
{ [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ]; } && ! grep -q "bare '" <<<"$err" && grep -qi empty <<<"$err" || bad=1
rc=0; err=$("$P" init d9 --office tu-ky --remote '' 2>&1 >/dev/null) || rc=$?
echo "init --remote '': exit $rc: $err"
{ [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ]; } && ! grep -q "bare '" <<<"$err" && grep -qi empty <<<"$err" || bad=1
[ $bad -eq 0 ] || fail "an empty remote gets 'remote  does not exist; create it with git init --bare ' instead of saying it is empty"
