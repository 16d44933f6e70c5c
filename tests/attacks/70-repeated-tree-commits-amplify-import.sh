#!/bin/bash
# Branch format 2: the reader takes every file of every new commit as new
# (ps_sync_import_branch collects each commit's whole tree, then reads,
# decodes and queues every entry). A stray branch of N commits that all name
# the same tree of F change files costs Git nothing (one tree, F blobs and N
# small commits: well under 1 MiB for F=2000, N=1000) but costs each reader
# N*F reads and decodes, held in memory until the branch is done: measured
# here 178 s and 880 MiB for the province's sync against 0.9 s for the same
# files in one commit. Every replica pays it (a new one too), and a sync
# killed for its memory starts it again. Under format 1 the same commits
# were a no-op diff.
# Expected: the sync of the repeated-tree branch costs about what its
# distinct content costs (here: within 10x the one-commit branch, + 3 s).
. "$(dirname "$0")/common.sh"
cat > amp.py <<'PY'
import json, sys
nf, nc, ref = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def fnv(s):
    h = 2166136261
    for b in s.encode(): h = ((h ^ b) * 16777619) & 0xffffffff
    return h
rep = ref.rsplit("/", 1)[1]
fmt = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
w = sys.stdout.buffer
paths = []
for i in range(nf):
    hx = "%016x" % ((1700000000000 + i) << 16); cid = hx + "-" + rep; h = fnv(cid)
    d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
         "record": "progress/binh-giang/p1-t%d/2021" % (i % 7 + 1), "op": "set", "base": [], "fields": {"percent": i % 101}}
    data = (json.dumps(d, indent=2) + "\n").encode()
    w.write(b"blob\nmark :%d\ndata %d\n" % (i + 1, len(data)) + data + b"\n")
    paths.append("changes/binh-giang/%02x/%02x/%s.json" % (h >> 24, (h >> 16) & 0xff, cid))
w.write(b"blob\nmark :%d\ndata %d\n" % (nf + 1, len(fmt)) + fmt + b"\n")
for c in range(nc):
    msg = b"batch %d" % c
    w.write(b"commit %s\nmark :%d\ncommitter x <x@x> 1700000000 +0000\ndata %d\n%s\n" % (ref.encode(), nf + 2 + c, len(msg), msg))
    if c == 0:
        w.write(b"deleteall\n")
        for n, p in enumerate(paths):
            w.write(b"M 100644 :%d %s\n" % (n + 1, p.encode()))
        w.write(b"M 100644 :%d plansync.json\n" % (nf + 1))
    w.write(b"\n")
PY
# baseline: 500 changes in one commit, read by a province
git init -q --bare base.git
"$P" init tb --office tinh --replica hb --remote "$T/base.git" --user P >/dev/null 2>&1; "$P" -C tb plan import >/dev/null 2>&1; "$P" -C tb sync >/dev/null 2>&1
python3 amp.py 500 1 refs/heads/replicas/binh-giang/binh-giang-c | git -C base.git fast-import --quiet || exit 2
s=$(date +%s%N); "$P" -C tb sync >/dev/null 2>&1; base=$(( ($(date +%s%N) - s) / 1000000 ))
# the same 500 changes, every one of 400 commits naming the same tree
prov
python3 amp.py 500 400 refs/heads/replicas/binh-giang/binh-giang-c | git -C remote.git fast-import --quiet || exit 2
kb=$(du -sk remote.git/objects | cut -f1)
s=$(date +%s%N); timeout 600 "$P" -C tinh sync >/dev/null 2>&1; rc=$?; amp=$(( ($(date +%s%N) - s) / 1000000 ))
n=$("$P" -C tinh log -n 0 --json 2>/dev/null | grep -c '"id": "[0-9a-f]*-binh-giang-c"')
echo "one commit of 500 changes: $base ms; 400 commits naming the same tree (${kb} KiB of objects in the remote): $amp ms (exit $rc, $n changes)"
[ "$amp" -le $((base * 10 + 3000)) ] || fail "a branch repeating one tree in 400 commits costs the reader $amp ms against $base ms for its content once"
exit 0
