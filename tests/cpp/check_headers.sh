#!/usr/bin/env bash
# Compiles every public C++ header, alone and together, and the SocketTools call-form test,
# with g++ and clang++ at -std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror.
# Usage: check_headers.sh SOURCE_DIR GENERATED_INCLUDE_DIR WORK_DIR
set -euo pipefail
src=$1 gen=$2 work=$3
mkdir -p "$work"
flags=(-std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror
       -I"$src/include" -I"$gen" -I"$src/wrapper" -fsyntax-only)
status=0
for cxx in g++ clang++; do
    if ! command -v "$cxx" >/dev/null; then
        if [ -n "${CI:-}" ]; then
            echo "FAIL: $cxx is not installed (CI is set)"
            status=1
        else
            echo "note: $cxx is not installed; not checked"
        fi
        continue
    fi
    for h in "$src"/wrapper/mailwire/*.hpp "$src"/wrapper/mailwire/detail/*.hpp; do
        rel=${h#"$src/wrapper/"}
        printf '#include <%s>\n#include <%s>\n' "$rel" "$rel" >"$work/one.cpp"
        if ! "$cxx" "${flags[@]}" "$work/one.cpp"; then
            echo "FAIL: $cxx: $rel (alone, included twice)"
            status=1
        fi
    done
    if ! "$cxx" "${flags[@]}" "$src/tests/cpp/seed_connect.cpp"; then
        echo "FAIL: $cxx: tests/cpp/seed_connect.cpp"
        status=1
    fi
    echo "$cxx: checked"
done
exit $status
