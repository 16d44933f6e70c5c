#!/usr/bin/env bash
# The attacks numbered 23 to 60 (layers, errors, output, CSV): see
# test_attacks.sh.
source "$(dirname "$0")/lib.sh"
run_attacks 23 60
finish
