"""Writes the benchmark mailbox of scripts/bench.sh as Maildir files: COUNT messages, all but
LARGE of them 2-20 KiB of text, LARGE of them 1-5 MiB (a text part and a base64 attachment);
about 140 MB for 10,000 messages. The same seed gives the same mailbox byte for byte, so runs
on different days fetch the same data.

usage: make_mailbox.py DIR [COUNT [LARGE]]   (DIR/cur, DIR/new, DIR/tmp are created)

Files are written as Dovecot stores delivered mail (LF line endings; the server sends CRLF),
straight into cur/ with their size in the name (",S=") and mostly seen; the modification time,
which Dovecot takes as INTERNALDATE, rises one second per message."""
import base64
import os
import random
import sys

WORDS = ("mail client server message fetch append header body line pipeline session "
         "transfer socket buffer engine parser literal mailbox flag envelope subject "
         "benchmark loopback throughput latency memory cipher record stream chunk reply "
         "the a of to and in is it for on with as at by from this that be are was").split()


def text_lines(rnd, count):
    """A pool of wrapped text lines (56-76 characters) to build bodies from quickly."""
    pool = []
    for _ in range(count):
        words, n = [], 0
        limit = rnd.randint(56, 76)
        while True:
            w = rnd.choice(WORDS)
            if n + len(w) + 1 > limit:
                break
            words.append(w)
            n += len(w) + 1
        pool.append(" ".join(words).capitalize() + "\n")
    return pool


def headers(i, subject, extra=""):
    day = 1 + i % 28
    return ("Return-Path: <sender%d@example.org>\n"
            "From: Sender %d <sender%d@example.org>\n"
            "To: Dave <dave@localhost>\n"
            "Subject: %s %d\n"
            "Date: Mon, %d Jan 2024 %02d:%02d:%02d +0000\n"
            "Message-ID: <bench.%d@example.org>\n"
            "MIME-Version: 1.0\n%s" % (i % 97, i % 97, i % 97, subject, i, day, i % 24,
                                       i % 60, (i * 7) % 60, i, extra))


def small(rnd, pool, i):
    target = rnd.randint(2 * 1024, 20 * 1024)
    out = [headers(i, "Benchmark message", "Content-Type: text/plain; charset=us-ascii\n"), "\n"]
    n = sum(len(x) for x in out)
    while n < target:
        line = rnd.choice(pool)
        out.append(line)
        n += len(line)
    return "".join(out).encode()


def large(rnd, pool, i):
    target = rnd.randint(1024 * 1024, 5 * 1024 * 1024)
    boundary = "bench-boundary-%d" % i
    head = headers(i, "Benchmark attachment",
                   'Content-Type: multipart/mixed; boundary="%s"\n' % boundary)
    text = "".join(rnd.choice(pool) for _ in range(20))
    # base64 of random bytes: 76-character lines, 4 characters per 3 bytes.
    raw = rnd.randbytes(max(0, (target - len(head) - len(text) - 400) * 3 // 4))
    attachment = base64.encodebytes(raw).decode()
    return ("%s\n--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s\n--%s\n"
            "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
            'Content-Disposition: attachment; filename="data%d.bin"\n\n%s\n--%s--\n'
            % (head, boundary, text, boundary, i, attachment, boundary)).encode()


def main():
    root = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    nlarge = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rnd = random.Random(11)  # issue 11
    pool = text_lines(rnd, 4000)
    # The large messages sit at fixed, spread-out places, not all at the end.
    big = set(rnd.sample(range(count), nlarge)) if nlarge else set()
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    t0 = 1700000000
    total = 0
    for i in range(count):
        data = large(rnd, pool, i) if i in big else small(rnd, pool, i)
        flags = "S" if i % 10 else "FS" if i % 20 else ""
        name = "%d.M%dP1.bench,S=%d:2,%s" % (t0 + i, i, len(data), flags)
        path = os.path.join(root, "cur", name)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (t0 + i, t0 + i))
        total += len(data)
    print("messages=%d bytes=%d" % (count, total))


main()
