"""Turns the records of scripts/bench.sh into its markdown report.

usage: report.py RESULTS META

RESULTS: one line per measurement, key=value pairs: rep= and id= from the script, the process
figures of mw_bench_run (wall, cpu, maxrss_kib, status) and whatever key=value line the client
printed (sent=, messages=, bytes=, fetch_cpu=, tls=...), plus count= for clients that print
nothing. META: key=value lines describing the run (date, machine, versions, sizes).

Every figure is the median over the repetitions; every ratio is computed within each
repetition first (the two figures measured minutes apart at most, under the same load) and
the median of those ratios is shown."""
import statistics
import sys


def parse(line):
    rec = {}
    for field in line.split():
        if "=" in field:
            k, v = field.split("=", 1)
            rec[k] = v
    return rec


def load(path):
    runs = {}  # id -> {rep: record}
    with open(path) as f:
        for line in f:
            rec = parse(line)
            if "id" in rec:
                runs.setdefault(rec["id"], {})[int(rec["rep"])] = rec
    return runs


def num(rec, key, default=None):
    try:
        return float(rec[key])
    except (KeyError, ValueError):
        return default


def ok(rec):
    return rec.get("status") == "0"


def sent(rec):
    """Messages a client delivered: its own count when it prints one, else the count asked."""
    return num(rec, "sent", num(rec, "count", 0.0))


def rate(rec):
    wall = num(rec, "wall")
    return sent(rec) / wall if ok(rec) and wall else None


def figure(runs, rid, fn):
    vals = [fn(r) for r in runs.get(rid, {}).values()]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def ratio(runs, a, b, fa, fb=None):
    """Median over repetitions of fa(a's record) / fb(b's record) taken in the same repetition."""
    fb = fb or fa
    out = []
    for rep, ra in runs.get(a, {}).items():
        rb = runs.get(b, {}).get(rep)
        if rb is None:
            continue
        x, y = fa(ra), fb(rb)
        if x is not None and y:
            out.append(x / y)
    return statistics.median(out) if out else None


def fmt(v, digits=0, unit=""):
    if v is None:
        return "–"
    if digits == 0:
        return "{:,.0f}{}".format(v, unit)
    return "{:,.{}f}{}".format(v, digits, unit)


def fmt_ratio(v):
    return "–" if v is None else "{:.2f}x".format(v)


def rss_mib(rec):
    v = num(rec, "maxrss_kib")
    return v / 1024 if v is not None and ok(rec) else None


def cpu(rec):
    return num(rec, "cpu") if ok(rec) else None


def cpu_us_per_msg(rec):
    c, n = cpu(rec), sent(rec)
    return c / n * 1e6 if c is not None and n else None


def failures(runs, rid):
    bad = [rep for rep, r in runs.get(rid, {}).items() if not ok(r)]
    return " (failed in rep %s)" % ",".join(map(str, sorted(bad))) if bad else ""


def main():
    runs = load(sys.argv[1])
    meta = {}
    with open(sys.argv[2]) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    size = int(meta["msg_size"])
    out = []
    w = out.append
    w("# mailwire benchmark (scripts/bench.sh%s)" % (" --quick" if meta.get("quick") == "1" else ""))
    w("")
    w("%s · %s × %s · Linux %s · %s RAM · load average %s at start, %s at end · %s total"
      % (meta["date"], meta["nproc"], meta["cpu"], meta["kernel"], meta["memory"],
         meta["load_start"], meta["load_end"], meta["elapsed"]))
    w("")
    w("mailwire %s (%s, %s) · Postfix %s · Dovecot %s · GnuTLS %s · Python %s · curl %s · isync %s"
      % (meta["mw_version"], meta["git"], meta["build_type"], meta["postfix"], meta["dovecot"],
         meta["gnutls"], meta["python"], meta["curl"], meta["isync"]))
    w("")
    w("Median of %s repetition(s); each ratio is the median of the ratios within a repetition. "
      "Wall time, CPU (user+sys) and peak RSS are those of the client process (wait4), "
      "start-up, connect and login included. Loopback, 127.0.0.1." % meta["reps"])

    # Ceilings.
    bulk = figure(runs, "raw.bulk", lambda r: num(r, "raw_bulk_bytes_per_s"))
    rtt = figure(runs, "raw.rtt", lambda r: num(r, "raw_rtt_msg_per_s"))
    w("")
    w("## Loopback ceilings, measured in the same run (tests/bench/mw_bench_raw)")
    w("")
    w("| ceiling | figure |")
    w("|---|---|")
    w("| bulk TCP bytes, one connection, one direction | %s MB/s |" % fmt(bulk and bulk / 1e6))
    w("| one round trip per %d-byte message (reply of 22 bytes) | %s msg/s |" % (size, fmt(rtt)))
    for c in ("AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"):
        v = figure(runs, "raw.cipher", lambda r, c=c: num(r, "cipher_%s_bytes_per_s" % c))
        w("| %s decryption, GnuTLS, 16 KiB records | %s MB/s |" % (c.replace("_", "-"),
                                                                 fmt(v and v / 1e6)))

    # SMTP, one connection.
    targets = [("sink", "smtp-sink (PIPELINING, no CHUNKING)", False),
               ("pf", "Postfix smtpd, CHUNKING offered, cleartext", False),
               ("pf-tls", "Postfix smtpd, CHUNKING offered, STARTTLS", True),
               ("pfnc", "Postfix smtpd, no CHUNKING, cleartext", False),
               ("pfnc-tls", "Postfix smtpd, no CHUNKING, STARTTLS", True)]
    clients = [("mailwire", "mailwire (SmtpSendMessages, 100 per call)"),
               ("mailwire-single", "mailwire, one SmtpSendMessage per message"),
               ("mailwire-nochunking", "mailwire, SMTP_OPTION_NOCHUNKING"),
               ("smtp-source", "smtp-source -d"),
               ("smtplib", "python smtplib"),
               ("curl", "curl -K (all transfers in one process)")]
    w("")
    w("## SMTP, one connection, %d-byte messages" % size)
    w("")
    w("× smtp-source: msg/s against smtp-source's on the same port in cleartext (it has no "
      "TLS). × ceiling (smtp-sink only): msg/s against the one-round-trip-per-message "
      "ceiling above. mailwire with CHUNKING offered by Postfix is given %s s at most "
      "(messages: what it sent in that time). Every client sends the same %d-byte file "
      "from bench@localhost to bench@example.org (Postfix accepts it, then discards it). "
      "curl reads all transfers from one config file (-K): %s."
      % (meta["pf_budget"], size, meta["curl_note"]))
    w("")
    w("| into | client | messages | msg/s | CPU µs/msg | peak RSS MiB | × smtp-source | × ceiling |")
    w("|---|---|---|---|---|---|---|---|")
    for t, tname, tls in targets:
        base = t[:-4] if tls else t
        for c, cname in clients:
            rid = "smtp1.%s.%s" % (t, c)
            if rid not in runs:
                continue
            w("| %s | %s | %s | %s | %s | %s | %s | %s |%s" % (
                tname, cname, fmt(figure(runs, rid, sent)), fmt(figure(runs, rid, rate)),
                fmt(figure(runs, rid, cpu_us_per_msg)), fmt(figure(runs, rid, rss_mib), 1),
                fmt_ratio(ratio(runs, rid, "smtp1.%s.smtp-source" % base, rate)),
                fmt_ratio(ratio(runs, rid, "raw.rtt", rate,
                                lambda r: num(r, "raw_rtt_msg_per_s"))
                          if t == "sink" else None),
                failures(runs, rid)))

    # SMTP, many sessions on one thread.
    w("")
    w("## SMTP, concurrent sessions driven by one thread, %d-byte messages" % size)
    w("")
    w("mailwire: SmtpAsyncConnect + SmtpGetPollInfo/poll()/SmtpExecute, one thread, each "
      "session sending its share in SmtpSendMessages() calls of up to 100 messages; "
      "smtp-source -d -s N. Messages are shared by the sessions. × smtp-source -s 100: msg/s "
      "against smtp-source with 100 sessions into the same server in cleartext.")
    w("")
    w("| into | client | sessions | messages | msg/s | CPU s | peak RSS MiB | × smtp-source -s 100 |")
    w("|---|---|---|---|---|---|---|---|")
    names = {"sink": "smtp-sink", "pf": "Postfix smtpd (CHUNKING), cleartext",
             "pf-tls": "Postfix smtpd (CHUNKING), STARTTLS"}
    keys = sorted((k for k in runs if k.startswith("smtpN.")),
                  key=lambda k: (["sink", "pf", "pf-tls"].index(k.split(".")[1]),
                                 k.split(".")[2] != "mailwire", int(k.split(".")[3])))
    for rid in keys:
        _, t, c, n = rid.split(".")
        base = "smtpN.%s.smtp-source.100" % ("pf" if t == "pf-tls" else t)
        w("| %s | %s | %s | %s | %s | %s | %s | %s |%s" % (
            names[t], c, fmt(float(n)), fmt(figure(runs, rid, sent)),
            fmt(figure(runs, rid, rate)),
            fmt(figure(runs, rid, cpu), 2), fmt(figure(runs, rid, rss_mib), 1),
            fmt_ratio(ratio(runs, rid, base, rate)), failures(runs, rid)))

    # IMAP.
    mbytes = float(meta["mailbox_bytes"])
    w("")
    w("## IMAP, mailbox of %s messages, %s MB as served (Dovecot, EXAMINE)"
      % (fmt(float(meta["mailbox_messages"])), fmt(mbytes / 1e6)))
    w("")
    w("fetch: mailwire ImapFetchMessages (pipelined UID FETCH BODY.PEEK[] batches, bytes "
      "counted in the callback; \"to files\": each message written to tmpfs), imaplib "
      "`UID FETCH 1:* (BODY.PEEK[])` (all in memory), mbsync (Sync Pull into a Maildir on "
      "tmpfs, FSync no). info: ImapGetMessageInfo(\"1:*\", IMAP_INFO_ENVELOPE) vs imaplib "
      "`FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)`. The Maildir is read into "
      "the page cache right before every run. fetch CPU: mailwire's CPU inside the fetch call "
      "alone. × bulk: MB/s against the bulk TCP ceiling. mbsync over TLS connects to "
      "\"localhost\" (it checks certificate names, not addresses), the others to 127.0.0.1.")
    w("")
    w("| items | transport | client | wall s | MB/s | CPU s | fetch CPU s | peak RSS MiB "
      "| × imaplib speed | × imaplib CPU | × bulk |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    inames = {"mailwire": "mailwire", "mailwire-files": "mailwire, to files",
              "imaplib": "python imaplib", "mbsync": "mbsync"}
    for mode in ("fetch", "info"):
        for tr, trname in (("clear", "cleartext"), ("tls", "implicit TLS")):
            for c in ("mailwire", "mailwire-files", "imaplib", "mbsync"):
                rid = "imap.%s.%s.%s" % (mode, tr, c)
                if rid not in runs:
                    continue
                base = "imap.%s.%s.imaplib" % (mode, tr)
                speed = lambda r: 1 / num(r, "wall") if ok(r) else None
                mbps = (lambda r: mbytes / num(r, "wall") if ok(r) else None)
                w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%s" % (
                    mode, trname, inames[c], fmt(figure(runs, rid, lambda r: num(r, "wall")), 2),
                    fmt(figure(runs, rid, mbps) / 1e6 if mode == "fetch" else None),
                    fmt(figure(runs, rid, cpu), 3),
                    fmt(figure(runs, rid, lambda r: num(r, "fetch_cpu")), 3),
                    fmt(figure(runs, rid, rss_mib), 1),
                    fmt_ratio(ratio(runs, rid, base, speed) if c != "imaplib" else None),
                    fmt_ratio(ratio(runs, rid, base, cpu) if c != "imaplib" else None),
                    fmt_ratio(ratio(runs, rid, "raw.bulk", mbps,
                                    lambda r: num(r, "raw_bulk_bytes_per_s"))
                              if mode == "fetch" else None),
                    failures(runs, rid)))

    # The ratios issue 11 sets targets for.
    w("")
    w("## Issue 11 targets (figures of this run)")
    w("")
    w("| target | goal | this run | met |")
    w("|---|---|---|---|")

    def target(name, goal, value, good, shown=None):
        """good: the test of the goal, or None for a figure shown for reference only."""
        met = "–" if value is None or good is None else "yes" if good(value) else "**no**"
        w("| %s | %s | %s | %s |" % (name, goal, shown if shown is not None else
                                     fmt_ratio(value), met))

    target("SMTP into Postfix smtpd, CHUNKING offered, cleartext: mailwire / smtp-source",
           ">= 1.5x", ratio(runs, "smtp1.pf.mailwire", "smtp1.pf.smtp-source", rate),
           lambda v: v >= 1.5)
    target("the same over STARTTLS / smtp-source cleartext, same port", ">= 1.2x",
           ratio(runs, "smtp1.pf-tls.mailwire", "smtp1.pf.smtp-source", rate),
           lambda v: v >= 1.2)
    target("SMTP into smtp-sink, one connection: mailwire / 1-RTT ceiling", ">= 0.8x",
           ratio(runs, "smtp1.sink.mailwire", "raw.rtt", rate,
                 lambda r: num(r, "raw_rtt_msg_per_s")), lambda v: v >= 0.8)
    big = [k for k in runs if k.startswith("smtpN.pf-tls.mailwire.")]
    if big:
        rid = max(big, key=lambda k: int(k.split(".")[3]))
        n = rid.split(".")[3]
        recs = runs[rid].values()
        lost = sum(int(num(r, "failed", 0)) for r in recs)
        target("%s STARTTLS sessions on one thread: messages refused or lost" % n, "0",
               lost, lambda v: v == 0, shown=str(lost))
        rss = figure(runs, rid, rss_mib)
        target("%s STARTTLS sessions: peak RSS" % n, "<= 64 MiB", rss, lambda v: v <= 64,
               shown=fmt(rss, 1, " MiB"))
        target("%s STARTTLS sessions: msg/s / smtp-source -s 100 (Postfix, cleartext)" % n,
               ">= 1.0x", ratio(runs, rid, "smtpN.pf.smtp-source.100", rate),
               lambda v: v >= 1.0)
    speed = lambda r: 1 / num(r, "wall") if ok(r) else None
    target("IMAP full fetch, cleartext: mailwire / imaplib speed", ">= 1.37x (today's lead)",
           ratio(runs, "imap.fetch.clear.mailwire", "imap.fetch.clear.imaplib", speed),
           lambda v: v >= 1.37)
    target("IMAP full fetch, cleartext: mailwire / imaplib CPU", "<= 0.10x (today's lead)",
           ratio(runs, "imap.fetch.clear.mailwire", "imap.fetch.clear.imaplib", cpu),
           lambda v: v <= 0.10)
    fc = figure(runs, "imap.fetch.tls.mailwire", lambda r: num(r, "fetch_cpu"))
    target("IMAP full fetch, implicit TLS: mailwire CPU in the fetch", "<= 0.1 s", fc,
           lambda v: v <= 0.1, shown=fmt(fc, 3, " s"))
    target("IMAP full fetch: mailwire fetch CPU, implicit TLS / cleartext", "(reference)",
           ratio(runs, "imap.fetch.tls.mailwire", "imap.fetch.clear.mailwire",
                 lambda r: num(r, "fetch_cpu")), None)
    # What the negotiated cipher alone costs for these bytes: the floor of the TLS figure.
    suite = next((r.get("tls", "") for r in runs.get("imap.fetch.tls.mailwire", {}).values()),
                 "")
    alg = next((a for a in ("AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305") if a in suite),
               None)
    if alg:
        speed_c = figure(runs, "raw.cipher", lambda r: num(r, "cipher_%s_bytes_per_s" % alg))
        floor = mbytes / speed_c if speed_c else None
        target("IMAP implicit TLS: %s decryption alone for the mailbox (%s)"
               % (alg.replace("_", "-"), suite), "(reference)", floor, None,
               shown=fmt(floor, 3, " s"))
    target("IMAP full fetch, cleartext: peak RSS, mailwire / imaplib", "(today 4.6 / 157 MiB)",
           ratio(runs, "imap.fetch.clear.mailwire", "imap.fetch.clear.imaplib", rss_mib), None)
    # "Under 1 ms of the caller's thread": the CPU time the calling thread spent in the call.
    # The wall time is shown beside it; on a loaded machine it also holds the time the
    # scheduler gave to other processes while the call ran.
    for src in ("memory", "file"):
        st = figure(runs, "start.sink.%s" % src, lambda r: num(r, "start_cpu_max_ms"))
        target("starting a non-blocking send of an 80 MiB message (%s): slowest call, "
               "CPU of the caller's thread" % src,
               "< 1 ms", st, lambda v: v < 1.0, shown=fmt(st, 3, " ms"))
        sw = figure(runs, "start.sink.%s" % src, lambda r: num(r, "start_max_ms"))
        target("  the same, wall time", "(reference)", sw, None, shown=fmt(sw, 3, " ms"))
        sx = figure(runs, "start.sink.%s" % src, lambda r: num(r, "step_max_ms"))
        target("  the same: slowest SmtpExecute step while it is sent", "(reference)", sx,
               None, shown=fmt(sx, 1, " ms"))
    if big:
        st = figure(runs, rid, lambda r: num(r, "start_cpu_max_ms"))
        target("%s STARTTLS sessions: slowest SmtpAsyncConnect / SmtpSendMessage call, CPU of "
               "the caller's thread" % n, "< 1 ms", st, lambda v: v < 1.0,
               shown=fmt(st, 3, " ms"))
        sw = figure(runs, rid, lambda r: num(r, "start_max_ms"))
        target("  the same, wall time", "(reference)", sw, None, shown=fmt(sw, 3, " ms"))
        sx = figure(runs, rid, lambda r: num(r, "step_max_ms"))
        target("  the same: slowest SmtpExecute step", "(reference)", sx, None,
               shown=fmt(sx, 1, " ms"))
    print("\n".join(out))


main()
