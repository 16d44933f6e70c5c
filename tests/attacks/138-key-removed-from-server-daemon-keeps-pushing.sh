#!/bin/bash
# Issue 11 (the server enforces it too: after 'keys revoke' the gitolite rules
# are published again and "a revoked key's file disappears from keydir and
# gitolite removes it from authorized_keys") and the README on the kept ssh
# connection ("the host key and the credentials are checked as below before
# every use of the kept connection"). plansyncd keeps ONE ssh connection
# across its cycles and closes it only after 10 minutes IDLE; sshd checks
# authorized_keys only at login. So a key the server no longer accepts keeps
# pushing through the daemon's connection, cycle after cycle, for as long as
# the daemon runs with an interval under 10 minutes (the default): the
# server-side revocation never takes effect on it. A fresh login with the
# same key is refused.
# Expected: a key removed from authorized_keys pushes nothing more (the kept
# connection is not used beyond a bound, or the login is redone).
# Fixed: a kept session logged in more than 10 minutes ago (or the bound in
# PLANSYNC_SSH_RELOGIN_S) is not reused; here the bound is 2 s and the
# writes start 3 s after the removal.
. "$(dirname "$0")/common.sh"
export HOME=$T
D=$(dirname "$P")/plansyncd
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] && [ -x "$D" ] || exit 2
me=$(id -un)
git init -q --bare remote.git
ssh-keygen -q -t ed25519 -N '' -f hostkey
ssh-keygen -q -t ed25519 -N '' -f userkey
cp userkey.pub authorized_keys
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p /run/sshd 2>/dev/null || true
cat > sshd_config <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PermitRootLogin prohibit-password
AllowUsers $me
LogLevel VERBOSE
CFG
nice -n 19 "$SSHD" -f "$T/sshd_config" -D -E "$T/sshd.log" & SSHD_PID=$!
DPID=
trap '[ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null; kill $SSHD_PID $(ps -o pid= --ppid $SSHD_PID 2>/dev/null) 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
URL="ssh://$me@127.0.0.1:$PORT$T/remote.git"
on_remote() { git --git-dir=remote.git log --all -p --format= 2>/dev/null | grep -c "$1" || true; }
wait_for() { local end=$((SECONDS + $1)); shift; while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.3; done; "$@"; }
"$P" init tinh --office tinh --remote "$URL" --set ssh.key="$T/userkey" --set ssh.known_hosts="$T/known_hosts" >/dev/null 2>&1 || exit 2
"$P" -C tinh plan import >/dev/null && "$P" -C tinh sync >/dev/null 2>&1 || exit 2
PLANSYNC_SSH_RELOGIN_S=2 nice -n 19 "$D" -C tinh --interval 1 --foreground --log-level debug 2>>tinh.log & DPID=$!
"$P" -C tinh progress set p2-t7 2021 --percent 10 --note before-removal >/dev/null
wait_for 20 sh -c "git --git-dir=remote.git log --all -p --format= | grep -q before-removal" || exit 2
# the server's administrator removes the key
: > authorized_keys
GIT_SSH_COMMAND="ssh -i $T/userkey -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$T/known_hosts -p $PORT" \
  git ls-remote "ssh://$me@127.0.0.1:$PORT$T/remote.git" >/dev/null 2>&1 && { echo "the server still accepts a fresh login"; exit 2; }
sleep 3
for i in 1 2 3; do
  "$P" -C tinh progress set p2-t7 2022 --percent $((i * 10)) --note "after-removal-$i" >/dev/null
  sleep 4
done
n=$(git --git-dir=remote.git log --all -p --format= 2>/dev/null | grep -o "after-removal-[0-9]" | sort -u | wc -l)
echo "changes pushed by the daemon after its key was removed from authorized_keys: $n of 3 (a fresh login is refused)"
kill -TERM $DPID 2>/dev/null; wait $DPID 2>/dev/null; DPID=
"$P" -C tinh sync >cli.out 2>&1; echo "plansync sync (a new connection): rc=$? $(head -1 cli.out)"
[ "$n" = 0 ] || fail "a key the server no longer accepts keeps pushing through plansyncd's kept ssh connection ($n changes after its removal)"
exit 0
