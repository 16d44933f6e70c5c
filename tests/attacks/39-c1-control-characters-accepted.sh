#!/bin/bash
# Text fields refuse control characters ("the note contains a control
# character (U+0001); remove it"), but only bytes below 0x20 and 0x7f are
# checked: the C1 controls U+0080-U+009F (Unicode category Cc, like U+0001)
# pass the writer and every reader, and 'progress show' and 'log' print
# them raw to the other offices' terminals (U+009B is CSI: "\u009b2J"
# is an escape sequence to terminals that honour 8-bit controls).
# Expected: a note with U+009B refused (exit 3, nothing written).
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 progress set p1-t1 2021 --note "$(printf 'ok\xc2\x9b2J\xc2\x9b31mĐã xong')" >/dev/null 2>&1; rc=$?
echo "rc=$rc"
[ $rc -eq 0 ] && fail "a note with the C1 control U+009B (CSI) is recorded"
[ $rc -eq 3 ] || fail "exit $rc, expected 3"
exit 0
