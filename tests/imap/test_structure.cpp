// ImapParseBodyStructure(): ENVELOPE and BODYSTRUCTURE text (RFC 9051 section 7.5.2) into the
// part tree and header fields of a message object, read through the MIME API; the limits
// and the malformed cases fail with their errors.
#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>

#include <string>
#include <vector>

namespace
{

struct Msg {
    HMESSAGE h = MimeCreateMessage();
    ~Msg()
    {
        MimeDeleteMessage(h);
    }
    MIMEPARTINFO Info(int i) const
    {
        MIMEPARTINFO pi{};
        pi.dwSize = sizeof pi;
        EXPECT_EQ(MimeGetMessagePartInfo(h, i, &pi), 0);
        return pi;
    }
    std::string Header(const char *name, int part = 0) const
    {
        char buf[1024] = "";
        if (MimeGetMessageHeader(h, part, name, buf, sizeof buf) < 0)
            return "(none)";
        return buf;
    }
    std::vector<std::pair<std::string, std::string>> Addresses(const char *field) const
    {
        std::vector<std::pair<std::string, std::string>> v;
        int n = MimeGetAddressCount(h, 0, field);
        for (int i = 0; i < n; ++i) {
            char name[256], addr[256];
            EXPECT_EQ(MimeGetAddress(h, 0, field, i, name, sizeof name, addr, sizeof addr), 0);
            v.emplace_back(name, addr);
        }
        return v;
    }
};

const char *kEnvelope =
    "(\"Tue, 2 Jan 2024 10:00:00 +0100\" \"=?utf-8?B?R3LDvMOfZQ==?=\" "
    "((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"joerg\" \"example.org\")) "
    "((\"Sec\" NIL \"sec\" \"example.org\")) ((NIL NIL \"reply\" \"example.org\")) "
    "((NIL NIL \"team\" NIL)(\"Doe, John\" NIL \"john\" \"example.org\")(NIL NIL NIL NIL)"
    "(NIL NIL \"amy\" \"example.org\")) "
    "((\"C \\\"Q\\\" D\" NIL \"cc\" \"example.org\")) ((NIL NIL \"hidden\" \"example.org\")) "
    "\"<prev@x>\" \"<id@x>\")";

TEST(ImapStructure, EnvelopeFieldsDecodedAndAddressesAsNameAndAddress)
{
    Msg m;
    ASSERT_EQ(ImapParseBodyStructure(
                  "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"8BIT\" 3 1)",
                  kEnvelope, m.h),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(m.Header("Subject"), "Gr\xc3\xbc\xc3\x9f"
                                   "e");
    EXPECT_EQ(m.Header("Date"), "Tue, 2 Jan 2024 10:00:00 +0100");
    EXPECT_EQ(m.Header("Message-ID"), "<id@x>");
    EXPECT_EQ(m.Header("In-Reply-To"), "<prev@x>");
    using V = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(m.Addresses("From"), (V{{"J\xc3\xb6rg", "joerg@example.org"}}));
    EXPECT_EQ(m.Addresses("Sender"), (V{{"Sec", "sec@example.org"}}));
    EXPECT_EQ(m.Addresses("Reply-To"), (V{{"", "reply@example.org"}}));
    EXPECT_EQ(m.Addresses("To"), (V{{"Doe, John", "john@example.org"}, {"", "amy@example.org"}}))
        << "the group is opened up";
    EXPECT_EQ(m.Addresses("Cc"), (V{{"C \"Q\" D", "cc@example.org"}}));
    EXPECT_EQ(m.Addresses("Bcc"), (V{{"", "hidden@example.org"}}));
    MIMEPARTINFO pi = m.Info(0);
    EXPECT_STREQ(pi.lpszContentType, "text/plain");
    EXPECT_STREQ(pi.lpszCharSet, "iso-8859-1");
    EXPECT_STREQ(pi.lpszEncoding, "8bit");
    EXPECT_STREQ(pi.lpszSection, "1");
}

TEST(ImapStructure, PartTreeWithSectionsFileNamesAndAnEncapsulatedMessage)
{
    const char *bs =
        "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)"
        "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL) "
        "\"ALTERNATIVE\" (\"BOUNDARY\" \"a\") NIL NIL NIL)"
        "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") \"<id1@x>\" \"report\" \"BASE64\" 1000 NIL "
        "(\"ATTACHMENT\" (\"FILENAME*\" \"utf-8''%C3%BCber.pdf\")) NIL NIL)"
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 300 (\"Mon, 1 Jan 2024 10:00:00 +0000\" "
        "\"=?utf-8?q?inner?=\" ((\"Al\" NIL \"al\" \"x.org\")) ((\"Al\" NIL \"al\" \"x.org\")) "
        "((\"Al\" NIL \"al\" \"x.org\")) ((NIL NIL \"b\" \"y.org\")) NIL NIL NIL \"<m@x>\") "
        "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)(\"IMAGE\" \"PNG\" "
        "(\"NAME\" \"p.png\") NIL NIL \"BASE64\" 40 NIL (\"INLINE\" NIL) NIL NIL) \"MIXED\" "
        "(\"BOUNDARY\" \"in\") NIL NIL NIL) 12 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"m\") NIL "
        "NIL NIL)";
    Msg m;
    ASSERT_EQ(ImapParseBodyStructure(bs, nullptr, m.h), 0) << MailwireGetLastErrorDetail();
    struct Want {
        const char *type, *section, *file, *disposition;
        int parent;
    };
    std::vector<Want> want = {{"multipart/mixed", "", "", "", -1},
                              {"multipart/alternative", "1", "", "", 0},
                              {"text/plain", "1.1", "", "", 1},
                              {"text/html", "1.2", "", "", 1},
                              {"application/pdf", "2",
                               "\xc3\xbc"
                               "ber.pdf",
                               "attachment", 0},
                              {"message/rfc822", "3", "", "", 0},
                              {"multipart/mixed", "3", "", "", 5},
                              {"text/plain", "3.1", "", "", 6},
                              {"image/png", "3.2", "p.png", "inline", 6}};
    ASSERT_EQ(MimeGetMessagePartCount(m.h), (int)want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        MIMEPARTINFO pi = m.Info((int)i);
        EXPECT_STREQ(pi.lpszContentType, want[i].type) << i;
        EXPECT_STREQ(pi.lpszSection, want[i].section) << i;
        EXPECT_STREQ(pi.lpszFileName, want[i].file) << i;
        EXPECT_STREQ(pi.lpszDisposition, want[i].disposition) << i;
        EXPECT_EQ(pi.nParent, want[i].parent) << i;
    }
    EXPECT_STREQ(m.Info(4).lpszContentId, "<id1@x>");
    EXPECT_EQ(m.Header("Content-Description", 4), "report");
    EXPECT_EQ(m.Header("Subject", 6), "inner") << "the encapsulated message's ENVELOPE";
    EXPECT_EQ(MimeFindMessagePart(m.h, "3.2"), 8);
}

TEST(ImapStructure, ServerTextNeverStartsAHeaderField)
{
    Msg m;
    // A literal holding CRLF and a field of its own, as a parameter and as a description.
    ASSERT_EQ(ImapParseBodyStructure(
                  "(\"TEXT\" \"PLAIN\" (\"NAME\" {12}\r\nevil\r\nBcc: x) NIL {9}\r\nd\r\nBcc: y "
                  "\"7BIT\" 1 1)",
                  nullptr, m.h),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(m.Header("Bcc"), "(none)");
    EXPECT_EQ(m.Header("Content-Description"), "d  Bcc: y");
}

TEST(ImapStructure, LimitsAndMalformedText)
{
    Msg m;
    std::string deep;
    for (int i = 0; i < MIME_MAX_DEPTH + 2; ++i)
        deep += "(";
    deep += "\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)";
    for (int i = 0; i < MIME_MAX_DEPTH + 1; ++i)
        deep += " \"MIXED\")";
    EXPECT_EQ(ImapParseBodyStructure(deep.c_str(), nullptr, m.h), IMAP_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_LIMIT_EXCEEDED);

    std::string wide = "(";
    for (int i = 0; i < MIME_MAX_PARTS + 1; ++i)
        wide += "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)";
    wide += " \"MIXED\")";
    EXPECT_EQ(ImapParseBodyStructure(wide.c_str(), nullptr, m.h), IMAP_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_LIMIT_EXCEEDED);

    for (const char *bad : {"", "\"TEXT\"", "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\"",
                            "((\"TEXT\" \"PLAIN\" NIL NIL "
                            "NIL \"7BIT\" 1 1))",
                            "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1) extra",
                            "(\"TEXT\" \"PLAIN\" (\"A\") NIL NIL \"7BIT\" 1 1)",
                            "(\"TEXT\" \"PLAIN\" NIL {99}\r\nx)"}) {
        EXPECT_EQ(ImapParseBodyStructure(bad, nullptr, m.h), IMAP_ERROR) << bad;
        EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << bad;
    }
    EXPECT_EQ(ImapParseBodyStructure("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)",
                                     "(\"date\" \"subject\")", m.h),
              IMAP_ERROR)
        << "an ENVELOPE has ten members";
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
    EXPECT_EQ(ImapParseBodyStructure(nullptr, nullptr, m.h), IMAP_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

} // namespace
