#!/usr/bin/env bash
# Issue 11 items 1, 2: every replica has an Ed25519 key in OpenSSH's
# format and every export commit is signed as git commit -S signs with
# gpg.format=ssh. Checked with stock git and ssh-keygen only: a province
# and a district sync through a bare remote; git verify-commit, with the
# allowed-signers files of both replicas, accepts every commit of every
# branch, and refuses them without the signer's key or once tampered;
# git log --show-signature says Good; ssh-keygen reads our keys and their
# fingerprints equal 'keys show --json'; a copy of a replica takes a new
# key; bad key files are refused with what to do.
source "$(dirname "$0")/lib.sh"
setup_province
district a1 tx-kinh-mon a1
"$P" -C a1 progress set p1-t1 2021 --status on_track --percent 40 --note "ký số" >/dev/null
sync_ok a1
"$P" -C tinh progress set p1-t1 2021 --status at_risk --percent 10 >/dev/null || true
sync_ok tinh
"$P" -C a1 progress set p2-t7 2022 --status done --percent 100 >/dev/null
sync_ok a1
sync_ok tinh

# keys: files, modes, ssh-keygen reads them, same fingerprint
for r in tinh a1; do
  [ "$(stat -c %a $r/key)" = 600 ] && ok "$r/key is 0600" || bad "$r/key mode $(stat -c %a $r/key)"
  grep -q "^ssh-ed25519 [A-Za-z0-9+/=]* plansync .*/$r\|^ssh-ed25519 [A-Za-z0-9+/=]* plansync [a-z-]*/[a-z-]*-$r$" $r/key.pub \
    && ok "$r/key.pub names office and replica: $(cut -d' ' -f3- $r/key.pub)" || bad "$r/key.pub: $(cat $r/key.pub)"
  derived=$(ssh-keygen -y -f $r/key | cut -d' ' -f1,2)
  [ "$derived" = "$(cut -d' ' -f1,2 $r/key.pub)" ] && ok "ssh-keygen -y reads $r/key" || bad "ssh-keygen -y: $derived"
  theirs=$(ssh-keygen -lf $r/key.pub | cut -d' ' -f2)
  ours=$("$P" -C $r keys show --json | sed -n 's/.*"fingerprint": "\(.*\)".*/\1/p')
  [ -n "$ours" ] && [ "$theirs" = "$ours" ] && ok "$r fingerprint $ours = ssh-keygen -lf" || bad "fingerprint $ours vs $theirs"
  "$P" -C $r keys show | grep -q "$theirs" && ok "keys show prints it" || bad "keys show lacks $theirs"
done
[ "$(cut -d' ' -f2 tinh/key.pub)" != "$(cut -d' ' -f2 a1/key.pub)" ] && ok "each replica its own key" || bad "same key twice"

# every commit of every branch verifies with stock git
"$P" -C tinh keys allowed-signers > allowed
"$P" -C a1 keys allowed-signers -o a1.allowed
cat a1.allowed >> allowed
grep -c 'namespaces="git"' allowed | grep -qx 2 && ok "allowed-signers: $(cut -d' ' -f1 allowed | tr '\n' ' ')" || bad "$(cat allowed)"
G=(git --git-dir="$T/remote.git" -c gpg.ssh.allowedSignersFile="$T/allowed")
branches=$("${G[@]}" for-each-ref --format='%(refname)' refs/heads/replicas/)
[ "$(echo "$branches" | wc -l)" -eq 2 ] && ok "two branches" || bad "branches: $branches"
n=0; good=0
for c in $("${G[@]}" rev-list --all); do
  n=$((n + 1))
  if "${G[@]}" verify-commit "$c" 2>/dev/null; then good=$((good + 1)); else bad "verify-commit $c: $("${G[@]}" verify-commit "$c" 2>&1)"; fi
done
[ "$n" -ge 4 ] && [ "$good" -eq "$n" ] && ok "git verify-commit accepts all $n commits" || bad "$good of $n commits verify"
shows=$("${G[@]}" log --all --show-signature 2>&1 | grep -c '^Good "git" signature for .*@plansync.invalid with ED25519 key SHA256:')
[ "$shows" -eq "$n" ] && ok "git log --show-signature: $shows Good" || bad "log --show-signature: $shows Good of $n"
# the signature sits where git puts it: after the committer, before the message
c=$("${G[@]}" rev-parse refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a1)
"${G[@]}" cat-file commit "$c" | awk '/^$/{exit} /^[^ ]/{print $1}' | tr '\n' ' ' \
  | grep -qx 'tree parent author committer gpgsig ' && ok "header order tree parent author committer gpgsig" \
  || bad "headers: $("${G[@]}" cat-file commit "$c" | head -8)"
# without a1's key, a1's commits do not verify; the province's do
"$P" -C tinh keys allowed-signers > tinh.only
if git --git-dir="$T/remote.git" -c gpg.ssh.allowedSignersFile="$T/tinh.only" verify-commit "$c" 2>/dev/null; then
  bad "a1's commit verified without a1's key"; else ok "a1's commit refused without a1's key"; fi
# a tampered commit (message changed, re-hashed) does not verify
"${G[@]}" cat-file commit "$c" | sed 's/^tx-kinh-mon: /tx-kinh-mon (forged): /' > forged.txt
f=$(git --git-dir="$T/remote.git" hash-object -t commit -w forged.txt)
[ "$f" != "$c" ] || bad "forgery unchanged"
if "${G[@]}" verify-commit "$f" 2>/dev/null; then bad "forged commit verified"; else ok "forged commit refused by git"; fi

# a copy of a replica continues under a new id with a new key; the old
# key is kept, and allowed-signers lists both
cp -a a1 a1copy
"$P" -C a1copy progress set p1-t1 2022 --status on_track --percent 5 >/dev/null
sync_ok a1copy
newid=$("$P" -C a1copy keys show --json | sed -n 's/.*"replica": "\(.*\)".*/\1/p')
[ "$newid" != tx-kinh-mon-a1 ] && [ -f a1copy/key.tx-kinh-mon-a1 ] && [ -f a1copy/key.tx-kinh-mon-a1.pub ] \
  && ok "the copy is $newid and keeps key.tx-kinh-mon-a1" || bad "copy: id $newid, $(ls a1copy)"
[ "$(cut -d' ' -f2 a1copy/key.pub)" != "$(cut -d' ' -f2 a1/key.pub)" ] && ok "the copy has a new key" || bad "copy kept the key"
grep -q "/$newid\$" a1copy/key.pub && ok "its key.pub names $newid" || bad "key.pub: $(cat a1copy/key.pub)"
"$P" -C a1copy keys allowed-signers > copy.allowed
cat copy.allowed tinh.only > allowed2
c2=$("${G[@]}" rev-parse "refs/heads/replicas/tx-kinh-mon/$newid")
git --git-dir="$T/remote.git" -c gpg.ssh.allowedSignersFile="$T/allowed2" verify-commit "$c2" 2>/dev/null \
  && git --git-dir="$T/remote.git" -c gpg.ssh.allowedSignersFile="$T/allowed2" verify-commit "$c" 2>/dev/null \
  && ok "the copy's allowed-signers verifies its new branch and the old one" || bad "copy's commits do not verify"

# init --key: an existing ssh-keygen key is copied (0600), its fingerprint kept
ssh-keygen -q -t ed25519 -N '' -C mine -f mykey
"$P" init k1 --office binh-giang --replica k1 --key "$T/mykey" >/dev/null && ok "init --key" || bad "init --key failed"
[ "$("$P" -C k1 keys show --json | sed -n 's/.*"fingerprint": "\(.*\)".*/\1/p')" = "$(ssh-keygen -lf mykey.pub | cut -d' ' -f2)" ] \
  && [ "$(stat -c %a k1/key)" = 600 ] && ok "init --key keeps the key's fingerprint" || bad "init --key: another key"

# bad key files
ssh-keygen -q -t ed25519 -N 'secret words' -f enckey
ssh-keygen -q -t rsa -b 2048 -N '' -f rsakey
cp mykey loose && chmod 644 loose
cp mykey corrupt && sed -i '4s/^\(.\{20\}\)./\1#/' corrupt
expect_fail 3 "encrypted.*ssh-keygen -p" "$P" init e1 --office binh-giang --key "$T/enckey"
expect_fail 3 "ssh-rsa.*Ed25519" "$P" init e2 --office binh-giang --key "$T/rsakey"
expect_fail 3 "permissions 0644.*chmod 600 $T/loose" "$P" init e3 --office binh-giang --key "$T/loose"
expect_fail 3 "corrupt" "$P" init e4 --office binh-giang --key "$T/corrupt"
expect_fail 3 "public key" "$P" init e5 --office binh-giang --key "$T/mykey.pub"
for d in e1 e2 e3 e4 e5; do [ ! -e $d ] || bad "refused init left $d"; done
ok "a refused init --key creates nothing"
chmod 644 k1/key
expect_fail 3 "k1/key has permissions 0644.*chmod 600" "$P" -C k1 keys show
chmod 600 k1/key
cp k1/key k1/key.good && sed -i '3s/^\(.\{30\}\)./\1%/' k1/key
expect_fail 3 "corrupt.*k1/key" "$P" -C k1 keys show
mv k1/key.good k1/key
# a replica whose key is damaged exports nothing unsigned: the change waits
before=$("${G[@]}" rev-parse refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a1)
cp a1/key a1/key.good && sed -i '3s/^\(.\{30\}\)./\1%/' a1/key
"$P" -C a1 progress set p3-t1 2021 --status done --percent 100 >/dev/null
rc=0; "$P" -C a1 sync >/dev/null 2>err.txt || rc=$?
[ "$rc" -ne 0 ] && grep -q "corrupt" err.txt && ok "sync with a corrupt key exports nothing: $(head -c 160 err.txt)" \
  || bad "sync with a corrupt key: rc $rc, $(cat err.txt)"
[ "$("${G[@]}" rev-parse refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a1)" = "$before" ] && ok "nothing pushed" || bad "pushed"
mv a1/key.good a1/key
sync_ok a1
"$P" -C a1 keys allowed-signers > a1.allowed2
"${G[@]}" -c gpg.ssh.allowedSignersFile="$T/a1.allowed2" verify-commit refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a1 2>/dev/null \
  && [ "$("${G[@]}" rev-parse refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a1)" != "$before" ] \
  && ok "with the key repaired the change goes out, signed" || bad "after repair: not exported or not verified"

# SSH: without ssh.key (and no agent) the replica's own key authenticates
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ -x "$SSHD" ]; then
  export HOME=$T
  unset SSH_AUTH_SOCK SSH_AGENT_PID
  me=$(id -un)
  ssh-keygen -q -t ed25519 -N '' -f hostkey
  cp mykey.pub authorized_keys
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p /run/sshd 2>/dev/null || true
  printf '%s\n' "Port $PORT" "ListenAddress 127.0.0.1" "HostKey $T/hostkey" "AuthorizedKeysFile $T/authorized_keys" \
    "PidFile $T/sshd.pid" "StrictModes no" "PasswordAuthentication no" "KbdInteractiveAuthentication no" \
    "PubkeyAuthentication yes" "UsePAM no" "PermitRootLogin prohibit-password" "AllowUsers $me" > sshd_config
  "$SSHD" -f "$T/sshd_config" -D -e 2>>"$T/sshd.log" &
  SSHD_PID=$!
  trap 'kill $SSHD_PID 2>/dev/null; rm -rf "$T"' EXIT
  for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
  URL="ssh://$me@127.0.0.1:$PORT$T/remote.git"
  "$P" init s1 --office binh-giang --replica s1 --key "$T/mykey" --remote "$URL" --set ssh.known_hosts="$T/known_hosts" >/dev/null \
    && ok "ssh with the replica's key (no ssh.key, no agent)" || bad "ssh with the replica's key: $(cat sshd.log | tail -3)"
  "$P" -C s1 progress set p2-t7 2021 --status on_track >/dev/null
  "$P" -C s1 sync >/dev/null && ok "push over ssh with the replica's key" || bad "push with the replica's key"
  expect_fail 5 "refused this replica's key.*keys show" "$P" init s2 --office binh-giang --replica s2 --remote "$URL" \
    --set ssh.known_hosts="$T/known_hosts"
else
  echo "skip: no sshd for the SSH part"
fi
finish
