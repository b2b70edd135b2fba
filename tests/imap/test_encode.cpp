// The IMAP argument encoder, the output queue marks, sequence sets and modified UTF-7.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

extern "C" {
#include "core/imap/encode.h"
#include "core/imap/utf7.h"
#include <mailwire/common.h>
}

namespace
{

std::string Encode(const std::string &s, int kind, unsigned flags, unsigned *err = nullptr,
                   size_t *nmarks = nullptr)
{
    mw_imap_out o;
    mw_imap_out_init(&o);
    o.flags = flags;
    unsigned e = mw_imap_out_string(&o, s.data(), s.size(), kind);
    if (err)
        *err = e;
    if (nmarks)
        *nmarks = o.nmark;
    std::string r(o.b.p ? o.b.p : "", o.b.len);
    mw_imap_out_free(&o);
    return r;
}

TEST(ImapEncode, ChoosesAtomQuotedOrLiteral)
{
    EXPECT_EQ(Encode("INBOX", IMAP_ARG_ASTRING, 0), "INBOX");
    EXPECT_EQ(Encode("INBOX", IMAP_ARG_STRING, 0), "\"INBOX\"") << "STRING never uses atoms";
    EXPECT_EQ(Encode("", IMAP_ARG_ASTRING, 0), "\"\"");
    EXPECT_EQ(Encode("NIL", IMAP_ARG_ASTRING, 0), "\"NIL\"");
    EXPECT_EQ(Encode("p a\"ss\\word", IMAP_ARG_ASTRING, 0), "\"p a\\\"ss\\\\word\"");
    for (const char *s : {"a b", "a(b", "a)b", "a{b", "a%b", "a*b", "a]b", "a\"b", "a\\b"})
        EXPECT_EQ(Encode(s, IMAP_ARG_ASTRING, 0)[0], '"') << s;
    // CR/LF force a literal; synchronising without LITERAL+.
    size_t marks = 0;
    EXPECT_EQ(Encode("a\r\nA2 LOGOUT", IMAP_ARG_ASTRING, 0, nullptr, &marks),
              "{12}\r\na\r\nA2 LOGOUT");
    EXPECT_EQ(marks, 1u) << "a SYNC mark waits for '+'";
    EXPECT_EQ(Encode("a\nb", IMAP_ARG_ASTRING, IMAP_ENC_LITERAL_PLUS, nullptr, &marks),
              "{3+}\r\na\nb");
    EXPECT_EQ(marks, 0u);
    EXPECT_EQ(Encode("a\nb", IMAP_ARG_ASTRING, IMAP_ENC_LITERAL_MINUS), "{3+}\r\na\nb");
    std::string big(5000, 'x');
    big[0] = '\n';
    EXPECT_EQ(Encode(big, IMAP_ARG_ASTRING, IMAP_ENC_LITERAL_MINUS).substr(0, 8), "{5000}\r\n")
        << "LITERAL- allows {n+} only up to 4096";
    // 8-bit: literal unless UTF-8 is enabled.
    EXPECT_EQ(Encode("Gr\xc3\xbc\xc3\x9f\x65", IMAP_ARG_STRING, IMAP_ENC_LITERAL_PLUS),
              "{7+}\r\nGr\xc3\xbc\xc3\x9f\x65");
    EXPECT_EQ(Encode("Gr\xc3\xbc\xc3\x9f\x65", IMAP_ARG_STRING, IMAP_ENC_UTF8),
              "\"Gr\xc3\xbc\xc3\x9f\x65\"");
}

TEST(ImapEncode, RefusesWhatCannotBeSent)
{
    unsigned err = 0;
    EXPECT_EQ(Encode(std::string("a\0b", 3), IMAP_ARG_ASTRING, IMAP_ENC_LITERAL_PLUS, &err), "");
    EXPECT_EQ(err, (unsigned)ST_ERROR_INVALID_ARGUMENT) << "NUL";
    EXPECT_EQ(Encode("a\r\nb", IMAP_ARG_NOLIT, IMAP_ENC_LITERAL_PLUS, &err), "");
    EXPECT_EQ(err, (unsigned)ST_ERROR_INVALID_ARGUMENT) << "CR/LF where no literal is allowed";
}

TEST(ImapEncode, CutDropsTheUnsentLiteralAndItsMarks)
{
    mw_imap_out o;
    mw_imap_out_init(&o);
    mw_imap_out_puts(&o, "A1 LOGIN u ");
    mw_imap_out_mark(&o, IMAP_MARK_SECRET_ON, 0);
    mw_imap_out_string(&o, "p\r\nw", 4, IMAP_ARG_ASTRING);
    mw_imap_out_puts(&o, "\r\n");
    uint64_t end1 = mw_imap_out_end(&o);
    mw_imap_out_mark(&o, IMAP_MARK_SECRET_OFF, 0);
    mw_imap_out_puts(&o, "A2 NOOP\r\n");
    // Everything up to the SYNC mark was sent; the server said NO to A1.
    o.sent = (size_t)(o.marks[1].at - o.base);
    mw_imap_out_cut(&o, o.base + o.sent, end1);
    EXPECT_EQ(std::string(o.b.p + o.sent, o.b.len - o.sent), "A2 NOOP\r\n");
    ASSERT_EQ(o.nmark, 2u);
    EXPECT_EQ(o.marks[0].kind, IMAP_MARK_SECRET_ON);
    EXPECT_EQ(o.marks[1].kind, IMAP_MARK_SECRET_OFF);
    EXPECT_EQ(o.marks[1].at, o.base + o.sent) << "the secret range closes before A2";
    mw_imap_out_free(&o);
}

TEST(ImapEncode, SequenceSets)
{
    for (const char *ok : {"1", "1:*", "*", "1,3:5,7", "4294967295", "*:4"})
        EXPECT_EQ(mw_imap_valid_set(ok), 0) << ok;
    for (const char *bad :
         {"", "0", "1,", ",1", "1::2", "1:2:3", "a", "1 2", "1\r\n", "12345678901", "1,,2"})
        EXPECT_NE(mw_imap_valid_set(bad), 0) << bad;
}

std::string U7(const std::string &s)
{
    int bad = 0;
    char *r = mw_imap_utf7_encode(s.data(), s.size(), &bad);
    std::string out = r ? r : (bad ? "<bad>" : "<oom>");
    free(r);
    return out;
}

std::string U8(const std::string &s)
{
    int bad = 0;
    char *r = mw_imap_utf7_decode(s.data(), s.size(), &bad);
    std::string out = r ? r : (bad ? "<bad>" : "<oom>");
    free(r);
    return out;
}

TEST(ImapUtf7, RoundTripsAndRfcExamples)
{
    // RFC 3501 section 5.1.3 example.
    EXPECT_EQ(U7("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
              "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    EXPECT_EQ(U7("Entw\xc3\xbcrfe"), "Entw&APw-rfe");
    EXPECT_EQ(U7("a&b"), "a&-b");
    EXPECT_EQ(U7("\xf0\x9f\x98\x80"), "&2D3eAA-") << "astral plane as a surrogate pair";
    for (const std::string s : {"Entw\xc3\xbcrfe/\xe6\x97\xa5\xe6\x9c\xac", "a&b&&c",
                                "\xf0\x9f\x98\x80x", "plain", "\xc3\xa4\xc3\xb6\xc3\xbc"})
        EXPECT_EQ(U8(U7(s)), s);
    EXPECT_EQ(U7("\xc3"), "<bad>") << "truncated UTF-8";
    EXPECT_EQ(U7("\xed\xa0\x80"), "<bad>") << "encoded surrogate";
    EXPECT_EQ(U7("\xc0\x80"), "<bad>") << "overlong";
}

TEST(ImapUtf7, DecoderRejectsMalformedNames)
{
    for (const char *bad : {"&", "&APw", "&AGE-" /* 'a' must not be encoded */, "&2D3-", "&3gA-",
                            "&A-", "a\x80", "&APw!-", "a&AAA-b" /* U+0000 cuts the name */})
        EXPECT_EQ(U8(bad), "<bad>") << bad;
    EXPECT_EQ(U8("&-"), "&");
}

} // namespace
