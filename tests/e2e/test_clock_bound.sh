#!/usr/bin/env bash
# The clock never ratchets (DESIGN §10): a write made while the machine's
# clock was years ahead does not drag later writes with it once the clock is
# right again; status says what those future changes mean; a later write over
# a future-stamped change still wins everywhere; a far-future remote change
# accepted by a replica with a raised sync.max_drift does not move its clock;
# change ids stay unique when the clock goes back and passes an old value;
# a correction after a chain of future writes supersedes every one of them.
source "$(dirname "$0")/lib.sh"
now_ms=$(($(date +%s) * 1000))
year_ms=$((365 * 86400 * 1000))
future=$((now_ms + 3 * year_ms))
# the clock (ms) of the replica's latest own write, from its database
last_ms() { # last_ms DIR
  echo $(($(sqlite3 "$1/plansync.db" "SELECT hlc FROM changes WHERE local = 1 ORDER BY seq DESC LIMIT 1") >> 16))
}
setup_province
district a1 tx-kinh-mon a1
"$P" -C a1 sync >/dev/null

# 1. a write while the clock is three years ahead, then the clock is fixed
PLANSYNC_FAKE_NOW_MS=$future "$P" -C a1 progress set p1-t1 2021 --status on_track --note "đồng hồ sai" >/dev/null
[ "$(last_ms a1)" -ge "$future" ] && ok "the wrong clock stamped the write in the future" || bad "future write not stamped ahead"
"$P" -C a1 sync >/dev/null || true
"$P" -C a1 progress set p1-t1 2021 --status done >/dev/null
t=$(last_ms a1)
now2=$(($(date +%s) * 1000))
if [ "$t" -le $((now2 + 600000)) ] && [ "$t" -ge $((now_ms - 60000)) ]; then
  ok "after the clock is fixed the next write is stamped now"
else
  bad "clock ratcheted: next write stamped $t ms, wall clock $now2 ms"
fi

# 2. status says the writer's own future changes are held back by others
st=$("$P" -C a1 status)
grep -qiE "future.*hold|hold.*until" <<<"$st" && ok "status text names the future changes" || bad "status text silent: $st"
js=$("$P" -C a1 status --json)
[ "$(echo "$js" | json_num future)" = 1 ] && ok "status --json counts 1 future change" || bad "status --json: $js"
grep -q '"future_until": "20' <<<"$js" && ok "status --json says until when" || bad "status --json lacks future_until: $js"

# 3. the later write wins on every replica, before and after the future one is released
"$P" -C a1 sync >/dev/null
"$P" -C tinh sync >/dev/null
s=$("$P" -C tinh progress show --office tx-kinh-mon --json)
grep -q '"status": "done"' <<<"$s" && ok "province shows the corrected write" || bad "province: $s"
[ "$("$P" -C tinh status --json | json_num held)" = 1 ] && ok "province holds the future change" || bad "province holds nothing"
PLANSYNC_FAKE_NOW_MS=$((future + 1000)) "$P" -C tinh sync >/dev/null
s=$(PLANSYNC_FAKE_NOW_MS=$((future + 1000)) "$P" -C tinh progress show --office tx-kinh-mon --json)
grep -q '"status": "done"' <<<"$s" && ok "the later write still wins once the future one applies" || bad "province after release: $s"
grep -q 'đồng hồ sai' <<<"$s" && ok "the future change's other field applies" || bad "note of the future change lost: $s"
# the province's receipts (issue 12) go out with its next sync
"$P" -C tinh sync >/dev/null
"$P" -C a1 sync >/dev/null
[ "$("$P" -C tinh dump | sha256sum)" = "$("$P" -C a1 dump | sha256sum)" ] && ok "writer and reader agree" || bad "dumps differ"
PLANSYNC_FAKE_NOW_MS=$((future + 1000)) "$P" -C tinh rebuild >/dev/null
[ "$("$P" -C tinh dump | sha256sum)" = "$("$P" -C a1 dump | sha256sum)" ] && ok "rebuild gives the same state" || bad "rebuild differs"

# 4. a reader with a raised sync.max_drift accepts a far-future change but its clock stays
district b1 binh-giang b1
"$P" -C b1 sync >/dev/null
far=$((now_ms + 200 * 86400 * 1000))
PLANSYNC_FAKE_NOW_MS=$far "$P" -C b1 progress set p1-t1 2021 --status at_risk >/dev/null
"$P" -C b1 sync >/dev/null
"$P" -C tinh config sync.max_drift 31536000 >/dev/null
"$P" -C tinh sync >/dev/null
s=$("$P" -C tinh progress show --office binh-giang --json)
grep -q '"status": "at_risk"' <<<"$s" && ok "raised drift: the far-future change applies" || bad "raised drift: $s"
"$P" -C tinh progress set p1-t1 2021 --status on_track >/dev/null
t=$(last_ms tinh)
[ "$t" -le $(($(date +%s) * 1000 + 600000)) ] && ok "the reader's next write is stamped now" || bad "reader's clock dragged to $t"

# 5. ids stay unique when the clock goes back and passes an old value again
t0=$((now_ms + 5000))
PLANSYNC_FAKE_NOW_MS=$t0 "$P" -C b1 progress set p2-t7 2021 --percent 10 >/dev/null
PLANSYNC_FAKE_NOW_MS=$((t0 + year_ms)) "$P" -C b1 progress set p2-t7 2021 --percent 20 >/dev/null
PLANSYNC_FAKE_NOW_MS=$t0 "$P" -C b1 progress set p2-t7 2021 --percent 30 >/dev/null && ok "write at a repeated clock value succeeds" || bad "write at a repeated clock value failed"
n=$("$P" -C b1 log progress/binh-giang/p2-t7/2021 -n 0 --json | grep -c '"id"')
[ "$n" = 3 ] && ok "three distinct changes" || bad "expected 3 changes, got $n"
s=$(PLANSYNC_FAKE_NOW_MS=$t0 "$P" -C b1 progress show --office binh-giang --task p2-t7 --json)
grep -q '"percent": 30' <<<"$s" && ok "the newest write wins over its future-stamped base" || bad "b1: $s"
"$P" -C b1 sync >/dev/null
"$P" -C tinh sync >/dev/null
PLANSYNC_FAKE_NOW_MS=$((t0 + year_ms + 1000)) "$P" -C tinh sync >/dev/null
s=$("$P" -C tinh progress show --office binh-giang --task p2-t7 --json)
grep -q '"percent": 30' <<<"$s" && ok "province agrees" || bad "province: $s"
# 6. a correction after a chain of three future writes supersedes each of them:
# a reader that has released only the oldest still shows the correction, no conflict
"$P" -C tinh config sync.max_drift 600 >/dev/null # back to the default after 4.
district c1 tu-ky c1
"$P" -C c1 sync >/dev/null
for k in 1 2 3; do
  PLANSYNC_FAKE_NOW_MS=$((now_ms + (2 + k) * 1200000)) "$P" -C c1 progress set p1-t7 2021 --percent $((90 + k)) >/dev/null
done
PLANSYNC_FAKE_NOW_MS=$((now_ms + 5 * 1200000)) "$P" -C c1 sync >/dev/null
"$P" -C c1 progress set p1-t7 2021 --percent 50 --reason "clock fixed" >/dev/null
"$P" -C c1 sync >/dev/null
"$P" -C tinh sync >/dev/null # the correction arrives; the whole future chain is held
t1=$((now_ms + 3 * 1200000)) # the province reaches the first future write only
PLANSYNC_FAKE_NOW_MS=$t1 "$P" -C tinh sync >/dev/null
s=$(PLANSYNC_FAKE_NOW_MS=$t1 "$P" -C tinh progress show --office tu-ky --task p1-t7 --json)
grep -q '"percent": 50' <<<"$s" && ok "the correction wins over a released part of a future chain" || bad "province: $s"
n=$(PLANSYNC_FAKE_NOW_MS=$t1 "$P" -C tinh conflicts --json | grep -c '"record"' || true)
[ "$n" = 0 ] && ok "no conflict while part of the chain is held" || bad "$n conflict(s) at the province"
finish
