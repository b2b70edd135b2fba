"""Python's imaplib as a benchmark client for scripts/bench.sh.

usage: imaplib_fetch.py HOST PORT USER PASSWORD MAILBOX fetch|info [--tls CAFILE]

fetch: one "UID FETCH 1:* (BODY.PEEK[])", the whole mailbox in memory, as imaplib returns it.
info:  one "FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)", the items mailwire's
       ImapGetMessageInfo(IMAP_INFO_ENVELOPE) asks for.
--tls: implicit TLS (IMAP4_SSL) verified against CAFILE.
Logs in with LOGIN. Prints "messages=N bytes=B" (bytes: message data for fetch)."""
import imaplib
import re
import ssl
import sys


def main():
    host, port, user, password, mailbox, mode = sys.argv[1:7]
    if len(sys.argv) > 8 and sys.argv[7] == "--tls":
        ctx = ssl.create_default_context(cafile=sys.argv[8])
        m = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
    else:
        m = imaplib.IMAP4(host, int(port))
    m.login(user, password)
    m.select(mailbox, readonly=True)
    if mode == "fetch":
        typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
        parts = [x for x in data if isinstance(x, tuple)]
        print("messages=%d bytes=%d" % (len(parts), sum(len(x[1]) for x in parts)))
    else:
        typ, data = m.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)")
        # Each message starts an item "N (UID ..."; an ENVELOPE holding a literal splits the
        # rest of it into further items, which do not start that way.
        start = re.compile(rb"\d+ \(")
        n = sum(1 for x in data if start.match(x[0] if isinstance(x, tuple) else x or b""))
        print("messages=%d bytes=0" % n)
    if typ != "OK":
        sys.exit(1)
    m.logout()


main()
