#!/bin/bash
# "A commit validly signed by a key not yet enrolled is a pending request
# (held)"; "plansync keys pending: replica id, office, fingerprint, to
# confirm by phone" and its changes held (issue 11, README). The held count
# (sync_verify.c count_files) is every file under changes/ in every commit
# from the first held one to the tip, signed or not, valid or not, and it
# is walked again at every sync of every reader. Anyone who can push hangs
# N unsigned commits of junk after one commit signed by a fresh key: the
# province officer is asked to confirm "N+1 changes held" for a request
# that carries one, and every reader's every sync walks the N commits
# again until the province refuses it.
# Expected: only the requester's signed changes are counted (1 here).
. "$(dirname "$0")/common.sh"
prov
PIN=$(province_pin)
"$P" init x --office binh-giang --replica x --remote "$T/remote.git" --trust "$PIN" >/dev/null 2>&1 || exit 2
"$P" -C x progress set p1-t1 2021 --percent 1 >/dev/null && "$P" -C x sync >/dev/null 2>&1 || exit 2
B=refs/heads/replicas/binh-giang/binh-giang-x; H=$(git -C remote.git rev-parse $B) || exit 2
N=3000
python3 - "$H" $N > fi.txt <<'PY'
import sys
h, n = sys.argv[1], int(sys.argv[2])
out = ["blob\nmark :1\ndata 2\n{}\n"]
for i in range(n):
    out.append("commit refs/heads/replicas/binh-giang/binh-giang-x\ncommitter x <x@x> 1700000000 +0000\ndata 1\nx\n")
    if i == 0: out.append("from %s\n" % h)
    out.append("deleteall\nM 100644 :1 changes/binh-giang/00/00/%016x-binh-giang-x.json\n" % i)
sys.stdout.write("".join(out))
PY
git -C remote.git fast-import --quiet < fi.txt || exit 2
"$P" -C tinh sync >/dev/null 2>&1
s=$(date +%s%N); "$P" -C tinh sync >/dev/null 2>&1; ms=$(( ($(date +%s%N) - s) / 1000000 ))
held=$("$P" -C tinh keys pending --json 2>/dev/null | sed -n 's/.*"changes_held": \([0-9]*\).*/\1/p' | head -1)
echo "request binh-giang-x: 1 signed commit with 1 change, then $N unsigned commits; keys pending says ${held:-?} changes held; a sync with nothing new takes ${ms} ms"
[ -n "$held" ] || exit 2
[ "$held" -le 1 ] || fail "the pending request's held count includes $((held - 1)) files of unsigned commits"
exit 0
