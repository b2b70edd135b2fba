#!/usr/bin/env bash
# CTest fixture: start|stop STATEDIR. Brings real Postfix and Dovecot up once for the
# integration tests (FIXTURES_SETUP / FIXTURES_CLEANUP).
#
# When the servers cannot be provided (packages missing and not root), `start` writes
# STATEDIR/skip-reason and succeeds, so the tests report SKIPPED with the reason; with CI set
# in the environment that is a failure instead.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
action=$1 state=$2

case $action in
start)
    mkdir -p "$state"
    rm -f "$state/skip-reason"
    reason=
    if [[ $(id -u) -ne 0 ]]; then
        # Postfix's master and Dovecot start as root and drop privileges themselves.
        reason="the Postfix and Dovecot fixtures need root to start"
    elif ! "$root/scripts/install-deps.sh" servers; then
        reason="Postfix/Dovecot are not installed and could not be installed"
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
    # A fresh mail store every run: tests count messages.
    MW_FIXTURE_FRESH=1 "$root/tests/fixtures/servers.sh" start "$state"
    ;;
stop)
    [[ -f $state/skip-reason ]] && exit 0
    "$root/tests/fixtures/servers.sh" stop "$state"
    ;;
*)
    echo "usage: $0 start|stop STATEDIR" >&2
    exit 2
    ;;
esac
