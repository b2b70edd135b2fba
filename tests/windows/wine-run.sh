#!/usr/bin/env bash
# wine-run.sh WINE PREFIX PROGRAM [ARGS...]: CMAKE_CROSSCOMPILING_EMULATOR of a Windows build
# (cmake/MailwireWindowsTesting.cmake). Runs PROGRAM under Wine in the build tree's own prefix,
# creating it on first use (one process does, the others wait), without Wine's debug output,
# and keeps the wineserver up between test programs (each ctest test is a process: starting
# the server for each would double their time). The program's exit status is returned.
set -euo pipefail
wine=$1 prefix=$2
shift 2
export WINEPREFIX=$prefix
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko download prompts while the prefix is made; no window on anyone's display,
# except for a program that shows one on a display of its own (sample-win32.sh, under Xvfb:
# MW_WINE_KEEP_DISPLAY=1).
export WINEDLLOVERRIDES="mscoree,mshtml="
if [[ -z ${MW_WINE_KEEP_DISPLAY:-} ]]; then
    unset DISPLAY WAYLAND_DISPLAY
fi
server=$(dirname "$(readlink -f "$(command -v "$wine")")")/wineserver
[[ -x $server ]] || server=wineserver

# Under a lock: the first program makes the prefix, and whoever finds no wineserver starts
# one and Wine's system processes (services, winedevice), all with their output going
# nowhere. Left to the test program, wine would start them itself and hand them this
# script's stdout and stderr, which they keep open as long as they live: ctest would wait for
# the persistent server to end before it saw the test end. Nor do they get the lock's
# descriptor: they would hold the lock as long as they live, and every other program would
# wait for the server to go idle and exit.
mkdir -p "$prefix"
exec 9>"$prefix.lock"
flock 9
# Persistent for 60 s after the last program ends, so the next test finds it running. Status
# 0: started now (once it is ready); 2: one is running already.
started=0
"$server" -p60 </dev/null >/dev/null 2>&1 9>&- && started=1
if [[ ! -f $prefix/.mw-ready ]]; then
    "$wine" wineboot --init </dev/null >"$prefix.boot.log" 2>&1 9>&- ||
        { cat "$prefix.boot.log" >&2; exit 1; }
    touch "$prefix/.mw-ready"
elif [[ $started -eq 1 ]]; then
    "$wine" wineboot </dev/null >/dev/null 2>&1 9>&- || true
fi
exec 9>&-
# Now and then (about one program in a thousand, under load) Wine ends a program at once with a
# failure status before the program has written a byte to its standard output: a gtest program
# always prints its first line there before any test runs, so that is Wine failing to start it,
# not a test failing. Such a start is made once more, said on stderr; any other failure, and a
# second silent one, stands. Standard output is streamed through tee (a test killed for its
# timeout still shows it); standard error is left alone.
out=$(mktemp "${TMPDIR:-/tmp}/wine-run.XXXXXX")
trap 'rm -f "$out"' EXIT
for attempt in 1 2; do
    set +e
    "$wine" "$@" | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    if ((rc == 0)) || [[ -s $out ]] || ((attempt == 2)); then
        exit "$rc"
    fi
    echo "wine-run.sh: $1 exited with status $rc before writing anything (a failed Wine start);" \
        "starting it once more" >&2
done
