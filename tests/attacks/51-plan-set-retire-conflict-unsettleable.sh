#!/bin/bash
# Two province replicas: one imports a plan without a target (retire), the
# other one with that target's text changed (set). After syncing, 'conflicts'
# lists target/... @exists ("applied everywhere for now: " blank, JSON value
# and winner null although the target shows) and says "settle one with:
# plansync resolve RECORD FIELD --take CHANGE-ID". resolve then refuses
# (exit 3) and says to use "progress set", which writes only progress; and
# 'plan import' of the document that keeps the target writes nothing for it
# (the state already equals it), so the conflict never goes and every sync of
# the province exits 6.
# Expected: keeping the target settles the conflict by one of the commands
# the messages name (resolve --take the set change, or plan import again).
. "$(dirname "$0")/common.sh"
prov
"$P" init tinh2 --office tinh --replica b --remote "$T/remote.git" --trust "$(province_pin)" --user P2 >/dev/null 2>&1 || fail "init tinh2"
enrol tinh2 # a second province replica: the first one enrols its key
"$P" -C tinh2 sync >/dev/null 2>&1
SRC=${PLANSYNC_SRC:-$ATTACKS/../..}
python3 - "$SRC/schema/plan/hai-duong-2020-2025.json" <<'PY' || exit 2
import json, sys
d = json.load(open(sys.argv[1])); d['targets'] = [t for t in d['targets'] if t['id'] != 'p2-t6-tp-chi-linh']
json.dump(d, open('ret.json', 'w'), ensure_ascii=False)
d = json.load(open(sys.argv[1]))
for t in d['targets']:
    if t['id'] == 'p2-t6-tp-chi-linh': t['text'] = 'văn bản mới'
json.dump(d, open('edit.json', 'w'), ensure_ascii=False)
PY
"$P" -C tinh plan import ret.json >/dev/null || fail "retire"
"$P" -C tinh2 plan import edit.json >/dev/null || fail "edit"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh2 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
R=target/p2-t6-tp-chi-linh
"$P" -C tinh conflicts --json | grep -q '"@exists"' || { echo "no set/retire conflict arose"; exit 2; }
setid=$("$P" -C tinh log "$R" --json | python3 -c 'import json,sys; print([e["id"] for e in json.load(sys.stdin) if "tinh-b" in e["id"] and e["op"]=="set"][0])')
rc=0; err=$("$P" -C tinh resolve "$R" @exists --take "$setid" 2>&1 >/dev/null) || rc=$?
echo "resolve --take $setid: exit $rc: $err"
if "$P" -C tinh conflicts --json | grep -q '"@exists"'; then
  "$P" -C tinh plan import edit.json
  rc2=0; "$P" -C tinh sync >/dev/null 2>&1 || rc2=$?
  echo "after plan import of the kept target: sync exit $rc2"
  "$P" -C tinh conflicts --json | grep -q '"@exists"' && fail "a set/retire conflict on a plan record cannot be settled: resolve says 'progress set', plan import writes nothing, sync exits $rc2 for ever"
fi
exit 0
