#!/bin/bash
# "plansync log shows the verified signer of each change" (issue 11). A
# branch may carry changes of another replica of its office (a replica
# that continued under a new id sends its history again), and the log
# names as signer the registry key of the replica the change FILE names
# (keys_trust.c ps_keys_signer_of), not the key that signed the commit.
# Replica binh-giang-c (enrolled) writes on its own branch a new change
# whose file says "replica": "binh-giang-b" (another enrolled replica of
# the office, which never wrote it): every reader applies it and its log
# says it was signed by binh-giang-b's key, which never signed it. Even
# after the province revokes binh-giang-b, new "binh-giang-b" changes keep
# arriving this way, shown as signed by b's (revoked) key.
# Expected: the signer shown is the key that signed the change's commit,
# with the replica it is enrolled as. The replica field only has to name a
# replica of the branch's office (the id namespace of its writer, never
# proof of who signed): a fork sends its old changes again on its new
# branch, and nothing good may be lost, so the change applies on every
# reader, shown as signed by binh-giang-c's key, as binh-giang-c.
# (Each lookup names the record: the plain log lists the newest 50 only.)
. "$(dirname "$0")/common.sh"
cat > mk.py <<'PY'
import json, subprocess, sys
repo, rep, task, pct, ms = sys.argv[1:6]
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
d = {"format": 1, "id": cid, "office": "binh-giang", "replica": rep, "author": "X", "hlc": hx,
     "record": "progress/binh-giang/%s/2021" % task, "op": "set", "base": [], "fields": {"percent": int(pct)}}
body = (json.dumps(d, indent=2) + "\n").encode()
t = tree([("100644", cid + ".json", blob(body))])
t = tree([("40000", "%02x" % ((h >> 16) & 0xff), t)]); t = tree([("40000", "%02x" % (h >> 24), t)])
t = tree([("40000", "binh-giang", t)])
print(tree([("40000", "changes", t), ("100644", "plansync.json", blob(FMT))]))
PY
prov
dist d2 binh-giang b
crafter binh-giang-c
BFP=$(ssh-keygen -lf d2/key.pub | cut -d' ' -f2); CFP=$(ssh-keygen -lf crafter.key.pub | cut -d' ' -f2)
TR=$(python3 mk.py remote.git binh-giang-b p1-t5 55 $(( $(date +%s) * 1000 - 1000 ))) || exit 2
C=$(git -C remote.git commit-tree "$TR" -m "progress" $GIT_SIGN) || exit 2
unsign
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-c "$C"
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show -o binh-giang -t p1-t5 --json 2>/dev/null | grep -q '"percent": 55' || { echo "not applied"; exit 2; }
shown=$("$P" -C tinh log progress/binh-giang/p1-t5/2021 --json 2>/dev/null | python3 -c '
import json,sys
for e in json.load(sys.stdin):
    if e["record"] == "progress/binh-giang/p1-t5/2021":
        print(e.get("signer"), e.get("signer_replica")); break')
echo "commit signed by binh-giang-c's key $CFP; plansync log says the change was signed by ${shown:-nothing} (binh-giang-b's key is $BFP)"
# binh-giang-b revoked: a new change in its name, carried by binh-giang-c
"$P" -C tinh keys revoke binh-giang-b >/dev/null 2>&1 && "$P" -C tinh sync >/dev/null 2>&1
TR2=$(python3 mk.py remote.git binh-giang-b p1-t6 56 $(( $(date +%s) * 1000 - 500 ))) || exit 2
sign_as "$T/crafter.key"; C2=$(git -C remote.git commit-tree "$TR2" -p "$C" -m "progress" $GIT_SIGN) || exit 2; unsign
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-c "$C2"
"$P" -C tinh sync >/dev/null 2>&1
n=$("$P" -C tinh progress show -o binh-giang -t p1-t6 --json 2>/dev/null | grep -c '"percent": 56')
st=$("$P" -C tinh log progress/binh-giang/p1-t6/2021 --json 2>/dev/null | python3 -c '
import json,sys
for e in json.load(sys.stdin):
    if e["record"] == "progress/binh-giang/p1-t6/2021":
        print(e.get("signer"), e.get("signer_status"), e.get("signer_replica")); break')
echo "after binh-giang-b's revocation, a new change in its name applied: $n, log signer: ${st:-none}"
[ "$shown" = "$CFP binh-giang-c" ] || fail "plansync log names as signer a key that did not sign the change"
[ "$st" = "$CFP enrolled binh-giang-c" ] || fail "after the revocation, the change in binh-giang-b's name is not shown as binh-giang-c's"
exit 0
