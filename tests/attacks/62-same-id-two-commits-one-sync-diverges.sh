#!/bin/bash
# Branch format 2, design "the reader's rule": a later commit that lists an
# earlier change's path with other bytes is the "known with other bytes"
# alarm, and the earlier version (the one read first) counts. A replica that
# read the first commit in one sync and the second in the next keeps the
# first version; a replica that reads both commits in one sync (a new
# replica, init --remote) sorts the queued changes by record, so when the
# second version names a record that sorts first, it is applied and the
# *first* commit's file is quarantined instead.
# Expected: every replica ends with the same version (dumps equal).
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys, unicodedata
repo, parent = sys.argv[1:3]
OFFICE = "binh-giang"; REPLICA = "binh-giang-c"
FMT = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
def git(*a, data=None):
    return subprocess.run(["git", "-C", repo] + list(a), input=data, capture_output=True, check=True).stdout.strip().decode()
def blob(d): return git("hash-object", "-w", "--stdin", data=d)
def fnv(s):
    h = 2166136261
    for b in s.encode(): h = ((h ^ b) * 16777619) & 0xffffffff
    return h
files = {"plansync.json": blob(FMT)}
for spec in sys.argv[3:]:
    rec, pct, ms = spec.split(":")
    hx = "%016x" % (int(ms) << 16); cid = "%s-%s" % (hx, REPLICA); h = fnv(cid)
    d = {"format": 1, "id": cid, "office": OFFICE, "replica": REPLICA, "author": "X", "hlc": hx,
         "record": rec, "op": "set", "base": [], "fields": {"percent": int(pct), "status": "on_track"}}
    p = "changes/%s/%02x/%02x/%s.json" % (OFFICE, h >> 24, (h >> 16) & 0xff, cid)
    files[p] = blob(unicodedata.normalize("NFC", json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode())
def write(d):
    ents = [("40000", n, write(v)) if isinstance(v, dict) else ("100644", n, v) for n, v in d.items()]
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                   for m, n, s in sorted(ents, key=lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")))
    return git("hash-object", "-w", "-t", "tree", "--stdin", data=raw)
root = {}
for p, s in files.items():
    parts = p.split("/"); d = root
    for x in parts[:-1]: d = d.setdefault(x, {})
    d[parts[-1]] = s
args = ["commit-tree", write(root), "-m", "crafted"] + (["-p", parent] if parent != "-" else [])
print(git(*args))
PY
prov
B=refs/heads/replicas/binh-giang/binh-giang-c
# the same change id twice: first for p1-t2, then (other bytes) for p1-t1
C1=$(python3 mk.py remote.git - progress/binh-giang/p1-t2/2021:20:1700000000000) || exit 2
git -C remote.git update-ref $B "$C1"
"$P" -C tinh sync >/dev/null 2>&1
C2=$(python3 mk.py remote.git "$C1" progress/binh-giang/p1-t1/2021:30:1700000000000) || exit 2
git -C remote.git update-ref $B "$C2"
"$P" -C tinh sync >/dev/null 2>&1
dist d2 tu-ky c; "$P" -C d2 sync >/dev/null 2>&1
a=$("$P" -C tinh progress show 2>/dev/null | awk '$1=="binh-giang"{print $2"="$5}' | tr '\n' ' ')
b=$("$P" -C d2 progress show 2>/dev/null | awk '$1=="binh-giang"{print $2"="$5}' | tr '\n' ' ')
echo "province (two syncs): $a; new replica (one sync): $b"
"$P" -C tinh dump > t.json 2>/dev/null; "$P" -C d2 dump > d.json 2>/dev/null
cmp -s t.json d.json || fail "replicas end different: province keeps $a, the new replica keeps $b"
exit 0
