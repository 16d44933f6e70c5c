#!/bin/bash
# "A commit validly signed by a key not yet enrolled is a pending request
# (held, as in 3); anything else is quarantined with its reason";
# bad input: "a key record written by a district ... Clear message, nothing
# applied that should not be" (issue 11). A change is refused by the rights
# check whoever signs it: a district may never write office/<it> or
# key/<office>/<replica>. In an enrolment request, though, such changes are
# held like good ones: `problems` says nothing, `keys pending` asks the
# province officer to confirm "3 changes held" for a request carrying one
# progress report, a rewrite of the office's name and a key record that
# would enrol a second key of the district's choosing; only after approval
# are the two quarantined.
# Expected: at the first sync the two changes are in `problems` (naming the
# key record), and the request counts 1 change held.
. "$(dirname "$0")/common.sh"
prov
ssh-keygen -q -t ed25519 -N '' -C req -f "$T/req.key"
ssh-keygen -q -t ed25519 -N '' -C extra -f "$T/extra.key"
mkdir w
python3 - "$T/extra.key.pub" <<'PY' || fail "craft"
import os, json, time, subprocess, sys
def fnv(s):
    h = 2166136261
    for c in s.encode(): h = ((h ^ c) * 16777619) & 0xffffffff
    return h
office, replica = "binh-giang", "binh-giang-s"
pub = open(sys.argv[1]).read().split()
fp = subprocess.check_output(["ssh-keygen", "-lf", sys.argv[1]]).split()[1].decode()
ms = int(time.time() * 1000)
chs = [("progress/%s/p1-t1/2021" % office, {"percent": 10, "reporter": office}),
       ("office/%s" % office, {"end_date": None, "kind": "district", "name": "HACKED", "order": 5,
                               "parent": "tinh", "successor": None}),
       ("key/%s/%s-t" % (office, office), {"enrolled": "2026-01-01T00:00:00Z", "fingerprint": fp, "person": None,
                                             "public_key": pub[0] + " " + pub[1], "revoked": None,
                                             "revoked_after": None})]
for i, (rec, f) in enumerate(chs):
    h = "%016x" % ((ms + i) << 16)
    cid = "%s-%s" % (h, replica)
    x = fnv(cid)
    d = "w/changes/%s/%02x/%02x" % (office, x >> 24, (x >> 16) & 0xff)
    os.makedirs(d, exist_ok=True)
    o = {"format": 1, "id": cid, "office": office, "replica": replica, "author": "x", "hlc": h, "record": rec,
         "op": "set", "base": [], "fields": f}
    open("%s/%s.json" % (d, cid), "w").write(json.dumps(o, indent=2, ensure_ascii=False) + "\n")
PY
git -C remote.git show refs/heads/replicas/tinh/tinh-hq:plansync.json > w/plansync.json || fail "format file"
sign_as "$T/req.key"
( cd w && git init -q && git add -A && git commit -q -S -m request &&
  git push -q "$T/remote.git" HEAD:refs/heads/replicas/binh-giang/binh-giang-s ) || fail "push request"
unsign
"$P" -C tinh sync >/dev/null 2>&1
held=$("$P" -C tinh keys pending --json | sed -n 's/^ *"\(changes_\)\?held": *\([0-9]*\).*/\2/p' | head -1)
[ -n "$held" ] || held=$("$P" -C tinh keys pending | awk '$1=="binh-giang-s"{print $NF}')
"$P" -C tinh problems >problems.txt 2>&1
echo "keys pending: $held changes held; problems:"; cat problems.txt
grep -q 'key/binh-giang/binh-giang-t' problems.txt ||
  fail "a key record written by a district in an enrolment request is held silently (no problem reported); keys pending counts $held changes held"
[ "$held" = 1 ] || fail "keys pending counts $held changes held for a request with 1 valid change"
exit 0
