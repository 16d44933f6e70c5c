#!/bin/bash
# "Revocation is deterministic for every reader ... everything after it is
# refused by all readers alike" (issue 11). While verifying an import,
# sync_verify.c keeps the key records met on province branches in an
# overlay (overlay_note): a record first met in this import starts from the
# stored fields with hlc 0, so ANY change to it read now, however old,
# overwrites them there, while the store itself keeps the newest change.
# A second province replica (tinh-zz, enrolled) had written binh-giang-a's
# record (an approval, say a corrected person) before, and offline, the
# province's hq revoked binh-giang-a; it sends it afterwards. A district
# that already holds the revocation and reads tinh-zz's old approval in
# the same import as the revoked replica's next commit applies that commit
# (the overlay says "not revoked"); its stored registry still says revoked.
# A replica created afterwards reads hq's newer revocation first and
# refuses the commit. The readers differ for good.
# Expected: every reader refuses binh-giang-a's commit after its revocation.
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, office, rep, record, ms, fields = sys.argv[1:7]
def git(*a, data=None):
    return subprocess.run(["git", "-C", repo] + list(a), input=data, capture_output=True, check=True).stdout.strip().decode()
def blob(d): return git("hash-object", "-w", "--stdin", data=d)
def fnv(s):
    h = 2166136261
    for b in s.encode(): h = ((h ^ b) * 16777619) & 0xffffffff
    return h
def tree(ents):
    raw = b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                   for m, n, s in sorted(ents, key=lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")))
    return git("hash-object", "-w", "-t", "tree", "--stdin", data=raw)
FMT = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
hx = "%016x" % (int(ms) << 16); cid = hx + "-" + rep; h = fnv(cid)
d = {"format": 1, "id": cid, "office": office, "replica": rep, "author": "P2", "hlc": hx,
     "record": record, "op": "set", "base": [], "fields": dict(sorted(json.loads(fields).items())),
     "reason": "enrolment approved by the province"}
body = (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", office, t)])
print(tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))]))
PY
prov
dist d1 binh-giang a
dist d2 tu-ky b
crafter tinh-zz # a second province replica, enrolled by hq
unsign
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
for d in tinh d2; do "$P" -C $d sync >/dev/null 2>&1; done
# tinh-zz's approval of binh-giang-a, written a minute before the revocation
BEFORE=$(( $(date +%s) * 1000 - 60000 ))
PUB=$(cut -d' ' -f1,2 d1/key.pub); FPR=$(ssh-keygen -lf d1/key.pub | cut -d' ' -f2)
TR=$(python3 mk.py remote.git tinh tinh-zz key/binh-giang/binh-giang-a $BEFORE \
  "{\"enrolled\": \"2021-01-01T00:00:00Z\", \"fingerprint\": \"$FPR\", \"person\": \"Lê Thị Hoa\", \"public_key\": \"$PUB\", \"revoked\": null, \"revoked_after\": null}") || exit 2
"$P" -C tinh keys revoke binh-giang-a >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d2 sync >/dev/null 2>&1
# the revoked laptop writes on; tinh-zz comes online with its older approval
"$P" -C d1 progress set p1-t2 2021 --percent 77 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1
sign_as "$T/crafter.key"; Z=$(git -C remote.git commit-tree "$TR" -m "key" $GIT_SIGN) || exit 2; unsign
git -C remote.git update-ref refs/heads/replicas/tinh/tinh-zz "$Z"
for d in d2 tinh; do "$P" -C $d sync >/dev/null 2>&1; done
"$P" init d3 --office ninh-giang --replica c --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || exit 2
pc() { "$P" -C "$1" progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 77'; }
rv() { "$P" -C "$1" dump 2>/dev/null | grep '"key/binh-giang/binh-giang-a"' | grep -c '"revoked": "'; }
a=$(pc d2) b=$(pc tinh) c=$(pc d3)
echo "binh-giang-a's 77 % after its revocation: district that held the revocation $a, province $b, new replica $c; stored registry says revoked: $(rv d2)/$(rv tinh)/$(rv d3)"
[ "$a" = 0 ] && [ "$b" = 0 ] && [ "$c" = 0 ] || fail "a commit after the revocation is applied by readers that met an older key record in the same import"
exit 0
