#!/bin/bash
# 167: only the province's root replica revokes a province replica (attack 166), and readers hold
# to that whatever the writer's binary says. A second province replica tinh-z whose own check is
# bypassed (its pin rewritten with stock sqlite3 to its own key, as an old or altered binary would
# do) revokes the root tinh-hq. Expected: every other reader refuses that record (a problem names
# it), tinh-hq stays enrolled, its later progress applies everywhere, and a new reader agrees.
. "$(dirname "$0")/common.sh"
prov
"$P" init z --office tinh --replica z --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init z"
"$P" -C z sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh keys approve tinh-z --key z/key.pub >/dev/null || { echo "setup: approve tinh-z"; exit 2; }
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C z sync >/dev/null 2>&1
dist d1 binh-giang a || fail "setup d1"
sqlite3 z/plansync.db "UPDATE meta SET value = '$(province_pin z)' WHERE key = 'trust.province'" || fail "tamper"
"$P" -C z keys revoke tinh-hq >/dev/null 2>&1 || { echo "setup: the altered z could not write the revocation"; exit 2; }
"$P" -C z sync >/dev/null 2>&1
for r in tinh d1; do "$P" -C $r sync >/dev/null 2>&1; done
"$P" -C tinh progress set p1-t1 2021 --percent 7 >/dev/null 2>&1 || fail "the root could not write"
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d1 sync >/dev/null 2>&1
"$P" init f --office tu-ky --replica f --remote "$T/remote.git" --trust "$(province_pin)" >/dev/null 2>&1 || fail "init f"
revoked_hq() { "$P" -C "$1" dump | grep -A12 '"key/tinh/tinh-hq"' | grep -q '"revoked": "'; }
for r in tinh d1 f; do
  revoked_hq $r && fail "$r takes tinh-hq as revoked by a non-root province replica"
  "$P" -C $r progress show --json 2>/dev/null | grep -q '"percent": 7' || fail "$r lost the root's later progress"
done
"$P" -C d1 problems 2>/dev/null | grep -q "only the province's root" || fail "d1 does not say why it refused the record"
strip() { "$P" -C "$1" dump | sed 's/"revoked_commit": "[^"]*"//'; }
cmp -s <(strip tinh) <(strip f) || fail "the root and a new reader disagree"
cmp -s <(strip tinh) <(strip d1) || fail "the root and a district disagree"
echo "held: a revocation of the root by another province replica is refused by every reader"
