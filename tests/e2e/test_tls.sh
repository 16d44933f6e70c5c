#!/usr/bin/env bash
# HTTPS with real TLS, end to end (issue 11 item 7): nginx in front of
# git http-backend (fcgiwrap), started here on 127.0.0.1 with its own
# configuration, and a test certificate authority made here with openssl.
# A certificate from the office's own authority is accepted once
# `http.ca_file` names it (sync works end to end, Basic auth as over HTTP);
# without that setting, and for a wrong host name, an expired certificate
# and one from an unknown authority, plansync refuses with the reason and
# what to do, and nothing stored changes. Stock git (libcurl with GnuTLS,
# another TLS library) judges the same certificates the same way, so the
# fixtures are what they claim to be. Skips (77) only when a program is
# missing.
source "$(dirname "$0")/lib.sh"
export HOME=$T
for b in nginx fcgiwrap openssl; do
  command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || { echo "SKIP: $b missing (scripts/deps.sh installs it)"; exit 77; }
done
BACKEND=$(git --exec-path)/git-http-backend
[ -x "$BACKEND" ] || { echo "SKIP: git http-backend missing"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
FCGIWRAP=$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)

# --- the certificate authorities and the server certificates -------------
mkdir -p ca/new other/new
cat > ca.cnf <<'CFG'
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = testca
[ testca ]
dir = ${ENV::CADIR}
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no
x509_extensions = server_ext
[ anything ]
commonName = supplied
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:${ENV::SAN}
authorityKeyIdentifier = keyid
CFG
ecparam() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
make_ca() { # make_ca DIR NAME
  : > "$1/index.txt"; echo 1000 > "$1/serial"
  ecparam "$1/ca.key"
  CADIR=$1 SAN=x openssl req -config ca.cnf -new -x509 -key "$1/ca.key" -subj "/CN=$2" -days 30 -out "$1/ca.crt"
}
make_ca ca "Phong CNTT tinh (test CA)"
make_ca other "Somebody else (test CA)"
issue() { # issue CADIR NAME SAN [openssl ca date options]
  local d=$1 n=$2 san=$3; shift 3
  ecparam "$n.key"
  openssl req -new -key "$n.key" -subj "/CN=$san" -out "$n.csr" 2>/dev/null
  CADIR=$d SAN=$san openssl ca -batch -notext -config ca.cnf -cert "$d/ca.crt" -keyfile "$d/ca.key" \
    -in "$n.csr" -out "$n.crt" "$@" 2>>openssl.log
}
issue ca good localhost -days 30
issue ca wronghost plansync.other.example -days 30
issue ca expired localhost -startdate 20200101000000Z -enddate 20200201000000Z
issue other unknown localhost -days 30
for n in good wronghost expired unknown; do
  [ -s $n.crt ] || { bad "could not make the $n certificate: $(cat openssl.log)"; finish; }
done
# openssl itself agrees on what each one is
openssl verify -CAfile ca/ca.crt good.crt >/dev/null 2>&1 && ok "openssl: good certificate verifies" || bad "good.crt does not verify"
v=$(openssl verify -CAfile ca/ca.crt expired.crt 2>&1) || true
printf '%s' "$v" | grep -q "expired" && ok "openssl: expired certificate is expired" || bad "expired.crt is not expired"
openssl verify -CAfile ca/ca.crt unknown.crt >/dev/null 2>&1 && bad "unknown.crt verifies with our CA" || ok "openssl: unknown CA's certificate does not verify"
openssl x509 -in wronghost.crt -noout -ext subjectAltName | grep "plansync.other.example" >/dev/null && ok "openssl: wrong-host certificate names another host" || bad "wronghost.crt SAN"

# --- the web server: nginx -> fcgiwrap -> git http-backend ---------------
git init -q --bare remote.git
git -C remote.git config http.receivepack true
printf 'clerk:%s\n' "$(openssl passwd -apr1 's3cret pass')" > htpasswd
mkdir -p nginx/tmp
GOOD=$(free_port) WRONG=$(free_port) EXPIRED=$(free_port) UNKNOWN=$(free_port)
# one process (-c 1 does not fork): killing it leaves nothing behind
"$FCGIWRAP" -c 1 -s "unix:$T/fcgiwrap.sock" >fcgiwrap.log 2>&1 &
FCGI_PID=$!
trap 'kill ${FCGI_PID:-} ${NGINX_PID:-} 2>/dev/null; rm -rf "$T"' EXIT
server_block() { # PORT CERT
  cat <<CFG
  server {
    listen 127.0.0.1:$1 ssl;
    server_name localhost;
    ssl_certificate $T/$2.crt;
    ssl_certificate_key $T/$2.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 0;
    location / {
      auth_basic "plansync";
      auth_basic_user_file $T/htpasswd;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $BACKEND;
      fastcgi_param GIT_PROJECT_ROOT $T;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO \$uri;
      fastcgi_param REMOTE_USER \$remote_user;
      fastcgi_pass unix:$T/fcgiwrap.sock;
    }
  }
CFG
}
{
  [ "$(id -u)" -eq 0 ] && echo "user root root;"
  cat <<CFG
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
  access_log $T/nginx/access.log;
  client_body_temp_path $T/nginx/tmp/body;
  fastcgi_temp_path $T/nginx/tmp/fastcgi;
  proxy_temp_path $T/nginx/tmp/proxy;
  scgi_temp_path $T/nginx/tmp/scgi;
  uwsgi_temp_path $T/nginx/tmp/uwsgi;
CFG
  server_block "$GOOD" good
  server_block "$WRONG" wronghost
  server_block "$EXPIRED" expired
  server_block "$UNKNOWN" unknown
  echo "}"
} > nginx/nginx.conf
"$NGINX" -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" >nginx.log 2>&1 &
NGINX_PID=$!
for p in $GOOD $WRONG $EXPIRED $UNKNOWN; do
  for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
  (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null || { bad "nginx did not start on $p: $(cat nginx.log nginx/error.log 2>/dev/null)"; finish; }
done
url() { echo "https://$1:$2/remote.git"; }
export PLANSYNC_HTTP_USERNAME=clerk PLANSYNC_HTTP_PASSWORD='s3cret pass'

# stock git (libcurl + GnuTLS) is the independent judge of the fixture
sgit() { env -u GIT_SSL_CAINFO -u GIT_SSL_CAPATH -u CURL_CA_BUNDLE git -c http.sslCAInfo="$T/ca/ca.crt" -c credential.helper= "$@"; }
GIT_ASKPASS=/bin/false sgit ls-remote "https://clerk:s3cret%20pass@localhost:$GOOD/remote.git" >/dev/null 2>git.err \
  && ok "stock git accepts the good certificate" || bad "stock git refuses the good server: $(cat git.err)"
for c in "$WRONG:no match\|does not match\|hostname\|name" "$EXPIRED:expired" "$UNKNOWN:issuer\|not trusted\|unknown\|verify"; do
  port=${c%%:*}
  GIT_ASKPASS=/bin/false sgit ls-remote "https://clerk:s3cret%20pass@localhost:$port/remote.git" >/dev/null 2>git.err \
    && bad "stock git accepts the certificate on port $port" || ok "stock git refuses port $port: $(tr '\n' ' ' < git.err | cut -c1-160)"
done

# --- the province: refused without the office's CA, accepted with it ----
expect_fail 5 "TLS certificate of localhost is not valid.*not correctly signed.*plansync config http.ca_file FILE" \
  "$P" init tinh --office tinh --replica hq --remote "$(url localhost "$GOOD")"
[ ! -e tinh/plansync.db ] && ok "nothing kept after the refused init" || bad "refused init left a replica"
[ -z "$(git --git-dir=remote.git for-each-ref)" ] && ok "the server holds nothing yet" || bad "server changed"
rm -rf tinh
"$P" init tinh --office tinh --replica hq --remote "$(url localhost "$GOOD")" --set http.ca_file=ca/ca.crt >/dev/null \
  && ok "init over https with the office's CA (http.ca_file)" || bad "init with http.ca_file: $("$P" -C tinh sync 2>&1)"
[ "$("$P" -C tinh config http.ca_file)" = "$T/ca/ca.crt" ] && ok "http.ca_file stored as an absolute path" || bad "http.ca_file: $("$P" -C tinh config http.ca_file)"
"$P" -C tinh plan import >/dev/null
out=$("$P" -C tinh sync 2>&1) && ok "push over https: $out" || bad "sync over https: $out"
pbranch=$(git --git-dir=remote.git for-each-ref --format='%(refname)' refs/heads/replicas/tinh/)
[ -n "$pbranch" ] && ok "the server's repository has the province's branch $pbranch (git for-each-ref)" || bad "branch missing on the server"
[ -n "$pbranch" ] && [ "$(git --git-dir=remote.git rev-parse "$pbranch")" = "$(git --git-dir=tinh/repo.git rev-parse "$pbranch")" ] \
  && ok "server branch equals the replica's" || bad "server branch differs"

# --- a district: credential helper, its own CA setting, end to end ------
"$P" init bg --office binh-giang --remote "$(url localhost "$GOOD")" --set http.ca_file="$T/ca/ca.crt" \
  --trust "$(province_pin)" >/dev/null && ok "district clones over https" || bad "district clone over https"
[ "$("$P" -C bg dump)" = "$("$P" -C tinh dump)" ] && ok "district has the plan over https" || bad "plan not cloned over https"
enrol bg
printf '#!/bin/sh\n[ "$1" = get ] && cat >/dev/null && printf "username=clerk\\npassword=s3cret pass\\n"\n' > helper.sh; chmod +x helper.sh
"$P" -C bg config http.credential_helper "$T/helper.sh"
"$P" -C bg progress set p2-t7 2021 --status on_track --note over-tls >/dev/null
( unset PLANSYNC_HTTP_USERNAME PLANSYNC_HTTP_PASSWORD; "$P" -C bg sync >/dev/null ) \
  && ok "push over https with a credential helper" || bad "https push with helper: $("$P" -C bg sync 2>&1)"
"$P" -C tinh sync >/dev/null && "$P" -C tinh dump | grep over-tls >/dev/null && ok "the district's change reached the province over https" || bad "change missing"
# the province's receipt of that report (issue 12) comes back with the next sync
( unset PLANSYNC_HTTP_USERNAME PLANSYNC_HTTP_PASSWORD; "$P" -C bg sync >/dev/null )
[ "$("$P" -C bg dump)" = "$("$P" -C tinh dump)" ] && ok "converged over https" || bad "no convergence over https"
git --git-dir=remote.git for-each-ref --format='%(refname)' | grep '^refs/heads/replicas/binh-giang/' >/dev/null \
  && ok "the district's branch is on the server (git for-each-ref)" || bad "district branch missing"

# --- Basic auth over https as over http ---------------------------------
f0=$failures
( unset PLANSYNC_HTTP_USERNAME PLANSYNC_HTTP_PASSWORD
  expect_fail 5 "asks for a username and password" "$P" init nopw --office nam-sach --remote "$(url localhost "$GOOD")" --set http.ca_file=ca/ca.crt
  PLANSYNC_HTTP_USERNAME=clerk PLANSYNC_HTTP_PASSWORD=wrong expect_fail 5 "authentication refused" \
    "$P" init nopw --office nam-sach --remote "$(url localhost "$GOOD")" --set http.ca_file=ca/ca.crt
  [ "$failures" -eq "$f0" ] ) || bad "basic auth over https"
rm -rf nopw

# --- refusals: each with the reason and what to do; nothing changes -----
snapshot() { # the replica's state, what it has fetched, and the server's refs
  "$P" -C bg dump; git --git-dir=bg/repo.git for-each-ref refs/remotes; git --git-dir=remote.git for-each-ref
}
"$P" -C bg progress set p2-t7 2022 --status delayed --note must-not-leave >/dev/null
refused() { # refused NAME PORT HOST PATTERN
  "$P" -C bg config remote "$(url "$3" "$2")"
  local before; before=$(snapshot)
  expect_fail 5 "$4" "$P" -C bg sync
  [ "$(snapshot)" = "$before" ] && ok "$1: nothing stored changed" || { bad "$1: state changed after a refused sync"; diff <(echo "$before") <(snapshot) | head -20; }
  [ "$("$P" -C bg status --json | json_num not_delivered)" -ge 1 ] && ok "$1: the change stays queued" || bad "$1: not counted as undelivered"
}
refused "wrong host name" "$WRONG" localhost \
  "TLS certificate of localhost is not valid.*Common Name.*not issued for the host name localhost.*plansync config remote URL"
refused "expired certificate" "$EXPIRED" localhost \
  "TLS certificate of localhost is not valid.*expired.*must renew it.*date and time"
refused "unknown authority" "$UNKNOWN" localhost \
  "TLS certificate of localhost is not valid.*not correctly signed.*not issued by the authority in http.ca_file \(.*ca/ca.crt\)"
# the good server by an address it was not issued for is a wrong host name too
refused "an address the certificate does not name" "$GOOD" 127.0.0.1 \
  "TLS certificate of 127.0.0.1 is not valid.*not issued for the host name 127.0.0.1"
# without the office's CA the good server is refused, with the way out
"$P" -C bg config http.ca_file ""
refused "no office CA" "$GOOD" localhost "not correctly signed.*plansync config http.ca_file FILE"
"$P" -C bg config http.ca_file "$T/ca/ca.crt"
"$P" -C bg config remote "$(url localhost "$GOOD")"
"$P" -C bg sync >/dev/null && "$P" -C tinh sync >/dev/null && "$P" -C tinh dump | grep must-not-leave >/dev/null \
  && ok "back on the good server the queued change goes out" || bad "queued change not delivered: $("$P" -C bg sync 2>&1)"

# --- http.ca_file bad input ----------------------------------------------
expect_fail 3 "http.ca_file .*is not a file" "$P" -C bg config http.ca_file "$T/nothing.pem"
printf 'not a certificate\n' > notpem.txt
expect_fail 3 "no certificate in PEM form" "$P" -C bg config http.ca_file "$T/notpem.txt"
openssl x509 -in ca/ca.crt -outform der -out ca.der
expect_fail 3 "no certificate in PEM form.*openssl x509 -inform der" "$P" -C bg config http.ca_file "$T/ca.der"
[ "$("$P" -C bg config http.ca_file)" = "$T/ca/ca.crt" ] && ok "a refused value leaves the setting alone" || bad "setting changed"
# a PEM file whose certificate does not parse: refused at the connection, said so
printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' > broken.pem
"$P" -C bg config http.ca_file "$T/broken.pem"
expect_fail 5 "http.ca_file .*broken.pem cannot be used" "$P" -C bg sync
"$P" -C bg config http.ca_file "$T/ca/ca.crt"
"$P" -C bg sync >/dev/null && ok "a good http.ca_file again: sync works" || bad "sync after fixing http.ca_file"
finish
