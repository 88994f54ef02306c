#!/bin/bash
# Installs what building cifsd needs (and, with --test, what its test suites
# need) from Debian 12 packages. Idempotent: when everything is already
# installed it does not touch the network at all.
set -euo pipefail

BUILD_PKGS=(build-essential g++ autoconf automake libtool pkg-config
  libevent-dev libssl-dev libseccomp-dev libcap-ng-dev libinih-dev libcmocka-dev
  librdmacm-dev libibverbs-dev libkrb5-dev)
TEST_PKGS=(smbclient samba-testsuite python3-impacket python3-pycryptodome tshark clang samba
  procps iproute2 xxd krb5-kdc krb5-admin-server krb5-user e2fsprogs mount)

want=("${BUILD_PKGS[@]}")
for a in "$@"; do
  case "$a" in
    --test) want+=("${TEST_PKGS[@]}") ;;
    -h|--help) echo "usage: $0 [--test]"; exit 0 ;;
    *) echo "$0: unknown option $a" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages already installed"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
# tshark asks whether non-root users may capture; answer no, non-interactively.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
