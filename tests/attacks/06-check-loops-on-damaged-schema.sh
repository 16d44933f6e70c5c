#!/bin/bash
# Bit rot in plansync.db's schema page (one byte of the text of a CREATE
# statement). Every command, 'plansync check' included, says "plansync.db is
# damaged ...; run 'plansync check' for how to recover" and exits 1: check
# sends the user back to itself and never says how to recover (re-create
# from the remote, keep the changes that were not sent).
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null
python3 - <<'E'
p='d1/plansync.db'; b=bytearray(open(p,'rb').read())
i=b.find(b'CREATE TABLE branches'); assert i>0
b[i+7]^=0x01   # 'T' -> 'U'
open(p,'r+b').write(b)
E
out=$("$P" -C d1 check 2>&1); rc=$?
echo "check rc=$rc: $out"
grep -q "run 'plansync check'" <<<"$out" && fail "plansync check tells the user to run plansync check"
grep -qiE "init|re-create|recreate|mv " <<<"$out" || fail "check gives no recovery steps for a damaged database"
exit 0
