#!/bin/bash
# Variant of 09 over HTTP: one malformed commit (no author line, no parent)
# is pushed as a NEW branch refs/heads/replicas/zz/zz-x. The province and
# every other district then fail every push: "push failed: failed to parse
# signature", exit 5 as if offline. Expected: the branch is quarantined and
# every other replica pushes as before (exit 0).
. "$(dirname "$0")/common.sh"
http_setup
git -C remote.git update-ref refs/heads/replicas/zz/zz-x "$(printf "tree %s\ncommitter x <x@x> 1 +0000\n\nstray\n" "$TR" | git -C remote.git hash-object -t commit --literally -w --stdin)"
http_pushes_go_on
exit 0
