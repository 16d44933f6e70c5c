#!/bin/bash
# Branch format 2: every commit's plansync.json is read before its files
# (commit_format in lib/sync_import.c). Its "format" number is converted to
# long long before it is known to fit: {"format": 1e300} on one stray branch
# is undefined behaviour (float-cast-overflow; with the project's sanitizer
# build every sync of every replica stops there, exit 1, nothing imported).
# The trust guarantee: a hostile branch is quarantined with its reason (or
# read as a newer format) while the good changes beside it apply.
# Expected: the province's sync exits 0, imports the district's change, and
# names the stray branch in problems.
. "$(dirname "$0")/common.sh"
prov; dist d1 tu-ky c
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1 || fail "setup: district sync"
# a stray branch: one commit whose tree is only a format file with a huge number
F=$(printf '{"format": 1e300}\n' | git -C remote.git hash-object -w --stdin)
TR=$(printf '100644 blob %s\tplansync.json\n' "$F" | git -C remote.git mktree)
C=$(git -C remote.git commit-tree "$TR" -m stray) || exit 2
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-z "$C"
rc=0; "$P" -C tinh sync >out 2>err || rc=$?
pct=$("$P" -C tinh progress show -o tu-ky -t p1-t1 --json 2>/dev/null | sed -n 's/.*"percent": \([0-9]*\).*/\1/p')
echo "province sync exit $rc; district's p1-t1 on the province: '${pct}'"; grep -m1 "runtime error" err
[ "$rc" -eq 0 ] && [ "$pct" = 10 ] || fail "one stray format file stops the province's sync (exit $rc, district change ${pct:-not} applied)"
"$P" -C tinh problems 2>/dev/null | grep -q binh-giang-z || fail "stray branch not named in problems"
exit 0
