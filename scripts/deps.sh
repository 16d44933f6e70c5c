#!/usr/bin/env bash
# Install what plansync needs to build and test (Debian 12). As root it runs
# apt-get; otherwise it prints the exact command and stops.
set -euo pipefail
PKGS="build-essential cmake pkg-config git python3 clang clang-format libclang-rt-14-dev libsqlite3-dev libgit2-dev libcjson-dev libutf8proc-dev libcmocka-dev libssh2-1-dev libssl-dev zlib1g-dev libsodium-dev sqlite3 openssh-client openssh-server chromium nginx-light fcgiwrap gitolite3 openssl"
missing=()
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${missing[@]}" >&2
else
  echo "plansync needs these packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
