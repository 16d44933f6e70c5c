#!/usr/bin/env bash
# The attacks numbered 91 and up (identity, the province's side): see
# test_attacks.sh.
source "$(dirname "$0")/lib.sh"
run_attacks 91 999
finish
