#!/usr/bin/env bash
# install-deps.sh [build|servers|fuzz|gui|all]  (default: all)
#
# Installs the Debian packages mailwire needs, only those missing, non-interactively.
#   build:   compiler, CMake, pkg-config, GnuTLS + nettle, GoogleTest/GoogleMock, certtool,
#            python3 (its email package checks composed messages in the tests), clang-format
#            (scripts/check-format.sh; the tree is formatted with version 14, Debian 12's)
#   servers: Postfix and Dovecot (IMAP + LMTP) for the integration tests and the demo
#   fuzz:    clang and its libFuzzer runtime for the fuzz stage of scripts/test.sh
#   gui:     Qt 6 (Widgets: the composer sample and the QtDriver tests) and Qt 5.15 (the
#            driver is tested with both), Xvfb to show the composer's window, ImageMagick and
#            xwininfo (x11-utils) to photograph it, a font to draw its text
# Package scripts must not configure or start the system's own mail services: Postfix is
# preseeded to "No configuration" and a temporary policy-rc.d forbids service starts.
# Exit status: 0 when everything is present; 3 when something is missing and we are not root.
set -euo pipefail

what=${1:-all}
build_pkgs=(build-essential cmake pkg-config libgnutls28-dev nettle-dev gnutls-bin libgtest-dev libgmock-dev python3
    clang-format)
server_pkgs=(postfix dovecot-imapd dovecot-lmtpd gnutls-bin)
fuzz_pkgs=(clang libclang-rt-dev)
gui_pkgs=(qt6-base-dev qtbase5-dev xvfb imagemagick x11-utils fonts-dejavu-core)
case $what in
build) want=("${build_pkgs[@]}") ;;
servers) want=("${server_pkgs[@]}") ;;
fuzz) want=("${fuzz_pkgs[@]}") ;;
gui) want=("${gui_pkgs[@]}") ;;
all) want=("${build_pkgs[@]}" "${server_pkgs[@]}" "${fuzz_pkgs[@]}" "${gui_pkgs[@]}") ;;
*) echo "usage: $0 [build|servers|fuzz|gui|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    [[ " ${missing[*]} " == *" $p "* ]] && continue # listed in both groups
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 3
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
created_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
fi
cleanup() { [[ $created_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT

apt_install() {
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
}
# Package lists are absent on a fresh machine and may be stale on an old one: update when
# there are none, and once more when the install fails.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt-get update -q
fi
if ! apt_install; then
    apt-get update -q
    apt_install
fi
