#!/usr/bin/env bash
# Installs this build into a scratch prefix, checks that <mailwire/adapters/glib.h> and
# <mailwire/adapters/libuv.h> are installed as they are in the source tree, and compiles each
# from there (included twice, with a function that calls its API) with gcc and clang, as C11 and
# as C++17, at -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror -O2.
# GLib's and libuv's flags come from pkg-config. With CI set, a missing compiler or library is
# a failure; otherwise it is noted, and the test is skipped (77) when nothing could be checked.
# Usage: check_headers.sh SOURCE_DIR BUILD_DIR WORK_DIR [CMAKE]
set -euo pipefail
src=$1 build=$2 work=$3 cmake=${4:-cmake}
rm -rf "$work"
mkdir -p "$work"
status=0 checked=0

unavailable() {
    if [[ -n ${CI:-} ]]; then
        echo "FAIL: $1 (CI is set)"
        status=1
    else
        echo "note: $1; not checked"
    fi
}

"$cmake" --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
    { cat "$work/install.log"; exit 1; }
inc=$work/prefix/include
for h in glib libuv; do
    if ! cmp -s "$src/wrapper/mailwire/adapters/$h.h" "$inc/mailwire/adapters/$h.h"; then
        echo "FAIL: mailwire/adapters/$h.h is not installed (or differs from the source)"
        status=1
    fi
done

# What each header's check compiles: both includes, and every API function called.
cat >"$work/glib.c" <<'C'
#include <mailwire/adapters/glib.h>
#include <mailwire/adapters/glib.h>

int use_glib(HCLIENT h);
int use_glib(HCLIENT h)
{
    GSource *s = mailwire_glib_source_new(h);
    if (s)
        g_source_unref(s);
    return mailwire_glib_attach(h, NULL) != 0;
}
C
cat >"$work/libuv.c" <<'C'
#include <mailwire/adapters/libuv.h>
#include <mailwire/adapters/libuv.h>

int use_libuv(HCLIENT h, uv_loop_t *loop);
int use_libuv(HCLIENT h, uv_loop_t *loop)
{
    mailwire_uv *d = mailwire_uv_attach(h, loop);
    mailwire_uv_detach(d);
    return d != NULL;
}
C
warn=(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror -O2)
for h in glib libuv; do
    pc=glib-2.0
    [[ $h == libuv ]] && pc=libuv
    if ! pcflags=$(pkg-config --cflags "$pc" 2>/dev/null); then
        unavailable "pkg-config finds no $pc (scripts/install-deps.sh loops)"
        continue
    fi
    read -r -a pcflags <<<"$pcflags"
    cp "$work/$h.c" "$work/$h.cpp"
    # libuv's headers use POSIX types strict C11 does not declare (see libuv.h).
    posix=()
    [[ $h == libuv ]] && posix=(-D_POSIX_C_SOURCE=200809L)
    for cc in gcc clang g++ clang++; do
        if ! command -v "$cc" >/dev/null; then
            unavailable "$cc is not installed"
            continue
        fi
        case $cc in
        *++) mode=(-std=c++17) file=$work/$h.cpp ;;
        *) mode=(-std=c11 "${posix[@]}") file=$work/$h.c ;;
        esac
        if "$cc" "${mode[@]}" "${warn[@]}" -I"$inc" "${pcflags[@]}" -c "$file" -o "$work/$h.o"; then
            echo "$cc ${mode[0]}: mailwire/adapters/$h.h clean"
            checked=$((checked + 1))
        else
            echo "FAIL: $cc ${mode[0]}: mailwire/adapters/$h.h"
            status=1
        fi
    done
done
[[ $status -eq 0 && $checked -eq 0 ]] && exit 77
exit $status
