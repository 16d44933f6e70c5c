#!/bin/bash
# README (report html -o DIR): "DIR may be new, empty or an earlier dashboard
# ...; the site is written into a temporary directory beside DIR and renamed
# into place, so a failure leaves nothing". DIR given as a symbolic link to an
# earlier dashboard (baocao -> /media/usb/baocao, a desktop shortcut): the
# check follows the link (stat) and sees a dashboard; the install renames the
# link itself aside, puts the new site where the link was, then "removes" the
# old one through the link: every file of the real directory is unlinked
# (the office's own files too), the link itself is left as a
# hidden .baocao.tmp-XXXXXX.old-PID beside it, and the USB stick ends up with
# an empty directory while the dashboard lands on the local disk. Exit 0,
# "dashboard written; open .../baocao/index.html".
# Expected: the dashboard is written into the directory the link names (or
# the link is refused with nothing written); either way the files in the
# link's target are not deleted and the link is not replaced.
. "$(dirname "$0")/common.sh"
prov
mkdir media
"$P" -C tinh report html -o media/usb >/dev/null 2>&1 || exit 2
echo "scan" >media/usb/bao-cao-da-ky.pdf
ln -s media/usb baocao
"$P" -C tinh report html -o baocao >out.txt 2>&1; rc=$?
echo "rc=$rc: $(cat out.txt)"
echo "media/usb now: $(ls -A media/usb | tr '\n' ' ')"
echo "baocao is $( [ -L baocao ] && echo 'a link' || echo 'no longer a link' ); beside it: $(ls -A | grep '^\.' | tr '\n' ' ')"
[ -f media/usb/bao-cao-da-ky.pdf ] || fail "html -o through a symlink (exit $rc) deleted the files of the directory it names"
[ -L baocao ] || fail "html -o through a symlink (exit $rc) replaced the link with a directory"
if [ $rc -eq 0 ]; then [ -f media/usb/index.html ] || fail "exit 0 but no dashboard in the directory the link names"; fi
exit 0
