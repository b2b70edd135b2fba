#!/usr/bin/env bash
# docs.sh OUTDIR: build the documentation site (Doxygen: the public headers of include/mailwire
# and wrapper/mailwire plus the pages of docs/) into OUTDIR/html.
#
# Warnings (with MW_DOCS_STRICT=1 Doxygen calls them errors; an undocumented public symbol, an @param that names no parameter, a broken
# reference, a malformed command) go to OUTDIR/doxygen-warnings.log and are counted. With
# MW_DOCS_STRICT=1 any warning fails the script (Doxygen's WARN_AS_ERROR=FAIL_ON_WARNINGS:
# every warning is still reported); otherwise they are printed and the script succeeds.
# Needs doxygen and graphviz (scripts/install-deps.sh docs). OUTDIR should be outside the
# checkout (the CMake target `docs` uses <build>/docs).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
command -v doxygen >/dev/null || { echo "docs: doxygen is not installed (scripts/install-deps.sh docs)" >&2; exit 3; }
command -v dot >/dev/null || { echo "docs: graphviz (dot) is not installed (scripts/install-deps.sh docs)" >&2; exit 3; }

# The version comes from the project() call, as CMake's configure_file would give it.
version=$(sed -n 's/^project(mailwire VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
IFS=. read -r major minor patch <<<"$version"
gen=$out/gen
mkdir -p "$gen/mailwire"
sed -e "s/@PROJECT_VERSION_MAJOR@/$major/" -e "s/@PROJECT_VERSION_MINOR@/$minor/" \
    -e "s/@PROJECT_VERSION_PATCH@/$patch/" -e "s/@PROJECT_VERSION@/$version/" \
    "$root/include/mailwire/version.h.in" >"$gen/mailwire/version.h"

log=$out/doxygen-warnings.log
rm -rf "$out/html"
: >"$log"
strict=${MW_DOCS_STRICT:-0}
warn=NO
[[ $strict == 1 ]] && warn=FAIL_ON_WARNINGS
rc=0
MW_DOCS_ROOT=$root MW_DOCS_GEN=$gen MW_DOCS_OUT=$out MW_DOCS_VERSION=$version \
    MW_DOCS_WARN=$warn MW_DOCS_LOG=$log doxygen "$root/docs/Doxyfile" || rc=$?
count=$(grep -c -E ': (warning|error): ' "$log" || true)
if [[ $count -gt 0 ]]; then
    sed "s|$root/||; s|$gen/||" "$log" >&2
fi
echo "docs: $count doxygen warning(s); site in $out/html/index.html"
if [[ $rc -ne 0 || ( $strict == 1 && $count -gt 0 ) ]]; then
    echo "docs: failed (MW_DOCS_STRICT=$strict)" >&2
    exit 1
fi
