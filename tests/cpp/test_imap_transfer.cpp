// CImapClient's COMPRESS=DEFLATE and BINARY methods against the fixture's Dovecot.
#include "common/portable.h"

#include <mailwire/ImapClient.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/fixture_env.hpp"

namespace
{

using mailwire::CImapClient;
using mwtest::Fixture;

TEST(CppImapTransfer, CompressAndPartSize)
{
#ifndef MW_TEST_HAVE_ZLIB
    GTEST_SKIP() << "this build has no zlib: COMPRESS is NOT_SUPPORTED here "
                    "(ImapCompressFake.BuildWithoutZlibRefusesClearly)";
#endif
    mailwire::CSecurityCredentials ca;
    ASSERT_TRUE(
        ca.Create(0, nullptr, nullptr, nullptr, Fixture::Get().Value("MW_CA_FILE").c_str()));
    CImapClient c;
    ASSERT_TRUE(c.Connect(Fixture::Get().Value("MW_HOST").c_str(),
                          Fixture::Get().Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()))
        << c.GetLastErrorDetail();
    ASSERT_TRUE(c.Login(Fixture::Get().Value("MW_USER3").c_str(),
                        Fixture::Get().Value("MW_PASS3").c_str()));
    IMAPCOMPRESSINFO ci;
    ASSERT_TRUE(c.GetCompressionInfo(ci));
    EXPECT_FALSE(ci.bActive);
    ASSERT_TRUE(c.Compress()) << c.GetLastErrorDetail();
    EXPECT_FALSE(c.Compress());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_STATE);

    std::string box =
        "cpp-transfer-" + std::to_string(mwt_getpid()) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    ASSERT_TRUE(c.CreateMailbox(box.c_str()));
    std::string msg = "Subject: size\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: base64"
                      "\r\n\r\naGVsbG8gd29ybGQ=\r\n";
    uint32_t uid = 0;
    ASSERT_TRUE(c.CreateMessage(box.c_str(), msg, 0, nullptr, &uid)) << c.GetLastErrorDetail();
    ASSERT_TRUE(c.SelectMailbox(box.c_str()));
    uint64_t size = 0;
    ASSERT_TRUE(c.GetPartSize(uid, "1", size, IMAP_FETCH_UID)) << c.GetLastErrorDetail();
    EXPECT_EQ(size, 11u) << "\"hello world\" decoded";
    ASSERT_TRUE(c.GetCompressionInfo(ci));
    EXPECT_TRUE(ci.bActive);
    EXPECT_GT(ci.nDataIn, 0u);
}

} // namespace
