#!/usr/bin/env bash
# Runs an event-loop sample (samples/glib, samples/libuv) against the fixture's servers, as its
# usage line says: send to alice over STARTTLS + AUTH, fetch it back over IMAP.
# Usage: run_sample.sh STATEDIR PROGRAM
# Exit 77 (SKIPPED) when the fixture could not start, unless CI is set (tests/integration/main.cpp
# does the same for the test programs).
set -euo pipefail
state=$1 program=$2
if [[ -f $state/skip-reason ]]; then
    echo "integration servers unavailable: $(cat "$state/skip-reason")"
    [[ -n ${CI:-} ]] && exit 1
    exit 77
fi
[[ -f $state/env.sh ]] || { echo "the server fixture did not start (no $state/env.sh)"; exit 1; }
# shellcheck disable=SC1091
. "$state/env.sh"
set +e
out=$("$program" "$MW_HOST" "$MW_SUBMISSION_PORT" "$MW_IMAP_PORT" "$MW_USER1" "$MW_PASS1" \
    "$MW_USER1@$MW_DOMAIN" "$MW_CA_FILE")
rc=$?
set -e
echo "$out"
[[ $rc -eq 0 ]] || { echo "FAIL: $(basename "$program") exited with $rc"; exit 1; }
# The sample compares the message itself; its output must show that the round trip happened.
if ! grep -q '^sent: ' <<<"$out" || ! grep -q '^fetched message ' <<<"$out"; then
    echo "FAIL: no send and fetch in the output"
    exit 1
fi
