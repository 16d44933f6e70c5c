#!/usr/bin/env bash
# The demo scenario, run with the plansync binary given as $1 (scripts/demo.sh
# builds it; the test suite runs this with its own build).
set -euo pipefail
P=$1
D=$(dirname "$P")/plansyncd
keep=0
[ "${2:-}" = "--keep" ] && keep=1
work=$(mktemp -d "${TMPDIR:-/tmp}/plansync-demo.XXXXXX")
daemons=()
stop_daemons() { for pid in "${daemons[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; daemons=(); }
cleanup() { stop_daemons; [ $keep -eq 1 ] || rm -rf "$work"; }
trap cleanup EXIT
start_daemon() { # start_daemon REPLICA: plansyncd every 2 s, log in REPLICA.log
  "$D" -C "$1" --interval 2 --foreground 2>>"$work/$1.log" &
  daemons+=($!)
}
wait_converged() { # wait_converged SECONDS REPLICAS...
  local limit=$1; shift
  local t0=$SECONDS
  while :; do
    n=$(for r in "$@"; do "$P" -C "$r" dump | sha256sum; done | sort -u | wc -l)
    [ "$n" -eq 1 ] && { echo "converged after $((SECONDS - t0)) s"; return 0; }
    [ $((SECONDS - t0)) -ge "$limit" ] && { echo "not converged after $limit s" >&2; return 1; }
    sleep 0.5
  done
}
cd "$work"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s#$P#plansync#g"; "$@"; }

say "A shared bare Git repository (a folder on a server or a USB stick)"
run git init -q --bare shared.git
echo "created $work/shared.git"

say "The province imports the bundled plan and publishes it"
run "$P" init tinh --office tinh --replica hq --remote "$work/shared.git" --user "Trần Văn Hùng"
run "$P" -C tinh plan import --default
run "$P" -C tinh sync
run "$P" -C tinh plan show

say "The province officer reads the province key's fingerprint out to each office by phone"
run ssh-keygen -lf tinh/key.pub
pin=$(ssh-keygen -lf tinh/key.pub | cut -d' ' -f2)

say "Three districts join: Kinh Môn (two machines), Bình Giang, Nam Sách; each pins the province key"
run "$P" init kinhmon-1 --office tx-kinh-mon --replica pc1 --remote "$work/shared.git" --user "Nguyễn Thị Lan" --trust "$pin"
run "$P" init kinhmon-2 --office tx-kinh-mon --replica pc2 --remote "$work/shared.git" --user "Phạm Văn Minh" --trust "$pin"
run "$P" init binhgiang --office binh-giang --replica pc1 --remote "$work/shared.git" --user "Lê Thị Hoa" --trust "$pin"
run "$P" init namsach --office nam-sach --replica pc1 --remote "$work/shared.git" --user "Vũ Đức Thắng" --trust "$pin"
run "$P" -C binhgiang plan targets --office binh-giang

replicas="tinh kinhmon-1 kinhmon-2 binhgiang namsach"
say "Each replica gets its daemon (plansyncd, every 2 s); nobody types sync from here on"
for r in $replicas; do start_daemon "$r"; done
sleep 1
run "$P" -C kinhmon-1 status

say "Offices record progress; the daemons carry it"
run "$P" -C binhgiang progress set p2-t7 2021 --status on_track --percent 35 --note "Hoàn thành 9/13 tiêu chí đô thị loại IV" --evidence "BC-45/UBND"
run "$P" -C binhgiang progress set p2-t7 2022 --status on_track --percent 60 --actual 11
run "$P" -C namsach progress set p2-t7 2021 --status at_risk --percent 20 --note "Thiếu vốn đầu tư hạ tầng" --reason "báo cáo quý IV"
run "$P" -C kinhmon-1 progress set p2-t6 2021 --status on_track --percent 40 --note "Đã phê duyệt quy hoạch chung"

say "Their first pushes are enrolment requests: held at the province until it approves each key"
t0=$SECONDS
until [ "$("$P" -C tinh keys pending --json | grep -c '"replica"')" -ge 3 ] || [ $((SECONDS - t0)) -ge 60 ]; do sleep 1; done
run "$P" -C tinh keys pending
run "$P" -C tinh status
for r in tx-kinh-mon-pc1 binh-giang-pc1 nam-sach-pc1; do run "$P" -C tinh keys approve "$r"; done
say "Kinh Môn's second machine sent its key.pub by e-mail: enrolled before its first write"
run "$P" -C tinh keys approve tx-kinh-mon-pc2 --key kinhmon-2/key.pub
wait_converged 60 $replicas

say "Kinh Môn's two machines go offline and edit the same report"
stop_daemons
run "$P" -C kinhmon-1 progress set p2-t6 2021 --status done --percent 100 --reason "đã nghiệm thu"
run "$P" -C kinhmon-2 progress set p2-t6 2021 --status delayed --note "Chậm giải phóng mặt bằng" --reason "họp giao ban"
run "$P" -C kinhmon-2 status

say "Back online: the daemons start again and the offices converge"
for r in $replicas; do start_daemon "$r"; done
wait_converged 60 $replicas
echo "daemon log of kinhmon-2:"
sed 's/^<[0-9]>/  /' "$work/kinhmon-2.log"

say "Converged: the province's view of district progress"
run "$P" -C tinh progress show
for r in $replicas; do "$P" -C "$r" dump | sha256sum | sed "s/ .*/  $r/"; done
n=$(for r in $replicas; do "$P" -C "$r" dump | sha256sum; done | sort -u | wc -l)
[ "$n" -eq 1 ] && echo "all five replicas hold byte-identical state" || { echo "replicas differ" >&2; exit 1; }

say "The conflict that was found (same everywhere until a person resolves it)"
run "$P" -C tinh conflicts

say "Kinh Môn settles it; the daemons carry the resolution everywhere"
id=$("$P" -C kinhmon-1 conflicts --json | sed -n 's/.*"id": "\([^"]*-pc1\)".*/\1/p' | head -1)
run "$P" -C kinhmon-1 resolve progress/tx-kinh-mon/p2-t6/2021 status --take "$id"
wait_converged 60 $replicas
run "$P" -C tinh conflicts
stop_daemons

say "History of one report: plansync log"
run "$P" -C tinh log progress/tx-kinh-mon/p2-t6/2021

say "The audit trail in stock Git: git log --stat --no-renames --diff-filter=A --all (each commit's tree holds only its batch)"
run git -C shared.git log --all --stat --no-renames --diff-filter=A --format='commit %h%nAuthor: %an <%ae>%nDate:   %ad%n%n%w(0,4,4)%B' --date=iso | sed -n '1,80p'
echo "..."

say "Status of the province replica"
run "$P" -C tinh status
if [ $keep -eq 1 ]; then echo; echo "kept: $work"; fi
exit 0
