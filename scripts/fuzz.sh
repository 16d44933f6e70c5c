#!/usr/bin/env bash
# Fuzz the change decoder and validator with libFuzzer (clang, ASan, UBSan).
#   scripts/fuzz.sh [SECONDS]   default 20; the suite runs this for 20 s,
#   a longer run: scripts/fuzz.sh 3600 (findings land in build-fuzz/crash-*)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
build="$here/build-fuzz"
CC=clang cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPLANSYNC_FUZZ=ON -DPLANSYNC_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_change >/dev/null
mkdir -p "$build/corpus"
cd "$build"
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$here/tests/lsan.supp \
  ./fuzz_change -max_total_time="$secs" -max_len=70000 -print_final_stats=1 corpus "$here/tests/fuzz/corpus" 2>&1 | tail -15
