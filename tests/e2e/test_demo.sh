#!/usr/bin/env bash
# The README's main job: the demo scenario converges and shows its record.
source "$(dirname "$0")/lib.sh"
out=$("$SRC/scripts/scenario.sh" "$P" 2>&1) || { echo "$out"; bad "demo scenario failed"; finish; }
grep -q "all five replicas hold byte-identical state" <<<"$out" && ok "demo converged" || bad "demo did not converge"
grep -q "concurrent\|progress/tx-kinh-mon/p2-t6/2021  status" <<<"$out" && ok "conflict shown" || bad "no conflict in demo"
grep -q "Office: tx-kinh-mon" <<<"$out" && ok "git log shows trailers" || bad "git log lacks trailers"
grep -q "^Thị xã Kinh Môn *[0-9]* of 34" <<<"$out" && grep -q "^dashboard written; open .*/index.html" <<<"$out" &&
	ok "the demo ends with the reports and the dashboard" || bad "demo lacks the reports or the dashboard"
finish
