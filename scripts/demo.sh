#!/usr/bin/env bash
# The demo: a real send and read-back through private Postfix and Dovecot instances on
# 127.0.0.1 (throwaway state directory and CA), using the samples as an application would:
#   1. samples/c/smtp_send: SmtpSubmitMessageEx composes a message with an attachment and
#      submits it on the submission port (STARTTLS, then AUTH as alice); the protocol trace is
#      printed, with the AUTH exchange redacted;
#   2. samples/c/imap_readback: logs in to IMAP as bob (STARTTLS), waits in IDLE until the
#      message has been delivered, prints its header block and its attachment names.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The build goes outside the checkout (a read-only or shared checkout stays untouched); set
# MW_BUILD_ROOT to choose where.
out=${MW_BUILD_ROOT:-/var/tmp/mailwire-build}/demo

"$root/scripts/install-deps.sh" all
cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILWIRE_BUILD_TESTS=OFF \
    -DMAILWIRE_BUILD_SAMPLES=ON >/dev/null
cmake --build "$out" --target smtp_send imap_readback -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

# Under /tmp: the servers' unprivileged users must be able to reach the state directory.
state=$(mktemp -d /tmp/mailwire-demo-XXXXXX)
chmod 755 "$state"
stop() {
    "$root/tests/fixtures/servers.sh" stop "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap stop EXIT

echo "== starting Postfix and Dovecot on 127.0.0.1 (state in $state)"
"$root/tests/fixtures/servers.sh" start "$state" >/dev/null
# shellcheck disable=SC1091
source "$state/env.sh"

subject="mailwire demo $(date -u +%Y-%m-%dT%H:%M:%SZ) #$$"
attachment="$state/mailwire-README.md"
cp "$root/README.md" "$attachment"

echo
echo "== 1. SmtpSubmitMessageEx: $MW_USER1@$MW_DOMAIN -> $MW_USER2@$MW_DOMAIN through submission" \
    "(port $MW_SUBMISSION_PORT, STARTTLS + AUTH), trace:"
# The trace shows every byte; the message body is shortened here to its first lines.
"$out/samples/c/smtp_send" localhost "$MW_SUBMISSION_PORT" "$MW_USER1" "$MW_PASS1" \
    "$MW_CA_FILE" "$MW_USER1@$MW_DOMAIN" "$MW_USER2@$MW_DOMAIN" "$attachment" "$subject" |
    awk '/^C: (BDAT|DATA)/ { body = 1; n = 0; print; next }
         body && /^S: / { if (n > 16) printf "C: ... (%d more lines of the message)\n", n - 16; body = 0 }
         body { if (++n <= 16) print; next }
         { print }'
status=${PIPESTATUS[0]}
[[ $status -eq 0 ]] || exit "$status"

echo
echo "== 2. IMAP read-back as $MW_USER2 (port $MW_IMAP_PORT, STARTTLS; waits in IDLE for delivery):"
"$out/samples/c/imap_readback" localhost "$MW_IMAP_PORT" "$MW_USER2" "$MW_PASS2" "$subject" \
    "$MW_CA_FILE" 30

echo
echo "== stopping the servers"
