# lib.sh - helpers for the end-to-end tests: real binaries, real Git
# repositories, a temporary directory removed on exit.
set -euo pipefail
P=${PLANSYNC:?set PLANSYNC to the plansync binary}
SRC=${PLANSYNC_SRC:?set PLANSYNC_SRC to the source tree}
T=$(mktemp -d "${TMPDIR:-/tmp}/plansync-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
failures=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures failure(s)" >&2; exit 1; fi
  echo "all passed"
}
# expect_fail CODE PATTERN CMD...: CMD exits with CODE and stderr matches PATTERN.
expect_fail() {
  local code=$1 pat=$2; shift 2
  local err rc=0
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" -ne "$code" ]; then bad "'$*' exited $rc, expected $code (stderr: $err)"; return; fi
  if ! printf '%s' "$err" | grep -qiE -- "$pat"; then bad "'$*': message '$err' lacks /$pat/"; return; fi
  ok "refused: $* -> $err"
}
# A province with the default plan and a bare remote.
setup_province() {
  git init -q --bare remote.git
  "$P" init tinh --office tinh --replica hq --remote "$T/remote.git" --user "Cán bộ Tỉnh" >/dev/null
  "$P" -C tinh plan import >/dev/null
  "$P" -C tinh sync >/dev/null
}
# Enrolment (issue 11): the province key's fingerprint as ssh-keygen reads
# the province's key.pub (what the province officer reads out by phone).
province_pin() { ssh-keygen -lf "${1:-$T/tinh}/key.pub" | cut -d' ' -f2; }
# replica_of DIR: the replica id DIR says it has.
replica_of() { "$P" -C "$1" status --json | sed -n 's/^ *"replica": "\([^"]*\)".*/\1/p' | head -1; }
# enrol DIR [PROVINCE]: the province enrols DIR's key (its key.pub, sent out
# of band) and syncs, so what DIR writes applies everywhere.
enrol() {
  local pd=${2:-$T/tinh}
  "$P" -C "$pd" keys approve "$(replica_of "$1")" --key "$1/key.pub" >/dev/null
  "$P" -C "$pd" sync >/dev/null 2>&1 || true
}
# sign_as DIR_OR_KEY: stock git signs the commits it makes from here on
# (git commit; git commit-tree ${GIT_SIGN:-}, which ignores commit.gpgSign) with that replica's key (DIR/key) or key file, as
# plansync signs its exports; unsign: unsigned again.
sign_as() {
  local k=$1; [ -d "$k" ] && k=$k/key
  export GIT_CONFIG_COUNT=3 GIT_CONFIG_KEY_0=gpg.format GIT_CONFIG_VALUE_0=ssh \
    GIT_CONFIG_KEY_1=user.signingkey GIT_CONFIG_VALUE_1="$(cd "$(dirname "$k")" && pwd)/$(basename "$k")" \
    GIT_CONFIG_KEY_2=commit.gpgsign GIT_CONFIG_VALUE_2=true GIT_SIGN=-S
}
unsign() { unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0 GIT_CONFIG_KEY_1 GIT_CONFIG_VALUE_1 GIT_CONFIG_KEY_2 GIT_CONFIG_VALUE_2 GIT_SIGN; }
district() { # district DIR OFFICE SUFFIX: pinned to the province's key, enrolled
  "$P" init "$1" --office "$2" --replica "$3" --remote "$T/remote.git" --user "Cán bộ $2" \
    --trust "$(province_pin)" >/dev/null
  enrol "$1"
  "$P" -C "$1" sync >/dev/null 2>&1 || true
}
# sync_ok DIR: one sync that may end with conflicts for this office (exit 6).
sync_ok() {
  local rc=0
  "$P" -C "$1" sync >/dev/null || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] || bad "sync of $1 exited $rc"
}
json_num() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" | head -1; }
# run_attacks FROM TO: the scripts tests/attacks/NN-*.sh with FROM <= NN <= TO.
run_attacks() {
  local f name n rc out
  for f in "$SRC"/tests/attacks/[0-9]*.sh; do
    name=$(basename "$f" .sh)
    n=$((10#${name%%-*}))
    [ "$n" -ge "$1" ] && [ "$n" -le "$2" ] || continue
    rc=0
    out=$(PLANSYNC=$P PLANSYNC_SRC=$SRC timeout 180 bash "$f" 2>&1) || rc=$?
    case $rc in
      0) ok "$name" ;;
      2) echo "skip: $name: $(printf '%s' "$out" | tail -1)" ;;
      *) bad "$name (rc $rc): $(printf '%s' "$out" | tail -3)" ;;
    esac
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# A throwaway OpenSSH server on 127.0.0.1 for the ssh:// tests, in $T: its
# own host key, a user key (userkey) in its authorized_keys, $PORT, $me.
# sshd_setup once, then start_sshd (again after a stop); it logs VERBOSE
# ("Accepted publickey" per login) to $T/sshd.log.
sshd_setup() {
  SSHD=$(command -v sshd || echo /usr/sbin/sshd)
  [ -x "$SSHD" ] || { echo "SKIP: no sshd (apt-get install openssh-server)"; bad "sshd missing"; finish; }
  me=$(id -un)
  ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
  ssh-keygen -q -t ed25519 -N '' -f "$T/userkey"
  cp "$T/userkey.pub" "$T/authorized_keys"
  PORT=$(free_port)
  mkdir -p /run/sshd 2>/dev/null || true
}
start_sshd() {
  cat > "$T/sshd_config" <<CFG
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
  "$SSHD" -f "$T/sshd_config" -D -E "$T/sshd.log" &
  SSHD_PID=$!
  for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return; sleep 0.1; done
  bad "sshd did not start: $(cat "$T/sshd.log")"
}
