// COMPRESS=DEFLATE (RFC 4978) and BINARY (RFC 3516) against the fixture's Dovecot (imap_zlib
// plugin; BINARY is built in). A mailbox of corpus messages is fetched without and with
// compression: the bytes are identical and the counted wire bytes shrink; compression over
// implicit TLS and on a non-blocking session; BINARY fetches of base64 and quoted-printable
// parts equal the client's own decoding; a message with NUL bytes goes up as a literal8 and
// comes back byte for byte.
#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "imap_real_util.hpp"

namespace
{

using namespace mwtest::real;

std::string Read(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

using Fetched = std::map<uint32_t, std::string>;

int MAILWIRE_CALLBACK Collect(unsigned, uint32_t uid, const char *p, size_t n, uint64_t, void *u)
{
    auto *m = static_cast<Fetched *>(u);
    if (p)
        (*m)[uid].append(p, n);
    else
        (*m)[uid]; // the start of a body: an empty message is one too
    return 0;
}

int MAILWIRE_CALLBACK Append(unsigned, uint32_t, const char *p, size_t n, uint64_t, void *u)
{
    if (p)
        static_cast<std::string *>(u)->append(p, n);
    return 0;
}

// A mailbox of user 3 filled once per process with the first 120 corpus messages (the
// structure test's corpus; about 95 KB of mail).
const std::string &CorpusBox()
{
    static std::string box;
    if (!box.empty())
        return box;
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const auto &e : fs::directory_iterator(MW_MIME_CORPUS))
        if (e.path().extension() == ".eml")
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    files.resize(std::min<size_t>(files.size(), 120));
    HCLIENT h = Session(3);
    if (h == INVALID_CLIENT)
        return box;
    std::string name = Unique("compress");
    bool ok = ImapCreateMailbox(h, name.c_str()) == 0;
    for (size_t i = 0; ok && i < files.size(); ++i) {
        std::string data = Read(files[i]);
        ok = ImapCreateMessage(h, name.c_str(), 0, nullptr, data.data(), data.size(), nullptr) == 0;
    }
    ImapDisconnect(h);
    if (ok)
        box = name;
    return box;
}

Fetched FetchAll(HCLIENT h, const std::string &box)
{
    Fetched got;
    EXPECT_EQ(ImapExamineMailbox(h, box.c_str(), nullptr), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapFetchMessages(h, 1, 0, 0, Collect, &got), 0) << MailwireGetLastErrorDetail();
    return got;
}

size_t Total(const Fetched &f)
{
    size_t n = 0;
    for (const auto &kv : f)
        n += kv.second.size();
    return n;
}

IMAPCOMPRESSINFO Info(HCLIENT h)
{
    IMAPCOMPRESSINFO ci{};
    ci.dwSize = sizeof ci;
    EXPECT_EQ(ImapGetCompressionInfo(h, &ci), 0);
    return ci;
}

TEST(ImapCompressReal, FullFetchIsByteIdenticalAndTheWireShrinks)
{
#ifndef MW_TEST_HAVE_ZLIB
    GTEST_SKIP() << "this build has no zlib: COMPRESS is NOT_SUPPORTED here "
                    "(ImapCompressFake.BuildWithoutZlibRefusesClearly)";
#endif
    const std::string &box = CorpusBox();
    ASSERT_FALSE(box.empty()) << MailwireGetLastErrorDetail();
    HCLIENT plain = Session(3);
    ASSERT_NE(plain, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(ImapHasCapability(plain, "COMPRESS=DEFLATE"));
    EXPECT_FALSE(Info(plain).bActive);
    Fetched before = FetchAll(plain, box);
    ImapDisconnect(plain);
    ASSERT_EQ(before.size(), 120u);

    // IMAP_OPTION_COMPRESS: COMPRESS DEFLATE right after the login.
    HCLIENT h = ConnectTls(IMAP_OPTION_COMPRESS);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    mwtest::Trace tr;
    tr.Attach(h);
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(3).c_str(), Pass(3).c_str()), 0)
        << MailwireGetLastErrorDetail();
    IMAPCOMPRESSINFO start = Info(h);
    EXPECT_TRUE(start.bActive);
    Fetched after = FetchAll(h, box);
    IMAPCOMPRESSINFO ci = Info(h);
    EXPECT_EQ(after, before);
    size_t total = Total(after);
    EXPECT_GT(total, 80000u);
    // What the protocol carried covers every message; the wire carried far less of it.
    EXPECT_GT(ci.nDataIn - start.nDataIn, total);
    EXPECT_LT(ci.nWireIn - start.nWireIn, (ci.nDataIn - start.nDataIn) * 6 / 10)
        << "wire " << ci.nWireIn << " data " << ci.nDataIn;
    // Commands are short: each is flushed whole (Z_SYNC_FLUSH), which costs a few bytes.
    EXPECT_GT(ci.nWireOut, 0u);
    EXPECT_GT(ci.nDataOut, 0u);
    std::printf("COMPRESS: %zu message bytes; received %llu on the wire for %llu (%.1f%%), sent "
                "%llu for %llu\n",
                total, (unsigned long long)ci.nWireIn, (unsigned long long)ci.nDataIn,
                100.0 * (double)ci.nWireIn / (double)ci.nDataIn, (unsigned long long)ci.nWireOut,
                (unsigned long long)ci.nDataOut);
    // The session goes on as before: a command after the fetch, a second COMPRESS refused.
    EXPECT_EQ(ImapNoop(h), 0);
    EXPECT_EQ(ImapCompress(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_STATE);
    EXPECT_NE(tr.Sent().find("COMPRESS DEFLATE\r\n"), std::string::npos);
    EXPECT_EQ(ImapDisconnect(h), 0);
}

TEST(ImapCompressReal, OverImplicitTlsWithTheExplicitCall)
{
#ifndef MW_TEST_HAVE_ZLIB
    GTEST_SKIP() << "this build has no zlib: COMPRESS is NOT_SUPPORTED here "
                    "(ImapCompressFake.BuildWithoutZlibRefusesClearly)";
#endif
    const std::string &box = CorpusBox();
    ASSERT_FALSE(box.empty());
    Ca ca;
    HCLIENT h =
        ImapConnect(Host().c_str(), ImapsPort(), 10, IMAP_OPTION_SECURE_IMPLICIT, &ca.get());
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(3).c_str(), Pass(3).c_str()), 0);
    EXPECT_FALSE(Info(h).bActive);
    ASSERT_EQ(ImapCompress(h), 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(Info(h).bActive);
    // TLS is still what SECURITYINFO describes under the compression layer.
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    ASSERT_EQ(ImapGetSecurityInfo(h, &si), 0);
    EXPECT_NE(std::string(si.szProtocol), "");
    EXPECT_TRUE(si.bVerified);
    Fetched got = FetchAll(h, box);
    EXPECT_EQ(got.size(), 120u);
    IMAPCOMPRESSINFO ci = Info(h);
    EXPECT_LT(ci.nWireIn, ci.nDataIn * 6 / 10);

    HCLIENT ref = Session(3);
    ASSERT_NE(ref, INVALID_CLIENT);
    EXPECT_EQ(got, FetchAll(ref, box));
    ImapDisconnect(ref);
    EXPECT_EQ(ImapDisconnect(h), 0);
}

TEST(ImapCompressReal, NonBlockingFetchNeitherHangsNorSpins)
{
#ifndef MW_TEST_HAVE_ZLIB
    GTEST_SKIP() << "this build has no zlib: COMPRESS is NOT_SUPPORTED here "
                    "(ImapCompressFake.BuildWithoutZlibRefusesClearly)";
#endif
    const std::string &box = CorpusBox();
    ASSERT_FALSE(box.empty());
    Ca ca;
    HCLIENT h = ImapAsyncConnect(Host().c_str(), ImapPort(), 10,
                                 IMAP_OPTION_SECURE | IMAP_OPTION_COMPRESS, &ca.get());
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(3).c_str(), Pass(3).c_str()),
              MAILWIRE_IN_PROGRESS);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(Info(h).bActive);
    ASSERT_EQ(ImapExamineMailbox(h, box.c_str(), nullptr), MAILWIRE_IN_PROGRESS);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0);

    Fetched got;
    ASSERT_EQ(ImapFetchMessages(h, 1, 0, 0, Collect, &got), MAILWIRE_IN_PROGRESS);
    // Waits as long as the library says (no cap that would hide a hang), and counts the
    // calls that found nothing to do: a poll direction that is wrong while inflate holds
    // output would either hang here or spin on empty calls.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int rc = MAILWIRE_IN_PROGRESS, calls = 0, idle_calls = 0;
    while (rc == MAILWIRE_IN_PROGRESS && std::chrono::steady_clock::now() < deadline) {
        MAILWIRE_SOCKET sock;
        unsigned want;
        int t;
        ASSERT_EQ(ImapGetPollInfo(h, &sock, &want, &t), 0);
        if (t != 0) {
            ASSERT_NE(want, 0u) << "a wait with a deadline but nothing to wait for";
        }
        if (t != 0)
            mwt_wait_socket(sock, want, t < 0 ? 5000 : t);
        size_t before = Total(got);
        rc = ImapExecute(h);
        calls++;
        idle_calls += Total(got) == before && t == 0;
    }
    ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(got.size(), 120u);
    EXPECT_LT(idle_calls, 50) << calls << " calls";
    HCLIENT ref = Session(3);
    ASSERT_NE(ref, INVALID_CLIENT);
    EXPECT_EQ(got, FetchAll(ref, box));
    ImapDisconnect(ref);
    ImapDisconnect(h);
}

// ---- BINARY ----------------------------------------------------------------------------------

std::string BinaryBytes()
{
    std::string b;
    for (int i = 0; i < 3000; i++)
        b.push_back(static_cast<char>((i * 7 + i / 256) & 0xff));
    return b;
}

std::string Base64(const std::string &in)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t line = 0;
    for (size_t i = 0; i < in.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size())
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (i + 2 < in.size())
            v |= static_cast<unsigned char>(in[i + 2]);
        out += a[(v >> 18) & 63];
        out += a[(v >> 12) & 63];
        out += i + 1 < in.size() ? a[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? a[v & 63] : '=';
        if ((line += 4) == 76) {
            out += "\r\n";
            line = 0;
        }
    }
    return out + "\r\n";
}

// A message with a quoted-printable text part (8-bit text, a soft line break) and a base64
// attachment of every byte value, written out by hand so the encodings are the ones tested.
std::string TwoPartMessage(const std::string &attachment)
{
    return "From: alice@localhost\r\nSubject: binary parts\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
           "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           "Gr=C3=BC=C3=9Fe =3D caf=C3=A9, a long line that the encoder broke in two with=\r\n"
           " a soft line break.\r\nTabs\t=09and trailing space=20\r\n"
           "--b1\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\n"
           "Content-Disposition: attachment; filename=\"blob.bin\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" +
           Base64(attachment) + "--b1--\r\n";
}

int MAILWIRE_CALLBACK Write(void *u, const void *p, size_t n)
{
    static_cast<std::string *>(u)->append(static_cast<const char *>(p), n);
    return 0;
}

TEST(ImapBinaryReal, BinaryFetchEqualsTheClientDecode)
{
    HCLIENT h = Session(3);
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_TRUE(ImapHasCapability(h, "BINARY"));
    std::string box = Unique("binary");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    std::string att = BinaryBytes(), msg = TwoPartMessage(att);
    ASSERT_NE(msg.find("quoted-printable"), std::string::npos) << msg.substr(0, 2000);
    ASSERT_NE(msg.find("base64"), std::string::npos);
    uint32_t uid = 0;
    ASSERT_EQ(ImapCreateMessage(h, box.c_str(), 0, nullptr, msg.data(), msg.size(), &uid), 0);
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    ASSERT_NE(uid, 0u);
    mwtest::Trace tr;
    tr.Attach(h);
    for (const char *sec : {"1", "2"}) {
        std::string server, client, encoded;
        ASSERT_EQ(ImapFetchMessage(h, uid, IMAP_FETCH_UID | IMAP_FETCH_BINARY, sec, 0, 0, Append,
                                   &server),
                  0)
            << sec << ": " << MailwireGetLastErrorDetail();
        ASSERT_EQ(ImapFetchMessagePart(h, uid, IMAP_FETCH_UID, sec, Write, &client), 0)
            << MailwireGetLastErrorDetail();
        ASSERT_EQ(ImapFetchMessage(h, uid, IMAP_FETCH_UID, sec, 0, 0, Append, &encoded), 0);
        EXPECT_EQ(server, client) << sec;
        // ImapFetchMessagePart() itself lets the server decode when asked to.
        std::string via_part;
        tr.Clear();
        ASSERT_EQ(
            ImapFetchMessagePart(h, uid, IMAP_FETCH_UID | IMAP_FETCH_BINARY, sec, Write, &via_part),
            0)
            << MailwireGetLastErrorDetail();
        EXPECT_EQ(via_part, client) << sec;
        EXPECT_NE(tr.Sent().find(std::string("BINARY.PEEK[") + sec + "]"), std::string::npos);
        EXPECT_EQ(tr.Sent().find(std::string("BODY.PEEK[") + sec + ".MIME]"), std::string::npos);
        EXPECT_NE(server, encoded) << sec << ": BINARY must give the decoded octets";
        uint64_t size = 0;
        ASSERT_EQ(ImapGetPartSize(h, uid, IMAP_FETCH_UID, sec, &size), 0)
            << MailwireGetLastErrorDetail();
        EXPECT_EQ(size, server.size()) << sec;
    }
    std::string part2;
    ASSERT_EQ(
        ImapFetchMessage(h, uid, IMAP_FETCH_UID | IMAP_FETCH_BINARY, "2", 0, 0, Append, &part2), 0);
    EXPECT_EQ(part2, att);
    // Only part numbers make a BINARY section.
    std::string dummy;
    EXPECT_EQ(ImapFetchMessage(h, uid, IMAP_FETCH_UID | IMAP_FETCH_BINARY, "1.MIME", 0, 0, Append,
                               &dummy),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    ImapDisconnect(h);
}

TEST(ImapBinaryReal, AppendWithNulBytesAsLiteral8ComesBackByteForByte)
{
    HCLIENT h = Session(3);
    ASSERT_NE(h, INVALID_CLIENT);
    std::string box = Unique("literal8");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    std::string body;
    for (int i = 0; i < 5000; i++)
        body.push_back(static_cast<char>(i % 251)); // NUL, CR and LF alone, 8-bit, no lines
    std::string msg = "From: alice@localhost\r\nSubject: nul bytes\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      "Content-Transfer-Encoding: binary\r\n\r\n" +
                      body;
    ASSERT_NE(msg.find('\0'), std::string::npos);
    mwtest::Trace tr;
    tr.Attach(h);
    uint32_t uid = 0;
    ASSERT_EQ(ImapCreateMessage(h, box.c_str(), IMAP_APPEND_BINARY, nullptr, msg.data(), msg.size(),
                                &uid),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_NE(tr.Sent().find(" ~{" + std::to_string(msg.size())), std::string::npos);
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    // BINARY[] gives the stored octets as they are (BODY[] could not carry NUL in a literal).
    std::string back;
    ASSERT_EQ(ImapFetchMessage(h, uid, IMAP_FETCH_UID | IMAP_FETCH_BINARY, "", 0, 0, Append, &back),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(back.size(), msg.size());
    EXPECT_TRUE(back == msg) << "the message did not come back byte for byte";
    ImapDisconnect(h);
}

} // namespace
