#!/usr/bin/env bash
# Each kind of failure keeps its meaning and its exit status: no replica (2),
# no remote (2, saying the command that sets one, after nothing was sent),
# a name that does not exist (3), a remote path that holds nothing (3 when
# configured, 5 when a sync meets it after its local work), a remote gone
# (5). A refused record id leaks nothing (LeakSanitizer, sanitizer suite).
# The daemon's socket works in a directory whose path is longer than a
# socket address holds (no chdir in the library), and connections that say
# nothing do not stall it. A remote URL plansync cannot use is refused (3);
# an init whose remote gives nothing leaves nothing; numbers follow one rule.
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

# -C naming a file: said to be a file (2), not missing
expect_fail 2 "is a file, not a replica directory" "$P" -C km/plansync.db status

# a remote URL plansync cannot use: bad input, the forms listed, nothing stored
for u in 'ftp://x/y' 'ssh://' 'http://[::1'; do
  expect_fail 3 "not a URL plansync can use.*ssh://user@host/path" "$P" -C km config remote "$u"
done
expect_fail 3 "the remote is empty" "$P" -C km config remote ""
[ "$("$P" -C km config remote)" = "$T/remote.git" ] && ok "remote unchanged by a bad URL" || bad "remote changed"
expect_fail 3 "not a URL plansync can use" "$P" init badurl --office binh-giang --remote 'ftp://x/y'
expect_fail 3 "not a URL plansync can use" "$P" -C km remote seed 'gopher://h/p'
[ -e badurl ] && bad "init with a bad URL left badurl" || ok "init with a bad URL left nothing"

# init whose remote is not reached (or holds nothing) leaves nothing behind,
# so init with the right remote works; a directory that was there stays
expect_fail 5 "host unreachable" "$P" init far --office binh-giang --remote "http://127.0.0.1:1/plan.git"
[ -e far ] && bad "unreached init left far: $(ls -A far)" || ok "unreached init left nothing"
mkdir keep && echo note >keep/notes.txt
expect_fail 3 "does not exist" "$P" init keep --office binh-giang --remote "$T/no-such.git"
expect_fail 5 "host unreachable" "$P" init keep --office binh-giang --remote "http://127.0.0.1:1/plan.git"
[ "$(ls -A keep)" = notes.txt ] && ok "a directory that was there keeps its content, and only that" ||
  bad "keep holds: $(ls -A keep)"
"$P" init keep --office binh-giang --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null && ok "init again with the right remote" ||
  bad "init again failed"

# a seed queues nothing, so its failure does not say changes stay queued
err=$("$P" -C km remote seed "http://127.0.0.1:1/new.git" 2>&1 >/dev/null) && bad "seed to nothing succeeded" ||
  { grep -q queued <<<"$err" && bad "seed failure says queued: $err" || ok "seed failure: $err"; }

# numbers: one rule, ' 5' refused as an option and as a value
expect_fail 2 "whole number" "$P" -C km log -n ' 5'
expect_fail 3 "number of seconds" "$P" -C km config sync.interval ' 5'
expect_fail 3 "number of seconds" "$P" -C km config sync.interval 010
expect_fail 3 "percent" "$P" -C km progress set p2-t6 2021 --percent ' 5'
expect_fail 3 "percent" "$P" -C km progress set p2-t6 2021 --percent +9

# the daemon's socket under a path longer than sun_path (108 bytes)
long="$T/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))"
mkdir -p "$long"
"$P" init "$long/r" --office nam-sach --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null
"$D" -C "$long/r" --interval 1000 --foreground --log-level debug 2>"$T/long.log" &
dpid=$!
trap 'kill -TERM $dpid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
end=$((SECONDS + 10))
while [ $SECONDS -lt $end ] && [ ! -S "$long/r/plansyncd.sock" ]; do sleep 0.2; done
[ -S "$long/r/plansyncd.sock" ] && ok "daemon listens under a long path" || bad "no socket: $(cat "$T/long.log")"
sleep 0.5
# 40 connections that say nothing do not hold up the daemon's loop
python3 - "$long/r" <<'PY' &
import os, socket, sys, time
os.chdir(sys.argv[1])  # the path is longer than a socket address holds
ss = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX)
    s.connect("plansyncd.sock")
    ss.append(s)
time.sleep(5)
PY
silent=$!
sleep 0.5
before=$(wc -l <"$T/long.log")
start=$SECONDS
rc=0; out=$("$P" -C "$long/r" sync --json) || rc=$?
sleep 0.2
[ $rc -eq 0 ] && echo "$out" | grep -q '"ok": true' && [ "$(wc -l <"$T/long.log")" -gt "$before" ] &&
  ok "sync through the daemon's socket" || bad "sync via daemon: rc=$rc $out; log: $(cat "$T/long.log")"
[ $((SECONDS - start)) -le 2 ] && ok "silent connections do not stall the daemon" ||
  bad "sync took $((SECONDS - start)) s beside 40 silent connections"
kill $silent 2>/dev/null; wait $silent 2>/dev/null || true
[ "$(pwd)" = "$T" ] && ok "working directory unchanged" || bad "cwd changed"
kill -TERM $dpid
wait $dpid 2>/dev/null && ok "daemon stopped" || bad "daemon exit status"
finish
