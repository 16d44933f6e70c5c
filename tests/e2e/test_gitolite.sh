#!/usr/bin/env bash
# The server enforces the registry too (issue 11 item 6): gitolite3 set up
# here (its own HOME, `gitolite setup -pk admin.pub`) behind its own OpenSSH
# sshd on 127.0.0.1 (own host key, own port, gitolite's authorized_keys),
# with the rules `plansync server gitolite` writes from the province's key
# registry, pushed through gitolite-admin as an administrator would.
# Each replica's own push works through plansync sync; stock git with a
# district's key is refused by the server when it pushes another office's
# branch, the province's, a branch of its own office under another replica
# id, main or a tag, or rewinds or deletes its own; a key that is not
# enrolled cannot even read; a revoked key loses its access when the rules
# are written again. The same push written straight into the bare
# repository, bypassing the server, is refused by the readers. Skips (77)
# only when a program is missing.
source "$(dirname "$0")/lib.sh"
export HOME=$T
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || { echo "SKIP: no sshd (apt-get install openssh-server)"; exit 77; }
command -v gitolite >/dev/null || { echo "SKIP: no gitolite (apt-get install gitolite3)"; exit 77; }
command -v ssh >/dev/null || { echo "SKIP: no ssh client"; exit 77; }
me=$(id -un)
GL=$T/gitolite # the gitolite account's HOME
mkdir -p "$GL"

# --- gitolite, set up as its README says --------------------------------
ssh-keygen -q -t ed25519 -N '' -C admin -f admin
HOME=$GL gitolite setup -pk "$T/admin.pub" >gitolite-setup.log 2>&1 || { bad "gitolite setup: $(cat gitolite-setup.log)"; finish; }
[ -s "$GL/.ssh/authorized_keys" ] && ok "gitolite setup wrote its authorized_keys" || { bad "no authorized_keys"; finish; }

# --- its own sshd -----------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f hostkey
PORT=$(free_port)
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
"$SSHD" -f "$T/sshd_config" -D -e 2>>"$T/sshd.log" &
SSHD_PID=$!
trap 'kill $SSHD_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
(echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null || { bad "sshd did not start: $(cat sshd.log)"; finish; }
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
BASE="ssh://$me@127.0.0.1:$PORT"
URL="$BASE/plansync"
# gitas KEY GIT-ARGS...: stock git speaking to the server with that key only
gitas() {
  local k=$1; shift
  GIT_SSH_COMMAND="ssh -i $k -o IdentitiesOnly=yes -o IdentityAgent=none -o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" \
    git "$@"
}
gitas "$T/admin" ls-remote "$BASE/gitolite-admin" >ls.out 2>ls.err && ok "the administrator reaches gitolite-admin" || { bad "admin cannot reach gitolite: $(cat ls.err sshd.log)"; finish; }

# --- the offices: each replica made first, its key.pub sent to the province
"$P" init tinh --office tinh --replica hq --user "Cán bộ Tỉnh" >/dev/null
"$P" -C tinh plan import >/dev/null
PIN=$(province_pin)
"$P" init bg --office binh-giang --replica a1 --trust "$PIN" >/dev/null
"$P" init ns --office nam-sach --replica b1 --trust "$PIN" >/dev/null
"$P" init bg2 --office binh-giang --replica c3 --trust "$PIN" >/dev/null # a second replica of the same office
for d in bg ns bg2; do
  "$P" -C tinh keys approve "$(replica_of $d)" --key "$d/key.pub" >/dev/null || bad "approve $d"
done
"$P" init stranger --office gia-loc --replica z9 --trust "$PIN" >/dev/null # never enrolled

# --- the rules from the registry, pushed through gitolite-admin -----------
publish() { # write the rules and push them as the administrator; $1: commit message
  "$P" -C tinh server gitolite --out "$T/rules" --json > rules.json || { bad "server gitolite: $(cat rules.json)"; return 1; }
  rm -rf admin-clone
  gitas "$T/admin" clone -q "$BASE/gitolite-admin" admin-clone 2>clone.err || { bad "clone gitolite-admin: $(cat clone.err)"; return 1; }
  cp rules/conf/gitolite.conf admin-clone/conf/gitolite.conf
  rm -rf admin-clone/keydir/plansync && cp -r rules/keydir/plansync admin-clone/keydir/
  git -C admin-clone add -A && git -C admin-clone commit -qm "$1"
  gitas "$T/admin" -C admin-clone push -q origin HEAD:master 2>push.err || gitas "$T/admin" -C admin-clone push -q origin HEAD 2>>push.err \
    || { bad "push gitolite-admin: $(cat push.err)"; return 1; }
  grep -qi "FATAL\|error" push.err && bad "gitolite complained: $(cat push.err)"
  return 0
}
publish "plansync rules: tinh, binh-giang x2, nam-sach" && ok "rules published through gitolite-admin"
grep -q '"written": 4' rules.json && ok "four enrolled keys written, the stranger's not" || bad "rules.json: $(cat rules.json)"
[ -d "$GL/repositories/plansync.git" ] && ok "gitolite created the repository" || bad "no plansync.git on the server"
SRV=$GL/repositories/plansync.git
# gitolite's authorized_keys now holds exactly the enrolled keys (ssh-keygen
# reads the fingerprints, independent of plansync)
fps() { ssh-keygen -lf "$1" | awk '{print $2}' | sort; }
want=$(for d in tinh bg ns bg2; do ssh-keygen -lf "$d/key.pub" | awk '{print $2}'; done; ssh-keygen -lf admin.pub | awk '{print $2}')
[ "$(fps "$GL/.ssh/authorized_keys")" = "$(printf '%s\n' $want | sort)" ] \
  && ok "the server's authorized_keys holds the admin and the four enrolled keys" || bad "authorized_keys: $(fps "$GL/.ssh/authorized_keys")"
grep -q "gitolite-shell $(replica_of bg)\"" "$GL/.ssh/authorized_keys" && ok "each key logs in as its replica" || bad "no forced command for bg"

# --- every replica's own push works through plansync sync ------------------
for d in tinh bg ns bg2; do
  "$P" -C "$d" config remote "$URL"
  "$P" -C "$d" config ssh.known_hosts "$T/known_hosts"
  # no ssh.key: the replica's own key (DIR/key), the one the province enrolled
done
out=$("$P" -C tinh sync 2>&1) && ok "the province pushes its branch through gitolite: $out" || bad "province sync: $out"
pct=5
for d in bg ns bg2; do
  sync_ok "$d" # the plan arrives
  "$P" -C "$d" progress set p1-t1 2021 --percent $((pct++)) >/dev/null
  sync_ok "$d"
done
"$P" -C bg progress set p2-t7 2021 --status on_track --note via-gitolite >/dev/null
out=$("$P" -C bg sync 2>&1) && ok "the district's fast-forward push works: $out" || bad "district sync: $out"
"$P" -C tinh sync >/dev/null 2>&1 || true
"$P" -C tinh dump | grep via-gitolite >/dev/null && ok "the province has the district's change" || bad "change missing at the province"
BG=refs/heads/replicas/binh-giang/$(replica_of bg)
NS=refs/heads/replicas/nam-sach/$(replica_of ns)
TINH=refs/heads/replicas/tinh/$(replica_of tinh)
BG2=refs/heads/replicas/binh-giang/$(replica_of bg2)
for r in $BG $NS $TINH $BG2; do
  git --git-dir="$SRV" rev-parse -q --verify "$r" >/dev/null && ok "server has $r" || bad "server lacks $r"
done

# --- what the server refuses, said by stock git with the district's key -----
snap() { git --git-dir="$SRV" for-each-ref --format='%(refname) %(objectname)'; }
git clone -q "$SRV" work 2>/dev/null
git -C work fetch -q origin "+refs/heads/replicas/*:refs/remotes/origin/replicas/*"
bghead=$(git --git-dir="$SRV" rev-parse "$BG")
git -C work checkout -q "$bghead"
sign_as bg # the district's own key signs it, as plansync would
echo forged > work/forged.txt && git -C work add forged.txt && git -C work commit -qm "a change for another office"
unsign
forged=$(git -C work rev-parse HEAD)
git -C work verify-commit "$forged" 2>/dev/null || true
refused_push() { # refused_push WHAT REFSPEC [extra git push args]
  local what=$1 spec=$2; shift 2
  local before; before=$(snap)
  if gitas "$T/bg/key" -C work push "$@" "$URL" "$spec" >push.out 2>&1; then
    bad "$what: the server accepted it"
  else
    grep -qi "denied\|not allowed\|rejected\|refused" push.out && ok "$what: refused by the server ($(grep -i -m1 'denied\|rejected' push.out | cut -c1-120))" \
      || bad "$what: failed without the server's refusal: $(cat push.out)"
  fi
  [ "$(snap)" = "$before" ] && ok "$what: the server's refs are unchanged" || bad "$what: the server's refs changed"
}
refused_push "push to another office's branch" "$forged:$NS" -f
refused_push "push to the province's branch" "$forged:$TINH" -f
refused_push "a new branch for another office" "$forged:refs/heads/replicas/nam-sach/nam-sach-x1"
refused_push "another replica id of its own office" "$forged:$BG2" -f
refused_push "a new replica id of its own office" "$forged:refs/heads/replicas/binh-giang/binh-giang-x2"
refused_push "a branch named like its own plus a suffix" "$forged:${BG}x"
refused_push "main" "$forged:refs/heads/main"
refused_push "a tag" "$forged:refs/tags/v1"
# the province's key is held to its own branch too
before=$(snap)
gitas "$T/tinh/key" -C work push -f "$URL" "$forged:$BG" >push.out 2>&1 && bad "the province's key wrote a district's branch" \
  || { grep -q "DENIED" push.out && [ "$(snap)" = "$before" ] && ok "the province's key may not write a district's branch" \
  || bad "province push: $(cat push.out)"; }
# rewinding and deleting its own branch
parent=$(git --git-dir="$SRV" rev-parse "$BG~1")
refused_push "rewinding its own branch" "$parent:$BG" -f
refused_push "deleting its own branch" ":$BG"
# its own fast-forward is allowed (bg2's key on bg2's branch: bg itself
# goes on syncing below, and a foreign commit on its branch would move it
# to a new replica id)
git -C work checkout -q "$(git --git-dir="$SRV" rev-parse "$BG2")"
echo extra > work/extra.txt && git -C work add extra.txt && git -C work commit -qm "not a change file"
ffc=$(git -C work rev-parse HEAD)
gitas "$T/bg2/key" -C work push -q "$URL" "$ffc:$BG2" 2>push.out && [ "$(git --git-dir="$SRV" rev-parse "$BG2")" = "$ffc" ] \
  && ok "stock git with a district's key fast-forwards its own branch" || bad "own fast-forward refused: $(cat push.out)"
# a key that is not enrolled cannot read either
gitas "$T/stranger/key" ls-remote "$URL" >/dev/null 2>ls.err && bad "an unenrolled key can read" \
  || ok "an unenrolled key is refused: $(head -1 ls.err | cut -c1-100)"
# the readers refuse what that key pushed into its own branch (no change
# file, unsigned): it is quarantined, nothing applies
before=$("$P" -C tinh dump)
"$P" -C tinh sync >/dev/null 2>&1 || true
[ "$("$P" -C tinh dump)" = "$before" ] && ok "the unsigned commit applies nothing at the province" || bad "state changed"
"$P" -C tinh problems --json | grep "$(replica_of bg2)" >/dev/null && ok "the province lists it in problems" || bad "not in problems"

# --- bypassing the server: a branch written straight into the bare repository
# by someone with shell access, signed with the district's key but for
# another office: every reader refuses it (quarantined), the rest applies
for d in tinh ns; do "$P" -C "$d" sync >/dev/null 2>&1 || true; done # both up to date first
GIT_DIR=$SRV git update-ref refs/heads/replicas/nam-sach/nam-sach-x1 "$forged"
for d in tinh ns; do
  before=$("$P" -C "$d" dump)
  "$P" -C "$d" sync >/dev/null 2>&1 || true
  [ "$("$P" -C "$d" dump)" = "$before" ] && ok "$d: the branch written past the server applies nothing" || bad "$d: state changed"
  "$P" -C "$d" problems --json | grep "nam-sach-x1" >/dev/null && ok "$d: it is quarantined with its reason" || bad "$d: nam-sach-x1 not in problems"
done
GIT_DIR=$SRV git update-ref -d refs/heads/replicas/nam-sach/nam-sach-x1

# --- revocation: the rules written again lose the key ----------------------
"$P" -C tinh keys revoke "$(replica_of ns)" >/dev/null || bad "revoke ns"
publish "plansync rules: nam-sach's key revoked"
grep -q '"removed": 1' rules.json && ok "the revoked key's file is removed from keydir" || bad "rules.json: $(cat rules.json)"
[ ! -e "$T/rules/keydir/plansync/$(replica_of ns).pub" ] && ok "no key file for the revoked replica" || bad "revoked key file kept"
grep -q "$(ssh-keygen -lf ns/key.pub | awk '{print $2}')" <(ssh-keygen -lf "$GL/.ssh/authorized_keys") \
  && bad "the revoked key is still in the server's authorized_keys" || ok "the server dropped the revoked key"
"$P" -C ns progress set p2-t7 2021 --status delayed >/dev/null
expect_fail 5 "refused this replica.s key|authentication refused" "$P" -C ns sync
"$P" -C bg progress set p2-t7 2022 --status on_track >/dev/null
"$P" -C bg sync >/dev/null 2>&1 && ok "the others still push" || bad "bg after the revocation: $("$P" -C bg sync 2>&1)"

# --- bad input ---------------------------------------------------------------
touch afile
expect_fail 3 "is a file, not a directory" "$P" -C tinh server gitolite --out "$T/afile"
expect_fail 3 "is a file, not a directory" "$P" -C tinh server gitolite --out "$T/afile/sub"
expect_fail 3 "parent directory does not exist" "$P" -C tinh server gitolite --out "$T/no/such/dir"
expect_fail 2 "--out DIR is required" "$P" -C tinh server gitolite
expect_fail 3 "not a repository name gitolite takes" "$P" -C tinh server gitolite --out "$T/r2" --repo "../x"
expect_fail 3 "not a gitolite user name" "$P" -C tinh server gitolite --out "$T/r2" --admin "a b"
# not writable: as an unprivileged user when there is one to become
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  mkdir -p ro && chmod 755 ro "$T" && chmod -R a+rX tinh
  err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$P" -C tinh server gitolite --out "$T/ro" 2>&1 >/dev/null) && rc=0 || rc=$?
  [ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q "cannot be written\|choose a directory you can write to" \
    && ok "a directory that cannot be written is refused: $err" || bad "unwritable --out: rc $rc: $err"
elif [ "$(id -u)" -ne 0 ]; then
  mkdir -p ro && chmod 555 ro
  expect_fail 1 "cannot be written" "$P" -C tinh server gitolite --out "$T/ro"
  chmod 755 ro
fi
finish
