#!/usr/bin/env bash
# The attacks numbered 23 and up (layers, errors, output, CSV): see
# test_attacks.sh.
source "$(dirname "$0")/lib.sh"
run_attacks 23 999
finish
