#!/bin/bash
# README (report html -o DIR): "DIR may be new, empty or an earlier dashboard
# (it holds .plansync-dashboard); a file, a directory of other files or a
# place that cannot be written is refused (exit 3) and nothing is written".
# An office writes the dashboard onto its USB stick, then keeps its own files
# there beside it (the signed, scanned sheet; a note). Writing the dashboard
# again into the same directory exits 0 and deletes those files: the old
# directory is renamed aside and every file in it unlinked (cli/report_site.c
# remove_tree), whatever wrote it; a subdirectory is left behind under a
# hidden name (.DIR.tmp-XXXXXX.old-PID) beside DIR.
# Expected: the office's files survive (kept, or the command refused with
# nothing written), and nothing is left beside DIR.
. "$(dirname "$0")/common.sh"
prov
"$P" -C tinh report html -o usb >/dev/null 2>&1 || exit 2
[ -f usb/index.html ] || exit 2
echo "scan" >usb/bao-cao-da-ky.pdf
mkdir usb/anh && echo "photo" >usb/anh/1.jpg
"$P" -C tinh report html -o usb >out.txt 2>&1; rc=$?
echo "rc=$rc: $(cat out.txt)"
ls -A usb | grep -v '^office-' | tr '\n' ' '; echo
left=$(ls -A | grep '^\.usb' | tr '\n' ' ')
[ -n "$left" ] && echo "left beside usb: $left"
[ -f usb/bao-cao-da-ky.pdf ] || fail "writing the dashboard again (exit $rc) deleted the office's file usb/bao-cao-da-ky.pdf"
[ -f usb/anh/1.jpg ] || fail "writing the dashboard again (exit $rc) moved usb/anh away (left: $left)"
[ -z "$left" ] || fail "left beside usb: $left"
exit 0
