// The IMAP response reader at every chunk size: tokens, literals across chunk boundaries,
// limits, quoted strings, status texts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/imap/reader.h"
#include <mailwire/common.h>
}

namespace
{

struct Parsed {
    int kind = 0;
    std::vector<std::string> toks; // "(" ")" "NIL" "S:text" "A:atom" "L<n>" (streamed)
    std::string status_tag, code, text;
    int cond = 0;
    std::string streamed;
};

// Feed `input` in pieces of `chunk` bytes; literals announced after a token named
// `stream_after` are streamed. Returns the responses, or stops at an error (err set).
std::vector<Parsed> Read(const std::string &input, size_t chunk, unsigned *err = nullptr,
                         const mw_imap_limits *lim = nullptr, const char *stream_after = "BODY[]")
{
    mw_imap_limits def = {4096, 1 << 20, 1 << 16, 8, 0};
    mw_imap_reader r;
    mw_imap_reader_init(&r, lim ? lim : &def);
    std::vector<Parsed> out;
    std::string streamed;
    if (err)
        *err = 0;
    for (size_t off = 0; off < input.size();) {
        size_t n = std::min(chunk, input.size() - off);
        const char *p = input.data() + off;
        size_t used = 0;
        while (used < n) {
            int ev;
            used += mw_imap_reader_feed(&r, p + used, n - used, &ev);
            if (ev == IMAP_RD_ERROR) {
                if (err)
                    *err = r.err;
                mw_imap_reader_free(&r);
                return out;
            }
            if (ev == IMAP_RD_LITERAL) {
                bool stream = r.ntok > 0 && mw_imap_tok_is(&r, &r.toks[r.ntok - 1], stream_after);
                mw_imap_reader_literal_mode(&r, stream ? IMAP_LIT_STREAM : IMAP_LIT_MEMORY);
                if (r.failed) {
                    if (err)
                        *err = r.err;
                    mw_imap_reader_free(&r);
                    return out;
                }
            } else if (ev == IMAP_RD_CHUNK) {
                streamed.append(r.chunk, r.chunk_len);
            } else if (ev == IMAP_RD_IDS) {
                // A streamed "* SEARCH": its ids as one response of numbers.
                if (out.empty() || out.back().kind != -1) {
                    out.emplace_back();
                    out.back().kind = -1;
                }
                for (size_t i = 0; i < r.nids; i++)
                    out.back().toks.push_back(std::to_string(r.ids[i]));
                r.nids = 0;
            } else if (ev == IMAP_RD_RESPONSE) {
                Parsed pr;
                pr.kind = r.cur_kind;
                if (r.cur_kind == IMAP_RESP_DATA) {
                    for (size_t i = 0; i < r.ntok; i++) {
                        const mw_imap_tok &t = r.toks[i];
                        switch (t.type) {
                        case IMAP_T_LPAREN:
                            pr.toks.push_back("(");
                            break;
                        case IMAP_T_RPAREN:
                            pr.toks.push_back(")");
                            break;
                        case IMAP_T_NIL:
                            pr.toks.push_back("NIL");
                            break;
                        case IMAP_T_ATOM:
                            pr.toks.push_back("A:" + std::string(mw_imap_tok_ptr(&r, &t), t.len));
                            break;
                        case IMAP_T_STRING:
                            pr.toks.push_back("S:" + std::string(mw_imap_tok_ptr(&r, &t), t.len));
                            break;
                        case IMAP_T_STREAMED:
                            pr.toks.push_back("L" + std::to_string(t.len));
                            break;
                        }
                    }
                } else {
                    pr.cond = r.cond;
                    pr.status_tag = std::string(r.buf + r.tag_off, r.tag_len);
                    if (r.has_code)
                        pr.code = std::string(r.buf + r.code_off, r.code_len);
                    pr.text = std::string(r.buf + r.text_off, r.text_len);
                }
                pr.streamed = streamed;
                streamed.clear();
                out.push_back(pr);
            } else {
                break; // need more
            }
        }
        off += n;
    }
    mw_imap_reader_free(&r);
    return out;
}

TEST(ImapReader, StatusResponsesAreTextWithOptionalCode)
{
    const std::string in = "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready {5}\r\n"
                           "A1 NO\r\n"
                           "A2 BAD [PARSE] what \"{3}\r\n"
                           "+ go ahead\r\n"
                           "+\r\n";
    for (size_t chunk = 1; chunk <= in.size(); chunk++) {
        unsigned err;
        auto r = Read(in, chunk, &err);
        ASSERT_EQ(err, 0u) << chunk;
        ASSERT_EQ(r.size(), 5u) << chunk;
        EXPECT_EQ(r[0].kind, IMAP_RESP_STATUS);
        EXPECT_EQ(r[0].code, "CAPABILITY IMAP4rev1 LITERAL+");
        EXPECT_EQ(r[0].text, "ready {5}") << "no literal in a status text";
        EXPECT_EQ(r[1].cond, IMAP_NO);
        EXPECT_EQ(r[1].status_tag, "A1");
        EXPECT_EQ(r[1].text, "");
        EXPECT_EQ(r[2].cond, IMAP_BAD);
        EXPECT_EQ(r[2].code, "PARSE");
        EXPECT_EQ(r[3].kind, IMAP_RESP_CONT);
        EXPECT_EQ(r[3].text, "go ahead");
        EXPECT_EQ(r[4].text, "");
    }
}

TEST(ImapReader, TokensQuotedStringsLiteralsAndSections)
{
    const std::string in =
        "* LIST (\\HasNoChildren \\Sent) \"/\" \"a \\\"q\\\" \\\\ {5}\"\r\n"
        "* 12 FETCH (UID 7 FLAGS (\\Seen) BODY[HEADER.FIELDS (SUBJECT FROM)]<0> "
        "{12}\r\nSubject: x\r\n BODY[] {8}\r\nab\r\ncd\r\n ENVELOPE (NIL {0}\r\n))\r\n";
    for (size_t chunk = 1; chunk <= in.size(); chunk++) {
        unsigned err;
        auto r = Read(in, chunk, &err);
        ASSERT_EQ(err, 0u) << chunk;
        ASSERT_EQ(r.size(), 2u) << chunk;
        std::vector<std::string> list = {"A:*",      "A:LIST", "(",   "A:\\HasNoChildren",
                                         "A:\\Sent", ")",      "S:/", "S:a \"q\" \\ {5}"};
        EXPECT_EQ(r[0].toks, list);
        std::vector<std::string> fetch = {"A:*",
                                          "A:12",
                                          "A:FETCH",
                                          "(",
                                          "A:UID",
                                          "A:7",
                                          "A:FLAGS",
                                          "(",
                                          "A:\\Seen",
                                          ")",
                                          "A:BODY[HEADER.FIELDS (SUBJECT FROM)]<0>",
                                          "S:Subject: x\r\n",
                                          "A:BODY[]",
                                          "L8",
                                          "A:ENVELOPE",
                                          "(",
                                          "NIL",
                                          "S:",
                                          ")",
                                          ")"};
        EXPECT_EQ(r[1].toks, fetch) << chunk;
        EXPECT_EQ(r[1].streamed, "ab\r\ncd\r\n") << chunk;
    }
}

TEST(ImapReader, LiteralPlusAndBinaryAnnouncements)
{
    auto r =
        Read("* 1 FETCH (BINARY[1] ~{3}\r\na\0b X {2+}\r\nzz)\r\n", 1000, nullptr, nullptr, "none");
    (void)r;
    std::string in = std::string("* 1 FETCH (BINARY[1] ~{3}\r\na") + '\0' + "b X {2+}\r\nzz)\r\n";
    for (size_t chunk = 1; chunk <= in.size(); chunk++) {
        unsigned err;
        auto p = Read(in, chunk, &err, nullptr, "none");
        ASSERT_EQ(err, 0u);
        ASSERT_EQ(p.size(), 1u);
        EXPECT_EQ(p[0].toks[5], std::string("S:a") + '\0' + "b");
        EXPECT_EQ(p[0].toks[7], "S:zz");
    }
}

TEST(ImapReader, HugeAnnouncedLiteralIsNeverAllocated)
{
    // In memory: refused at once by the limit, before any byte arrives.
    unsigned err;
    auto r = Read("* LIST () \"/\" {99999999999}\r\nabc", 7, &err);
    EXPECT_EQ(err, (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    // Streamed: the bytes pass through in chunks; nothing of the announced size is reserved.
    r = Read("* 1 FETCH (BODY[] {4611686018427387904}\r\nabcdef", 3, &err);
    EXPECT_EQ(err, 0u);
    // Beyond 2^62 or malformed counts are protocol errors.
    for (const char *bad : {"* 1 FETCH (BODY[] {99999999999999999999}\r\n",
                            "* 1 FETCH (BODY[] {}\r\n", "* 1 FETCH (BODY[] {12x}\r\n",
                            "* 1 FETCH (BODY[] {5} x\r\n", "* 1 FETCH (BODY[] {-1}\r\n"}) {
        Read(bad, 1, &err);
        EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << bad;
    }
}

TEST(ImapReader, NestingDepthLimit)
{
    mw_imap_limits lim = {4096, 1 << 20, 1 << 16, 8, 0};
    std::string ok = "* X " + std::string(8, '(') + std::string(8, ')') + "\r\n";
    std::string deep = "* X " + std::string(9, '(') + std::string(9, ')') + "\r\n";
    for (size_t chunk = 1; chunk <= deep.size(); chunk++) {
        unsigned err;
        auto r = Read(ok, chunk, &err, &lim);
        EXPECT_EQ(err, 0u);
        EXPECT_EQ(r.size(), 1u);
        Read(deep, chunk, &err, &lim);
        EXPECT_EQ(err, (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    }
}

TEST(ImapReader, MalformedInputIsAProtocolError)
{
    for (const char *bad :
         {"* LIST (\r\n", "* LIST ())\r\n", "* LIST \"abc\r\n", "A1 FOO bar\r\n", "*\r\n", " x\r\n",
          "* X \"a\\q\"\r\n", "* X a\"b\r\n", "* OK a\rb\r\n", "* X [abc\r\n", "* OK bare lf\n"}) {
        unsigned err;
        Read(bad, 1, &err);
        EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << bad;
    }
    unsigned err;
    Read(std::string("* OK a") + '\0' + "b\r\n", 1, &err);
    EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << "NUL in a line";
}

TEST(ImapReader, LineAndResponseLimits)
{
    mw_imap_limits lim = {64, 256, 64, 8, 0};
    unsigned err;
    Read("* OK " + std::string(100, 'x') + "\r\n", 5, &err, &lim);
    EXPECT_EQ(err, (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    // Many short segments: the response as a whole is bounded too.
    std::string many = "* X";
    for (int i = 0; i < 40; i++)
        many += " {10}\r\n0123456789";
    many += "\r\n";
    Read(many, 7, &err, &lim);
    EXPECT_EQ(err, (unsigned)ST_ERROR_LIMIT_EXCEEDED);
}

} // namespace

// Issue 17, finding 3: a "* SEARCH" response is never gathered as a line (without ESEARCH a
// server puts every match on it: over the line limit past ~165,000 messages). Its numbers come
// out in batches (IMAP_RD_IDS), the same at every chunk size; the line limit does not apply.
TEST(ImapReader, SearchResponsesAreStreamedPastTheLineLimit)
{
    std::string many = "* SEARCH";
    std::vector<std::string> expect;
    for (int i = 1; i <= 300; i++) { // more than one batch of 256
        many += " " + std::to_string(i * 1000);
        expect.push_back(std::to_string(i * 1000));
    }
    const std::string input =
        many + " (MODSEQ 917162500)\r\n* OK between\r\n* search\r\n" + "* Search 4294967295\r\n";
    mw_imap_limits small = {64, 1 << 20, 1 << 16, 8, 0};
    for (size_t chunk = 1; chunk <= input.size(); chunk++) {
        unsigned err = 0;
        auto out = Read(input, chunk, &err, &small);
        ASSERT_EQ(err, 0u) << chunk;
        ASSERT_EQ(out.size(), 4u) << chunk;
        EXPECT_EQ(out[0].kind, -1);
        EXPECT_EQ(out[0].toks, expect) << chunk;
        EXPECT_EQ(out[1].text, "between");
        // "* SEARCH" alone (no match) is an ordinary, tokenized response.
        EXPECT_EQ(out[2].kind, IMAP_RESP_DATA);
        EXPECT_EQ(out[2].toks, (std::vector<std::string>{"A:*", "A:search"}));
        EXPECT_EQ(out[3].toks, (std::vector<std::string>{"4294967295"})) << chunk;
    }
    // Anything but numbers and the MODSEQ list is an error, at any chunk size.
    for (const char *bad : {"* SEARCH 0\r\n", "* SEARCH 4294967296\r\n", "* SEARCH 1 x\r\n",
                            "* SEARCH 1\r2\r\n", "* SEARCH 12345678901\r\n", "* SEARCH 1\n",
                            "* SEARCH (MODSEQ (1))\r\n", "* SEARCH 1(MODSEQ 2)\r\n"}) {
        for (size_t chunk : {size_t(1), size_t(3), std::string::npos}) {
            unsigned err = 0;
            Read(bad, chunk, &err, &small);
            EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << bad << " " << chunk;
        }
    }
}
