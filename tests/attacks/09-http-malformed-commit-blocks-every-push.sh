#!/bin/bash
# Over an HTTP remote (git http-backend on 127.0.0.1), a stray push puts one
# commit without an author line on top of ONE district's branch. From then
# on every replica that fetched it (the province, any new replica, the
# district itself) fails every push: "push failed: failed to parse signature
# ...; changes stay queued", exit 5 as if offline, forever. No write made
# after that moment reaches anyone.
# Expected: the bad branch is quarantined; other replicas push and import as
# before (exit 0); the district continues under a new id.
. "$(dirname "$0")/common.sh"
http_setup
git -C remote.git update-ref $B "$BAD"
http_pushes_go_on
exit 0
