#!/usr/bin/env python3
"""Write the project's own messages of the parse corpus (gen-*.eml), deterministically.

Each message imitates something mail programs and servers really send or really get wrong:
every legacy charset the message object converts (in encoded words, bodies and RFC 2231
file names), broken structure (missing, repeated or misplaced boundaries), nested and digest
messages, delivery reports, very long and very many header fields, LF and CR line ends,
malformed base64 and quoted-printable, raw 8-bit header octets, address-list corner cases and
obsolete dates. Written for mailwire; same licence as the project. Run from this folder:

    python3 gen_corpus.py
"""
import base64
import quopri
import zlib

CHARSETS = [
    ("iso-8859-1", "Grüße aus München, café"),
    ("iso-8859-2", "Zażółć gęślą jaźń, Łódź"),
    ("iso-8859-3", "Ħaġar Qim, ġenna"),
    ("iso-8859-4", "Ķekava, Ģirts, ŗ"),
    ("iso-8859-5", "Привет, мир"),
    ("iso-8859-6", "مرحبا بالعالم"),
    ("iso-8859-7", "Καλημέρα κόσμε"),
    ("iso-8859-8", "שלום עולם"),
    ("iso-8859-9", "Günaydın, İstanbul, ş"),
    ("iso-8859-10", "Þórður, ŋ, Ŧ"),
    ("iso-8859-13", "Ąžuolas, Ėglė"),
    ("iso-8859-14", "Ŵ Ŷ ẁ ḃ"),
    ("iso-8859-15", "Prix: 20 € œuvre"),
    ("iso-8859-16", "Ștefan Țară"),
    ("windows-1250", "Příliš žluťoučký kůň"),
    ("windows-1251", "Съешь же ещё этих булок"),
    ("windows-1252", "“Smart quotes” – and €"),
    ("windows-1253", "Γειά σου Κόσμε"),
    ("windows-1254", "Çalışma ğüşıöç"),
    ("windows-1255", "עברית בדיקה"),
    ("windows-1256", "العربية اختبار"),
    ("windows-1257", "Ąčęėįšųūž"),
    ("windows-1258", "Ti\u00ea\u0301ng Vi\u00ea\u0323t"),
    ("koi8-r", "Съешь же ещё этих мягких"),
    ("koi8-u", "Їжак ґанок"),
    ("shift_jis", "日本語のメール"),
    ("euc-jp", "こんにちは世界"),
    ("iso-2022-jp", "件名のテスト"),
    ("gb2312", "你好，世界"),
    ("gbk", "中文邮件测试"),
    ("gb18030", "中文測試 €"),
    ("big5", "中文測試郵件"),
    ("euc-kr", "안녕하세요 세계"),
    ("utf-8", "Ünïcødé ✓ 😀"),
]

DATE = "Tue, 1 Dec 2026 10:20:30 +0100"


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def ew_b(cs, text):
    return "=?%s?B?%s?=" % (cs, base64.b64encode(text.encode(cs)).decode())


def ew_q(cs, text):
    raw = text.encode(cs)
    out = ""
    for b in raw:
        c = chr(b)
        if c == " ":
            out += "_"
        elif 33 <= b < 127 and c not in "=?_":
            out += c
        else:
            out += "=%02X" % b
    return "=?%s?Q?%s?=" % (cs, out)


def head(subject, extra=""):
    return ("From: Alice Example <alice@example.org>\n"
            "To: Bob <bob@example.net>\n"
            "Subject: %s\n"
            "Date: %s\n"
            "Message-ID: <%s@example.org>\n%s" %
            (subject, DATE, zlib.crc32(subject.encode("utf-8")), extra))


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


files = {}


def add(name, text, binary=False):
    files["gen-%s.eml" % name] = text if binary else crlf(text).encode("latin-1")


def add_bytes(name, data):
    files["gen-%s.eml" % name] = data


# --- every charset: subject (B and Q), body (QP and base64 and 8bit), file names ----------
for cs, text in CHARSETS:
    enc = text.encode(cs)
    key = cs.replace("_", "-")
    add("cs-%s-subject-b" % key,
        head(ew_b(cs, text)) + "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
        "plain body\n")
    add("cs-%s-subject-q" % key,
        head(ew_q(cs, text) + " tail", "Cc: " + ew_q(cs, text[:6]) + " <cc@example.com>\n") +
        "MIME-Version: 1.0\n\nbody\n")
    qp = quopri.encodestring(enc + b"\nline two\n").decode("ascii")
    add("cs-%s-body-qp" % key,
        head("qp " + key) + "MIME-Version: 1.0\nContent-Type: text/plain; charset=\"%s\"\n"
        "Content-Transfer-Encoding: quoted-printable\n\n%s" % (cs, qp))
    add("cs-%s-body-b64" % key,
        head("b64 " + key) + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XyZ\n\n"
        "--XyZ\nContent-Type: text/plain; charset=%s\nContent-Transfer-Encoding: base64\n\n%s"
        "--XyZ\nContent-Type: application/octet-stream\nContent-Disposition: attachment;"
        " filename*=%s''%s\nContent-Transfer-Encoding: base64\n\n%s--XyZ--\n" %
        (cs, b64lines(enc + b"\n"), "utf-8",
         "".join(c if c.isalnum() and ord(c) < 128 else "%%%02X" % b
                 for c in ["."] for b in []) or
         "".join("%%%02X" % b for b in (text[:8] + ".txt").encode("utf-8")),
         b64lines(bytes(range(256)))))
    if cs not in ("iso-2022-jp",):
        add_bytes("cs-%s-body-8bit" % key,
                  crlf(head("8bit " + key) + "MIME-Version: 1.0\nContent-Type: text/plain; "
                       "charset=%s\nContent-Transfer-Encoding: 8bit\n\n" % cs).encode() +
                  enc + b"\r\n")

# --- structure ------------------------------------------------------------------------------
ALT = ("MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n"
       "This is a multi-part message in MIME format.\n--alt\n"
       "Content-Type: text/plain; charset=utf-8\n\nplain text\n--alt\n"
       "Content-Type: text/html; charset=utf-8\n\n<p>html text</p>\n--alt--\n")
add("alt", head("alternative") + ALT)
add("alt-lf-only", head("alternative lf"), )
files["gen-alt-lf-only.eml"] = (head("alternative lf") + ALT).encode()
files["gen-alt-cr-only.eml"] = (head("alternative cr") + ALT).replace("\n", "\r").encode()
add("missing-close-boundary",
    head("no close") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
    "--b1\nContent-Type: text/plain\n\nfirst\n--b1\nContent-Type: text/plain\n\nsecond, "
    "never closed\n")
add("missing-first-boundary",
    head("no first") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
    "no boundary here at all\n")
add("no-boundary-param",
    head("no param") + "MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n--b1\n\nx\n--b1--\n")
add("repeated-boundary",
    head("repeated") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
    "--b1\n--b1\nContent-Type: text/plain\n\nafter two\n--b1--\nepilogue\n")
add("boundary-trailing-space",
    head("trailing ws") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
    "--b1   \nContent-Type: text/plain\n\nbody\n--b1--\t \n")
add("boundary-prefix-in-body",
    head("prefix") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
    "--b1\nContent-Type: text/plain\n\n--b1x is not a boundary\n--b1--\n")
add("inner-reuses-outer-boundary",
    head("reuse") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=same\n\n"
    "--same\nContent-Type: multipart/alternative; boundary=same\n\n--same\n"
    "Content-Type: text/plain\n\ninner\n--same--\n")
add("nested-multipart",
    head("nested") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n"
    "--o\nContent-Type: multipart/related; boundary=r; type=\"multipart/alternative\"\n\n"
    "--r\nContent-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\n"
    "text\n--a\nContent-Type: text/html\n\n<img src=\"cid:img1@x\">\n--a--\n--r\n"
    "Content-Type: image/png\nContent-ID: <img1@x>\nContent-Transfer-Encoding: base64\n\n"
    "iVBORw0KGgo=\n--r--\n--o\nContent-Type: application/pdf; name=\"doc.pdf\"\n"
    "Content-Disposition: attachment; filename=\"doc.pdf\"\nContent-Transfer-Encoding: base64\n\n"
    "JVBERi0xLjQK\n--o--\n")
inner = head("inner message") + "MIME-Version: 1.0\nContent-Type: text/plain\n\ninner body\n"
add("rfc822-attached",
    head("fwd") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=m\n\n--m\n"
    "Content-Type: text/plain\n\nsee attached\n--m\nContent-Type: message/rfc822\n"
    "Content-Disposition: attachment; filename=\"fwd.eml\"\n\n" + inner + "--m--\n")
deep = "Content-Type: text/plain\n\ndeepest\n"
for i in range(6):
    deep = ("Subject: level %d\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n" % i) + deep
add("rfc822-nested-6", head("deep") + "MIME-Version: 1.0\nContent-Type: message/rfc822\n\n" + deep)
deepmp = "Content-Type: text/plain\n\nleaf\n"
for i in range(40):
    deepmp = ("Content-Type: multipart/mixed; boundary=d%d\n\n--d%d\n%s--d%d--\n" %
              (i, i, deepmp, i))
add("multipart-depth-40", head("depth 40") + "MIME-Version: 1.0\n" + deepmp)
many = "".join("--m\nContent-Type: text/plain\n\npart %d\n" % i for i in range(300))
add("parts-300", head("300 parts") +
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=m\n\n" + many + "--m--\n")
add("digest",
    head("digest") + "MIME-Version: 1.0\nContent-Type: multipart/digest; boundary=dg\n\n"
    "--dg\n\nSubject: one\n\nfirst\n--dg\n\nSubject: two\n\nsecond\n--dg\n"
    "Content-Type: text/plain\n\nnot a message\n--dg--\n")
add("dsn",
    head("Delivery Status Notification (Failure)") +
    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;"
    " boundary=rep\n\n--rep\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
    "--rep\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
    "Final-Recipient: rfc822; nobody@example.net\nAction: failed\nStatus: 5.1.1\n\n--rep\n"
    "Content-Type: text/rfc822-headers\n\nSubject: original\nFrom: alice@example.org\n\n"
    "--rep--\n")
add("preamble-epilogue",
    head("pre/epi") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"==x==\"\n\n"
    "preamble line\n\n--==x==\nContent-Type: text/plain\n\nbody\n--==x==--\n\nepilogue\n")
add("empty-body", head("empty") + "MIME-Version: 1.0\n\n")
add("no-empty-line", head("no body separator"))
add("header-only-no-newline", "Subject: nothing else")
files["gen-header-only-no-newline.eml"] = b"Subject: nothing else"
add("no-mime-version",
    head("no mime-version") + "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n")
add("ct-uppercase",
    head("upper") + "MIME-VERSION: 1.0\nCONTENT-TYPE: TEXT/PLAIN; CHARSET=UTF-8\n"
    "CONTENT-TRANSFER-ENCODING: BASE64\n\nw6nDqA==\n")
add("ct-invalid", head("bad ct") + "MIME-Version: 1.0\nContent-Type: textplain\n\nbody\n")
add("ct-comment",
    head("ct comment") + "MIME-Version: 1.0\nContent-Type: text/plain (plain text); "
    "charset=\"utf-8\" (the charset)\n\nbody\n")
add("html-only",
    head("html only") + "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n\n<html><body>H=C3=A9llo</body></html>\n")
add("related-start",
    head("related") + "MIME-Version: 1.0\nContent-Type: multipart/related; boundary=r; "
    "start=\"<second@x>\"\n\n--r\nContent-Type: text/plain\nContent-ID: <first@x>\n\nfirst\n"
    "--r\nContent-Type: text/html\nContent-ID: <second@x>\n\n<p>second</p>\n--r--\n")
add("attachment-text-first",
    head("attachment first") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=z\n\n"
    "--z\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
    "attached text\n--z\nContent-Type: text/plain\n\nreal body\n--z--\n")

# --- transfer encodings ---------------------------------------------------------------------
add("b64-garbage",
    head("b64 garbage") + "MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n\nSGVs!!bG8g#d29y\nbGQ=\n")
add("b64-no-pad",
    head("b64 no pad") + "MIME-Version: 1.0\nContent-Type: text/plain\n"
    "Content-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ\n")
add("b64-after-pad",
    head("b64 after pad") + "MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n\nSGk=\nSGk=\n")
add("b64-long-line",
    head("b64 one line") + "MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n\n" + base64.b64encode(bytes(6000)).decode() + "\n")
add("qp-bad-escapes",
    head("qp bad") + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n\na=ZZb =3 c=3d d== e=\nf=c3=a9 \n")
add("qp-soft-breaks",
    head("qp soft") + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n\n" + ("x" * 75 + "=\n") * 5 + "end   \n")
add("cte-unknown",
    head("cte x-uuencode") + "MIME-Version: 1.0\nContent-Type: text/plain\n"
    "Content-Transfer-Encoding: x-unknown\n\nraw body\n")
add("cte-mixed-case",
    head("cte case") + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: Quoted-Printable\n\nh=C3=A9\n")
add("unknown-charset",
    head("unknown charset") + "MIME-Version: 1.0\nContent-Type: text/plain; charset=x-klingon\n"
    "\nplain ascii in an unknown charset\n")
add("charset-alias-latin1",
    head("latin1 alias") + "MIME-Version: 1.0\nContent-Type: text/plain; charset=latin1\n"
    "Content-Transfer-Encoding: quoted-printable\n\nna=EFve\n")
add("charset-quoted-upper",
    head("charset case") + "MIME-Version: 1.0\nContent-Type: text/plain; charset=\"UTF-8\"\n"
    "Content-Transfer-Encoding: base64\n\nw7w=\n")
add_bytes("body-8bit-no-charset",
          crlf(head("8bit ascii") + "MIME-Version: 1.0\nContent-Type: text/plain\n\n").encode() +
          "caf\u00e9\r\n".encode("utf-8"))
add_bytes("body-nul", crlf(head("nul") + "\n").encode() + b"a\x00b\r\n")

# --- headers ----------------------------------------------------------------------------------
add("header-5000", head("long " + "x" * 5000) + "\nbody\n")
add("header-folded-long",
    head("folded " + " ".join("word%d" % i for i in range(800))) + "\nbody\n")
add("received-500",
    "".join("Received: from h%d.example.org by mx.example.org; %s\n" % (i, DATE)
            for i in range(500)) + head("many received") + "\nbody\n")
add("continuation-first", " leading continuation\n" + head("cont first") + "\nbody\n")
add("header-no-colon", head("bad line") + "This is not a header\nX-After: a\n\nbody\n")
add("header-empty-value", head("empty") + "X-Empty:\nX-Space: \n\nbody\n")
add("header-tab-fold", head("tab fold") + "X-Folded: one\n\ttwo\n   three\n\nbody\n")
add("from-line", "From alice@example.org Tue Dec  1 10:20:30 2026\n" + head("mbox") + "\nbody\n")
add("duplicate-subject", head("first subject") + "Subject: second subject\n\nbody\n")
add_bytes("raw-utf8-header",
          crlf(head("x")).replace("Subject: x", "Subject: Grüße ✓").encode("utf-8") +
          b"\r\nbody\r\n")
add_bytes("raw-latin1-header",
          crlf(head("x")).replace("Subject: x", "Subject: Gr\u00fc\u00dfe").encode("latin-1") +
          b"\r\nbody\r\n")
add_bytes("raw-utf8-from",
          crlf("From: J\u00f6rg M\u00fcller <joerg@example.de>\nTo: b@example.net\n"
               "Subject: raw from\n\nbody\n").encode("utf-8"))
add("ew-adjacent",
    head("=?utf-8?q?a?= =?utf-8?q?b?=  =?utf-8?q?c?= d =?utf-8?q?e?=") + "\nbody\n")
add("ew-in-word", head("foo=?utf-8?q?bar?=baz") + "\nbody\n")
add("ew-bad-charset", head("=?x-unknown?q?abc?= and =?utf-8?q?ok?=") + "\nbody\n")
add("ew-bad-b64", head("=?utf-8?b?w7w?= =?utf-8?b?!!!?=") + "\nbody\n")
add("ew-lang", head("=?utf-8*en?q?hello?=") + "\nbody\n")
add("ew-q-underscore", head("=?iso-8859-1?q?caf=E9_au_lait?=") + "\nbody\n")
add("ew-lowercase-hex", head("=?utf-8?Q?=c3=a9t=c3=a9?=") + "\nbody\n")
add("ew-split-multibyte", head("=?utf-8?b?w6k=?= =?utf-8?b?4pw=?= =?utf-8?b?kw==?=") + "\nbody\n")

# --- addresses -------------------------------------------------------------------------------
ADDR = [
    "\"Doe, John\" <john@example.com>",
    "john@example.com (John Doe)",
    "Undisclosed recipients:;",
    "Team: a@example.com, \"B\" <b@example.com>;, c@example.com",
    "=?utf-8?q?J=C3=B6rg?= <joerg@example.de>",
    "\"=?utf-8?q?quoted_encoded?=\" <q@example.com>",
    "<bare@example.com>",
    "\"very.unusual.@.unusual.com\"@example.com",
    "user@[192.0.2.1]",
    "a@b, , c@d",
    "Broken <no-domain>",
    "John Smith <john@example.com",
    "\"Jörg\" <j@example.de>",
    "o'neil@example.com",
    "=?iso-8859-1?q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
    "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
    "\"\" <empty@example.com>",
    "Mary <mary@x.test>, jdoe@one.test, Who? <one@y.test>",
    "user@münchen.de",
    "IDN <user@xn--mnchen-3ya.de>",
]
for i, a in enumerate(ADDR):
    add("addr-%02d" % i,
        "From: %s\nTo: %s\nCc: %s\nReply-To: %s\nSubject: address %d\nDate: %s\n\nbody\n" %
        (a, a, ADDR[(i + 1) % len(ADDR)], a, i, DATE))

# --- dates -----------------------------------------------------------------------------------
DATES = [
    "Tue, 1 Dec 2026 10:20:30 +0100",
    "1 Dec 2026 10:20:30 -0800",
    "Tue, 01 Dec 26 10:20:30 GMT",
    "Tue, 1 Dec 2026 10:20 EST",
    "Tue, 1 Dec 2026 10:20:30 -0000",
    "Tue, 1 Dec 2026 10:20:30 PDT",
    "Tue,  1 Dec 2026 10:20:30 +0000 (UTC)",
    "Tue, 1 Dec 1999 23:59:59 +1400",
    "Thu, 29 Feb 2024 12:00:00 +0530",
    "not a date",
    "Tue, 1 Dec 2026 10:20:30 XYZ",
    "Tue, 1 Dec 2026 10:20:30",
]
for i, d in enumerate(DATES):
    add("date-%02d" % i, "From: a@example.org\nSubject: date %d\nDate: %s\n\nbody\n" % (i, d))

# --- attachments and parameters -------------------------------------------------------------
NAMES = [
    "filename=\"report.pdf\"",
    "filename=report.pdf",
    "filename*=utf-8''Gr%C3%BC%C3%9Fe.txt",
    "filename*=iso-8859-1'de'Gr%FC%DFe.txt",
    "filename*0=\"long\"; filename*1=\"name\"; filename*2=\".txt\"",
    "filename*0*=utf-8''%C3%A4; filename*1=\"bc.txt\"",
    "filename=\"=?utf-8?q?encoded_name=C3=A9.txt?=\"",
    "filename=\"C:\\\\dir\\\\win.txt\"",
    "filename=\"spaces in name.doc\"",
    "",
]
for i, n in enumerate(NAMES):
    disp = "attachment" + ("; " + n if n else "")
    add("param-%02d" % i,
        head("param %d" % i) + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=p\n\n"
        "--p\nContent-Type: text/plain\n\nsee attachment\n--p\n"
        "Content-Type: application/octet-stream; name=\"ct-name-%d.bin\"\n"
        "Content-Disposition: %s\nContent-Transfer-Encoding: base64\n\n%s--p--\n" %
        (i, disp, b64lines(bytes((i * 7 + k) % 256 for k in range(1000)))))
add("name-only-in-ct",
    head("name param") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=p\n\n"
    "--p\nContent-Type: image/jpeg; name=\"=?utf-8?b?0YTQvtGC0L4uanBn?=\"\n"
    "Content-Transfer-Encoding: base64\n\n/9j/4AAQ\n--p--\n")
add("inline-image",
    head("inline") + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=p\n\n"
    "--p\nContent-Type: text/plain\n\ntext\n--p\nContent-Type: image/gif\n"
    "Content-Disposition: inline; filename=dot.gif\nContent-ID: <dot@example.org>\n"
    "Content-Transfer-Encoding: base64\n\nR0lGODlhAQABAAAAACw=\n--p--\n")

if __name__ == "__main__":
    for name, data in sorted(files.items()):
        with open(name, "wb") as f:
            f.write(data)
    print("%d messages written" % len(files))
