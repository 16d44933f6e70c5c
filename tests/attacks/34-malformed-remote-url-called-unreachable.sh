#!/bin/bash
# 'config remote' takes a malformed URL (ftp://x/y, ssh://, http://[::1)
# with exit 0, while it refuses a path that holds no repository (exit 3).
# Every sync then fails "push failed: host unreachable (unknown scheme for
# URL 'ftp://x/y')", exit 5, "changes stay queued and go out on a later
# sync": a typo in a setting is reported as the network being down (the
# daemon logs "remote unreachable" and backs off forever). Issue 9: errors
# keep their meaning, classified by libgit2's error class.
# Expected: config remote refuses a URL libgit2 cannot parse or has no
# transport for (exit 3, nothing written), and sync does not call such a
# URL "host unreachable".
. "$(dirname "$0")/common.sh"
prov
bad=0
for u in 'ftp://x/y' 'ssh://' 'http://[::1'; do
  "$P" -C tinh config remote "$u" 2>/dev/null; crc=$?
  out=$("$P" -C tinh sync 2>&1 >/dev/null); src=$?
  echo "config remote '$u': rc=$crc; sync rc=$src: $out"
  [ $crc -eq 0 ] && { echo "BROKEN: config remote accepts '$u'" >&2; bad=1; }
  [ $crc -eq 0 ] && grep -qi "unreachable" <<<"$out" && { echo "BROKEN: a malformed remote URL is reported as an unreachable host" >&2; bad=1; }
  "$P" -C tinh config remote "$T/remote.git" >/dev/null 2>&1
done
exit $bad
