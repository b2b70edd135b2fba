#!/usr/bin/env python3
"""The composer sample as a person would use it, scripted (issue 12, item 6).

run_composer.py --composer EXE --proxy EXE --mode eventloop|worker --artifacts DIR

Starts a private X server (Xvfb), a throttling proxy (about 5 MB/s) in front of the fixture's
Postfix submission port, and the composer in its scripted mode: it fills in its window, attaches
a 15 MiB file (a message of about 20.5 MiB once encoded) and presses Send, while a 10 ms timer
on its GUI thread records the longest gap in the event loop, and that gap less the time the GUI
thread waited for a CPU (other programs may take every core of a test machine). When the progress bar passes 40 %
the window is photographed from the X server (DIR/composer-MODE.png). The message is then read
back over IMAP (STARTTLS) from the recipient's mailbox and compared with what the composer
handed to the library, byte for byte; it is deleted afterwards. A short follow-up message goes
out after it over the same session (the worker way hands the session to a new worker with
AttachThread()), and the composer quits: Postfix's log must show one session carrying both
messages and ending with QUIT, sent as the window closed on the GUI thread.

Fails when: the send fails, the event loop was held 100 ms or more (the longest gap less the
thread's run-queue wait, where Linux tells it; the raw gap elsewhere), the message differs, the send was
not throttled (then nothing was measured), the screenshot is missing or blank. Exit 77
(SKIPPED) when Xvfb or ImageMagick is missing, unless CI is set.
"""
import argparse
import imaplib
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time

MAX_GAP_MS = 100.0
RATE = 5_000_000  # bytes per second through the proxy
ATTACHMENT = 15 * 1024 * 1024


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def missing(what):
    print("missing: %s (scripts/install-deps.sh gui)" % what)
    if os.environ.get("CI"):
        fail("CI is set: a missing tool is a failure")
    sys.exit(77)


def fixture_env():
    state = os.environ.get("MW_FIXTURE_STATE")
    if not state:
        fail("MW_FIXTURE_STATE is not set; run through ctest")
    skip = os.path.join(state, "skip-reason")
    if os.path.exists(skip):
        print("integration servers unavailable: " + open(skip).read().strip())
        if os.environ.get("CI"):
            fail("CI is set: a missing server is a failure")
        sys.exit(77)
    env = {}
    with open(os.path.join(state, "env.txt")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            env[key] = value
    return env


def wait_for(path, proc, limit):
    until = time.monotonic() + limit
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > until:
            return False
        time.sleep(0.02)
    return True


def start_xvfb(work):
    """A private X server on a free display (Xvfb -displayfd says which)."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "xvfb.log"), "w"))
    os.close(w)
    number = b""
    with os.fdopen(r, "rb") as pipe:
        while not number.endswith(b"\n"):
            chunk = pipe.read(1)
            if not chunk:
                fail("Xvfb did not start (see %s/xvfb.log)" % work)
            number += chunk
    return xvfb, ":" + number.decode().strip()


def window_id(display):
    out = subprocess.run(["xwininfo", "-root", "-tree"], env=dict(os.environ, DISPLAY=display),
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if '"mailwire composer' in line:
            return line.split()[0]
    return None


def read_back(env, message_id, limit=60):
    """The message with this Message-ID in dave's INBOX (waiting for delivery), then deleted."""
    ctx = ssl.create_default_context(cafile=env["MW_CA_FILE"])
    imap = imaplib.IMAP4("localhost", int(env["MW_IMAP_PORT"]))
    imap.starttls(ssl_context=ctx)
    imap.login(env["MW_USER4"], env["MW_PASS4"])
    until = time.monotonic() + limit
    ids = []
    while time.monotonic() < until:
        imap.select("INBOX")
        ids = imap.search(None, "HEADER", "Message-ID", '"<%s>"' % message_id)[1][0].split()
        if ids:
            break
        time.sleep(0.2)
    if len(ids) != 1:
        fail("%d messages <%s> in %s's mailbox" % (len(ids), message_id, env["MW_USER4"]))
    data = imap.fetch(ids[0], "(BODY.PEEK[])")[1][0][1]
    imap.store(ids[0], "+FLAGS", "\\Deleted")
    imap.expunge()
    imap.logout()
    return data


def postfix_session(log, message_id):
    """(smtpd pid, offset of its 'client=' line) of the session that received a message."""
    m = re.search(r"cleanup\[\d+\]: ([0-9A-F]+): message-id=<%s>" % re.escape(message_id), log)
    if not m:
        return None
    m = re.search(r"smtpd\[(\d+)\]: %s: client=" % m.group(1), log)
    return (m.group(1), m.start()) if m else None


def check_one_session_ended_with_quit(env, ids, limit=15):
    """Both messages went over one session, which ended with QUIT (Postfix's own log)."""
    until = time.monotonic() + limit
    while True:
        log = open(env["MW_POSTFIX_LOG"], errors="replace").read()
        first, second = (postfix_session(log, i) for i in ids)
        end = None
        if first and second:
            end = log.find("smtpd[%s]: disconnect from " % second[0], second[1])
        if end is not None and end >= 0:
            break
        if time.monotonic() > until:
            fail("Postfix logged no end for the session of %s (leaked?)" % ids)
        time.sleep(0.1)
    between = log.find("smtpd[%s]: disconnect from " % first[0], first[1], second[1])
    if first[0] != second[0] or between >= 0:
        fail("the follow-up went over a new session, not the first one")
    line = log[end:log.find("\n", end)]
    if " quit=1 " not in line:
        fail("the session ended without QUIT: " + line)
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--composer", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--mode", choices=["eventloop", "worker"], required=True)
    ap.add_argument("--artifacts", required=True)
    a = ap.parse_args()

    for tool in ("Xvfb", "xwininfo", "import", "convert"):
        if not shutil.which(tool):
            missing(tool)
    env = fixture_env()
    work = os.path.join(a.artifacts, "work-" + a.mode)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    shot = os.path.join(a.artifacts, "composer-%s.png" % a.mode)
    if os.path.exists(shot):
        os.remove(shot)

    attachment = os.path.join(work, "report.bin")
    with open(attachment, "wb") as f:
        f.write(os.urandom(ATTACHMENT))
    subject = "composer-%s-%d-%d" % (a.mode, os.getpid(), time.time_ns() % 10**9)

    procs = []
    try:
        port_file = os.path.join(work, "proxy.port")
        proxy = subprocess.Popen([a.proxy, port_file, "localhost", env["MW_SUBMISSION_PORT"],
                                  str(RATE)])
        procs.append(proxy)
        if not wait_for(port_file, proxy, 10):
            fail("the proxy did not start")
        proxy_port = open(port_file).read().strip()

        xvfb, display = start_xvfb(work)
        procs.append(xvfb)

        files = {k: os.path.join(work, k) for k in ("mid-send", "report.json", "sent.eml")}
        cmd = [a.composer, "--script", "--mode", a.mode,
               "--host", "localhost", "--port", proxy_port,
               "--user", env["MW_USER1"], "--password", env["MW_PASS1"],
               "--ca", env["MW_CA_FILE"], "--from", env["MW_USER1"] + "@localhost",
               "--to", "Dave <%s@localhost>" % env["MW_USER4"],
               "--subject", subject,
               "--body", "The quarterly figures, attached.\nSent by the composer sample.",
               "--attach", attachment,
               "--mid-send", files["mid-send"], "--report", files["report.json"],
               "--save-message", files["sent.eml"], "--follow-up", subject + "-follow-up"]
        genv = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
                    XDG_RUNTIME_DIR=work)
        log = open(os.path.join(work, "composer.log"), "w")
        composer = subprocess.Popen(cmd, env=genv, stdout=log, stderr=subprocess.STDOUT)
        procs.append(composer)

        # Mid-send: the window as the X server shows it.
        if not wait_for(files["mid-send"], composer, 60):
            fail("the send never reached 40 %% (see %s/composer.log)" % work)
        wid = window_id(display)
        if not wid:
            fail("no composer window on the X server")
        subprocess.run(["import", "-window", wid, shot], env=dict(os.environ, DISPLAY=display),
                       check=True)
        try:
            composer.wait(timeout=120)
        except subprocess.TimeoutExpired:
            fail("the composer did not finish within 120 s")
        if not os.path.exists(files["report.json"]):
            fail("no report (exit status %d; see %s/composer.log)" % (composer.returncode, work))
        report = json.load(open(files["report.json"]))
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()

    print("report: " + json.dumps(report, sort_keys=True))
    if not report["ok"] or composer.returncode != 0:
        fail("not sent: %s %s" % (report["error"], report.get("follow_up_error", "")))
    if len(report["message_ids"]) != 2:
        fail("the follow-up was not sent")

    # The screenshot shows a window, not an empty screen.
    colours = int(subprocess.run(["convert", shot, "-format", "%k", "info:"],
                                 capture_output=True, text=True, check=True).stdout)
    if colours < 16:
        fail("the screenshot %s has %d colours: blank" % (shot, colours))

    sent = open(files["sent.eml"], "rb").read()
    if len(sent) < 20 * 1024 * 1024:
        fail("the message is %d bytes, not 20 MiB" % len(sent))
    # Throttled, so the gap measure covered a send of several seconds.
    floor = 0.8 * len(sent) / RATE
    if report["seconds"] < floor:
        fail("sent in %.2f s, faster than the proxy allows (%.2f s): not throttled"
             % (report["seconds"], floor))

    stored = read_back(env, report["message_ids"][0])
    # The servers add trace fields on top (Received, Return-Path, Delivered-To); everything
    # from the composer's first byte on must be what it sent.
    if not stored.endswith(sent) or len(stored) - len(sent) > 4096:
        fail("the message read back differs from the one sent (%d vs %d bytes)"
             % (len(stored), len(sent)))
    read_back(env, report["message_ids"][1])
    end = check_one_session_ended_with_quit(env, report["message_ids"])

    print("mode %s: %.1f MB sent in %.2f s (%.2f MB/s through the proxy); longest event-loop "
          "gap %.1f ms, %.1f ms less the wait for a CPU (GUI thread on a CPU at most %.1f ms "
          "between two ticks), %d ticks; read back byte for byte; screenshot %s (%d colours); "
          "follow-up over the same session, whose end Postfix logged as: %s"
          % (a.mode, len(sent) / 1e6, report["seconds"], len(sent) / report["seconds"] / 1e6,
             report["max_gap_ms"], report["max_stall_ms"], report["max_tick_cpu_ms"],
             report["ticks"], shot, colours, end.split(": ", 1)[-1]))
    held = report["max_stall_ms"] if report["max_stall_ms"] >= 0 else report["max_gap_ms"]
    if held >= MAX_GAP_MS:
        fail("the event loop was held for %.1f ms (limit %.0f ms; raw gap %.1f ms)"
             % (held, MAX_GAP_MS, report["max_gap_ms"]))
    shutil.rmtree(work, ignore_errors=True)  # the 35 MB of inputs; the screenshot stays


if __name__ == "__main__":
    main()
