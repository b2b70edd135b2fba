#!/usr/bin/env bash
# build-windows.sh OUTDIR  (as root on Debian 12)
#
# Cross-builds mailwire for 64-bit Windows with mingw-w64 and installs it into OUTDIR:
#   bin/      libmailwire.dll (GnuTLS, nettle, gmp and gcc's runtime linked in: it imports
#             system DLLs only), and the mingw C++ runtime DLLs for C++ programs that import
#             them (plain x86_64-w64-mingw32-g++ without -static-libstdc++); mailwire.exe,
#             the command-line tool (cli/; imports libmailwire.dll and system DLLs only)
#   lib/      libmailwire.dll.a (import library), libmailwire_static.a, CMake package
#             (find_package(mailwire)), pkg-config files; and the static GnuTLS, nettle,
#             hogweed and gmp with their pkg-config files, which the static library and the
#             CMake package need
#   include/  mailwire/, gnutls/, nettle/, gmp.h, zlib.h
#
# zlib (IMAP COMPRESS=DEFLATE) is Debian's libz-mingw-w64-dev, linked statically into the DLL;
# its libz.a and headers are copied into OUTDIR beside GnuTLS's for the static library.
#
# GnuTLS, nettle and gmp come from Debian's source packages (apt-get source; a deb-src entry
# for the configured Debian archive is added when there is none) and are built once into a
# cache outside the checkout: $MW_MINGW_CACHE (default /var/cache/mailwire-mingw)/<key>/, the
# key naming the three source versions and the mingw compiler, plus a hash of the recipe
# below. A key's directory appears only when its build has finished; a run that stops halfway
# leaves <key>.partial/, which the next run deletes and starts again.
#
# mailwire is configured with cmake/toolchains/mingw-w64-x86_64.cmake, without -Werror and
# without tests and samples (the sources do not build warning-free for Windows yet).
#
# Environment: MW_MINGW_CACHE (cache directory), MW_JOBS (parallel jobs; default nproc),
# MW_WINDOWS_BUILD (mailwire's build directory; default a temporary one, removed on success),
# MW_DEPS_PREFIX_FILE (a file to write the dependency prefix's path into, for a further build
# against the same cache entry: the Windows test build of scripts/test.sh).
set -euo pipefail

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[[ $# -eq 1 && -n $1 ]] || usage

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
outdir=$(realpath -m "$1")
cache_root=$(realpath -m "${MW_MINGW_CACHE:-/var/cache/mailwire-mingw}")
jobs=${MW_JOBS:-$(nproc 2>/dev/null || echo 2)}
host=x86_64-w64-mingw32
start=$(date +%s)

log() { echo "== $* ($(( $(date +%s) - start )) s)"; }
die() { echo "build-windows.sh: $*" >&2; exit 1; }


# ---------------------------------------------------------------------------------------------
# Packages. Build tools always; the source-package tools too (cheap, and a cache miss needs
# them). Only what is missing is installed.

pkgs=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64 libz-mingw-w64-dev cmake make
      pkgconf dpkg-dev autoconf automake libtool autopoint xz-utils)
missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
done
apt_updated=0
apt_update() { [[ $apt_updated -eq 1 ]] || { apt-get update -q; apt_updated=1; }; }
if [[ ${#missing[@]} -gt 0 ]]; then
    [[ $(id -u) -eq 0 ]] || die "missing packages: ${missing[*]} (run as root to install them)"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then apt_update; fi
    apt_install() { apt-get install -y -q --no-install-recommends "${missing[@]}"; }
    apt_install || { apt_update; apt_install; }
fi

# ---------------------------------------------------------------------------------------------
# Source versions: what `apt-get source` would fetch now. Without a deb-src entry (or its
# index), add one for every enabled Debian stanza of this release and update once.

src_pkgs=(gmp nettle gnutls28)
print_dscs() {
    apt-get source --print-uris -qq "${src_pkgs[@]}" 2>/dev/null | awk '$2 ~ /\.dsc$/ { print $2 }'
}
has_deb_src() {
    grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
        grep -Eqs '^Types:.*[[:space:]]deb-src([[:space:]]|$)' /etc/apt/sources.list.d/*.sources
}
add_deb_src() {
    local codename f base=/etc/apt/sources.list.d/mailwire-deb-src
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release"
    # deb822 files: a deb-src copy of each enabled "deb" stanza of this release.
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -e $f && $f != "$base.sources" ]] || continue
        awk -v codename="$codename" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; suites = ""; enabled = "yes"; out = ""
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^[ \t]*#/) continue
                    if (line ~ /^Types:/) { types = line; continue }
                    if (line ~ /^Suites:/) suites = line
                    if (line ~ /^Enabled:/) { enabled = tolower(line); sub(/^enabled:[ \t]*/, "", enabled) }
                    out = out line "\n"
                }
                if (enabled == "no" || types !~ /[ \t]deb([ \t]|$)/) next
                n = split(suites, s, /[ \t]+/); ok = 0
                for (j = 2; j <= n; j++) if (s[j] == codename || index(s[j], codename "-") == 1) ok = 1
                if (ok) printf "Types: deb-src\n%s\n", out
            }' "$f"
    done >"$base.sources.tmp"
    # One-line files: "deb [options] URI SUITE COMPONENTS" lines of this release.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -e $f && $f != "$base.list" ]] || continue
        awk -v codename="$codename" '$1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
            suite = $(i + 1)
            if (suite == codename || index(suite, codename "-") == 1) { sub(/^deb/, "deb-src"); print }
        }' "$f"
    done >"$base.list.tmp"
    for f in "$base.sources" "$base.list"; do
        if [[ -s $f.tmp ]]; then mv "$f.tmp" "$f"; log "added deb-src entries: $f"; else rm -f "$f.tmp"; fi
    done
    [[ -e $base.sources || -e $base.list ]] ||
        die "found no Debian $codename entry in /etc/apt/sources.list* to add a deb-src entry for"
}
if ! dscs=$(print_dscs) || [[ $(wc -l <<<"$dscs") -ne ${#src_pkgs[@]} ]]; then
    [[ $(id -u) -eq 0 ]] || die "apt-get source finds no ${src_pkgs[*]} (run as root to add deb-src)"
    has_deb_src || add_deb_src
    apt_updated=0
    apt_update
    dscs=$(print_dscs) || true
    [[ $(wc -l <<<"$dscs") -eq ${#src_pkgs[@]} ]] ||
        die "apt-get source cannot find ${src_pkgs[*]}: is a deb-src entry for Debian configured?"
fi
declare -A ver
for p in "${src_pkgs[@]}"; do
    d=$(grep -E "^${p}_" <<<"$dscs") || die "no .dsc for $p"
    v=${d#"${p}_"}
    ver[$p]=${v%.dsc}
done

# ---------------------------------------------------------------------------------------------
# The recipe: one function per library, building from its unpacked Debian source (patches
# applied) in the current directory into $prefix. Static libraries only (no -g): linked into
# libmailwire.dll they make its bin/ one file and nothing can load another program's
# libgnutls-30.dll in their place; each library is also compiled once instead of twice.
# The cache key hashes these functions, so changing one rebuilds.

dep_cflags=-O2

build_gmp() {
    # The dfsg tarball has no doc/; Debian's patch drops it from Makefile.am and configure.ac
    # and autoreconfs. Instead keep the shipped configure (AM_MAINTAINER_MODE: no rebuild
    # rules) and give it an empty doc/Makefile.in.
    mkdir -p doc
    printf '# doc/ is not in the dfsg tarball\n.DEFAULT: ;\nall install: ;\n' >doc/Makefile.in
    mkdir -p _build && cd _build
    ../configure --host=$host --prefix="$prefix" --disable-shared --enable-static \
        CFLAGS="$dep_cflags -m64"
    make -j"$jobs"
    make install
}

build_nettle() {
    # Debian's fPIC.patch edits aclocal.m4 and configure together: keep the patched configure
    # and config.h.in newer than their inputs, so make does not run autoconf/autoheader.
    touch configure config.h.in stamp-h.in
    mkdir -p _build && cd _build
    ../configure --host=$host --prefix="$prefix" --libdir="$prefix/lib" \
        --disable-shared --disable-documentation --disable-openssl --enable-fat \
        CFLAGS="$dep_cflags" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib"
    # The libraries, headers and .pc files only: no tools, examples or test suite; and our
    # CFLAGS, not configure's (it appends -ggdb3 and warnings).
    make -j"$jobs" all-here CFLAGS="$dep_cflags"
    make install-here
}

build_gnutls() {
    # Debian's patches change configure.ac and gl/Makefile.am: autoreconf as debian/rules does.
    rm -f $(grep -rl gettext-0.20 m4/)
    GTKDOCIZE="echo gtkdocize disabled:" autoreconf -fi
    mkdir -p _build && cd _build
    # The library only: no tools, docs, tests, C++/DANE/OpenSSL-compat libraries, NLS,
    # compression, p11-kit, TPM or IDN; libtasn1 and libunistring from the tarball; Windows
    # threads (no libwinpthread). TLS features stay as upstream has them.
    PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH= \
    ../configure --host=$host --prefix="$prefix" --disable-shared --enable-static \
        --enable-threads=windows --disable-maintainer-mode \
        --disable-tools --disable-doc --disable-manpages --disable-gtk-doc --disable-tests \
        --disable-full-test-suite --disable-valgrind-tests --disable-cxx --disable-guile \
        --disable-libdane --disable-openssl-compatibility --disable-nls \
        --with-included-libtasn1 --with-included-unistring --without-p11-kit --without-idn \
        --without-tpm --without-tpm2 --without-zlib --without-brotli --without-zstd \
        CFLAGS="$dep_cflags" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib"
    # gl/ and lib/ only (the top-level make also builds src/gl, the tools' gnulib, and po/).
    make -j"$jobs" -C gl
    make -j"$jobs" -C lib
    make -C lib install
    # gnutls.h marks its variables (gnutls_free...) dllimport on Windows unless GnuTLS itself
    # is being built: wrong for a static library, whose users would then look for
    # __imp_gnutls_free. Nothing is imported from this build.
    local h="$prefix/include/gnutls/gnutls.h"
    grep -q '^#if !defined(GNUTLS_INTERNAL_BUILD) && defined(_WIN32)$' "$h" ||
        die "gnutls.h: the dllimport condition has changed; update build_gnutls"
    sed -i 's|^#if !defined(GNUTLS_INTERNAL_BUILD) && defined(_WIN32)$|#if 0 /* static library: nothing to import (scripts/build-windows.sh) */|' "$h"
}

# Make the prefix relocatable (it is built as <key>.partial and renamed): .pc files find it
# from their own place, and libtool's .la files (absolute paths, unused by CMake) go; no
# debug information (nor the build paths it names) in the libraries.
finish_prefix() {
    local pc
    rm -f "$prefix"/lib/*.la
    $host-strip --strip-debug "$prefix"/lib/*.a
    for pc in "$prefix"/lib/pkgconfig/*.pc; do
        sed -i -e "s|^prefix=$prefix\$|prefix=\${pcfiledir}/../..|" -e "s|$prefix|\${prefix}|g" "$pc"
    done
    ! grep -rl "$prefix" "$prefix/lib/pkgconfig" || die "absolute paths left in .pc files"
}

# ---------------------------------------------------------------------------------------------
# Cache key.

gcc_path=$(readlink -f "$(command -v $host-gcc)")
gcc_pkg=$(dpkg -S "$gcc_path" 2>/dev/null | head -n1 | cut -d: -f1) || true
[[ -n $gcc_pkg ]] || die "cannot tell which package $gcc_path belongs to"
gcc_pkg_ver=$(dpkg-query -W -f='${Version}' "$gcc_pkg")
crt_ver=$(dpkg-query -W -f='${Version}' mingw-w64-x86-64-dev 2>/dev/null || echo none)
key_text="gmp ${ver[gmp]}
nettle ${ver[nettle]}
gnutls28 ${ver[gnutls28]}
compiler $gcc_path $($host-gcc -dumpfullversion) $gcc_pkg $gcc_pkg_ver
mingw-w64-x86-64-dev $crt_ver
recipe $(declare -f build_gmp build_nettle build_gnutls finish_prefix | sha256sum | cut -c1-16) cflags=$dep_cflags"
key_hash=$(sha256sum <<<"$key_text" | cut -c1-12)
key="gmp-${ver[gmp]}_nettle-${ver[nettle]}_gnutls28-${ver[gnutls28]}_gcc-${gcc_pkg##*-}-${gcc_pkg_ver}_$key_hash"
cache="$cache_root/$key"
prefix="$cache/prefix"

mkdir -p "$cache_root"
# One builder at a time: a second run waits, then finds the cache filled. (A lock on the
# directory itself, so that a warm run needs no write access.)
exec 9<"$cache_root"
flock -n 9 || { log "waiting for another run that builds the dependencies"; flock 9; }

if [[ -f $cache/COMPLETE ]]; then
    log "dependencies: cached in $cache"
else
    [[ $(id -u) -eq 0 ]] || [[ -w $cache_root ]] || die "cannot write $cache_root"
    log "dependencies: building into $cache (cold cache)"
    rm -rf "$cache_root"/*.partial "$cache"
    partial="$cache.partial"
    mkdir -p "$partial/src" "$partial/logs"
    # The real prefix path is in the objects' search paths only while building; the files
    # installed are made relocatable by finish_prefix before the rename.
    prefix="$partial/prefix"
    (
        cd "$partial/src"
        # apt's download sandbox user must be able to write here.
        if id _apt >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then chown _apt "$partial/src"; fi
        apt-get source -q "${src_pkgs[@]}" >"$partial/logs/apt-get-source.log" 2>&1 ||
            { tail -n 20 "$partial/logs/apt-get-source.log"; die "apt-get source failed"; }
        for p in "${src_pkgs[@]}"; do
            [[ -f ${p}_${ver[$p]}.dsc ]] || die "apt-get source fetched another $p than ${ver[$p]}"
        done
    )
    run_step() { # name dir function
        local t0=$SECONDS rc
        log "  $1"
        # Not in a condition: errexit must stay on inside the recipe.
        set +e
        (set -e; cd "$2"; PS4='+ [$SECONDS s] '; set -x; "$3") >"$partial/logs/$1.log" 2>&1
        rc=$?
        set -e
        if [[ $rc -ne 0 ]]; then
            tail -n 40 "$partial/logs/$1.log" >&2
            die "$1 failed; log: $partial/logs/$1.log"
        fi
        echo "$1 $(( SECONDS - t0 )) s" >>"$partial/logs/times"
    }
    srcdir() { local d; d=$(find "$partial/src" -mindepth 1 -maxdepth 1 -type d -name "$1-*"); echo "$d"; }
    run_step gmp "$(srcdir gmp)" build_gmp
    run_step nettle "$(srcdir nettle)" build_nettle
    run_step gnutls "$(srcdir gnutls28)" build_gnutls
    finish_prefix
    rm -rf "$partial/src"
    printf '%s\n' "$key_text" >"$partial/KEY"
    date -u +%FT%TZ >"$partial/COMPLETE"
    prefix="$cache/prefix"
    mv -T "$partial" "$cache"
    log "dependencies: built ($(tr '\n' ',' <"$cache/logs/times" | sed 's/,$//'))"
fi
exec 9>&- # the cache entry is complete; it is never changed after this
if [[ -n ${MW_DEPS_PREFIX_FILE:-} ]]; then printf '%s\n' "$prefix" >"$MW_DEPS_PREFIX_FILE"; fi

# ---------------------------------------------------------------------------------------------
# mailwire.

build=${MW_WINDOWS_BUILD:-}
remove_build=0
if [[ -z $build ]]; then
    build=$(mktemp -d "${TMPDIR:-/tmp}/mailwire-windows.XXXXXX")
    remove_build=1
fi
mkdir -p "$build"

# OUTDIR: new, empty, or an earlier OUTDIR of this script (then replaced whole).
if [[ -e $outdir ]] && [[ -n $(ls -A "$outdir" 2>/dev/null) ]]; then
    [[ -f $outdir/lib/cmake/mailwire/mailwireConfig.cmake ]] ||
        die "$outdir is neither empty nor an earlier output of this script"
    rm -rf "${outdir:?}/bin" "${outdir:?}/lib" "${outdir:?}/include" "${outdir:?}/share"
fi

log "mailwire: configure ($build)"
cmake -S "$root" -B "$build" \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake" \
    -DMAILWIRE_MINGW_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$outdir" \
    -DMAILWIRE_WERROR=OFF -DMAILWIRE_BUILD_TESTS=OFF -DMAILWIRE_BUILD_SAMPLES=OFF \
    >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; die "cmake configure failed"; }
log "mailwire: build"
cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 ||
    { grep -E 'error|Error' "$build/build.log" | head -n 40 >&2; die "build failed; log: $build/build.log"; }
cmake --install "$build" --strip >"$build/install.log" 2>&1 ||
    { cat "$build/install.log" >&2; die "install failed"; }

# Warnings of the Windows build, by kind (unique places; both libraries compile each file).
# (grep finds none in a warning-free build: not a failure under pipefail.)
nwarn=$({ grep -E ': warning: ' "$build/build.log" || true; } | sort -u | wc -l)
if [[ $nwarn -gt 0 ]]; then
    echo "mailwire: $nwarn compiler warnings for Windows (unique), by kind:"
    grep -E ': warning: ' "$build/build.log" | sort -u |
        sed -E -e 's/.*: warning: (.*) \[(-W[^]=]*)=?\]$/\2/' -e 's/.*: warning: //' |
        sort | uniq -c | sort -rn | sed 's/^/  /'
fi

# The dependencies: headers, static libraries and .pc files (the static library and the
# CMake package's pkg_check_modules need them).
cp -a "$prefix/include/." "$outdir/include/"
cp -a "$prefix"/lib/*.a "$outdir/lib/"
cp -a "$prefix"/lib/pkgconfig/*.pc "$outdir/lib/pkgconfig/"
cp -a /usr/$host/include/zlib.h /usr/$host/include/zconf.h "$outdir/include/"
cp -a /usr/$host/lib/libz.a "$outdir/lib/"
# Debian's zlib.pc names /usr/$host: a relocatable one, like the dependencies' (mailwire.pc
# requires zlib for --static).
zver=$(sed -n 's/^Version: //p' /usr/$host/lib/pkgconfig/zlib.pc)
printf '%s\n' 'prefix=${pcfiledir}/../..' 'libdir=${prefix}/lib' 'includedir=${prefix}/include' '' \
    'Name: zlib' 'Description: zlib compression library' "Version: $zver" \
    'Libs: -L${libdir} -lz' 'Cflags: -I${includedir}' >"$outdir/lib/pkgconfig/zlib.pc"

# bin/: libmailwire.dll, and every non-system DLL it or the C++ runtime imports, found in
# the compiler's directories (e.g. libstdc++-6.dll, libgcc_s_seh-1.dll, libwinpthread-1.dll).
dll_imports() { $host-objdump -p "$1" | sed -n 's/^[[:space:]]*DLL Name: //p'; }
find_dll() { # name -> path, or nothing for a system DLL
    local f
    for f in "$outdir/bin/$1" "$prefix/bin/$1"; do [[ -f $f ]] && { echo "$f"; return; }; done
    f=$($host-g++ -print-file-name="$1")
    [[ $f == /* && -f $f ]] && echo "$f"
    return 0
}
queue=("$outdir/bin/libmailwire.dll")
cxxrt=$(find_dll libstdc++-6.dll)
[[ -n $cxxrt ]] && queue+=("$cxxrt")
declare -A seen=()
system_dlls=()
while [[ ${#queue[@]} -gt 0 ]]; do
    f=${queue[0]}
    queue=("${queue[@]:1}")
    if [[ $f != "$outdir/bin/"* ]]; then # Debian's runtime DLLs carry debug information
        cp -f "$f" "$outdir/bin/"
        $host-strip --strip-debug "$outdir/bin/${f##*/}"
    fi
    while read -r d; do
        [[ -n ${seen[${d,,}]:-} ]] && continue
        seen[${d,,}]=1
        p=$(find_dll "$d")
        if [[ -n $p ]]; then queue+=("$p"); else system_dlls+=("$d"); fi
    done < <(dll_imports "$f")
done

[[ $remove_build -eq 1 ]] && rm -rf "$build"
log "installed into $outdir"
echo "  bin: $(cd "$outdir/bin" && ls | tr '\n' ' ')"
echo "  system DLLs imported: $(printf '%s\n' "${system_dlls[@]}" | sort -fu | tr '\n' ' ')"
