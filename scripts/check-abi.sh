#!/usr/bin/env bash
# check-abi.sh LIBRARY [--update]
#
# Compares the ABI of the shared library LIBRARY (libmailwire.so.N.N.N of a build with debug
# information, e.g. RelWithDebInfo) with the baseline tests/abi/libmailwire.abi, using abidw
# and abidiff from Debian's abigail-tools (scripts/install-deps.sh docs). Only the types of the
# public headers (include/mailwire) count.
#
#   - no change, or only compatible additions (new functions, new enumerators at the end):
#     success; additions are listed (refresh the baseline at the next release);
#   - an incompatible change (a function removed, a parameter or structure changed...):
#     failure, unless the library's SONAME (SOVERSION, the project's major version) differs
#     from the baseline's: then the break is declared and the check passes, asking for a new
#     baseline.
#
# --update writes the baseline from LIBRARY instead (do that at a release, from the release
# build, and commit tests/abi/libmailwire.abi): see CHANGELOG.md and tests/abi/README.md.
# Needs only the source tree and the library: it runs from a clean clone after the build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 LIBRARY [--update]" >&2; exit 2; }
lib=$1
update=0
[[ ${2:-} == --update ]] && update=1
[[ -f $lib ]] || { echo "abi: no such library: $lib" >&2; exit 2; }
for t in abidw abidiff; do
    command -v $t >/dev/null || { echo "abi: $t is missing (scripts/install-deps.sh docs)" >&2; exit 3; }
done
baseline=$root/tests/abi/libmailwire.abi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# abidw keeps the types reachable from the public headers only; version.h is generated at
# build time and holds no types, so the source headers are enough.
dump() {
    abidw --headers-dir "$root/include/mailwire" --drop-private-types --no-corpus-path \
        --no-comp-dir-path --short-locs "$1" --out-file "$2"
}
soname() { sed -n "1s/.*soname='\([^']*\)'.*/\1/p" "$1"; }

dump "$lib" "$work/current.abi"
if ((update)); then
    cp "$work/current.abi" "$baseline"
    echo "abi: baseline written: $baseline ($(soname "$baseline"), $(grep -c '<elf-symbol ' "$baseline") symbols)"
    exit 0
fi
[[ -f $baseline ]] || { echo "abi: no baseline $baseline (run $0 LIBRARY --update)" >&2; exit 1; }

old=$(soname "$baseline")
new=$(soname "$work/current.abi")
rc=0
abidiff --no-show-locs "$baseline" "$work/current.abi" >"$work/diff.txt" 2>&1 || rc=$?
# abidiff's status is a bit mask: 1 error, 2 usage error, 4 ABI change, 8 incompatible change.
if ((rc & 3)); then
    cat "$work/diff.txt" >&2
    echo "abi: abidiff failed (status $rc)" >&2
    exit 1
fi
if ((rc & 8)); then
    cat "$work/diff.txt"
    if [[ $old != "$new" ]]; then
        echo "abi: incompatible change, declared by the new SONAME ($old -> $new): refresh the baseline ($0 $lib --update) in the release commit"
        exit 0
    fi
    echo "abi: INCOMPATIBLE change to the ABI of $new without a new SOVERSION." >&2
    echo "abi: keep the ABI, or raise the major version in CMakeLists.txt (SOVERSION follows it)." >&2
    exit 1
fi
if ((rc & 4)); then
    cat "$work/diff.txt"
    echo "abi: compatible changes only (additions) against the baseline ($old)"
    exit 0
fi
echo "abi: no change against the baseline ($old, $(grep -c '<elf-symbol ' "$baseline") symbols)"
