#!/usr/bin/env bash
# A bulk push to a directory remote copies the export's pack file as it is
# (lib/packcopy.c). Checked with stock git: the remote holds a pack
# byte-identical to the replica's, git fsck --full is clean and git
# verify-commit accepts the pushed tip; a damaged pack of ours is not
# copied; a kill at the copy's named points or at random moments leaves
# the remote fsck-clean and the next sync delivers everything.
source "$(dirname "$0")/lib.sh"
setup_province
district d binh-giang d1
RANDOM=${SEED:-15}
# bulk PERCENT: one CSV of 375 progress rows (15 tasks x 25 periods)
bulk() {
  {
    echo "task,period,status,percent,actual,note,evidence,reason"
    for t in p1-t1 p1-t2 p1-t3 p1-t4 p1-t5 p1-t6 p1-t7 p2-t1 p2-t2 p2-t3 p2-t4 p2-t5 p2-t6 p2-t8 p3-t2; do
      for y in 2021 2022 2023 2024 2025; do
        for q in "" -q1 -q2 -q3 -q4; do echo "$t,$y$q,on_track,$1,,bulk $1,,"; done
      done
    done
  } > bulk.csv
  "$P" -C d progress import bulk.csv >/dev/null || bad "progress import of 375 rows failed"
}
G=(git --git-dir="$T/remote.git")
ref=refs/heads/replicas/binh-giang/$(replica_of d)
# same_pack FILE: a pack of the remote is byte-identical to FILE
same_pack() {
  local q
  for q in remote.git/objects/pack/pack-*.pack; do cmp -s "$1" "$q" && return 0; done
  return 1
}
# delivered WHAT: the remote's branch is the replica's, fsck --full clean,
# the tip verifies, and its change files are every change the replica wrote
delivered() {
  "${G[@]}" fsck --full --no-progress >/dev/null 2>&1 || bad "$1: git fsck --full of the remote failed: $("${G[@]}" fsck --full 2>&1 | head -3)"
  [ "$("${G[@]}" rev-parse "$ref")" = "$(git --git-dir=d/repo.git rev-parse "$ref")" ] || bad "$1: the remote's branch is not the replica's"
  "${G[@]}" -c gpg.ssh.allowedSignersFile="$T/allowed" verify-commit "$ref" 2>/dev/null || bad "$1: git verify-commit of the pushed tip failed"
  local files rows
  files=$("${G[@]}" log --no-renames --diff-filter=A --format= --name-only "$ref" -- changes/ | sort -u | grep -c '\.json$')
  rows=$(sqlite3 d/plansync.db "SELECT count(*) FROM changes WHERE office = 'binh-giang'")
  [ "$files" = "$rows" ] && ok "$1: $files change files on the remote, as many as the replica's changes" ||
    bad "$1: $files change files on the remote, $rows changes in the replica"
}
"$P" -C tinh keys allowed-signers > allowed

# 1. one bulk sync: the export's pack goes out as it is
bulk 10
"$P" -C d sync >/dev/null 2>&1 || bad "bulk sync failed: $("$P" -C d sync 2>&1)"
same_pack "$(ls -t d/repo.git/objects/pack/pack-*.pack | head -1)" && ok "the remote holds the replica's pack, byte for byte" || bad "no pack of the remote is the replica's (not copied)"
delivered "bulk push"
"$P" -C tinh sync >/dev/null 2>&1 || true
[ "$(sqlite3 tinh/plansync.db "SELECT count(*) FROM changes WHERE office = 'binh-giang'")" = \
  "$(sqlite3 d/plansync.db "SELECT count(*) FROM changes WHERE office = 'binh-giang'")" ] &&
  ok "the province imported every change of the copied pack" || bad "the province lacks changes of the copied pack"

# 2. a damaged pack of ours is not copied: the push refuses as before
bulk 20
PLANSYNC_KILL_AT=push:before "$P" -C d sync >/dev/null 2>&1 || true
before=$("${G[@]}" rev-parse "$ref")
newest=$(ls -t d/repo.git/objects/pack/pack-*.pack | head -1)
cp "$newest" good.pack
chmod u+w "$newest"
size=$(stat -c %s "$newest")
printf 'X' | dd of="$newest" bs=1 seek=$((size / 2)) conv=notrunc status=none
rc=0; "$P" -C d sync >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] && ok "a damaged pack of ours: the sync fails (exit $rc)" || bad "a damaged pack of ours was pushed"
same_pack "$newest" && bad "the damaged pack was copied to the remote" || ok "the damaged pack was not copied"
[ "$("${G[@]}" rev-parse "$ref")" = "$before" ] || bad "the remote's branch moved over a damaged pack"
"${G[@]}" fsck --full --no-progress >/dev/null 2>&1 && ok "remote fsck clean after the refused push" || bad "remote fsck failed after the refused push"
# repaired (the good bytes back): the next sync copies it
cat good.pack > "$newest"
chmod a-w "$newest"
"$P" -C d sync >/dev/null 2>&1 || bad "the sync after the repair failed: $("$P" -C d sync 2>&1)"
delivered "after the repair"
same_pack "$newest" && ok "the repaired pack was copied" || bad "the repaired pack was not copied"

# 3. kills during the copy: at the named points, then at random moments
kills=0
for round in 1 2 3 4 5 6 7 8; do
  bulk $((30 + round))
  case $round in
    1) PLANSYNC_KILL_AT=push:packcopy "$P" -C d sync >/dev/null 2>&1 && rc=0 || rc=$? ;;
    2) PLANSYNC_KILL_AT=push:packidx "$P" -C d sync >/dev/null 2>&1 && rc=0 || rc=$? ;;
    *)
      "$P" -C d sync >/dev/null 2>&1 &
      pid=$!
      sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", (r % 80) / 1000 }')"
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" && rc=0 || rc=$?
      ;;
  esac
  [ "$rc" -eq 137 ] && kills=$((kills + 1))
  "${G[@]}" fsck --full --no-progress >/dev/null 2>&1 || bad "round $round: remote fsck failed after a kill (exit $rc)"
  "$P" -C d sync >/dev/null 2>&1 || bad "round $round: the sync after a kill failed: $("$P" -C d sync 2>&1)"
  delivered "round $round (kill exit $rc)"
done
[ $kills -ge 2 ] && ok "$kills syncs killed during bulk pushes" || bad "only $kills kills happened"
finish
