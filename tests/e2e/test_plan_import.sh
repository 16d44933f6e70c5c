#!/usr/bin/env bash
# plan import: the default plan is complete; importing it again changes
# nothing; an edited document changes only what differs and retires what
# it no longer names; districts receive it through sync.
source "$(dirname "$0")/lib.sh"
setup_province
show=$("$P" -C tinh plan show --json)
for want in '"office": 13' '"agency": 33' '"task": 34' '"objective": 10' '"target": 16' '"milestone": 4' '"period": 25'; do
  grep -q "$want" <<<"$show" && ok "plan has $want" || bad "plan lacks $want"
done
"$P" -C tinh plan targets --office binh-giang --json | grep -q '"deadline": "2024-12-31"' && ok "Bình Giang type IV before 2025" || bad "target"
"$P" -C tinh plan tasks --program p2 --json | grep -q '"id": "p2-t8"' && ok "p2 has 8 tasks" || bad "tasks"
out=$("$P" -C tinh plan import --json)
[ "$(echo "$out" | json_num changed)" = 0 ] && ok "re-import: no change" || bad "re-import: $out"
sed -e 's/"Huyện Tứ Kỳ"/"Huyện Tứ Kỳ (mới)"/' "$SRC/schema/plan/hai-duong-2020-2025.json" > edited.json
python3 - edited.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["milestones"] = [m for m in d["milestones"] if m["id"] != "iii-4"]
json.dump(d, open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
PY
out=$("$P" -C tinh plan import edited.json --json)
[ "$(echo "$out" | json_num changed)" = 1 ] && [ "$(echo "$out" | json_num retired)" = 1 ] && ok "edit: 1 changed, 1 retired" || bad "edit: $out"
"$P" -C tinh log office/tu-ky | grep -q "Huyện Tứ Kỳ → Huyện Tứ Kỳ (mới)" && ok "log shows the rename" || bad "log"
"$P" -C tinh sync >/dev/null
district d1 tu-ky pc1
"$P" -C d1 plan show --json | grep -q '"milestone": 3' && ok "district sees the retirement" || bad "district milestones"
[ "$("$P" -C d1 dump)" = "$("$P" -C tinh dump)" ] && ok "district holds the same plan" || bad "district dump differs"
finish
