#!/usr/bin/env bash
# CTest fixture of the interop tests: start|stop STATEDIR. Brings Cyrus IMAP, Courier-IMAP,
# Exim and OpenSMTPD up once (tests/fixtures/interop.sh) for every test labelled interop.
#
# When the servers cannot be provided (not root, or the packages cannot be fetched), `start`
# writes STATEDIR/skip-reason and succeeds, so the tests report SKIPPED with the reason; with CI
# set in the environment that is a failure instead (tests/integration/main.cpp).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
action=$1 state=$2

case $action in
start)
    mkdir -p "$state"
    rm -f "$state/skip-reason"
    reason=
    started=$(date +%s.%N)
    if [[ $(id -u) -ne 0 ]]; then
        reason="the interop servers need root to start (mount namespace, privilege drop)"
    elif ! "$root/scripts/install-deps.sh" interop; then
        reason="the interop servers could not be downloaded and unpacked"
    fi
    if [[ -n $reason ]]; then
        if [[ -n ${CI:-} ]]; then
            echo "$reason; CI is set, so this is a failure" >&2
            exit 1
        fi
        echo "$reason" >"$state/skip-reason"
        echo "SKIP: $reason"
        exit 0
    fi
    ready=$(date +%s.%N)
    "$root/tests/fixtures/interop.sh" start "$state"
    awk -v a="$started" -v b="$ready" -v c="$(date +%s.%N)" 'BEGIN {
        printf "[ measure ] interop fixture: packages ready in %.1f s, servers up in %.1f s\n",
            b - a, c - b }'
    ;;
stop)
    [[ -f $state/skip-reason ]] && exit 0
    "$root/tests/fixtures/interop.sh" stop "$state"
    ;;
*)
    echo "usage: $0 start|stop STATEDIR" >&2
    exit 2
    ;;
esac
