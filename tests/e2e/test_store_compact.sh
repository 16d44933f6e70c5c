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
[ "$(sqlite3 a/plansync.db "SELECT count(*) FROM changes WHERE local = 1 AND length(bytes) = 0")" = 0 ] \
  && ok "own rows keep their bytes" || bad "own rows lost their bytes"
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
finish
