#!/bin/bash
# 154: an office uses its existing SSH key for a second replica (`init --key ~/.ssh/id_ed25519`,
# as the README offers; "the same key can authenticate SSH pushes"), a key the province already
# enrolled for the office's first replica. init exits 0 (it has just imported the registry that
# names the key), sync says ok, status says delivered and no problem, but every reader quarantines
# the new replica's commits ("signed by the key of replica binh-giang-a"), no enrolment request
# ever appears in `keys pending`, and even after the province enrols that key for the new replica
# (`keys approve binh-giang-b --key key.pub`, exit 0) the change never applies anywhere.
# Expected: init (or the first sync) refuses a key that is enrolled for another replica, saying
# so, or the replica's changes wait as a request the province can approve; nothing it reports
# delivered is lost.
source "$(dirname "$0")/common.sh"
prov
ssh-keygen -q -t ed25519 -N '' -C office-key -f id_ed25519
"$P" init d1 --office binh-giang --replica a --remote "$T/remote.git" --user U --trust "$(province_pin)" --key id_ed25519 >/dev/null || fail "setup: d1"
enrol d1
"$P" -C d1 progress set p1-t1 2021 --percent 10 >/dev/null; "$P" -C d1 sync >/dev/null 2>&1
"$P" init d2 --office binh-giang --replica b --remote "$T/remote.git" --user U --trust "$(province_pin)" --key id_ed25519 >/dev/null 2>init2.err
irc=$?
if [ "$irc" -ne 0 ]; then   # refused at init, saying why and leaving nothing: fixed
  grep -q 'is enrolled for replica binh-giang-a' init2.err || fail "init refused, but not saying why: $(cat init2.err)"
  [ ! -e d2/plansync.db ] || fail "init refused but left a replica in d2"
  exit 0
fi
"$P" -C d2 progress set p1-t2 2021 --percent 20 >/dev/null 2>&1
"$P" -C d2 sync >/dev/null 2>&1; src=$?
"$P" -C tinh sync >/dev/null 2>&1
pend=$("$P" -C tinh keys pending 2>/dev/null | grep -c binh-giang-b)
"$P" -C tinh keys approve binh-giang-b --key d2/key.pub >/dev/null 2>&1; arc=$?
"$P" -C tinh sync >/dev/null 2>&1; "$P" -C d2 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
"$P" -C tinh progress show 2>/dev/null | grep -q '^binh-giang  *p1-t2  *2021  *20 ' && exit 0
fail "the second replica's change never applies (init exit $irc, sync exit $src, requests listed: $pend, approve exit $arc; its status: $("$P" -C d2 status | grep -E '^(own|problems):' | tr -s ' ' | tr '\n' ';'); the province's problem: $("$P" -C tinh problems 2>/dev/null | grep -o 'signed by the key of replica [^ ]*' | head -1))"
