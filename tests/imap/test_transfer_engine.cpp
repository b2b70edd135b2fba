// The IMAP engine's side of COMPRESS=DEFLATE (RFC 4978) without a socket: it asks for
// compression when the option and the offer say so, stops reading at the end of the tagged
// OK (the bytes after it are compressed: the session inflates them first), and tells the
// session once.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "core/imap/engine.h"
}

namespace
{

struct Engine {
    mw_imap_engine *e;
    std::string sent;
    explicit Engine(uint32_t options) : e(mw_imap_new(options, nullptr))
    {
        EXPECT_EQ(mw_imap_op_connect(e), (unsigned)ST_ERROR_NONE);
    }
    ~Engine()
    {
        mw_imap_free(e);
    }
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;
    int Status()
    {
        unsigned err;
        const char *d;
        return mw_imap_engine_ops.status(e, &err, &d);
    }
    void Flush()
    {
        const char *p;
        size_t secret, n;
        while ((n = mw_imap_engine_ops.output(e, &p, &secret)) > 0) {
            sent.append(p, n);
            mw_imap_engine_ops.sent(e, n);
        }
    }
    size_t Feed(const std::string &in)
    {
        size_t used = mw_imap_engine_ops.feed(e, in.data(), in.size());
        Flush();
        return used;
    }
};

TEST(ImapCompressEngine, OptionAsksAfterPreauthAndStopsAtTheOk)
{
#ifndef MW_TEST_HAVE_ZLIB
    GTEST_SKIP() << "this build has no zlib: COMPRESS is NOT_SUPPORTED here "
                    "(ImapCompressFake.BuildWithoutZlibRefusesClearly)";
#endif
    Engine t(IMAP_OPTION_COMPRESS);
    t.Flush();
    std::string greet = "* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] hi\r\n";
    EXPECT_EQ(t.Feed(greet), greet.size());
    EXPECT_EQ(t.sent, "A1 COMPRESS DEFLATE\r\n");
    EXPECT_EQ(mw_imap_engine_ops.compress(t.e), 0) << "not before the OK";
    std::string ok = "A1 OK DEFLATE active\r\n";
    std::string compressed("\x02\x08\x20\x80\x00\x00\xff\xff", 8);
    // The OK and compressed bytes in one read: only the OK is taken.
    EXPECT_EQ(t.Feed(ok + compressed), ok.size());
    EXPECT_EQ(t.Status(), MW_OP_DONE);
    EXPECT_EQ(mw_imap_engine_ops.compress(t.e), 1);
    EXPECT_EQ(mw_imap_engine_ops.compress(t.e), 0) << "once";
    EXPECT_TRUE(mw_imap_compress_active(t.e));
    EXPECT_EQ(mw_imap_op_compress(t.e), (unsigned)ST_ERROR_INVALID_STATE);
}

TEST(ImapCompressEngine, WithoutTheOfferOrTheOptionNothingIsAsked)
{
    for (uint32_t opt : {0u, (uint32_t)IMAP_OPTION_COMPRESS}) {
        Engine t(opt);
        t.Flush();
        std::string caps = opt ? "IMAP4rev1" : "IMAP4rev1 COMPRESS=DEFLATE";
        t.Feed("* PREAUTH [CAPABILITY " + caps + "] hi\r\n");
        EXPECT_EQ(t.Status(), MW_OP_DONE) << opt;
        EXPECT_EQ(t.sent, "") << opt;
        EXPECT_FALSE(mw_imap_compress_active(t.e));
    }
}

TEST(ImapCompressEngine, RefusalWithTheOptionLeavesTheSessionUncompressed)
{
    Engine t(IMAP_OPTION_COMPRESS);
    t.Flush();
    t.Feed("* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] hi\r\n");
    t.Feed("A1 NO [COMPRESSIONACTIVE] no\r\n");
    EXPECT_EQ(t.Status(), MW_OP_DONE) << "the option only asks";
    EXPECT_EQ(mw_imap_engine_ops.compress(t.e), 0);
    EXPECT_FALSE(mw_imap_compress_active(t.e));
}

} // namespace
