#!/bin/bash
# A district's branch is deleted on the remote (its changes "are kept here",
# says the province), the district PC is lost, then the shared repository is
# lost too. The province seeds a new empty repository ("with every branch
# this replica holds"). Expected: the kept changes are seeded, so a new
# replica converges with the province. Observed: only the province's own
# branch is seeded; the district's delivered write exists only at the
# province, forever; a new replica's dump differs, with nothing said.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail sync
"$P" -C tinh sync >/dev/null
git -C remote.git update-ref -d refs/heads/replicas/binh-giang/binh-giang-a
rm -rf d1
"$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh rebuild >/dev/null
git init -q --bare new.git
"$P" -C tinh remote seed "$T/new.git"
"$P" -C tinh config remote "$T/new.git" >/dev/null
"$P" -C tinh sync >/dev/null 2>&1
"$P" init d2 --office binh-giang --replica b --remote "$T/new.git" --trust "$(province_pin)" >/dev/null
"$P" -C tinh dump > t.json; "$P" -C d2 dump > d.json
echo "province: $("$P" -C tinh progress show | grep -c binh-giang) binh-giang rows; new replica: $("$P" -C d2 progress show | grep -c binh-giang)"
cmp -s t.json d.json || fail "new replica differs from the province: the kept branch was not seeded"
exit 0
