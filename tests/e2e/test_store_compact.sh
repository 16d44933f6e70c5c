#!/usr/bin/env bash
# Storage: a change of another replica is stored without its bytes (they
# are its columns' encoding, checked by the blob id); a replica written
# before that (imported rows keeping their bytes) opens, checks, syncs and
# rebuilds with its rows as they are; damaged columns of a row without
# bytes are found and repaired from the Git object it was read from.
source "$(dirname "$0")/lib.sh"
setup_province
district a binh-giang a
district b nam-sach b
"$P" -C a progress set p1-t1 2021 --percent 31 --note "Đã hoàn thành rà soát; \"chờ\" phê duyệt" >/dev/null
"$P" -C a progress set p1-t1 2021 --percent 32 >/dev/null
"$P" -C a sync >/dev/null
"$P" -C b sync >/dev/null
db=b/plansync.db

# 1. Imported rows keep no bytes; own rows keep theirs; the check reads
#    every row's bytes from its columns and finds them intact.
[ "$(sqlite3 $db "SELECT count(*) FROM changes WHERE local = 0 AND length(bytes) > 0")" = 0 ] \
  && [ "$(sqlite3 $db "SELECT count(*) FROM changes WHERE local = 0")" -gt 2 ] \
  && ok "imported rows are stored without their bytes" || bad "imported rows keep bytes"
[ "$(sqlite3 a/plansync.db "SELECT count(*) FROM changes WHERE local = 1 AND length(bytes) > 0")" = 0 ] \
  && [ "$(sqlite3 a/plansync.db "SELECT count(*) FROM unexported")" = 0 ] \
  && ok "own rows, once exported, are stored without their bytes too" || bad "exported own rows keep bytes"
"$P" -C b check >/dev/null && ok "a replica of compact rows checks ok" || bad "compact rows fail the check"
"$P" -C b progress show --office binh-giang --json | grep -q '"percent": 32' && ok "imported state reads" \
  || bad "imported state missing"

# 2. Rows as a replica written before kept them (imported rows with their
#    bytes, from their Git objects) open, check, sync and rebuild as they are.
sqlite3 $db "SELECT id, blob FROM changes WHERE local = 0 ORDER BY seq LIMIT 25" | while IFS='|' read -r id blob; do
  git -C b/repo.git cat-file blob "$blob" > row.json
  sqlite3 $db "UPDATE changes SET bytes = readfile('$T/row.json') WHERE id = '$id'"
done
n_old=$(sqlite3 $db "SELECT count(*) FROM changes WHERE local = 0 AND length(bytes) > 0")
[ "$n_old" = 25 ] && ok "25 rows in the earlier form" || bad "earlier form: $n_old rows"
"$P" -C b check >/dev/null && ok "rows in the earlier form check ok" || bad "earlier rows fail the check"
"$P" -C a progress set p1-t1 2021 --percent 33 >/dev/null
"$P" -C a sync >/dev/null
"$P" -C b sync >/dev/null
"$P" -C b progress show --office binh-giang --json | grep -q '"percent": 33' && ok "a new change applies beside them" \
  || bad "new change missing"
[ "$(sqlite3 $db "SELECT count(*) FROM changes WHERE local = 0 AND length(bytes) > 0")" = 25 ] \
  && ok "earlier rows kept as they were, the new one compact" || bad "rows changed form"
"$P" -C b rebuild >/dev/null && "$P" -C b check >/dev/null && ok "rebuild and check agree" || bad "rebuild/check"
[ "$(sqlite3 $db "SELECT count(*) FROM problems")" = 0 ] && ok "reading the branches again raised no alarm" \
  || bad "problems after rebuild: $(sqlite3 $db "SELECT reason FROM problems")"

# 3. Damaged columns of a compact row: found, repaired from its Git object.
id=$(sqlite3 $db "SELECT id FROM changes WHERE local = 0 AND length(bytes) = 0 AND fields LIKE '%\"percent\":32%'")
sqlite3 $db "UPDATE changes SET fields = replace(fields, '32', '39') WHERE id = '$id'"
rc=0; out=$("$P" -C b check 2>&1) || rc=$?
[ $rc -eq 8 ] && grep -q "$id" <<<"$out" && ok "damaged columns found by the blob id" || bad "damage: rc $rc $out"
"$P" -C b check --repair >/dev/null 2>&1 || true
"$P" -C b check >/dev/null && [ "$(sqlite3 $db "SELECT fields LIKE '%\"percent\":32%' FROM changes WHERE id = '$id'")" = 1 ] \
  && ok "repaired from the Git object" || bad "not repaired"

# 4. An own change keeps a second copy of its bytes (and its commit summary)
#    until it is exported, then only its columns, like an imported one.
"$P" -C a progress set p1-t3 2021 --percent 7 >/dev/null
id=$("$P" -C a log progress/binh-giang/p1-t3/2021 -n 1 --json | sed -n 's/.*"id": "\(.*\)".*/\1/p' | head -1)
[ "$(sqlite3 a/plansync.db "SELECT count(*) FROM unexported u JOIN changes c ON c.seq = u.seq WHERE c.id = '$id' AND u.summary IS NOT NULL")" = 1 ] \
  && [ "$(sqlite3 a/plansync.db "SELECT count(*) FROM unexported")" = 1 ] \
  && [ "$(sqlite3 a/plansync.db "SELECT length(bytes) FROM changes WHERE id = '$id'")" = 0 ] \
  && ok "an unexported own change keeps a second copy of its bytes" || bad "no second copy before export"
blob=$(sqlite3 a/plansync.db "SELECT blob FROM changes WHERE id = '$id'")
sqlite3 a/plansync.db "SELECT writefile('$T/copy.json', bytes) FROM unexported" >/dev/null
[ "$(git hash-object copy.json)" = "$blob" ] \
  && ok "the copy is the change file's bytes (git hash-object)" || bad "the copy differs from the blob id"
"$P" -C a sync >/dev/null
[ "$(sqlite3 a/plansync.db "SELECT count(*) FROM unexported")" = 0 ] && [ "$(git -C a/repo.git cat-file -t "$blob")" = blob ] \
  && ok "the export moves the copy into Git" || bad "copy kept after export"
"$P" -C a check >/dev/null && "$P" -C a rebuild >/dev/null && "$P" -C a check >/dev/null \
  && ok "check and rebuild read own rows from their columns" || bad "own compact rows fail check/rebuild"
"$P" -C b sync >/dev/null
"$P" -C b progress show --office binh-giang --json | grep -q '"percent": 7' && ok "the change arrived" || bad "not delivered"

# 5. What a large export frees goes back to the file system, 4 MiB per quiet
#    daemon cycle (free pages made here with stock sqlite3: a table dropped).
[ "$(sqlite3 a/plansync.db 'PRAGMA auto_vacuum')" = 2 ] && ok "a new replica can give pages back (auto_vacuum)" \
  || bad "auto_vacuum not set on a new replica"
sqlite3 a/plansync.db "CREATE TABLE junk(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
  INSERT INTO junk SELECT randomblob(3000) FROM n; DROP TABLE junk; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
free0=$(sqlite3 a/plansync.db 'PRAGMA freelist_count'); size0=$(stat -c %s a/plansync.db)
D=${PLANSYNCD:?set PLANSYNCD}
"$D" -C a --interval 1 --foreground 2>>a.log & dpid=$!
for _ in $(seq 100); do
  [ "$(sqlite3 a/plansync.db 'PRAGMA freelist_count')" -lt 1024 ] && break; sleep 0.2
done
kill $dpid; wait $dpid 2>/dev/null
sqlite3 a/plansync.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
free1=$(sqlite3 a/plansync.db 'PRAGMA freelist_count'); size1=$(stat -c %s a/plansync.db)
[ "$free0" -ge 2900 ] && [ "$free1" -lt 1024 ] && [ "$size1" -lt $((size0 - 7000000)) ] \
  && ok "the daemon gave $((free0 - free1)) free pages back ($size0 -> $size1 bytes)" \
  || bad "free pages kept: $free0 -> $free1, $size0 -> $size1 bytes"
"$P" -C a check >/dev/null && ok "the replica checks ok after" || bad "check after giving pages back"
finish
