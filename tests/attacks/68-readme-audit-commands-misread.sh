#!/bin/bash
# README "For the person who runs the Git server": with branch format 2 a
# commit's tree holds only its batch, so to Git's diff a commit deletes the
# previous batch; the README gives auditors commands "with the additions
# only and without rename detection". Two of its four commands, run as
# printed in the shared (bare) repository, do not read cleanly:
#   git log --no-renames --diff-filter=A --name-only -- changes/<office>/
#     fails (no ref given; a bare repository's HEAD names no branch);
#   git show COMMIT   ("one batch, its message and files")
#     shows the previous batch's change files renamed into this batch's
#     (rename detection is on by default) or deleted.
# Expected: each command as printed exits 0 and lists only the changes the
# commit added.
. "$(dirname "$0")/common.sh"
SRC=${PLANSYNC_SRC:-$ATTACKS/../..}
prov; dist d1 binh-giang a
for b in 1 2; do
  for i in 1 2 3 4 5 6 7; do "$P" -C d1 progress set p1-t$i 2021 --percent $((b * 10 + i)) >/dev/null 2>&1; done
  "$P" -C d1 sync >/dev/null 2>&1 || fail "setup: district sync"
done
B=replicas/binh-giang/binh-giang-a
# the commands as the README prints them now
README=$SRC/README.md
grep -qF 'git log --no-renames --diff-filter=A --name-only --all -- changes/tx-kinh-mon/' "$README" &&
  grep -qF 'git show --no-renames --diff-filter=A COMMIT' "$README" || fail "the README's audit commands changed: update this script"
rc=0; git -C remote.git log --no-renames --diff-filter=A --name-only --all -- changes/binh-giang/ >one.txt 2>err.txt || rc=$?
echo "README: git log --no-renames --diff-filter=A --name-only --all -- changes/binh-giang/ -> exit $rc $(head -c 120 err.txt)"
C=$(git -C remote.git rev-parse "$B")
git -C remote.git show --no-renames --diff-filter=A --name-status --format= "$C" >show.txt
other=$(grep -cv '^A' show.txt)
echo "README: git show COMMIT -> $(grep -c . show.txt) lines, $other not additions: $(grep -v '^A' show.txt | head -1 | cut -c1-60)"
[ "$rc" -eq 0 ] && grep -q changes/binh-giang one.txt || fail "the README's one-office audit command fails in the shared repository (exit $rc)"
[ "$other" -eq 0 ] || fail "git show COMMIT shows $other renamed or deleted change files beside the batch's own"
exit 0
