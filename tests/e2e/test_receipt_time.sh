#!/usr/bin/env bash
# When a report was received, by the province's clock (issue 12 item 3):
# the receipt is dated when the province's replica first had the report,
# whatever the sync that writes it. A province sync killed between the
# import and the receipts (the next sync, which imports nothing, writes
# it with the arrival time); a report held for a district clock ahead of
# the province's (dated at the fetch that held it, not when it applied);
# a report withdrawn and filed again after the due date (a new receipt,
# late, on every replica). Checked against plansync.db (sqlite3: the
# changes' arrival, the held table) and the dump, with times computed
# here from the fake clock.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 missing"; exit 0; }

# 2025-q4 is due 2026-01-15 in the bundled plan: late from 17:00 UTC that day.
DAY=86400000
T0=1768003200000 # 2026-01-10T00:00Z
export PLANSYNC_FAKE_NOW_MS=$T0
setup_province
district km tx-kinh-mon pc1
district bg binh-giang pc1
iso() { python3 -c 'import sys, datetime; print(datetime.datetime.fromtimestamp(int(sys.argv[1]) // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1"; }
# receipt REPLICA OFFICE FIELD: the receipt's field on p1-t1 2025-q4 in the dump, as JSON.
receipt() {
  "$P" -C "$1" dump | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [x for x in d["records"] if x["id"] == "receipt/%s/p1-t1/2025-q4" % sys.argv[1] and not x["retired"]]
print(json.dumps(r[0]["fields"].get(sys.argv[2])) if r else "absent")' "$2" "$3"
}
arrived() { sqlite3 tinh/plansync.db "SELECT arrived FROM changes WHERE id = '$1'"; }

# ---- a sync killed between the import and the receipts ----
"$P" -C km progress set p1-t1 2025-q4 --percent 10 >/dev/null
sync_ok km
(PLANSYNC_KILL_AT=import:committed "$P" -C tinh sync) >/dev/null 2>&1 || true
c1=$(sqlite3 km/plansync.db "SELECT id FROM changes WHERE record = 'progress/tx-kinh-mon/p1-t1/2025-q4'")
[ "$(arrived "$c1")" = "$T0" ] && ok "the province notes when the report arrived" || bad "arrived $(arrived "$c1"), want $T0"
[ "$(receipt tinh tx-kinh-mon received)" = absent ] && ok "killed before the receipt: none yet" || bad "a receipt already"
PLANSYNC_FAKE_NOW_MS=$((T0 + 2 * DAY)) "$P" -C tinh sync >/dev/null || bad "province sync"
[ "$(receipt tinh tx-kinh-mon received)" = "\"$(iso $T0)\"" ] \
  && ok "the next sync, importing nothing, writes it dated at the arrival ($(iso $T0))" \
  || bad "receipt received $(receipt tinh tx-kinh-mon received), want $(iso $T0)"
[ "$(receipt tinh tx-kinh-mon change)" = "\"$c1\"" ] && ok "it names the report's change" || bad "receipt change $(receipt tinh tx-kinh-mon change)"

# ---- a district clock a day ahead: held, dated at the fetch ----
D=1768471200000 # 2026-01-15T10:00Z, before the deadline
PLANSYNC_FAKE_NOW_MS=$((D + DAY)) "$P" -C bg progress set p1-t1 2025-q4 --percent 20 >/dev/null
PLANSYNC_FAKE_NOW_MS=$((D + DAY)) "$P" -C bg sync >/dev/null || bad "bg sync"
PLANSYNC_FAKE_NOW_MS=$D "$P" -C tinh sync >/dev/null 2>&1 || true
c2=$(sqlite3 bg/plansync.db "SELECT id FROM changes WHERE record = 'progress/binh-giang/p1-t1/2025-q4'")
[ "$(sqlite3 tinh/plansync.db "SELECT arrived FROM held WHERE id = '$c2'")" = "$D" ] \
  && ok "the held report's arrival is noted when it is fetched" || bad "held arrival not $D"
[ "$(receipt tinh binh-giang received)" = absent ] && ok "no receipt while held" || bad "a receipt for a held report"
PLANSYNC_FAKE_NOW_MS=$((D + DAY + 60000)) "$P" -C tinh sync >/dev/null 2>&1 || true
[ "$(arrived "$c2")" = "$D" ] && ok "applied, it keeps its arrival" || bad "arrived $(arrived "$c2"), want $D"
[ "$(receipt tinh binh-giang received)" = "\"$(iso $D)\"" ] && [ "$(receipt tinh binh-giang late)" = false ] \
  && ok "its receipt is dated at the fetch, on time" \
  || bad "receipt $(receipt tinh binh-giang received) late $(receipt tinh binh-giang late), want $(iso $D) false"

# ---- withdrawn before the due date, filed again after it ----
export PLANSYNC_FAKE_NOW_MS=$((D + 2 * DAY)) # 2026-01-17
"$P" -C km progress withdraw p1-t1 2025-q4 --reason "nhập nhầm" >/dev/null
sync_ok km
sync_ok tinh
[ "$(receipt tinh tx-kinh-mon change)" = "\"$c1\"" ] && ok "withdrawn: the old receipt stays, unused" || bad "receipt changed on withdrawal"
export PLANSYNC_FAKE_NOW_MS=$((D + 5 * DAY)) # 2026-01-20
"$P" -C km progress set p1-t1 2025-q4 --percent 60 >/dev/null
sync_ok km
export PLANSYNC_FAKE_NOW_MS=$((D + 6 * DAY)) # the province has it a day later
sync_ok tinh
c3=$(sqlite3 km/plansync.db "SELECT min(id) FROM changes WHERE record = 'progress/tx-kinh-mon/p1-t1/2025-q4' AND op = 'set' AND id > (SELECT max(id) FROM changes WHERE record = 'progress/tx-kinh-mon/p1-t1/2025-q4' AND op = 'retire')")
want=$(iso $((D + 6 * DAY)))
all_sync() { for r in "$@"; do sync_ok "$r"; done; }
all_sync km bg tinh km bg
for r in tinh km bg; do
  [ "$(receipt $r tx-kinh-mon change)" = "\"$c3\"" ] && [ "$(receipt $r tx-kinh-mon late)" = true ] \
    && [ "$(receipt $r tx-kinh-mon received)" = "\"$want\"" ] \
    && ok "$r: the refiled report's receipt counts: late, received $want" \
    || bad "$r: receipt $(receipt $r tx-kinh-mon change) late $(receipt $r tx-kinh-mon late) received $(receipt $r tx-kinh-mon received); want $c3 true $want"
  "$P" -C "$r" progress show --late --office tx-kinh-mon --json | grep -q '"period": "2025-q4"' \
    && ok "$r: progress show --late lists it" || bad "$r: not in progress show --late"
done
n=$(sqlite3 tinh/plansync.db "SELECT count(*) FROM changes WHERE record = 'receipt/tx-kinh-mon/p1-t1/2025-q4'")
[ "$n" = 2 ] && ok "two receipts kept, the newer report's counts" || bad "$n receipt changes"
c=$(sqlite3 km/plansync.db "SELECT count(*) FROM conflicts WHERE record LIKE 'receipt/%'")
[ "$c" = 0 ] && ok "no conflict over receipts" || bad "$c receipt conflicts"
[ "$("$P" -C tinh dump)" = "$("$P" -C km dump)" ] && ok "province and district agree" || bad "dumps differ"
finish
