#!/usr/bin/env bash
# The README's main job: the demo scenario converges and shows its record.
source "$(dirname "$0")/lib.sh"
out=$("$SRC/scripts/scenario.sh" "$P" 2>&1) || { echo "$out"; bad "demo scenario failed"; finish; }
echo "$out" | grep -q "all five replicas hold byte-identical state" && ok "demo converged" || bad "demo did not converge"
echo "$out" | grep -q "concurrent\|progress/tx-kinh-mon/p2-t6/2021  status" && ok "conflict shown" || bad "no conflict in demo"
echo "$out" | grep -q "Office: tx-kinh-mon" && ok "git log shows trailers" || bad "git log lacks trailers"
finish
