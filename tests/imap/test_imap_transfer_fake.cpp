// COMPRESS=DEFLATE and BINARY against the scripted fake server: what Dovecot will not do on
// demand. The server side compresses and inflates with zlib itself (raw deflate, as RFC 4978
// section 3 says): a session that stays in step both ways, commands that arrive whole (each
// flushed), a corrupt stream, a decompression bomb, a server that does not offer COMPRESS or
// refuses it; literal8 and BINARY.SIZE in responses, UNKNOWN-CTE, an APPEND of binary content
// without BINARY. A build without zlib (the Windows cross build) checks its refusal instead.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <mailwire/imap.h>

#include "fake_server.hpp"
#include "imap_test_util.hpp"

#ifdef MW_TEST_HAVE_ZLIB
#include <zlib.h>
#endif

namespace
{

using mwtest::Conn;
using mwtest::FakeServer;

// Answer the LOGOUT of ImapDisconnect() (whatever its tag), so the test does not wait out the
// client's timeout.
void AnswerLogout(Conn &c)
{
    auto line = c.ReadLine();
    if (!line)
        return;
    std::string tag = line->substr(0, line->find(' '));
    c.Write("* BYE bye\r\n" + tag + " OK\r\n");
}

HCLIENT Preauth(FakeServer &srv, uint32_t options = 0)
{
    return ImapConnect("127.0.0.1", srv.port(), 3, options, nullptr);
}

std::string Detail()
{
    return MailwireGetLastErrorDetail();
}

#ifdef MW_TEST_HAVE_ZLIB

// The server's half of the compressed stream.
struct ServerZ {
    z_stream def{}, inf{};
    std::string pending; // inflated client bytes not yet taken as lines
    ServerZ()
    {
        deflateInit2(&def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        inflateInit2(&inf, -15);
    }
    ~ServerZ()
    {
        deflateEnd(&def);
        inflateEnd(&inf);
    }
    ServerZ(const ServerZ &) = delete;
    ServerZ &operator=(const ServerZ &) = delete;
    std::string Deflate(const std::string &in)
    {
        std::string out;
        def.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
        def.avail_in = static_cast<uInt>(in.size());
        do {
            char buf[16384];
            def.next_out = reinterpret_cast<Bytef *>(buf);
            def.avail_out = sizeof buf;
            deflate(&def, Z_SYNC_FLUSH);
            out.append(buf, sizeof buf - def.avail_out);
        } while (def.avail_out == 0);
        return out;
    }
    // One command line of the client: read raw bytes one at a time until inflating them
    // gives a whole line. A client that did not flush the command would leave the line
    // incomplete and this would time out.
    std::string Line(Conn &c)
    {
        for (;;) {
            size_t nl = pending.find('\n');
            if (nl != std::string::npos) {
                std::string line = pending.substr(0, nl + 1);
                pending.erase(0, nl + 1);
                return line;
            }
            auto b = c.ReadBytes(1);
            if (!b)
                return "";
            char out[256];
            inf.next_in = reinterpret_cast<Bytef *>(b->data());
            inf.avail_in = 1;
            do {
                inf.next_out = reinterpret_cast<Bytef *>(out);
                inf.avail_out = sizeof out;
                if (inflate(&inf, Z_SYNC_FLUSH) == Z_DATA_ERROR) {
                    c.Fail("the client's compressed stream is corrupt");
                    return "";
                }
                pending.append(out, sizeof out - inf.avail_out);
            } while (inf.avail_out == 0);
        }
    }
};

const char kGreeting[] = "* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE BINARY] hi\r\n";

TEST(ImapCompressFake, BothWaysCompressedAndEachCommandFlushedWhole)
{
    ServerZ z; // before the server: its thread uses z until the server is destroyed
    FakeServer srv;
    std::string lines;
    srv.Send(kGreeting)
        .ExpectLine("A1 COMPRESS DEFLATE")
        .Send("A1 OK DEFLATE active\r\n")
        .Call([&](Conn &c) {
            lines += z.Line(c);
            c.Write(z.Deflate("* 3 EXISTS\r\n"));
            c.Write(z.Deflate("A2 OK NOOP done\r\n"));
            lines += z.Line(c);
            c.Write(z.Deflate("* BYE bye\r\nA3 OK\r\n"));
        })
        .Start();
    HCLIENT h = Preauth(srv, IMAP_OPTION_COMPRESS);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    IMAPCOMPRESSINFO ci{};
    ci.dwSize = sizeof ci;
    ASSERT_EQ(ImapGetCompressionInfo(h, &ci), 0);
    EXPECT_TRUE(ci.bActive);
    EXPECT_EQ(ImapNoop(h), 0) << Detail();
    EXPECT_EQ(ImapDisconnect(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(lines, "A2 NOOP\r\nA3 LOGOUT\r\n");
}

TEST(ImapCompressFake, CompressedBytesInTheSameReadAsTheOkAreInflated)
{
    ServerZ z; // before the server: its thread uses z until the server is destroyed
    FakeServer srv;
    srv.Send(kGreeting)
        .ExpectLine("A1 COMPRESS DEFLATE")
        .Call([&](Conn &c) { c.Write("A1 OK go\r\n" + z.Deflate("* 7 EXISTS\r\n")); })
        .Call([&](Conn &c) {
            z.Line(c);
            c.Write(z.Deflate("A2 OK done\r\n"));
        })
        .Stall()
        .Start();
    HCLIENT h = Preauth(srv);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    ASSERT_EQ(ImapCompress(h), 0) << Detail();
    EXPECT_EQ(ImapNoop(h), 0) << Detail();
    ImapDisconnect(h);
}

TEST(ImapCompressFake, CorruptStreamIsAClearError)
{
    ServerZ z; // before the server: its thread uses z until the server is destroyed
    FakeServer srv;
    srv.Send(kGreeting)
        .ExpectLine("A1 COMPRESS DEFLATE")
        .Send("A1 OK DEFLATE active\r\n")
        .Call([&](Conn &c) {
            z.Line(c);
            // A block of the reserved type 3 (RFC 1951 section 3.2.3).
            c.Write(std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8));
        })
        .Stall()
        .Start();
    HCLIENT h = Preauth(srv, IMAP_OPTION_COMPRESS);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    EXPECT_EQ(ImapNoop(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << Detail();
    EXPECT_NE(Detail().find("corrupt compressed data"), std::string::npos) << Detail();
    ImapDisconnect(h);
}

#ifdef __linux__
long RssKiB()
{
    FILE *f = std::fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (std::fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        std::fclose(f);
    }
    return rss * 4;
}
#endif

TEST(ImapCompressFake, DecompressionBombIsALimitWithFlatMemory)
{
    ServerZ z; // before the server: its thread uses z until the server is destroyed
    FakeServer srv;
    srv.Send(kGreeting)
        .ExpectLine("A1 COMPRESS DEFLATE")
        .Send("A1 OK DEFLATE active\r\n")
        .Call([&](Conn &c) {
            z.Line(c);
            c.Write(z.Deflate("* 1 EXISTS\r\nA2 OK [READ-WRITE] selected\r\n"));
            z.Line(c);
            // A literal of 1 GB announced, zeros at deflate's best ratio (about 1000:1); 64 MiB of
            // them are more than the client takes.
            c.Write(z.Deflate("* 1 FETCH (UID 1 BODY[] {1000000000}\r\n"));
            std::string mib(1 << 20, '\0');
            for (int i = 0; i < 64 && !c.failed(); i++)
                c.Write(z.Deflate(mib));
        })
        .Start();
    HCLIENT h = Preauth(srv, IMAP_OPTION_COMPRESS);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0) << Detail();
#ifdef __linux__
    long rss0 = RssKiB();
#endif
    uint64_t got = 0;
    EXPECT_EQ(ImapFetchMessage(
                  h, 1, 0, "", 0, 0,
                  [](unsigned, uint32_t, const char *p, size_t n, uint64_t, void *u) {
                      if (p)
                          *static_cast<uint64_t *>(u) += n;
                      return 0;
                  },
                  &got),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_LIMIT_EXCEEDED) << Detail();
    EXPECT_NE(Detail().find("decompression bomb"), std::string::npos) << Detail();
    // Stopped at the ratio cap just past its first MiB, not after the gigabyte.
    EXPECT_GT(got, 0u);
    EXPECT_LT(got, 4u << 20) << got;
#ifdef __linux__
    EXPECT_LT(RssKiB() - rss0, 16 * 1024) << "memory grew while inflating";
#endif
    ImapDisconnect(h);
}

TEST(ImapCompressFake, RefusedByTheServerLeavesTheSessionUncompressed)
{
    FakeServer srv;
    srv.Send(kGreeting)
        .ExpectLine("A1 COMPRESS DEFLATE")
        .Send("A1 NO [COMPRESSIONACTIVE] not now\r\n")
        .ExpectLine("A2 NOOP")
        .Send("A2 OK done\r\n")
        .Call(AnswerLogout)
        .Start();
    HCLIENT h = Preauth(srv);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    EXPECT_EQ(ImapCompress(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_NE(Detail().find("COMPRESS refused"), std::string::npos) << Detail();
    EXPECT_EQ(ImapNoop(h), 0) << Detail();
    ImapDisconnect(h);
}

#else // a build without zlib

TEST(ImapCompressFake, BuildWithoutZlibRefusesClearly)
{
    FakeServer srv;
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] hi\r\n").Call(AnswerLogout).Start();
    HCLIENT h = Preauth(srv, IMAP_OPTION_COMPRESS); // the option is ignored
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    EXPECT_EQ(ImapCompress(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_NE(Detail().find("zlib"), std::string::npos) << Detail();
    ImapDisconnect(h);
    srv.WaitDone();
    EXPECT_EQ(srv.received().find("COMPRESS"), std::string::npos);
}

#endif

TEST(ImapCompressFake, NotOfferedIsRefusedAndNothingIsSent)
{
    FakeServer srv;
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n")
        .ExpectLine("A1 NOOP")
        .Send("A1 OK done\r\n")
        .Call(AnswerLogout)
        .Start();
    // With the option the session simply stays uncompressed.
    HCLIENT h = Preauth(srv, IMAP_OPTION_COMPRESS);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    EXPECT_EQ(ImapCompress(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_NE(Detail().find("COMPRESS=DEFLATE"), std::string::npos) << Detail();
    EXPECT_EQ(ImapNoop(h), 0) << Detail();
    ImapDisconnect(h);
    srv.WaitDone();
    EXPECT_EQ(srv.received().find("COMPRESS"), std::string::npos) << srv.received();
}

// ---- BINARY ----------------------------------------------------------------------------------

FakeServer &Selected(FakeServer &srv, const std::string &caps)
{
    return srv.Send("* PREAUTH [CAPABILITY " + caps + "] hi\r\n")
        .ExpectLine("A1 SELECT INBOX")
        .Send("* 1 EXISTS\r\nA1 OK [READ-WRITE] selected\r\n");
}

int MAILWIRE_CALLBACK Append(unsigned, uint32_t, const char *p, size_t n, uint64_t, void *u)
{
    if (p)
        static_cast<std::string *>(u)->append(p, n);
    return 0;
}

TEST(ImapBinaryFake, Literal8WithNulBytesAndBinarySize)
{
    const std::string kBinary("a\0b\r\0\xff", 6); // NUL, a bare CR, 8-bit
    FakeServer srv;
    Selected(srv, "IMAP4rev1 BINARY")
        .ExpectLine("A2 FETCH 1 (UID BINARY.PEEK[2])")
        .Send("* 1 FETCH (UID 9 BINARY[2] ~{6}\r\n" + kBinary + ")\r\nA2 OK\r\n")
        .ExpectLine("A3 FETCH 1 (BINARY.SIZE[2])")
        .Send("* 1 FETCH (BINARY.SIZE[2] 6)\r\nA3 OK\r\n")
        .Call(AnswerLogout)
        .Start();
    HCLIENT h = Preauth(srv);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0) << Detail();
    std::string got;
    ASSERT_EQ(ImapFetchMessage(h, 1, IMAP_FETCH_BINARY, "2", 0, 0, Append, &got), 0) << Detail();
    EXPECT_EQ(got, kBinary);
    uint64_t size = 1;
    ASSERT_EQ(ImapGetPartSize(h, 1, 0, "2", &size), 0) << Detail();
    EXPECT_EQ(size, 6u);
    ImapDisconnect(h);
}

TEST(ImapBinaryFake, UnknownCteIsReported)
{
    FakeServer srv;
    Selected(srv, "IMAP4rev1 BINARY")
        .ExpectLine("A2 FETCH 1 (UID BINARY.PEEK[1])")
        .Send("A2 NO [UNKNOWN-CTE] cannot decode x-uuencode\r\n")
        .Call(AnswerLogout)
        .Start();
    HCLIENT h = Preauth(srv);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0) << Detail();
    std::string got;
    EXPECT_EQ(ImapFetchMessage(h, 1, IMAP_FETCH_BINARY, "1", 0, 0, Append, &got), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_NE(Detail().find("UNKNOWN-CTE"), std::string::npos) << Detail();
    EXPECT_NE(Detail().find("x-uuencode"), std::string::npos) << Detail();
    // The session goes on.
    EXPECT_TRUE(ImapHasCapability(h, "BINARY"));
    ImapDisconnect(h);
}

TEST(ImapBinaryFake, WithoutBinaryNothingBinaryIsSent)
{
    FakeServer srv;
    Selected(srv, "IMAP4rev1").Call(AnswerLogout).Start();
    HCLIENT h = Preauth(srv);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0) << Detail();
    std::string msg("Subject: x\r\n\r\na\0b", 17);
    EXPECT_EQ(
        ImapCreateMessage(h, "INBOX", IMAP_APPEND_BINARY, nullptr, msg.data(), msg.size(), nullptr),
        IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_NE(Detail().find("BINARY"), std::string::npos) << Detail();
    std::string got;
    EXPECT_EQ(ImapFetchMessage(h, 1, IMAP_FETCH_BINARY, "1", 0, 0, Append, &got), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    uint64_t size = 0;
    EXPECT_EQ(ImapGetPartSize(h, 1, 0, "1", &size), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    ImapDisconnect(h);
    srv.WaitDone();
    std::string rx = srv.received();
    EXPECT_EQ(rx.find("APPEND"), std::string::npos) << rx;
    EXPECT_EQ(rx.find("BINARY"), std::string::npos) << rx;
}

TEST(ImapBinaryFake, AppendSendsLiteral8)
{
    FakeServer srv;
    std::string msg("Subject: x\r\n\r\na\0b", 17);
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1 BINARY] hi\r\n")
        .ExpectLine("A1 APPEND INBOX ~{17}")
        .Send("+ go\r\n")
        .ReadBytes(17 + 2)
        .Send("A1 OK [APPENDUID 1 5] done\r\n")
        .Call(AnswerLogout)
        .Start();
    HCLIENT h = Preauth(srv);
    ASSERT_NE(h, INVALID_CLIENT) << Detail();
    uint32_t uid = 0;
    ASSERT_EQ(
        ImapCreateMessage(h, "INBOX", IMAP_APPEND_BINARY, nullptr, msg.data(), msg.size(), &uid), 0)
        << Detail();
    EXPECT_EQ(uid, 5u);
    ImapDisconnect(h);
    srv.WaitDone();
    EXPECT_NE(srv.received().find(msg + "\r\n"), std::string::npos);
}

} // namespace
