#!/usr/bin/env bash
# The attacks numbered 61 to 90 (cost, branch format 2, two versions of a
# change): see test_attacks.sh.
source "$(dirname "$0")/lib.sh"
run_attacks 61 90
finish
