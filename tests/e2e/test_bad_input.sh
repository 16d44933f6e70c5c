#!/usr/bin/env bash
# Every bad input gets a clear message, a non-zero exit, and writes nothing.
source "$(dirname "$0")/lib.sh"
setup_province
district km tx-kinh-mon pc1
"$P" -C km progress set p2-t6 2021 --status on_track --percent 10 >/dev/null
snapshot() { for r in tinh km; do "$P" -C "$r" dump; "$P" -C "$r" status --json | grep -v '"time"'; done | sha256sum; }
before=$(snapshot)

expect_fail 3 "unknown task" "$P" -C km progress set p9-t9 2021 --status done
expect_fail 3 "not a task id" "$P" -C km progress set "P2 T7" 2021 --status done
expect_fail 3 "unknown period" "$P" -C km progress set p2-t7 2031 --status done
expect_fail 3 "status .* is not one of" "$P" -C km progress set p2-t7 2021 --status finished
expect_fail 3 "percent .* 0 to 100" "$P" -C km progress set p2-t7 2021 --percent 101
expect_fail 3 "percent .* 0 to 100" "$P" -C km progress set p2-t7 2021 --percent -3
expect_fail 3 "percent .* 0 to 100" "$P" -C km progress set p2-t7 2021 --percent 12.5
expect_fail 3 "decimal" "$P" -C km progress set p2-t7 2021 --actual 1,5
expect_fail 3 "nothing to record" "$P" -C km progress set p2-t7 2021
expect_fail 3 "UTF-8" "$P" -C km progress set p2-t7 2021 --note "$(printf 'bad \xff byte')"
expect_fail 3 "too long" "$P" -C km progress set p2-t7 2021 --note "$(head -c 12001 /dev/zero | tr '\0' 'a')"
expect_fail 3 "control character" "$P" -C km progress set p2-t7 2021 --status done --reporter "$(printf 'a\x07b')"
expect_fail 3 "unknown office" "$P" -C km plan targets --office no-such-office
expect_fail 3 "unknown program" "$P" -C km plan tasks --program p9
expect_fail 4 "only the province" "$P" -C km plan import
expect_fail 4 "may not write progress/tx-kinh-mon" "$P" -C tinh resolve progress/tx-kinh-mon/p2-t6/2021 status --value done
expect_fail 2 "unknown option" "$P" -C km progress set p2-t7 2021 --colour red
expect_fail 2 "needs a value" "$P" -C km progress set p2-t7 2021 --status
expect_fail 2 "missing argument" "$P" -C km progress set p2-t7
expect_fail 2 "^plansync: log: --limit takes a whole number, 0 or more, not \"-1\"$" "$P" -C km log --limit -1
expect_fail 2 "^plansync: unknown option --bogus; see 'plansync --help'$" "$P" --bogus
expect_fail 2 "^plansyncd: unknown option --bogus; see 'plansyncd --help'$" "$PLANSYNCD" --bogus
expect_fail 2 "^plansyncd: --interval takes a whole number from 1 to 86400, not \"0\"$" "$PLANSYNCD" -C km --interval 0
expect_fail 2 "^plansyncd: --log-level is one of error, warning, info or debug, not \"loud\"$" "$PLANSYNCD" -C km --log-level loud
expect_fail 2 "unknown command" "$P" -C km frobnicate
expect_fail 2 "exactly one of" "$P" -C km resolve progress/tx-kinh-mon/p2-t6/2021 status
expect_fail 3 "unknown setting" "$P" -C km config colour red
expect_fail 3 "sync.max_drift" "$P" -C km config sync.max_drift soon

# plan documents
printf '{\n  "format": "plansync-plan/1",\n  "plan": {"title": "x",}\n}\n' > broken.json
expect_fail 3 "line 3, column" "$P" -C tinh plan import broken.json
sed 's/"program": "p1"/"program": "p9"/' "$SRC/schema/plan/hai-duong-2020-2025.json" > badref.json
expect_fail 3 "names \"p9\", which is not in programs" "$P" -C tinh plan import badref.json
sed '0,/"id": "p1-t1"/s//"id": "P1 T1"/' "$SRC/schema/plan/hai-duong-2020-2025.json" > badid.json
expect_fail 3 "needs an \"id\"" "$P" -C tinh plan import badid.json
expect_fail 3 "cannot read" "$P" -C tinh plan import no-such-file.json
mkdir -p adir
expect_fail 3 "adir is a directory, give a file" "$P" -C tinh plan import adir

# CSV
printf 'task,period,status\np2-t7,2021,"on_track\n' > unclosed.csv
expect_fail 3 "line 2, column 3: a quoted cell is not closed" "$P" -C km progress import unclosed.csv

# replica directories
expect_fail 2 "does not exist" "$P" -C "$T/nowhere" status
mkdir plain
expect_fail 2 "not a plansync replica" "$P" -C plain status
expect_fail 3 "already a replica" "$P" init km --office tx-kinh-mon
expect_fail 3 "not a valid office" "$P" init x1 --office "Kinh Môn"
expect_fail 3 "replica id" "$P" init x2 --office binh-giang --replica "a-b"

# remotes
expect_fail 3 "does not exist" "$P" init x3 --office binh-giang --remote "$T/no-such.git"
git init -q worktree
expect_fail 3 "not a bare repository" "$P" init x4 --office binh-giang --remote "$T/worktree"
expect_fail 3 "not a Git repository" "$P" init x5 --office binh-giang --remote "$T/plain"
expect_fail 3 "not a bare repository" "$P" -C km config remote "$T/worktree"
expect_fail 2 "KEY=VALUE" "$P" init x6 --office binh-giang --set colour=red
expect_fail 2 "KEY=VALUE" "$P" init x7 --office binh-giang --set ssh.key
expect_fail 3 "sync.interval.*nothing was created" "$P" init x8 --office binh-giang --set sync.interval=0
for d in x1 x2 x3 x4 x5 x6 x7 x8; do
  [ ! -e "$d/plansync.db" ] && [ ! -e "$d/repo.git" ] && ok "nothing left of failed init $d" || bad "failed init left $d behind"
done
"$P" init x3 --office binh-giang --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null && ok "init works after a failed one" || bad "retry of init failed"

[ "$(snapshot)" = "$before" ] && ok "nothing was written by any bad input" || bad "state changed"
[ "$("$P" -C km config remote)" = "$T/remote.git" ] && ok "remote unchanged" || bad "remote changed"
finish
