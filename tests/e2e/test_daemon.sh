#!/usr/bin/env bash
# plansyncd: converges with no 'sync' typed; survives SIGKILL; backs off
# while the remote is gone and drains the queue after; one per replica;
# SIGTERM and SIGHUP; CLI writers alongside.
source "$(dirname "$0")/lib.sh"
D=${PLANSYNCD:?set PLANSYNCD}
setup_province
district a tx-kinh-mon a
district b binh-giang b
district c nam-sach c
pids=()
start() { "$D" -C "$1" --interval "${2:-1}" --foreground --log-level debug 2>>"$1.log" & eval "pid_$1=$!"; }
stop_all() { for r in tinh a b c; do eval "p=\${pid_$r:-}"; [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$T"' EXIT
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
  local end=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.2; done
  "$@"
}
converged() { # converged TIMEOUT: all dumps equal within TIMEOUT seconds
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    local n; n=$(for r in tinh a b c; do "$P" -C "$r" dump | sha256sum; done | sort -u | wc -l)
    [ "$n" -eq 1 ] && return 0
    sleep 0.3
  done
  return 1
}
for r in tinh a b c; do start $r; done
sleep 1
"$P" -C a progress set p2-t6 2021 --status on_track --percent 30 >/dev/null
"$P" -C b progress set p2-t7 2021 --status at_risk >/dev/null
"$P" -C c progress set p2-t7 2022 --status done >/dev/null
converged 20 && ok "4 replicas with daemons converged, no sync typed" || bad "no convergence with daemons"
wait_for 10 sh -c "'$P' -C a status | grep -q 'daemon:     running, pid $pid_a'" && ok "status shows the daemon" || bad "status: $("$P" -C a status)"

# one daemon per replica
rc=0; err=$("$D" -C a --foreground 2>&1) || rc=$?
[ $rc -ne 0 ] && grep -q "already running .*pid $pid_a" <<<"$err" && ok "second daemon refused: $err" || bad "second daemon: rc=$rc $err"

# plansync sync goes through the daemon
out=$("$P" -C a sync --json) && grep -q '"ok": true' <<<"$out" && ok "sync answered by the daemon" || bad "sync via daemon: $out"

# SIGKILL mid-cycle, many times, with writes going on
for i in $(seq 1 6); do
  "$P" -C b progress set p1-t1 2021-q1 --percent $((i * 10)) >/dev/null
  sleep 0.$((RANDOM % 9 + 1))
  kill -KILL "$pid_b"; wait "$pid_b" 2>/dev/null || true
  start b
done
converged 20 && ok "converged after 6 SIGKILLs" || bad "no convergence after SIGKILL"
n_b=$("$P" -C b status --json | json_num total)
n_t=$(git -C remote.git log --format= --no-renames --diff-filter=A --name-only replicas/binh-giang/binh-giang-b | grep -c '^changes/')
[ "$n_b" = "$n_t" ] && ok "each of b's $n_b changes is on the remote once" || bad "b has $n_b changes, remote $n_t files"
git -C b/repo.git fsck --no-progress >/dev/null 2>&1 && ok "git fsck clean after kills" || bad "fsck"
sqlite3 b/plansync.db 'PRAGMA integrity_check' | grep -qx ok && ok "sqlite integrity ok" || bad "integrity"

# stale lock: the file of a dead daemon does not block
kill -KILL "$pid_c"; wait "$pid_c" 2>/dev/null || true
echo 999999 > c/plansyncd.lock
start c
wait_for 10 grep -q "started for replica" c.log && sleep 0.5
kill -0 "$pid_c" 2>/dev/null && ok "stale lock did not block a restart" || bad "restart blocked by a stale lock"

# the remote goes away: backoff, CLI keeps working, queue drains after
: > a.log
mv remote.git remote.away
sleep 1
cpu0=$(awk '{print $14 + $15}' /proc/$pid_a/stat)
for i in 1 2 3; do "$P" -C a progress set p3-t1 2021 --percent $((i * 20)) >/dev/null || bad "CLI write failed offline"; done
sleep 12
cpu1=$(awk '{print $14 + $15}' /proc/$pid_a/stat)
ticks=$((cpu1 - cpu0))
[ "$ticks" -lt 150 ] && ok "offline 12 s: $ticks CPU ticks (no busy loop)" || bad "offline CPU $ticks ticks"
warns=$(grep -c '^<4>' a.log || true)
[ "$warns" -eq 1 ] && ok "one warning for the outage" || bad "$warns warnings: $(cat a.log)"
attempts=$(grep -c 'still failing\|unreachable' a.log || true)
[ "$attempts" -le 8 ] && ok "$attempts attempts in 12 s (backoff)" || bad "$attempts attempts: no backoff"
nd=$("$P" -C a status --json | json_num not_delivered)
[ "${nd:-0}" -ge 3 ] && ok "status works offline: $nd changes not delivered" || bad "status offline: not_delivered=$nd"
mv remote.away remote.git
"$P" -C a progress set p3-t1 2021 --percent 90 >/dev/null  # a write: try at once
end=$((SECONDS + 15))
while [ $SECONDS -lt $end ] && [ "$("$P" -C a status --json | json_num not_delivered)" != 0 ]; do sleep 0.3; done
[ "$("$P" -C a status --json | json_num not_delivered)" = 0 ] && ok "queue drained after the outage" || bad "queue not drained"
grep -q "back online" a.log && ok "logged: back online" || bad "no back-online line"
converged 45 && ok "converged after the outage" || bad "no convergence after outage"

# CLI writers while the daemon syncs
for w in 1 2 3 4; do
  ( for i in $(seq 1 15); do "$P" -C tinh progress set p$w-t1 2021 --percent $((i * 5)) >/dev/null || echo fail; done ) > w$w.out 2>&1 &
done
wait $(jobs -p | grep -v -e "$pid_tinh" -e "$pid_a" -e "$pid_b" -e "$pid_c") 2>/dev/null || true
sleep 0.5
if cat w?.out | grep -q .; then bad "writer errors: $(cat w?.out)"; else ok "60 writes alongside the daemon, no error"; fi
"$P" -C tinh progress show --office tinh --json | grep -c '"percent": 75' | grep -qx 4 && ok "every writer's last value is there" || bad "lost writes"

# SIGHUP picks up a changed interval; SIGTERM exits quickly with 0
"$P" -C tinh config sync.interval 7 >/dev/null
kill -TERM "$pid_tinh"; wait "$pid_tinh" || true
"$D" -C tinh --foreground 2>>tinh.log & pid_tinh=$!
wait_for 10 test -S tinh/plansyncd.sock
"$P" -C tinh config sync.interval 2 >/dev/null
kill -HUP "$pid_tinh"
wait_for 15 grep -q "configuration reloaded: every 2 s" tinh.log && ok "SIGHUP: interval 2 s" || bad "SIGHUP not applied: $(tail -3 tinh.log)"
t0=$(date +%s%N)
kill -TERM "$pid_tinh"; rc=0; wait "$pid_tinh" || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 0 ] && [ $ms -lt 3000 ] && ok "SIGTERM: exit 0 in $ms ms" || bad "SIGTERM: rc $rc after $ms ms"
[ ! -e tinh/plansyncd.sock ] && ok "socket removed" || bad "socket left"
pid_tinh=
finish
