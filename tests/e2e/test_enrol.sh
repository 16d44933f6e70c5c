#!/usr/bin/env bash
# Enrolment (issue 11): four replicas, the province and three districts.
# The province key is pinned (as ssh-keygen reads it); a district's first
# push is a request whose changes are held (not shown, counted in status,
# listed by keys pending with the fingerprint ssh-keygen prints), applied
# once approved; a refused key's changes never apply; a revoked key's
# commits after its last accepted one are refused alike by every reader.
# Commits crafted with stock git: a forged signature, an unenrolled key, a
# valid signature on another office's change, a key record written by a
# district; each is refused (or held) with a reason naming it, and every
# replica that must agree ends with the same dump.
source "$(dirname "$0")/lib.sh"
setup_province
pin=$(province_pin)
fpr() { ssh-keygen -lf "$1" | cut -d' ' -f2; }
problems_of() { "$P" -C "$1" problems --json; }
has_progress() { "$P" -C "$1" progress show --json | grep -q "\"note\": \"$2\""; }

# --- the pin ---------------------------------------------------------------
expect_fail 3 "not SHA256:A{43} given with --trust" \
  "$P" init wrong --office gia-loc --remote "$T/remote.git" --trust "SHA256:$(printf 'A%.0s' $(seq 43))"
[ ! -e wrong ] && ok "a pin that does not match leaves nothing" || bad "wrong pin left $(ls -A wrong)"
expect_fail 2 "province key on the remote is SHA256:.*--trust SHA256:.*--trust-first-use" "$P" init nopin --office gia-loc --remote "$T/remote.git" </dev/null
[ ! -e nopin ] && ok "no pin in a script: nothing made" || bad "no pin left nopin"
expect_fail 2 "not a key fingerprint" "$P" init badpin --office gia-loc --remote "$T/remote.git" --trust SHA256:short
"$P" init d1 --office binh-giang --replica a --remote "$T/remote.git" --trust "$pin" >/dev/null || bad "init d1 with the pin"
"$P" init d2 --office tu-ky --replica b --remote "$T/remote.git" --trust "$pin" >/dev/null || bad "init d2 with the pin"
out=$("$P" init d3 --office nam-sach --replica c --remote "$T/remote.git" --trust-first-use 2>&1 >/dev/null) || bad "init d3 --trust-first-use"
grep -q "$pin" <<<"$out" && ok "--trust-first-use prints the key it trusts" || bad "trust on first use silent: $out"

# --- requests: held, counted, listed ----------------------------------------
"$P" -C d1 progress set p1-t1 2021 --percent 11 --note d1-first >/dev/null
"$P" -C d2 progress set p1-t2 2021 --percent 22 --note d2-first >/dev/null
"$P" -C d3 progress set p1-t3 2021 --percent 33 --note d3-first >/dev/null
for d in d1 d2 d3; do "$P" -C $d sync >/dev/null || bad "sync $d"; done
"$P" -C tinh sync >/dev/null
pend=$("$P" -C tinh keys pending --json)
for d in d1 d2 d3; do
  grep -q "\"fingerprint\": \"$(fpr $d/key.pub)\"" <<<"$pend" && ok "keys pending lists $d with ssh-keygen's fingerprint" ||
    bad "keys pending lacks $d: $pend"
done
[ "$(grep -c '"changes_held": 1' <<<"$pend")" = 3 ] && ok "one change held per request" || bad "held counts: $pend"
[ "$("$P" -C tinh status --json | json_num enrolment_held)" = 3 ] && ok "status counts 3 held changes" || bad "status: $("$P" -C tinh status --json)"
"$P" -C tinh status | grep -q "keys pending" && ok "status says where to look" || bad "status text silent on held changes"
has_progress tinh d1-first && bad "held progress shown by the province" || ok "held progress is not shown"
"$P" -C tinh dump | grep -q d1-first && bad "held progress in the dump" || ok "held progress is not in the dump"
[ "$(sqlite3 tinh/plansync.db "SELECT count(*) FROM changes WHERE office <> 'tinh'")" = 0 ] && ok "nothing of a request is stored as a change" || bad "held changes stored"
expect_fail 4 "only the province" "$P" -C d1 keys approve tu-ky-b
expect_fail 3 "no open enrolment request" "$P" -C tinh keys approve no-such-replica

# --- approve by fingerprint and by replica id; refuse one -----------------
"$P" -C tinh keys approve "$(fpr d1/key.pub)" --person "Lê Thị Hoa" >/dev/null || bad "approve d1 by fingerprint"
"$P" -C tinh keys approve tu-ky-b --json | grep -q '"decision": "enrolled"' || bad "approve d2 by id"
"$P" -C tinh keys refuse nam-sach-c >/dev/null || bad "refuse d3"
"$P" -C tinh sync >/dev/null
has_progress tinh d1-first && has_progress tinh d2-first && ok "approved: held changes apply" || bad "approved changes missing"
has_progress tinh d3-first && bad "a refused key's change applied" || ok "a refused key's change stays out"
problems_of tinh | grep -q "whose enrolment the province refused" && ok "refusal reported with its reason" || bad "refusal not reported"
[ "$("$P" -C tinh keys pending --json)" = "[]" ] && ok "no request left" || bad "requests left: $("$P" -C tinh keys pending)"
[ "$("$P" -C tinh status --json | json_num enrolment_held)" = 0 ] && ok "nothing held any more" || bad "still held"
"$P" -C tinh log progress/binh-giang/p1-t1/2021 --json | grep -q "\"signer\": \"$(fpr d1/key.pub)\"" &&
  ok "log names the verified signer" || bad "log lacks the signer"
"$P" -C tinh log progress/binh-giang/p1-t1/2021 | grep -q "signed: $(fpr d1/key.pub) (enrolled)" &&
  ok "log text says enrolled" || bad "log text lacks the signer"
for d in d1 d2 d3; do "$P" -C $d sync >/dev/null; done
"$P" -C tinh sync >/dev/null
[ "$("$P" -C d1 dump)" = "$("$P" -C tinh dump)" ] && [ "$("$P" -C d2 dump)" = "$("$P" -C tinh dump)" ] &&
  ok "province and enrolled districts converge" || bad "dumps differ after approval"
has_progress d1 d2-first && ok "another district applies the approved change" || bad "d1 lacks d2's change"
has_progress d1 d3-first && bad "another district applied the refused change" || ok "refused change refused by every reader"
"$P" -C d1 keys allowed-signers > signers
grep -q "$(cut -d' ' -f2 d2/key.pub)" signers && ok "allowed-signers lists enrolled keys" || bad "allowed-signers: $(cat signers)"
git -C remote.git -c gpg.ssh.allowedSignersFile="$T/signers" verify-commit "refs/heads/replicas/tu-ky/tu-ky-b" 2>/dev/null &&
  ok "git verify-commit accepts a district's commit" || bad "git verify-commit refused"

# --- crafted with stock git --------------------------------------------------
# craft OFFICE REPLICA RECORD FIELDS [PARENT]: a commit holding one canonical
# change file, signed by whatever sign_as set (commit-tree $GIT_SIGN).
craft() {
  python3 - "$@" <<'PY'
import json, os, subprocess, sys, unicodedata
office, replica, record, fields = sys.argv[1:5]
parent = sys.argv[5] if len(sys.argv) > 5 else None
def git(*a, data=None):
    return subprocess.run(["git", "-C", "remote.git"] + list(a), input=data, capture_output=True, check=True).stdout.decode().strip()
hx = "%016x" % ((1800000000000 + len(record)) << 16)
cid = "%s-%s" % (hx, replica)
d = {"format": 1, "id": cid, "office": office, "replica": replica, "author": "Kẻ Xấu", "hlc": hx,
     "record": record, "op": "set", "base": [], "fields": dict(sorted(json.loads(fields).items()))}
data = unicodedata.normalize("NFC", json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode()
h = 2166136261
for b in cid.encode():
    h = ((h ^ b) * 16777619) & 0xffffffff
sha = git("hash-object", "-w", "--stdin", data=data)
t = git("mktree", data=("100644 blob %s\t%s.json\n" % (sha, cid)).encode())
for name in ["%02x" % ((h >> 16) & 0xff), "%02x" % (h >> 24), office, "changes"]:
    t = git("mktree", data=("040000 tree %s\t%s\n" % (t, name)).encode())
args = ["commit-tree", t, "-m", "crafted"] + (["-p", parent] if parent else [])
if os.environ.get("GIT_SIGN"):
    args.append(os.environ["GIT_SIGN"])
print(git(*args))
PY
}
ssh-keygen -q -t ed25519 -N '' -C stranger -f stranger
# an unenrolled key: held as a request, never applied
sign_as stranger
c=$(craft binh-giang binh-giang-zz "progress/binh-giang/p2-t1/2021" '{"note": "stranger", "percent": 5}')
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-zz "$c"
# a forged signature: a validly signed commit whose bytes were changed after
c=$(craft binh-giang binh-giang-yy "progress/binh-giang/p2-t2/2021" '{"note": "forged", "percent": 6}')
f=$(git -C remote.git cat-file commit "$c" | sed 's/^crafted$/crafted, then altered/' | git -C remote.git hash-object -t commit -w --stdin)
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-yy "$f"
# a valid signature (d1's enrolled key) on a change of another office's branch
sign_as d1
c=$(craft tu-ky tu-ky-xx "progress/tu-ky/p2-t3/2021" '{"note": "cross-office", "percent": 7}')
git -C remote.git update-ref refs/heads/replicas/tu-ky/tu-ky-xx "$c"
# a key record written by a district replica (enrolled, its own branch,
# its own key): only the province writes the registry
unsign
ssh-keygen -q -t ed25519 -N '' -C vv -f vv
"$P" -C tinh keys approve binh-giang-vv --key vv.pub >/dev/null || bad "enrol vv ahead"
"$P" -C tinh sync >/dev/null
sign_as vv
c=$(craft binh-giang binh-giang-vv "key/binh-giang/binh-giang-ww" "{\"public_key\": \"$(cut -d' ' -f1,2 stranger.pub)\", \"fingerprint\": \"$(fpr stranger.pub)\", \"enrolled\": \"2026-01-01T00:00:00Z\"}")
git -C remote.git update-ref refs/heads/replicas/binh-giang/binh-giang-vv "$c"
unsign
"$P" -C tinh sync >/dev/null 2>&1 || true
"$P" -C d2 sync >/dev/null 2>&1 || true
for r in tinh d2; do
  p=$(problems_of $r)
  grep -q "binh-giang-yy.*bad signature\|bad signature.*" <<<"$p" && ok "$r: forged signature quarantined" || bad "$r: forged signature not reported: $p"
  grep -q "signed by the key of replica binh-giang-a" <<<"$p" && ok "$r: another office's key refused" || bad "$r: cross-office signature not reported"
  grep -q "may not write key/binh-giang/binh-giang-ww" <<<"$p" && ok "$r: a district's key record refused" || bad "$r: district key record not reported"
  for n in stranger forged cross-office; do has_progress $r $n && bad "$r applied the '$n' change" || ok "$r: '$n' not applied"; done
  "$P" -C $r dump | grep -q 'key/binh-giang/binh-giang-ww' && bad "$r applied the district's key record" || ok "$r: no key record from a district"
done
"$P" -C tinh keys pending --json | grep -q '"replica": "binh-giang-zz"' && ok "an unenrolled key is a request" || bad "stranger's commit not pending"
"$P" -C tinh keys pending --json | grep -q "$(fpr stranger.pub)" && ok "the request shows the stranger's fingerprint" || bad "wrong fingerprint in request"

# --- revocation at a commit -------------------------------------------------
"$P" -C d2 progress set p1-t4 2021 --percent 40 --note d2-before-revoke >/dev/null
"$P" -C d2 sync >/dev/null
"$P" -C tinh sync >/dev/null
last=$(git -C tinh/repo.git rev-parse refs/remotes/origin/replicas/tu-ky/tu-ky-b)
out=$("$P" -C tinh keys revoke tu-ky-b --json)
grep -q "\"revoked_after\": \"$last\"" <<<"$out" && ok "revoked after the branch's last accepted commit" || bad "revoke: $out (last $last)"
"$P" -C tinh sync >/dev/null
"$P" -C d2 progress set p1-t5 2021 --percent 50 --note d2-after-revoke >/dev/null
"$P" -C d2 sync >/dev/null 2>&1 || true
"$P" -C d1 sync >/dev/null 2>&1 || true
"$P" -C tinh sync >/dev/null 2>&1 || true
district d4 gia-loc d # a new reader that never saw d2's branch
refused() { problems_of "$1" | python3 -c 'import json,sys; print(" ".join(sorted(p["commit"] for p in json.load(sys.stdin) if p["branch"] == "replicas/tu-ky/tu-ky-b" and "revoked" in p["reason"])))'; }
r1=$(refused tinh); r2=$(refused d1); r3=$(refused d4)
[ -n "$r1" ] && [ "$r1" = "$r2" ] && [ "$r1" = "$r3" ] && ok "every reader refuses the same commits ($r1)" || bad "refused sets differ: '$r1' '$r2' '$r3'"
want=$(git -C remote.git rev-list "$last..refs/heads/replicas/tu-ky/tu-ky-b" | sort | tr '\n' ' ' | sed 's/ $//')
[ "$r1" = "$want" ] && ok "exactly the commits after revoked_after (stock git rev-list)" || bad "refused '$r1', after revoked_after '$want'"
for r in tinh d1 d4; do
  has_progress $r d2-before-revoke && ok "$r keeps what came before the revocation" || bad "$r lost d2-before-revoke"
  has_progress $r d2-after-revoke && bad "$r applied a revoked key's commit" || ok "$r refuses the revoked key's later commit"
done
for r in d1 d4; do "$P" -C $r sync >/dev/null 2>&1 || true; done
"$P" -C tinh sync >/dev/null 2>&1 || true
for r in d1 d4; do "$P" -C $r sync >/dev/null 2>&1 || true; done
[ "$("$P" -C d1 dump)" = "$("$P" -C tinh dump)" ] && [ "$("$P" -C d4 dump)" = "$("$P" -C tinh dump)" ] &&
  ok "after the revocation the readers converge" || bad "dumps differ after the revocation"

# --- rotation of the province key: announced in a commit the old key signs --
old=$(fpr tinh/key.pub)
"$P" -C tinh keys rotate --json | grep -q '"decision": "rotated to"' || bad "keys rotate"
new=$(fpr tinh/key.pub)
[ -n "$new" ] && [ "$new" != "$old" ] && ok "the province has a new key ($new)" || bad "key not rotated"
expect_fail 4 "only an enrolled province replica" "$P" -C d1 keys rotate
"$P" -C tinh progress set p1-t6 2021 --percent 60 --note after-rotation >/dev/null
"$P" -C tinh sync >/dev/null
"$P" -C tinh keys allowed-signers > as2
# the progress commit and, before it, the new key's first commit (its enrolment date, made by
# keys rotate at once), both signed by the new key; before them the record the old key signed
sigs=$(git -C remote.git -c gpg.ssh.allowedSignersFile="$T/as2" log --format='%G? %GK' -3 refs/heads/replicas/tinh/tinh-hq)
[ "$sigs" = "$(printf 'G %s\nG %s\nG %s' "$new" "$new" "$old")" ] && ok "stock git: the new key signs after the record the old key signed" ||
  bad "signatures after rotation: $sigs"
for r in d1 d4; do "$P" -C $r sync >/dev/null 2>&1 || true; done
for r in d1 d4; do has_progress $r after-rotation && ok "$r accepts the rotated key" || bad "$r refused the rotated key: $(problems_of $r | tail -3)"; done
district d5 ninh-giang e # --trust the key the province reads out now (the rotated one)
[ "$(province_pin)" = "$new" ] && has_progress d5 after-rotation && ok "a replica created after the rotation follows it" || bad "d5 after rotation"
for r in d1 d4; do "$P" -C $r sync >/dev/null 2>&1 || true; done # d5's enrolment
[ "$("$P" -C d1 dump)" = "$("$P" -C tinh dump)" ] && [ "$("$P" -C d4 dump)" = "$("$P" -C tinh dump)" ] &&
  ok "after the rotation the readers converge" || bad "dumps differ after the rotation"
finish
