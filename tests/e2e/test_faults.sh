#!/usr/bin/env bash
# The faults an office meets, done with stock tools: a malformed commit
# anywhere in the remote, a push killed with its lock left in the shared
# repository, a replica copied with cp -a, re-created with the same id, or
# its branch appended to by someone else, a branch force-pushed, a branch
# deleted before a rebuild, and the shared repository lost. Each must leave
# every replica syncing, with every write delivered exactly once.
source "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
setup_province
district a tx-kinh-mon a
district b binh-giang b
"$P" -C a sync >/dev/null
"$P" -C b sync >/dev/null

# distinct(DIR): every progress record's note, sorted (the writes that landed)
notes() { "$P" -C "$1" dump | grep -o '"note": "[^"]*"' | sort; }
# once(ID-FRAGMENT): a change file with this note exists exactly once on the remote
remote_changes() {
  for r in $(git --git-dir=remote.git for-each-ref --format='%(refname)' refs/heads/replicas/); do
    git --git-dir=remote.git log --format= --no-renames --diff-filter=A --name-only "$r" -- changes/
  done | sort | uniq | wc -l
}
converge() { # converge DIR...: three rounds of sync everywhere
  for _ in 1 2 3; do for d in "$@"; do "$P" -C "$d" sync >/dev/null 2>&1 || true; done; done
}
same_dumps() { # same_dumps WHAT DIR...
  local what=$1 first=$2; shift 2
  local ref; ref=$("$P" -C "$first" dump)
  for d in "$@"; do
    [ "$("$P" -C "$d" dump)" = "$ref" ] || { bad "$what: $d differs from $first"; return; }
  done
  ok "$what: dumps equal"
}
malformed() { # malformed GITDIR: a commit object with no author line
  local tree
  tree=$(git --git-dir="$1" hash-object -w -t tree --stdin </dev/null)
  printf 'tree %s\ncommitter x <x> 0 +0000\n\nno author\n' "$tree" |
    git --git-dir="$1" hash-object -w -t commit --literally --stdin
}

# 1. One malformed commit under refs/tags, refs/heads/main and a replica
#    branch: every other branch still imports, a new replica gets the plan.
bad_commit=$(malformed remote.git)
git --git-dir=remote.git update-ref refs/tags/v1 "$bad_commit"
git --git-dir=remote.git update-ref refs/heads/main "$bad_commit"
git --git-dir=remote.git update-ref refs/heads/replicas/nam-sach/nam-sach-x "$bad_commit"
"$P" -C a progress set p1-t1 2021 --percent 11 --note f1-a >/dev/null
rc=0; "$P" -C a sync >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && ok "sync beside a malformed commit exits 0" || bad "sync beside a malformed commit exited $rc"
rc=0; "$P" init fresh --office tp-hai-duong --replica f --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && ok "init beside a malformed commit exits 0" || bad "init beside a malformed commit exited $rc"
n=$("$P" -C fresh plan tasks --json 2>/dev/null | grep -c '"id"' || true)
[ "${n:-0}" -ge 30 ] && ok "a new replica gets the plan ($n tasks)" || bad "new replica has ${n:-0} tasks"
"$P" -C fresh problems --json | grep -q 'nam-sach-x' && ok "malformed replica branch quarantined" ||
  bad "malformed replica branch not reported"
"$P" -C fresh problems --json | grep -q 'refs/tags\|heads/main' && bad "refs outside replicas/ were judged" ||
  ok "refs outside replicas/ are not ours"
"$P" -C b sync >/dev/null 2>&1 || true
notes b | grep -q f1-a && ok "b imported a's write past the bad branch" || bad "b did not import a's write"
git --git-dir=remote.git update-ref -d refs/tags/v1
git --git-dir=remote.git update-ref -d refs/heads/main
git --git-dir=remote.git update-ref -d refs/heads/replicas/nam-sach/nam-sach-x

# 2. A push killed with its ref lock left in the shared repository.
"$P" -C a progress set p1-t1 2022 --percent 22 --note f2-a >/dev/null
mkdir -p remote.git/refs/heads/replicas/tx-kinh-mon && touch remote.git/refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a.lock
rc=0; "$P" -C a sync >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && ok "push past a stale lock of our own ref" || bad "push past a stale lock exited $rc"
[ ! -e remote.git/refs/heads/replicas/tx-kinh-mon/tx-kinh-mon-a.lock ] && ok "stale lock cleared" || bad "stale lock left"
"$P" -C b sync >/dev/null 2>&1 || true
notes b | grep -q f2-a && ok "the write reached b" || bad "f2-a did not reach b"
# a lock on another replica's ref is not ours to clear
mkdir -p remote.git/refs/heads/replicas/binh-giang && touch remote.git/refs/heads/replicas/binh-giang/binh-giang-b.lock
"$P" -C a sync >/dev/null 2>&1 || true
[ -e remote.git/refs/heads/replicas/binh-giang/binh-giang-b.lock ] && ok "another replica's lock left alone" ||
  bad "a cleared another replica's lock"
rm -f remote.git/refs/heads/replicas/binh-giang/binh-giang-b.lock
# an unreachable remote exits 5 (a refused push, 7, is tested over ssh in
# test_network.sh: a path remote runs no server hooks)
"$P" -C a progress set p1-t1 2023 --percent 23 --note f2-later >/dev/null
mv remote.git remote.away
rc=0; "$P" -C a sync >/dev/null 2>&1 || rc=$?
mv remote.away remote.git
[ "$rc" = 5 ] && ok "unreachable remote exits 5" || bad "unreachable remote exited $rc"
"$P" -C a sync >/dev/null 2>&1 || true
"$P" -C b sync >/dev/null 2>&1 || true
notes b | grep -q f2-later && ok "a queued write goes out once the remote is back" || bad "f2-later not delivered"

# 4a. cp -a: the copy continues as a new replica of the same office.
"$P" -C a progress set p2-t6 2021 --percent 40 --note f4-before-copy >/dev/null
cp -a a a2
"$P" -C a progress set p2-t6 2022 --percent 41 --note f4-orig >/dev/null
"$P" -C a2 progress set p2-t7 2022 --percent 42 --note f4-copy >/dev/null
"$P" -C a sync >/dev/null 2>&1 || true
rc=0; "$P" -C a2 sync >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && ok "the copy syncs" || bad "the copy's sync exited $rc"
id1=$("$P" -C a status --json | sed -n 's/.*"replica": "\([^"]*\)".*/\1/p' | head -1)
id2=$("$P" -C a2 status --json | sed -n 's/.*"replica": "\([^"]*\)".*/\1/p' | head -1)
[ -n "$id1" ] && [ "$id1" != "$id2" ] && ok "copy has its own replica id ($id1, $id2)" || bad "copy id '$id2' vs '$id1'"
# a new id has a new key: the province enrols it
enrol a2
converge a a2 b tinh
for n in f4-before-copy f4-orig f4-copy; do
  notes tinh | grep -q "$n" && ok "$n reached the province" || bad "$n did not reach the province"
done
c=$("$P" -C tinh log --json 2>/dev/null | grep -c 'f4-before-copy' || true)
[ "$c" = 1 ] && ok "the write made before the copy shows once in the log" || bad "f4-before-copy shows $c times"
same_dumps "after a copy" tinh a a2 b

# 4b. Another office appends a commit to a's branch with stock git.
git clone -q remote.git work 2>/dev/null
git -C work checkout -q "replicas/tx-kinh-mon/$id1"
echo '{}' > work/stray.txt
# signed with a's key (a disk-level copy of it): readers judge its files
sign_as a
git -C work add stray.txt && git -C work commit -qm "stray commit"
unsign
git -C work push -q origin "HEAD:refs/heads/replicas/tx-kinh-mon/$id1" 2>/dev/null
"$P" -C a progress set p2-t6 2023 --percent 43 --note f4-after-foreign >/dev/null
rc=0; "$P" -C a sync >/dev/null 2>&1 || rc=$?
enrol a # it continues under a new id, with a new key
[ "$rc" = 0 ] && ok "sync after a foreign commit on our branch" || bad "sync after a foreign commit exited $rc"
"$P" -C a problems --json | grep -qi 'did not write\|foreign\|not written by' && ok "foreign commit reported" ||
  bad "foreign commit not reported"
converge a a2 b tinh
notes tinh | grep -q f4-after-foreign && ok "writes after the foreign commit reach the province" ||
  bad "f4-after-foreign did not reach the province"

# 4c. Re-created with the same replica id after its database was lost.
"$P" -C b progress set p3-t2 2021 --percent 50 --note f4-b-old >/dev/null
"$P" -C b sync >/dev/null
rm -rf b
district b binh-giang b
"$P" -C b sync >/dev/null 2>&1 || true
notes b | grep -q f4-b-old && ok "re-created replica shows its own delivered reports" ||
  bad "re-created replica lost its own reports"
"$P" -C b progress set p3-t2 2022 --percent 51 --note f4-b-new >/dev/null
rc=0; "$P" -C b sync >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && ok "re-created replica pushes" || bad "re-created replica's sync exited $rc"
converge a a2 b tinh
notes tinh | grep -q f4-b-new && ok "re-created replica's new write reaches the province" ||
  bad "f4-b-new did not reach the province"
same_dumps "after identity faults" tinh a a2 b

# 5. rebuild after a branch was deleted on the remote keeps its changes.
"$P" -C a2 progress set p1-t1 2024 --percent 55 --note f5-gone >/dev/null
converge a2 tinh a b
a2id=$("$P" -C a2 status --json | sed -n 's/.*"replica": "\([^"]*\)".*/\1/p' | head -1)
a2tip=$(git --git-dir=remote.git rev-parse "refs/heads/replicas/tx-kinh-mon/$a2id")
git --git-dir=remote.git update-ref -d "refs/heads/replicas/tx-kinh-mon/$a2id"
"$P" -C tinh sync >/dev/null 2>&1 || true
"$P" -C tinh rebuild >/dev/null 2>&1 || bad "rebuild failed"
notes tinh | grep -q f5-gone && ok "rebuild keeps a deleted branch's changes" || bad "rebuild lost f5-gone"
git --git-dir=remote.git update-ref "refs/heads/replicas/tx-kinh-mon/$a2id" "$a2tip"
converge tinh a b
cp a2/key a2.key # the squash below is signed with the key of the replica that wrote the branch
rm -rf a2

# 7. A force-pushed branch: every replica ends with the same version.
"$P" -C b progress set p3-t2 2023 --percent 60 --note f7-v1 >/dev/null
converge b tinh a
bid=$("$P" -C b status --json | sed -n 's/.*"replica": "\([^"]*\)".*/\1/p' | head -1)
rm -rf work && git clone -q remote.git work 2>/dev/null
git -C work checkout -q "replicas/binh-giang/$bid"
f=$(git -C work grep -l f7-v1 -- changes | head -1)
sed -i 's/f7-v1/f7-v2/' "work/$f"
sign_as b
git -C work commit -qa --amend -m "rewritten"
unsign
git -C work push -qf origin "HEAD:refs/heads/replicas/binh-giang/$bid" 2>/dev/null
"$P" init late --office tp-hai-duong --replica l --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || true
converge tinh a b late
enrol b # b saw its branch rewritten: it continues under a new id, with a new key
converge tinh a b late
"$P" -C tinh problems --json | grep -q 'history rewritten' && ok "rewrite reported where it can be seen" ||
  bad "rewrite not reported"
same_dumps "after a force push" tinh a b late
# the same on a branch whose replica is gone (a2): the current version
# counts everywhere, for replicas that saw the old one and for new ones
rm -rf work && git clone -q remote.git work 2>/dev/null
git -C work checkout -q "replicas/tx-kinh-mon/$a2id"
# every commit's files (each commit's tree holds only its own) in one tree
for c in $(git -C work rev-list "replicas/tx-kinh-mon/$a2id"); do git -C work checkout -q "$c" -- .; done
f=$(git -C work grep -l f4-copy -- changes | head -1)
sed -i 's/f4-copy/f4-copy-v2/' "work/$f"
git -C work add -A
sign_as a2.key
root=$(git -C work commit-tree $GIT_SIGN "$(git -C work write-tree)" -m "history squashed, one change altered")
unsign
git -C work push -qf origin "$root:refs/heads/replicas/tx-kinh-mon/$a2id" 2>/dev/null
"$P" init late2 --office tp-hai-duong --replica m --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || true
converge tinh a b late late2
notes tinh | grep -q f4-copy-v2 && ok "the rewritten version counts where the old one was seen" ||
  bad "tinh kept the old version of a rewritten change"
same_dumps "after a force push with the writer gone" tinh a b late late2

# A clock that is now behind (set back a year) does not take this replica's
# own past changes for future ones: no long bases, nothing written again.
for i in 1 2 3 4 5; do "$P" -C b progress set p3-t2 2024 --percent $((i * 10)) >/dev/null; done
"$P" -C b sync >/dev/null 2>&1 || true
back=$(( $(date +%s%3N) - 365 * 86400000 ))
PLANSYNC_FAKE_NOW_MS=$back "$P" -C b progress set p3-t2 2024 --percent 77 >/dev/null || bad "write with a clock set back"
nb=$(sqlite3 b/plansync.db "SELECT count(*) FROM edges WHERE child = (SELECT id FROM changes WHERE local = 1 ORDER BY seq DESC LIMIT 1)")
[ "$nb" -le 2 ] && ok "a clock set back names $nb base(s), not the whole history" || bad "a clock set back named $nb bases"
ex=$(PLANSYNC_FAKE_NOW_MS=$back "$P" -C b sync --json 2>/dev/null | json_num exported)
[ "${ex:-0}" -le 1 ] && ok "a clock set back writes nothing again ($ex exported)" || bad "a clock set back wrote $ex changes"

# Losing the shared repository: seed a new one from any replica.
mv remote.git remote.lost
git init -q --bare remote2.git
rc=0; "$P" -C tinh remote seed "$T/remote2.git" >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] && ok "remote seed" || bad "remote seed exited $rc"
for d in tinh a b late late2; do "$P" -C "$d" config remote "$T/remote2.git" >/dev/null; done
"$P" -C a progress set p1-t1 2025 --percent 70 --note f8-new-remote >/dev/null
converge tinh a b late late2
notes late | grep -q f8-new-remote && ok "a write reaches others through the new remote" || bad "f8 not delivered"
same_dumps "after moving to a new remote" tinh a b late late2
for d in tinh a b late late2; do
  sqlite3 "$d/plansync.db" 'PRAGMA integrity_check' | grep -qx ok || bad "$d: integrity_check"
  git --git-dir="$d/repo.git" fsck --no-progress >/dev/null 2>&1 || bad "$d: git fsck"
done
git --git-dir=remote2.git fsck --no-progress >/dev/null 2>&1 && ok "new remote fsck clean" || bad "new remote fsck"
# repo.git lost (deleted, a partial restore) with a change exported but not
# pushed and one still queued: sync exits 8; check's way out keeps them
# (an empty repo.git, then one sync, which takes the remote from the
# setting), and both arrive.
"$P" -C a progress set p1-t2 2025 --percent 71 --note f9-unpushed >/dev/null
mv remote2.git remote2.off; "$P" -C a sync >/dev/null 2>&1 || true; mv remote2.off remote2.git
"$P" -C a progress set p1-t3 2025 --percent 72 --note f9-queued >/dev/null
rm -rf a/repo.git
expect_fail 8 "repo.git is missing.*plansync check" "$P" -C a sync
rc=0; out=$("$P" -C a check 2>&1) || rc=$?
[ $rc -eq 8 ] && grep -q "git init --bare" <<<"$out" && ! grep -q "plansync init NEWDIR" <<<"$out" \
  && ok "check: make repo.git again, keeping the queued change" || bad "repo.git lost: check rc $rc $out"
git init -q --bare a/repo.git
"$P" -C a sync >/dev/null && ok "one sync after git init --bare" || bad "sync after git init --bare failed"
"$P" -C a check >/dev/null && ok "check clean after the recovery" || bad "check after the recovery"
converge tinh a
notes tinh | grep -q f9-unpushed && notes tinh | grep -q f9-queued && ok "unpushed and queued changes arrive" \
  || bad "a change was lost with repo.git"
finish
