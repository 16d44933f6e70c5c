#!/bin/bash
# README (the daemon): "plansyncd [-C DIR] ... otherwise it detaches and logs
# to syslog"; "the offices record progress and the daemons carry it"; "after
# each heal every acknowledged write is on every replica exactly once".
# plansyncd opens the replica's SQLite database and then forks to detach
# (daemon/plansyncd.c: ps_replica_open before daemonize); the parent exits and
# takes its POSIX locks with it, so the child's connection holds none of the
# WAL locks it believes it holds (SQLite: never carry a connection across
# fork). With the detached daemon running, a district records four reports
# ("recorded ... it goes out with the next sync", exit 0); `plansync sync`
# through the daemon says "exported 0, nothing to push" (the daemon cannot see
# them), a review it imports is invisible to `inbox` and `sync --json` says
# new_returned 0, and when the daemon stops (SIGTERM, as systemd or a shutdown
# does) its checkpoint writes its stale pages over the database: the four
# reports are gone, never sent, and `plansync check` finds a damaged change.
# The control: the same with `plansyncd --foreground` keeps and sends them.
# Expected: the four acknowledged reports survive, reach the remote, and check
# is clean.
. "$(dirname "$0")/common.sh"
PLANSYNCD=${PLANSYNCD:-$(dirname "$P")/plansyncd}
[ -x "$PLANSYNCD" ] || exit 2
prov
dist d1 tx-kinh-mon a
"$P" -C d1 progress set p1-t1 2024 --percent 5 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1 && "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$PLANSYNCD" -C d1 --interval 3600 >/dev/null 2>&1 || exit 2 # detaches
pid=
for _ in $(seq 50); do
	pid=$("$P" -C d1 status --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["pid"] or "")' 2>/dev/null)
	[ -n "$pid" ] && break; sleep 0.1
done
[ -n "$pid" ] || exit 2
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
sleep 1
"$P" -C tinh review return tx-kinh-mon p1-t1 2024 --comment "thiếu số liệu" >/dev/null && "$P" -C tinh sync >/dev/null 2>&1 || exit 2
"$P" -C d1 sync --json >s1.json 2>&1
for i in 2 3 4 5; do "$P" -C d1 progress set p1-t$i 2024 --percent $i >/dev/null || exit 2; done
sleep 2
"$P" -C d1 sync --json >s2.json 2>&1
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && exit 2
"$P" -C d1 progress show --json >show.json 2>&1
git -C remote.git log --all --format=%B > remote-log.txt 2>/dev/null
"$P" -C d1 check >check.txt 2>&1; crc=$?
n_remote=$(grep -c 'tx-kinh-mon: progress p1-t[2-5] 2024' remote-log.txt)
python3 - "$crc" "$n_remote" <<'PY' || fail "four acknowledged reports written while the detached daemon ran are lost (and the database damaged)"
import json, sys
crc, n_remote = int(sys.argv[1]), int(sys.argv[2])
s1 = json.load(open("s1.json")); s2 = json.load(open("s2.json"))
print("sync through the daemon after the return:", s1["message"], "| new_returned", s1["new_returned"])
print("sync through the daemon after 4 writes:", s2["message"])
rows = json.load(open("show.json"))
have = sorted(r["task"] for r in rows if r["office"] == "tx-kinh-mon")
print("after the daemon stopped, reports:", have, "| on the remote:", n_remote, "of 4 | check exit", crc)
print(open("check.txt").read()[:400])
sys.exit(0 if have == ["p1-t1", "p1-t2", "p1-t3", "p1-t4", "p1-t5"] and crc == 0 and n_remote == 4 else 1)
PY
exit 0
