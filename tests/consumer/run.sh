#!/usr/bin/env bash
# Usage: run.sh BUILD_DIR SOURCE_DIR CONSUMER_SRC WORK_DIR CMAKE CC CXX SHARED STATIC WERROR
#
# Builds the consumer project (CONSUMER_SRC) the ways a user would:
#   1. against BUILD_DIR installed into a scratch prefix (whichever libraries it has: SHARED and
#      STATIC are its MAILWIRE_SHARED / MAILWIRE_STATIC), through find_package and pkg-config;
#   2. against SOURCE_DIR configured static-only and shared-only (the library alone), each
#      installed and used the same way; a variant equal to BUILD_DIR's is not built twice;
#   3. with add_subdirectory() on SOURCE_DIR, static-only, which must install nothing of
#      mailwire (MAILWIRE_INSTALL is off below the top level).
# Every program runs; the ones that link mailwire::mailwire or mailwire::cpp must use the shared
# library when there is one and must not need any libmailwire.so when there is none.
set -euo pipefail
build=$1 source=$2 src=$3 work=$4 cmake=$5 cc=$6 cxx=$7 shared=$8 static=$9 werror=${10}
rm -rf "$work"
mkdir -p "$work"

on() { [[ ${1^^} =~ ^(ON|1|TRUE|YES|Y)$ ]]; }

# The program's output must show the version line main.c / main.cpp print.
run_consumer() {
    local exe=$1 out
    out=$("$exe")
    echo "  $(basename "$exe"): $out"
    case $out in *"mailwire "[0-9]*.*) ;; *) echo "unexpected output from $exe"; exit 1 ;; esac
}

# Whether an executable is dynamically linked against libmailwire. Not "ldd | grep -q": grep -q
# exits at the first match, ldd may then die of SIGPIPE, and with pipefail that reads as "not
# linked" now and then.
links_shared() {
    local libs
    libs=$(ldd "$1")
    grep -q "$2" <<<"$libs"
}

expect_linkage() { # exe shared(ON/OFF) libdir
    if on "$2"; then
        links_shared "$1" "$3/libmailwire.so" || {
            echo "$1 is not linked against $3/libmailwire.so"; exit 1; }
    elif links_shared "$1" "libmailwire.so"; then
        echo "$1 needs libmailwire.so, but this build has no shared library"; exit 1
    fi
}

# check_prefix NAME PREFIX SHARED STATIC: the installed files, then the consumer through
# find_package and through pkg-config.
check_prefix() {
    local name=$1 prefix=$2 has_shared=$3 has_static=$4 config libdir bdir exe
    echo "== $name: installed libraries"
    config=$(find "$prefix" -name mailwireConfig.cmake | head -n1)
    [[ -n $config ]] || { echo "no mailwireConfig.cmake under $prefix"; exit 1; }
    libdir=$(cd "$(dirname "$config")/../.." && pwd)
    for kind in shared:libmailwire.so static:libmailwire.a; do
        local want=$has_static
        [[ $kind == shared:* ]] && want=$has_shared
        if on "$want"; then
            [[ -e $libdir/${kind#*:} ]] || { echo "${kind#*:} is not installed"; exit 1; }
        elif [[ -e $libdir/${kind#*:} ]]; then
            echo "${kind#*:} is installed by a build without it"; exit 1
        fi
    done

    echo "== $name: find_package(mailwire)"
    bdir=$work/$name-consumer
    "$cmake" -S "$src" -B "$bdir" -Dmailwire_DIR="$(dirname "$config")" \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
        -DMW_EXPECT_SHARED="$has_shared" -DMW_EXPECT_STATIC="$has_static" >"$bdir.configure.log" ||
        { cat "$bdir.configure.log"; exit 1; }
    "$cmake" --build "$bdir" >"$bdir.build.log" || { cat "$bdir.build.log"; exit 1; }
    for exe in consumer_c consumer_cpp; do
        LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run_consumer "$bdir/$exe"
        LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
            expect_linkage "$bdir/$exe" "$has_shared" "$libdir"
    done
    if on "$has_static"; then
        run_consumer "$bdir/consumer_static"
        expect_linkage "$bdir/consumer_static" OFF "$libdir"
    fi

    echo "== $name: pkg-config"
    local exe=$work/$name-pc_consumer
    [[ -e $libdir/pkgconfig/mailwire.pc ]] || { echo "mailwire.pc is not installed"; exit 1; }
    # shellcheck disable=SC2046
    "$cc" -std=c11 -Wall -Wextra -Werror -o "$exe" "$src/main.c" \
        $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs mailwire)
    LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run_consumer "$exe"
    LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
        expect_linkage "$exe" "$has_shared" "$libdir"
}

# The library alone from SOURCE_DIR with the given options.
build_library() { # name options...
    local name=$1
    shift
    echo "== $name: configure and build the library ($*)"
    "$cmake" -S "$source" -B "$work/$name-build" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_CXX_COMPILER="$cxx" -DMAILWIRE_BUILD_TESTS=OFF -DMAILWIRE_BUILD_SAMPLES=OFF \
        -DMAILWIRE_WERROR="$werror" "$@" >"$work/$name-build.log" ||
        { cat "$work/$name-build.log"; exit 1; }
    "$cmake" --build "$work/$name-build" --parallel 2 >>"$work/$name-build.log" ||
        { cat "$work/$name-build.log"; exit 1; }
    "$cmake" --install "$work/$name-build" --prefix "$work/$name-prefix" >>"$work/$name-build.log"
}

"$cmake" --install "$build" --prefix "$work/this-prefix" >"$work/install.log"
check_prefix this "$work/this-prefix" "$shared" "$static"

if on "$shared"; then # else this build was the static-only one
    build_library static-only -DMAILWIRE_SHARED=OFF
    check_prefix static-only "$work/static-only-prefix" OFF ON
fi
if on "$static"; then
    build_library shared-only -DMAILWIRE_STATIC=OFF
    check_prefix shared-only "$work/shared-only-prefix" ON OFF
fi

echo "== add_subdirectory(mailwire), static-only"
bdir=$work/subdir-consumer
"$cmake" -S "$src" -B "$bdir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DMW_MAILWIRE_SOURCE="$source" -DMAILWIRE_SHARED=OFF -DMW_EXPECT_SHARED=OFF \
    -DMW_EXPECT_STATIC=ON >"$bdir.configure.log" || { cat "$bdir.configure.log"; exit 1; }
"$cmake" --build "$bdir" --parallel 2 >"$bdir.build.log" || { cat "$bdir.build.log"; exit 1; }
for exe in consumer_c consumer_static consumer_cpp; do
    run_consumer "$bdir/$exe"
    expect_linkage "$bdir/$exe" OFF ""
done
"$cmake" --install "$bdir" --prefix "$work/subdir-prefix" >"$bdir.install.log"
if [[ -d $work/subdir-prefix ]] && [[ -n $(find "$work/subdir-prefix" -type f) ]]; then
    echo "add_subdirectory(mailwire) installed files although MAILWIRE_INSTALL is off by default:"
    find "$work/subdir-prefix" -type f
    exit 1
fi
echo "consumer projects OK"
