#!/usr/bin/env bash
# installed-consumer.sh WINE PREFIX OUTDIR SOURCE FLAVOUR LINK WORKDIR: an application built
# against scripts/build-windows.sh's installed tree OUTDIR, the way its README shows, and run
# under Wine against the fixture's Postfix and Dovecot (issue 13: "a C program and an MFC-style
# C++ program (ANSI and UNICODE) compile against OUTDIR with the mingw compilers and run under
# Wine against real Postfix and Dovecot").
#   SOURCE   tests/windows/consumer_real.c (C) or consumer_mfc.cpp (C++ classes): by extension
#            x86_64-w64-mingw32-gcc or -g++, with -Wall -Wextra -Werror.
#   FLAVOUR  ansi, or unicode (-DUNICODE -D_UNICODE -municode: _tmain is wmain).
#   LINK     shared (libmailwire.dll's import library; the program runs beside OUTDIR/bin's
#            DLLs, copied into WORKDIR) or static (-DMAILWIRE_STATIC, libmailwire_static.a and
#            GnuTLS from pkg-config; libmailwire.dll is not copied, so a stray import of it
#            fails).
#   WORKDIR  where the program is built and run (inside the build tree).
# The program exits 0 only when the message it sent was read back over IMAP.
#
# An installed tree without the pieces needed, a missing compiler or Wine: exit 77 (skipped),
# or 1 when CI is set (a missing piece is an error there).
set -uo pipefail
wine=$1 prefix=$2 outdir=$3 source=$4 flavour=$5 link=$6 workdir=$7
here=$(dirname "$(readlink -f "$0")")

case $source in
*.c) cc=x86_64-w64-mingw32-gcc ;;
*.cpp) cc=x86_64-w64-mingw32-g++ ;;
*) echo "installed-consumer: $source is neither C nor C++" >&2; exit 2 ;;
esac
missing=
for tool in "$wine" "$cc" pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || missing+=" $tool"
done
for f in include/mailwire/mailwire.h include/mailwire/Mailwire.hpp lib/libmailwire.dll.a \
    lib/libmailwire_static.a lib/pkgconfig/gnutls.pc bin/libmailwire.dll; do
    [[ -e $outdir/$f ]] || missing+=" $outdir/$f"
done
if [[ -n $missing ]]; then
    echo "installed-consumer: missing:$missing (scripts/build-windows.sh OUTDIR)" >&2
    [[ -n ${CI:-} ]] && exit 1
    exit 77
fi

# shellcheck disable=SC1091
source "$MW_FIXTURE_STATE/env.sh" || { echo "installed-consumer: no fixture environment" >&2; exit 1; }

name=$(basename "${source%.*}")-$flavour-$link
flags=(-Wall -Wextra -Werror -I"$outdir/include")
[[ $flavour == unicode ]] && flags+=(-DUNICODE -D_UNICODE -municode)
[[ $source == *.cpp ]] && flags+=(-std=c++17)
if [[ $link == static ]]; then
    flags+=(-DMAILWIRE_STATIC)
    # shellcheck disable=SC2207
    libs=(-L"$outdir/lib" -lmailwire_static
          $(PKG_CONFIG_LIBDIR="$outdir/lib/pkgconfig" pkg-config --static --libs gnutls nettle zlib))
else
    libs=(-L"$outdir/lib" -lmailwire)
fi
rm -rf "${workdir:?}/$name"
mkdir -p "$workdir/$name"
echo "+ $cc ${flags[*]} $source ${libs[*]} -o $name.exe"
"$cc" "${flags[@]}" "$source" "${libs[@]}" -o "$workdir/$name/$name.exe" || exit 1
for dll in "$outdir"/bin/*.dll; do
    [[ $link == static && $(basename "$dll") == libmailwire.dll ]] && continue
    cp "$dll" "$workdir/$name/"
done

case $source in
*.cpp) args=(localhost "$MW_SMTP_PORT" "$MW_SUBMISSION_PORT" "$MW_IMAP_PORT") ;;
*) args=(localhost "$MW_SUBMISSION_PORT" "$MW_IMAP_PORT") ;;
esac
args+=("$MW_USER1" "$MW_PASS1" "$MW_CA_FILE" "$MW_USER1@$MW_DOMAIN")
cd "$workdir/$name" || exit 1
timeout 240 "$here/wine-run.sh" "$wine" "$prefix" "./$name.exe" "${args[@]}"
