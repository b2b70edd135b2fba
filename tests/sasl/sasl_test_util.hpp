// Small helpers for the SASL tests: an owning pointer and string views of the responses.
#pragma once

#include <memory>
#include <string>

extern "C" {
#include "core/sasl/sasl.h"
#include <mailwire/common.h>
}

namespace mwtest
{

struct SaslFree {
    void operator()(mw_sasl *m) const
    {
        mw_sasl_free(m);
    }
};
using SaslPtr = std::unique_ptr<mw_sasl, SaslFree>;

// Create or fail the test; the detail goes into the failure message.
inline SaslPtr NewSasl(int mech, const char *user, const char *pass, const char *host = nullptr,
                       unsigned port = 0)
{
    mw_sasl *m = nullptr;
    char detail[256];
    unsigned err = mw_sasl_new(&m, mech, user, pass, host, port, detail, sizeof detail);
    EXPECT_EQ(err, ST_ERROR_NONE) << detail;
    return SaslPtr(m);
}

// The initial response; "<NO_INITIAL>" or "<FAILED>" otherwise.
inline std::string Initial(mw_sasl *m)
{
    const unsigned char *r = nullptr;
    size_t n = 0;
    int rc = mw_sasl_initial(m, &r, &n);
    if (rc == MW_SASL_NO_INITIAL)
        return "<NO_INITIAL>";
    if (rc != MW_SASL_CONTINUE)
        return "<FAILED>";
    return std::string(reinterpret_cast<const char *>(r), n);
}

// The response to a challenge; "<FAILED>" when the step fails.
inline std::string Step(mw_sasl *m, const std::string &challenge)
{
    const unsigned char *r = nullptr;
    size_t n = 0;
    int rc = mw_sasl_step(m, reinterpret_cast<const unsigned char *>(challenge.data()),
                          challenge.size(), &r, &n);
    if (rc != MW_SASL_CONTINUE)
        return "<FAILED>";
    return std::string(reinterpret_cast<const char *>(r), n);
}

inline unsigned Finish(mw_sasl *m, const std::string &data = std::string())
{
    return mw_sasl_finish(m, reinterpret_cast<const unsigned char *>(data.data()), data.size());
}

} // namespace mwtest
