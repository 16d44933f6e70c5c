#!/bin/bash
# Mission (one malformed ref anywhere must not stop anyone's sync). A
# directory remote's refs are now read from their files (refread.c), which
# skips a packed-refs line it cannot parse, so every FETCH goes on. The PUSH
# still reads and moves this replica's branch through libgit2's refdb, which
# parses the whole packed-refs file: one unparseable line in it (a stray
# line, an orphan '^' peel line; a half-written file on a network share)
# makes every replica's push fail with "corrupted packed references file",
# exit 5 ("the remote was not reached"; plansyncd logs "remote unreachable"),
# for good: no office's change reaches anyone. (Stock git refuses that file
# too; plansync reads its own refs without it and could move its own loose
# ref the same way.)
# Expected: the push reads and moves its own branch's file (compare-and-
# swap) as the fetch reads the others; or at least the sync says the shared
# repository's packed-refs is damaged, not that the remote was not reached.
. "$(dirname "$0")/common.sh"
prov
dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || exit 2
"$P" -C tinh sync >/dev/null 2>&1
printf '^0000000000000000000000000000000000000001\n' >> remote.git/packed-refs
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null || exit 2
"$P" -C d1 sync >d1.out 2>&1; drc=$?
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C tinh sync >tinh.out 2>&1; prc=$?
n=$("$P" -C tinh progress show -o binh-giang -t p1-t2 --json 2>/dev/null | grep -c '"percent": 20')
echo "district sync rc=$drc: $(head -1 d1.out)"
echo "province sync rc=$prc; the district's new report at the province: $n"
[ "$n" = 1 ] && [ "$drc" = 0 ] || fail "one unparseable line in the shared repository's packed-refs stops every replica's push (exit $drc)"
exit 0
