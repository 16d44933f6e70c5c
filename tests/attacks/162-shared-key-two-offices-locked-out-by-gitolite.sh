#!/usr/bin/env bash
# Two replicas of two offices created offline (as the README's gitolite set-up
# says: no remote yet) with the same existing key (`init --key`, one person's
# ~/.ssh/id_ed25519 on two offices' PCs). init cannot see the registry, the
# province's `keys approve` takes the same key for the second replica without
# a word, and `server gitolite` writes it twice into keydir/plansync.
# gitolite's ssh-authkeys keeps the first file's key and warns that sshd ignores
# the duplicate: the second replica logs in as the first one and every push
# of its own branch is DENIED for good, though the province enrolled it.
# Expected: approve (or server gitolite) refuses the reused key with a clear
# message, or both replicas push. Exit 1 while broken, 0 when fixed, 2 skip.
source "$(dirname "$0")/common.sh"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] && command -v gitolite >/dev/null && command -v ssh >/dev/null || exit 2
export HOME=$T
me=$(id -un); GL=$T/gitolite; mkdir -p "$GL"
ssh-keygen -q -t ed25519 -N '' -C admin -f admin
HOME=$GL gitolite setup -pk "$T/admin.pub" >gl.log 2>&1 || exit 2
ssh-keygen -q -t ed25519 -N '' -f hostkey
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p /run/sshd 2>/dev/null || true
cat > sshd_config <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
AuthorizedKeysFile $GL/.ssh/authorized_keys
PidFile $T/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PermitRootLogin prohibit-password
AllowUsers $me
SetEnv HOME=$GL
CFG
"$SSHD" -f "$T/sshd_config" -D -e 2>>"$T/sshd.log" & SSHD_PID=$!
trap 'kill $SSHD_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
(echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null || exit 2
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
BASE="ssh://$me@127.0.0.1:$PORT"; URL="$BASE/plansync"
gitas() { local k=$1; shift
  GIT_SSH_COMMAND="ssh -i $k -o IdentitiesOnly=yes -o IdentityAgent=none -o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" git "$@"; }

"$P" init tinh --office tinh --replica hq >/dev/null; "$P" -C tinh plan import >/dev/null
PIN=$(province_pin)
ssh-keygen -q -t ed25519 -N '' -C officer -f shared
"$P" init bg --office binh-giang --replica a1 --key shared --trust "$PIN" >/dev/null || exit 2
"$P" init ns --office nam-sach --replica b1 --key shared --trust "$PIN" >/dev/null 2>&1 || { echo "init refuses the reused key: fixed"; exit 0; }
"$P" -C tinh keys approve "$(replica_of bg)" --key bg/key.pub >/dev/null || fail "approve bg"
if ! out=$("$P" -C tinh keys approve "$(replica_of ns)" --key ns/key.pub 2>&1); then
  echo "approve refuses the reused key: $out"; exit 0
fi
if ! "$P" -C tinh server gitolite --out rules >rules.out 2>&1; then
  echo "server gitolite refuses: $(cat rules.out)"; exit 0
fi
gitas "$T/admin" clone -q "$BASE/gitolite-admin" ac 2>clone.err || { cat clone.err; exit 2; }
cp rules/conf/gitolite.conf ac/conf/gitolite.conf
rm -rf ac/keydir/plansync && cp -r rules/keydir/plansync ac/keydir/
git -C ac add -A && git -C ac commit -qm rules
gitas "$T/admin" -C ac push -q origin HEAD:master 2>push.err || exit 2
grep -i "duplicate\|ignore" push.err && echo "(gitolite's own warning above, seen only by the administrator)"
for d in tinh bg ns; do "$P" -C $d config remote "$URL" >/dev/null; "$P" -C $d config ssh.known_hosts "$T/known_hosts" >/dev/null; done
"$P" -C tinh sync >/dev/null 2>&1 || fail "province sync"
rc=0
for d in bg ns; do
  "$P" -C $d sync >/dev/null 2>&1
  "$P" -C $d progress set p1-t1 2021 --percent 7 >/dev/null
  out=$("$P" -C $d sync 2>&1); r=$?
  echo "$d sync rc=$r: $out"
  [ $r -eq 0 ] || rc=1
done
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show
[ $rc -eq 0 ] || fail "the province enrolled both replicas with one key without a word; the server lets only one of them push"
echo "both replicas push"; exit 0
