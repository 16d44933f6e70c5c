#!/bin/bash
# Issue 12 item 1: "every 'unknown X' error points to the command that lists
# the valid ones, and suggests the closest id ('did you mean tx-kinh-mon?')";
# README: "An id the plan lacks is refused (exit 3) naming the closest one,
# when one is close and no other is as close". The province's own new
# commands do not: `review accept tx-kinhmon ...`, `review ... 2024-q44`,
# `period close 2024-q44` and `inbox --office tx-kinhmon` print only "unknown
# office/period ... (the list: ...)", while `report office tx-kinhmon`,
# `log --period 2024-q44` and the others say "did you mean "tx-kinh-mon"?" /
# "2024-q4" for the same typing (lib/review.c ps_review_check_ids writes its
# own message instead of ps_suggest_unknown).
# Expected: each of those errors names the closest id, as the control does.
. "$(dirname "$0")/common.sh"
prov
dist d1 tx-kinh-mon a
"$P" -C d1 progress set p1-t1 2024 --percent 5 >/dev/null && "$P" -C d1 sync >/dev/null 2>&1 && "$P" -C tinh sync >/dev/null 2>&1 || exit 2
"$P" -C tinh report office tx-kinhmon 2>&1 >/dev/null | grep -q 'did you mean "tx-kinh-mon"' || exit 2 # the control
"$P" -C tinh log --period 2024-q44 2>&1 >/dev/null | grep -q 'did you mean "2024-q4"' || exit 2
bad=0
try() {
	local want=$1; shift
	out=$("$@" 2>&1 >/dev/null); rc=$?
	echo "$* -> rc=$rc: $out"
	[ $rc -eq 3 ] && grep -q "did you mean \"$want\"" <<<"$out" || bad=$((bad + 1))
}
try tx-kinh-mon "$P" -C tinh review accept tx-kinhmon p1-t1 2024
try tx-kinh-mon "$P" -C tinh review return tx-kinhmon --period 2024 --comment "thiếu"
try 2024-q4 "$P" -C tinh review accept tx-kinh-mon p1-t1 2024-q44
try 2024-q4 "$P" -C tinh period close 2024-q44
try tx-kinh-mon "$P" -C d1 inbox --office tx-kinhmon
[ $bad -eq 0 ] || fail "$bad of the province's review, period and inbox errors name no closest id"
exit 0
