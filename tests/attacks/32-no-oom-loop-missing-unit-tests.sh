#!/bin/bash
# Issue 9 item 7: unit tests for every module, "including the CSV parser,
# queries, plan import and auth", and an out-of-memory loop that fails the
# Nth allocation through a write and a small import, hooking SQLite's,
# cJSON's and libgit2's allocators. There is no allocator hook anywhere
# (no SQLITE_CONFIG_MALLOC, cJSON_InitHooks or GIT_OPT_SET_ALLOCATOR), so no
# OOM loop can run; tests/unit has no test for replica.c, plan.c (plan
# import) or progress.c (the CSV parser), nor for integrity, identity,
# resolve, dump, pathremote or daemon. Static check of the source tree.
. "$(dirname "$0")/common.sh"
src=${PLANSYNC_SRC:-$ATTACKS/../..}
[ -d "$src/tests/unit" ] || { echo "no source tree"; exit 2; }
bad=0
for h in SQLITE_CONFIG_MALLOC cJSON_InitHooks GIT_OPT_SET_ALLOCATOR; do
  grep -rq "$h" "$src/lib" "$src/tests/unit" "$src/tests/fuzz" "$src/tests/e2e" || { echo "BROKEN: no $h: no OOM loop hooks that allocator" >&2; bad=1; }
done
for m in replica plan progress; do
  ls "$src"/tests/unit/test_$m*.c >/dev/null 2>&1 || grep -rlq "ps_${m}_import\|ps_${m}_open\|ps_progress_import_csv" "$src/tests/unit" ||
    { echo "BROKEN: no unit test for lib/$m.c" >&2; bad=1; }
done
exit $bad
