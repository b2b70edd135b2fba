"""Python's smtplib as a benchmark client for scripts/bench.sh: COUNT copies of one message
over one connection (sendmail per message: MAIL, RCPT, DATA, each waiting for its reply).

usage: smtplib_send.py HOST PORT MESSAGE COUNT [--starttls CAFILE]
Prints "sent=N" on success."""
import smtplib
import ssl
import sys


def main():
    host, port, path, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    with open(path, "rb") as f:
        message = f.read()
    s = smtplib.SMTP(host, port, local_hostname="localhost", timeout=60)
    if len(sys.argv) > 6 and sys.argv[5] == "--starttls":
        s.starttls(context=ssl.create_default_context(cafile=sys.argv[6]))
    for _ in range(count):
        s.sendmail("bench@localhost", ["bench@example.org"], message)
    s.quit()
    print("sent=%d" % count)


main()
