// SmtpSendMimeMessage() against the fixture's Postfix: a composed HMESSAGE sent on an open
// session, the envelope taken from the message, Bcc delivered but never written, PROGRESS
// counting against the size MimeGetMessageSize() gave before sending, non-blocking with one
// COMPLETE event, and a 50 MiB attachment in flat memory. What arrives is read back from the
// Maildir and imported into a message object again: the attachment must be byte-identical.
#include <gtest/gtest.h>

#include <mailwire/mime.h>
#include <mailwire/smtp.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

#include "smtp_test_util.hpp"

namespace
{

using mwtest::CaCreds;
using mwtest::Fx;
using mwtest::Unique;
using mwtest::WaitForMessage;

uint16_t Port(const char *name)
{
    return Fx().Port(name);
}

std::string WriteTemp(const std::string &tag, const std::string &data)
{
    std::string path = "/tmp/mw-sendmime-" + Unique(tag);
    FILE *f = std::fopen(path.c_str(), "wb");
    if (f) {
        std::fwrite(data.data(), 1, data.size(), f);
        std::fclose(f);
    }
    return path;
}

std::string RandomBytes(size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto &c : s)
        c = static_cast<char>(rng());
    return s;
}

int MAILWIRE_CALLBACK Collect(void *user, const void *p, size_t n)
{
    static_cast<std::string *>(user)->append(static_cast<const char *>(p), n);
    return 0;
}

// The decoded content of the first attachment of a stored message, through the parser.
std::string AttachmentOf(const std::string &stored, std::string *filename)
{
    HMESSAGE h = MimeCreateMessage();
    std::string out;
    if (MimeImportMessageData(h, stored.data(), stored.size(), 0) == 0) {
        for (int i = 0; i < MimeGetMessagePartCount(h); ++i) {
            MIMEPARTINFO pi{};
            pi.dwSize = sizeof pi;
            if (MimeGetMessagePartInfo(h, i, &pi) == 0 && (pi.dwFlags & MIME_PART_ATTACHMENT)) {
                *filename = pi.lpszFileName;
                MimeReadMessagePart(h, i, Collect, &out, 0);
                break;
            }
        }
    }
    MimeDeleteMessage(h);
    return out;
}

struct Events {
    HCLIENT h = INVALID_CLIENT;
    int progress = 0, complete = 0;
    uint64_t last = 0, total = 0;
    unsigned complete_error = 0;
    bool monotonic = true;
};

void MAILWIRE_CALLBACK OnEvent(HCLIENT h, unsigned ev, unsigned err, void *user)
{
    auto *e = static_cast<Events *>(user);
    if (ev == SMTP_EVENT_COMPLETE) {
        e->complete++;
        e->complete_error = err;
        return;
    }
    if (ev != SMTP_EVENT_PROGRESS)
        return;
    SMTPTRANSFERSTATUS st{};
    st.dwSize = sizeof st;
    if (SmtpGetTransferStatus(h, &st) != 0)
        return;
    e->progress++;
    e->monotonic &= st.qwBytesCopied >= e->last;
    e->last = st.qwBytesCopied;
    e->total = st.qwBytesTotal;
}

// Runs a non-blocking session until the operation in progress ends; its result.
int Drive(HCLIENT h)
{
    for (;;) {
        MAILWIRE_SOCKET sock;
        unsigned events = 0;
        int timeout = 0;
        if (SmtpGetPollInfo(h, &sock, &events, &timeout) != 0)
            return SMTP_ERROR;
        pollfd p{sock,
                 static_cast<short>(((events & MAILWIRE_POLL_READ) ? POLLIN : 0) |
                                    ((events & MAILWIRE_POLL_WRITE) ? POLLOUT : 0)),
                 0};
        poll(&p, 1, timeout < 0 ? 10000 : timeout);
        int r = SmtpExecute(h);
        if (r != SMTP_IN_PROGRESS)
            return r;
    }
}

long RssKiB()
{
    long pages = 0, rss = 0;
    if (FILE *f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        std::fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(SmtpSendMime, EnvelopeFromTheMessageBccDeliveredNeverWritten)
{
    std::string token = Unique("sendmime");
    std::string bin = RandomBytes(200 * 1024 + 3, 11);
    std::string path = WriteTemp("att", bin);
    HMESSAGE m =
        MimeComposeMessage("Mailwire T\xc3\xabst <alice@localhost>", "bob@localhost", nullptr,
                           ("Gr\xc3\xbc\xc3\x9f"
                            "e " +
                            token)
                               .c_str(),
                           "H\xc3\xa4llo\nzweite Zeile\n", nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE) << MailwireGetLastErrorDetail();
    ASSERT_EQ(MimeSetMessageHeader(m, 0, "Bcc", "Carol <carol@localhost>"), 0);
    ASSERT_GE(MimeAttachFile(m, path.c_str(), "application/octet-stream", 0), 0)
        << MailwireGetLastErrorDetail();
    uint64_t size = 0;
    ASSERT_EQ(MimeGetMessageSize(m, MIME_EXPORT_NOBCC, &size), 0);

    CaCreds ca;
    HCLIENT c = SmtpConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_EXTENDED,
                            "client.mailwire.test", ca.get());
    ASSERT_NE(c, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    Events ev{c};
    ASSERT_EQ(SmtpRegisterEvent(c, SMTP_EVENT_PROGRESS, OnEvent, &ev), 0);
    ASSERT_EQ(SmtpSendMimeMessage(c, m, nullptr, nullptr, 0), 0) << MailwireGetLastErrorDetail();
    // The handle may go while nothing else reads it; the message is the caller's again.
    EXPECT_EQ(MimeSetMessageHeader(m, 0, "X-After", "changed after the send"), 0);
    EXPECT_GT(ev.progress, 0);
    EXPECT_TRUE(ev.monotonic);
    EXPECT_EQ(ev.total, size) << "the size known before sending is what was sent";
    EXPECT_EQ(ev.last, size);
    SmtpDisconnect(c);
    MimeDeleteMessage(m);

    // Delivered to To (bob) and to Bcc (carol); neither copy shows the Bcc field.
    for (const char *user : {"bob", "carol"}) {
        std::string got = WaitForMessage(user, token);
        ASSERT_FALSE(got.empty()) << user;
        EXPECT_EQ(got.find("\nBcc:"), std::string::npos) << user;
        // (carol's own copy names her in the server's Delivered-To and Received fields.)
        EXPECT_EQ(got.find("Carol <carol@localhost>"), std::string::npos) << user;
        std::string name;
        EXPECT_TRUE(AttachmentOf(got, &name) == bin) << user;
        EXPECT_EQ(name, path.substr(path.rfind('/') + 1));
        EXPECT_NE(got.find("Return-Path: <alice@localhost>"), std::string::npos)
            << got.substr(0, 400);
    }
    std::remove(path.c_str());
}

TEST(SmtpSendMime, ExplicitEnvelopeAndRefusals)
{
    std::string token = Unique("sendmime-env");
    HMESSAGE m = MimeComposeMessage("alice@localhost", "bob@localhost", nullptr, token.c_str(),
                                    "body\n", nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    CaCreds ca;
    HCLIENT c = SmtpConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_EXTENDED,
                            "client.mailwire.test", ca.get());
    ASSERT_NE(c, INVALID_CLIENT);
    EXPECT_EQ(SmtpSendMimeMessage(c, nullptr, nullptr, nullptr, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    HMESSAGE empty = MimeCreateMessage();
    EXPECT_EQ(SmtpSendMimeMessage(c, empty, nullptr, nullptr, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT)
        << "no sender or recipient in the message";
    MimeDeleteMessage(empty);
    // Given envelope: delivered to dave only, although the header says bob.
    ASSERT_EQ(SmtpSendMimeMessage(c, m, "me@example.org", "dave@localhost", 0), 0)
        << MailwireGetLastErrorDetail();
    std::string got = WaitForMessage("dave", token);
    EXPECT_NE(got.find("Return-Path: <me@example.org>"), std::string::npos);
    EXPECT_NE(got.find("To: bob@localhost"), std::string::npos);
    SmtpDisconnect(c);
    MimeDeleteMessage(m);
}

TEST(SmtpSendMime, NonBlockingProgressAndOneCompleteEvent)
{
    std::string token = Unique("sendmime-nb");
    std::string bin = RandomBytes(3 * 1024 * 1024, 5);
    HMESSAGE m = MimeComposeMessage("alice@localhost", "erin@example.net", nullptr, token.c_str(),
                                    "see attachment\n", "<p>see</p>", nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    ASSERT_GE(MimeAttachData(m, bin.data(), bin.size(), "data.bin", nullptr, 0), 0);
    ASSERT_EQ(MimeSetMessageHeader(m, 0, "Cc", "dave@localhost"), 0);
    uint64_t size = 0;
    ASSERT_EQ(MimeGetMessageSize(m, MIME_EXPORT_NOBCC, &size), 0);
    CaCreds ca;
    HCLIENT c = SmtpAsyncConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_SECURE, nullptr,
                                 ca.get());
    ASSERT_NE(c, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    ASSERT_EQ(Drive(c), 0) << MailwireGetLastErrorDetail();
    Events ev{c};
    ASSERT_EQ(SmtpRegisterEvent(c, SMTP_EVENT_PROGRESS, OnEvent, &ev), 0);
    ASSERT_EQ(SmtpRegisterEvent(c, SMTP_EVENT_COMPLETE, OnEvent, &ev), 0);
    ASSERT_EQ(SmtpSendMimeMessage(c, m, nullptr, nullptr, 0), SMTP_IN_PROGRESS)
        << MailwireGetLastErrorDetail();
    // Deleting the handle meanwhile is allowed: the send holds its own reference.
    EXPECT_EQ(MimeDeleteMessage(m), 0);
    EXPECT_EQ(Drive(c), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ev.complete, 1);
    EXPECT_EQ(ev.complete_error, 0u);
    EXPECT_GT(ev.progress, 3);
    EXPECT_TRUE(ev.monotonic);
    EXPECT_EQ(ev.total, size);
    EXPECT_EQ(ev.last, size);
    SmtpDisconnect(c);
    std::string got = WaitForMessage("dave", token);
    std::string name;
    EXPECT_TRUE(AttachmentOf(got, &name) == bin);
    EXPECT_EQ(name, "data.bin");
}

struct RssWatch {
    long base = RssKiB(), peak = 0;
};

void MAILWIRE_CALLBACK OnRss(HCLIENT, unsigned ev, unsigned, void *user)
{
    if (ev == SMTP_EVENT_PROGRESS) {
        auto *w = static_cast<RssWatch *>(user);
        w->peak = std::max(w->peak, RssKiB());
    }
}

// A 50 MiB attachment file is read and base64-encoded as the connection takes it: resident
// memory stays flat, and the size (about 68 MiB encoded) is known before the first byte.
TEST(SmtpSendMime, FiftyMebibyteAttachmentInFlatMemory)
{
    std::string path = "/tmp/mw-sendmime-50m-" + Unique("f") + ".bin";
    {
        FILE *f = std::fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::string chunk = RandomBytes(1024 * 1024, 3);
        for (int i = 0; i < 50; ++i)
            std::fwrite(chunk.data(), 1, chunk.size(), f);
        std::fclose(f);
    }
    HMESSAGE m = MimeComposeMessage("alice@localhost", "sink@example.net", nullptr, "fifty",
                                    "fifty MiB attached\n", nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    ASSERT_GE(MimeAttachFile(m, path.c_str(), nullptr, 0), 0);
    uint64_t size = 0;
    ASSERT_EQ(MimeGetMessageSize(m, MIME_EXPORT_NOBCC, &size), 0);
    EXPECT_GT(size, 50u * 1024 * 1024 * 4 / 3);
    CaCreds ca;
    HCLIENT c = SmtpConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_EXTENDED,
                            "client.mailwire.test", ca.get());
    ASSERT_NE(c, INVALID_CLIENT);
    RssWatch w;
    ASSERT_EQ(SmtpRegisterEvent(c, SMTP_EVENT_PROGRESS, OnRss, &w), 0);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(SmtpSendMimeMessage(c, m, nullptr, nullptr, 0), 0) << MailwireGetLastErrorDetail();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ figures ] 50 MiB attachment as a message object: %.0f MiB/s encoded, "
                "resident memory growth %ld KiB\n",
                (double)size / (1024 * 1024) / s, w.peak - w.base);
    EXPECT_LT(w.peak - w.base, 8 * 1024) << "memory must not grow with the attachment";
    SmtpDisconnect(c);
    MimeDeleteMessage(m);
    std::remove(path.c_str());
}

} // namespace
