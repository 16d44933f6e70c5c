#!/usr/bin/env bash
# The breaks attackers found, each kept as the script that showed it
# (tests/attacks/NN-*.sh: exits 0 when the fault is absent, 1 when present,
# 2 when this machine cannot stage it). This test runs those numbered below
# 23 (faults: never stuck); test_attacks_layers.sh runs the rest, so each
# stays well inside ctest's time limit under the sanitizers.
source "$(dirname "$0")/lib.sh"
run_attacks "${ATTACKS_FROM:-1}" "${ATTACKS_TO:-22}"
finish
