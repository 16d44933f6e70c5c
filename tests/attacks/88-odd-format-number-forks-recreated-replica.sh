#!/bin/bash
# "a replica created again with the id of one whose database was lost
# adopts the remote's history of its branch and continues from it"; a
# branch "written in a newer format" is the one case it is not adopted.
# The import reads a format file {"format": 2.5} as malformed: quarantined
# alone, the commit read as format 2 ("format file is not {"format": N,
# ...}"). holds_newer_format (lib/sync_own.c) instead takes any number
# above 2, so 2.5 (or 1e300) counts as a newer format: the re-created
# replica does not adopt its branch, continues under a new id and says the
# branch "holds commits in a branch format newer than this plansync reads",
# which no reader of that commit believes (the province read it as format
# 2). The control: the same stray commit with {"format": 2} is adopted.
# Expected: the re-created replica keeps its id (as with a format-2 commit).
. "$(dirname "$0")/common.sh"
prov
B=refs/heads/replicas/binh-giang/binh-giang-a
run() { # $1: the format file's text
  rm -rf d1; git -C remote.git update-ref -d $B 2>/dev/null
  dist d1 binh-giang a
  "$P" -C d1 progress set p1-t1 2021 --percent 11 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
  local tip fb tr c
  tip=$(git -C remote.git rev-parse $B) || exit 2
  fb=$(printf '%s\n' "$1" | git -C remote.git hash-object -w --stdin)
  tr=$(printf '100644 blob %s\tplansync.json\n' "$fb" | git -C remote.git mktree)
  c=$(git -C remote.git commit-tree "$tr" -p "$tip" -m stray) || exit 2
  git -C remote.git update-ref $B "$c"
  "$P" -C tinh sync >/dev/null 2>&1
  rm -rf d1; dist d1 binh-giang a
  "$P" -C d1 progress set p1-t2 2021 --percent 12 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
  "$P" -C d1 status 2>/dev/null | sed -n 's/^replica: *\([^,]*\),.*/\1/p'
}
ctl=$(run '{"format": 2}')
[ "$ctl" = binh-giang-a ] || { echo "control not adopted ($ctl)"; exit 2; }
odd=$(run '{"format": 2.5}')
"$P" -C tinh problems 2>/dev/null | grep -q 'format file is not' || exit 2 # the import calls it malformed
echo "re-created replica after a stray commit with format 2: ${ctl}; with format 2.5: ${odd:-nothing}"
[ "$odd" = binh-giang-a ] || fail "a format file the import reads as malformed (2.5) counts as a newer format for adoption: the re-created replica continues as ${odd:-nothing}"
exit 0
