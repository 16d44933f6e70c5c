#!/bin/bash
# repo.git lost (deleted, a disk cleaner, a partial restore) while a change
# is still queued in plansync.db:
#  - sync exits 1 ("the operation failed") with libgit2's bare "failed to
#    resolve path 'x/repo.git'", where a replica needing repair is exit 8;
#  - check (exit 8) says "re-create the replica from the remote: plansync
#    init NEWDIR ...", which drops the queued change (it was never exported)
#    without saying so, though plansync.db holds everything needed to export
#    it again (README: an unsent commit of ours is exported again);
#  - after 'git init --bare repo.git', sync says "no remote is set; run
#    plansync config remote" (exit 2) while 'config remote' and 'status'
#    print the remote: the remote is read from repo.git's config, not from
#    the setting the user sees.
# Expected: sync exits 8; check's advice keeps (or names) the queued change;
# sync uses the configured remote.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t2 2021 --percent 77 >/dev/null || fail "set"
rm -rf d1/repo.git
bad=0
rc=0; err=$("$P" -C d1 sync 2>&1 >/dev/null) || rc=$?
echo "sync without repo.git: exit $rc: $err"
[ "$rc" -eq 8 ] || bad=1
adv=$("$P" -C d1 check 2>&1)
echo "$adv" | tail -3
if grep -q 'plansync init NEWDIR' <<<"$adv" && ! grep -qiE 'not (yet )?(exported|delivered)|queued|would be lost' <<<"$adv"; then
  echo "check advises re-creating the replica, which drops the queued change, and does not say so"; bad=1
fi
git init -q --bare d1/repo.git
rc=0; err=$("$P" -C d1 sync 2>&1 >/dev/null) || rc=$?
echo "after git init --bare repo.git: sync exit $rc: $err; config remote: $("$P" -C d1 config remote)"
grep -q 'no remote is set' <<<"$err" && bad=1
[ $bad -eq 0 ] || fail "a lost repo.git: sync exits 1 not 8, check's advice drops the queued change, and a new repo.git makes sync say no remote is set"
