#!/bin/bash
# The shared repository is lost and re-seeded from a replica that is behind
# on a district's branch (README: "run remote seed from others too: it only
# adds"). The district PC is lost too and re-created with the same --replica
# id against the new remote: it adopts the (old) tip and writes on top. The
# province, which held the district's newer, delivered write, seeds too but
# is refused ("different history"). Expected: the delivered write reaches
# every replica (dumps equal). Observed: it stays only at the province,
# forever; the re-created district and the other office never get it.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a; dist s tu-ky s
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null || fail sync
"$P" -C s sync >/dev/null                  # s holds d1's branch at its first commit
"$P" -C d1 progress set p1-t2 2021 --percent 20 >/dev/null; "$P" -C d1 sync >/dev/null || fail sync
"$P" -C tinh sync >/dev/null               # the province holds the delivered second write
rm -rf remote.git d1; git init -q --bare new.git
"$P" -C s remote seed "$T/new.git" >/dev/null 2>&1 || fail "seed from s"
"$P" init d1 --office binh-giang --replica a --remote "$T/new.git" --user U --trust "$(province_pin)" >/dev/null 2>&1 || fail "re-create"
enrol d1 # the re-created replica's new key
"$P" -C d1 progress set p1-t3 2021 --percent 30 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" -C tinh remote seed "$T/new.git" 2>&1 | sed 's/^/tinh seed: /'
"$P" -C tinh config remote "$T/new.git" >/dev/null
"$P" -C s config remote "$T/new.git" >/dev/null
for r in tinh d1 s tinh d1 s; do "$P" -C $r sync >/dev/null 2>&1; done
enrol d1; approve_all; for r in tinh d1 s tinh d1 s; do "$P" -C $r sync >/dev/null 2>&1; done # a new id has a new key
for r in tinh d1 s; do echo "$r: $("$P" -C $r progress show | grep -c binh-giang) binh-giang rows"; "$P" -C $r dump > $r.json; done
cmp -s tinh.json s.json && cmp -s tinh.json d1.json || fail "a delivered write (exit 0) is only at the province; other replicas never get it"
exit 0
