#!/usr/bin/env bash
# The demo: a real send and read-back through private Postfix and Dovecot instances on
# 127.0.0.1 (throwaway state directory and CA), with the `mailwire` command-line tool (cli/),
# which composes and parses with the library's message object (<mailwire/mime.h>):
#   1. `mailwire send`: composes a message with a UTF-8 subject and an attachment and submits
#      it on the submission port (STARTTLS, then AUTH as alice); the protocol trace is printed,
#      with the AUTH exchange redacted by the library;
#   2. `mailwire list`: bob's newest messages over IMAP (STARTTLS), polled until it arrived;
#   3. `mailwire fetch --show`: the message decoded, with its attachment list;
#   4. `mailwire fetch` to a file, then `mailwire parse --json`: the parsed message as JSON,
#      and the attachment's SHA-256 compared with the file that was sent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The build goes outside the checkout (a read-only or shared checkout stays untouched); set
# MW_BUILD_ROOT to choose where.
out=${MW_BUILD_ROOT:-/var/tmp/mailwire-build}/demo

"$root/scripts/install-deps.sh" all
cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILWIRE_BUILD_TESTS=OFF \
    -DMAILWIRE_BUILD_SAMPLES=OFF -DMAILWIRE_BUILD_CLI=ON >/dev/null
cmake --build "$out" --target mailwire_cli -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mailwire=$out/cli/mailwire

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

subject="mailwire demo ✓ $(date -u +%Y-%m-%dT%H:%M:%SZ) #$$"
attachment="$state/mailwire-README.md"
cp "$root/README.md" "$attachment"
# Passwords never on the command line: alice's from the environment, bob's from a file.
printf '%s\n' "$MW_PASS2" >"$state/bob.password"
imap=(--server "imap://localhost:$MW_IMAP_PORT" --starttls --user "$MW_USER2"
    --password-file "$state/bob.password" --ca-file "$MW_CA_FILE")

echo
echo "== 1. mailwire send: $MW_USER1@$MW_DOMAIN -> $MW_USER2@$MW_DOMAIN through submission" \
    "(port $MW_SUBMISSION_PORT, STARTTLS + AUTH), trace:"
# The trace shows every byte; the message body is shortened here to its first lines.
MAILWIRE_PASSWORD=$MW_PASS1 "$mailwire" send --trace \
    --server "smtp://localhost:$MW_SUBMISSION_PORT" --starttls --user "$MW_USER1" \
    --ca-file "$MW_CA_FILE" --from "Alice <$MW_USER1@$MW_DOMAIN>" --to "$MW_USER2@$MW_DOMAIN" \
    --subject "$subject" --text "Hello Bob, the README is attached." --attach "$attachment" 2>&1 |
    awk '/^C: (BDAT|DATA)/ { body = 1; n = 0; print; next }
         body && /^S: / { if (n > 16) printf "C: ... (%d more lines of the message)\n", n - 16; body = 0 }
         body { if (++n <= 16) print; next }
         { print }'
status=${PIPESTATUS[0]}
[[ $status -eq 0 ]] || exit "$status"

echo
echo "== 2. mailwire list: $MW_USER2's newest messages (port $MW_IMAP_PORT, STARTTLS), until it arrived:"
uid=
for _ in $(seq 60); do
    listing=$("$mailwire" list "${imap[@]}" --mailbox INBOX --newest 5)
    uid=$(awk -F'\t' -v s="$subject" '$4 == s { print $1; exit }' <<<"$listing")
    [[ -n $uid ]] && break
    sleep 0.5
done
[[ -n $uid ]] || { echo "the message did not arrive within 30 s" >&2; exit 1; }
echo "UID	DATE	FROM	SUBJECT	SIZE	FLAGS"
echo "$listing"

echo
echo "== 3. mailwire fetch --show $uid:"
"$mailwire" fetch "${imap[@]}" --show "$uid"

echo
echo "== 4. mailwire fetch $uid > message.eml; mailwire parse message.eml --json:"
"$mailwire" fetch "${imap[@]}" "$uid" >"$state/message.eml"
"$mailwire" parse "$state/message.eml" --json >"$state/message.json"
python3 - "$state/message.json" "$attachment" <<'PY'
import hashlib, json, sys
view = json.load(open(sys.argv[1], encoding="utf-8"))
view["headers"] = view["headers"][:4] + [{"...": "%d more" % (len(view["headers"]) - 4)}]
view["text"] = view["text"][:60]
print(json.dumps(view, indent=2, ensure_ascii=False))
sent = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
got = [p["sha256"] for p in view["parts"] if p["filename"] == "mailwire-README.md"]
if got != [sent]:
    sys.exit("the attachment read back differs from the file sent")
print("attachment read back: SHA-256 %s, identical to the file sent" % sent)
PY

echo
echo "== stopping the servers"
