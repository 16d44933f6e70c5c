#!/bin/bash
# Over HTTP a 150 MB blob and a second one that differs by one byte are on a
# stray branch; the server's pack stores the second as a delta of the first.
# The size-from-header cap keeps a lone big blob cheap (~11 MB RSS), but the
# delta is resolved in memory while the pack is indexed: every replica that
# syncs pays about twice the blob size in RSS before quarantining it.
# Expected: memory bounded by the caps (well under 100 MB).
. "$(dirname "$0")/../../tests/attacks/common.sh"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time"; exit 2; }
http_setup
B=$(head -c 150M /dev/zero | git -C remote.git hash-object -w --stdin)
B2=$( (head -c 150M /dev/zero; echo x) | git -C remote.git hash-object -w --stdin)
TR=$(printf '100644 blob %s\tbig.json\n100644 blob %s\tbig2.json\n' $B $B2 | git -C remote.git mktree)
for d in x tu-ky changes; do TR=$(printf '040000 tree %s\t%s\n' $TR $d | git -C remote.git mktree); done
git -C remote.git update-ref refs/heads/replicas/tu-ky/tu-ky-z "$(git -C remote.git commit-tree $TR -m big)"
git -C remote.git repack -adf -q
/usr/bin/time -v "$P" -C d1 sync 2>time.txt >/dev/null
kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' time.txt)
echo "sync over HTTP: max RSS ${kb} kB"
[ "$kb" -lt 102400 ] || fail "a delta blob costs ${kb} kB of RSS on every replica that syncs"
exit 0
