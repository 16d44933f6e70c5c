#!/usr/bin/env python3
"""A git fast-import stream of many replica branches, a few changes each.

usage: branches.py FORMAT N [FIRST_INDEX] > stream

N branches refs/heads/replicas/<office>/<office>-r<i> of the twelve districts,
each with three progress changes in two commits (two, then one). Format 2:
each commit's tree holds only its own change files and plansync.json
("deleteall" before the second); format 1: the second commit keeps the first's
files. Change files are canonical (the same bytes plansync writes). Never
touches a repository itself: run.sh pipes the stream to git fast-import."""
import json, sys

fmt, n = int(sys.argv[1]), int(sys.argv[2])
first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
OFFICES = ["tp-hai-duong", "tp-chi-linh", "tx-kinh-mon", "binh-giang", "cam-giang", "gia-loc", "kim-thanh",
           "nam-sach", "ninh-giang", "thanh-ha", "thanh-mien", "tu-ky"]
FORMAT_FILE = {
    1: b'{\n  "format": 1,\n  "layout": "changes/<office>/<h1>/<h2>/<id>.json"\n}\n',
    2: b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n'
       b'  "needs": "0.2.0"\n}\n',
}[fmt]
out = sys.stdout.buffer


def fnv(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h


PER_PROGRAM = [7, 8, 6, 6, 7]  # tasks of the plan's five programs
PERIODS = ["%d" % y for y in range(2021, 2026)] + ["%d-q%d" % (2021 + q // 4, q % 4 + 1) for q in range(20)]
TASKS = ["p%d-t%d" % (p + 1, t + 1) for p, n in enumerate(PER_PROGRAM) for t in range(n)]


def record(off, i, k):
    """Spread an office's replicas over its records (a record has a bounded number of
    concurrent versions); the first record, p1-t1 2021, is left to the bench's own writes."""
    j = 1 + ((i // len(OFFICES)) * 3 + k) % (len(TASKS) * len(PERIODS) - 1)
    return "progress/%s/%s/%s" % (off, TASKS[j % len(TASKS)], PERIODS[j // len(TASKS)])


def change(off, rep, i, k, base):
    hx = "%016x" % (((1700000000000 + i * 10 + k) << 16) | k)
    cid = "%s-%s" % (hx, rep)
    d = {"format": 1, "id": cid, "office": off, "replica": rep, "author": "Cán bộ %d" % i, "hlc": hx,
         "record": record(off, i, k), "op": "set", "base": base,
         "fields": {"note": "Báo cáo số %d, lần %d" % (i, k), "percent": (i + k) % 101}}
    data = (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()
    h = fnv(cid)
    return cid, "changes/%s/%02x/%02x/%s.json" % (off, h >> 24, (h >> 16) & 0xff, cid), data


def commit(ref, files, stamp, reset):
    out.write(b"commit %s\ncommitter bench <bench@example.invalid> %d +0000\ndata 5\nbatch\n" % (ref, stamp))
    if reset:
        out.write(b"deleteall\n")
    for path, data in files:
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"M 100644 inline plansync.json\ndata %d\n%s\n\n" % (len(FORMAT_FILE), FORMAT_FILE))


for i in range(first, first + n):
    off = OFFICES[i % len(OFFICES)]
    rep = "%s-r%d" % (off, i)
    ref = ("refs/heads/replicas/%s/%s" % (off, rep)).encode()
    c = [change(off, rep, i, k, []) for k in range(3)]
    commit(ref, [(p, d) for _, p, d in c[:2]], 1700000000 + i, False)
    commit(ref, [(c[2][1], c[2][2])], 1700000001 + i, fmt == 2)
