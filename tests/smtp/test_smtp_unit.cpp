// SMTP pieces without a network: the reply parser, the EHLO capability parser, the DATA
// encoder, and the engine under allocation failures. The engine's transcripts (replayed at
// every chunk size) are text files in tests/transcripts/smtp/.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <mailwire/smtp.h>

extern "C" {
#include "core/sasl/sasl.h"
#include "core/smtp/caps.h"
#include "core/smtp/dot.h"
#include "core/smtp/engine.h"
#include "core/smtp/reply.h"
#include "core/smtp/source.h"
#include "core/util/alloc.h"
}

namespace
{

// ---- reply parser -------------------------------------------------------------------------

struct Parsed {
    int rc = 0;
    int code = 0;
    std::string enh, text;
    unsigned err = 0;
    size_t consumed = 0;
};

// Feed `in` in pieces of `chunk` bytes until a reply completes or fails.
Parsed ParseReply(const std::string &in, size_t chunk, size_t line_max = MW_SMTP_REPLY_LINE_MAX)
{
    mw_smtp_reply r;
    mw_smtp_reply_init(&r, line_max, 10, 4096);
    Parsed p;
    size_t off = 0;
    while (off < in.size()) {
        size_t n = std::min(chunk, in.size() - off), used = 0;
        int rc = mw_smtp_reply_feed(&r, in.data() + off, n, &used);
        off += used;
        if (rc != MW_SR_NEED_MORE) {
            p.rc = rc;
            break;
        }
    }
    p.consumed = off;
    if (p.rc == MW_SR_COMPLETE) {
        p.code = r.code;
        p.enh = r.enh;
        p.text = r.text ? r.text : "";
    }
    p.err = r.err;
    mw_smtp_reply_free(&r);
    return p;
}

TEST(SmtpReply, MultiLineWithEnhancedCodeAtEveryChunkSize)
{
    const std::string in = "250-mail.example.org Hello\r\n250-SIZE 1000\r\n250 2.0.0 OK done\r\n";
    for (size_t chunk = 1; chunk <= in.size(); ++chunk) {
        Parsed p = ParseReply(in + "220 next\r\n", chunk);
        ASSERT_EQ(p.rc, MW_SR_COMPLETE) << chunk;
        EXPECT_EQ(p.code, 250);
        EXPECT_EQ(p.text, "mail.example.org Hello\nSIZE 1000\n2.0.0 OK done");
        EXPECT_EQ(p.enh, "") << "the enhanced code is taken from the first line only";
        EXPECT_EQ(p.consumed, in.size()) << "the parser stops at the end of the reply";
    }
    Parsed p = ParseReply("550 5.1.1 <x@y>: Recipient address rejected\r\n", 3);
    EXPECT_EQ(p.code, 550);
    EXPECT_EQ(p.enh, "5.1.1");
    EXPECT_EQ(ParseReply("250 2.1.5\r\n", 1).enh, "2.1.5");
    EXPECT_EQ(ParseReply("250 5.1.1 class differs\r\n", 1).enh, "");
    EXPECT_EQ(ParseReply("250\r\n", 1).code, 250) << "a bare code is a last line";
}

TEST(SmtpReply, MalformedRepliesAreErrors)
{
    struct Case {
        std::string in;
        unsigned err;
    } cases[] = {
        {"250-a\r\n251 b\r\n", ST_ERROR_PROTOCOL_VIOLATION}, // mixed codes
        {"25O ok\r\n", ST_ERROR_PROTOCOL_VIOLATION},
        {"2500 ok\r\n", ST_ERROR_PROTOCOL_VIOLATION},
        {"650 ok\r\n", ST_ERROR_PROTOCOL_VIOLATION},
        {"260 ok\r\n", ST_ERROR_PROTOCOL_VIOLATION},
        {"25\r\n", ST_ERROR_PROTOCOL_VIOLATION},
        {std::string("250 a\0b\r\n", 9), ST_ERROR_PROTOCOL_VIOLATION}, // NUL
        {"250 ok\n", ST_ERROR_PROTOCOL_VIOLATION},                     // bare LF
        {"250 o\rk\r\n", ST_ERROR_PROTOCOL_VIOLATION},                 // bare CR
        {"250 " + std::string(600, 'x') + "\r\n", ST_ERROR_LIMIT_EXCEEDED},
        {"250-a\r\n250-a\r\n250-a\r\n250-a\r\n250-a\r\n250-a\r\n250-a\r\n250-a\r\n250-a\r\n"
         "250-a\r\n250 a\r\n",
         ST_ERROR_LIMIT_EXCEEDED}, // 11 lines, limit 10
    };
    for (auto &c : cases) {
        const std::string &in = c.in;
        for (size_t chunk : {size_t(1), size_t(2), size_t(7), in.size()}) {
            Parsed p = ParseReply(in, chunk, 512);
            EXPECT_EQ(p.rc, MW_SR_ERROR) << c.in << " chunk " << chunk;
            EXPECT_EQ(p.err, c.err) << c.in;
        }
    }
}

// ---- capabilities -------------------------------------------------------------------------

// Found by fuzz_smtp_reply: an empty first line must not make the second line the greeting.
TEST(SmtpCaps, EmptyGreetingLineKeepsTheFirstCapability)
{
    mw_smtp_reply r;
    mw_smtp_reply_init(&r, 512, 100, 65536);
    const std::string in = "250-\r\n250-SIZE 1000\r\n250 AUTH PLAIN\r\n";
    size_t used = 0;
    ASSERT_EQ(mw_smtp_reply_feed(&r, in.data(), in.size(), &used), MW_SR_COMPLETE);
    mw_smtp_caps c{};
    ASSERT_EQ(mw_smtp_caps_parse(&c, r.text, r.len), 0);
    EXPECT_TRUE(c.flags & SMTP_EXTOPT_SIZE);
    EXPECT_EQ(c.size_limit, 1000u);
    EXPECT_TRUE(c.flags & SMTP_EXTOPT_AUTHPLAIN);
    mw_smtp_caps_clear(&c);
    mw_smtp_reply_free(&r);
}

TEST(SmtpCaps, PostfixEhloReply)
{
    const std::string t = "mx.example.org\nPIPELINING\nSIZE 104857600\nVRFY\nETRN\nSTARTTLS\n"
                          "AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256\n"
                          "AUTH=PLAIN\nENHANCEDSTATUSCODES\n8BITMIME\nDSN\nSMTPUTF8\nCHUNKING";
    mw_smtp_caps c{};
    ASSERT_EQ(mw_smtp_caps_parse(&c, t.data(), t.size()), 0);
    const uint32_t want = SMTP_EXTOPT_PIPELINING | SMTP_EXTOPT_SIZE | SMTP_EXTOPT_VRFY |
                          SMTP_EXTOPT_ETRN | SMTP_EXTOPT_STARTTLS | SMTP_EXTOPT_AUTH |
                          SMTP_EXTOPT_AUTHPLAIN | SMTP_EXTOPT_AUTHLOGIN | SMTP_EXTOPT_AUTHCRAMMD5 |
                          SMTP_EXTOPT_AUTHSCRAMSHA1 | SMTP_EXTOPT_AUTHSCRAMSHA256 |
                          SMTP_EXTOPT_ENHANCEDSTATUSCODES | SMTP_EXTOPT_8BITMIME | SMTP_EXTOPT_DSN |
                          SMTP_EXTOPT_SMTPUTF8 | SMTP_EXTOPT_CHUNKING;
    EXPECT_EQ(c.flags, want);
    EXPECT_EQ(c.size_limit, 104857600u);
    EXPECT_EQ(c.auth, MW_SASL_BIT(MW_SASL_PLAIN) | MW_SASL_BIT(MW_SASL_LOGIN) |
                          MW_SASL_BIT(MW_SASL_CRAM_MD5) | MW_SASL_BIT(MW_SASL_SCRAM_SHA1) |
                          MW_SASL_BIT(MW_SASL_SCRAM_SHA256));
    EXPECT_EQ(std::string(c.lines), t.substr(t.find('\n') + 1));
    mw_smtp_caps_clear(&c);
    EXPECT_EQ(c.flags, 0u);
    // Only a greeting line: no extensions; a malformed SIZE is not a limit.
    std::string g = "host\nSIZE 12x";
    ASSERT_EQ(mw_smtp_caps_parse(&c, g.data(), 4), 0);
    EXPECT_EQ(c.flags, 0u);
    ASSERT_EQ(mw_smtp_caps_parse(&c, g.data(), g.size()), 0);
    EXPECT_EQ(c.flags, SMTP_EXTOPT_SIZE);
    EXPECT_EQ(c.size_limit, 0u);
    mw_smtp_caps_clear(&c);
}

// ---- DATA encoder -------------------------------------------------------------------------

// Encode with the input cut at the given points (ascending) and an output buffer of `cap`.
std::string Encode(const std::string &in, bool stuff, const std::vector<size_t> &cuts,
                   size_t cap = 64)
{
    mw_smtp_dot d;
    mw_smtp_dot_init(&d, stuff);
    std::string out;
    std::vector<char> buf(cap);
    size_t start = 0;
    std::vector<size_t> ends(cuts);
    ends.push_back(in.size());
    for (size_t end : ends) {
        size_t off = start;
        while (off < end) {
            size_t used = 0;
            long w = mw_smtp_dot_encode(&d, in.data() + off, end - off, &used, buf.data(), cap);
            EXPECT_GE(w, 0);
            if (w < 0)
                return "<NUL>";
            out.append(buf.data(), (size_t)w);
            off += used;
        }
        start = end;
    }
    char fin[MW_SMTP_DOT_FINAL_MAX];
    out.append(fin, mw_smtp_dot_final(&d, fin));
    return out;
}

struct DotCase {
    std::string in, out;
};

const DotCase kDotCases[] = {
    {"", ".\r\n"},
    {"a", "a\r\n.\r\n"},
    {".", "..\r\n.\r\n"},
    {"a\r\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {".start\r\n", "..start\r\n.\r\n"},
    {"end\r\n.", "end\r\n..\r\n.\r\n"},
    {"no final crlf", "no final crlf\r\n.\r\n"},
    // Smuggling inputs (security checklist item 37): every bare CR/LF becomes CRLF first.
    {"a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\r.\rb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\r.\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\n.\rb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\r\n.\rb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\r\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\r.\r\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"},
    {"bare\rcr", "bare\r\ncr\r\n.\r\n"},
    {"\r", "\r\n.\r\n"},
    {"\n", "\r\n.\r\n"},
    {"x\r\n\r\n..\r\n", "x\r\n\r\n...\r\n.\r\n"},
};

TEST(SmtpDot, VectorsAtEverySplitPoint)
{
    for (const auto &c : kDotCases) {
        EXPECT_EQ(Encode(c.in, true, {}), c.out) << c.in;
        for (size_t i = 0; i <= c.in.size(); ++i)
            for (size_t j = i; j <= c.in.size(); ++j)
                ASSERT_EQ(Encode(c.in, true, {i, j}), c.out) << c.in << " cut " << i << "," << j;
        std::vector<size_t> every;
        for (size_t i = 1; i < c.in.size(); ++i)
            every.push_back(i);
        EXPECT_EQ(Encode(c.in, true, every, 4), c.out) << c.in << " byte by byte, tiny buffer";
    }
}

TEST(SmtpDot, BdatNormalisesWithoutStuffing)
{
    EXPECT_EQ(Encode(".a\n.\rb", false, {}), ".a\r\n.\r\nb\r\n");
    EXPECT_EQ(Encode("", false, {}), "");
    EXPECT_EQ(Encode("x\r\n", false, {2}), "x\r\n");
}

TEST(SmtpDot, NulStopsTheEncoder)
{
    mw_smtp_dot d;
    mw_smtp_dot_init(&d, 1);
    char out[64];
    size_t used = 0;
    const char in[] = "a\r\n\0.\r\n";
    EXPECT_EQ(mw_smtp_dot_encode(&d, in, sizeof in - 1, &used, out, sizeof out), -1);
    EXPECT_EQ(used, 3u);
}

// Strict RFC 5321 reading of the encoded stream: lines end in CRLF only, the first line that
// is exactly "." ends the data, dots are unstuffed.
bool StrictDecode(const std::string &wire, std::string *body)
{
    size_t pos = 0;
    body->clear();
    while (pos < wire.size()) {
        size_t e = wire.find("\r\n", pos);
        if (e == std::string::npos)
            return false;
        std::string line = wire.substr(pos, e - pos);
        if (line.find('\r') != std::string::npos || line.find('\n') != std::string::npos)
            return false;
        pos = e + 2;
        if (line == ".")
            return pos == wire.size(); // the end of data must be the very end
        if (!line.empty() && line[0] == '.')
            line.erase(0, 1);
        *body += line + "\r\n";
    }
    return false;
}

std::string Normalise(const std::string &in)
{
    std::string o;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\r') {
            o += "\r\n";
            if (i + 1 < in.size() && in[i + 1] == '\n')
                ++i;
        } else if (in[i] == '\n') {
            o += "\r\n";
        } else {
            o += in[i];
        }
    }
    if (!o.empty() && (o.size() < 2 || o.compare(o.size() - 2, 2, "\r\n") != 0))
        o += "\r\n";
    return o;
}

TEST(SmtpDot, RandomInputsDecodeStrictlyToTheNormalisedInput)
{
    std::mt19937 rng(12345);
    const char alphabet[] = {'\r', '\n', '.', 'a', ' ', '\x80'};
    for (int round = 0; round < 3000; ++round) {
        std::string in;
        size_t n = rng() % 40;
        for (size_t i = 0; i < n; ++i)
            in += alphabet[rng() % sizeof alphabet];
        std::vector<size_t> cuts;
        for (size_t i = 1; i < n; ++i)
            if (rng() % 3 == 0)
                cuts.push_back(i);
        std::string wire = Encode(in, true, cuts, 4 + rng() % 8);
        ASSERT_EQ(wire, Encode(in, true, {}, 4096)) << "split-independent";
        std::string body;
        ASSERT_TRUE(StrictDecode(wire, &body))
            << "no early end-of-data: " << testing::PrintToString(in);
        ASSERT_EQ(body, Normalise(in));
    }
}

// Random bytes into the reply parser at random chunk sizes: it either completes replies or
// fails cleanly, never reads outside its input, and a failure is sticky.
// ---- content scan --------------------------------------------------------------------------

// The scan, one octet at a time, as RFC 5321 section 4.5.3.1.6 and RFC 6152 define what it
// looks for: the reference the word-at-a-time scan must agree with.
mw_smtp_scan ReferenceScan(const std::string &m)
{
    mw_smtp_scan r;
    std::memset(&r, 0, sizeof r);
    bool header = true, empty = true;
    for (size_t i = 0; i < m.size(); i++) {
        unsigned char c = static_cast<unsigned char>(m[i]);
        if (header) {
            if (c == '\n') {
                header = !empty;
                empty = true;
            } else if (c != '\r') {
                empty = false;
            }
            if (c >= 0x80)
                r.header_8bit = 1;
        }
        if (c >= 0x80)
            r.has_8bit = 1;
        if (c == 0 && !r.has_nul) {
            r.has_nul = 1;
            r.nul_offset = i;
        }
        if (c == '\r' || c == '\n') {
            r.line_len = 0;
        } else if (++r.line_len == MW_SMTP_MAX_LINE + 1 && !r.has_long_line) {
            r.has_long_line = 1;
            r.long_line_offset = i + 1 - r.line_len;
        }
    }
    return r;
}

// Messages made of lines of every length around the limit, with 8-bit octets, NULs, bare CRs
// and LFs, tabs and DEL placed at random and pushed in random pieces: the scan reports what
// the reference does, offsets included.
TEST(SmtpScan, AgreesWithTheOctetByOctetReference)
{
    std::mt19937 rng(20261205);
    const char specials[] = {'\r', '\n', '\t', '\x7f', '\x80', '\xff', '\0', ' ', '~', '\x1f'};
    for (int round = 0; round < 3000; round++) {
        std::string m = "Subject: x\r\n";
        if (round % 7 == 0)
            m += "X-8: \xc3\xa9\r\n";
        m += "\r\n";
        int lines = 1 + static_cast<int>(rng() % 6);
        for (int l = 0; l < lines; l++) {
            size_t len = (rng() % 4 == 0) ? MW_SMTP_MAX_LINE - 9 + rng() % 20 : rng() % 200;
            std::string line(len, 'a');
            for (char &c : line)
                c = static_cast<char>('a' + rng() % 26);
            if (rng() % 3 == 0 && len)
                line[rng() % len] = specials[rng() % sizeof specials];
            m += line + (rng() % 5 ? "\r\n" : "\n");
        }
        size_t cut = rng() % (m.size() + 1);
        if (round % 11 == 0 && cut < m.size())
            m.insert(cut, 1, '\0');
        mw_smtp_scan sc;
        mw_smtp_scan_init(&sc);
        for (size_t off = 0; off < m.size();) {
            size_t k = std::min(m.size() - off, static_cast<size_t>(1 + rng() % 64));
            mw_smtp_scan_update(&sc, m.data() + off, k);
            off += k;
        }
        mw_smtp_scan want = ReferenceScan(m);
        SCOPED_TRACE(round);
        ASSERT_EQ(sc.has_8bit, want.has_8bit);
        ASSERT_EQ(sc.header_8bit, want.header_8bit);
        ASSERT_EQ(sc.has_nul, want.has_nul);
        if (want.has_nul) {
            ASSERT_EQ(sc.nul_offset, want.nul_offset);
        }
        ASSERT_EQ(sc.has_long_line, want.has_long_line);
        if (want.has_long_line) {
            ASSERT_EQ(sc.long_line_offset, want.long_line_offset);
        }
        ASSERT_EQ(sc.offset, m.size());
    }
}

// A line of exactly 998 octets passes, 999 is found at its first octet, also when the
// message goes in whole (the word-at-a-time path all the way).
TEST(SmtpScan, LineLimitBoundaryInOnePiece)
{
    for (size_t len : {MW_SMTP_MAX_LINE, MW_SMTP_MAX_LINE + 1, MW_SMTP_MAX_LINE + 8}) {
        std::string m = "A: b\r\n\r\nxy\r\n" + std::string(len, 'q') + "\r\n";
        mw_smtp_scan sc;
        mw_smtp_scan_init(&sc);
        mw_smtp_scan_update(&sc, m.data(), m.size());
        EXPECT_EQ(sc.has_long_line, len > MW_SMTP_MAX_LINE) << len;
        if (len > MW_SMTP_MAX_LINE) {
            EXPECT_EQ(sc.long_line_offset, 12u);
        }
        EXPECT_FALSE(sc.has_8bit);
    }
}

TEST(SmtpReply, RandomInputNeverMisbehaves)
{
    std::mt19937 rng(99);
    const char alphabet[] = {'2', '5', '0', ' ', '-', '\r', '\n', 'x', '\0', '4', '.'};
    for (int round = 0; round < 5000; ++round) {
        std::string in;
        size_t n = rng() % 64;
        for (size_t i = 0; i < n; ++i)
            in += rng() % 4 ? alphabet[rng() % sizeof alphabet] : static_cast<char>(rng());
        mw_smtp_reply r;
        mw_smtp_reply_init(&r, 32, 4, 128);
        size_t off = 0;
        bool failed = false;
        while (off < in.size()) {
            size_t chunk = 1 + rng() % 8, used = 0;
            chunk = std::min(chunk, in.size() - off);
            int rc = mw_smtp_reply_feed(&r, in.data() + off, chunk, &used);
            ASSERT_LE(used, chunk);
            off += used;
            if (rc == MW_SR_ERROR) {
                failed = true;
                break;
            }
            if (rc == MW_SR_COMPLETE) {
                ASSERT_GE(r.code, 100);
                ASSERT_LE(r.code, 599);
            } else {
                ASSERT_EQ(used, chunk);
            }
        }
        if (failed) {
            size_t used = 0;
            EXPECT_EQ(mw_smtp_reply_feed(&r, "250 ok\r\n", 8, &used), MW_SR_ERROR);
        }
        mw_smtp_reply_free(&r);
    }
}

// ---- allocation failures ------------------------------------------------------------------

// The engine transcripts are text files (tests/transcripts/smtp/); what stays here is the one
// engine test a transcript cannot express: failing the Nth allocation of a session.

// Everything the engine lends is sent; server bytes are fed until the operation stops.
void Pump(mw_smtp *e)
{
    const char *p = nullptr;
    size_t secret = 0, n;
    unsigned err;
    while ((n = mw_smtp_engine_ops.output(e, &p, &secret)) > 0) {
        mw_smtp_engine_ops.sent(e, n);
        while (mw_smtp_engine_ops.next_event(e, &err) != 0) {
        }
    }
}

int Status(mw_smtp *e, unsigned *err = nullptr)
{
    unsigned er = 0;
    const char *d = nullptr;
    int st = mw_smtp_engine_ops.status(e, &er, &d);
    if (err)
        *err = er;
    return st;
}

void Feed(mw_smtp *e, const std::string &in)
{
    Pump(e);
    size_t off = 0;
    while (off < in.size() && Status(e) == MW_OP_RUNNING) {
        size_t used = mw_smtp_engine_ops.feed(e, in.data() + off, in.size() - off);
        off += used;
        Pump(e);
        if (used == 0)
            break;
    }
}

// Fail each allocation of a whole session in turn (connect, EHLO, AUTH, a pipelined send):
// every failure ends in a clean error, nothing crashes, nothing leaks (ASan build).
TEST(SmtpEngine, EveryAllocationFailureIsClean)
{
    const std::string ehlo = "250-mx\r\n250-PIPELINING\r\n250-SIZE 100\r\n250 AUTH PLAIN\r\n";
    int clean_runs = 0;
    for (long n = 0; n < 400; ++n) {
        mw_alloc_fail_at(n);
        mw_smtp *e = mw_smtp_new(SMTP_OPTION_EXTENDED, "client.example");
        if (!e) {
            mw_alloc_fail_at(-1);
            continue;
        }
        bool ok = mw_smtp_op_connect(e) == 0;
        if (ok)
            Feed(e, "220 mx\r\n" + ehlo);
        ok = ok && Status(e) == MW_OP_DONE;
        if (ok && mw_smtp_op_auth(e, MW_SASL_PLAIN, "u", "p", "h", 25, 1) == 0) {
            Feed(e, "235 ok\r\n");
            ok = Status(e) == MW_OP_DONE;
        } else {
            ok = false;
        }
        if (ok) {
            mw_smtp_source src;
            const std::string msg = "Subject: x\r\n\r\n.body\r\n";
            if (mw_smtp_source_memory(&src, msg.data(), msg.size()) == 0) {
                const char *r[] = {"a@b", "c@d"};
                mw_smtp_envelope env = {"x@y", r, 2, msg.size(), 0, 0};
                if (mw_smtp_op_send(e, &env, &src) == 0) {
                    Feed(e, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n");
                    ok = Status(e) == MW_OP_DONE;
                } else {
                    ok = false;
                }
            } else {
                ok = false;
            }
        }
        bool triggered = mw_alloc_fail_at(-1);
        unsigned err = 0;
        int st = Status(e, &err);
        mw_smtp_free(e);
        if (!triggered) {
            EXPECT_TRUE(ok) << "with no failure injected the session completes";
            EXPECT_GT(n, 10) << "the session allocates more than that";
            ++clean_runs;
            break;
        }
        if (!ok && st != MW_OP_RUNNING && st != MW_OP_DONE) {
            EXPECT_NE(err, 0u) << "allocation " << n;
        }
    }
    EXPECT_EQ(clean_runs, 1) << "the loop reached an allocation count with no failure";
}

// ---- findings of the fuzzer (tests/fuzz/fuzz_smtp_engine.c) --------------------------------

// A server that answers "235" to SCRAM without its proof (no server-final message) ends the
// session with the SASL layer's cause as the detail. The engine used to free the exchange
// before copying that cause: a read of freed memory (ASan), and garbage or the fallback text
// as the detail. Crash input: tests/fuzz/corpus/fuzz_smtp_engine/regress-scram-235-uaf.
TEST(SmtpEngine, ScramSuccessWithoutProofIsFatalWithTheCause)
{
    for (int mech : {MW_SASL_SCRAM_SHA1, MW_SASL_SCRAM_SHA256}) {
        mw_smtp *e = mw_smtp_new(SMTP_OPTION_EXTENDED, "client.example");
        ASSERT_NE(e, nullptr);
        ASSERT_EQ(mw_smtp_op_connect(e), 0u);
        Feed(e, "220 mx\r\n250-mx\r\n250 AUTH SCRAM-SHA-1 SCRAM-SHA-256\r\n");
        ASSERT_EQ(Status(e), MW_OP_DONE);
        ASSERT_EQ(mw_smtp_op_auth(e, mech, "user", "pencil", "mx", 587, 1), 0u);
        Feed(e, "235 2.7.0 trust me\r\n");
        unsigned err = 0;
        const char *detail = nullptr;
        EXPECT_EQ(mw_smtp_engine_ops.status(e, &err, &detail), MW_OP_FATAL);
        EXPECT_EQ(err, static_cast<unsigned>(ST_ERROR_AUTHENTICATION_FAILED));
        ASSERT_NE(detail, nullptr);
        EXPECT_NE(std::string(detail).find("without proving it knows the password"),
                  std::string::npos)
            << detail;
        mw_smtp_free(e);
    }
}

} // namespace
