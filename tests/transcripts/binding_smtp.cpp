// The SMTP engine (core/smtp/engine.h) behind the transcript runner. Ops and checks are listed in
// tests/transcripts/README.md.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <mailwire/smtp.h>

#include "bindings.hpp"

extern "C" {
#include "core/sasl/sasl.h"
#include "core/smtp/engine.h"
#include "core/smtp/source.h"
}

namespace mw_transcript
{
namespace
{

#define MW_NAME(n)                                                                                 \
    {                                                                                              \
#n, n                                                                                      \
    }
const NamedValues kOptions = {MW_NAME(SMTP_OPTION_NONE),
                              MW_NAME(SMTP_OPTION_EXTENDED),
                              MW_NAME(SMTP_OPTION_NOPIPELINING),
                              MW_NAME(SMTP_OPTION_NOCHUNKING),
                              MW_NAME(SMTP_OPTION_ALLRECIPIENTS),
                              MW_NAME(SMTP_OPTION_TUNNEL),
                              MW_NAME(SMTP_OPTION_TRUSTEDSITE),
                              MW_NAME(SMTP_OPTION_SECURE),
                              MW_NAME(SMTP_OPTION_SECURE_IMPLICIT),
                              MW_NAME(SMTP_OPTION_SECURE_FALLBACK),
                              MW_NAME(SMTP_OPTION_PREFER_IPV6),
                              MW_NAME(SMTP_OPTION_FREETHREAD),
                              MW_NAME(SMTP_OPTION_ALLOW_CLEARTEXT_AUTH)};

const NamedValues kDsn = {MW_NAME(SMTP_NOTIFY_NEVER),   MW_NAME(SMTP_NOTIFY_SUCCESS),
                          MW_NAME(SMTP_NOTIFY_FAILURE), MW_NAME(SMTP_NOTIFY_DELAY),
                          MW_NAME(SMTP_RETURN_HEADERS), MW_NAME(SMTP_RETURN_FULL),
                          MW_NAME(SMTP_NOTIFY_ORCPT)};
#undef MW_NAME

// SMTP_EXTOPT_* without the prefix, in bit order (the order "= extopts" lists them).
const NamedValues kExtopts = {{"EXPN", SMTP_EXTOPT_EXPN},
                              {"VRFY", SMTP_EXTOPT_VRFY},
                              {"DSN", SMTP_EXTOPT_DSN},
                              {"SIZE", SMTP_EXTOPT_SIZE},
                              {"ETRN", SMTP_EXTOPT_ETRN},
                              {"8BITMIME", SMTP_EXTOPT_8BITMIME},
                              {"AUTHLOGIN", SMTP_EXTOPT_AUTHLOGIN},
                              {"AUTHPLAIN", SMTP_EXTOPT_AUTHPLAIN},
                              {"AUTHCRAMMD5", SMTP_EXTOPT_AUTHCRAMMD5},
                              {"AUTHXOAUTH2", SMTP_EXTOPT_AUTHXOAUTH2},
                              {"AUTHBEARER", SMTP_EXTOPT_AUTHBEARER},
                              {"AUTHSCRAMSHA1", SMTP_EXTOPT_AUTHSCRAMSHA1},
                              {"AUTHSCRAMSHA256", SMTP_EXTOPT_AUTHSCRAMSHA256},
                              {"STARTTLS", SMTP_EXTOPT_STARTTLS},
                              {"PIPELINING", SMTP_EXTOPT_PIPELINING},
                              {"CHUNKING", SMTP_EXTOPT_CHUNKING},
                              {"BINARYMIME", SMTP_EXTOPT_BINARYMIME},
                              {"SMTPUTF8", SMTP_EXTOPT_SMTPUTF8},
                              {"ENHANCEDSTATUSCODES", SMTP_EXTOPT_ENHANCEDSTATUSCODES},
                              {"AUTH", SMTP_EXTOPT_AUTH}};

const NamedValues kCommands = {{"RAW", MW_SMTP_CMD_RAW},   {"RSET", MW_SMTP_CMD_RSET},
                               {"NOOP", MW_SMTP_CMD_NOOP}, {"VRFY", MW_SMTP_CMD_VRFY},
                               {"EXPN", MW_SMTP_CMD_EXPN}, {"QUIT", MW_SMTP_CMD_QUIT}};

class SmtpBinding : public Binding
{
  public:
    SmtpBinding(uint32_t options, const std::string &local)
        : e_(mw_smtp_new(options, local.c_str()))
    {
        if (!e_)
            throw UsageError("mw_smtp_new() failed");
    }
    ~SmtpBinding() override
    {
        mw_smtp_free(e_);
    }
    SmtpBinding(const SmtpBinding &) = delete;
    SmtpBinding &operator=(const SmtpBinding &) = delete;

    const mw_engine_ops &Ops() const override
    {
        return mw_smtp_engine_ops;
    }
    void *Engine() override
    {
        return e_;
    }
    unsigned Op(const std::string &op, Args &a) override
    {
        if (op == "connect") {
            a.Done();
            return mw_smtp_op_connect(e_);
        }
        if (op == "auth")
            return Auth(a);
        if (op == "send" || op == "mail")
            return Envelope(op == "send", a);
        if (op == "rcpt") {
            const char *addr = Keep(a.Next("address"));
            a.Done();
            return mw_smtp_op_rcpt(e_, addr);
        }
        if (op == "write") {
            bool final = a.Flag("final");
            std::string data = a.HasNext() ? a.Next("data") : "";
            a.Done();
            // The engine reads the bytes until the operation ends: they live as long as the
            // binding.
            const char *p = data.empty() ? nullptr : Keep(data);
            return mw_smtp_op_write(e_, p, data.size(), final);
        }
        if (op == "command") {
            std::string verb = a.Next("command (RAW, RSET, NOOP, VRFY, EXPN, QUIT)");
            uint32_t kind = 0;
            auto it = std::find_if(kCommands.begin(), kCommands.end(),
                                   [&](const auto &c) { return c.first == verb; });
            if (it == kCommands.end())
                throw UsageError("unknown command " + verb);
            kind = it->second;
            const char *arg = a.HasNext() ? Keep(a.Next("argument")) : nullptr;
            a.Done();
            return mw_smtp_op_command(e_, static_cast<int>(kind), arg);
        }
        if (op == "dsn") {
            const char *envid = a.Has("envid") ? Keep(a.Get("envid")) : nullptr;
            uint32_t flags = 0;
            while (a.HasNext())
                flags |= ParseFlags(a.Next("flags"), kDsn);
            a.Done();
            return mw_smtp_set_dsn(e_, flags, envid);
        }
        throw UsageError("unknown SMTP op " + op);
    }

    std::string Query(const std::string &key) override
    {
        const mw_smtp_caps *caps = mw_smtp_caps_of(e_);
        if (key == "state")
            return mw_smtp_state_name(e_);
        if (key == "extended")
            return std::to_string(mw_smtp_is_extended(e_));
        if (key == "usable")
            return std::to_string(mw_smtp_usable(e_));
        if (key == "size_limit")
            return std::to_string(caps->size_limit);
        if (key == "extopts") {
            std::string out;
            for (const auto &n : kExtopts)
                if (caps->flags & n.second)
                    out += (out.empty() ? "" : " ") + n.first;
            return out;
        }
        if (key == "auth") {
            std::string out;
            for (int m = 1; m < MW_SASL_MECH_COUNT; m++)
                if (caps->auth & MW_SASL_BIT(m))
                    out += (out.empty() ? "" : " ") + std::string(mw_sasl_mech_name(m));
            return out;
        }
        if (key == "reply")
            return std::to_string(mw_smtp_last_code(e_)) + " " + mw_smtp_last_text(e_);
        if (key == "transfer") {
            uint64_t done = 0, total = 0;
            mw_smtp_transfer(e_, &done, &total);
            return std::to_string(done) + "/" + std::to_string(total);
        }
        if (key == "rcpts")
            return std::to_string(mw_smtp_rcpt_count(e_));
        if (key.compare(0, 5, "rcpt.") == 0) {
            std::string n = key.substr(5);
            size_t i = n.empty() || n.find_first_not_of("0123456789") != std::string::npos
                           ? SIZE_MAX
                           : std::stoul(n);
            if (i == SIZE_MAX)
                throw UsageError("write rcpt.N (N counts from 0)");
            if (i >= mw_smtp_rcpt_count(e_))
                return "(none)";
            const mw_smtp_rcpt *r = mw_smtp_rcpt_at(e_, i);
            return std::string(r->addr) + " " + std::to_string(r->code) + " " +
                   (r->enh[0] ? r->enh : "-") + " " + (r->text ? r->text : "");
        }
        throw UsageError("unknown SMTP check " + key);
    }

  private:
    const char *Keep(const std::string &s)
    {
        keep_.push_back(s);
        return keep_.back().c_str();
    }

    unsigned Auth(Args &a)
    {
        std::string mech = a.Next("mechanism");
        const char *user = Keep(a.Next("user")), *pass = Keep(a.Next("password"));
        int m = mw_sasl_mech_from_name(mech.data(), mech.size());
        if (m == MW_SASL_NONE)
            throw UsageError("unknown SASL mechanism " + mech);
        const char *host = Keep(a.Get("host", "mx.example"));
        unsigned port = static_cast<unsigned>(a.Number("port", 25));
        int cleartext_ok = static_cast<int>(a.Number("cleartext", 1));
        a.Done();
        return mw_smtp_op_auth(e_, m, user, pass, host, port, cleartext_ok);
    }

    // send: the whole message (MAIL, RCPTs, DATA or BDAT); mail: MAIL FROM alone.
    unsigned Envelope(bool send, Args &a)
    {
        if (!a.Has("from"))
            throw UsageError("missing from=");
        const char *from = Keep(a.Get("from"));
        std::vector<const char *> &rcpts = rcpt_lists_.emplace_back();
        if (send)
            for (const std::string &r : a.All("to"))
                rcpts.push_back(Keep(r));
        std::string body = send ? a.Get("body") : "";
        uint64_t size = a.Number("size", send ? body.size() : 0);
        int need_8bit = a.Flag("8bit"), need_smtputf8 = a.Flag("smtputf8");
        long long scan = a.Number("scan", 1);
        a.Done();
        mw_smtp_envelope env = {from, rcpts.data(), rcpts.size(), size, need_8bit, need_smtputf8};
        if (!send)
            return mw_smtp_op_mail(e_, &env);
        // The engine reads the message until the operation ends (no copy): it lives as long
        // as the binding. It is scanned first, as SmtpSendMessage() has it (src.scan), unless
        // the transcript gives the need flags itself (scan=0, as SmtpSubmitMessage() does).
        const char *kept = Keep(body);
        mw_smtp_source src;
        unsigned err = mw_smtp_source_memory(&src, kept, body.size());
        src.scan = static_cast<int>(scan);
        return err ? err : mw_smtp_op_send(e_, &env, &src);
    }

    mw_smtp *e_;
    std::deque<std::string> keep_; // strings the engine may read after the op call
    std::deque<std::vector<const char *>> rcpt_lists_;
};

} // namespace

Protocol SmtpProtocol()
{
    Protocol p;
    p.name = "smtp";
    p.options = kOptions;
    p.headers = {"local", "acks"};
    p.create = [](uint32_t options, const std::map<std::string, std::string> &headers) {
        auto local = headers.find("local");
        auto b = std::make_unique<SmtpBinding>(options, local == headers.end() ? "client.example"
                                                                               : local->second);
        // "acks: at-once": the session acknowledges received data at once (Linux TCP_QUICKACK),
        // as SmtpConnect() tells the engine where the platform can.
        auto acks = headers.find("acks");
        if (acks != headers.end()) {
            if (acks->second != "at-once" && acks->second != "delayed")
                throw UsageError("acks: at-once or delayed");
            mw_smtp_set_acks_at_once(static_cast<mw_smtp *>(b->Engine()),
                                     acks->second == "at-once");
        }
        return std::unique_ptr<Binding>(std::move(b));
    };
    return p;
}

} // namespace mw_transcript
