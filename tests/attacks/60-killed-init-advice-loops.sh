#!/usr/bin/env bash
# `plansync init` killed (kill -9, power cut) after it created plansync.db's
# tables but before it stored the office: the state `sleep 0.015; kill -9`
# of an init leaves (reproduced here exactly by emptying the meta table).
# The messages must lead out: today init again says "k is already a replica;
# use it with -C k", while every command with -C k says "k is not a complete
# replica; run plansync init again" - a circle - and `status` exits 1 where
# `check` exits 8 for the same replica (8: the replica needs repair).
source "$(dirname "$0")/common.sh"
prov
"$P" init k --office gia-loc --replica k --remote "$T/remote.git" --trust "$(province_pin)" --user U >/dev/null || fail "setup init"
sqlite3 k/plansync.db "DELETE FROM meta" || { echo "skip: no sqlite3" >&2; exit 2; }
st=$("$P" -C k status 2>&1); src=$?
"$P" -C k check >/dev/null 2>&1; crc=$?
again=$("$P" init k --office gia-loc --replica k --remote "$T/remote.git" --trust "$(province_pin)" --user U 2>&1); arc=$?
echo "status (exit $src): $st"; echo "check exit $crc"; echo "init again (exit $arc): $again"
bad=0
if [ "$arc" -ne 0 ] && printf '%s' "$again" | grep -q "use it with -C"; then
  echo "init sends the user to -C k, which refuses the replica as incomplete"; bad=1
fi
if [ "$src" -ne "$crc" ] || [ "$src" -ne 8 ]; then
  echo "status exits $src, check $crc, for one incomplete replica (expected 8 from both)"; bad=1
fi
[ "$bad" -eq 0 ] || fail "an init killed half-way leaves a replica whose messages send the user in a circle"
exit 0
