// <mailwire/adapters/glib.h> against the fixture's real servers, on a GMainContext of the
// test's own (as a GTK program's, without GTK): the scenarios of scenarios.hpp.
#include <mailwire/adapters/glib.h>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <vector>

#include "adapters/scenarios.hpp"

namespace
{

class GlibLoop : public adapters::Loop
{
  public:
    GlibLoop() : context_(g_main_context_new()), loop_(g_main_loop_new(context_, FALSE))
    {
        // Counts the context's iterations: GLib prepares every source once per iteration.
        static GSourceFuncs counter = {
            [](GSource *source, gint *timeout) -> gboolean {
                ++reinterpret_cast<Counter *>(source)->n;
                *timeout = -1;
                return FALSE;
            },
            nullptr,
            [](GSource *, GSourceFunc, gpointer) -> gboolean { return G_SOURCE_CONTINUE; },
            nullptr,
            nullptr,
            nullptr};
        counter_ = reinterpret_cast<Counter *>(g_source_new(&counter, sizeof(Counter)));
        g_source_attach(&counter_->source, context_);
    }
    ~GlibLoop() override
    {
        g_source_destroy(&counter_->source);
        g_source_unref(&counter_->source);
        DropOwn();
        g_main_loop_unref(loop_);
        g_main_context_unref(context_);
    }

    bool Attach(HCLIENT h) override
    {
        guint id = mailwire_glib_attach(h, context_);
        if (id == 0)
            return false;
        ids_.push_back(id);
        current_[h] = id;
        return true;
    }
    void Detach(HCLIENT h) override
    {
        if (GSource *s = g_main_context_find_source_by_id(context_, current_[h]))
            g_source_destroy(s);
    }
    void Later(unsigned ms, std::function<void()> fn) override
    {
        GSource *s = g_timeout_source_new(ms);
        g_source_set_callback(
            s,
            [](gpointer user) -> gboolean {
                (*static_cast<std::function<void()> *>(user))();
                return G_SOURCE_REMOVE;
            },
            new std::function<void()>(std::move(fn)),
            [](gpointer user) { delete static_cast<std::function<void()> *>(user); });
        g_source_attach(s, context_);
        own_.push_back(s); // our reference, dropped in DropOwn()
    }
    void Run() override
    {
        g_main_loop_run(loop_);
    }
    void Quit() override
    {
        for (GSource *s : own_)
            g_source_destroy(s);
        g_main_loop_quit(loop_);
    }
    void Settle() override
    {
        for (int i = 0; i < 1000 && g_main_context_iteration(context_, FALSE); i++) {
        }
    }
    int Drivers() override
    {
        // A source id is looked up only in this context, where ids are not reused meanwhile.
        int n = 0;
        for (guint id : ids_)
            n += g_main_context_find_source_by_id(context_, id) != nullptr;
        return n;
    }
    void StartTicker() override
    {
        GSource *s = g_timeout_source_new(10);
        g_source_set_callback(
            s,
            [](gpointer user) -> gboolean {
                auto *self = static_cast<GlibLoop *>(user);
                gint64 now = g_get_monotonic_time();
                if (self->last_tick_ && now - self->last_tick_ > self->longest_gap_)
                    self->longest_gap_ = now - self->last_tick_;
                self->last_tick_ = now;
                return G_SOURCE_CONTINUE;
            },
            this, nullptr);
        g_source_attach(s, context_);
        own_.push_back(s);
    }
    double LongestGapMs() override
    {
        return static_cast<double>(longest_gap_) / 1000.0;
    }
    long Iterations() override
    {
        return counter_->n;
    }

    GMainContext *context() const
    {
        return context_;
    }

  private:
    struct Counter {
        GSource source;
        long n;
    };

    void DropOwn()
    {
        for (GSource *s : own_) {
            g_source_destroy(s);
            g_source_unref(s);
        }
        own_.clear();
    }

    GMainContext *context_;
    GMainLoop *loop_;
    std::vector<guint> ids_;
    std::map<HCLIENT, guint> current_;
    std::vector<GSource *> own_;
    Counter *counter_;
    gint64 last_tick_ = 0, longest_gap_ = 0;
};

TEST(GlibDriver, SendsAndFetchesBackOnOneMainLoop)
{
    GlibLoop loop;
    adapters::SendAndFetchBack(loop);
}

TEST(GlibDriver, WaitingForTheServerCostsTheLoopNothing)
{
    GlibLoop loop;
    adapters::WaitingCostsNothing(loop);
}

TEST(GlibDriver, ARefusedConnectCompletesWithItsError)
{
    GlibLoop loop;
    adapters::ARefusedConnectCompletesWithItsError(loop);
}

TEST(GlibDriver, ADeadlineComesThroughTheSource)
{
    GlibLoop loop;
    adapters::ADeadlineComesThroughTheDriver(loop);
}

TEST(GlibDriver, ASourceCanBeDestroyedAndAnotherAttached)
{
    GlibLoop loop;
    adapters::ADriverCanBeTakenOffAndPutBack(loop);
}

// What the API refuses, with the session's own error.
TEST(GlibDriver, ABlockingSessionOrAStaleHandleIsRefused)
{
    EXPECT_EQ(mailwire_glib_source_new(INVALID_CLIENT), nullptr);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    HCLIENT h =
        SmtpConnect(adapters::Fx().Value("MW_HOST").c_str(), adapters::Fx().Port("MW_SMTP_PORT"),
                    20, SMTP_OPTION_EXTENDED, nullptr, nullptr);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(mailwire_glib_attach(h, nullptr), 0u) << "a blocking session does its own waiting";
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(SmtpDisconnect(h), 0);
}

} // namespace
