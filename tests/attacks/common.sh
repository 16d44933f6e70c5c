# common.sh - sourced by the attack scripts: the binary named by PLANSYNC, a temporary directory.
set -u
ATTACKS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=${PLANSYNC:?set PLANSYNC to the plansync binary}
T=$(mktemp -d /tmp/attack-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
export GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x
unset PLANSYNC_FAKE_NOW_MS
prov() { git init -q --bare remote.git; "$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user P >/dev/null; "$P" -C tinh plan import >/dev/null; "$P" -C tinh sync >/dev/null; }
# Enrolment (issue 11): pin the province key as ssh-keygen reads its key.pub;
# enrol DIR: the province enrols DIR's key (sent out of band) and syncs.
province_pin() { ssh-keygen -lf "${1:-$T/tinh}/key.pub" | cut -d' ' -f2; }
replica_of() { "$P" -C "$1" status --json | sed -n 's/^ *"replica": "\([^"]*\)".*/\1/p' | head -1; }
enrol() {
  local pd=${2:-$T/tinh}
  "$P" -C "$pd" keys approve "$(replica_of "$1")" --key "$1/key.pub" >/dev/null
  "$P" -C "$pd" sync >/dev/null 2>&1
  return 0
}
dist() { "$P" init "$1" --office "$2" --replica "$3" --remote "$T/remote.git" --user "U$2" --trust "$(province_pin)" >/dev/null && enrol "$1" && { "$P" -C "$1" sync >/dev/null 2>&1; return 0; }; }
# sign_as DIR: stock git signs the commits it makes (git commit; git commit-tree
# ${GIT_SIGN:-}, which ignores commit.gpgSign) with
# DIR's key, as plansync signs its exports; unsign: back to unsigned.
sign_as() {
  export GIT_CONFIG_COUNT=3 GIT_CONFIG_KEY_0=gpg.format GIT_CONFIG_VALUE_0=ssh \
    GIT_CONFIG_KEY_1=user.signingkey GIT_CONFIG_VALUE_1="$(cd "$1" && pwd)/key" \
    GIT_CONFIG_KEY_2=commit.gpgsign GIT_CONFIG_VALUE_2=true GIT_SIGN=-S
}
unsign() { unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0 GIT_CONFIG_KEY_1 GIT_CONFIG_VALUE_1 GIT_CONFIG_KEY_2 GIT_CONFIG_VALUE_2 GIT_SIGN; }
fail() { echo "BROKEN: $*" >&2; exit 1; }
# http_setup: a province and district d1 (one write) syncing through git
# http-backend on 127.0.0.1 (U); B is d1's branch, TIP its commit, TR its
# tree, BAD a commit with no author line on top of it (not on any ref yet).
http_setup() {
  local src=${PLANSYNC_SRC:-$ATTACKS/../..}
  chmod 755 "$T"
  git init -q --bare remote.git; git -C remote.git config http.receivepack true
  HPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 "$src/tests/e2e/http_server.py" "$HPORT" "$T" u pw 2>http.log & HP=$!
  trap 'kill $HP 2>/dev/null; rm -rf "$T"' EXIT
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$HPORT) 2>/dev/null && break; sleep 0.1; done
  export PLANSYNC_HTTP_USERNAME=u PLANSYNC_HTTP_PASSWORD=pw; U=http://127.0.0.1:$HPORT/remote.git
  "$P" init tinh --office tinh --replica hq --remote "$U" >/dev/null; "$P" -C tinh plan import >/dev/null
  "$P" -C tinh sync >/dev/null || { cat http.log; fail "setup: province sync"; }
  "$P" init d1 --office binh-giang --replica a --remote "$U" --trust "$(province_pin)" >/dev/null; enrol d1
  "$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail "setup: district sync"
  B=refs/heads/replicas/binh-giang/binh-giang-a
  TIP=$(git -C remote.git rev-parse $B); TR=$(git -C remote.git rev-parse "$TIP^{tree}")
  BAD=$(printf 'tree %s\nparent %s\ncommitter x <x@x> 1 +0000\n\nstray\n' "$TR" "$TIP" | git -C remote.git hash-object -t commit --literally -w --stdin)
}
# http_pushes_go_on: after the stray commit is on the remote, the province,
# a new district and d1 itself all still push (exit 0).
http_pushes_go_on() {
  "$P" -C tinh sync >/dev/null 2>&1
  "$P" -C tinh progress set p1-t2 2021 --percent 7 >/dev/null || fail "set"
  "$P" -C tinh sync; prc=$?
  "$P" init d3 --office tu-ky --replica c --remote "$U" --trust "$(province_pin)" >/dev/null 2>&1; enrol d3
  "$P" -C d3 progress set p1-t3 2021 --percent 5 >/dev/null; "$P" -C d3 sync; drc=$?
  "$P" -C d1 progress set p1-t4 2021 --percent 11 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1; "$P" -C d1 sync; orc=$?
  echo "province sync rc=$prc; other district rc=$drc; affected district rc=$orc"
  [ "$prc" -eq 0 ] && [ "$drc" -eq 0 ] && [ "$orc" -eq 0 ] || fail "pushes fail for everyone after one malformed commit"
}
