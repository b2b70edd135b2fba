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

# The Windows branches (a SOCKET, WSAEventSelect() for GLib, uv_poll_init_socket()) type-checked
# with MinGW when it is installed (scripts/build-windows.sh installs it; optional here). libuv's
# Debian headers carry its Windows ones. GLib's Windows glibconfig.h is derived from this
# machine's: G_OS_WIN32 and LLP64 integer types. That checks the adapter against GLib's Windows
# declarations and MinGW's winsock2.h; it is no build of GLib for Windows.
mingw=x86_64-w64-mingw32
if command -v $mingw-gcc >/dev/null && command -v $mingw-g++ >/dev/null; then
    mkdir -p "$work/win/glib" "$work/win/uv"
    uvh=$(pkg-config --variable=includedir libuv 2>/dev/null || true)
    [[ -f $uvh/uv.h ]] && cp -r "$uvh/uv.h" "$uvh/uv" "$work/win/uv/"
    cfg=$(pkg-config --variable=libdir glib-2.0 2>/dev/null || true)/glib-2.0/include/glibconfig.h
    if [[ -f $cfg ]] && grep -q '^#define G_OS_UNIX$' "$cfg" && grep -q '^typedef signed long gint64;' "$cfg"; then
        sed -e 's/^#define G_OS_UNIX$/#define G_OS_WIN32\n#define G_PLATFORM_WIN32/' \
            -e 's/^typedef signed long \(gint64\|gssize\|gintptr\);/typedef signed long long \1;/' \
            -e 's/^typedef unsigned long \(guint64\|gsize\|guintptr\);/typedef unsigned long long \1;/' \
            -e 's/(val##L)/(val##LL)/' -e 's/GLIB_SIZEOF_LONG *8/GLIB_SIZEOF_LONG 4/' \
            "$cfg" >"$work/win/glib/glibconfig.h"
    fi
    for h in glib libuv; do
        case $h in
        glib)
            [[ -f $work/win/glib/glibconfig.h ]] || { echo "note: no glibconfig.h to derive; GLib not checked for Windows"; continue; }
            inc_h=(-I"$work/win/glib" -I"$(pkg-config --variable=includedir glib-2.0)/glib-2.0")
            ;;
        libuv)
            [[ -f $work/win/uv/uv.h ]] || { echo "note: no uv.h; libuv not checked for Windows"; continue; }
            inc_h=(-I"$work/win/uv")
            ;;
        esac
        for cc in $mingw-gcc $mingw-g++; do
            case $cc in
            *++) mode=(-std=c++17) file=$work/$h.cpp ;;
            *) mode=(-std=c11) file=$work/$h.c ;;
            esac
            if "$cc" "${mode[@]}" "${warn[@]}" -I"$inc" "${inc_h[@]}" -c "$file" -o "$work/$h.win.o"; then
                echo "$cc ${mode[0]}: mailwire/adapters/$h.h clean for Windows"
            else
                echo "FAIL: $cc ${mode[0]}: mailwire/adapters/$h.h for Windows"
                status=1
            fi
        done
    done
else
    echo "note: MinGW is not installed; the Windows branches are not checked"
fi

[[ $status -eq 0 && $checked -eq 0 ]] && exit 77
exit $status
