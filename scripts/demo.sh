#!/usr/bin/env bash
# The demo: starts private Postfix and Dovecot instances on 127.0.0.1 (throwaway state
# directory and CA), connects with implicit TLS to the SMTP and IMAP ports through mailwire,
# prints each greeting with the negotiated TLS version, cipher and peer certificate, and
# stops the servers again.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${MW_BUILD_ROOT:-$root/build}/demo

"$root/scripts/install-deps.sh" all
cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" --target mw_tlsprobe -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

# Under /tmp: the servers' unprivileged users must be able to reach the state directory.
state=$(mktemp -d /tmp/mailwire-demo-XXXXXX)
chmod 755 "$state"
stop() {
    "$root/tests/fixtures/servers.sh" stop "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap stop EXIT

echo "starting Postfix and Dovecot on 127.0.0.1 (state in $state)"
"$root/tests/fixtures/servers.sh" start "$state" >/dev/null
# shellcheck disable=SC1091
source "$state/env.sh"
echo
"$out/tests/tools/mw_tlsprobe" --ca "$MW_CA_FILE" smtp localhost "$MW_SMTPS_PORT"
echo
"$out/tests/tools/mw_tlsprobe" --ca "$MW_CA_FILE" imap localhost "$MW_IMAPS_PORT"
echo
echo "stopping the servers"
