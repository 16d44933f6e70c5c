#!/usr/bin/env bash
# plansync benchmarks against git fast-import, the git CLI and sqlite3,
# each case and its baseline run in this same script on the same data.
#   bench/run.sh                 the default run (100k changes, 3 runs each)
#   BENCH_N=1000000 BENCH_RUNS=1 BENCH_CASES="bulk import" bench/run.sh   the 1M case
#   BENCH_CASES="cycle" bench/run.sh    one case alone (cases: bulk incremental import idle cli
#                                       daemon converge cycle offices join storage)
#   BENCH_CYCLE_MAX=1000000             the one-change cycle up to 1M changes (default 100k)
#   BENCH_CYCLE_SIZES="1000000"         only these sizes of it (the 1M run, appended)
#   BENCH_JOIN_MAX=1000000              init --remote of 1M changes too (default N)
#   BENCH_APPEND=1                      add rows to results.tsv instead of starting it anew
# Writes bench/results.tsv, bench/RESULTS.md and bench/scaling.svg.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-3}
IDLE_S=${BENCH_IDLE_S:-60}
CASES=${BENCH_CASES:-"bulk incremental import idle cli daemon converge cycle offices join storage"}
CYCLE_MAX=${BENCH_CYCLE_MAX:-100000}
JOIN_MAX=${BENCH_JOIN_MAX:-$N}
"$here/scripts/deps.sh"
build="$here/build-bench"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPLANSYNC_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target plansync-cli plansyncd plansync-bench >/dev/null
P="$build/plansync" D="$build/plansyncd" B="$build/plansync-bench"
W=$(mktemp -d "${TMPDIR:-/tmp}/plansync-bench.XXXXXX")
SSHD_PID=
trap 'pkill -f "plansyncd -C $W" 2>/dev/null || true; [ -z "$SSHD_PID" ] || kill "$SSHD_PID" 2>/dev/null || true; rm -rf "$W"' EXIT
cd "$W"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
out="$here/bench/results.tsv"
[ "${BENCH_APPEND:-0}" = 1 ] || printf 'case\tsize\tplansync_s\tbaseline_s\tratio\ttarget\tmet\tnote\n' > "$out"
# A replica copied to time a step again from the same start: a snapshot
# restored on purpose, so the copy keeps its identity (plansync would
# otherwise continue it under a new replica id, as it does for cp -a).
copy_replica() { cp -r "$1" "$2" && sqlite3 "$2/plansync.db" "DELETE FROM meta WHERE key = 'instance'"; }
say() { printf '\n== %s\n' "$*" >&2; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { local t0; t0=$(now); "$@" >/dev/null 2>&1; awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }'; }
secs() { sed -n 's/^seconds \([0-9.]*\).*/\1/p'; }
rss() { sed -n 's/.*maxrss_kib \([0-9]*\).*/\1/p'; }
row() { # row CASE SIZE OURS BASE TARGET_KIND TARGET_VALUE NOTE
  local ratio met="-"
  ratio=$(awk -v a="$3" -v b="$4" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
  case $5 in
    le) met=$(awk -v r="$ratio" -v t="$6" 'BEGIN { print (r <= t) ? "yes" : "no" }'); tgt="<= ${6}x" ;;
    *) tgt=$6 ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$ratio" "$tgt" "$met" "$7" >> "$out"
  printf '%-22s %8s  plansync %8ss  baseline %8ss  ratio %6s  target %-8s %s\n' "$1" "$2" "$3" "$4" "$ratio" "$tgt" "$met" >&2
}
# The plan, published once by a province replica; every bench replica starts from it.
git init -q --bare plan.git
"$P" init province --office tinh --replica hq --remote "$W/plan.git" >/dev/null
"$P" -C province plan import >/dev/null && "$P" -C province sync >/dev/null
fresh_replica() { # fresh_replica DIR OFFICE [REMOTE] [SUFFIX]: a replica holding the plan
  "$P" init "$1" --office "$2" --replica "${4:-bench}" --remote "${3:-$W/plan.git}" --trust-first-use >/dev/null 2>&1
}
# enrol DIR [PROVINCE]: the province enrols DIR's key (its key.pub, ahead of
# its first push) and publishes the record, so readers apply DIR's changes
# instead of holding them as an enrolment request.
enrol() {
  local pv=${2:-province} id
  id=$(sqlite3 "$1/plansync.db" "SELECT value FROM meta WHERE key = 'replica'")
  "$P" -C "$pv" keys approve "$id" --key "$1/key.pub" >/dev/null && "$P" -C "$pv" sync >/dev/null
}
# The branch format the code under test writes (plansync.json of the plan's branch).
FORMAT=$(git -C plan.git show refs/heads/replicas/tinh/tinh-hq:plansync.json | sed -n 's/.*"format": *\([0-9]*\).*/\1/p')
say "branch format $FORMAT"
gen() { # gen DIR N: N progress changes, not exported
  "$B" gen "$1" "$2" 2>/dev/null
}

if [[ " $CASES " == *" bulk "* || " $CASES " == *" import "* ]]; then
  say "generating $N changes"
  fresh_replica big binh-giang
  enrol big
  gen big "$N"
  copy_replica big big.pristine
fi

if [[ " $CASES " == *" bulk "* ]]; then
  say "bulk export: one cycle exporting $N new changes vs git fast-import of the same files"
  "$B" fi-stream big fi.stream
  ours=(); base=()
  for r in $(seq 1 "$RUNS"); do
    rm -rf run && copy_replica big.pristine run && sync   # write-back of the copy is not the export's cost
    ours+=("$("$B" export run 2>/dev/null | secs)")
    rm -rf fi.git && git init -q --bare fi.git
    base+=("$(timeit git -C fi.git fast-import --quiet < fi.stream)")
  done
  git -C run/repo.git fsck --no-progress >/dev/null 2>&1 || { echo "bench: fsck failed after the bulk export" >&2; exit 1; }
  row bulk_export "$N" "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${base[@]}" | median)" le 0.5 "pack stored uncompressed"
  # keep an exported copy for the import case
  rm -rf big.exported && copy_replica run big.exported
fi

if [[ " $CASES " == *" import "* ]]; then
  say "import: an empty replica importing a fetched branch of $N changes vs sqlite3 .import of the same rows"
  [ -d big.exported ] || { rm -rf big.exported && copy_replica big.pristine big.exported && "$B" export big.exported >/dev/null 2>&1; }
  git init -q --bare imp.remote.git
  git -C big.exported/repo.git push -q "$W/imp.remote.git" 'refs/heads/replicas/binh-giang/*:refs/heads/replicas/binh-giang/*'
  # the province's branch as it is now: the plan and big's enrolment
  git -C plan.git push -q "$W/imp.remote.git" 'refs/heads/replicas/tinh/*:refs/heads/replicas/tinh/*'
  "$P" init imp --office nam-sach --replica bench --trust "$("$P" -C province keys show --json | sed -n 's/.*"fingerprint": "\([^"]*\)".*/\1/p')" >/dev/null
  "$P" -C imp config remote "$W/imp.remote.git"
  "$B" fetch imp
  "$B" csv big.exported rows.csv
  ours=(); base=(); mem=()
  for r in $(seq 1 "$RUNS"); do
    rm -rf run && copy_replica imp run && sync
    o=$("$B" import run 2>/dev/null)
    ours+=("$(echo "$o" | secs)"); mem+=("$(echo "$o" | rss)")
    rm -f base.db
    sqlite3 base.db "CREATE TABLE changes(id TEXT PRIMARY KEY, record TEXT, office TEXT, replica TEXT, author TEXT, hlc INTEGER, op TEXT, fields TEXT, reason TEXT, bytes BLOB)"
    base+=("$(timeit sqlite3 base.db '.mode csv' '.import rows.csv changes')")
  done
  [ "$(sqlite3 base.db 'select count(*) from changes')" = "$N" ] || { echo "bench: baseline import incomplete" >&2; exit 1; }
  [ "$(sqlite3 run/plansync.db "select count(*) from changes where office = 'binh-giang'")" = "$N" ] || { echo "bench: import incomplete" >&2; exit 1; }
  row import "$N" "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${base[@]}" | median)" le 5 ""
  m=$(printf '%s\n' "${mem[@]}" | median)
  printf 'memory_import\t%s\t%s\t-\t-\t< 65536 KiB\t%s\tpeak RSS in KiB\n' "$N" "$m" "$([ "${m%.*}" -lt 65536 ] && echo yes || echo no)" >> "$out"
  printf '%-22s %8s  peak RSS %s KiB (target < 64 MiB)\n' memory_import "$N" "$m" >&2
fi

if [[ " $CASES " == *" incremental "* || " $CASES " == *" cli "* ]]; then
  for size in 1000 10000 100000; do
    [ -d "inc$size" ] && continue
    say "a replica of $size exported changes"
    fresh_replica "inc$size" binh-giang
    gen "inc$size" "$size"
    "$B" export "inc$size" >/dev/null 2>&1
  done
fi

if [[ " $CASES " == *" incremental "* ]]; then
  for size in 1000 10000 100000; do
    say "incremental export: 1 new change into a replica of $size vs git add -A && git commit in a work tree of the same files"
    rm -rf "wt$size" && git clone -q "inc$size/repo.git" "wt$size" 2>/dev/null
    git -C "wt$size" checkout -q "$(git -C "inc$size/repo.git" for-each-ref --format='%(refname:short)' refs/heads/replicas | head -1)" 2>/dev/null
    ours=(); base=()
    rm -rf run && copy_replica "inc$size" run && sync
    # one change at a time into the same replica, as an office works
    for r in $(seq 1 $((RUNS * 3))); do
      "$P" -C run progress set p1-t1 2021 --percent "$r" --note "một thay đổi mới $r" >/dev/null
      ours+=("$("$B" export run 2>/dev/null | secs)")
      f=$(sqlite3 run/plansync.db "select id from changes order by seq desc limit 1")
      path=$(cd run && git --git-dir=repo.git ls-tree -r --name-only "$(git --git-dir=repo.git for-each-ref --format='%(objectname)' refs/heads/replicas | head -1)" | grep "$f")
      mkdir -p "wt$size/$(dirname "$path")"
      sqlite3 run/plansync.db "select writefile('$W/wt$size/$path', bytes) from changes where id = '$f'" >/dev/null
      base+=("$(timeit sh -c "cd '$W/wt$size' && git add -A && git commit -q -m 'one change'")")
    done
    m=$(printf '%s\n' "${ours[@]}" | median)
    eval "inc_$size=$m"
    if [ "$size" = 100000 ]; then
      row incremental_export "$size" "$m" "$(printf '%s\n' "${base[@]}" | median)" le 0.02 ""
    else
      row incremental_export "$size" "$m" "$(printf '%s\n' "${base[@]}" | median)" none - ""
    fi
  done
  flat=$(awk -v a="$inc_100000" -v b="$inc_1000" 'BEGIN { printf "%.3f", a / b }')
  printf 'incremental_flatness	100k/1k	%s	-	%s	<= 2x	%s	export time at 100k over 1k
' "$flat" "$flat" "$(awk -v f="$flat" 'BEGIN { print (f <= 2) ? "yes" : "no" }')" >> "$out"
fi

if [[ " $CASES " == *" cli "* ]]; then
  for size in 1000 100000; do
    say "CLI write: plansync progress set on a replica of $size changes vs a sqlite3 process inserting one row"
    rm -rf run && copy_replica "inc$size" run && sync
    sqlite3 run/plansync.db "CREATE TABLE bench_rows(x INTEGER, note TEXT)"
    ours=(); base=()
    for r in $(seq 1 $((RUNS * 3))); do
      ours+=("$(timeit "$P" -C run progress set p2-t7 2022 --percent "$r" --note "ghi chú $r")")
      base+=("$(timeit sqlite3 run/plansync.db "INSERT INTO bench_rows VALUES ($r, 'ghi chú $r')")")
    done
    row cli_write "$size" "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${base[@]}" | median)" le 2 ""
  done
fi

if [[ " $CASES " == *" idle "* ]]; then
  for nb in 13 300 3000; do
    say "idle cycle: a sync with nothing new, $nb replica branches (format $FORMAT) vs git fetch with nothing new"
    rm -rf idle.git && git init -q --bare idle.git
    python3 "$here/bench/branches.py" "$FORMAT" "$nb" > idle.stream
    git -C idle.git fast-import --quiet < idle.stream
    rm -rf idle && "$P" init idle --office tinh --replica bench --remote "$W/idle.git" >/dev/null
    rm -rf idle.clone && git clone -q --bare "$W/idle.git" idle.clone
    git -C idle.clone config remote.origin.fetch '+refs/heads/*:refs/remotes/origin/*'
    git -C idle.clone fetch -q origin
    ours=(); base=(); cli=()
    for r in $(seq 1 $((RUNS * 3))); do
      cli+=("$(timeit "$P" -C idle sync)")
      base+=("$(timeit git -C idle.clone fetch -q origin)")
    done
    ours=$("$B" sync idle $((RUNS * 3)) | secs)
    b=$(printf '%s\n' "${base[@]}" | median)
    row idle_cycle "$nb" "$ours" "$b" le 1 "a cycle inside plansyncd"
    row idle_cycle_cli "$nb" "$(printf '%s\n' "${cli[@]}" | median)" "$b" le 1 "a plansync sync process"
  done
fi

if [[ " $CASES " == *" daemon "* ]]; then
  say "idle daemon: CPU and resident memory over $IDLE_S s"
  rm -rf dmn && fresh_replica dmn nam-sach
  "$P" -C dmn progress set p1-t1 2021 --percent 1 >/dev/null 2>&1 || true
  "$D" -C "$W/dmn" --interval 60 --foreground 2>/dev/null &
  dpid=$!
  sleep 2
  t0=$(awk '{print $14 + $15}' /proc/$dpid/stat)
  sleep "$IDLE_S"
  t1=$(awk '{print $14 + $15}' /proc/$dpid/stat)
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$dpid/status)
  cur=$(awk '/VmRSS/ {print $2}' /proc/$dpid/status)
  kill -TERM $dpid; wait $dpid 2>/dev/null || true
  tck=$(getconf CLK_TCK)
  cpu=$(awk -v a="$t0" -v b="$t1" -v t="$tck" 'BEGIN { printf "%.3f", (b - a) / t }')
  pct=$(awk -v c="$cpu" -v s="$IDLE_S" 'BEGIN { printf "%.4f", 100 * c / s }')
  printf 'daemon_idle_cpu\t%ss\t%s\t-\t-\treported\t-\tCPU seconds over the window (%s%%)\n' "$IDLE_S" "$cpu" "$pct" >> "$out"
  printf 'memory_daemon_idle\t%ss\t%s\t-\t-\t< 16384 KiB\t%s\tpeak RSS in KiB (now %s)\n' "$IDLE_S" "$hwm" "$([ "$hwm" -lt 16384 ] && echo yes || echo no)" "$cur" >> "$out"
  printf 'idle daemon over %ss: %s CPU s (%s%%), peak RSS %s KiB, now %s KiB\n' "$IDLE_S" "$cpu" "$pct" "$hwm" "$cur" >&2
fi

if [[ " $CASES " == *" converge "* ]]; then
  say "convergence: 13 replicas with daemons (interval 1 s) through one bare repository"
  rm -rf conv && mkdir conv && git init -q --bare conv/remote.git
  "$P" init conv/tinh --office tinh --replica hq --remote "$W/conv/remote.git" >/dev/null
  "$P" -C conv/tinh plan import >/dev/null && "$P" -C conv/tinh sync >/dev/null
  offices="tp-hai-duong tp-chi-linh tx-kinh-mon binh-giang cam-giang gia-loc kim-thanh nam-sach ninh-giang thanh-ha thanh-mien tu-ky"
  for o in $offices; do
    "$P" init "conv/$o" --office "$o" --replica pc --remote "$W/conv/remote.git" --trust-first-use >/dev/null 2>&1
    enrol "conv/$o" conv/tinh
  done
  pids=()
  for r in tinh $offices; do "$D" -C "$W/conv/$r" --interval 1 --foreground 2>/dev/null & pids+=($!); done
  sleep 3
  times=()
  for r in $(seq 1 "$RUNS"); do
    note="hội tụ lần $r $RANDOM"
    t0=$(now)
    "$P" -C conv/nam-sach progress set p2-t7 2022 --percent $((r * 10)) --note "$note" >/dev/null
    for x in tinh $offices; do
      until "$P" -C "conv/$x" progress show --office nam-sach --json | grep -q "$note"; do sleep 0.05; done
    done
    times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')")
  done
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  med=$(printf '%s\n' "${times[@]}" | median)
  printf 'convergence\t13 replicas\t%s\t-\t-\treported\t-\twrite on one until seen on all, daemons at 1 s\n' "$med" >> "$out"
  printf 'convergence of 13 replicas: %s s (median of %s)\n' "$med" "$RUNS" >&2
fi

# ---- issue 10: the cost of a sync against what changed ----
timed_ok() { # timed_ok CMD...: seconds, and stop the bench if CMD fails
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>"$W/timed_ok.err" || { echo "bench: failed: $* $(cat "$W/timed_ok.err")" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}
stage() { sed -n "s/.*\"$1_ms\": \([0-9]*\).*/\1/p"; }
SSH_BASE=
start_sshd() { # a throwaway OpenSSH server on 127.0.0.1: its own host key, user key and known_hosts
  [ -z "$SSHD_PID" ] || return 0
  local sshd port me
  sshd=$(command -v sshd || echo /usr/sbin/sshd)
  [ -x "$sshd" ] || { echo "bench: no sshd (apt-get install openssh-server)" >&2; exit 1; }
  me=$(id -un) SSH_OWNER=
  # As the README sets a Git server up: a Git account whose shell is
  # git-shell, so a command on it starts git and nothing else (an account
  # with a login shell runs its rc files first: on this machine root's
  # ~/.bashrc costs 0.2 s per command, paid by every transfer of git and
  # plansync alike). As root, such an account is made once; otherwise the
  # bench logs in as the current user.
  if [ "$(id -u)" = 0 ] && command -v git-shell >/dev/null && command -v useradd >/dev/null; then
    id plansync-bench >/dev/null 2>&1 || useradd -M -d / -s "$(command -v git-shell)" -p '*' plansync-bench
    me=plansync-bench SSH_OWNER=plansync-bench
    chmod 755 "$W"
  fi
  mkdir -p ssh
  ssh-keygen -q -t ed25519 -N '' -f ssh/hostkey
  ssh-keygen -q -t ed25519 -N '' -f ssh/userkey
  cp ssh/userkey.pub ssh/authorized_keys
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p /run/sshd 2>/dev/null || true
  cat > ssh/sshd_config <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $W/ssh/hostkey
AuthorizedKeysFile $W/ssh/authorized_keys
PidFile $W/ssh/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PermitRootLogin prohibit-password
AllowUsers $me
CFG
  "$sshd" -f "$W/ssh/sshd_config" -D -e 2>>"$W/ssh/sshd.log" &
  SSHD_PID=$!
  for _ in $(seq 1 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 ssh/hostkey.pub)" > ssh/known_hosts
  chmod 755 ssh && chmod 644 ssh/authorized_keys
  git init -q --bare ssh/empty.git && own_ssh ssh/empty.git
  SSH_BASE="ssh://$me@127.0.0.1:$port" SSH_PORT=$port SSH_LOGIN="$me@127.0.0.1"
  export GIT_SSH_COMMAND="ssh -i $W/ssh/userkey -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$W/ssh/known_hosts -o StrictHostKeyChecking=yes"
}
ssh_git_session() { # one ssh session that runs git-upload-pack of an empty repository
  $GIT_SSH_COMMAND -p "$SSH_PORT" "$SSH_LOGIN" "git-upload-pack '$W/ssh/empty.git'" <<<0000
}
own_ssh() { # own_ssh REPO: the Git account owns REPO (git refuses a repository of another owner)
  [ -z "$SSH_OWNER" ] || chown -R "$SSH_OWNER" "$1"
}
use_ssh() { # use_ssh DIR REPO: the replica syncs with REPO over ssh://
  own_ssh "$2"
  "$P" -C "$1" config remote "$SSH_BASE$2" >/dev/null
  "$P" -C "$1" config ssh.key "$W/ssh/userkey" >/dev/null
  "$P" -C "$1" config ssh.known_hosts "$W/ssh/known_hosts" >/dev/null
}
# cycles DIR K: K one-change cycles (plansync progress set, then plansync sync --json);
# prints the medians "wall_s export_ms push_ms fetch_ms import_ms"
cycles() {
  local dir=$1 k=$2 r t0 t1 j
  local -a wall=() ex=() pu=() fe=() im=()
  for r in $(seq 1 "$k"); do
    "$P" -C "$dir" progress set p1-t1 2021 --percent $((r % 101)) --note "một thay đổi mới $r $RANDOM" >/dev/null
    t0=$(now)
    j=$("$P" -C "$dir" sync --json 2>&1) || { echo "bench: sync failed: $j" >&2; exit 1; }
    t1=$(now)
    grep -q '"exported": 1,' <<<"$j" && grep -q '"pushed": true' <<<"$j" || { echo "bench: the cycle did not push one change: $j" >&2; exit 1; }
    wall+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    ex+=("$(stage export <<<"$j")"); pu+=("$(stage push <<<"$j")")
    fe+=("$(stage fetch <<<"$j")"); im+=("$(stage import <<<"$j")")
  done
  printf '%s %s %s %s %s\n' "$(printf '%s\n' "${wall[@]}" | median)" "$(printf '%s\n' "${ex[@]}" | median)" \
    "$(printf '%s\n' "${pu[@]}" | median)" "$(printf '%s\n' "${fe[@]}" | median)" "$(printf '%s\n' "${im[@]}" | median)"
}
# make_worktree REPLICA NAME: a Git work tree NAME holding the replica's local change
# files (same paths and bytes, one commit on branch bench) and its bare remote NAME.remote.git
make_worktree() {
  rm -rf "$2" "$2.remote.git" "$2.stream"
  "$B" fi-stream "$1" "$2.stream"
  git init -q "$2" && git -C "$2" fast-import --quiet < "$2.stream" && git -C "$2" checkout -q bench
  git init -q --bare "$2.remote.git" && git -C "$2" push -q "$W/$2.remote.git" bench
  rm -f "$2.stream"
}
# base_cycles WORKTREE URL K: median seconds of K rounds of one new file, then
# git add FILE && git commit && git push to URL
base_cycles() {
  local wt=$1 url=$2 k=$3 r f
  local -a t=()
  git -C "$wt" remote remove origin 2>/dev/null || true
  git -C "$wt" remote add origin "$url"
  mkdir -p "$wt/changes/binh-giang/ff/ff"
  for r in $(seq 1 "$k"); do
    f="changes/binh-giang/ff/ff/0000000000$r-binh-giang-wt.json"
    printf '{\n  "format": 1,\n  "fields": {\n    "note": "một thay đổi mới %s",\n    "percent": %d\n  }\n}\n' "$RANDOM" "$r" > "$wt/$f"
    t+=("$(timed_ok sh -c "cd '$W/$wt' && git add '$f' && git commit -q -m 'one change' && git push -q origin bench")")
  done
  [ "$(git -C "$wt" rev-parse bench)" = "$(git -C "$wt" ls-remote origin refs/heads/bench | cut -f1)" ] || { echo "bench: baseline push incomplete" >&2; exit 1; }
  printf '%s\n' "${t[@]}" | median
}

if [[ " $CASES " == *" cycle "* ]]; then
  start_sshd
  K=$((RUNS * 3))
  # the floor of any transfer over ssh://: one session that runs nothing (key exchange,
  # authentication, a process on the server)
  sess=()
  for r in $(seq 1 "$K"); do sess+=("$(timed_ok ssh_git_session)"); done
  sess_m=$(printf '%s\n' "${sess[@]}" | median)
  printf 'ssh_session\t-\t%s\t-\t-\treported\t-\tone ssh session running git-upload-pack of an empty repository on the bench sshd (a Git account, git-shell; "*" as its password: no password, not a locked account, which sshd refuses): a plansync sync opens one for its push and fetch, plansyncd keeps one across cycles, git push opens one\n' "$sess_m" >> "$out"
  say "one ssh session: $sess_m s"
  largest=
  for size in ${BENCH_CYCLE_SIZES:-1000 10000 100000 1000000}; do
    [ "$size" -le "$CYCLE_MAX" ] || continue
    say "one-change cycle: $size own changes already in a bare remote, then 1 change and plansync sync, file:// and ssh://, vs git add && commit && push of one file in a work tree of $size files"
    rm -rf cyc cyc.git && git clone -q --bare plan.git cyc.git
    fresh_replica cyc binh-giang "file://$W/cyc.git"
    gen cyc "$size"
    [ "$size" -gt 100000 ] || make_worktree cyc cwt
    first=$(timed_ok "$P" -C cyc sync)
    say "first sync of $size changes (setup, not a target here): $first s"
    read -r wf ef pf ff if_ <<<"$(cycles cyc "$K")"
    df=$("$B" cycle cyc "$K" | secs)
    use_ssh cyc "$W/cyc.git"
    read -r ws es ps fs is <<<"$(cycles cyc "$K")"
    ds=$("$B" cycle cyc "$K" | secs)
    bf=-; bs=-; tk=none; tv=-
    if [ "$size" -le 100000 ]; then
      bf=$(base_cycles cwt "file://$W/cwt.remote.git" "$K")
      own_ssh cwt.remote.git
      bs=$(base_cycles cwt "$SSH_BASE$W/cwt.remote.git" "$K")
      rm -rf cwt cwt.remote.git
    fi
    [ "$size" != 100000 ] || { tk=le; tv=0.1; }
    row cycle_file "$size" "$wf" "$bf" "$tk" "$tv" "stages ms: export $ef, push $pf, fetch $ff, import $if_"
    row cycle_ssh "$size" "$ws" "$bs" "$tk" "$tv" "stages ms: export $es, push $ps, fetch $fs, import $is"
    row cycle_daemon_file "$size" "$df" "$bf" "$tk" "$tv" "the same cycle inside one process, as plansyncd runs it"
    row cycle_daemon_ssh "$size" "$ds" "$bs" "$tk" "$tv" "the same cycle inside one process, as plansyncd runs it"
    eval "cyc_file_$size=$wf cyc_ssh_$size=$ws"
    largest=$size
    rm -rf cyc cyc.git
  done
  # the figure at 1k: from this run, else from an earlier run in results.tsv (BENCH_APPEND=1)
  at1k() { awk -F'\t' -v c="$1" '$1 == c && $2 == 1000 { v = $3 } END { print v }' "$out"; }
  if [ -n "$largest" ] && [ "$largest" != 1000 ] && [ -n "$(at1k cycle_file)" ]; then
    eval "row cycle_flatness_file $largest \"\$cyc_file_$largest\" \"$(at1k cycle_file)\" le 1.2 'the cycle at this size over the cycle at 1k, file://'"
    eval "row cycle_flatness_ssh $largest \"\$cyc_ssh_$largest\" \"$(at1k cycle_ssh)\" le 1.2 'the cycle at this size over the cycle at 1k, ssh://'"
  fi
fi

if [[ " $CASES " == *" offices "* ]]; then
  K=$((RUNS * 3))
  # 3000p: the same 3,000 branches with the remote's refs packed, as git gc
  # (receive.autogc) leaves a served repository; 3000: every ref a loose file
  for nbp in 13 3000 3000p; do
    nb=${nbp%p}
    say "many offices: the one-change cycle with $nb replica branches (format $FORMAT) in the remote${nbp#$nb}"
    rm -rf off off.git && git clone -q --bare plan.git off.git
    have=$(git -C off.git for-each-ref refs/heads/replicas | wc -l)
    python3 "$here/bench/branches.py" "$FORMAT" $((nb - have)) | git -C off.git fast-import --quiet
    [ "$(git -C off.git for-each-ref refs/heads/replicas | wc -l)" = "$nb" ] || { echo "bench: expected $nb branches" >&2; exit 1; }
    [ "$nbp" = "$nb" ] || git -C off.git pack-refs --all
    fresh_replica off binh-giang "file://$W/off.git" # its first sync imports every branch: setup
    gen off 1000
    "$P" -C off sync >/dev/null
    read -r w e p f i <<<"$(cycles off "$K")"
    eval "off_$nbp=$w off_note_$nbp=\"stages ms: export $e, push $p, fetch $f, import $i\""
    say "  $nbp branches: $w s ($e/$p/$f/$i ms)"
    rm -rf off off.git
  done
  row offices_cycle 13 "$off_13" - none - "$off_note_13"
  row offices_cycle 3000 "$off_3000" "$off_13" le 1.5 "$off_note_3000; baseline: the same cycle with 13 branches"
  row offices_cycle_packed 3000 "$off_3000p" "$off_13" le 1.5 "$off_note_3000p; the remote's refs packed (git pack-refs --all, as git gc leaves them); baseline: the same cycle with 13 branches"
fi

if [[ " $CASES " == *" bulk "* ]]; then
  say "bulk sync: the first plansync sync of $N local changes including the push vs git fast-import of the same files + git push to a bare remote"
  ours=(); base=()
  for r in $(seq 1 "$RUNS"); do
    rm -rf run bulk.git && copy_replica big.pristine run && sync
    git clone -q --bare plan.git bulk.git && "$P" -C run config remote "file://$W/bulk.git" >/dev/null
    ours+=("$(timed_ok "$P" -C run sync)")
    rm -rf fi.git fi.remote.git && git init -q --bare fi.git && git init -q --bare fi.remote.git
    base+=("$(timed_ok sh -c "git -C '$W/fi.git' fast-import --quiet < '$W/fi.stream' && git -C '$W/fi.git' push -q '$W/fi.remote.git' bench")")
  done
  git -C bulk.git rev-parse -q --verify refs/heads/replicas/binh-giang/binh-giang-bench >/dev/null || { echo "bench: the bulk sync pushed nothing" >&2; exit 1; }
  [ "$("$P" -C run status --json | sed -n 's/.*"not_delivered": \([0-9]*\).*/\1/p')" = 0 ] || { echo "bench: the bulk sync left changes undelivered" >&2; exit 1; }
  row bulk_sync "$N" "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${base[@]}" | median)" le 0.5 "whole plansync sync process"
  rm -rf run bulk.git fi.git fi.remote.git
fi

# join_remote SIZE: join$SIZE.git, a bare remote holding the plan and SIZE changes of
# binh-giang pushed by plansync, and jsrc$SIZE, the replica that wrote them
join_remote() {
  [ -d "join$1.git" ] && return 0
  say "a remote of $1 changes (setup)"
  git clone -q --bare plan.git "join$1.git"
  fresh_replica "jsrc$1" binh-giang "file://$W/join$1.git" "j$1"
  # enrolled by the province, whose branch (with the record) the join remote then takes
  enrol "jsrc$1"
  git -C "join$1.git" fetch -q "$W/plan.git" '+refs/heads/replicas/tinh/*:refs/heads/replicas/tinh/*'
  gen "jsrc$1" "$1"
  "$P" -C "jsrc$1" sync >/dev/null
}
# join_once SIZE DIR: plansync init DIR of join$SIZE.git; prints "seconds maxrss_kib"
join_once() {
  local t0 t1
  rm -rf "$2"
  t0=$(now)
  /usr/bin/time -f '%M' -o "$W/join.time" "$P" init "$2" --office nam-sach --remote "file://$W/join$1.git" --trust-first-use >/dev/null 2>"$W/join.err" ||
    { echo "bench: init --remote failed: $(cat "$W/join.err")" >&2; exit 1; }
  t1=$(now)
  [ "$(sqlite3 "$2/plansync.db" "select count(*) from changes where office = 'binh-giang'")" = "$1" ] || { echo "bench: the join imported too little" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" -v m="$(tail -1 "$W/join.time")" 'BEGIN { printf "%.6f %s\n", b - a, m }'
}

if [[ " $CASES " == *" join "* ]]; then
  for size in "$N" "$JOIN_MAX"; do
    [ "$size" != "${done_join:-}" ] || continue
    done_join=$size
    join_remote "$size"
    say "join: plansync init --remote of $size changes vs sqlite3 .import of the same rows"
    "$B" csv "jsrc$size" rows.csv
    runs=$RUNS; [ "$size" -le 100000 ] || runs=1
    ours=(); base=(); mem=()
    for r in $(seq 1 "$runs"); do
      read -r s m <<<"$(join_once "$size" "joined$size")"
      ours+=("$s"); mem+=("$m")
      rm -f base.db
      sqlite3 base.db "CREATE TABLE changes(id TEXT PRIMARY KEY, record TEXT, office TEXT, replica TEXT, author TEXT, hlc INTEGER, op TEXT, fields TEXT, reason TEXT, bytes BLOB)"
      base+=("$(timed_ok sqlite3 base.db '.mode csv' '.import rows.csv changes')")
    done
    [ "$(sqlite3 base.db 'select count(*) from changes')" = "$size" ] || { echo "bench: baseline import incomplete" >&2; exit 1; }
    row join "$size" "$(printf '%s\n' "${ours[@]}" | median)" "$(printf '%s\n' "${base[@]}" | median)" le 3 "plansync init DIR --remote URL, whole process"
    m=$(printf '%s\n' "${mem[@]}" | median)
    if [ "$size" -le 100000 ]; then
      row memory_join "$size" "$m" 65536 le 1 "peak RSS KiB (/usr/bin/time); baseline: the 64 MiB target"
    else
      rm -rf clone.git
      /usr/bin/time -f '%e %M' -o clone.time git clone -q --bare "file://$W/join$size.git" clone.git
      row memory_join "$size" "$m" "$(tail -1 clone.time | cut -d' ' -f2)" le 1 "peak RSS KiB; baseline: git clone --bare of the same remote ($(tail -1 clone.time | cut -d' ' -f1) s)"
      rm -rf clone.git
    fi
    rm -f rows.csv base.db
  done
fi

if [[ " $CASES " == *" storage "* ]]; then
  join_remote "$N"
  [ -d "joined$N" ] || join_once "$N" "joined$N" >/dev/null
  # the change files' canonical bytes: every blob of the branches but the
  # format files, read with stock git from the replica that wrote them
  raw=$(git -C "jsrc$N/repo.git" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
        | awk '$1 == "blob" && $2 > 100 { s += $2 } END { print s }')
  for d in "joined$N" "jsrc$N"; do
    sqlite3 "$d/plansync.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    file=$(stat -c %s "$d/plansync.db")
    read -r n pages free psize <<<"$(sqlite3 -separator ' ' "$d/plansync.db" \
      'select (select count(*) from changes), (select * from pragma_page_count), (select * from pragma_freelist_count), (select * from pragma_page_size)')"
    used=$(( (pages - free) * psize ))
    git_b=$(du -sb "$d/repo.git" | cut -f1)
    kind="a replica that joined (init --remote)"; [ "$d" = "joined$N" ] || kind="the replica that wrote them, after its first sync"
    row storage "$N" "$((used / n))" "$((raw / n))" le 2 "$kind: plansync.db pages in use per change (no VACUUM; the file is $((file / 1048576)) MiB with $((free * psize / 1048576)) MiB of free pages that the next writes use and plansyncd gives back 4 MiB per quiet cycle) over the change files' canonical bytes per change (git cat-file); $n changes, repo.git $((git_b / 1048576)) MiB"
  done
  # the file itself once plansyncd (1 s cycles, nothing new) gave the free pages back
  "$D" -C "$W/jsrc$N" --interval 1 --foreground 2>/dev/null & dpid=$!
  t0=$(date +%s)
  while [ "$(sqlite3 "jsrc$N/plansync.db" 'PRAGMA freelist_count')" -ge 1024 ] && [ $(( $(date +%s) - t0 )) -lt 600 ]; do sleep 1; done
  kill "$dpid"; wait "$dpid" 2>/dev/null || true
  sqlite3 "jsrc$N/plansync.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
  file=$(stat -c %s "jsrc$N/plansync.db")
  row storage_file "$N" "$((file / n))" "$((raw / n))" le 2 "the replica that wrote them: the plansync.db file per change after plansyncd ran quiet cycles until under 4 MiB was free ($(( $(date +%s) - t0 )) s; the file $((file / 1048576)) MiB)"
fi

python3 "$here/bench/report.py" "$out" "$here/bench/RESULTS.md" "$here/bench/scaling.svg"
echo "wrote bench/results.tsv, bench/RESULTS.md, bench/scaling.svg" >&2
