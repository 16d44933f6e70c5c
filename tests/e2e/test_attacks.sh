#!/usr/bin/env bash
# The breaks an attacker found in the fault handling, each kept as the
# script that showed it (tests/attacks/NN-*.sh: exits 0 when the fault is
# absent, 1 when present, 2 when this machine cannot stage it).
source "$(dirname "$0")/lib.sh"
for f in "$SRC"/tests/attacks/[0-9]*.sh; do
  name=$(basename "$f" .sh)
  rc=0
  out=$(PLANSYNC=$P PLANSYNC_SRC=$SRC timeout 180 bash "$f" 2>&1) || rc=$?
  case $rc in
    0) ok "$name" ;;
    2) echo "skip: $name: $(printf '%s' "$out" | tail -1)" ;;
    *) bad "$name (rc $rc): $(printf '%s' "$out" | tail -3)" ;;
  esac
done
finish
