#!/usr/bin/env bash
# Usage: run.sh BUILD_DIR CONSUMER_SRC WORK_DIR CMAKE CC
# Install BUILD_DIR into WORK_DIR/prefix, then build and run the consumer both ways.
set -euo pipefail
build=$1 src=$2 work=$3 cmake=$4 cc=$5
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"

echo "== find_package(mailwire)"
"$cmake" -S "$src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log"
"$cmake" --build "$work/cmake-build" >"$work/build.log"
libdir=$(dirname "$(find "$prefix" -name 'libmailwire.so' | head -n1)")
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
for exe in consumer_c consumer_static consumer_cpp; do
  out=$("$work/cmake-build/$exe")
  echo "$exe: $out"
  case $out in *"mailwire "[0-9]*.*) ;; *) echo "unexpected output from $exe"; exit 1;; esac
done
# The shared consumer really uses the shared library.
# Not "ldd | grep -q": grep -q exits at the first match, ldd may then die of SIGPIPE, and
# with pipefail that reads as "not linked" now and then.
libs=$(ldd "$work/cmake-build/consumer_c")
grep -q "$libdir/libmailwire.so" <<<"$libs" || {
  echo "consumer_c is not linked against the installed libmailwire.so"; exit 1; }

echo "== pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --exists mailwire
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -o "$work/pc_consumer" "$src/main.c" $(pkg-config --cflags --libs mailwire)
out=$("$work/pc_consumer")
echo "pc_consumer: $out"
case $out in *"mailwire "[0-9]*.*) ;; *) echo "unexpected output from pc_consumer"; exit 1;; esac
echo "consumer project OK"
