#!/usr/bin/env python3
"""Tests of the mailwire command-line tool (cli/) against the fixture's Postfix and Dovecot.

  cli_tests.py MAILWIRE STATEDIR SOURCE_DIR CASE

Each CASE is one ctest test (tests/cli/CMakeLists.txt). The tool runs as a user runs it: a
separate process, its own session (start_new_session: no controlling terminal, so it can never
stop at a password prompt), the environment cleared of SSL_CERT_FILE and MAILWIRE_PASSWORD.
What it does is checked with independent means: Python's imaplib for the bytes on the server,
Python's email package for the parsed view, hashlib for attachments. Exit status 77 (SKIPPED)
when the fixture could not start, unless CI is set.
"""
import atexit
import email
import hashlib
import imaplib
import json
import os
import pty
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from email import policy

MAILWIRE, STATE, SOURCE, CASE = sys.argv[1:5]
ENV = {}
WORK = tempfile.mkdtemp(prefix="mw-cli-")
RUN_ID = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
# The work directory holds password files and fetched mail: removed when the case passes,
# kept (and named) when it fails.
KEEP_WORK = False


def _remove_work():
    if not KEEP_WORK:
        shutil.rmtree(WORK, ignore_errors=True)


def _keep_on_error(kind, value, tb):
    global KEEP_WORK
    KEEP_WORK = True
    sys.__excepthook__(kind, value, tb)
    print("(work files kept in %s)" % WORK)


atexit.register(_remove_work)
sys.excepthook = _keep_on_error


def fail(msg):
    global KEEP_WORK
    KEEP_WORK = True
    print("FAIL: " + msg)
    print("(work files kept in %s)" % WORK)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def load_env():
    if os.path.exists(os.path.join(STATE, "skip-reason")):
        with open(os.path.join(STATE, "skip-reason")) as f:
            print("integration servers unavailable: " + f.read().strip())
        sys.exit(1 if os.environ.get("CI") else 77)
    path = os.path.join(STATE, "env.txt")
    if not os.path.exists(path):
        fail("the server fixture did not start (no %s)" % path)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                ENV[k] = v


def base_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "MAILWIRE_PASSWORD")}
    env.update(extra or {})
    return env


def run(args, env=None, input=None, timeout=120):
    r = subprocess.run([MAILWIRE] + args, input=input, capture_output=True, timeout=timeout,
                       env=base_env(env), start_new_session=True)
    return r


def show(r):
    return "exit %d\nstdout: %r\nstderr: %s" % (
        r.returncode, r.stdout[:3000], r.stderr.decode("utf-8", "replace")[:3000])


def expect(r, code, what):
    if r.returncode != code:
        fail("%s: expected exit %d\n%s" % (what, code, show(r)))
    return r


def password_file(password):
    path = os.path.join(WORK, "pw-%d" % len(os.listdir(WORK)))
    with open(path, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    return path


def smtp_submission(user="USER1"):
    return ["--server", "smtp://%s:%s" % (ENV["MW_HOST"], ENV["MW_SUBMISSION_PORT"]),
            "--starttls", "--user", ENV["MW_" + user], "--password-file",
            password_file(ENV["MW_PASS" + user[-1]]), "--ca-file", ENV["MW_CA_FILE"]]


def imap(user="USER2", implicit=False):
    if implicit:
        server = "imaps://%s:%s" % (ENV["MW_HOST"], ENV["MW_IMAPS_PORT"])
        tls = []
    else:
        server = "imap://%s:%s" % (ENV["MW_HOST"], ENV["MW_IMAP_PORT"])
        tls = ["--starttls"]
    return ["--server", server] + tls + [
        "--user", ENV["MW_" + user], "--password-file",
        password_file(ENV["MW_PASS" + user[-1]]), "--ca-file", ENV["MW_CA_FILE"]]


def addr(user):
    return "%s@%s" % (ENV["MW_" + user], ENV["MW_DOMAIN"])


def write(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def attachments():
    """Two files: a non-ASCII name with text, and 300 KiB of binary."""
    a = write("résumé – Grüße.txt", "Ünïcödé text ✓\n".encode("utf-8") * 50)
    b = write("data.bin", os.urandom(300 * 1024))
    return [a, b]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def imap_raw(uid, user="USER2", mailbox="INBOX"):
    """The message as the server holds it, fetched by Python's imaplib (STARTTLS)."""
    ctx = ssl.create_default_context(cafile=ENV["MW_CA_FILE"])
    m = imaplib.IMAP4(ENV["MW_HOST"], int(ENV["MW_IMAP_PORT"]))
    m.starttls(ssl_context=ctx)
    m.login(ENV["MW_" + user], ENV["MW_PASS" + user[-1]])
    m.select('"%s"' % mailbox, readonly=True)
    typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[])")
    m.logout()
    check(typ == "OK" and data and isinstance(data[0], tuple), "imaplib fetch of UID %s" % uid)
    return data[0][1]


def wait_for(subject, user="USER2", mailbox="INBOX", seconds=60):
    """UID of the message with this subject, polling `mailwire list` until it is delivered."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        r = run(["list", "--mailbox", mailbox, "--newest", "50"] + imap(user))
        expect(r, 0, "list while waiting for delivery")
        for line in r.stdout.decode("utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) == 6 and cols[3] == subject:
                return int(cols[0]), cols
        time.sleep(0.5)
    fail("message %r not delivered to %s within %d s" % (subject, user, seconds))


def send_composed(subject, files, extra=None):
    r = run(["send"] + smtp_submission() + [
        "--from", "Ålice Example <%s>" % addr("USER1"), "--to", addr("USER2"),
        "--subject", subject, "--text", "Hello from the mailwire CLI.\nLine two: ünïcode.\n"] +
        sum((["--attach", f] for f in files), []) + (extra or []))
    expect(r, 0, "send")
    return r


def private_mailbox(tag):
    return "cli-%s-%s" % (tag, RUN_ID)


def append_composed(mailbox, subject, flags=None):
    args = ["append"] + imap() + ["--mailbox", mailbox, "--create", "--from", addr("USER1"),
                                  "--to", addr("USER2"), "--subject", subject, "--text",
                                  "body of " + subject]
    if flags:
        args += ["--flags", flags]
    r = expect(run(args), 0, "append")
    return int(r.stdout.decode().strip())


# ---- cases ----

def case_send_readback():
    """send with a UTF-8 subject and two attachments (one with a non-ASCII name), read back
    with list, fetch --show, and parse --json of the fetched file; sha256 of attachments."""
    files = attachments()
    subject = "CLI ✓ Grüße %s" % RUN_ID
    send_composed(subject, files, ["--header", "X-CLI-Test: zażółć gęślą", "--timeout", "30"])
    uid, cols = wait_for(subject)
    check(cols[2].startswith("Ålice Example"), "list: From decoded: %r" % cols[2])
    check(cols[1][:2] == "20" and "T" in cols[1], "list: ISO 8601 date: %r" % cols[1])
    r = expect(run(["fetch"] + imap() + ["--show", str(uid)]), 0, "fetch --show")
    out = r.stdout.decode("utf-8")
    check("Subject: " + subject in out, "fetch --show: subject decoded:\n" + out)
    check("Hello from the mailwire CLI." in out and "ünïcode" in out, "fetch --show: text")
    check("résumé – Grüße.txt" in out and "data.bin" in out, "fetch --show: attachment list")
    raw = os.path.join(WORK, "fetched.eml")
    expect(run(["fetch"] + imap() + ["--output", raw, str(uid)]), 0, "fetch --output")
    r = expect(run(["parse", raw, "--json"]), 0, "parse --json")
    view = json.loads(r.stdout.decode("utf-8"))
    check(view["subject"] == subject, "parse: subject %r" % view["subject"])
    check(view["from"] == [{"name": "Ålice Example", "address": addr("USER1")}],
          "parse: from %r" % view["from"])
    check(view["to"] == [{"name": "", "address": addr("USER2")}], "parse: to %r" % view["to"])
    check(view["text"].startswith("Hello from the mailwire CLI."), "parse: text")
    check({"name": "X-CLI-Test", "value": "zażółć gęślą"} in view["headers"],
          "parse: --header field %r" % view["headers"])
    names = [(p["filename"], p["sha256"], p["size"]) for p in view["parts"]]
    want = [(os.path.basename(f), sha(f), os.path.getsize(f)) for f in files]
    check(len(view["parts"]) == 3 and view["parts"][0]["content_type"] == "text/plain",
          "parse: parts %r" % view["parts"])
    check(names[1:] == want, "parse: attachments %r, want %r" % (names[1:], want))
    # The same file through Python's email package: the same subject and attachments.
    with open(raw, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=policy.default)
    check(str(msg["subject"]) == subject, "python: subject")
    py = [(p.get_filename(), hashlib.sha256(p.get_payload(decode=True)).hexdigest())
          for p in msg.iter_attachments()]
    check(py == [(n, s) for n, s, _ in want], "python: attachments %r" % py)
    print("sent and read back UID %d: %d parts, attachments match" % (uid, len(view["parts"])))


def case_send_raw():
    """--raw FILE with the envelope from its fields (To and Cc), --raw - from standard input
    with the envelope given; the bytes arrive as sent."""
    subject = "CLI raw file %s" % RUN_ID
    data = ("From: Alice <%s>\r\nTo: %s\r\nCc: %s\r\nSubject: %s\r\n"
            "Message-ID: <raw-%s@example.org>\r\n\r\nraw body\r\n.leading dot\r\n" %
            (addr("USER1"), addr("USER2"), addr("USER3"), subject, RUN_ID)).encode()
    path = write("raw.eml", data)
    expect(run(["send"] + smtp_submission() + ["--raw", path]), 0, "send --raw FILE")
    uid, _ = wait_for(subject)
    got = imap_raw(uid)
    check(got.endswith(data), "bob's copy does not end with the bytes sent: %r" % got[-300:])
    uid3, _ = wait_for(subject, user="USER3")  # the Cc recipient, from the Cc field
    subject2 = "CLI raw stdin %s" % RUN_ID
    data2 = data.replace(subject.encode(), subject2.encode())
    expect(run(["send"] + smtp_submission() + ["--raw", "-", "--from", addr("USER1"), "--to",
                                               addr("USER3")], input=data2), 0, "--raw -")
    uid4, _ = wait_for(subject2, user="USER3")
    check(imap_raw(uid4, user="USER3").endswith(data2), "stdin message changed on the way")
    r = expect(run(["send"] + smtp_submission() + ["--raw", path, "--subject", "x"]), 2,
               "--raw with --subject")
    print("raw file to UID %d (and Cc UID %d), raw stdin to UID %d: bytes as sent" %
          (uid, uid3, uid4))


def case_send_html_bcc_stdin():
    """The text from standard input, an HTML part, Cc and Bcc: Bcc in the envelope only."""
    subject = "CLI html %s" % RUN_ID
    html = write("page.html", "<p>Hello <b>HTML</b> ✓</p>\n".encode("utf-8"))
    r = expect(run(["send"] + smtp_submission() + [
        "--from", addr("USER1"), "--to", addr("USER2"), "--cc", addr("USER1"),
        "--bcc", addr("USER3"), "--subject", subject, "--html", html,
        "--text-file", "-"], input="plain from stdin ✓\n".encode("utf-8")), 0, "send")
    uid, _ = wait_for(subject)
    raw = imap_raw(uid)
    check(addr("USER3").encode() not in raw.split(b"\r\n\r\n", 1)[0].replace(
        b"for <%s>" % addr("USER3").encode(), b""), "Bcc address in the header")
    view = json.loads(expect(run(["parse", "-", "--json"], input=raw), 0, "parse").stdout)
    check([p["content_type"] for p in view["parts"]] == ["text/plain", "text/html"],
          "parts %r" % view["parts"])
    check(view["text"].rstrip() == "plain from stdin ✓", "text %r" % view["text"])
    check(view["cc"] == [{"name": "", "address": addr("USER1")}], "cc %r" % view["cc"])
    wait_for(subject, user="USER3")
    # Without --text, --text-file or --html the text comes from standard input.
    subject2 = "CLI stdin %s" % RUN_ID
    expect(run(["send"] + smtp_submission() + ["--from", addr("USER1"), "--to", addr("USER2"),
                                               "--subject", subject2],
               input=b"implicit stdin text\n"), 0, "send, text on stdin")
    uid2, _ = wait_for(subject2)
    out = expect(run(["fetch"] + imap() + ["--show", str(uid2)]), 0, "show").stdout
    check(b"implicit stdin text" in out, out)
    print("html + text UID %d, Bcc delivered, not in the header; stdin text UID %d" %
          (uid, uid2))


def case_fetch_raw():
    """fetch to stdout and to --output: byte for byte what imaplib gets from the server."""
    subject = "CLI raw %s" % RUN_ID
    send_composed(subject, attachments()[:1])
    uid, _ = wait_for(subject)
    server = imap_raw(uid)
    r = expect(run(["fetch"] + imap(implicit=True) + [str(uid)]), 0, "fetch to stdout")
    check(r.stdout == server, "stdout differs from the server's bytes (%d vs %d)" %
          (len(r.stdout), len(server)))
    out = os.path.join(WORK, "out.eml")
    expect(run(["fetch"] + imap() + ["-o", out, str(uid)]), 0, "fetch --output")
    with open(out, "rb") as f:
        check(f.read() == server, "--output file differs from the server's bytes")
    print("UID %d: %d bytes identical on stdout and in --output" % (uid, len(server)))


def case_save_attachments():
    """--save-attachments DIR: every attachment saved under its name, byte for byte; names
    from the message cannot leave DIR, existing files are not replaced."""
    files = attachments()
    subject = "CLI save %s" % RUN_ID
    send_composed(subject, files)
    uid, _ = wait_for(subject)
    d = os.path.join(WORK, "saved")
    r = expect(run(["fetch"] + imap() + ["--save-attachments", d, str(uid)]), 0, "save")
    for f in files:
        p = os.path.join(d, os.path.basename(f))
        check(os.path.exists(p) and sha(p) == sha(f), "saved %s" % p)
    # Again: the second copies get new names, the first stay.
    expect(run(["fetch"] + imap() + ["--save-attachments", d, str(uid)]), 0, "save again")
    check(sorted(os.listdir(d)) == sorted(["data.bin", "data (2).bin", "résumé – Grüße.txt",
                                           "résumé – Grüße (2).txt"]),
          "second save: %r" % os.listdir(d))
    # A hostile file name in a message parsed from a file.
    evil = ("From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            "hi\r\n--b\r\nContent-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename=\"../../evil\x1b[2J.sh\"\r\n\r\nxx\r\n"
            "--b\r\nContent-Type: text/plain\r\n"
            "Content-Disposition: attachment; filename=\"con.txt\"\r\n\r\ndevice\r\n"
            "--b\r\nContent-Type: text/plain\r\n"
            "Content-Disposition: attachment; filename=\"notes.txt. .\"\r\n\r\ndots\r\n--b--\r\n")
    path = write("evil.eml", evil.encode())
    uid2 = int(expect(run(["append"] + imap() + ["--mailbox", private_mailbox("save"),
                                                  "--create", path]), 0, "append").stdout)
    d2 = os.path.join(WORK, "saved2")
    r = expect(run(["fetch"] + imap() + ["--mailbox", private_mailbox("save"),
                                          "--save-attachments", d2, str(uid2)]), 0, "evil save")
    check(sorted(os.listdir(d2)) == ["_con.txt", "evil_[2J.sh", "notes.txt"],
          "sanitised names: %r" % os.listdir(d2))
    check(not os.path.exists(os.path.join(WORK, "evil")), "escaped the directory")
    print("attachments saved: %r, %r" % (sorted(os.listdir(d)), os.listdir(d2)))


def case_list():
    """list: the mailboxes (with counts), and the newest N of one, newest first, decoded."""
    mb = private_mailbox("list-Entwürfe")  # a non-ASCII name (modified UTF-7 on the wire)
    uids = [append_composed(mb, "Liste %d – ✓" % i, flags="seen" if i == 2 else None)
            for i in range(3)]
    r = expect(run(["list"] + imap()), 0, "list mailboxes")
    lines = r.stdout.decode("utf-8").splitlines()
    mine = [l.split("\t") for l in lines if l.split("\t")[0] == mb]
    check(mine and mine[0][1] == "3", "mailbox line %r in %r" % (mine, lines))
    check(any(l.split("\t")[0] == "INBOX" for l in lines), "INBOX listed")
    check(any("\\Sent" in l for l in lines), "special use shown")
    r = expect(run(["list"] + imap(implicit=True) + ["--mailbox", mb, "--newest", "2"]), 0,
               "list newest")
    rows = [l.split("\t") for l in r.stdout.decode("utf-8").splitlines()]
    check(len(rows) == 2, "two rows: %r" % rows)
    check([int(x[0]) for x in rows] == [uids[2], uids[1]], "newest first: %r" % rows)
    check(rows[0][3] == "Liste 2 – ✓" and rows[1][3] == "Liste 1 – ✓", "subjects decoded")
    check("\\Seen" in rows[0][5] and "\\Seen" not in rows[1][5], "flags: %r" % rows)
    check(int(rows[0][4]) > 100, "size: %r" % rows[0])
    # The mailbox may be in the URL's path, too.
    url = ["--server", "imap://%s:%s/%s" % (ENV["MW_HOST"], ENV["MW_IMAP_PORT"], mb)]
    args = imap()
    args[0:2] = url
    r = expect(run(["list", "-n", "1"] + args), 0, "list via URL path")
    check(r.stdout.decode().split("\t")[0] == str(uids[2]), "URL path mailbox")
    if ENV.get("MW_IPV6") == "1":  # an IPv6 literal in the URL (the certificate names ::1)
        args[1] = "imaps://[::1]:%s/%s" % (ENV["MW_IMAPS_PORT"], mb)
        args.remove("--starttls")
        r = expect(run(["list", "-n", "1"] + args), 0, "list via [::1]")
        check(r.stdout.decode().split("\t")[0] == str(uids[2]), "IPv6 URL")
    print("\n".join(lines))


def case_append_fetch():
    """append a file and a composed message, fetch them back: the file byte for byte."""
    mb = private_mailbox("append")
    data = ("From: Carol <carol@example.org>\r\nTo: bob@localhost\r\n"
            "Subject: =?utf-8?q?appended_=E2=9C=93?=\r\nDate: Sat, 05 Dec 2026 04:05:06 +0100\r\n"
            "Message-ID: <cli-append-%s@example.org>\r\n\r\nappended body\r\n" % RUN_ID).encode()
    path = write("append.eml", data)
    r = expect(run(["append"] + imap() + ["--mailbox", mb, "--create", "--flags", "seen,flagged",
                                          path]), 0, "append file")
    uid = int(r.stdout)
    check(uid > 0, "APPENDUID")
    r = expect(run(["fetch"] + imap() + ["--mailbox", mb, str(uid)]), 0, "fetch")
    check(r.stdout == data, "fetched bytes differ:\n%r\n%r" % (r.stdout, data))
    r = expect(run(["list"] + imap() + ["--mailbox", mb]), 0, "list")
    row = r.stdout.decode("utf-8").splitlines()[0].split("\t")
    check(row[3] == "appended ✓" and row[1] == "2026-12-05T04:05:06+01:00", "row %r" % row)
    check("\\Seen" in row[5] and "\\Flagged" in row[5], "flags %r" % row[5])
    uid2 = append_composed(mb, "composed ✓")
    r = expect(run(["fetch"] + imap() + ["--mailbox", mb, "--show", str(uid2)]), 0, "show")
    out = r.stdout.decode("utf-8")
    check("Subject: composed ✓" in out and "body of composed ✓" in out, out)
    print("appended UID %d (file) and %d (composed)" % (uid, uid2))


class Lines:
    """Lines of a pipe with a timeout (select() on the descriptor, os.read(): a buffered
    readline() would hide a second line already read from select())."""

    def __init__(self, f):
        self.fd = f.fileno()
        self.buf = b""

    def next(self, timeout):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8")


def idle_run(sig):
    mb = private_mailbox("idle%d" % sig)
    append_composed(mb, "before idle")
    p = subprocess.Popen([MAILWIRE, "idle"] + imap() + ["--mailbox", mb],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env(),
                         start_new_session=True)
    try:
        line = p.stderr.readline().decode("utf-8")
        check("watching " + mb in line and "(1 message)" in line, "idle start: %r" % line)
        time.sleep(0.5)  # the IDLE command is on its way; a change before it is seen anyway
        uid = append_composed(mb, "arrived during idle ✓")
        lines = Lines(p.stdout)
        line = lines.next(60)
        check(line is not None, "no line within 60 s of the append")
        out = line.split("\t")
        check(out[0] == "new" and out[1] == str(uid) and out[4] == "arrived during idle ✓",
              "idle line %r" % out)
        # Two more in a row: one line each, even when the second arrives while the first is
        # being fetched.
        burst = [append_composed(mb, "burst %d" % i) for i in range(2)]
        seen = []
        while len(seen) < 2:
            line = lines.next(60)
            check(line is not None, "burst: lines so far %r" % seen)
            cols = line.split("\t")
            check(cols[0] == "new", "burst line %r" % cols)
            seen.append(int(cols[1]))
        check(seen == burst, "burst UIDs %r, appended %r" % (seen, burst))
        p.send_signal(sig)
        rc = p.wait(timeout=20)
        err = p.stderr.read().decode("utf-8", "replace")
        check(rc == 0, "exit %d after signal %d: %s" % (rc, sig, err))
        print("idle printed %r and exited 0 on signal %d" % ("\t".join(out), sig))
    finally:
        if p.poll() is None:
            p.kill()


def case_idle():
    """idle prints a line when a message arrives, and exits 0 on SIGINT and on SIGTERM."""
    idle_run(signal.SIGINT)
    idle_run(signal.SIGTERM)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def case_exit_codes():
    """Each documented exit status, with the library's error text on stderr."""
    cases = []
    r = expect(run([]), 2, "no command")
    r = expect(run(["frobnicate"]), 2, "unknown command")
    r = expect(run(["send", "--bogus"]), 2, "unknown option")
    check(b"unknown option '--bogus'" in r.stderr, show(r))
    r = expect(run(["fetch"] + imap() + ["notanumber"]), 2, "bad UID")
    r = expect(run(["fetch"] + imap() + ["--", "-1"]), 2, "negative UID")
    r = expect(run(["list"] + imap() + ["--mailbox", "INBOX", "--newest", " 3"]), 2, "bad count")
    r = expect(run(["list", "--server", "imap://localhost:0", "--user", "x"]), 2, "port 0")
    r = expect(run(["send", "--server", "http://x", "--from", "a@b", "--to", "c@d", "--text",
                    "x"]), 2, "bad URL")
    r = expect(run(["send", "--server", "smtps://localhost", "--starttls", "--from", "a@b",
                    "--to", "c@d", "--text", "x"]), 2, "smtps with --starttls")
    cases.append("usage 2")
    port = free_port()
    r = expect(run(["send", "--server", "smtp://127.0.0.1:%d" % port, "--from", "a@b.org",
                    "--to", "c@d.org", "--text", "x"]), 3, "connection refused")
    check(b"mailwire: connect: " in r.stderr and b"refused" in r.stderr.lower(), show(r))
    r = expect(run(["list", "--server", "imap://127.0.0.1:%d" % port, "--user", "x",
                    "--password-env", "PW"], env={"PW": "y"}), 3, "IMAP connection refused")
    cases.append("connection refused 3")
    r = expect(run(["send", "--server", "smtps://%s:%s" % (ENV["MW_HOST"], ENV["MW_SMTPS_PORT"]),
                    "--from", addr("USER1"), "--to", addr("USER2"), "--text", "x"]), 3,
               "certificate without --ca-file")
    check(b"certificate" in r.stderr.lower(), show(r))
    r = expect(run(["list", "--server", "imaps://%s:%s" % (ENV["MW_HOST"], ENV["MW_IMAPS_PORT"]),
                    "--user", "bob", "--password-env", "PW"], env={"PW": "y"}), 3,
               "IMAP certificate without --ca-file")
    cases.append("certificate 3")
    args = smtp_submission()
    args[args.index("--password-file") + 1] = password_file("wrong password")
    r = expect(run(["send"] + args + ["--from", addr("USER1"), "--to", addr("USER2"),
                                      "--text", "x"]), 4, "wrong SMTP password")
    check(b"mailwire: authentication: " in r.stderr, show(r))
    args = imap()
    args[args.index("--password-file") + 1] = password_file("wrong password")
    r = expect(run(["list"] + args), 4, "wrong IMAP password")
    cases.append("authentication 4")
    r = expect(run(["send", "--server", "smtp://%s:%s" % (ENV["MW_HOST"], ENV["MW_SMTP_PORT"]),
                    "--from", addr("USER1"), "--to", addr("USER2"),
                    "--to", "nobody-%s@%s" % (RUN_ID, ENV["MW_DOMAIN"]), "--text", "x"]), 5,
               "refused recipient")
    check(b"recipient nobody-" in r.stderr and b"550" in r.stderr, show(r))
    r = expect(run(["fetch"] + imap() + ["--mailbox", "no-such-box-" + RUN_ID, "1"]), 5,
               "no such mailbox")
    r = expect(run(["fetch"] + imap() + ["4000000000"]), 5, "no such message")
    cases.append("server refusal 5")
    r = expect(run(["send"] + smtp_submission() + ["--from", addr("USER1"), "--to",
                                                   addr("USER2"), "--text", "x", "--attach",
                                                   os.path.join(WORK, "missing.pdf")]), 1,
               "missing attachment")
    r = expect(run(["parse", os.path.join(WORK, "missing.eml")]), 1, "missing file to parse")
    cases.append("other 1")
    for c in cases:
        print("ok: " + c)


def case_passwords():
    """The password from a file, --password-env, MAILWIRE_PASSWORD, and a bare --password
    (works, warns); with none and no terminal, exit 2 saying how to give one."""
    base = ["list", "--server", "imap://%s:%s" % (ENV["MW_HOST"], ENV["MW_IMAP_PORT"]),
            "--starttls", "--ca-file", ENV["MW_CA_FILE"], "--user", ENV["MW_USER2"]]
    pw = ENV["MW_PASS2"]
    r = expect(run(base + ["--password-file", password_file(pw)]), 0, "file")
    check(b"warning" not in r.stderr, show(r))
    r = expect(run(base + ["--password-env", "MY_PW"], env={"MY_PW": pw}), 0, "--password-env")
    r = expect(run(base, env={"MAILWIRE_PASSWORD": pw}), 0, "MAILWIRE_PASSWORD")
    check(b"warning" not in r.stderr, show(r))
    r = expect(run(base + ["--password", pw]), 0, "bare --password")
    check(b"warning: a password given with --password is visible" in r.stderr, show(r))
    r = expect(run(base), 2, "no password, no terminal")
    check(b"no password" in r.stderr and b"MAILWIRE_PASSWORD" in r.stderr, show(r))
    r = expect(run(base + ["--password-env", "UNSET_VAR_X"]), 2, "unset variable")
    # The user in the URL (percent-encoded) instead of --user.
    url = ["list", "--server", "imap://%s@%s:%s" % (ENV["MW_USER2"].replace("b", "%62"),
                                                    ENV["MW_HOST"], ENV["MW_IMAP_PORT"]),
           "--starttls", "--ca-file", ENV["MW_CA_FILE"], "--password-file", password_file(pw)]
    expect(run(url), 0, "user in the URL")
    # SMTP: the submission port with a password from the environment.
    args = smtp_submission()
    i = args.index("--password-file")
    del args[i:i + 2]
    r = expect(run(["send"] + args + ["--from", addr("USER1"), "--to", addr("USER1"),
                                      "--text", "pw from env"],
                   env={"MAILWIRE_PASSWORD": ENV["MW_PASS1"]}), 0, "SMTP password from env")
    print("file, --password-env, MAILWIRE_PASSWORD, --password (warned), none (exit 2): ok")


def case_trace():
    """--trace shows the dialogue but never the password or an AUTH payload."""
    secrets = []
    for user, pw in ((ENV["MW_USER1"], ENV["MW_PASS1"]), (ENV["MW_USER2"], ENV["MW_PASS2"])):
        import base64
        secrets += [pw.encode(), base64.b64encode(("\0%s\0%s" % (user, pw)).encode()),
                    base64.b64encode(pw.encode())]
    r = expect(run(["send", "--trace"] + smtp_submission() + [
        "--from", addr("USER1"), "--to", addr("USER2"), "--subject", "trace " + RUN_ID,
        "--text", "traced"]), 0, "send --trace")
    err = r.stderr
    smtp_len = len(err)
    check(b"C: MAIL FROM:" in err and b"C: AUTH " in err and b"redacted" in err, show(r))
    check(b"S: 235" in err, "AUTH succeeded in the trace")
    for s in secrets:
        check(s not in err, "secret %r in the SMTP trace" % s)
    r = expect(run(["list", "--trace"] + imap()), 0, "list --trace")
    err = r.stderr
    check(b"redacted" in err and b"AUTHENTICATE" in err and b"S: * LIST" in err, show(r))
    for s in secrets:
        check(s not in err, "secret %r in the IMAP trace" % s)
    print("SMTP and IMAP traces: %d and %d bytes, no secret" % (smtp_len, len(err)))


def case_progress():
    """No progress bar when stderr is not a terminal; a bar on a pseudo-terminal."""
    big = write("big.bin", os.urandom(3 * 1024 * 1024))
    args = ["send"] + smtp_submission() + ["--from", addr("USER1"), "--to", addr("USER1"),
                                           "--subject", "progress " + RUN_ID, "--text", "big",
                                           "--attach", big]
    r = expect(run(args), 0, "send, stderr a pipe")
    check(b"\r" not in r.stderr and b"%" not in r.stderr, "bar drawn on a pipe: %r" % r.stderr)
    master, slave = pty.openpty()
    p = subprocess.Popen([MAILWIRE] + args[:], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=slave, env=base_env())
    os.close(slave)
    got = b""
    while True:
        try:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    rc = p.wait(timeout=60)
    check(rc == 0, "send on a pty: exit %d %r" % (rc, got))
    text = got.decode("utf-8", "replace")
    check("\r" in text and "100% [########################]" in text and "/s" in text,
          "bar on a pty: %r" % text)
    frames = text.count("\r")
    print("pty: %d frames, last %r" % (frames, text.strip().split("\r")[-1]))


def case_parse_corpus():
    """parse --json over the MIME corpus, field by field against Python's email."""
    sys.path.insert(0, os.path.join(SOURCE, "tests", "mime"))
    import compare_parse
    corpus = os.path.join(SOURCE, "tests", "mime", "corpus")
    known = {}
    with open(os.path.join(corpus, "known_disagreements.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, field, reason = line.split(None, 2)
                known[(name, field)] = reason
    files = sorted(n for n in os.listdir(corpus) if n.endswith(".eml"))
    agree, failures, seen = 0, [], set()
    import datetime
    for name in files:
        path = os.path.join(corpus, name)
        r = run(["parse", path, "--json"])
        if r.returncode != 0:
            failures.append("%s: exit %d %s" % (name, r.returncode, r.stderr[:500]))
            continue
        try:
            ours = json.loads(r.stdout.decode("utf-8"))
        except ValueError as e:
            failures.append("%s: not JSON (%s)" % (name, e))
            continue
        # ISO 8601 back to the comparison's {epoch, offset}.
        if ours["date"] is not None:
            dt = datetime.datetime.fromisoformat(ours["date"])
            ours["date"] = {"epoch": int(dt.timestamp()),
                            "offset": int(dt.utcoffset().total_seconds() // 60)}
        with open(path, "rb") as f:
            theirs = compare_parse.python_view(f.read())
        diff = compare_parse.compare(ours, theirs)
        if not diff:
            agree += 1
        for field, (a, b) in sorted(diff.items()):
            seen.add((name, field))
            if (name, field) not in known:
                failures.append("unexpected disagreement %s %s: ours %r, python %r" %
                                (name, field, a, b))
    for key in sorted(known):
        if key not in seen:
            failures.append("listed disagreement no longer occurs: %s %s" % key)
    reasons = {}
    for key in seen & set(known):
        reasons.setdefault(known[key], set()).add(key[0])
    for reason, names in sorted(reasons.items()):
        print("known (%d messages): %s" % (len(names), reason))
    print("corpus: %d messages, %d agree with Python's email on every field (%.1f%%)" %
          (len(files), agree, 100.0 * agree / max(1, len(files))))
    for f in failures:
        print("FAIL " + f)
    if failures or len(files) < 200:
        sys.exit(1)


def case_parse_json_escaping():
    """JSON stays valid with control characters, quotes and invalid UTF-8 in the message."""
    raw = (b"From: \"Q\\\"uote\" <q@example.org>\r\nSubject: tab\there \x01 bell\x07 \"q\" \\\r\n"
           b"X-Bad: caf\xe9 \xff\xfe\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           b"bad utf-8: \xc3\x28 \xed\xa0\x80 end\r\nnul\x00here\r\n")
    path = write("escape.eml", raw)
    r = expect(run(["parse", path, "--json"]), 0, "parse")
    view = json.loads(r.stdout.decode("utf-8"))  # strict: raises on invalid UTF-8 / JSON
    check("\x01" in view["subject"] and "\x07" in view["subject"] and '"q"' in view["subject"],
          "subject %r" % view["subject"])
    check(view["from"][0]["name"] == 'Q"uote', "from %r" % view["from"])
    check("\ufffd" in view["text"] and view["text"].startswith("bad utf-8: "), repr(view["text"]))
    check(view["date"] is None and view["message_id"] is None, "absent fields are null")
    # stdin works the same way.
    r2 = expect(run(["parse", "-", "--json"], input=raw), 0, "parse stdin")
    check(r2.stdout == r.stdout, "stdin and file differ")
    r3 = expect(run(["parse", path]), 0, "parse (shown)")
    check(b"\x01" not in r3.stdout and b"\x07" not in r3.stdout, "controls reach the terminal")
    print(r.stdout.decode("utf-8")[:400])


def case_help():
    """--help, COMMAND --help and --version, with the exit statuses documented."""
    r = expect(run(["--help"]), 0, "--help")
    out = r.stdout.decode()
    for word in ("send", "list", "fetch", "append", "idle", "parse", "Exit status", "3 connection",
                 "4 authentication", "5 server refusal", "2 usage"):
        check(word in out, "--help lacks %r" % word)
    for cmd in ("send", "list", "fetch", "append", "idle", "parse"):
        r = expect(run([cmd, "--help"]), 0, cmd + " --help")
        check(("mailwire " + cmd).encode() in r.stdout and b"Exit status" in r.stdout, cmd)
    r = expect(run(["--version"]), 0, "--version")
    check(r.stdout.startswith(b"mailwire "), show(r))


def main():
    fn = globals().get("case_" + CASE)
    if fn is None:
        fail("no such case " + CASE)
    if CASE not in ("parse_corpus", "parse_json_escaping", "help"):
        load_env()
    fn()
    print("PASS " + CASE)


if __name__ == "__main__":
    main()
