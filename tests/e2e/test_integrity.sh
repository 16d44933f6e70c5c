#!/usr/bin/env bash
# Integrity (issue item 8): bit rot in a change's stored bytes is caught
# before export and repaired; plansync check finds damage in plansync.db,
# repo.git and the state and says how to recover; a WAL left by a process
# that died triggers quick_check; a read-only replica still reads.
source "$(dirname "$0")/lib.sh"
trap 'umount "$T/rom" 2>/dev/null || true; rm -rf "$T"' EXIT
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=gc.auto GIT_CONFIG_VALUE_0=0 # no background gc racing the cleanup
setup_province
district a tx-kinh-mon a
"$P" -C a sync >/dev/null

# 1. A clean replica checks clean, with --json too.
out=$("$P" -C a check) && grep -q "ok: no faults" <<<"$out" && ok "clean replica checks ok" || bad "clean check: $out"
"$P" -C a check --json | grep -q '"ok": true' && ok "check --json" || bad "check --json not ok"
"$P" -C tinh check >/dev/null && ok "province checks ok" || bad "province check failed"
"$P" check --help | grep -q -- "--repair" && ok "check --help" || bad "check --help"

# 2. Bit rot in an unexported change's stored bytes: 33 becomes 93.
"$P" -C a progress set p1-t1 2021 --percent 33 >/dev/null
"$P" -C a progress set p1-t1 2022 --percent 44 >/dev/null
sqlite3 a/plansync.db "UPDATE unexported SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"percent\": 33', '\"percent\": 93') AS BLOB) WHERE CAST(bytes AS TEXT) LIKE '%\"percent\": 33%'"
n=$(sqlite3 a/plansync.db "SELECT count(*) FROM unexported WHERE CAST(bytes AS TEXT) LIKE '%\"percent\": 93%'")
[ "$n" = 1 ] || bad "could not flip the stored bytes ($n rows)"
rc=0; out=$("$P" -C a sync --json 2>/dev/null) || rc=$?
[ $rc -eq 8 ] && grep -q '"error": "repair"' <<<"$out" && ok "sync exits 8 (repair) while a damaged change waits" \
  || bad "sync with a damaged change waiting: rc $rc $out"
"$P" -C tinh sync >/dev/null
if "$P" -C tinh progress show --json | grep -q '"percent": 93'; then bad "damaged bytes were exported"; else ok "damaged bytes not exported"; fi
"$P" -C a problems | grep -q "was not exported" && ok "the refusal is a problem with what to do" || bad "no problem recorded"
rc=0; out=$("$P" -C a check 2>&1) || rc=$?
[ $rc -eq 8 ] && grep -q "check --repair" <<<"$out" && ok "check finds the damaged change" || bad "check: rc $rc $out"
"$P" -C a check --repair >/dev/null 2>&1 || true
"$P" -C a check >/dev/null && ok "repaired from its columns" || bad "still damaged after --repair"
"$P" -C a sync >/dev/null
"$P" -C tinh sync >/dev/null
"$P" -C tinh progress show --json | grep -q '"percent": 33' && "$P" -C tinh progress show --json | grep -q '"percent": 44' \
  && ok "after repair both changes arrive intact" || bad "repaired changes did not arrive"

# 3. A damaged fields column (the bytes are intact): repaired from the bytes.
sqlite3 a/plansync.db "UPDATE changes SET fields = replace(fields, '44', '77') WHERE fields LIKE '%44%'"
rc=0; "$P" -C a check >/dev/null 2>&1 || rc=$?
[ $rc -eq 8 ] && ok "columns disagreeing with bytes found" || bad "column damage not found"
"$P" -C a check --repair >/dev/null 2>&1 || true
"$P" -C a check >/dev/null && "$P" -C a progress show --json | grep -q '"percent": 44' && ok "columns repaired" || bad "columns not repaired"

# 4. The state differing from a fold of the changes.
sqlite3 a/plansync.db "UPDATE state SET value = '12' WHERE field = 'percent' AND value = '44'"
rc=0; out=$("$P" -C a check 2>&1) || rc=$?
[ $rc -eq 8 ] && grep -q "rebuild" <<<"$out" && ok "state mismatch found, rebuild named" || bad "state: $rc $out"
"$P" -C a rebuild >/dev/null && "$P" -C a check >/dev/null && ok "rebuild fixes the state" || bad "rebuild"

# 5. A corrupt loose object in repo.git.
# (a's copy of every branch up to date first: the province's branch moved
# when it sent its receipts, issue 12, and the printed refetch below
# assumes nothing else is to be fetched)
"$P" -C a sync >/dev/null
obj=$(git -C a/repo.git rev-parse "refs/heads/replicas/tx-kinh-mon/$(sqlite3 a/plansync.db "SELECT value FROM meta WHERE key='replica'")")
f=a/repo.git/objects/${obj:0:2}/${obj:2}
if [ -f "$f" ]; then
  chmod u+w "$f"; printf 'garbage' > "$f"
  rc=0; out=$("$P" -C a check 2>&1) || rc=$?
  [ $rc -eq 8 ] && grep -q "fetch --refetch" <<<"$out" && ok "damaged Git object found, refetch named" || bad "git: $rc $out"
  eval "$(echo "$out" | grep -E '^\s+(rm -f|git -C)' | sed 's/ && plansync.*//' | tr '\n' ';')"
  "$P" -C a check >/dev/null && ok "the printed commands recover the object" || bad "still damaged after the printed commands"
else
  bad "own commit $obj is not a loose object"
fi

# 6. 200 flipped bytes in plansync.db: check reports it with recovery commands.
cp -a a a2
size=$(stat -c %s a2/plansync.db)
python3 - a2/plansync.db "$size" <<'PY'
import sys, random
p, n = sys.argv[1], int(sys.argv[2])
random.seed(3)
with open(p, 'r+b') as f:
    for _ in range(200):
        off = random.randrange(4096, n)   # leave the header page: SQLite reads it first
        f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0xff]))
PY
rc=0; out=$("$P" -C a2 check 2>&1) || rc=$?
[ $rc -eq 8 ] && grep -q "sqlite3 .*.recover" <<<"$out" && ok "flipped bytes found, recovery commands given" || bad "flipped bytes: rc $rc $out"

# 7. A WAL left by a process that died: quick_check at the next open.
cp -a a a3
cp -a a a4
for d in a3 a4; do
  python3 - $d/plansync.db <<'PY'
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO meta(key, value) VALUES ('x.left', 'behind')")
c.commit()
os._exit(0)  # no close: the WAL stays, as after a crash
PY
  [ -s $d/plansync.db-wal ] || bad "$d: no WAL left behind"
done
"$P" -C a3 status >/dev/null && ok "an intact WAL left behind opens (quick_check ok)" || bad "clean WAL refused"
"$P" -C a3 status | grep -q tx-kinh-mon && ok "and the replica reads" || bad "a3 does not read"
# the same damage with and without a WAL left behind: only then is it checked at open
cp -a a a5
for d in a4 a5; do
  python3 - $d/plansync.db <<'PY'
import sys, random
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
random.seed(5)
for _ in range(200):
    off = random.randrange(4096, len(data))
    data[off] ^= 0xff
open(p, 'wb').write(bytes(data))
PY
done
expect_fail 8 "damaged.*plansync check" "$P" -C a4 status
"$P" -C a5 check >/dev/null 2>&1 && bad "a5: damage not found by check" || ok "a5: check finds the damage a clean open does not look for"

# 8. A read-only replica still reads; writes fail clearly. Also one of
#    schema 2, which cannot be migrated (its own changes keep their bytes in
#    their rows; schema 3 keeps a second copy in unexported until export).
"$P" -C a progress set p1-t2 2023 --percent 6 >/dev/null
cp -a a ro
cp -a a ro2
python3 - ro2 <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/plansync.db")
db.execute("UPDATE changes SET bytes = (SELECT u.bytes FROM unexported u WHERE u.seq = changes.seq), "
           "summary = (SELECT u.summary FROM unexported u WHERE u.seq = changes.seq) "
           "WHERE seq IN (SELECT seq FROM unexported)")
db.execute("DROP TABLE unexported")
db.execute("ALTER TABLE changes DROP COLUMN arrived")  # schema 4
db.execute("ALTER TABLE held DROP COLUMN arrived")
for t in ("changes", "held"):  # schema 5
    db.execute("ALTER TABLE %s DROP COLUMN signer" % t)
    db.execute("ALTER TABLE %s DROP COLUMN signer_replica" % t)
db.execute("DROP TABLE enrol_seen")
db.execute("PRAGMA user_version = 2")
db.commit()
PY
for src in ro ro2; do
  ro_ok=0
  if [ "$(id -u)" = 0 ]; then
    mkdir -p rom && mount --bind $src rom 2>/dev/null && mount -o remount,ro,bind rom 2>/dev/null && ro_ok=1
    RO=rom
  else
    chmod -R a-w $src && ro_ok=1
    RO=$src
  fi
  if [ $ro_ok = 1 ]; then
    "$P" -C $RO status >/dev/null && ok "read-only $src: status" || bad "read-only $src status failed"
    "$P" -C $RO progress show >/dev/null && ok "read-only $src: progress show" || bad "read-only $src progress show failed"
    "$P" -C $RO log >/dev/null && ok "read-only $src: log" || bad "read-only $src log failed"
    "$P" -C $RO dump | cmp -s - <("$P" -C a dump) && ok "read-only $src: dump equals the original's" || bad "read-only $src dump differs"
    "$P" -C $RO check >/dev/null && ok "read-only $src: check" || bad "read-only $src check failed"
    expect_fail 1 "read-only.*writable" "$P" -C $RO progress set p1-t1 2023 --percent 5
    if [ "$(id -u)" = 0 ]; then umount rom; else chmod -R u+w $src; fi
  else
    echo "note: no way to make a read-only directory here; skipped"
  fi
done
# the schema-2 copy, writable again, migrates and exports what waited
"$P" -C ro2 sync >/dev/null && [ "$(sqlite3 ro2/plansync.db 'PRAGMA user_version')" = 5 ] \
  && "$P" -C ro2 check >/dev/null && ok "schema 2 migrated to 5, its waiting change exported" || bad "schema 2 copy did not migrate"
git -C ro2/repo.git log -1 -p "refs/heads/replicas/tx-kinh-mon/$(sqlite3 ro2/plansync.db "SELECT value FROM meta WHERE key='replica'")" | grep -q '"record": "progress/tx-kinh-mon/p1-t2/2023"' \
  && ok "the change that waited in schema 2 is in its commit" || bad "waiting change not exported"
# 9. A replica of schema 1 (no blob ids): migrated on open; its old rows
#    are checked by decoding them against their columns.
cp -a a old
# schema 1 kept every change's bytes in its row: put them back from Git
python3 - old <<'PY'
import sqlite3, subprocess, sys
d = sys.argv[1]
db = sqlite3.connect(d + "/plansync.db")
rows = db.execute("SELECT c.id, c.blob, u.bytes FROM changes c LEFT JOIN unexported u ON u.seq = c.seq "
                  "WHERE length(c.bytes) = 0").fetchall()
for cid, blob, copy in rows:
    b = copy or subprocess.run(["git", "-C", d + "/repo.git", "cat-file", "blob", blob],
                               capture_output=True, check=True).stdout
    db.execute("UPDATE changes SET bytes = ? WHERE id = ?", (b, cid))
db.commit()
PY
sqlite3 old/plansync.db "ALTER TABLE changes DROP COLUMN blob; DROP TABLE backrefs; DROP TABLE unplanned; DROP TABLE refold; DROP TABLE unexported; ALTER TABLE changes DROP COLUMN arrived; ALTER TABLE held DROP COLUMN arrived; ALTER TABLE changes DROP COLUMN signer; ALTER TABLE changes DROP COLUMN signer_replica; ALTER TABLE held DROP COLUMN signer; ALTER TABLE held DROP COLUMN signer_replica; DROP TABLE enrol_seen; PRAGMA user_version = 1"
"$P" -C old status >/dev/null && [ "$(sqlite3 old/plansync.db 'PRAGMA user_version')" = 5 ] \
  && ok "schema 1 migrated to 5" || bad "schema 1 not migrated"
"$P" -C old check >/dev/null && ok "old rows without blob ids check ok" || bad "old rows fail the check"
sqlite3 old/plansync.db "UPDATE changes SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"percent\": 44', '\"percent\": 47') AS BLOB) WHERE blob IS NULL AND CAST(bytes AS TEXT) LIKE '%\"percent\": 44%'"
rc=0; "$P" -C old check >/dev/null 2>&1 || rc=$?
[ $rc -eq 8 ] && ok "damage in an old row is found by decoding" || bad "damage in an old row not found (rc $rc)"
# 10. A table of the schema dropped (integrity_check does not notice): a
#     derived one is found and rebuild makes it again; one only this
#     replica held is found with the way out, never "ok".
# a write that meets the missing table exits 8 too, and says where to go
cp -a a gone-w; sqlite3 gone-w/plansync.db "DROP TABLE heads"
expect_fail 8 "lacks part of its schema.*plansync check" "$P" -C gone-w progress set p1-t1 2023 --percent 5
for t in heads state unplanned; do
  cp -a a "gone-$t"; sqlite3 "gone-$t/plansync.db" "DROP TABLE $t"
  rc=0; out=$("$P" -C "gone-$t" check --json 2>/dev/null) || rc=$?
  [ $rc -eq 8 ] && grep -q "lacks table $t" <<<"$out" && grep -q "rebuild" <<<"$out" \
    && ok "check finds table $t missing (exit 8, JSON)" || bad "table $t dropped: check rc $rc $out"
  "$P" -C "gone-$t" rebuild >/dev/null 2>&1 && "$P" -C "gone-$t" check >/dev/null 2>&1 \
    && ok "rebuild makes table $t again" || bad "rebuild did not recover table $t"
done
cp -a a gone-idx; sqlite3 gone-idx/plansync.db "DROP INDEX changes_local"
rc=0; "$P" -C gone-idx check >/dev/null 2>&1 || rc=$?
[ $rc -eq 8 ] && "$P" -C gone-idx rebuild >/dev/null 2>&1 && "$P" -C gone-idx check >/dev/null 2>&1 \
  && ok "a dropped index is found and made again" || bad "dropped index: check rc $rc"
cp -a a gone-exports; sqlite3 gone-exports/plansync.db "DROP TABLE exports"
rc=0; out=$("$P" -C gone-exports check 2>&1) || rc=$?
[ $rc -eq 8 ] && grep -q "exports" <<<"$out" && grep -q "plansync init" <<<"$out" \
  && ok "a lost table: exit 8 with the way out" || bad "exports dropped: check rc $rc $out"
finish
