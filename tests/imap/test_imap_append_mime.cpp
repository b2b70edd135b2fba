// ImapAppendMimeMessage() against the fixture's Dovecot: a composed HMESSAGE (text, HTML,
// attachments from a file and from memory, a UTF-8 subject and file name, Bcc) appended as
// the connection takes it, fetched back by its APPENDUID and compared byte for byte with the
// same message exported to memory; PROGRESS counts against the literal length known before
// the command; the non-blocking face ends with one COMPLETE event; the header stays 7-bit on
// an IMAP4rev1 server; a 50 MiB attachment appends in flat memory.
#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "common/memory.hpp"
#include "imap_real_util.hpp"

namespace
{

using namespace mwtest::real;

std::string RandomBytes(size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto &c : s)
        c = static_cast<char>(rng());
    return s;
}

std::string TempPath(const std::string &tag)
{
    return std::string(mwt_temp_dir()) + "/" + Unique("mw-append-" + tag);
}

std::string WriteTemp(const std::string &tag, const std::string &data)
{
    std::string path = TempPath(tag);
    FILE *f = std::fopen(path.c_str(), "wb");
    if (f) {
        std::fwrite(data.data(), 1, data.size(), f);
        std::fclose(f);
    }
    return path;
}

std::string Export(HMESSAGE m, uint32_t options)
{
    char *p = nullptr;
    size_t n = 0;
    if (MimeExportMessageToMemory(m, options, &p, &n) != 0)
        return std::string();
    std::string s(p, n);
    MimeFreeMemory(p);
    return s;
}

std::string FetchUid(HCLIENT h, uint32_t uid)
{
    mwtest::Collect c;
    if (ImapFetchMessage(h, uid, IMAP_FETCH_UID, "", 0, 0, mwtest::Collect::Fn, &c) != 0)
        return "(fetch failed: " + std::string(MailwireGetLastErrorDetail()) + ")";
    return c.data;
}

struct Events {
    HCLIENT h = INVALID_CLIENT;
    int progress = 0, complete = 0;
    unsigned complete_error = 0;
    uint64_t last = 0, total = 0;
    bool monotonic = true;
};

void MAILWIRE_CALLBACK OnEvent(HCLIENT h, unsigned ev, unsigned err, void *user)
{
    auto *e = static_cast<Events *>(user);
    if (ev == IMAP_EVENT_COMPLETE) {
        e->complete++;
        e->complete_error = err;
        return;
    }
    if (ev != IMAP_EVENT_PROGRESS)
        return;
    uint64_t done = 0, total = 0;
    if (ImapGetTransferStatus(h, &done, &total) != 0)
        return;
    e->progress++;
    e->monotonic &= done >= e->last;
    e->last = done;
    e->total = total;
}

HMESSAGE Composed(const std::string &token, const std::string &file, const std::string &bin)
{
    HMESSAGE m = MimeComposeMessage("Mailwire T\xc3\xabst <alice@localhost>", "bob@localhost",
                                    "Carol <carol@localhost>", ("Entw\xc3\xbcrfe " + token).c_str(),
                                    "Gr\xc3\xbc\xc3\x9f"
                                    "e,\nzweite Zeile\n",
                                    "<p>Gr&uuml;&szlig;e</p>", nullptr, 0);
    if (m == INVALID_MESSAGE)
        return m;
    MimeSetMessageHeader(m, 0, "Bcc", "Dave <dave@localhost>");
    MimeAttachFile(m, file.c_str(), "application/octet-stream", 0);
    MimeAttachData(m, bin.data(), 5000,
                   "\xc3\xbc"
                   "bersicht.txt",
                   "text/plain", 0);
    return m;
}

TEST(ImapAppendMime, ComposedMessageFetchedBackByteForByte)
{
    HCLIENT h = Session();
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string box = Unique("sent");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    std::string token = Unique("draft");
    std::string bin = RandomBytes(300 * 1024 + 7, 21);
    std::string file = WriteTemp("att", bin);
    HMESSAGE m = Composed(token, file, bin);
    ASSERT_NE(m, INVALID_MESSAGE) << MailwireGetLastErrorDetail();
    ASSERT_EQ(MimeGetMessagePartCount(m), 6) << "mixed(alternative(text, html), file, data)";
    std::string expect = Export(m, 0);
    ASSERT_FALSE(expect.empty());
    uint64_t size = 0;
    ASSERT_EQ(MimeGetMessageSize(m, 0, &size), 0);
    ASSERT_EQ(size, expect.size());

    Events ev{h};
    ASSERT_EQ(ImapRegisterEvent(h, IMAP_EVENT_PROGRESS, OnEvent, &ev), 0);
    uint32_t uid = 0;
    ASSERT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT,
                                    "05-Dec-2026 04:30:00 +0000", 0, &uid),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_NE(uid, 0u) << "APPENDUID";
    EXPECT_GT(ev.progress, 3);
    EXPECT_TRUE(ev.monotonic);
    EXPECT_EQ(ev.total, size) << "the literal length is the planned size";
    EXPECT_EQ(ev.last, size);
    // The message is the caller's again once the append has ended.
    EXPECT_EQ(MimeSetMessageHeader(m, 0, "X-After", "changed after the append"), 0);

    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    std::string got = FetchUid(h, uid);
    EXPECT_EQ(got.size(), expect.size());
    EXPECT_TRUE(got == expect) << "the stored message is the exported one";
    EXPECT_NE(got.find("\r\nBcc: Dave <dave@localhost>\r\n"), std::string::npos)
        << "a copy for Sent keeps Bcc";
    struct Info {
        uint32_t flags = 0;
        std::string date;
    } info;
    ASSERT_EQ(ImapGetMessageInfo(
                  h, std::to_string(uid).c_str(), IMAP_FETCH_UID,
                  [](const IMAPMESSAGE *msg, void *u) {
                      static_cast<Info *>(u)->flags = msg->dwFlags;
                      static_cast<Info *>(u)->date = msg->lpszDate;
                  },
                  &info),
              0);
    EXPECT_EQ(info.flags & ~IMAP_FLAG_RECENT, (uint32_t)(IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT));
    EXPECT_EQ(info.date, "05-Dec-2026 04:30:00 +0000");

    // Parsed back, the attachments are the bytes given.
    HMESSAGE back = MimeCreateMessage();
    ASSERT_EQ(MimeImportMessageData(back, got.data(), got.size(), 0), 0);
    int idx = MimeFindMessagePart(back, "2");
    ASSERT_GE(idx, 0);
    std::string content;
    ASSERT_EQ(MimeReadMessagePart(
                  back, idx,
                  [](void *u, const void *p, size_t n) {
                      static_cast<std::string *>(u)->append(static_cast<const char *>(p), n);
                      return 0;
                  },
                  &content, 0),
              0);
    EXPECT_TRUE(content == bin);
    MimeDeleteMessage(back);

    // Without Bcc on request.
    ASSERT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, 0, nullptr, MIME_EXPORT_NOBCC, &uid), 0);
    got = FetchUid(h, uid);
    EXPECT_EQ(got.find("\r\nBcc:"), std::string::npos);
    EXPECT_TRUE(got == Export(m, MIME_EXPORT_NOBCC));

    ImapCloseMailbox(h);
    ImapDeleteMailbox(h, box.c_str());
    ImapDisconnect(h);
    MimeDeleteMessage(m);
    std::remove(file.c_str());
}

// 8-bit text goes as 8bit when allowed (a literal carries 8-bit octets); raw UTF-8 header
// fields only on an IMAP4rev2 session (Dovecot 2.3 speaks IMAP4rev1: RFC 2047 then).
TEST(ImapAppendMime, EightBitTextAndUtf8HeadersPerTheServer)
{
    HCLIENT h = Session();
    ASSERT_NE(h, INVALID_CLIENT);
    std::string box = Unique("eight");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    HMESSAGE m = MimeComposeMessage("J\xc3\xb6rg <joerg@localhost>", "bob@localhost", nullptr,
                                    "\xc3\x9c"
                                    "berweisung",
                                    "Gr\xc3\xbc\xc3\x9f"
                                    "e\n",
                                    nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    uint32_t uid = 0;
    ASSERT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, 0, nullptr,
                                    MIME_EXPORT_8BIT | MIME_EXPORT_UTF8, &uid),
              0)
        << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    std::string got = FetchUid(h, uid);
    bool rev2 = ImapHasCapability(h, "IMAP4rev2") != 0;
    EXPECT_TRUE(got == Export(m, MIME_EXPORT_8BIT | (rev2 ? MIME_EXPORT_UTF8 : 0u)));
    EXPECT_NE(got.find("Content-Transfer-Encoding: 8bit"), std::string::npos);
    EXPECT_NE(got.find("Gr\xc3\xbc\xc3\x9f"
                       "e"),
              std::string::npos);
    if (!rev2) {
        size_t end = got.find("\r\n\r\n");
        std::string head = got.substr(0, end);
        EXPECT_TRUE(std::all_of(head.begin(), head.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x80;
        })) << head;
        EXPECT_NE(head.find("Subject: =?utf-8?"), std::string::npos) << head;
    }
    // Refusals before anything is sent.
    EXPECT_EQ(ImapAppendMimeMessage(h, box.c_str(), nullptr, 0, nullptr, 0, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, 0, nullptr, 0x100, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    HMESSAGE importing = MimeCreateMessage();
    ASSERT_EQ(MimeImportBegin(importing, 0), 0);
    EXPECT_EQ(ImapAppendMimeMessage(h, box.c_str(), importing, 0, nullptr, 0, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_BUSY) << "an import is in progress";
    MimeDeleteMessage(importing);
    EXPECT_EQ(ImapAppendMimeMessage(h, "", m, 0, nullptr, 0, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    // The refusals released the message: it can be changed again.
    EXPECT_EQ(MimeSetMessageHeader(m, 0, "X-Again", "yes"), 0);
    ImapCloseMailbox(h);
    ImapDeleteMailbox(h, box.c_str());
    ImapDisconnect(h);
    MimeDeleteMessage(m);
}

TEST(ImapAppendMime, NonBlockingProgressAndOneCompleteEvent)
{
    HCLIENT setup = Session();
    ASSERT_NE(setup, INVALID_CLIENT);
    std::string box = Unique("nb");
    ASSERT_EQ(ImapCreateMailbox(setup, box.c_str()), 0) << MailwireGetLastErrorDetail();
    std::string bin = RandomBytes(3 * 1024 * 1024, 8);
    HMESSAGE m = MimeComposeMessage("alice@localhost", "bob@localhost", nullptr, "non-blocking",
                                    "see the attachment\n", nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    ASSERT_GE(MimeAttachData(m, bin.data(), bin.size(), "data.bin", nullptr, 0), 0);
    std::string expect = Export(m, 0);

    Ca ca;
    HCLIENT h = ImapAsyncConnect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, &ca.get());
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(1).c_str(), Pass(1).c_str()),
              MAILWIRE_IN_PROGRESS);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    Events ev{h};
    ASSERT_EQ(ImapRegisterEvent(h, IMAP_EVENT_PROGRESS, OnEvent, &ev), 0);
    ASSERT_EQ(ImapRegisterEvent(h, IMAP_EVENT_COMPLETE, OnEvent, &ev), 0);
    uint32_t uid = 0;
    ASSERT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, 0, nullptr, 0, &uid), MAILWIRE_IN_PROGRESS)
        << MailwireGetLastErrorDetail();
    // The append holds its own reference: the handle may go, changes wait.
    EXPECT_EQ(MimeDeleteMessage(m), 0);
    EXPECT_EQ(Pump(h, std::chrono::seconds(30)), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ev.complete, 1);
    EXPECT_EQ(ev.complete_error, 0u);
    EXPECT_GT(ev.progress, 3);
    EXPECT_TRUE(ev.monotonic);
    EXPECT_EQ(ev.total, expect.size());
    EXPECT_EQ(ev.last, expect.size());
    EXPECT_NE(uid, 0u);
    ImapDisconnect(h);

    ASSERT_EQ(ImapSelectMailbox(setup, box.c_str(), nullptr), 0);
    EXPECT_TRUE(FetchUid(setup, uid) == expect);
    ImapCloseMailbox(setup);
    ImapDeleteMailbox(setup, box.c_str());
    ImapDisconnect(setup);
}

// An attachment callback that fails once the literal is under way: the literal cannot end
// short (RFC 9051 section 4.3), so the session is closed, the call fails with ST_ERROR_FILE
// and the server stores nothing.
TEST(ImapAppendMime, AttachmentFailingMidwayClosesTheSessionAndNothingIsStored)
{
    HCLIENT setup = Session();
    ASSERT_NE(setup, INVALID_CLIENT);
    std::string box = Unique("fail");
    ASSERT_EQ(ImapCreateMailbox(setup, box.c_str()), 0) << MailwireGetLastErrorDetail();
    HMESSAGE m = MimeComposeMessage("alice@localhost", "bob@localhost", nullptr, "fails", "text\n",
                                    nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    auto read = [](void *, uint64_t off, void *buf, size_t n) -> long {
        if (off >= 600 * 1024)
            return -1; // the source breaks after 600 KiB of 2 MiB
        std::memset(buf, 'x', n);
        return static_cast<long>(n);
    };
    ASSERT_GE(MimeAttachStream(m, read, nullptr, 2u * 1024 * 1024, "broken.bin", nullptr, 0), 0);
    HCLIENT h = Session();
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, 0, nullptr, 0, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_FILE) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapNoop(h), IMAP_ERROR) << "the session is closed";
    ImapDisconnect(h);
    // The message is the caller's again, and the mailbox is empty.
    EXPECT_EQ(MimeSetMessageHeader(m, 0, "X-After", "yes"), 0);
    IMAPMAILBOX mb{};
    ASSERT_EQ(ImapSelectMailbox(setup, box.c_str(), &mb), 0);
    EXPECT_EQ(mb.nMessages, 0u);
    ImapCloseMailbox(setup);
    ImapDeleteMailbox(setup, box.c_str());
    ImapDisconnect(setup);
    MimeDeleteMessage(m);
}

// A 50 MiB attachment file is read and base64-encoded as the connection takes it: the peak
// resident memory of the process grows by less than 8 MiB, and the literal length (about
// 68 MiB) is announced before the first byte.
TEST(ImapAppendMime, FiftyMebibyteAttachmentInFlatMemory)
{
    std::string path = TempPath("50m") + ".bin";
    {
        FILE *f = std::fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::string chunk = RandomBytes(1024 * 1024, 4);
        for (int i = 0; i < 50; ++i)
            std::fwrite(chunk.data(), 1, chunk.size(), f);
        std::fclose(f);
    }
    HMESSAGE m = MimeComposeMessage("alice@localhost", "bob@localhost", nullptr, "fifty",
                                    "fifty MiB attached\n", nullptr, nullptr, 0);
    ASSERT_NE(m, INVALID_MESSAGE);
    ASSERT_GE(MimeAttachFile(m, path.c_str(), nullptr, 0), 0);
    uint64_t size = 0;
    ASSERT_EQ(MimeGetMessageSize(m, 0, &size), 0);
    EXPECT_GT(size, 50u * 1024 * 1024 * 4 / 3);
    HCLIENT h = Session();
    ASSERT_NE(h, INVALID_CLIENT);
    std::string box = Unique("big-mime");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    Events ev{h};
    ASSERT_EQ(ImapRegisterEvent(h, IMAP_EVENT_PROGRESS, OnEvent, &ev), 0);
    long before = mwtest::PeakRssKiB();
    auto t0 = std::chrono::steady_clock::now();
    uint32_t uid = 0;
    ASSERT_EQ(ImapAppendMimeMessage(h, box.c_str(), m, 0, nullptr, 0, &uid), 0)
        << MailwireGetLastErrorDetail();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    long after = mwtest::PeakRssKiB();
    std::printf("[ measure ] 50 MiB attachment appended as a message object: %llu octets, "
                "%.0f MiB/s, VmHWM before %ld KiB, after %ld KiB, growth %ld KiB\n",
                (unsigned long long)size, (double)size / (1024 * 1024) / s, before, after,
                after - before);
    EXPECT_EQ(ev.total, size);
    EXPECT_EQ(ev.last, size);
#ifndef __SANITIZE_ADDRESS__
    EXPECT_LT(after - before, 8 * 1024) << "memory must not grow with the attachment";
#else
    std::printf("[ measure ] AddressSanitizer build: peak memory bound not asserted\n");
#endif
    // The server stored that many octets.
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    struct Size {
        uint64_t n = 0;
    } stored;
    ASSERT_EQ(ImapGetMessageInfo(
                  h, std::to_string(uid).c_str(), IMAP_FETCH_UID,
                  [](const IMAPMESSAGE *msg, void *u) { static_cast<Size *>(u)->n = msg->nSize; },
                  &stored),
              0);
    EXPECT_EQ(stored.n, size);
    ImapCloseMailbox(h);
    ImapDeleteMailbox(h, box.c_str());
    ImapDisconnect(h);
    MimeDeleteMessage(m);
    std::remove(path.c_str());
}

} // namespace
