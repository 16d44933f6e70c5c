#!/bin/bash
# 'progress import' accepts a row with more cells than the header names and
# drops the extra ones without a word: a note typed with an unquoted comma
# ("Đã xong phần 1, còn phần 2") is stored as "Đã xong phần 1", exit 0.
# README: a malformed CSV is bad input (exit 3, nothing written).
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
printf 'task,period,percent,note\np2-t1,2021,40,Đã xong phần 1, còn phần 2\n' > n.csv
"$P" -C d1 progress import n.csv; rc=$?
note=$("$P" -C d1 progress show --task p2-t1 --json | sed -n 's/.*"note": //p')
echo "rc=$rc note=$note"
[ $rc -eq 0 ] && fail "a row with more cells than the header was imported (note stored as $note; the rest dropped)"
[ $rc -eq 3 ] || fail "exit $rc, expected 3"
[ -z "$note" ] || fail "something was written"
exit 0
