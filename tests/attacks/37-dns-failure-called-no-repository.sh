#!/bin/bash
# Issue 9: network errors classified by libgit2's error class, not English
# substrings. net_error() (lib/repo_remote.c) still looks for "404",
# "not found", "No such file" in libgit2's message before it looks at the
# class, so a host whose name holds "404" that cannot be resolved
# (GIT_ERROR_NET, "failed to resolve address for plansync404.invalid") is
# reported as "no Git repository at ...; check the path with the server's
# administrator" - the host is down or misspelt, the path is fine - and the
# daemon logs "sync failing" instead of "remote unreachable".
# Expected: "host unreachable" (or words saying the name does not resolve).
. "$(dirname "$0")/common.sh"
prov
"$P" -C tinh config remote https://plansync404.invalid/plansync.git >/dev/null 2>&1 || { echo "config remote refused"; exit 2; }
out=$("$P" -C tinh sync 2>&1 >/dev/null); rc=$?
echo "rc=$rc: $out"
grep -qi "resolve" <<<"$out" || { echo "no DNS failure seen"; exit 2; }
grep -qi "no Git repository" <<<"$out" && fail "a host name that does not resolve is reported as a missing repository at the path"
exit 0
