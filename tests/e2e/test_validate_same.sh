#!/usr/bin/env bash
# What the writer accepts, every reader accepts (DESIGN §10): one validation
# on the same NFC bytes, limits in bytes. Text that NFC makes longer
# (U+0958 becomes two code points), names over the author limit and reasons
# over the reason limit are refused by the writer with exit 3, and
# everything the writer did accept arrives at the province unquarantined.
source "$(dirname "$0")/lib.sh"
rep() { python3 -c 'import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[2]))' "$1" "$2"; }
setup_province
district a1 tx-kinh-mon a1
"$P" -C a1 sync >/dev/null

# author: the readers' limit is 400 bytes of NFC
expect_fail 3 "user.name.*(too long|bytes)" "$P" -C a1 config user.name "$(rep a 450)"
expect_fail 3 "user.name.*(too long|bytes)" "$P" -C a1 config user.name "$(rep 'ễ' 150)"
"$P" -C a1 config user.name "$(rep 'ễ' 133)" >/dev/null && ok "a 399-byte name is taken" || bad "399-byte name refused"
expect_fail 3 "(too long|bytes)" "$P" init a2 --office tx-kinh-mon --replica a2 --user "$(rep a 401)"
[ ! -e a2 ] && ok "init with a bad name creates nothing" || bad "init left a2 behind"

# reason: 700 characters typed, 4200 bytes once normalised
expect_fail 3 "reason.*(too long|bytes)" "$P" -C a1 progress set p1-t1 2021 --status on_track --reason "$(rep $'\u0958' 700)"
"$P" -C a1 progress set p1-t1 2021 --status on_track --reason "$(rep 'ế' 1333)" >/dev/null && ok "a 3999-byte reason is taken" || bad "3999-byte reason refused"
# note: 4000 characters typed, 8000 once normalised, 24000 bytes
expect_fail 3 "note.*(too long|bytes)" "$P" -C a1 progress set p1-t2 2021 --note "$(rep $'\u0958' 4000)"
"$P" -C a1 progress set p1-t2 2021 --note "$(rep $'\u0958' 1000)" >/dev/null && ok "a note NFC doubles is taken when it fits" || bad "note refused"
"$P" -C a1 progress set p2-t7 2021 --status done --reporter "$(rep 'ễ' 200)" >/dev/null && ok "a 600-byte reporter is taken" || bad "reporter refused"

# everything the writer took, the province takes
"$P" -C a1 sync >/dev/null
"$P" -C tinh sync >/dev/null
np=$("$P" -C tinh status --json | json_num problems)
[ "$np" = 0 ] && ok "nothing quarantined at the province" || bad "province quarantined $np: $("$P" -C tinh problems)"
n=$("$P" -C tinh progress show --office tx-kinh-mon --json | grep -c '"task"')
[ "$n" = 3 ] && ok "all three reports arrived" || bad "province shows $n reports"
# the province's receipts (issue 12) go out with its next sync
"$P" -C tinh sync >/dev/null
"$P" -C a1 sync >/dev/null
[ "$("$P" -C tinh dump | sha256sum)" = "$("$P" -C a1 dump | sha256sum)" ] && ok "writer and reader agree" || bad "dumps differ"
finish
