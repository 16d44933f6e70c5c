#!/bin/bash
# README: --format csv "opens in a spreadsheet". The output is UTF-8 with no
# byte order mark; Excel (what the offices use) opens a BOM-less .csv in the
# ANSI code page, so every Vietnamese title, note and name turns into
# mojibake ("ChÆ°Æ¡ng trÃ¬nh"). Expected: the csv format starts with the
# UTF-8 BOM (EF BB BF), or the README stops promising a spreadsheet.
. "$(dirname "$0")/common.sh"
prov
head=$("$P" -C tinh plan show --format csv | head -c 3 | od -An -tx1 | tr -d ' \n')
echo "first bytes: $head"
"$P" -C tinh plan show --format csv | grep -q 'Chương trình' || { echo "no Vietnamese text to check"; exit 2; }
[ "$head" = efbbbf ] || fail "CSV with Vietnamese text has no UTF-8 BOM; a spreadsheet opens it as ANSI"
exit 0
