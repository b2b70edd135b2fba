// The IMAP engine (core/imap/engine.h) behind the transcript runner: for now only what the
// engine's own operations cover (the connect op: greeting, CAPABILITY, STARTTLS). The commands
// the API files build by hand today get their ops once they move into the engine (issue 10).
#include <memory>
#include <string>

#include <mailwire/imap.h>

#include "bindings.hpp"

extern "C" {
#include "core/imap/engine.h"
#include "core/imap/engine_priv.h" // the state name, until the engine has a getter for it
}

namespace mw_transcript
{
namespace
{

#define MW_NAME(n)                                                                                 \
    {                                                                                              \
#n, n                                                                                      \
    }
const NamedValues kOptions = {MW_NAME(IMAP_OPTION_NONE),
                              MW_NAME(IMAP_OPTION_IDENTIFY),
                              MW_NAME(IMAP_OPTION_TUNNEL),
                              MW_NAME(IMAP_OPTION_TRUSTEDSITE),
                              MW_NAME(IMAP_OPTION_SECURE),
                              MW_NAME(IMAP_OPTION_SECURE_EXPLICIT),
                              MW_NAME(IMAP_OPTION_SECURE_IMPLICIT),
                              MW_NAME(IMAP_OPTION_SECURE_FALLBACK),
                              MW_NAME(IMAP_OPTION_PREFER_IPV6),
                              MW_NAME(IMAP_OPTION_FREETHREAD),
                              MW_NAME(IMAP_OPTION_ALLOW_CLEARTEXT_AUTH)};
#undef MW_NAME

class ImapBinding : public Binding
{
  public:
    explicit ImapBinding(uint32_t options) : e_(mw_imap_new(options, nullptr))
    {
        if (!e_)
            throw UsageError("mw_imap_new() failed");
    }
    ~ImapBinding() override
    {
        mw_imap_free(e_);
    }
    ImapBinding(const ImapBinding &) = delete;
    ImapBinding &operator=(const ImapBinding &) = delete;

    const mw_engine_ops &Ops() const override
    {
        return mw_imap_engine_ops;
    }
    void *Engine() override
    {
        return e_;
    }

    unsigned Op(const std::string &op, Args &a) override
    {
        if (op == "connect") {
            a.Done();
            mw_imap_op_connect(e_);
            return ST_ERROR_NONE;
        }
        throw UsageError("unknown IMAP op " + op +
                         " (the IMAP binding knows connect only until the operations move into "
                         "the engine)");
    }

    std::string Query(const std::string &key) override
    {
        // Read from the engine structure until it has getters (it becomes private).
        if (key == "state")
            return mw_imap_state_name(e_->state);
        if (key == "caps")
            return mw_imap_capabilities(e_);
        if (key == "alert")
            return mw_imap_alert(e_);
        throw UsageError("unknown IMAP check " + key);
    }

  private:
    mw_imap_engine *e_;
};

} // namespace

Protocol ImapProtocol()
{
    Protocol p;
    p.name = "imap";
    p.options = kOptions;
    p.create = [](uint32_t options, const std::map<std::string, std::string> &) {
        return std::unique_ptr<Binding>(new ImapBinding(options));
    };
    return p;
}

} // namespace mw_transcript
