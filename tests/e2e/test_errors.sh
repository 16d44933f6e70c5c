#!/usr/bin/env bash
# Each kind of failure keeps its meaning and its exit status: no replica (2),
# no remote (2, saying the command that sets one, after nothing was sent),
# a name that does not exist (3), a remote path that holds nothing (3 when
# configured, 5 when a sync meets it after its local work), a remote gone
# (5). A refused record id leaks nothing (LeakSanitizer, sanitizer suite).
# The daemon's socket works in a directory whose path is longer than a
# socket address holds (no chdir in the library).
source "$(dirname "$0")/lib.sh"
D=${PLANSYNCD:?set PLANSYNCD}
setup_province
district km tx-kinh-mon pc1

# no replica: a usage error
expect_fail 2 "does not exist.*-C DIR" "$P" -C "$T/nowhere" status
mkdir plain
expect_fail 2 "not a plansync replica" "$P" -C plain log
expect_fail 2 "does not exist" "$D" -C "$T/nowhere" --foreground

# a name that does not exist: bad input; the refused id leaks nothing
expect_fail 3 "unknown kind" "$P" -C km log bogus/x
expect_fail 3 "unknown task" "$P" -C km progress set p9-t9 2021 --status done

# a remote path that holds nothing: bad input when configured ...
expect_fail 3 "does not exist.*git init --bare" "$P" -C km config remote "$T/no-such.git"
[ "$("$P" -C km config remote)" = "$T/remote.git" ] && ok "remote unchanged" || bad "remote changed"

# ... no remote at all: exit 2 with the command that sets one, before any export
"$P" init lone --office binh-giang >/dev/null
expect_fail 2 "no remote is set.*config remote" "$P" -C lone sync
rc=0; out=$("$P" -C lone sync --json 2>/dev/null) || rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q '"exported": 0' && ok "no remote: --json exit 2, nothing exported" ||
  bad "no remote --json: rc=$rc $out"

# ... the remote gone after local work: exit 5, the change stays queued
"$P" -C km progress set p2-t6 2021 --status at_risk >/dev/null
mv remote.git remote.away
expect_fail 5 "not there" "$P" -C km sync
mv remote.away remote.git
"$P" -C km sync >/dev/null && ok "sync works once the remote is back" || bad "sync after the remote came back"

# the daemon's socket under a path longer than sun_path (108 bytes)
long="$T/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))"
mkdir -p "$long"
"$P" init "$long/r" --office nam-sach --remote "$T/remote.git" >/dev/null
"$D" -C "$long/r" --interval 1000 --foreground --log-level debug 2>"$T/long.log" &
dpid=$!
trap 'kill -TERM $dpid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
end=$((SECONDS + 10))
while [ $SECONDS -lt $end ] && [ ! -S "$long/r/plansyncd.sock" ]; do sleep 0.2; done
[ -S "$long/r/plansyncd.sock" ] && ok "daemon listens under a long path" || bad "no socket: $(cat "$T/long.log")"
sleep 0.5
before=$(wc -l <"$T/long.log")
rc=0; out=$("$P" -C "$long/r" sync --json) || rc=$?
sleep 0.2
[ $rc -eq 0 ] && echo "$out" | grep -q '"ok": true' && [ "$(wc -l <"$T/long.log")" -gt "$before" ] &&
  ok "sync through the daemon's socket" || bad "sync via daemon: rc=$rc $out; log: $(cat "$T/long.log")"
[ "$(pwd)" = "$T" ] && ok "working directory unchanged" || bad "cwd changed"
kill -TERM $dpid
wait $dpid 2>/dev/null && ok "daemon stopped" || bad "daemon exit status"
finish
