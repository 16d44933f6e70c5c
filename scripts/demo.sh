#!/usr/bin/env bash
# The main job: build plansync, then in a temporary directory run a province
# and three district offices (one with two replicas) syncing the bundled
# plan through a local bare Git repository, and show what happened.
#   scripts/demo.sh            build and run
#   scripts/demo.sh --keep     keep the temporary directory to look around
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1
"$here/scripts/deps.sh"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$here/build" -j"$(nproc)" >/dev/null
exec "$here/scripts/scenario.sh" "$here/build/plansync" ${1:+"$1"}
