#!/usr/bin/env bash
# check-format.sh [SOURCE_DIR]  (default: the checkout this script belongs to)
#
# Every tracked .c/.h/.cpp/.hpp file must be left unchanged by clang-format with the committed
# .clang-format, and no Doxygen member comment (/**< or ///<) may sit on a macro continuation
# line: Doxygen cannot attach it there, which is what clang-format does to a #define whose
# trailing comment is too long (write such comments as /** ... */ on the line before).
#
# The tree is formatted with clang-format 14 (Debian 12); other versions format some
# constructs differently. CLANG_FORMAT names the program to use. Without a clang-format 14 the
# check is skipped (exit 77) with the reason, unless CI is set: then it fails.
# Exit status: 0 clean, 1 offenders (listed), 2 usage, 77 skipped.
set -euo pipefail
root=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
want_major=14

unavailable() {
    if [[ -n ${CI:-} ]]; then
        echo "FAIL: $1 (CI is set; scripts/install-deps.sh build installs clang-format)"
        exit 1
    fi
    echo "SKIPPED: $1"
    exit 77
}

cf=${CLANG_FORMAT:-}
if [[ -z $cf ]]; then
    for c in clang-format-$want_major clang-format; do
        if command -v "$c" >/dev/null; then cf=$c; break; fi
    done
fi
if [[ -z $cf ]] || ! command -v "$cf" >/dev/null; then
    unavailable "clang-format is not installed"
fi
version=$("$cf" --version)
major=$(sed -n -E 's/.*version ([0-9]+)\..*/\1/p' <<<"$version")
[[ $major == "$want_major" ]] ||
    unavailable "$cf is version ${major:-unknown}; the tree is formatted with clang-format $want_major"

# The tracked files; outside a git checkout (a source archive), the source folders.
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git -C "$root" ls-files -- '*.c' '*.h' '*.cpp' '*.hpp')
else
    mapfile -t files < <(cd "$root" && find core include wrapper tests samples -type f \
        \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) | sort)
fi
[[ ${#files[@]} -gt 0 ]] || { echo "no source files found under $root" >&2; exit 2; }

cd "$root"
failed=0
# One clang-format process for all files; each difference is reported as
# "file:line:col: error: code should be clang-formatted".
if ! out=$("$cf" --style=file --dry-run -Werror "${files[@]}" 2>&1); then
    bad=$(sed -n -E 's/^([^:]+):[0-9]+:[0-9]+: error: code should be clang-formatted.*/\1/p' \
        <<<"$out" | sort -u)
    if [[ -z $bad ]]; then
        echo "FAIL: $cf failed:"
        echo "$out"
    else
        echo "FAIL: not formatted with .clang-format (fix: $cf -i FILE):"
        sed 's/^/    /' <<<"$bad"
    fi
    failed=1
fi

# Member doc comments on macro continuation lines.
misplaced=$(awk 'FNR == 1 { prev_continued = 0 }
                 prev_continued && /\/\*\*<|\/\/\/</ { print FILENAME ":" FNR ": " $0 }
                 { prev_continued = /\\[[:space:]]*$/ }' "${files[@]}")
if [[ -n $misplaced ]]; then
    echo "FAIL: doc comments on macro continuation lines (Doxygen cannot attach them; put a"
    echo "      /** ... */ comment on the line before the #define instead):"
    sed 's/^/    /' <<<"$misplaced"
    failed=1
fi

[[ $failed -eq 0 ]] && echo "format OK: ${#files[@]} files, $version"
exit $failed
