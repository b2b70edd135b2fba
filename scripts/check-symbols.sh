#!/usr/bin/env bash
# check-symbols.sh LIBDIR [static|shared]
#
# Checks the symbols of the built libraries in LIBDIR (libmailwire.a, libmailwire.so; by default
# whichever are there, at least one):
#   static: every global symbol the archive defines is a public API function or starts with
#           mw_ (a static library shares one namespace with the program that links it);
#   shared: the dynamic symbol table exports the public API and nothing else, and every
#           function the public headers declare is exported;
#   both:   no test-only hook (list below) is defined, and no mw_ symbol is left undefined
#           (library code calling a hook that only the test programs define).
# The public API is every function declared with MAILWIRE_API in include/mailwire/*.h.
# Prints the offenders and exits 1 when a check fails. NM overrides the nm program.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nm=${NM:-nm}

# Defined only in the test programs (tests/support/); never in a library users get.
test_only=(mw_alloc_fail_at mw_resolve_set_test_delay mw_sasl_set_test_nonce mw_mime_set_test_seed)

[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 LIBDIR [static|shared]" >&2; exit 2; }
libdir=$1 kind=${2:-}
case $kind in
static) [[ -e $libdir/libmailwire.a ]] || { echo "no $libdir/libmailwire.a" >&2; exit 2; } ;;
shared) [[ -e $libdir/libmailwire.so ]] || { echo "no $libdir/libmailwire.so" >&2; exit 2; } ;;
"") [[ -e $libdir/libmailwire.a || -e $libdir/libmailwire.so ]] ||
    { echo "neither libmailwire.a nor libmailwire.so in $libdir" >&2; exit 2; } ;;
*) echo "usage: $0 LIBDIR [static|shared]" >&2; exit 2 ;;
esac

# The declarations put the name before the first parenthesis, on the MAILWIRE_API line or (where
# clang-format breaks after a long return type, as in the generated wide.h) the next one. What
# an `#ifdef _WIN32` branch declares (the window-message events) exists in Windows builds only,
# which this ELF check never sees.
api=$(awk 'FNR == 1 { skip = 0; depth = 0 }
           /^#[[:space:]]*if/ { if (skip) { depth++; next }
                                if ($0 ~ /^#[[:space:]]*ifdef[[:space:]]+_WIN32/) { skip = 1; depth = 1; next } }
           /^#[[:space:]]*else/ { if (skip && depth == 1) { skip = 0; next } }
           /^#[[:space:]]*endif/ { if (skip) { if (--depth == 0) skip = 0; next } }
           !skip' "$root"/include/mailwire/*.h |
    sed -e ':a' -e '/^MAILWIRE_API[^(;]*$/{N;s/\n[[:space:]]*/ /;ba' -e '}' |
    sed -n -E 's/^MAILWIRE_API[^(]*[^A-Za-z0-9_(]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\(.*/\1/p' |
    sort -u)
[[ -n $api ]] || { echo "no MAILWIRE_API declaration found under $root/include/mailwire" >&2; exit 2; }

failed=0
report() { # title, offenders (one a line)
    [[ -z $2 ]] && return 0
    echo "FAIL: $1:"
    sed 's/^/    /' <<<"$2"
    failed=1
}
is_test_only() {
    local s
    for s in "${test_only[@]}"; do [[ $1 == "$s" ]] && return 0; done
    return 1
}

check_static() {
    local lib=$1 defined undefined bad=""
    # -A -P: "lib.a[object.o]: name type value size", so offenders show their object file.
    defined=$("$nm" -A -P -g --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $1, $2 }')
    while read -r where name; do
        [[ -z $name ]] && continue
        # AddressSanitizer's one-definition-rule marker of a global variable (GCC: __odr_asan.X,
        # clang: __odr_asan_gen_X) is judged by the variable's name.
        name=${name#__odr_asan.}
        name=${name#__odr_asan_gen_}
        if [[ $name == mw_* ]] && ! is_test_only "$name"; then continue; fi
        grep -qxF "$name" <<<"$api" && continue
        bad+="$name (${where%:})"$'\n'
    done <<<"$defined"
    report "$lib defines globals that are neither public API nor mw_, or test-only hooks" \
        "${bad%$'\n'}"
    # mw_ symbols the archive uses but no member defines.
    undefined=$("$nm" -P -g --undefined-only "$lib" 2>/dev/null | awk '$1 ~ /^mw_/ { print $1 }' |
        sort -u | comm -23 - <(awk '{ print $2 }' <<<"$defined" | sort -u))
    report "$lib uses mw_ symbols that it does not define" "$undefined"
    echo "$lib: $(wc -l <<<"$defined") global symbols checked"
}

check_shared() {
    local lib=$1 exported bad missing undefined
    # Symbols the linker itself may put in the dynamic table: on some toolchains, and the
    # bounds of the coverage sections in a fuzzing build (-fsanitize=fuzzer-no-link).
    exported=$("$nm" -D -P --defined-only "$lib" | awk '{ sub(/@.*/, "", $1); print $1 }' |
        grep -vxE '_init|_fini|_edata|_end|__bss_start|__(start|stop)___sancov_[a-z_]+' |
        sort -u)
    bad=$(comm -23 <(echo "$exported") <(echo "$api"))
    report "$lib exports symbols that are not public API" "$bad"
    missing=$(comm -13 <(echo "$exported") <(echo "$api"))
    report "$lib does not export these functions declared in include/mailwire" "$missing"
    undefined=$("$nm" -D -P --undefined-only "$lib" | awk '$1 ~ /^mw_/ { print $1 }' | sort -u)
    report "$lib leaves mw_ symbols undefined" "$undefined"
    echo "$lib: $(wc -l <<<"$exported") exported symbols, $(wc -l <<<"$api") public functions"
}

if [[ $kind != shared && -e $libdir/libmailwire.a ]]; then
    check_static "$libdir/libmailwire.a"
fi
if [[ $kind != static && -e $libdir/libmailwire.so ]]; then
    check_shared "$libdir/libmailwire.so"
fi
exit $failed
