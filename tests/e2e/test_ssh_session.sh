#!/usr/bin/env bash
# ssh:// over one kept SSH connection (issue 10): the OpenSSH server's own
# log (LogLevel VERBOSE: one "Accepted publickey" per connection) counts
# the connections. A plansync sync pushes and fetches over one; plansyncd
# runs many cycles over one; after sshd restarts the next cycle connects
# again and syncs; when the server's host key is replaced under a running
# daemon the reconnection is refused with the usual message and nothing
# moves either way. What arrived is read with stock git.
source "$(dirname "$0")/lib.sh"
export HOME=$T
D=${PLANSYNCD:?set PLANSYNCD}
sshd_setup
git init -q --bare remote.git
# the listener and its per-connection children (a kept connection lives in
# one: killing only the listener leaves it served, as a real sshd restart does)
# (and theirs: a connection's privilege-separated child is a grandchild,
# which left alive kept the daemon's connection served under load)
stop_sshd() {
  local all="$SSHD_PID" next="$SSHD_PID" kids p
  while [ -n "$next" ]; do
    kids=
    for p in $next; do kids="$kids $(ps -o pid= --ppid "$p" 2>/dev/null || true)"; done
    next=$(echo $kids)
    all="$all $next"
  done
  kill $all 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 $all 2>/dev/null || break; sleep 0.1; done
}
accepted() { grep -c 'Accepted publickey' sshd.log || true; }
DPID=
trap '[ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null; stop_sshd; rm -rf "$T"' EXIT
start_sshd
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
URL="ssh://$me@127.0.0.1:$PORT$T/remote.git"
# notes of the changes that reached the remote (stock git reads every branch's history)
on_remote() { git --git-dir=remote.git log --all -p --format= 2>/dev/null | grep -c "$1" || true; }
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
  local end=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.2; done
  "$@"
}

"$P" init tinh --office tinh --remote "$URL" --set ssh.key="$T/userkey" --set ssh.known_hosts="$T/known_hosts" >/dev/null \
  || bad "init over ssh: $("$P" -C tinh sync 2>&1)"
"$P" -C tinh plan import >/dev/null
"$P" -C tinh sync >/dev/null || bad "first sync over ssh"

# one plansync sync: push and fetch over one connection
"$P" -C tinh progress set p2-t7 2021 --status on_track --note cli-one >/dev/null
a0=$(accepted)
out=$("$P" -C tinh sync --json 2>&1) || bad "sync: $out"
a1=$(accepted)
grep -q '"pushed": true' <<<"$out" && [ "$(on_remote cli-one)" -ge 1 ] && ok "the change was pushed over ssh" ||
  bad "change not pushed: $out"
[ $((a1 - a0)) = 1 ] && ok "one sync (push and fetch): one ssh connection" || bad "one sync opened $((a1 - a0)) ssh connections"

# a district on the same remote by path: what it writes must arrive through ssh
"$P" init bg --office binh-giang --replica b --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null
"$P" -C tinh keys approve "$(replica_of bg)" --key bg/key.pub >/dev/null
"$P" -C tinh sync >/dev/null && "$P" -C bg sync >/dev/null || bad "district setup"

# plansyncd: N cycles, one connection
a1=$(accepted)
"$D" -C tinh --interval 1 --foreground --log-level debug 2>>tinh.log &
DPID=$!
sleep 2
for i in 1 2 3 4 5; do
  "$P" -C tinh progress set p2-t7 2022 --percent $((i * 10)) --note "cyc-$i" >/dev/null
  wait_for 15 sh -c "git --git-dir=remote.git log --all -p --format= | grep -q cyc-$i" || bad "cycle $i not delivered"
done
"$P" -C bg progress set p2-t7 2023 --status delayed --note from-bg >/dev/null
"$P" -C bg sync >/dev/null
wait_for 15 sh -c "'$P' -C tinh dump | grep -q from-bg" && ok "the daemon fetched over ssh" || bad "from-bg not fetched"
cycles=$(grep -c 'export .* ms, push .* ms' tinh.log || true)
a3=$(accepted)
[ "$cycles" -ge 6 ] && [ $((a3 - a1)) = 1 ] && ok "plansyncd: $cycles cycles over one ssh connection" ||
  bad "plansyncd: $cycles cycles, $((a3 - a1)) ssh connections"

# sshd restarted between cycles: the next cycle connects again and syncs
stop_sshd
start_sshd
"$P" -C tinh progress set p2-t7 2024 --percent 70 --note after-restart >/dev/null
wait_for 20 sh -c "git --git-dir=remote.git log --all -p --format= | grep -q after-restart" &&
  ok "after sshd restarted the daemon reconnected and pushed" || bad "not delivered after sshd restart: $(tail -3 tinh.log)"
"$P" -C bg progress set p2-t7 2025 --status delayed --note bg-after-restart >/dev/null
"$P" -C bg sync >/dev/null
wait_for 15 sh -c "'$P' -C tinh dump | grep -q bg-after-restart" && ok "and fetched" || bad "bg-after-restart not fetched"
sleep 2
a4=$(accepted)
[ $((a4 - a3)) = 1 ] && ok "one new connection after the restart" || bad "$((a4 - a3)) connections after the restart"
kill -0 "$DPID" 2>/dev/null && ok "daemon alive" || bad "daemon died"

# the server's host key replaced under the running daemon: refused as
# today, nothing pushed, nothing fetched
stop_sshd
rm -f hostkey hostkey.pub
ssh-keygen -q -t ed25519 -N '' -f hostkey
newfp=$(ssh-keygen -lf hostkey.pub | awk '{print $2}')
start_sshd
"$P" -C tinh progress set p2-t6 2021 --percent 90 --note to-impostor >/dev/null
"$P" -C bg progress set p2-t6 2022 --status delayed --note bg-hidden >/dev/null
"$P" -C bg sync >/dev/null
wait_for 15 grep -q "host key of 127.0.0.1 has CHANGED (now $newfp)" tinh.log &&
  ok "the daemon refused the new host key: $(grep -m1 -o 'host key of 127.0.0.1 has CHANGED[^:]*' tinh.log)" ||
  bad "no refusal of the changed host key: $(tail -3 tinh.log)"
sleep 2
[ "$(on_remote to-impostor)" = 0 ] && ok "nothing pushed to the impostor" || bad "pushed past a changed host key"
"$P" -C tinh dump | grep -q bg-hidden && bad "fetched past a changed host key" || ok "nothing fetched from the impostor"
[ "$(accepted)" = "$a4" ] && ok "no login to the impostor" || bad "logged in to a server with a changed host key"
kill -0 "$DPID" 2>/dev/null && ok "daemon alive" || bad "daemon died"
# the CLI says the same words as before
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=
refp=$(printf '%s' "$newfp" | sed 's/[+/.]/\\&/g')
expect_fail 5 "host key of 127.0.0.1 has CHANGED \(now $refp\).*ssh.fingerprint $refp" "$P" -C tinh sync

# plansyncd detached (it forks): its cycles still share one connection
"$P" -C tinh config ssh.fingerprint "$newfp" >/dev/null
"$P" -C tinh sync >/dev/null || bad "sync with the new key pinned"
a5=$(accepted)
"$D" -C tinh --interval 1 >/dev/null 2>&1 || bad "plansyncd did not start detached"
for i in 1 2 3; do
  "$P" -C tinh progress set p2-t6 2023 --percent $((i * 10)) --note "fork-$i" >/dev/null
  wait_for 15 sh -c "git --git-dir=remote.git log --all -p --format= | grep -q fork-$i" || bad "fork-$i not delivered"
done
DPID=$(cat tinh/plansyncd.lock 2>/dev/null || true)
[ $(($(accepted) - a5)) = 1 ] && ok "detached plansyncd: 3 changes over one ssh connection" ||
  bad "detached plansyncd opened $(($(accepted) - a5)) ssh connections"
[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null; DPID=
finish
