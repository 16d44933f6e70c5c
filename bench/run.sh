#!/usr/bin/env bash
# plansync benchmarks against git fast-import, the git CLI and sqlite3,
# each case and its baseline run in this same script on the same data.
#   bench/run.sh                 the default run (100k changes, 3 runs each)
#   BENCH_N=1000000 BENCH_RUNS=1 BENCH_CASES="bulk import" bench/run.sh   the 1M case
# Writes bench/results.tsv, bench/RESULTS.md and bench/scaling.svg.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-3}
IDLE_S=${BENCH_IDLE_S:-60}
CASES=${BENCH_CASES:-"bulk incremental import idle cli daemon converge"}
"$here/scripts/deps.sh"
build="$here/build-bench"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPLANSYNC_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target plansync-cli plansyncd plansync-bench >/dev/null
P="$build/plansync" D="$build/plansyncd" B="$build/plansync-bench"
W=$(mktemp -d "${TMPDIR:-/tmp}/plansync-bench.XXXXXX")
trap 'pkill -f "plansyncd -C $W" 2>/dev/null || true; rm -rf "$W"' EXIT
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
fresh_replica() { # fresh_replica DIR OFFICE: a replica holding the plan
  "$P" init "$1" --office "$2" --replica bench --remote "$W/plan.git" >/dev/null
}
gen() { # gen DIR N: N progress changes, not exported
  "$B" gen "$1" "$2" 2>/dev/null
}

if [[ " $CASES " == *" bulk "* || " $CASES " == *" import "* ]]; then
  say "generating $N changes"
  fresh_replica big binh-giang
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
  git -C big.exported/repo.git push -q "$W/imp.remote.git" 'refs/heads/replicas/*:refs/heads/replicas/*'
  "$P" init imp --office nam-sach --replica bench >/dev/null
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
  for nb in 13 100 1000; do
    say "idle cycle: a sync with nothing new, $nb replica branches vs git fetch with nothing new"
    rm -rf idle.git idle.stream && git init -q --bare idle.git
    python3 - "$nb" > idle.stream <<'PY'
import json, sys
n = int(sys.argv[1])
def fnv(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h
offices = ["tp-hai-duong", "tp-chi-linh", "tx-kinh-mon", "binh-giang", "cam-giang", "gia-loc", "kim-thanh",
           "nam-sach", "ninh-giang", "thanh-ha", "thanh-mien", "tu-ky"]
for i in range(n):
    off = offices[i % len(offices)]
    rep = "%s-r%d" % (off, i)
    hx = "%016x" % ((1700000000000 + i) << 16)
    cid = "%s-%s" % (hx, rep)
    d = {"format": 1, "id": cid, "office": off, "replica": rep, "author": "Cán bộ %d" % i, "hlc": hx,
         "record": "progress/%s/p1-t1/2021" % off, "op": "set", "base": [],
         "fields": {"note": "Báo cáo số %d" % i, "percent": i % 101}}
    data = (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()
    h = fnv(cid)
    path = "changes/%s/%02x/%02x/%s.json" % (off, h >> 24, (h >> 16) & 0xff, cid)
    fmt = b'{\n  "format": 1,\n  "layout": "changes/<office>/<h1>/<h2>/<id>.json"\n}\n'
    out = sys.stdout.buffer
    out.write(b"commit refs/heads/replicas/%s/%s\ncommitter b <b@x> 1700000000 +0000\ndata 1\nx\n" % (off.encode(), rep.encode()))
    out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"M 100644 inline plansync.json\ndata %d\n%s\n\n" % (len(fmt), fmt))
PY
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
    row idle_cycle_cli "$nb" "$(printf '%s\n' "${cli[@]}" | median)" "$b" none - "a plansync sync process"
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
  for o in $offices; do "$P" init "conv/$o" --office "$o" --replica pc --remote "$W/conv/remote.git" >/dev/null; done
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

python3 "$here/bench/report.py" "$out" "$here/bench/RESULTS.md" "$here/bench/scaling.svg"
echo "wrote bench/results.tsv, bench/RESULTS.md, bench/scaling.svg" >&2
