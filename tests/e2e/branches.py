#!/usr/bin/env python3
"""Write a git fast-import stream of N replica branches in branch format 2.

usage: branches.py N [RECORD-TEMPLATE] > stream; git fast-import < stream

Branch i is replicas/<office>/<office>-r<i>, one commit holding one change
(a progress report) and the format file, as plansync writes them. The
record template takes office and i: the default spreads the reports over
six tasks of 2023 so that no record gets thousands of concurrent versions.
Used by tests/e2e/test_cost.sh and bench/run.sh (many offices)."""
import json, sys

n = int(sys.argv[1])
template = sys.argv[2] if len(sys.argv) > 2 else "progress/{office}/p3-t{t}/2023"
OFFICES = ["tp-hai-duong", "tp-chi-linh", "tx-kinh-mon", "binh-giang", "cam-giang", "gia-loc", "kim-thanh",
           "nam-sach", "ninh-giang", "thanh-ha", "thanh-mien", "tu-ky"]
FMT = (b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: '
       b'changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n')

def fnv(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h

out = sys.stdout.buffer
for i in range(n):
    off = OFFICES[i % len(OFFICES)]
    rep = "%s-r%d" % (off, i)
    hx = "%016x" % ((1700000000000 + i) << 16)
    cid = "%s-%s" % (hx, rep)
    d = {"format": 1, "id": cid, "office": off, "replica": rep, "author": "Cán bộ %d" % i, "hlc": hx,
         "record": template.format(office=off, i=i, t=i % 6 + 1), "op": "set", "base": [],
         "fields": {"note": "Báo cáo số %d" % i, "percent": i % 101}}
    data = (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()
    h = fnv(cid)
    path = "changes/%s/%02x/%02x/%s.json" % (off, h >> 24, (h >> 16) & 0xff, cid)
    out.write(b"commit refs/heads/replicas/%s/%s\ncommitter b <b@x> 1700000000 +0000\ndata 1\nx\n"
              % (off.encode(), rep.encode()))
    out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"M 100644 inline plansync.json\ndata %d\n%s\n\n" % (len(FMT), FMT))
