#!/bin/bash
# A replica of an office the plan does not have (typo: "nowhere") is created
# after the plan is known, and records progress: init and 'progress set'
# exit 0 ("recorded ... it goes out with the next sync"), but every replica,
# the writer included, holds the row as unplanned; it is never shown.
# Expected: like an unknown task or period, a clear refusal (non-zero exit).
. "$(dirname "$0")/common.sh"
prov
"$P" init dx --office nowhere --replica a --remote "$T/remote.git" >/dev/null 2>&1; irc=$?
out=$("$P" -C dx progress set p1-t1 2021 --percent 5 2>&1); rc=$?
echo "init rc=$irc; progress set rc=$rc: $out"
"$P" -C dx sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
shown=$("$P" -C tinh progress show | grep -c nowhere)
if [ "$irc" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$shown" -eq 0 ]; then
  fail "write to an unknown office returned 0 but is shown nowhere (held as unplanned)"
fi
exit 0
