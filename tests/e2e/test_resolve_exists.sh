#!/usr/bin/env bash
# A set/retire conflict ('@exists') on a plan record is settled with
# 'plansync resolve RECORD @exists --take CHANGE-ID': taking the set writes it
# again with that version's fields, taking the retire retires the record
# again; either way the base covers both heads, so the conflict goes on every
# replica and sync exits 0. --value is refused with the command that works.
# Importing the plan document again settles such conflicts its way too.
source "$(dirname "$0")/lib.sh"
setup_province
"$P" init tinh2 --office tinh --replica b --remote "$T/remote.git" --user P2 --trust "$(province_pin)" >/dev/null
enrol tinh2
"$P" -C tinh2 sync >/dev/null
python3 - "$SRC/schema/plan/hai-duong-2020-2025.json" <<'PY'
import json, sys
for tid, name in (('p2-t6-tp-chi-linh', 'a'), ('p2-t6-tx-kinh-mon', 'b'), ('p2-t7-nam-sach', 'c'), ('p2-t7-gia-loc', 'd')):
    d = json.load(open(sys.argv[1])); d['targets'] = [t for t in d['targets'] if t['id'] != tid]
    json.dump(d, open('ret-%s.json' % name, 'w'), ensure_ascii=False)
    d = json.load(open(sys.argv[1]))
    for t in d['targets']:
        if t['id'] == tid: t['text'] = 'văn bản mới ' + name
    json.dump(d, open('edit-%s.json' % name, 'w'), ensure_ascii=False)
PY
# change_of RECORD REPLICA OP: the id of the change with this op that REPLICA wrote
change_of() { "$P" -C tinh log "$1" --json | python3 -c 'import json,sys; print([e["id"] for e in json.load(sys.stdin) if sys.argv[1] in e["id"] and e["op"]==sys.argv[2]][0])' "$2" "$3"; }
rec() { "$P" -C "$1" dump | grep "\"id\": \"$2\"" || true; } # rec DIR RECORD: its line in dump
exists_conflicts() { "$P" -C "$1" conflicts --json | grep -c '"@exists"' || true; }

# 1. hq retires target a, b changes it: take b's set
"$P" -C tinh plan import ret-a.json >/dev/null
"$P" -C tinh2 plan import edit-a.json >/dev/null
sync_ok tinh; sync_ok tinh2; sync_ok tinh
R=target/p2-t6-tp-chi-linh
[ "$(exists_conflicts tinh)" -ge 1 ] && ok "a set/retire conflict arose" || bad "no set/retire conflict"
expect_fail 3 "resolve $R @exists --take" "$P" -C tinh resolve "$R" @exists --value true
"$P" -C tinh resolve "$R" @exists --take "$(change_of "$R" tinh-b set)" >/dev/null && ok "resolve --take the set" || bad "resolve --take the set failed"
[ "$(exists_conflicts tinh)" = 0 ] && ok "the conflict is settled" || bad "conflict still listed"
rc=0; "$P" -C tinh sync >/dev/null || rc=$?
[ $rc = 0 ] && ok "province sync exits 0" || bad "province sync exited $rc"
"$P" -C tinh2 sync >/dev/null
r=$(rec tinh2 "$R")
grep -q '"retired": false' <<<"$r" && grep -q 'văn bản mới a' <<<"$r" && ok "the target is kept with the taken text" || bad "taken version not kept: $r"
[ "$(exists_conflicts tinh2)" = 0 ] && ok "settled on the other replica too" || bad "tinh2 still lists it"

# 2. the same the other way: take hq's retire
"$P" -C tinh plan import ret-b.json >/dev/null
"$P" -C tinh2 plan import edit-b.json >/dev/null
sync_ok tinh; sync_ok tinh2; sync_ok tinh
R=target/p2-t6-tx-kinh-mon
[ "$(exists_conflicts tinh)" -ge 1 ] && ok "a second set/retire conflict arose" || bad "no second conflict"
"$P" -C tinh resolve "$R" @exists --take "$(change_of "$R" tinh-hq retire)" >/dev/null && ok "resolve --take the retire" || bad "resolve --take the retire failed"
[ "$(exists_conflicts tinh)" = 0 ] && ok "the retire settles it" || bad "conflict still listed after retire"
"$P" -C tinh sync >/dev/null; "$P" -C tinh2 sync >/dev/null
grep -q '"retired": true' <<<"$(rec tinh2 "$R")" && ok "the target is retired" || bad "not retired: $(rec tinh2 "$R")"
[ "$("$P" -C tinh dump | sha256sum)" = "$("$P" -C tinh2 dump | sha256sum)" ] && ok "both replicas agree" || bad "dumps differ"
# 3. plan import settles them the document's way: keeping c, leaving d out
python3 - <<'PY'
import json
def doc(edit, drop):
    d = json.load(open('edit-%s.json' % edit)); d['targets'] = [t for t in d['targets'] if t['id'] != drop]
    return d
json.dump(doc('d', 'p2-t7-nam-sach'), open('x1.json', 'w'), ensure_ascii=False)
json.dump(doc('c', 'p2-t7-gia-loc'), open('x2.json', 'w'), ensure_ascii=False)
PY
"$P" -C tinh plan import x1.json >/dev/null
"$P" -C tinh2 plan import x2.json >/dev/null
sync_ok tinh; sync_ok tinh2; sync_ok tinh
[ "$(exists_conflicts tinh)" = 2 ] && ok "two more set/retire conflicts arose" || bad "expected 2 conflicts: $(exists_conflicts tinh)"
"$P" -C tinh plan import x2.json >/dev/null
[ "$(exists_conflicts tinh)" = 0 ] && ok "plan import settles both" || bad "plan import left $(exists_conflicts tinh) conflict(s)"
rc=0; "$P" -C tinh sync >/dev/null || rc=$?
[ $rc = 0 ] && ok "province sync exits 0 after plan import" || bad "province sync exited $rc"
"$P" -C tinh2 sync >/dev/null
grep -q '"retired": false' <<<"$(rec tinh2 target/p2-t7-nam-sach)" && ok "the named target is kept" || bad "nam-sach: $(rec tinh2 target/p2-t7-nam-sach)"
grep -q '"retired": true' <<<"$(rec tinh2 target/p2-t7-gia-loc)" && ok "the target left out is retired" || bad "gia-loc: $(rec tinh2 target/p2-t7-gia-loc)"
[ "$("$P" -C tinh dump | sha256sum)" = "$("$P" -C tinh2 dump | sha256sum)" ] && ok "both replicas agree after plan import" || bad "dumps differ after plan import"
finish
