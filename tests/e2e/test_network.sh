#!/usr/bin/env bash
# SSH and HTTP remotes end to end, against an OpenSSH server and git
# http-backend started here on 127.0.0.1: clone, sync, push rejected by a
# server hook, changed and unknown host keys refused, wrong keys and
# passwords refused, unreachable hosts and missing repositories named.
source "$(dirname "$0")/lib.sh"
export HOME=$T
sshd_setup
git init -q --bare remote.git
ssh-keygen -q -t ed25519 -N '' -f otherkey
start_sshd
trap 'kill $SSHD_PID ${HTTP_PID:-} 2>/dev/null; rm -rf "$T"' EXIT
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
URL="ssh://$me@127.0.0.1:$PORT$T/remote.git"

# province over SSH with a key file; district over SSH with ssh-agent
"$P" init tinh --office tinh --remote "$URL" --set ssh.key="$T/userkey" --set ssh.known_hosts="$T/known_hosts" >/dev/null \
  && ok "init over ssh (key file)" || bad "init over ssh: $("$P" -C tinh sync 2>&1)"
"$P" -C tinh plan import >/dev/null
out=$("$P" -C tinh sync 2>&1) && ok "push over ssh: $out" || bad "sync over ssh: $out"
eval "$(ssh-agent -s)" >/dev/null
ssh-add -q userkey 2>/dev/null
"$P" init bg --office binh-giang --remote "$URL" --set ssh.known_hosts="$T/known_hosts" --trust "$(province_pin)" >/dev/null \
  && ok "clone over ssh (ssh-agent)" || bad "clone with agent: $("$P" -C bg sync 2>&1)"
ssh-agent -k >/dev/null 2>&1; unset SSH_AUTH_SOCK SSH_AGENT_PID
"$P" -C bg config ssh.key "$T/userkey"
enrol bg; "$P" -C bg sync >/dev/null
[ "$("$P" -C bg dump)" = "$("$P" -C tinh dump)" ] && ok "district has the plan over ssh" || bad "plan not cloned"
"$P" -C bg progress set p2-t7 2021 --status on_track >/dev/null
# the province's receipt of the report (issue 12) comes back to bg with its next sync
"$P" -C bg sync >/dev/null && "$P" -C tinh sync >/dev/null && "$P" -C bg sync >/dev/null &&
  [ "$("$P" -C bg dump)" = "$("$P" -C tinh dump)" ] \
  && ok "progress travels over ssh" || bad "ssh round trip"

# push rejected by a server hook: queued, retried, delivered later
printf '#!/bin/sh\necho "quota exceeded" >&2\nexit 1\n' > remote.git/hooks/pre-receive
chmod +x remote.git/hooks/pre-receive
"$P" -C bg progress set p2-t7 2022 --status delayed >/dev/null
expect_fail 7 "refused the push" "$P" -C bg sync
[ "$("$P" -C bg status --json | json_num not_delivered)" -ge 1 ] && ok "rejected change stays queued (not delivered)" || bad "rejected change counted as delivered"
rm remote.git/hooks/pre-receive
"$P" -C bg sync >/dev/null && [ "$("$P" -C bg status --json | json_num not_delivered)" = 0 ] && ok "delivered after the hook is gone" || bad "not delivered after retry"

# one malformed commit under refs/tags, refs/heads/main and a replica
# branch: over ssh every other branch still imports and a new replica
# gets the plan; the bad branch is quarantined
tree=$(git --git-dir=remote.git hash-object -w -t tree --stdin </dev/null)
badc=$(printf 'tree %s\ncommitter x <x> 0 +0000\n\nno author\n' "$tree" | git --git-dir=remote.git hash-object -w -t commit --literally --stdin)
git --git-dir=remote.git update-ref refs/tags/v1 "$badc"
git --git-dir=remote.git update-ref refs/heads/main "$badc"
git --git-dir=remote.git update-ref refs/heads/replicas/nam-sach/nam-sach-x "$badc"
"$P" init ns --office nam-sach --remote "$URL" --set ssh.key="$T/userkey" --set ssh.known_hosts="$T/known_hosts" \
  --trust "$(province_pin)" >/dev/null 2>&1 \
  && ok "init over ssh beside a malformed commit" || bad "init beside a malformed commit: $("$P" -C ns sync 2>&1)"
"$P" -C tinh sync >/dev/null 2>&1 || true
# the province's receipt of bg's last report (issue 12) reaches ns with its next sync
"$P" -C ns sync >/dev/null 2>&1 || true
[ "$("$P" -C ns dump)" = "$("$P" -C tinh dump)" ] && ok "new replica has everything over ssh" || bad "new replica lacks data"
"$P" -C ns problems --json | grep -q 'nam-sach-x' && ok "malformed branch quarantined over ssh" || bad "malformed branch not reported"
git --git-dir=remote.git update-ref -d refs/tags/v1
git --git-dir=remote.git update-ref -d refs/heads/main
git --git-dir=remote.git update-ref -d refs/heads/replicas/nam-sach/nam-sach-x
# someone else pushes to bg's branch: bg continues under a new id, nothing lost
bgid=$("$P" -C bg status --json | sed -n 's/.*"replica": "\([^"]*\)".*/\1/p' | head -1)
git clone -q remote.git stray 2>/dev/null
git -C stray checkout -q "replicas/binh-giang/$bgid"
sign_as bg # signed with bg's key (a copy of it): readers judge the commit's files
echo x > stray/x.txt && git -C stray add x.txt && git -C stray commit -qm stray
unsign
git -C stray push -q origin "HEAD:refs/heads/replicas/binh-giang/$bgid" 2>/dev/null
"$P" -C bg progress set p2-t7 2023 --status at_risk --note after-stray >/dev/null
"$P" -C bg sync >/dev/null 2>&1 && ok "sync over ssh after a stray push to our branch" || bad "sync after stray push: $("$P" -C bg sync 2>&1)"
enrol bg # it continues under a new id, with a new key
"$P" -C tinh sync >/dev/null 2>&1 || true
"$P" -C tinh dump | grep after-stray >/dev/null && ok "write after the stray push reached the province" || bad "after-stray not delivered"
# re-created over ssh with the same replica id after its database was lost:
# it takes up its branch's history (its own reports are back) and pushes on
bgid=$("$P" -C bg status --json | sed -n 's/.*"replica": "\([^"]*\)".*/\1/p' | head -1)
rm -rf bg
"$P" init bg --office binh-giang --replica "$bgid" --remote "$URL" --set ssh.key="$T/userkey" \
  --set ssh.known_hosts="$T/known_hosts" --trust "$(province_pin)" >/dev/null 2>&1 || true
enrol bg # a new key for the same replica id
"$P" -C bg dump | grep after-stray >/dev/null && ok "re-created over ssh: its delivered reports are back" ||
  bad "re-created replica lost its reports over ssh"
"$P" -C bg progress set p2-t7 2024 --status on_track --note after-recreate >/dev/null
"$P" -C bg sync >/dev/null 2>&1 && ok "re-created replica pushes over ssh" || bad "re-created push: $("$P" -C bg sync 2>&1)"
"$P" -C tinh sync >/dev/null 2>&1 || true
"$P" -C tinh dump | grep after-recreate >/dev/null && ok "its new write reached the province" || bad "after-recreate not delivered"

# wrong key, unreachable host, missing repository
"$P" -C bg config ssh.key "$T/otherkey"
expect_fail 5 "authentication refused" "$P" -C bg sync
"$P" -C bg config ssh.key "$T/userkey"
"$P" -C bg config remote "ssh://$me@127.0.0.1:$(free_port)$T/remote.git"
expect_fail 5 "host unreachable" "$P" -C bg sync
"$P" -C bg config remote "ssh://$me@127.0.0.1:$PORT$T/nothing-here.git"
expect_fail 5 "no Git repository" "$P" -C bg sync
"$P" -C bg config remote "$URL"

# the server's host key changes: refused with the fingerprint, nothing imported
kill $SSHD_PID; wait $SSHD_PID 2>/dev/null || true
rm -f hostkey hostkey.pub; ssh-keygen -q -t ed25519 -N '' -f hostkey
start_sshd
newfp=$(ssh-keygen -lf hostkey.pub | awk '{print $2}')
refp=$(printf '%s' "$newfp" | sed 's/[+/.]/\\&/g')
before=$("$P" -C bg dump)
expect_fail 5 "host key of 127.0.0.1 has CHANGED \(now $refp\).*ssh.fingerprint $refp" "$P" -C bg sync
[ "$("$P" -C bg dump)" = "$before" ] && ok "nothing imported from the impostor" || bad "state changed"
# an unknown host: the message shows the fingerprint and how to trust it
"$P" -C bg config ssh.known_hosts "$T/empty_known_hosts"
expect_fail 5 "unknown host key for 127.0.0.1: $refp.*plansync config ssh.fingerprint $refp" "$P" -C bg sync
"$P" -C bg config ssh.fingerprint "$newfp"
"$P" -C bg sync >/dev/null && ok "pinned fingerprint accepted" || bad "pinned fingerprint refused"
"$P" -C bg config ssh.fingerprint "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_fail 5 "not the pinned" "$P" -C bg sync

# parallel syncs of several offices through the SSH server
"$P" -C bg config ssh.fingerprint "$newfp"
"$P" -C tinh config ssh.fingerprint "$newfp"
for o in nam-sach gia-loc; do
  "$P" init "$o" --office "$o" --remote "$URL" --set ssh.key="$T/userkey" --set ssh.fingerprint="$newfp" \
    --trust "$(province_pin)" >/dev/null || bad "init $o over ssh"
  enrol "$o"
done
"$P" -C tinh sync >/dev/null; n0=$("$P" -C tinh status --json | json_num changes)
r0=$("$P" -C tinh dump | grep -c '"id": "receipt/')
for round in 1 2 3 4; do
  for r in bg nam-sach gia-loc; do "$P" -C "$r" progress set p1-t$round 2021 --percent $((round * 10)) >/dev/null; done
  jobs_=()
  for r in tinh bg nam-sach gia-loc; do ( "$P" -C "$r" sync >/dev/null 2>&1 || echo "$r" >> par.err ) & jobs_+=($!); done
  wait "${jobs_[@]}"
done
[ ! -s par.err ] && ok "4 rounds of parallel syncs over ssh" || bad "parallel ssh syncs failed: $(cat par.err)"
for r in tinh bg nam-sach gia-loc; do "$P" -C "$r" sync >/dev/null; done
for r in tinh bg nam-sach gia-loc; do "$P" -C "$r" sync >/dev/null; done
[ "$(for r in tinh bg nam-sach gia-loc; do "$P" -C "$r" dump | sha256sum; done | sort -u | wc -l)" = 1 ] && ok "converged over ssh" || bad "no convergence over ssh"
# and the province's receipt of each of the 12 new reports (issue 12)
r1=$("$P" -C tinh dump | grep -c '"id": "receipt/')
[ $((r1 - r0)) = 12 ] && ok "12 receipts" || bad "$((r1 - r0)) receipts for 12 reports"
n1=$("$P" -C tinh status --json | json_num changes); [ "$n1" = $((n0 + 24)) ] && ok "all 12 changes arrived" || bad "changes missing over ssh: $n0 -> $n1"

# HTTP smart protocol through git http-backend, with Basic auth
HPORT=$(free_port)
python3 "$SRC/tests/e2e/http_server.py" "$HPORT" "$T" clerk 's3cret pass' 2>http.log &
HTTP_PID=$!
for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$HPORT) 2>/dev/null && break; sleep 0.1; done
HURL="http://127.0.0.1:$HPORT/remote.git"
expect_fail 5 "asks for a username and password" "$P" init web --office nam-sach --remote "$HURL"
rm -rf web
PLANSYNC_HTTP_USERNAME=clerk PLANSYNC_HTTP_PASSWORD=wrong expect_fail 5 "authentication refused" "$P" init web --office nam-sach --remote "$HURL"
rm -rf web
PLANSYNC_HTTP_USERNAME=clerk PLANSYNC_HTTP_PASSWORD='s3cret pass' "$P" init web --office nam-sach --remote "$HURL" \
  --trust "$(province_pin)" >/dev/null && ok "clone over http with credentials from the environment" || bad "http clone failed"
enrol web
printf '#!/bin/sh\n[ "$1" = get ] && cat >/dev/null && printf "username=clerk\\npassword=s3cret pass\\n"\n' > helper.sh; chmod +x helper.sh
"$P" -C web config http.credential_helper "$T/helper.sh"
"$P" -C web progress set p2-t7 2021 --percent 15 >/dev/null
out=$("$P" -C web sync 2>&1) && ok "push over http with a credential helper: $out" || bad "http push: $out"
"$P" -C tinh sync >/dev/null && "$P" -C tinh progress show --office nam-sach | grep -q p2-t7 && ok "http change arrives over ssh" || bad "http change missing"
grep -rq 's3cret' web/repo.git web/plansync.db 2>/dev/null && bad "password stored in the replica" || ok "no password stored in the replica"
finish
