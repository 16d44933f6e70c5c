#!/bin/bash
# 'init DIR --remote URL' where the HTTP server answers 404 (a typo in the
# repository's path) exits 3 - "bad input, nothing was written"; design.md:
# "init --remote ... naming a path that holds nothing exit 3: nothing was
# written" - but DIR is left holding a complete replica (plansync.db,
# repo.git). Running init again with the right URL is then refused: "DIR is
# already a replica". (A missing local path leaves nothing behind.)
# Expected: exit 3 and no replica in DIR, so the corrected init works.
. "$(dirname "$0")/common.sh"
http_setup
"$P" init hx --office tu-ky --remote "${U%/remote.git}/nonexist.git" --trust "$(province_pin)" >/dev/null 2>&1; rc=$?
ls -A hx 2>/dev/null
"$P" init hx --office tu-ky --remote "$U" --trust "$(province_pin)" >/dev/null 2>err; rc2=$?
echo "init with a 404 URL: rc=$rc; init again with the right URL: rc=$rc2 $(cat err)"
[ $rc -eq 3 ] || fail "exit $rc, expected 3"
[ -e hx/plansync.db ] && [ $rc2 -ne 0 ] && fail "init exited 3 (nothing written) but left a replica that blocks the corrected init"
[ $rc2 -eq 0 ] || fail "the corrected init failed ($rc2)"
exit 0
