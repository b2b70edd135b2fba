#!/usr/bin/env bash
# install-deps.sh [build|servers|interop|fuzz|loops|gui|docs|windows|all]  (default: all)
#
# Installs the Debian packages mailwire needs, only those missing, non-interactively.
#   build:   compiler, CMake, pkg-config, GnuTLS + nettle, GoogleTest/GoogleMock, certtool,
#            python3 (its email package checks composed messages in the tests), clang-format
#            (scripts/check-format.sh; the tree is formatted with version 14, Debian 12's)
#   servers: Postfix and Dovecot (IMAP + LMTP) for the integration tests and the demo
#   interop: the second family of servers of tests/interop (Cyrus IMAP, Courier-IMAP, Exim,
#            OpenSMTPD). Installed the normal way they would remove Postfix and Dovecot (they
#            conflict), so their packages are downloaded (apt-get download) and unpacked
#            (dpkg -x) into MW_INTEROP_CACHE (default /var/cache/mailwire-interop), reused while
#            the package versions stay the same; the libraries they link are ordinary packages,
#            installed with apt-get. tests/fixtures/interop.sh runs them from there.
#   fuzz:    clang and its libFuzzer runtime for the fuzz stage of scripts/test.sh
#   loops:   GLib and libuv headers for the event-loop drivers' tests and samples
#            (<mailwire/adapters/glib.h>, <mailwire/adapters/libuv.h>)
#   docs:    Doxygen and Graphviz (scripts/docs.sh, the documentation site) and abigail-tools
#            (abidw/abidiff: the ABI check of scripts/test.sh against tests/abi/)
#   windows: the mingw-w64 cross compilers (both thread models: the test programs need the
#            posix one's std::thread), their zlib (COMPRESS=DEFLATE) and Wine, for the Windows
#            stage of scripts/test.sh
#            (scripts/build-windows.sh installs the tools of the GnuTLS build itself); Xvfb,
#            xauth (xvfb-run) and ImageMagick for the Win32 sample's test, which shows its
#            window on a virtual display and keeps a PNG of it (tests/windows/sample-win32.sh)
#   gui:     Qt 6 (Widgets: the composer sample and the QtDriver tests) and Qt 5.15 (the
#            driver is tested with both), Xvfb to show the composer's window, ImageMagick and
#            xwininfo (x11-utils) to photograph it, a font to draw its text
# Package scripts must not configure or start the system's own mail services: Postfix is
# preseeded to "No configuration" and a temporary policy-rc.d forbids service starts.
# Exit status: 0 when everything is present; 3 when something is missing and we are not root.
set -euo pipefail

what=${1:-all}
build_pkgs=(build-essential cmake pkg-config libgnutls28-dev nettle-dev zlib1g-dev gnutls-bin libgtest-dev libgmock-dev python3
    clang-format)
server_pkgs=(postfix dovecot-imapd dovecot-lmtpd gnutls-bin)
fuzz_pkgs=(clang libclang-rt-dev)
docs_pkgs=(doxygen graphviz abigail-tools)
windows_pkgs=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 gcc-mingw-w64-x86-64-posix
    g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 libz-mingw-w64-dev wine wine64
    libgtest-dev libgmock-dev
    xvfb xauth imagemagick)
gui_pkgs=(qt6-base-dev qtbase5-dev xvfb imagemagick x11-utils fonts-dejavu-core)
# The libraries (and helpers) the unpacked interop servers need: `ldd` of every program
# tests/fixtures/interop.sh runs, mapped to their packages. gamin: Courier's IMAP_ENHANCEDIDLE
# watches the Maildir through its gam_server.
interop_pkgs=(libcom-err2 libcourier-unicode4 libdb5.3 libevent-2.1-7 libgamin0 gamin libgdbm6
    libgnutls-dane0 libical3 libicu72 libidn12 libjansson4 libkrb5-3 libldap-2.5-0 libltdl7
    libmariadb3 libnsl2 libpam0g libpcre2-8-0 libpcre3 libperl5.36 libpq5 libsasl2-2
    libsasl2-modules libsasl2-modules-db libspf2-2 libsqlite3-0 libssl3 libunbound8 libwrap0
    libxapian30 libxml2 perl gnutls-bin openssl)
# Downloaded and unpacked, never installed (each conflicts with Postfix or Dovecot, or pulls in
# a package that does: imap-server, mail-transport-agent).
interop_debs=(cyrus-imapd cyrus-common courier-imap courier-base courier-authlib
    courier-authdaemon courier-authlib-userdb exim4-daemon-heavy exim4-base opensmtpd sasl2-bin)
interop=0
loop_pkgs=(libglib2.0-dev libuv1-dev)
case $what in
build) want=("${build_pkgs[@]}") ;;
servers) want=("${server_pkgs[@]}") ;;
interop) want=("${interop_pkgs[@]}"); interop=1 ;;
fuzz) want=("${fuzz_pkgs[@]}") ;;
loops) want=("${loop_pkgs[@]}") ;;
gui) want=("${gui_pkgs[@]}") ;;
docs) want=("${docs_pkgs[@]}") ;;
windows) want=("${windows_pkgs[@]}") ;;
all) want=("${build_pkgs[@]}" "${server_pkgs[@]}" "${interop_pkgs[@]}" "${fuzz_pkgs[@]}" "${loop_pkgs[@]}"
    "${gui_pkgs[@]}" "${docs_pkgs[@]}" "${windows_pkgs[@]}"); interop=1 ;;
*) echo "usage: $0 [build|servers|interop|fuzz|loops|gui|docs|windows|all]" >&2; exit 2 ;;
esac

# The unpacked interop servers: MW_INTEROP_CACHE/root-KEY, KEY naming the package versions.
# Prints nothing; exit 0 when the tree is ready (made now or before), 3 when it is missing and
# we are not root.
interop_tree() {
    local cache=${MW_INTEROP_CACHE:-/var/cache/mailwire-interop} key p v tree
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        [[ $(id -u) -eq 0 ]] || return 3
        apt-get update -q
    fi
    # One apt-cache call for all (each call reads the package lists: ~0.4 s).
    local -A ver=()
    while read -r p v; do ver[$p]=$v; done < <(apt-cache policy "${interop_debs[@]}" 2>/dev/null |
        awk '/^[^ ].*:$/ {sub(":$", ""); p=$0} /Candidate:/ {print p, $2}')
    key=
    for p in "${interop_debs[@]}"; do
        v=${ver[$p]:-}
        [[ -n $v && $v != "(none)" ]] || { echo "interop: no candidate for $p" >&2; return 1; }
        key+="$p=$v "
    done
    tree=$cache/root-$(printf '%s' "$key" | sha256sum | cut -c1-12)
    if [[ -f $tree/.done ]]; then
        ln -sfn "$tree" "$cache/root"
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || { echo "interop servers not unpacked (run as root)" >&2; return 3; }
    echo "interop: downloading and unpacking ${interop_debs[*]} into $tree"
    mkdir -p "$cache/debs"
    # apt-get download writes as the _apt user when it can: give it the folder.
    chown _apt "$cache/debs" 2>/dev/null || true
    (cd "$cache/debs" && apt-get download -q "${interop_debs[@]}" >/dev/null) || {
        apt-get update -q
        (cd "$cache/debs" && apt-get download -q "${interop_debs[@]}" >/dev/null)
    }
    rm -rf "$tree.tmp"
    mkdir -p "$tree.tmp"
    for p in "${interop_debs[@]}"; do
        v=${ver[$p]}
        local deb
        deb=$(compgen -G "$cache/debs/${p}_${v/*:/}_*.deb" | head -1) || true
        [[ -n $deb ]] || { echo "interop: $p $v was not downloaded" >&2; return 1; }
        dpkg -x "$deb" "$tree.tmp"
    done
    printf '%s\n' "$key" >"$tree.tmp/.done"
    rm -rf "$tree"
    mv "$tree.tmp" "$tree"
    ln -sfn "$tree" "$cache/root"
    # Older trees and downloads of other versions are not needed any more.
    find "$cache" -maxdepth 1 -name 'root-*' ! -path "$tree" -exec rm -rf {} + 2>/dev/null || true
}

finish() {
    if ((interop)); then
        interop_tree
    fi
}

missing=()
for p in "${want[@]}"; do
    [[ " ${missing[*]} " == *" $p "* ]] && continue # listed in both groups
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    finish
    exit
fi

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
finish
