#!/bin/bash
# Issue 9 item 3: "a table of record kinds (ps_kind_info: id pattern, owner
# rule, fields and their checks, how it shows) so a new kind is one entry".
# There is no such table: kinds are an enum with if-chains in record.c
# (parse, owner, field checks), and kind-specific code still sits in
# fold.c (which kinds need plan references), replica.c (how a commit
# message shows the record), plan.c (an SQL literal listing
# 'progress', 'review'). docs/design.md's "how to add a record
# kind" names record.c and record.h only, so following it misses the rest.
# Static check of the source tree.
. "$(dirname "$0")/common.sh"
src=${PLANSYNC_SRC:-$ATTACKS/../..}
[ -d "$src/lib" ] || { echo "no source tree"; exit 2; }
bad=0
grep -rqn 'ps_kind_info' "$src/include" "$src/lib" || { echo "BROKEN: no ps_kind_info table of record kinds" >&2; bad=1; }
out=$(cd "$src" && grep -nE "PS_KIND_(PROGRESS|REVIEW)|'progress'|'review'" lib/*.c cli/*.c | grep -v '^lib/record.c' | grep -v '^lib/query')
[ -n "$out" ] && { echo "$out"; echo "BROKEN: kind-specific code outside the kind table" >&2; bad=1; }
exit $bad
