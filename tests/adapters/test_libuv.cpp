// <mailwire/adapters/libuv.h> against the fixture's real servers, on a uv_loop_t of the
// test's own: the scenarios of scenarios.hpp, and the loop closes cleanly after each.
#include <mailwire/adapters/libuv.h>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "adapters/scenarios.hpp"

namespace
{

class UvLoop : public adapters::Loop
{
  public:
    UvLoop()
    {
        uv_loop_init(&loop_);
        uv_timer_init(&loop_, &ticker_);
        ticker_.data = this;
        own_.insert(reinterpret_cast<uv_handle_t *>(&ticker_));
        // Counts the loop's iterations (prepare handles run once in each); unreferenced, so
        // that it keeps nothing alive.
        uv_prepare_init(&loop_, &counter_);
        counter_.data = this;
        uv_prepare_start(&counter_, [](uv_prepare_t *p) { ++static_cast<UvLoop *>(p->data)->n_; });
        uv_unref(reinterpret_cast<uv_handle_t *>(&counter_));
    }
    ~UvLoop() override
    {
        uv_close(reinterpret_cast<uv_handle_t *>(&counter_), nullptr);
        Quit();
        Settle();
        // Every handle is closed, the drivers' too: they freed themselves (ASan checks that).
        EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left on the loop";
    }

    bool Attach(HCLIENT h) override
    {
        mailwire_uv *d = mailwire_uv_attach(h, &loop_);
        if (!d)
            return false;
        drivers_[h] = d;
        return true;
    }
    void Detach(HCLIENT h) override
    {
        mailwire_uv_detach(drivers_[h]);
        drivers_.erase(h);
    }
    void Later(unsigned ms, std::function<void()> fn) override
    {
        auto *t = new Timer{{}, std::move(fn), this};
        uv_timer_init(&loop_, &t->timer);
        t->timer.data = t;
        own_.insert(reinterpret_cast<uv_handle_t *>(&t->timer));
        uv_timer_start(
            &t->timer,
            [](uv_timer_t *timer) {
                auto *self = static_cast<Timer *>(timer->data);
                self->fn();
                self->loop->CloseOwn(reinterpret_cast<uv_handle_t *>(timer));
            },
            ms, 0);
    }
    void Run() override
    {
        uv_run(&loop_, UV_RUN_DEFAULT);
    }
    void Quit() override
    {
        std::set<uv_handle_t *> own = own_;
        for (uv_handle_t *h : own)
            CloseOwn(h);
        uv_stop(&loop_);
    }
    void Settle() override
    {
        for (int i = 0; i < 20; i++)
            uv_run(&loop_, UV_RUN_NOWAIT);
    }
    int Drivers() override
    {
        // Each driver has one timer handle for as long as it lives.
        struct Count {
            const std::set<uv_handle_t *> *own;
            int n;
        } c{&own_, 0};
        uv_walk(
            &loop_,
            [](uv_handle_t *h, void *arg) {
                auto *c = static_cast<Count *>(arg);
                if (h->type == UV_TIMER && !c->own->count(h))
                    c->n++;
            },
            &c);
        return c.n;
    }
    void StartTicker() override
    {
        uv_timer_start(
            &ticker_,
            [](uv_timer_t *timer) {
                auto *self = static_cast<UvLoop *>(timer->data);
                uint64_t now = uv_hrtime();
                if (self->last_tick_ && now - self->last_tick_ > self->longest_gap_)
                    self->longest_gap_ = now - self->last_tick_;
                self->last_tick_ = now;
            },
            10, 10);
    }
    double LongestGapMs() override
    {
        return static_cast<double>(longest_gap_) / 1e6;
    }
    long Iterations() override
    {
        return n_;
    }

  private:
    struct Timer {
        uv_timer_t timer;
        std::function<void()> fn;
        UvLoop *loop;
    };

    void CloseOwn(uv_handle_t *h)
    {
        if (uv_is_closing(h))
            return;
        if (h == reinterpret_cast<uv_handle_t *>(&ticker_)) {
            uv_close(h, [](uv_handle_t *) {});
            return;
        }
        uv_close(h, [](uv_handle_t *handle) {
            auto *t = static_cast<Timer *>(handle->data);
            t->loop->own_.erase(handle);
            delete t;
        });
    }

    uv_loop_t loop_{};
    uv_timer_t ticker_{};
    uv_prepare_t counter_{};
    long n_ = 0;
    std::map<HCLIENT, mailwire_uv *> drivers_;
    std::set<uv_handle_t *> own_;
    uint64_t last_tick_ = 0, longest_gap_ = 0;
};

TEST(LibuvDriver, SendsAndFetchesBackOnOneLoop)
{
    UvLoop loop;
    adapters::SendAndFetchBack(loop);
}

TEST(LibuvDriver, WaitingForTheServerCostsTheLoopNothing)
{
    UvLoop loop;
    adapters::WaitingCostsNothing(loop);
}

TEST(LibuvDriver, ARefusedConnectCompletesWithItsError)
{
    UvLoop loop;
    adapters::ARefusedConnectCompletesWithItsError(loop);
}

TEST(LibuvDriver, ADeadlineComesThroughTheTimer)
{
    UvLoop loop;
    adapters::ADeadlineComesThroughTheDriver(loop);
}

TEST(LibuvDriver, ADriverCanBeDetachedAndAnotherAttached)
{
    UvLoop loop;
    adapters::ADriverCanBeTakenOffAndPutBack(loop);
}

TEST(LibuvDriver, ABlockingSessionOrAStaleHandleIsRefused)
{
    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    EXPECT_EQ(mailwire_uv_attach(INVALID_CLIENT, &loop), nullptr);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    HCLIENT h =
        SmtpConnect(adapters::Fx().Value("MW_HOST").c_str(), adapters::Fx().Port("MW_SMTP_PORT"),
                    20, SMTP_OPTION_EXTENDED, nullptr, nullptr);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(mailwire_uv_attach(h, &loop), nullptr) << "a blocking session does its own waiting";
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_EQ(uv_loop_close(&loop), 0) << "a refused attach leaves nothing on the loop";
}

} // namespace
