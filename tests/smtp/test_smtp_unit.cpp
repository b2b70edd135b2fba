// SMTP pieces without a network: the reply parser, the EHLO capability parser, the DATA
// encoder, and the engine replayed against transcripts at every chunk size.
#include <gtest/gtest.h>

#include <functional>
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

// ---- engine transcripts -------------------------------------------------------------------

// Drives the engine as the session would, without sockets.
struct Driver {
    mw_smtp *e;
    std::string out;                // every byte the engine handed out
    std::vector<std::string> lends; // one entry per output() call
    std::string secret_view;        // out with the secret parts replaced by '#'
    std::string leftover;           // server bytes the engine did not take
    std::vector<std::pair<unsigned, unsigned>> events;

    explicit Driver(uint32_t options) : e(mw_smtp_new(options, "client.example")) {}
    ~Driver()
    {
        mw_smtp_free(e);
    }
    int Status(unsigned *err = nullptr, std::string *detail = nullptr)
    {
        unsigned er = 0;
        const char *d = nullptr;
        int st = mw_smtp_engine_ops.status(e, &er, &d);
        if (err)
            *err = er;
        if (detail)
            *detail = d ? d : "";
        return st;
    }
    void DrainEvents()
    {
        unsigned err = 0, ev;
        while ((ev = mw_smtp_engine_ops.next_event(e, &err)) != 0)
            events.emplace_back(ev, err);
    }
    void Pump()
    {
        const char *p = nullptr;
        size_t secret = 0, n;
        while ((n = mw_smtp_engine_ops.output(e, &p, &secret)) > 0) {
            std::string s(p, n);
            out += s;
            lends.push_back(s);
            if (secret < n)
                s.replace(secret,
                          n - secret - (s.size() >= 2 && s.substr(s.size() - 2) == "\r\n" ? 2 : 0),
                          "#");
            secret_view += s;
            mw_smtp_engine_ops.sent(e, n);
            DrainEvents();
        }
    }
    // Feed server bytes in pieces of `chunk`, sending whatever the engine wants in between.
    void Feed(const std::string &in, size_t chunk)
    {
        Pump();
        size_t off = 0;
        while (off < in.size()) {
            if (Status() != MW_OP_RUNNING) {
                leftover += in.substr(off);
                return;
            }
            size_t n = std::min(chunk, in.size() - off);
            size_t used = mw_smtp_engine_ops.feed(e, in.data() + off, n);
            off += used;
            DrainEvents();
            Pump();
            if (used == 0 && Status() == MW_OP_RUNNING) {
                ADD_FAILURE() << "engine took nothing";
                return;
            }
        }
        Pump();
    }
};

// A transcript: server bytes ('S'), everything the client has sent by now ('C'), or an
// action on the engine ('A').
struct Step {
    char kind;
    std::string text;
    std::function<void(Driver &)> act;
};

using Script = std::vector<Step>;

Step S(std::string t)
{
    return {'S', std::move(t), nullptr};
}
Step C(std::string t)
{
    return {'C', std::move(t), nullptr};
}
Step A(std::function<void(Driver &)> f)
{
    return {'A', "", std::move(f)};
}

// Replays the script at every chunk size from 1 to the longest server message; check() runs
// on the final state of each replay.
void Replay(uint32_t options, const Script &script, const std::function<void(Driver &)> &check)
{
    size_t longest = 1;
    for (auto &s : script)
        if (s.kind == 'S')
            longest = std::max(longest, s.text.size());
    for (size_t chunk = 1; chunk <= longest; ++chunk) {
        SCOPED_TRACE("chunk size " + std::to_string(chunk));
        Driver d(options);
        std::string want; // everything the client sent so far
        for (auto &s : script) {
            if (s.kind == 'A') {
                s.act(d);
                d.Pump();
            } else if (s.kind == 'S') {
                d.Feed(s.text, chunk);
            } else {
                want = s.text;
                d.Pump();
                ASSERT_EQ(d.out, want);
            }
        }
        check(d);
        if (::testing::Test::HasFailure())
            return;
    }
}

const char *kEhloFull = "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n"
                        "250-DSN\r\n250-SMTPUTF8\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
                        "250 AUTH PLAIN LOGIN\r\n";

Step Connect()
{
    return A([](Driver &d) { ASSERT_EQ(mw_smtp_op_connect(d.e), 0u); });
}

TEST(SmtpEngine, GreetingAndEhlo)
{
    Replay(SMTP_OPTION_EXTENDED,
           {Connect(), C(""), S("220 mx.example ESMTP\r\n"), C("EHLO client.example\r\n"),
            S(kEhloFull)},
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_EQ(mw_smtp_caps_of(d.e)->size_limit, 1000u);
               EXPECT_TRUE(mw_smtp_is_extended(d.e));
               EXPECT_STREQ(mw_smtp_state_name(d.e), "READY");
               int commands = 0;
               for (auto &ev : d.events)
                   commands += ev.first == MAILWIRE_EVENT_COMMAND;
               EXPECT_EQ(commands, 2) << "one COMMAND event per reply";
           });
}

TEST(SmtpEngine, WithoutExtendedHeloIsUsed)
{
    Replay(SMTP_OPTION_NONE,
           {Connect(), S("220 mx\r\n"), C("HELO client.example\r\n"), S("250 mx\r\n")},
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_FALSE(mw_smtp_is_extended(d.e));
           });
}

TEST(SmtpEngine, RefusedEhloFallsBackToHelo)
{
    Replay(SMTP_OPTION_EXTENDED,
           {Connect(), S("220 mx\r\n"), C("EHLO client.example\r\n"),
            S("502 5.5.2 Error: command not recognized\r\n"),
            C("EHLO client.example\r\nHELO client.example\r\n"), S("250 mx\r\n")},
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_FALSE(mw_smtp_is_extended(d.e));
           });
}

TEST(SmtpEngine, GreetingRefusalsAreFatal)
{
    for (auto [reply, err] :
         {std::pair<std::string, unsigned>{"554 no service\r\n", ST_ERROR_SERVER_PERMANENT},
          {"421 busy\r\n", ST_ERROR_SERVER_TEMPORARY},
          {"250 hello?\r\n", ST_ERROR_OUT_OF_SYNC}}) {
        Replay(SMTP_OPTION_EXTENDED, {Connect(), S(reply)}, [&](Driver &d) {
            unsigned e = 0;
            EXPECT_EQ(d.Status(&e), MW_OP_FATAL) << reply;
            EXPECT_EQ(e, err) << reply;
            EXPECT_EQ(d.out, "") << "nothing sent after a refusing greeting";
        });
    }
}

TEST(SmtpEngine, StartTlsForgetsCapabilitiesAndSendsEhloAgain)
{
    Replay(SMTP_OPTION_SECURE,
           {Connect(), S("220 mx\r\n"), C("EHLO client.example\r\n"),
            S("250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"),
            C("EHLO client.example\r\nSTARTTLS\r\n"), S("220 2.0.0 go ahead\r\n250 injected\r\n"),
            A([](Driver &d) {
                EXPECT_EQ(d.Status(), MW_OP_START_TLS);
                EXPECT_EQ(d.leftover, "250 injected\r\n")
                    << "the engine stops right after the go-ahead; the session rejects the rest";
                EXPECT_EQ(mw_smtp_caps_of(d.e)->flags & SMTP_EXTOPT_AUTH, SMTP_EXTOPT_AUTH);
                mw_smtp_engine_ops.tls_started(d.e);
                EXPECT_EQ(mw_smtp_caps_of(d.e)->flags, 0u) << "pre-TLS capabilities forgotten";
            }),
            C("EHLO client.example\r\nSTARTTLS\r\nEHLO client.example\r\n"),
            S("250-mx\r\n250 AUTH SCRAM-SHA-256\r\n")},
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_EQ(mw_smtp_caps_of(d.e)->auth, MW_SASL_BIT(MW_SASL_SCRAM_SHA256));
           });
}

TEST(SmtpEngine, StartTlsStrippedOrRefusedIsAnError)
{
    Replay(SMTP_OPTION_SECURE, {Connect(), S("220 mx\r\n"), S("250-mx\r\n250 AUTH PLAIN\r\n")},
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FATAL);
               EXPECT_EQ(e, (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);
               EXPECT_EQ(d.out, "EHLO client.example\r\n");
           });
    for (const char *refusal :
         {"454 4.7.0 TLS not available\r\n", "501 no\r\n", "354 what\r\n", "221 bye\r\n"}) {
        Replay(SMTP_OPTION_SECURE,
               {Connect(), S("220 mx\r\n"), S("250-mx\r\n250 STARTTLS\r\n"), S(refusal)},
               [&](Driver &d) {
                   unsigned e = 0;
                   EXPECT_EQ(d.Status(&e), MW_OP_FATAL) << refusal;
                   EXPECT_EQ(e, (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE) << refusal;
                   EXPECT_EQ(d.out, "EHLO client.example\r\nSTARTTLS\r\n");
               });
    }
}

// Connect with kEhloFull (+ extra capability lines), then run the rest.
Script Session(const std::string &extra_caps, Script rest)
{
    std::string ehlo = kEhloFull;
    ehlo.replace(ehlo.find("250 AUTH"), 3, "250-AUTH");
    ehlo += extra_caps.empty() ? "250 X-END\r\n" : extra_caps;
    Script s = {Connect(), S("220 mx\r\n"), S(ehlo)};
    s.insert(s.end(), rest.begin(), rest.end());
    return s;
}

mw_smtp_source Mem(const std::string &msg)
{
    mw_smtp_source src;
    EXPECT_EQ(mw_smtp_source_memory(&src, msg.data(), msg.size(), 1), 0u);
    return src;
}

// size: the SIZE= to declare (-1: the message's size; 0: none).
Step Send(const std::string &from, std::vector<const char *> rcpts, const std::string &msg,
          unsigned expect_err = 0, long long size = -1)
{
    return A([=](Driver &d) {
        mw_smtp_source src = Mem(msg);
        uint64_t sz = size < 0 ? msg.size() : static_cast<uint64_t>(size);
        mw_smtp_envelope env = {from.c_str(), rcpts.data(), rcpts.size(), sz, 0, 0};
        EXPECT_EQ(mw_smtp_op_send(d.e, &env, &src), expect_err);
    });
}

const std::string kHello = "EHLO client.example\r\n";

TEST(SmtpEngine, PipelinedEnvelopeGoesOutInOneWrite)
{
    const std::string msg = "Subject: t\r\n\r\n.hidden\r\nbody";
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {Send("a@x", {"b@y", "c@z"}, msg),
                        C(kHello + "MAIL FROM:<a@x> SIZE=" + std::to_string(msg.size()) +
                          "\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\n"),
                        S("250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n354 go\r\n"),
                        C(kHello + "MAIL FROM:<a@x> SIZE=" + std::to_string(msg.size()) +
                          "\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\n"
                          "Subject: t\r\n\r\n..hidden\r\nbody\r\n.\r\n"),
                        S("250 2.0.0 queued\r\n")}),
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               bool batched = false;
               for (auto &l : d.lends)
                   batched |= l.find("MAIL FROM") != std::string::npos &&
                              l.find("DATA\r\n") != std::string::npos;
               EXPECT_TRUE(batched) << "MAIL, RCPTs and DATA in one output buffer";
               ASSERT_EQ(mw_smtp_rcpt_count(d.e), 2u);
               EXPECT_EQ(mw_smtp_rcpt_at(d.e, 0)->code, 250);
               EXPECT_EQ(mw_smtp_rcpt_at(d.e, 1)->code, 550);
               EXPECT_STREQ(mw_smtp_rcpt_at(d.e, 1)->enh, "5.1.1");
               EXPECT_STREQ(mw_smtp_rcpt_at(d.e, 1)->text, "5.1.1 no such user");
               uint64_t done = 0, total = 0;
               mw_smtp_transfer(d.e, &done, &total);
               EXPECT_EQ(done, total);
           });
}

TEST(SmtpEngine, AllRecipientsRefusedIsNoValidRecipients)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {Send("a@x", {"b@y"}, "m"), S("250 ok\r\n550 no\r\n554 no valid rcpt\r\n"),
                        C(kHello + "MAIL FROM:<a@x> SIZE=1\r\nRCPT TO:<b@y>\r\nDATA\r\nRSET\r\n"),
                        S("250 reset\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
               EXPECT_STREQ(mw_smtp_state_name(d.e), "READY");
           });
}

TEST(SmtpEngine, StrictRecipientPolicyHoldsDataBack)
{
    Replay(SMTP_OPTION_EXTENDED | SMTP_OPTION_ALLRECIPIENTS,
           Session("", {Send("a@x", {"b@y", "c@z"}, "m"),
                        C(kHello + "MAIL FROM:<a@x> SIZE=1\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\n"),
                        S("250 ok\r\n250 ok\r\n450 4.2.0 try later\r\n"),
                        C(kHello + "MAIL FROM:<a@x> SIZE=1\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\n"
                                   "RSET\r\n"),
                        S("250 ok\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_SERVER_TEMPORARY);
           });
}

TEST(SmtpEngine, LockStepWithoutPipelining)
{
    Replay(SMTP_OPTION_EXTENDED | SMTP_OPTION_NOPIPELINING,
           Session("",
                   {Send("", {"b@y", "c@z"}, "m"), C(kHello + "MAIL FROM:<> SIZE=1\r\n"),
                    S("250 ok\r\n"), C(kHello + "MAIL FROM:<> SIZE=1\r\nRCPT TO:<b@y>\r\n"),
                    S("250 ok\r\n"),
                    C(kHello + "MAIL FROM:<> SIZE=1\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\n"),
                    S("250 ok\r\n"),
                    C(kHello + "MAIL FROM:<> SIZE=1\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\n"),
                    S("354 go\r\n"), S("250 ok\r\n")}),
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_NE(d.out.find("DATA\r\nm\r\n.\r\n"), std::string::npos);
           });
}

TEST(SmtpEngine, ChunkingSendsBdatRightAfterTheEnvelope)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session(
               "250 CHUNKING\r\n",
               {Send("a@x", {"b@y"}, "x\n.y"),
                C(kHello + "MAIL FROM:<a@x> SIZE=4\r\nRCPT TO:<b@y>\r\nBDAT 7 LAST\r\nx\r\n.y\r\n"),
                S("250 ok\r\n250 ok\r\n250 2.0.0 queued\r\n")}),
           [](Driver &d) { EXPECT_EQ(d.Status(), MW_OP_DONE); });
    // Every recipient refused: the chunk is refused too; the error names the recipients.
    Replay(SMTP_OPTION_EXTENDED,
           Session("250 CHUNKING\r\n",
                   {Send("a@x", {"b@y"}, "m"), S("250 ok\r\n550 5.1.1 no\r\n554 5.5.1 no rcpt\r\n"),
                    C(kHello +
                      "MAIL FROM:<a@x> SIZE=1\r\nRCPT TO:<b@y>\r\nBDAT 3 LAST\r\nm\r\nRSET\r\n"),
                    S("250 ok\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
           });
    // With the strict recipient policy the chunks wait for the recipients' replies.
    Replay(SMTP_OPTION_EXTENDED | SMTP_OPTION_ALLRECIPIENTS,
           Session("250 CHUNKING\r\n",
                   {Send("a@x", {"b@y"}, "m"),
                    C(kHello + "MAIL FROM:<a@x> SIZE=1\r\nRCPT TO:<b@y>\r\n"),
                    S("250 ok\r\n250 ok\r\n"),
                    C(kHello + "MAIL FROM:<a@x> SIZE=1\r\nRCPT TO:<b@y>\r\nBDAT 3 LAST\r\nm\r\n"),
                    S("250 ok\r\n")}),
           [](Driver &d) { EXPECT_EQ(d.Status(), MW_OP_DONE); });
}

TEST(SmtpEngine, DsnParameters)
{
    Replay(
        SMTP_OPTION_EXTENDED,
        Session("", {A([](Driver &d) {
                         ASSERT_EQ(mw_smtp_set_dsn(d.e,
                                                   SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE |
                                                       SMTP_RETURN_HEADERS | SMTP_NOTIFY_ORCPT,
                                                   "id+1=x"),
                                   0u);
                     }),
                     Send("a@x", {"b@y"}, "m"),
                     C(kHello + "MAIL FROM:<a@x> SIZE=1 RET=HDRS ENVID=id+2B1+3Dx\r\nRCPT "
                                "TO:<b@y> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@y\r\nDATA\r\n")}),
        [](Driver &) {});
    Driver d(0);
    EXPECT_EQ(mw_smtp_set_dsn(d.e, SMTP_NOTIFY_NEVER | SMTP_NOTIFY_DELAY, nullptr),
              (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(mw_smtp_set_dsn(d.e, 0, "bad\r\nid"), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST(SmtpEngine, RefusedBeforeSendingWhenTooLargeOrUnsupportedOrInjected)
{
    std::string big(1001, 'x');
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {Send("a@x", {"b@y"}, big, ST_ERROR_MESSAGE_TOO_LARGE),
                        Send("a\r\nRSET@x", {"b@y"}, "m", ST_ERROR_INVALID_ARGUMENT),
                        Send("a@x", {"b@y>\r\nDATA"}, "m", ST_ERROR_INVALID_ARGUMENT),
                        Send("a@x", {"b@y"}, "m"),
                        C(kHello + "MAIL FROM:<a@x> SIZE=1\r\n"
                                   "RCPT TO:<b@y>\r\nDATA\r\n")}),
           [](Driver &) {});
    // 8-bit content without 8BITMIME, a UTF-8 address without SMTPUTF8, DSN without DSN.
    Replay(SMTP_OPTION_EXTENDED,
           {Connect(), S("220 mx\r\n"), S("250-mx\r\n250 PIPELINING\r\n"), A([](Driver &d) {
                mw_smtp_source src = Mem("m");
                const char *r[] = {"b@y"};
                mw_smtp_envelope env = {"a@x", r, 1, 1, 1, 0};
                EXPECT_EQ(mw_smtp_op_send(d.e, &env, &src), (unsigned)ST_ERROR_NOT_SUPPORTED);
                src = Mem("m");
                const char *u[] = {"\xce\xb4@y"};
                env = {"a@x", u, 1, 1, 0, 0};
                EXPECT_EQ(mw_smtp_op_send(d.e, &env, &src), (unsigned)ST_ERROR_NOT_SUPPORTED);
                ASSERT_EQ(mw_smtp_set_dsn(d.e, SMTP_NOTIFY_FAILURE, nullptr), 0u);
                src = Mem("m");
                env = {"a@x", r, 1, 1, 0, 0};
                EXPECT_EQ(mw_smtp_op_send(d.e, &env, &src), (unsigned)ST_ERROR_NOT_SUPPORTED);
            })},
           [](Driver &d) { EXPECT_EQ(d.out, kHello); });
}

// RFC 6531 section 3.4: a UTF-8 recipient belongs only in a transaction whose MAIL FROM said
// SMTPUTF8; the transaction API cannot add the parameter afterwards, so it refuses.
TEST(SmtpEngine, Utf8RecipientNeedsAnSmtputf8Transaction)
{
    for (int smtputf8 = 0; smtputf8 < 2; ++smtputf8) {
        Replay(SMTP_OPTION_EXTENDED,
               {Connect(), S("220 mx\r\n"), S("250-mx\r\n250 SMTPUTF8\r\n"),
                A([smtputf8](Driver &d) {
                    mw_smtp_envelope env = {"a@x", nullptr, 0, 0, 0, smtputf8};
                    ASSERT_EQ(mw_smtp_op_mail(d.e, &env), 0u);
                }),
                S("250 ok\r\n"), A([smtputf8](Driver &d) {
                    unsigned want = smtputf8 ? 0u : (unsigned)ST_ERROR_INVALID_ARGUMENT;
                    EXPECT_EQ(mw_smtp_op_rcpt(d.e, "\xce\xb4@y"), want);
                    if (!smtputf8) {
                        EXPECT_NE(std::string(mw_smtp_engine_ops.why(d.e)).find("SMTPUTF8"),
                                  std::string::npos);
                    }
                })},
               [smtputf8](Driver &d) {
                   EXPECT_EQ(d.out.find("RCPT") != std::string::npos, smtputf8 == 1) << d.out;
                   if (smtputf8) {
                       EXPECT_NE(d.out.find("MAIL FROM:<a@x> SMTPUTF8\r\nRCPT TO:<\xce\xb4@y>\r\n"),
                                 std::string::npos)
                           << d.out;
                   }
               });
    }
}

TEST(SmtpEngine, ServiceClosingMidSessionDropsIt)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {Send("a@x", {"b@y"}, "m"), S("421 4.3.0 shutting down\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FATAL);
               EXPECT_EQ(e, (unsigned)ST_ERROR_SERVER_TEMPORARY);
               EXPECT_STREQ(mw_smtp_state_name(d.e), "CLOSED");
           });
}

TEST(SmtpEngine, ReplyOfTheWrongClassIsOutOfSync)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {A([](Driver &d) {
                            ASSERT_EQ(mw_smtp_op_command(d.e, MW_SMTP_CMD_NOOP, nullptr), 0u);
                        }),
                        S("354 start mail input\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FATAL);
               EXPECT_EQ(e, (unsigned)ST_ERROR_OUT_OF_SYNC);
           });
}

TEST(SmtpEngine, AuthPlainIsRedactedAndCleartextRefused)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {A([](Driver &d) {
                            EXPECT_EQ(mw_smtp_op_auth(d.e, MW_SASL_PLAIN, "u", "p", "h", 25, 0),
                                      (unsigned)ST_ERROR_CLEARTEXT_REFUSED);
                            EXPECT_EQ(mw_smtp_op_auth(d.e, MW_SASL_CRAM_MD5, "u", "p", "h", 25, 1),
                                      (unsigned)ST_ERROR_INVALID_AUTHENTICATION_TYPE);
                            ASSERT_EQ(mw_smtp_op_auth(d.e, MW_SASL_PLAIN, "u", "p", "h", 25, 1),
                                      0u);
                        }),
                        C(kHello + "AUTH PLAIN AHUAcA==\r\n"), S("235 2.7.0 ok\r\n")}),
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_EQ(d.secret_view, kHello + "AUTH PLAIN #\r\n");
           });
}

TEST(SmtpEngine, AuthLoginChallengesAndFailures)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {A([](Driver &d) {
                            ASSERT_EQ(mw_smtp_op_auth(d.e, MW_SASL_LOGIN, "u", "p", "h", 25, 1),
                                      0u);
                        }),
                        C(kHello + "AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"),
                        C(kHello + "AUTH LOGIN\r\ndQ==\r\n"), S("334 UGFzc3dvcmQ6\r\n"),
                        C(kHello + "AUTH LOGIN\r\ndQ==\r\ncA==\r\n"),
                        S("535 5.7.8 Error: authentication failed\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
               EXPECT_EQ(d.secret_view, kHello + "AUTH LOGIN\r\n#\r\n#\r\n");
           });
    // A challenge that is not base64: the exchange is cancelled with "*".
    Replay(SMTP_OPTION_EXTENDED,
           Session("", {A([](Driver &d) {
                            ASSERT_EQ(mw_smtp_op_auth(d.e, MW_SASL_LOGIN, "u", "p", "h", 25, 1),
                                      0u);
                        }),
                        S("334 !!!\r\n"), C(kHello + "AUTH LOGIN\r\n*\r\n"),
                        S("501 5.7.0 cancelled\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
           });
}

TEST(SmtpEngine, TransactionApiStreamsAcrossWrites)
{
    Replay(SMTP_OPTION_EXTENDED | SMTP_OPTION_NOPIPELINING,
           Session("", {A([](Driver &d) {
                            const char *none[] = {nullptr};
                            mw_smtp_envelope env = {"a@x", none, 0, 0, 0, 0};
                            ASSERT_EQ(mw_smtp_op_mail(d.e, &env), 0u);
                        }),
                        S("250 ok\r\n"), A([](Driver &d) {
                            EXPECT_EQ(d.Status(), MW_OP_DONE);
                            ASSERT_EQ(mw_smtp_op_rcpt(d.e, "b@y"), 0u);
                        }),
                        S("550 5.1.1 unknown\r\n"), A([](Driver &d) {
                            EXPECT_EQ(d.Status(), MW_OP_FAILED);
                            ASSERT_EQ(mw_smtp_op_rcpt(d.e, "c@y"), 0u);
                        }),
                        S("250 ok\r\n"), A([](Driver &d) {
                            static const char w1[] = "line\r";
                            ASSERT_EQ(mw_smtp_op_write(d.e, w1, 5, 0), 0u);
                        }),
                        S("354 go\r\n"), A([](Driver &d) {
                            EXPECT_EQ(d.Status(), MW_OP_DONE);
                            static const char w2[] = "\n.dot";
                            ASSERT_EQ(mw_smtp_op_write(d.e, w2, 5, 0), 0u);
                            EXPECT_EQ(d.Status(), MW_OP_RUNNING);
                        }),
                        A([](Driver &d) {
                            EXPECT_EQ(d.Status(), MW_OP_DONE);
                            ASSERT_EQ(mw_smtp_op_write(d.e, nullptr, 0, 1), 0u);
                        }),
                        C(kHello + "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nDATA\r\n"
                                   "line\r\n..dot\r\n.\r\n"),
                        S("250 ok\r\n")}),
           [](Driver &d) {
               EXPECT_EQ(d.Status(), MW_OP_DONE);
               EXPECT_EQ(mw_smtp_rcpt_count(d.e), 2u);
           });
}

} // namespace

namespace
{

// Random bytes into the reply parser at random chunk sizes: it either completes replies or
// fails cleanly, never reads outside its input, and a failure is sticky.
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

} // namespace

extern "C" {
#include "core/util/alloc.h"
}

namespace
{

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
        Driver d(SMTP_OPTION_EXTENDED);
        mw_smtp_free(d.e);
        d.e = e;
        bool ok = mw_smtp_op_connect(e) == 0;
        if (ok)
            d.Feed("220 mx\r\n" + ehlo, 64);
        ok = ok && d.Status() == MW_OP_DONE;
        if (ok && mw_smtp_op_auth(e, MW_SASL_PLAIN, "u", "p", "h", 25, 1) == 0) {
            d.Feed("235 ok\r\n", 64);
            ok = d.Status() == MW_OP_DONE;
        } else {
            ok = false;
        }
        if (ok) {
            mw_smtp_source src;
            const std::string msg = "Subject: x\r\n\r\n.body\r\n";
            if (mw_smtp_source_memory(&src, msg.data(), msg.size(), 1) == 0) {
                const char *r[] = {"a@b", "c@d"};
                mw_smtp_envelope env = {"x@y", r, 2, msg.size(), 0, 0};
                if (mw_smtp_op_send(e, &env, &src) == 0) {
                    d.Feed("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n", 64);
                    ok = d.Status() == MW_OP_DONE;
                } else {
                    ok = false;
                }
            } else {
                ok = false;
            }
        }
        bool triggered = mw_alloc_fail_at(-1);
        if (!triggered) {
            EXPECT_TRUE(ok) << "with no failure injected the session completes";
            EXPECT_GT(n, 10) << "the session allocates more than that";
            ++clean_runs;
            break;
        }
        unsigned err = 0;
        int st = d.Status(&err);
        if (!ok && st != MW_OP_RUNNING && st != MW_OP_DONE) {
            EXPECT_NE(err, 0u) << "allocation " << n;
        }
    }
    EXPECT_EQ(clean_runs, 1) << "the loop reached an allocation count with no failure";
}

} // namespace

namespace
{

bool EndsWith(const std::string &s, const std::string &t)
{
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

size_t Count(const std::string &hay, const std::string &needle)
{
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
        ++n;
    return n;
}

// A message of several BDAT chunks: pipelined, they all go out before the replies; a refused
// chunk fails the send, and without pipelining the rest is not sent and RSET ends the
// transaction.
TEST(SmtpEngine, BdatChunksAndARefusedChunk)
{
    const std::string msg(600 * 1024, 'x');
    Replay(SMTP_OPTION_EXTENDED,
           Session("250 CHUNKING\r\n",
                   {Send("a@x", {"b@y"}, msg, 0, 0), A([&](Driver &d) {
                        EXPECT_EQ(Count(d.out, "BDAT "), 3u) << "three chunks in flight";
                        EXPECT_EQ(Count(d.out, " LAST\r\n"), 1u);
                    }),
                    S("250 ok\r\n250 ok\r\n250 ok\r\n552 5.3.4 too big\r\n552 5.3.4 too big\r\n"),
                    A([&](Driver &d) { EXPECT_TRUE(EndsWith(d.out, "RSET\r\n")); }),
                    S("250 reset\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_SERVER_PERMANENT);
               EXPECT_STREQ(mw_smtp_state_name(d.e), "READY");
           });
    Replay(SMTP_OPTION_EXTENDED | SMTP_OPTION_NOPIPELINING,
           Session("250 CHUNKING\r\n",
                   {Send("a@x", {"b@y"}, msg, 0, 0), S("250 ok\r\n"), S("250 ok\r\n"),
                    A([&](Driver &d) { EXPECT_EQ(Count(d.out, "BDAT "), 1u); }),
                    S("452 4.3.1 no space\r\n"), A([&](Driver &d) {
                        EXPECT_EQ(Count(d.out, "BDAT "), 1u) << "nothing more after a refusal";
                        EXPECT_TRUE(EndsWith(d.out, "RSET\r\n"));
                    }),
                    S("250 reset\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_SERVER_TEMPORARY);
           });
}

// A server that opens DATA although it refused every recipient gets an empty message, which
// it has nobody to deliver to; the send reports no valid recipients.
TEST(SmtpEngine, DataOpenedAfterAllRecipientsRefused)
{
    Replay(SMTP_OPTION_EXTENDED,
           Session("",
                   {Send("a@x", {"b@y"}, "secret body"), S("250 ok\r\n550 no\r\n354 go anyway\r\n"),
                    C(kHello + "MAIL FROM:<a@x> SIZE=11\r\nRCPT TO:<b@y>\r\nDATA\r\n.\r\n"),
                    S("554 no valid recipients\r\n")}),
           [](Driver &d) {
               unsigned e = 0;
               EXPECT_EQ(d.Status(&e), MW_OP_FAILED);
               EXPECT_EQ(e, (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
               EXPECT_EQ(d.out.find("secret body"), std::string::npos);
           });
}

} // namespace
