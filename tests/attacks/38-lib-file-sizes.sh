#!/bin/bash
# Issue 9, done when: "wc -l lib/*.c shows no file doing several jobs (none
# over ~800 lines; over ~600 only with the reason at its top)".
# lib/store.c has 850 lines and its header lists several jobs (open and
# migrate, transactions, a statement cache, meta settings, the clock,
# inserting changes) with no reason for its size; lib/replica.c (613) gives
# none either. Static check: no lib/*.c over 800 lines, and a file over 600
# says why at its top (the words "lines" or "long" in its first comment).
. "$(dirname "$0")/common.sh"
src=${PLANSYNC_SRC:-$ATTACKS/../..}
[ -d "$src/lib" ] || { echo "no source tree"; exit 2; }
bad=0
for f in "$src"/lib/*.c; do
  n=$(wc -l <"$f")
  [ "$n" -gt 800 ] && { echo "BROKEN: ${f#$src/} has $n lines" >&2; bad=1; continue; }
  if [ "$n" -gt 600 ]; then
    sed -n '1,/\*\//p' "$f" | grep -qiE '(over|more than) [0-9]+ lines' || { echo "BROKEN: ${f#$src/} has $n lines and no reason at its top" >&2; bad=1; }
  fi
done
exit $bad
