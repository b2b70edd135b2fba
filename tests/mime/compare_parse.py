#!/usr/bin/env python3
"""Parse every message of a corpus with the message object (mw_mime_dump, tests/mime/mime_dump.cpp)
and with Python's email package (policy default), and compare the two field by field.

  compare_parse.py DUMP CORPUS_DIR KNOWN_FILE [--verbose]

Fields: headers (name and decoded value, in order), subject, message_id, from, to, cc,
reply_to (display name and address of each mailbox), date (UTC seconds and offset), text (the
body EmailMessage.get_body(("plain", "html")) picks, decoded with get_content()), and the leaf
parts in walk order (content type, charset, filename, disposition, Content-ID, size and SHA-256
of get_payload(decode=True)).

KNOWN_FILE lists accepted disagreements, one a line: "file field reason". The script prints
the corpus size, the share of messages agreeing on every field and each disagreement, and fails
(exit 1) when a message disagrees on a field not listed, when a listed disagreement no longer
occurs (the list must stay true), or when mw_mime_dump fails (exit status 2 there means the
file, memory and pushed imports gave different trees).
"""
import email
import hashlib
import json
import os
import subprocess
import sys
from email import policy


def addresses(msg, name):
    out = []
    for v in msg.get_all(name) or []:
        for a in getattr(v, "addresses", ()):
            out.append({"name": a.display_name, "address": a.addr_spec})
    return out


def python_view(data):
    msg = email.message_from_bytes(data, policy=policy.default)
    view = {"headers": [{"name": k, "value": str(v)} for k, v in msg.items()]}
    for key, name in (("subject", "subject"), ("message_id", "message-id")):
        v = msg[name]
        view[key] = None if v is None else str(v)
    for key, name in (("from", "from"), ("to", "to"), ("cc", "cc"), ("reply_to", "reply-to")):
        view[key] = addresses(msg, name)
    d = msg["date"]
    dt = getattr(d, "datetime", None) if d is not None else None
    if dt is None:
        view["date"] = None
    else:
        off = dt.utcoffset()
        if off is None:  # -0000: no zone; the time is UTC (RFC 5322 section 3.3)
            import datetime
            dt = dt.replace(tzinfo=datetime.timezone.utc)
            off = datetime.timedelta(0)
        view["date"] = {"epoch": int(dt.timestamp()), "offset": int(off.total_seconds() // 60)}
    body = msg.get_body(("plain", "html"))
    try:
        view["text"] = body.get_content() if body is not None else ""
    except LookupError as e:  # a charset Python does not know
        view["text"] = "<python: %s>" % e
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        cid = part["content-id"]
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset() or "",
            "filename": part.get_filename() or "",
            "disposition": part.get_content_disposition() or "",
            "content_id": "" if cid is None else str(cid),
            "size": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
        })
    view["parts"] = parts
    return view


STRUCTURED = ("date", "content-type", "content-disposition", "content-transfer-encoding",
              "mime-version")


def rendered(name, value):
    if name.lower() not in STRUCTURED:
        return value
    return str(policy.default.header_factory(name, value))


def compare(ours, theirs):
    """Fields that differ: {field: (ours, theirs)}."""
    diff = {}
    # Header values one by one. Python's structured headers (Date, Content-Type,
    # Content-Disposition, Content-Transfer-Encoding, MIME-Version) give their value
    # re-rendered from what they parsed ("Tue, 1 Dec" becomes "Tue, 01 Dec", every parameter
    # quoted), the message object gives it as written (unfolded): ours goes through the same
    # header class before the comparison, so the two agree when they mean the same thing.
    a, b = ours["headers"], theirs["headers"]
    if len(a) != len(b):
        diff["headers"] = (len(a), len(b))
    else:
        for x, y in zip(a, b):
            if x["name"] != y["name"]:
                diff["headers"] = (x["name"], y["name"])
            elif rendered(x["name"], x["value"]) != y["value"]:
                diff["header." + x["name"].lower()] = (x["value"], y["value"])
    for key in ("subject", "message_id", "from", "to", "cc", "reply_to", "date",
                "text"):
        if ours.get(key) != theirs.get(key):
            diff[key] = (ours.get(key), theirs.get(key))
    if len(ours["parts"]) != len(theirs["parts"]):
        diff["parts"] = (len(ours["parts"]), len(theirs["parts"]))
    else:
        for i, (a, b) in enumerate(zip(ours["parts"], theirs["parts"])):
            for k in a:
                if a[k] != b.get(k):
                    diff["parts.%s" % k] = (a[k], b.get(k))
    return diff


def main():
    dump, corpus, known_file = sys.argv[1:4]
    verbose = "--verbose" in sys.argv
    known = {}
    with open(known_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, field, reason = line.split(None, 2)
            known[(name, field)] = reason
    files = sorted(n for n in os.listdir(corpus) if n.endswith(".eml"))
    agree = 0
    failures = []
    seen = set()
    for name in files:
        path = os.path.join(corpus, name)
        r = subprocess.run([dump, path], capture_output=True)
        if r.returncode != 0:
            failures.append("%s: mw_mime_dump exit %d: %s" %
                            (name, r.returncode, r.stderr.decode("utf-8", "replace")[:2000]))
            continue
        ours = json.loads(r.stdout.decode("utf-8", "replace"))
        with open(path, "rb") as f:
            theirs = python_view(f.read())
        diff = compare(ours, theirs)
        if not diff:
            agree += 1
        for field, (a, b) in sorted(diff.items()):
            seen.add((name, field))
            reason = known.get((name, field))
            line = "%s %s: ours %r, python %r" % (name, field, a, b)
            if reason is None:
                failures.append("unexpected disagreement " + line)
            else:
                print("known: %s %s (%s)" % (name, field, reason))
                if verbose:
                    print("    " + line)
    for (name, field), reason in sorted(known.items()):
        if (name, field) not in seen:
            failures.append("listed disagreement no longer occurs: %s %s" % (name, field))
    print("corpus: %d messages, %d agree with Python's email on every field (%.1f%%)" %
          (len(files), agree, 100.0 * agree / max(1, len(files))))
    for f in failures:
        print("FAIL " + f)
    return 1 if failures or len(files) < 200 else 0


if __name__ == "__main__":
    sys.exit(main())
