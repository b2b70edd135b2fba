#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. install what is missing (apt-get, as root), check the formatting of every C/C++ file,
#   2. configure and build with -Werror, run every test with ctest (unit, security against
#      the scripted fake server, integration against real Postfix and Dovecot, package),
#      compare the shared library's ABI with tests/abi/ and build the documentation site
#      (Doxygen; warnings fail it with MW_DOCS_STRICT=1),
#   3. build again with ASan+UBSan and run the unit, security and integration tests there,
#   4. build the fuzz targets with clang + libFuzzer and fuzz each for MW_FUZZ_SECONDS (20).
# Exits non-zero on any failure. Build trees go to build/ (override with MW_BUILD_ROOT).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${MW_BUILD_ROOT:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)
# This script is the CI run: a real server that cannot be provided is a failure, not a skip
# (tests/integration/main.cpp). Plain `ctest` in a developer's tree still skips.
export CI=${CI:-1}

"$root/scripts/install-deps.sh" all

echo "== format (clang-format 14, the committed .clang-format)"
"$root/scripts/check-format.sh" "$root"

echo "== build (warnings are errors)"
cmake -S "$root" -B "$out/ci" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILWIRE_WERROR=ON
cmake --build "$out/ci" -j "$jobs"
echo "== tests"
ctest --test-dir "$out/ci" --output-on-failure -j "$jobs"

# The shared library's ABI against the baseline of the last release (tests/abi/README.md): an
# incompatible change fails unless the SOVERSION (the major version) changed.
echo "== ABI (abidiff against tests/abi/libmailwire.abi)"
"$root/scripts/check-abi.sh" "$(readlink -f "$out/ci/core/libmailwire.so")"

# The documentation site (Doxygen). Every warning (an undocumented public symbol, an @param
# naming no parameter, a broken reference) is listed; with MW_DOCS_STRICT=1 they fail the run.
# The default stays 0 until the header comment fixes listed for common.h, smtp.h and the C++
# headers are in; then change the default below to 1.
echo "== documentation (Doxygen, MW_DOCS_STRICT=${MW_DOCS_STRICT:-0})"
MW_DOCS_STRICT=${MW_DOCS_STRICT:-0} "$root/scripts/docs.sh" "$out/docs"

echo "== sanitizer build (ASan + UBSan)"
cmake -S "$root" -B "$out/asan" -DCMAKE_BUILD_TYPE=Debug -DMAILWIRE_WERROR=ON \
    -DMAILWIRE_SANITIZE=ON -DMAILWIRE_BUILD_SAMPLES=OFF
cmake --build "$out/asan" -j "$jobs"
echo "== sanitizer tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$out/asan" --output-on-failure -j "$jobs" -L 'unit|security|integration|support'

echo "== fuzzing (clang, libFuzzer, ASan+UBSan)"
CC=clang CXX=clang++ cmake -S "$root" -B "$out/fuzz" -DCMAKE_BUILD_TYPE=Debug \
    -DMAILWIRE_FUZZ=ON -DMAILWIRE_SANITIZE=ON -DMAILWIRE_BUILD_SAMPLES=OFF \
    -DMAILWIRE_FUZZ_SECONDS="${MW_FUZZ_SECONDS:-20}"
cmake --build "$out/fuzz" -j "$jobs" --target mailwire_fuzzers
ctest --test-dir "$out/fuzz" --output-on-failure -j "$jobs" -L fuzz

echo "== all tests passed in $(( $(date +%s) - start )) s"
