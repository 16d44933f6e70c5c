#!/bin/bash
# Issue 9 / README: JSON output has one name per fact, absent values null;
# problems is [{time, branch, commit, path, reason}] and a change's id is
# "id". For a local change held back because its stored bytes are damaged,
# problems --json gives "branch": "this replica" (words, not a branch) and
# "path": "<change id>" (an id, not a path): a script that reads branch and
# path as what the names say gets prose and an id.
# Expected: branch is a replicas/... name or null; path is a changes/...
# path or null (the change id under its own name, or in the reason).
. "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || { echo "no sqlite3"; exit 2; }
prov; dist d3 tu-ky c
"$P" -C d3 sync >/dev/null 2>&1
"$P" -C d3 progress set p1-t6 2021 --percent 81 >/dev/null || fail "set"
id=$("$P" -C d3 log progress/tu-ky/p1-t6/2021 -n 1 --json | sed -n 's/.*"id": "\(.*\)".*/\1/p' | head -1)
sqlite3 d3/plansync.db "UPDATE unexported SET bytes = replace(bytes, '81', '89') WHERE seq = (SELECT seq FROM changes WHERE id = '$id')" || exit 2
"$P" -C d3 sync >/dev/null 2>&1
out=$("$P" -C d3 problems --json)
python3 - "$out" <<'PY'
import json, sys
bad = []
for p in json.loads(sys.argv[1]):
    b, path = p.get("branch"), p.get("path")
    if b is not None and not b.startswith("replicas/"):
        bad.append("branch=%r" % b)
    if path is not None and not path.startswith("changes/"):
        bad.append("path=%r" % path)
if bad:
    print("BROKEN: problems --json fields hold other facts: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
