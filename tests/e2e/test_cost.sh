#!/usr/bin/env bash
# What a one-change sync costs, counted with stock git: the objects the
# push adds to the shared repository and the objects a reader's sync adds to
# its repo.git are the handful the change wrote (its file, the trees along
# its path, the commit), the same with a short history and with a long one;
# and the tip commit's tree holds only its own batch (branch format 2).
source "$(dirname "$0")/lib.sh"
setup_province
district a binh-giang a
district b nam-sach b
objs() { # objs GITDIR: objects stored, loose and packed
  git --git-dir="$1" count-objects -v | awk '/^count:|^in-pack:/ { n += $2 } END { print n }'
}
# one ROUND: a writes one change and syncs, b syncs; sets pushed and read
round() {
  "$P" -C a progress set p1-t1 2021 --percent "$1" --note "vòng $1" >/dev/null
  local r0 b0
  r0=$(objs remote.git); b0=$(objs b/repo.git)
  "$P" -C a sync >/dev/null
  pushed=$(( $(objs remote.git) - r0 ))
  "$P" -C b sync >/dev/null
  read=$(( $(objs b/repo.git) - b0 ))
}
"$P" -C a sync >/dev/null && "$P" -C b sync >/dev/null
round 1; round 2
p_short=$pushed; r_short=$read
# a longer history: 15 commits of 20 changes each
for c in $(seq 1 15); do
  for i in $(seq 1 20); do "$P" -C a progress set "p2-t$(( i % 8 + 1 ))" "202$(( c % 5 + 1 ))" --percent $(( (c * 20 + i) % 101 )) --note "lịch sử $c.$i" >/dev/null; done
  "$P" -C a sync >/dev/null
done
"$P" -C b sync >/dev/null
files=$(git --git-dir=remote.git log --format= --no-renames --diff-filter=A --name-only replicas/binh-giang/binh-giang-a -- changes/ | grep -c .)
[ "$files" -ge 300 ] && ok "history of $files change files on a's branch" || bad "history has only $files files"
round 3
p_long=$pushed; r_long=$read
echo "objects pushed: $p_short (short history), $p_long (long); read by b: $r_short, $r_long"
[ "$p_short" -ge 2 ] && [ "$p_short" -le 8 ] && ok "a one-change push adds $p_short objects to the shared repository" ||
  bad "a one-change push added $p_short objects"
[ "$p_long" = "$p_short" ] && ok "the same after $files changes of history ($p_long)" ||
  bad "a one-change push added $p_long objects after the history, $p_short before"
[ "$r_short" -ge 2 ] && [ "$r_short" -le 8 ] && ok "a one-change sync reads $r_short objects into the reader" ||
  bad "a one-change sync read $r_short objects"
[ "$r_long" = "$r_short" ] && ok "the same after the history ($r_long)" || bad "a one-change sync read $r_long objects after the history, $r_short before"
tip=$(git --git-dir=remote.git rev-parse replicas/binh-giang/binh-giang-a)
[ "$(git --git-dir=remote.git ls-tree -r --name-only "$tip" | sort | tr '\n' ' ')" = "$(git --git-dir=remote.git ls-tree -r --name-only "$tip" -- changes/) plansync.json " ] &&
  [ "$(git --git-dir=remote.git ls-tree -r --name-only "$tip" -- changes/ | wc -l)" = 1 ] &&
  ok "the tip's tree holds its one change and the format file" || bad "tip tree: $(git --git-dir=remote.git ls-tree -r --name-only "$tip" | head)"
git --git-dir=remote.git cat-file -p "$tip:plansync.json" | grep -q '"format": 2' && ok "format 2" || bad "format file"
[ "$("$P" -C b dump)" = "$("$P" -C a dump)" ] && ok "a and b agree" || bad "a and b differ"
# the audit command of the README (with --name-only for counting) lists each change once
n=$(git --git-dir=remote.git log --name-only --no-renames --diff-filter=A --format=%H replicas/binh-giang/binh-giang-a | grep -c 'changes/.*json' || true)
[ "$n" = "$(( files + 1 ))" ] && ok "the README's audit command lists each of the $n changes once" || bad "the audit command lists $n, expected $(( files + 1 ))"

# the delivered count a sync reports (kept incrementally) is status's
"$P" -C a progress set p1-t3 2021 --percent 9 >/dev/null
d_sync=$("$P" -C a sync --json | json_num delivered); d_status=$("$P" -C a status --json | json_num delivered)
[ -n "$d_sync" ] && [ "$d_sync" = "$d_status" ] && [ "$d_sync" -ge 300 ] && ok "sync and status count $d_sync delivered" ||
  bad "sync says $d_sync delivered, status $d_status"
cp -a a a2
"$P" -C a2 sync >/dev/null 2>&1 || true
d_sync=$("$P" -C a2 sync --json | json_num delivered); d_status=$("$P" -C a2 status --json | json_num delivered)
[ "$d_sync" = "$d_status" ] && ok "the same after a copy continued as a new replica ($d_sync)" ||
  bad "after a copy: sync says $d_sync delivered, status $d_status"

# Many offices (300 branches made with git fast-import, format 2): the
# fetched refs are packed, an idle sync touches nothing under repo.git/refs,
# and a sync that brings one change moves one ref. (Other replicas of b's
# office report on the same records: b's syncs may exit 6.)
python3 "$SRC/bench/branches.py" 2 300 > many.stream
git --git-dir=remote.git fast-import --quiet < many.stream
sync_ok b
nb=$(git --git-dir=b/repo.git for-each-ref refs/remotes/origin/replicas | wc -l)
[ "$nb" -ge 302 ] && ok "$nb branches fetched" || bad "only $nb branches fetched"
loose=$(find b/repo.git/refs/remotes -type f | wc -l)
[ "$loose" -le 3 ] && ok "their refs are packed ($loose loose)" || bad "$loose loose tracking refs after fetching $nb branches"
touch marker
sync_ok b
touched=$(find b/repo.git/refs b/repo.git/packed-refs -newer marker | wc -l)
[ "$touched" = 0 ] && ok "an idle sync beside $nb branches touches no ref" || bad "an idle sync touched $touched ref files or directories"
"$P" -C a progress set p1-t2 2021 --percent 5 >/dev/null && sync_ok a
touch marker
sync_ok b
moved=$(find b/repo.git/refs b/repo.git/packed-refs -newer marker -type f | wc -l)
[ "$moved" = 1 ] && ok "a sync that brings one change moves one ref" || bad "a sync that brings one change wrote $moved ref files"
finish
