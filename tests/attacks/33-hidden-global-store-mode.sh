#!/bin/bash
# Issue 9 item 6 "no hidden globals"; docs/design.md: "No module keeps hidden
# state between calls" and lists what stays module-level (libgit2's init,
# the cancel flag, the per-thread error). lib/store.c still has two
# process-wide variables it does not list: tolerate_damage, a mode switched
# on for every later open by ps_store_tolerate_damage() (cli/cmd_check.c),
# and wal_recovered, set from SQLite's global log callback by whichever
# connection recovered a WAL and read by whichever open runs next (a daemon
# or test holding two stores can take the other one's recovery, or miss its
# own quick_check). Expected: both per store (an open option / the
# connection), or listed and justified in design.md.
. "$(dirname "$0")/common.sh"
src=${PLANSYNC_SRC:-$ATTACKS/../..}
[ -f "$src/lib/store.c" ] || { echo "no source tree"; exit 2; }
bad=0
for v in tolerate_damage wal_recovered; do
  if grep -qE "^static [a-z ]*\b$v;" "$src/lib/store.c" && ! grep -q "$v" "$src/docs/design.md"; then
    grep -nE "^static [a-z ]*\b$v;" "$src/lib/store.c"; echo "BROKEN: process-wide $v in lib/store.c, not in design.md's list" >&2; bad=1
  fi
done
exit $bad
