#!/usr/bin/env python3
"""Many concurrent writers of one record: N replicas of one office each write
progress/binh-giang/p1-t1/2021 once, none seeing the others (N branches in one
shared repository, made with git fast-import). Prints the seconds a new
replica's first sync takes to fetch and fold them all, and the conflict count.

usage: PLANSYNC=build/plansync bench/concurrent.py N [WORKDIR]"""
import json, os, shutil, subprocess, sys, tempfile, time, unicodedata

N = int(sys.argv[1])
W = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="plansync-concurrent.")
P = os.environ["PLANSYNC"]
FORMAT = b'{\n  "format": 1,\n  "layout": "changes/<office>/<h1>/<h2>/<id>.json"\n}\n'

def path_of(office, cid):  # the layout's two hash bytes: FNV-1a of the id
    h = 2166136261
    for b in cid.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return "changes/%s/%02x/%02x/%s.json" % (office, h >> 24, (h >> 16) & 0xff, cid)

def change(replica, hlc, n):
    hx = "%016x" % hlc
    d = {"format": 1, "id": "%s-%s" % (hx, replica), "office": "binh-giang", "replica": replica,
         "author": "Cán bộ %d" % n, "hlc": hx, "record": "progress/binh-giang/p1-t1/2021", "op": "set",
         "base": [], "fields": {"percent": n % 101}}
    return d["id"], unicodedata.normalize("NFC", json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()

os.makedirs(W, exist_ok=True)
remote = os.path.join(W, "remote.git")
shutil.rmtree(remote, ignore_errors=True)
subprocess.run(["git", "init", "-q", "--bare", remote], check=True)
out = bytearray()
for i in range(N):
    rep = "binh-giang-r%d" % i
    cid, data = change(rep, (1700000000000 + i) << 16, i)
    msg = b"one change"
    out += b"commit refs/heads/replicas/binh-giang/%s\ncommitter %s <x> 1700000000 +0000\n" % (rep.encode(), rep.encode())
    out += b"data %d\n%s\n" % (len(msg), msg)
    out += b"M 100644 inline plansync.json\ndata %d\n%s\n" % (len(FORMAT), FORMAT)
    out += b"M 100644 inline %s\ndata %d\n%s\n" % (path_of("binh-giang", cid).encode(), len(data), data)
subprocess.run(["git", "-C", remote, "fast-import", "--quiet"], input=bytes(out), check=True)
rep = os.path.join(W, "reader")
shutil.rmtree(rep, ignore_errors=True)
t = time.monotonic()
subprocess.run([P, "init", rep, "--office", "tinh", "--remote", remote], stdout=subprocess.DEVNULL, check=True)
dt = time.monotonic() - t
c = subprocess.run([P, "-C", rep, "status", "--json"], capture_output=True, text=True).stdout
print("N=%d first sync %.2f s" % (N, dt))
