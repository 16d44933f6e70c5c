#!/bin/bash
# Issue 9 asks for all SQL in the store layer (lib/store*.c), each statement
# prepared once per call site with no global slot limit, and docs/design.md
# now states "SQL only in store*.c". Yet fold.c, integrity.c, identity.c,
# replica.c and plan.c still hold SQL literals (plan.c with a hard-coded
# kind list 'progress', 'review'), five call sites still call
# sqlite3_prepare_v2 by hand, and store.c keeps the 64-slot statement cache
# keyed by literal address (CACHE_SIZE) next to the new per-site one.
# Static check of the source tree (PLANSYNC_SRC, else this checkout).
. "$(dirname "$0")/common.sh"
src=${PLANSYNC_SRC:-$ATTACKS/../..}
[ -d "$src/lib" ] || { echo "no source tree"; exit 2; }
bad=0
out=$(cd "$src" && for f in lib/*.c; do case $f in lib/store*) continue;; esac
  grep -HnE '"[^"]*\b(SELECT|INSERT|UPDATE|DELETE FROM|CREATE TEMP|PRAGMA)\b' "$f"; done)
n=$(grep -c . <<<"$out")
[ -n "$out" ] && { echo "$out" | head -20; echo "BROKEN: $n SQL literal lines outside lib/store*.c" >&2; bad=1; }
p=$(cd "$src" && grep -n 'sqlite3_prepare' lib/*.c | grep -v '^lib/store')
[ -n "$p" ] && { echo "$p"; echo "BROKEN: sqlite3_prepare called outside the store" >&2; bad=1; }
grep -q 'CACHE_SIZE' "$src/lib/store.c" && { echo "BROKEN: the fixed statement cache keyed by literal address is still there" >&2; bad=1; }
exit $bad
