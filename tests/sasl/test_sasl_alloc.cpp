// Allocation failure: make the Nth allocation of a whole exchange fail, for every N, for every
// mechanism. Each run must either give the exact expected bytes or end in
// ST_ERROR_OUT_OF_MEMORY (never a crash or a leak: the sanitizer build runs this too).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sasl_test_util.hpp"

extern "C" {
#include "core/util/alloc.h"
}

namespace
{

using namespace std::string_literals;

struct Exchange {
    int mech;
    const char *user, *pass, *host;
    unsigned port;
    const char *nonce;
    std::vector<std::string> challenges; // fed to mw_sasl_step in turn
    std::vector<std::string> responses;  // the initial response (if any), then each answer
    std::string success_data;            // passed to mw_sasl_finish
    unsigned finish = ST_ERROR_NONE;
};

// Run the exchange; ST_ERROR_NONE when every byte matched, the failure's code otherwise.
unsigned RunExchange(const Exchange &x, std::string *why)
{
    mw_sasl *m = nullptr;
    char d[256];
    unsigned err = mw_sasl_new(&m, x.mech, x.user, x.pass, x.host, x.port, d, sizeof d);
    if (err) {
        *why = d;
        return err;
    }
    mwtest::SaslPtr owner(m);
    mw_sasl_set_test_nonce(x.nonce); // NULL: none left over from a run that failed early
    std::vector<std::string> got;
    const unsigned char *r;
    size_t n;
    int rc = mw_sasl_initial(m, &r, &n);
    if (rc == MW_SASL_FAILED) {
        *why = mw_sasl_detail(m);
        return mw_sasl_error(m);
    }
    if (rc == MW_SASL_CONTINUE)
        got.emplace_back(reinterpret_cast<const char *>(r), n);
    for (const std::string &c : x.challenges) {
        rc = mw_sasl_step(m, reinterpret_cast<const unsigned char *>(c.data()), c.size(), &r, &n);
        if (rc != MW_SASL_CONTINUE) {
            *why = mw_sasl_detail(m);
            return mw_sasl_error(m);
        }
        got.emplace_back(reinterpret_cast<const char *>(r), n);
    }
    if (got != x.responses) {
        *why = "wrong responses";
        return ST_ERROR_INTERNAL;
    }
    err = mwtest::Finish(m, x.success_data);
    if (err != x.finish) {
        *why = "finish gave " + std::to_string(err);
        return ST_ERROR_INTERNAL;
    }
    return ST_ERROR_NONE;
}

std::vector<Exchange> Exchanges()
{
    const std::string sf = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    const std::string cf =
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    return {
        {MW_SASL_PLAIN, "tim", "pw", nullptr, 0, nullptr, {}, {"\0tim\0pw"s}, "", 0},
        {MW_SASL_LOGIN, "tim", "pw", nullptr, 0, nullptr, {"U", "P"}, {"tim", "pw"}, "", 0},
        {MW_SASL_CRAM_MD5,
         "tim",
         "tanstaaftanstaaf",
         nullptr,
         0,
         nullptr,
         {"<1896.697170952@postoffice.reston.mci.net>"},
         {"tim b913a602c7eda7a495b4e6e7334d3890"},
         "",
         0},
        {MW_SASL_ANONYMOUS, "trace", nullptr, nullptr, 0, nullptr, {}, {"trace"}, "", 0},
        {MW_SASL_XOAUTH2,
         "u@x",
         "tok",
         nullptr,
         0,
         nullptr,
         {"{}"},
         {"user=u@x\x01"
          "auth=Bearer tok\x01\x01",
          ""},
         "",
         ST_ERROR_AUTHENTICATION_FAILED},
        {MW_SASL_OAUTHBEARER,
         "u@x",
         "tok",
         "h",
         25,
         nullptr,
         {"{}"},
         {"n,a=u@x,\x01host=h\x01port=25\x01"
          "auth=Bearer tok\x01\x01",
          "\x01"},
         "",
         ST_ERROR_AUTHENTICATION_FAILED},
        {MW_SASL_SCRAM_SHA1,
         "user",
         "pencil",
         nullptr,
         0,
         "fyko+d2lbbFgONRv9qkxdawL",
         {sf, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
         {"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", cf, ""},
         "",
         0},
        // The server-final message carried by the success reply.
        {MW_SASL_SCRAM_SHA1,
         "user",
         "pencil",
         nullptr,
         0,
         "fyko+d2lbbFgONRv9qkxdawL",
         {sf},
         {"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", cf},
         "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
         0},
        {MW_SASL_SCRAM_SHA256,
         "user",
         "pencil",
         nullptr,
         0,
         "rOprNGfwEbeRWgbNEkqO",
         {"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
          "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
         {"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
          "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
          ""},
         "",
         0},
    };
}

TEST(SaslAllocFailure, EveryAllocationOfEveryMechanism)
{
    for (const Exchange &x : Exchanges()) {
        std::string why;
        ASSERT_EQ(RunExchange(x, &why), ST_ERROR_NONE) << mw_sasl_mech_name(x.mech) << ": " << why;
        long n = 0;
        for (;; n++) {
            mw_alloc_fail_at(n);
            unsigned err = RunExchange(x, &why);
            bool triggered = mw_alloc_fail_at(-1);
            if (!triggered) {
                EXPECT_EQ(err, ST_ERROR_NONE) << mw_sasl_mech_name(x.mech) << ": " << why;
                break;
            }
            EXPECT_TRUE(err == ST_ERROR_NONE || err == ST_ERROR_OUT_OF_MEMORY)
                << mw_sasl_mech_name(x.mech) << " failing allocation " << n << ": error " << err
                << " " << why;
            ASSERT_LT(n, 1000) << "no end to the allocations";
        }
        EXPECT_GT(n, 1) << mw_sasl_mech_name(x.mech) << ": the loop must have failed something";
    }
}

} // namespace
