#!/bin/bash
# A branch of 40,000 commits of one change each (a replica whose daemon
# synced after every write for years, or an attacker who wants to slow every
# office down: stock git fast-import, then one push). A new replica's init
# takes ~12x the time and ~7x the memory of the same 40,000 changes in one
# commit (here: 24 s / 601 MB against 2.6 s / 87 MB; 60,000 commits: 892 MB
# RSS in an incremental sync). Memory grows ~15 KB per commit and
# time superlinearly. Expected (issue: "attackers set our resource use",
# bounded memory, O(N log N)): cost of the branch's commits close to the
# cost of its changes - here RSS under 3x and time under 5x the one-commit
# import.
. "$(dirname "$0")/../../tests/attacks/common.sh"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time"; exit 2; }
N=${N:-40000}
prov
cat > gen.py <<'PY'
import sys, json, time
N=int(sys.argv[1]); one=sys.argv[2]=="one"; office="tu-ky"; rep="tu-ky-z"; ref="refs/heads/replicas/%s/%s"%(office,rep)
def fnv(s):
    h=2166136261
    for c in s.encode(): h=((h^c)*16777619)&0xffffffff
    return h
out=sys.stdout.buffer; w=lambda b: out.write(b if isinstance(b,bytes) else b.encode())
pj=b'{\n  "format": 1,\n  "layout": "changes/<office>/<h1>/<h2>/<id>.json"\n}\n'
base=int(time.time()*1000)-N*1000-10000; prev=None; t0=int(time.time())-N-10
for i in range(N):
    hlc="%012x%04x"%(base+i*1000,0); cid="%s-%s"%(hlc,rep); h=fnv(cid)
    path="changes/%s/%02x/%02x/%s.json"%(office,h>>24,(h>>16)&0xff,cid)
    ch={"format":1,"id":cid,"office":office,"replica":rep,"author":"Z","hlc":hlc,"record":"progress/%s/p1-t1/2021"%office,"op":"set","base":[prev] if prev else [],"fields":{"percent":i%101}}
    data=json.dumps(ch,indent=2,ensure_ascii=False).encode()+b"\n"; prev=cid
    if not one or i==0:
        w("commit %s\ncommitter %s <%s@plansync.invalid> %d +0000\ndata 9\n1 change\n"%(ref,rep,rep,t0+i))
        if i==0: w("M 100644 inline plansync.json\ndata %d\n"%len(pj)); w(pj); w(b"\n")
    w("M 100644 inline %s\ndata %d\n"%(path,len(data))); w(data); w(b"\n")
w("done\n")
PY
for k in one many; do
  git clone -q --bare remote.git r$k
  python3 gen.py $N $k | git -C r$k fast-import --done --quiet || fail "fast-import"
  /usr/bin/time -f "%e %M" -o t$k "$P" init n$k --office tu-ky --replica q --remote "$T/r$k" >/dev/null 2>&1 || fail "init over $k"
  "$P" -C n$k progress show | grep -q "tu-ky .*p1-t1" || fail "import over $k"
  echo "$N changes in $k commit(s): $(git -C r$k rev-list --count refs/heads/replicas/tu-ky/tu-ky-z) commits, $(awk '{print $1" s, "$2" KB RSS"}' t$k)"
done
read t1 m1 < tone; read tm mm < tmany
awk -v a="$tm" -v b="$t1" -v c="$mm" -v d="$m1" 'BEGIN{exit !(c < 3*d && a < 5*b + 2)}' ||
  fail "a branch of $N one-change commits costs ${tm}s / ${mm}KB, the same changes in one commit ${t1}s / ${m1}KB"
exit 0
