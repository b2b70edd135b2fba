// CMailMessage as the C++ face of HMESSAGE, through the classes alone: RAII and move-only,
// the builder calls composing at once (a failure kept as the compose error), parsing, the
// parts as a range with their decoded content; CSmtpClient::SendMessage() of a message with
// PROGRESS events, blocking and non-blocking; CImapClient::AppendMessage() and
// GetMessage()/GetMailMessage() parsing what Dovecot returns.
// First: on Windows it includes <windows.h>, whose SendMessage and GetMessage macros must
// rename the classes' methods and the calls alike.
#include "common/portable.h"

#include <mailwire/ImapClient.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/SmtpClient.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "smtp/smtp_test_util.hpp"

namespace
{

using mailwire::CMailMessage;
using mailwire::CMailPart;
using mwtest::Fixture;

static_assert(!std::is_copy_constructible_v<CMailMessage>, "move-only");
static_assert(!std::is_copy_assignable_v<CMailMessage>, "move-only");
static_assert(std::is_nothrow_move_constructible_v<CMailMessage>, "movable");
static_assert(std::is_nothrow_move_assignable_v<CMailMessage>, "movable");

std::string Env(const std::string &key)
{
    return Fixture::Get().Value(key);
}

unsigned Port(const std::string &key)
{
    return Fixture::Get().Port(key);
}

mailwire::CSecurityCredentials Ca()
{
    mailwire::CSecurityCredentials ca;
    EXPECT_TRUE(ca.Create(0, nullptr, nullptr, nullptr, Env("MW_CA_FILE").c_str()));
    return ca;
}

std::string Bytes(size_t n)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i * 7919 + 13) & 0xff);
    return s;
}

std::string TempFile(const std::string &name, const std::string &ext, const std::string &data)
{
    std::string path = ::testing::TempDir() + mwtest::Unique(name) + ext;
    std::ofstream(path, std::ios::binary) << data;
    return path;
}

// A message with text, HTML, a file attachment and one from memory, through the builder.
CMailMessage Compose(const std::string &token, const std::string &file, const std::string &data)
{
    CMailMessage m;
    m.SetFrom("J\xc3\xb6rg <joerg@localhost>")
        .AddTo("bob@localhost")
        .AddTo("Carol <carol@localhost>, dave@localhost")
        .AddCc("erin@example.net")
        .SetSubject("Gr\xc3\xbc\xc3\x9f"
                    "e " +
                    token)
        .SetText("Hallo,\nanbei die Datei.\n")
        .SetHtml("<p>Hallo</p>")
        .AddAttachment(file);
    m.AttachData(data,
                 "\xc3\xbc"
                 "bersicht.bin",
                 "application/octet-stream");
    EXPECT_TRUE(m.AddHeader("X-Token", token));
    return m;
}

TEST(CppMailMessage, ComposeParseAndThePartsAsARange)
{
    std::string token = mwtest::Unique("cppmsg");
    std::string fileData = Bytes(40000), memData = Bytes(777);
    std::string file = TempFile("report", ".pdf", fileData);
    CMailMessage m = Compose(token, file, memData);
    ASSERT_EQ(m.GetComposeError(), 0u) << m.GetComposeErrorDetail();
    EXPECT_FALSE(m.AddHeader("X-Evil", "a\r\nBcc: everyone@example.org"));
    EXPECT_EQ(m.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);

    // Moved: the handle goes along, the source is empty.
    HMESSAGE h = m.GetHandle();
    CMailMessage moved(std::move(m));
    EXPECT_EQ(moved.GetHandle(), h);
    EXPECT_FALSE(m.IsValid());
    m = std::move(moved);
    EXPECT_EQ(m.GetHandle(), h);

    std::string bytes = m.ToBytes();
    ASSERT_FALSE(bytes.empty()) << m.GetLastErrorDetail();
    EXPECT_EQ(m.GetSize(), bytes.size());
    EXPECT_NE(bytes.find("Subject: =?utf-8?"), std::string::npos) << "RFC 2047 in the header";

    CMailMessage r = CMailMessage::FromBytes(bytes);
    ASSERT_EQ(r.GetLastError(), 0u) << r.GetLastErrorDetail();
    EXPECT_EQ(r.GetSubject(), "Gr\xc3\xbc\xc3\x9f"
                              "e " +
                                  token);
    EXPECT_EQ(r.GetHeader("X-Token"), token);
    auto to = r.GetAddresses("To");
    ASSERT_EQ(to.size(), 3u);
    EXPECT_EQ(to[1].name, "Carol");
    EXPECT_EQ(to[1].address, "carol@localhost");
    auto from = r.GetAddresses("From");
    ASSERT_EQ(from.size(), 1u);
    EXPECT_EQ(from[0].name, "J\xc3\xb6rg");
    EXPECT_EQ(r.GetText(), "Hallo,\r\nanbei die Datei.\r\n");
    int64_t when = 0;
    int offset = 0;
    EXPECT_TRUE(r.GetDate(when, offset)) << "a Date was added when written";
    bool sawToken = false;
    for (const mailwire::MailHeader &f : r.GetHeaders())
        sawToken |= f.name == "X-Token" && f.value == token;
    EXPECT_TRUE(sawToken);

    // mixed(alternative(plain, html), pdf, bin), depth-first.
    std::vector<std::string> types;
    for (CMailPart p : r.Parts())
        types.push_back(p.ContentType());
    EXPECT_EQ(types, (std::vector<std::string>{"multipart/mixed", "multipart/alternative",
                                               "text/plain", "text/html", "application/pdf",
                                               "application/octet-stream"}));
    EXPECT_EQ(r.Parts().size(), 6u);
    auto att = r.Attachments();
    ASSERT_EQ(att.size(), 2u);
    // The file name alone, whichever separator the temporary directory uses (Windows: \).
    EXPECT_EQ(att[0].FileName(), file.substr(file.find_last_of("/\\") + 1));
    EXPECT_EQ(att[0].Disposition(), "attachment");
    EXPECT_EQ(att[0].Encoding(), "base64");
    EXPECT_EQ(att[0].Section(), "2");
    EXPECT_TRUE(att[0].Content() == fileData);
    EXPECT_EQ(att[1].FileName(), "\xc3\xbc"
                                 "bersicht.bin");
    EXPECT_EQ(att[1].Section(), "3");
    std::ostringstream os;
    EXPECT_TRUE(att[1].Read(os));
    EXPECT_TRUE(os.str() == memData);
    std::string saved = ::testing::TempDir() + mwtest::Unique("saved");
    EXPECT_TRUE(att[1].SaveAs(saved));
    EXPECT_TRUE(mwtest::ReadFile(saved) == memData);
    std::remove(saved.c_str());
    EXPECT_EQ(r.FindPart("1.2"), 3);
    EXPECT_EQ(r.Part(3).ContentType(), "text/html");
    EXPECT_EQ(r.Part(2).CharSet(), "utf-8");
    // A callable that stops: the read fails.
    EXPECT_FALSE(att[0].Read([](std::string_view) { return false; }));

    // From a file; the same tree.
    std::string eml = TempFile("msg", ".eml", bytes);
    CMailMessage f = CMailMessage::FromFile(eml);
    EXPECT_EQ(f.GetPartCount(), 6);
    EXPECT_TRUE(f.ToBytes() == bytes) << "an unchanged parsed message is written back as read";
    std::remove(eml.c_str());
    std::remove(file.c_str());

    // A failing chained call is the compose error; Clear() starts afresh.
    CMailMessage bad;
    bad.SetFrom("me@example.org").AddAttachment("/nonexistent/a.pdf").SetSubject("x");
    EXPECT_EQ(bad.GetComposeError(), (unsigned)ST_ERROR_FILE);
    EXPECT_NE(bad.GetComposeErrorDetail().find("a.pdf"), std::string::npos)
        << bad.GetComposeErrorDetail();
    bad.Clear();
    EXPECT_EQ(bad.GetComposeError(), 0u);
    EXPECT_EQ(bad.GetPartCount(), 1);
    bad.SetFrom("not an address <");
    EXPECT_EQ(bad.GetComposeError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    CMailMessage broken = CMailMessage::FromFile("/nonexistent/file.eml");
    EXPECT_EQ(broken.GetLastError(), (unsigned)ST_ERROR_FILE);
}

// Runs a non-blocking client until its operation ends: Execute()'s last result.
template <class Client> int Drive(Client &c, std::chrono::seconds limit = std::chrono::seconds(30))
{
    auto until = std::chrono::steady_clock::now() + limit;
    int rc = MAILWIRE_IN_PROGRESS;
    while (rc == MAILWIRE_IN_PROGRESS && std::chrono::steady_clock::now() < until) {
        mailwire::PollInfo p = c.GetPollInfo();
        mwt_wait_socket(static_cast<mwt_socket>(p.socket), p.events,
                        p.timeout < 0 || p.timeout > 100 ? 100 : p.timeout);
        rc = c.Execute();
    }
    return rc;
}

TEST(CppMailMessage, SendMessageWithProgressBlockingAndNonBlocking)
{
    std::string token = mwtest::Unique("cppsendmsg");
    std::string data = Bytes(600000);
    CMailMessage m;
    m.SetFrom("alice@localhost")
        .AddTo("carol@localhost")
        .AddBcc("dave@localhost")
        .SetSubject(token)
        .SetText("see attached\n");
    ASSERT_GE(m.AttachData(data, "data.bin"), 0);
    uint64_t size = m.GetSize(MIME_EXPORT_NOBCC);

    CSmtpClient c;
    ASSERT_TRUE(c.Connect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED))
        << c.GetLastErrorDetail();
    int progress = 0;
    uint64_t last = 0, total = 0;
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_PROGRESS, [&](CSmtpClient &cl) {
        SMTPTRANSFERSTATUS st{};
        st.dwSize = sizeof st;
        if (cl.GetTransferStatus(st)) {
            ++progress;
            last = st.qwBytesCopied;
            total = st.qwBytesTotal;
        }
    }));
    ASSERT_TRUE(c.SendMessage(m)) << c.GetLastErrorDetail();
    EXPECT_GT(progress, 2);
    EXPECT_EQ(total, size);
    EXPECT_EQ(last, size);
    for (const char *user : {"carol", "dave"}) {
        std::string got = mwtest::WaitForMessage(user, token);
        ASSERT_FALSE(got.empty()) << user;
        EXPECT_EQ(got.find("\nBcc:"), std::string::npos);
        CMailMessage back = CMailMessage::FromBytes(got);
        auto att = back.Attachments();
        ASSERT_EQ(att.size(), 1u);
        EXPECT_TRUE(att[0].Content() == data);
    }
    // A compose error is reported and nothing is sent.
    CMailMessage bad;
    bad.SetFrom("alice@localhost").AddTo("carol@localhost").AddAttachment("/nonexistent/x");
    EXPECT_FALSE(c.SendMessage(bad));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_FILE);
    EXPECT_EQ(c.Command("NOOP"), 250);
    c.Disconnect();

    // Non-blocking: the message may go out of scope once the send has started.
    std::string token2 = mwtest::Unique("cppsendmsg-nb");
    CSmtpClient nb;
    ASSERT_TRUE(nb.AsyncConnect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED));
    ASSERT_EQ(Drive(nb), 0) << nb.GetLastErrorDetail();
    int nbProgress = 0, completes = 0;
    unsigned completeError = 99;
    ASSERT_TRUE(nb.RegisterEvent(SMTP_EVENT_PROGRESS, [&] { ++nbProgress; }));
    ASSERT_TRUE(nb.OnComplete([&](unsigned err) {
        ++completes;
        completeError = err;
    }));
    {
        CMailMessage t;
        t.SetFrom("alice@localhost").AddTo("carol@localhost").SetSubject(token2).SetText("nb\n");
        t.AttachData(data, "nb.bin");
        ASSERT_TRUE(nb.SendMessage(t)) << nb.GetLastErrorDetail();
        EXPECT_TRUE(nb.IsInProgress());
    }
    EXPECT_EQ(Drive(nb), 0) << nb.GetLastErrorDetail();
    EXPECT_EQ(completes, 1);
    EXPECT_EQ(completeError, 0u);
    EXPECT_GT(nbProgress, 2);
    CMailMessage back = CMailMessage::FromBytes(mwtest::WaitForMessage("carol", token2));
    ASSERT_EQ(back.Attachments().size(), 1u);
    EXPECT_TRUE(back.Attachments()[0].Content() == data);
}

TEST(CppMailMessage, AppendToSentAndGetMessageParsed)
{
    mailwire::CSecurityCredentials ca = Ca();
    CImapClient c;
    ASSERT_TRUE(c.Connect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()))
        << c.GetLastErrorDetail();
    ASSERT_TRUE(c.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
    std::string box = mwtest::Unique("cpp-sent");
    ASSERT_TRUE(c.CreateMailbox(box.c_str()));

    std::string token = mwtest::Unique("cppappend");
    std::string data = Bytes(250000);
    std::string file = TempFile("notes", ".txt", "some notes\r\n");
    CMailMessage m = Compose(token, file, data);
    m.AddBcc("Hidden <hidden@localhost>");
    int progress = 0;
    ASSERT_TRUE(c.RegisterEvent(IMAP_EVENT_PROGRESS, [&] { ++progress; }));
    uint32_t uid = 0;
    ASSERT_TRUE(c.AppendMessage(box.c_str(), m, IMAP_FLAG_SEEN, nullptr, 0, &uid))
        << c.GetLastErrorDetail();
    EXPECT_GT(progress, 2);
    EXPECT_NE(uid, 0u);
    ASSERT_TRUE(c.SelectMailbox(box.c_str()));

    CMailMessage got;
    ASSERT_TRUE(c.GetMessage(uid, got, IMAP_FETCH_UID)) << c.GetLastErrorDetail();
    EXPECT_TRUE(got.ToBytes() == m.ToBytes()) << "stored as exported";
    EXPECT_EQ(got.GetHeader("X-Token"), token);
    ASSERT_EQ(got.GetAddresses("Bcc").size(), 1u) << "the Sent copy keeps Bcc";
    EXPECT_EQ(got.GetAddresses("Bcc")[0].name, "Hidden");
    auto att = got.Attachments();
    ASSERT_EQ(att.size(), 2u);
    EXPECT_EQ(att[0].Content(), "some notes\r\n");
    EXPECT_TRUE(att[1].Content() == data);

    CMailMessage byValue = c.GetMailMessage(uid, IMAP_FETCH_UID);
    EXPECT_EQ(byValue.GetSubject(), m.GetSubject());
    CMailMessage missing = c.GetMailMessage(uid + 100, IMAP_FETCH_UID);
    EXPECT_FALSE(missing.IsValid() && missing.GetPartCount() > 1);
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);

    // The structure alone, then one part by its section, decoded.
    CMailMessage structure;
    ASSERT_TRUE(c.GetMessageStructure(uid, structure, IMAP_FETCH_UID)) << c.GetLastErrorDetail();
    EXPECT_EQ(structure.GetHeader("Subject"), m.GetSubject());
    EXPECT_EQ(structure.GetAddresses("Bcc").size(), 1u);
    auto parts = structure.Attachments();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[1].FileName(), "\xc3\xbc"
                                   "bersicht.bin");
    EXPECT_TRUE(parts[1].Content().empty()) << "no body was fetched";
    EXPECT_TRUE(c.GetMessagePart(uid, parts[1].Section().c_str(), IMAP_FETCH_UID) == data);
    std::string saved = ::testing::TempDir() + mwtest::Unique("part");
    ASSERT_TRUE(c.SaveMessagePart(uid, parts[0].Section().c_str(), saved.c_str(), IMAP_FETCH_UID))
        << c.GetLastErrorDetail();
    EXPECT_EQ(mwtest::ReadFile(saved), "some notes\r\n");
    std::remove(saved.c_str());
    EXPECT_TRUE(c.GetMessagePart(uid, "9", IMAP_FETCH_UID).empty());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NOT_FOUND);

    // The raw form keeps its name and meaning.
    std::string raw = c.GetMessage(uid, 0, IMAP_FETCH_UID);
    EXPECT_TRUE(raw == m.ToBytes());

    c.CloseMailbox();
    c.DeleteMailbox(box.c_str());
    std::remove(file.c_str());
}

} // namespace
