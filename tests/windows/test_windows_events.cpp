// Window-message events (issue 13, items 4 and 6): SmtpEnableEvents()/ImapEnableEvents() and
// the C++ Connect(..., hEventWnd, uEventMsg) form against the fixture's Postfix and Dovecot,
// the events counted as a window receives them in a real GetMessage()/DispatchMessage()
// loop. Windows only (the calls exist there only); runs under Wine in the Windows stage.
#include <winsock2.h>
#include <windows.h>

#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "smtp/smtp_test_util.hpp"

using mwtest::Fx;
using mwtest::Unique;

namespace
{

const UINT kEventMsg = WM_APP + 7;
const UINT_PTR kTickTimer = 1, kWatchdogTimer = 2;

// One notification as the window received it.
struct Note {
    WPARAM wp;
    unsigned event;
    unsigned error;
    unsigned long long copied; // SMTP: bytes of the message copied when PROGRESS was handled
};

// A window of the test thread that records the notifications, counts
// timer ticks and their longest gap, and can run a handler on a chosen event.
struct EventWindow {
    HWND wnd = nullptr;
    std::vector<Note> notes;
    bool stop = false, timed_out = false;
    unsigned stop_on = MAILWIRE_EVENT_COMPLETE;
    bool smtp = true;
    DWORD last_tick = 0, longest_gap = 0;
    unsigned ticks = 0;
    void (*on_event)(EventWindow &, HCLIENT, unsigned) = nullptr;

    static LRESULT CALLBACK Proc(HWND w, UINT msg, WPARAM wp, LPARAM lp)
    {
        auto *self = reinterpret_cast<EventWindow *>(GetWindowLongPtrW(w, GWLP_USERDATA));
        if (self && msg == kEventMsg) {
            Note n{wp, LOWORD(lp), HIWORD(lp), 0};
            if (n.event == SMTP_EVENT_PROGRESS && self->smtp) {
                SMTPTRANSFERSTATUS st{};
                st.dwSize = sizeof st;
                if (SmtpGetTransferStatus(reinterpret_cast<HCLIENT>(wp), &st) == 0)
                    n.copied = st.qwBytesCopied;
            }
            self->notes.push_back(n);
            if (self->on_event)
                self->on_event(*self, reinterpret_cast<HCLIENT>(wp), n.event);
            if (n.event == self->stop_on)
                self->stop = true;
            return 0;
        }
        if (self && msg == WM_TIMER && wp == kTickTimer) {
            DWORD now = GetTickCount();
            self->longest_gap = std::max(self->longest_gap, now - self->last_tick);
            self->last_tick = now;
            self->ticks++;
            return 0;
        }
        if (self && msg == WM_TIMER && wp == kWatchdogTimer) {
            self->timed_out = self->stop = true;
            return 0;
        }
        return DefWindowProcW(w, msg, wp, lp);
    }

    EventWindow()
    {
        WNDCLASSW wc{};
        wc.lpfnWndProc = Proc;
        wc.hInstance = GetModuleHandleW(nullptr);
        wc.lpszClassName = L"mwtest.EventWindow";
        RegisterClassW(&wc); // a second registration fails harmlessly
        // Message-only: wine-run.sh runs the tests without a display, where Wine creates no
        // visible window (the Win32 sample's test shows a real one under Xvfb).
        wnd = CreateWindowExW(0, wc.lpszClassName, L"events", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr,
                              wc.hInstance, nullptr);
        SetWindowLongPtrW(wnd, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(this));
    }
    ~EventWindow()
    {
        DestroyWindow(wnd);
    }

    // The message loop: GetMessage()/DispatchMessage() until the awaited event (COMPLETE
    // unless told otherwise) arrived or limit_ms passed. Clears what was recorded before.
    void Run(unsigned limit_ms = 30000, bool tick = false)
    {
        ASSERT_NE(wnd, nullptr) << "no window: " << GetLastError();
        notes.clear();
        stop = timed_out = false;
        last_tick = longest_gap = 0;
        ticks = 0;
        SetTimer(wnd, kWatchdogTimer, limit_ms, nullptr);
        if (tick) {
            SetTimer(wnd, kTickTimer, 10, nullptr);
            last_tick = GetTickCount(); // a loop starved from the start counts too
        }
        MSG m;
        while (!stop && GetMessageW(&m, nullptr, 0, 0) > 0) {
            TranslateMessage(&m);
            DispatchMessageW(&m);
        }
        KillTimer(wnd, kWatchdogTimer);
        KillTimer(wnd, kTickTimer);
        if (tick) // ... and one starved until the end
            longest_gap = std::max(longest_gap, GetTickCount() - last_tick);
    }

    size_t Count(unsigned event) const
    {
        return std::count_if(notes.begin(), notes.end(),
                             [&](const Note &n) { return n.event == event; });
    }

    // Every notification named h; COMPLETE came exactly once, last, with error err.
    void ExpectCompletedLast(HCLIENT h, unsigned err) const
    {
        ASSERT_FALSE(timed_out) << "no COMPLETE within the limit; " << notes.size()
                                << " notifications";
        ASSERT_FALSE(notes.empty());
        for (const Note &n : notes)
            EXPECT_EQ(n.wp, reinterpret_cast<WPARAM>(h)) << "event " << n.event;
        EXPECT_EQ(Count(MAILWIRE_EVENT_COMPLETE), 1u);
        EXPECT_EQ(notes.back().event, static_cast<unsigned>(MAILWIRE_EVENT_COMPLETE));
        EXPECT_EQ(notes.back().error, err) << MailwireGetErrorString(notes.back().error);
    }
};

struct Ca {
    std::string file = Fx().Value("MW_CA_FILE");
    SECURITYCREDENTIALS c{};
    Ca()
    {
        c.dwSize = sizeof c;
        c.lpszCAFile = file.c_str();
    }
};

std::string BigMessage(const std::string &token, size_t size)
{
    std::string m =
        "From: alice@localhost\r\nSubject: " + token + "\r\nX-Token: " + token + "\r\n\r\n";
    std::string line(76, 'x');
    line += "\r\n";
    while (m.size() < size)
        m += line;
    return m;
}

// SMTP submission session (STARTTLS, AUTH) with events enabled, connected and logged in.
HCLIENT ConnectSmtpWithEvents(EventWindow &ew, const Ca &ca)
{
    HCLIENT h = SmtpAsyncConnect("localhost", Fx().Port("MW_SUBMISSION_PORT"), 20,
                                 SMTP_OPTION_SECURE, nullptr, &ca.c);
    EXPECT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (h == INVALID_CLIENT)
        return h;
    EXPECT_EQ(SmtpEnableEvents(h, ew.wnd, kEventMsg), 0) << MailwireGetLastErrorDetail();
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    EXPECT_EQ(ew.Count(SMTP_EVENT_CONNECT), 1u);
    int rc = SmtpAuthenticate(h, SMTP_AUTH_AUTO, Fx().Value("MW_USER1").c_str(),
                              Fx().Value("MW_PASS1").c_str());
    EXPECT_EQ(rc, MAILWIRE_IN_PROGRESS) << MailwireGetLastErrorDetail();
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    EXPECT_GE(ew.Count(SMTP_EVENT_COMMAND), 1u);
    return h;
}

} // namespace

// Connect, AUTH and a 6 MiB message with events posted to a window: the expected events with
// the handle in wParam and MAKELPARAM(event, error) in lParam, PROGRESS non-decreasing up to
// the whole message, COMPLETE last; a 10 ms timer of the same thread keeps ticking during the
// send (the message loop stays responsive). Then DisableEvents() and a blocking send works.
TEST(WindowEvents, SmtpSendCountedInMessageLoopThenBlockingAgain)
{
    EventWindow ew;
    Ca ca;
    HCLIENT h = ConnectSmtpWithEvents(ew, ca);
    ASSERT_NE(h, INVALID_CLIENT);

    std::string token = Unique("winev");
    std::string to = Fx().Value("MW_USER1") + "@" + Fx().Value("MW_DOMAIN");
    std::string msg = BigMessage(token, 6u << 20);
    ASSERT_EQ(SmtpSendMessage(h, "alice@localhost", to.c_str(), msg.data(), msg.size(),
                              SMTP_MESSAGE_MEMORY),
              MAILWIRE_IN_PROGRESS)
        << MailwireGetLastErrorDetail();
    DWORD t0 = GetTickCount();
    ew.Run(60000, true);
    DWORD took = GetTickCount() - t0;
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    EXPECT_GE(ew.Count(SMTP_EVENT_COMMAND), 3u) << "MAIL, RCPT, DATA/BDAT replies";
    // WRITE comes only when a send had to wait; over loopback under Wine the socket may take
    // the whole message at once, so it is counted, not required.
    EXPECT_GE(ew.Count(SMTP_EVENT_READ), 1u);
    EXPECT_GE(ew.Count(SMTP_EVENT_PROGRESS), 2u);
    unsigned long long last = 0;
    for (const Note &n : ew.notes) {
        if (n.event == SMTP_EVENT_PROGRESS) {
            EXPECT_GE(n.copied, last) << "PROGRESS went backwards";
            last = n.copied;
        }
    }
    EXPECT_GE(last + 2, msg.size()) << "the last PROGRESS is short of the message";
    for (const Note &n : ew.notes) {
        if (n.event != SMTP_EVENT_COMPLETE) {
            EXPECT_EQ(n.error, 0u) << "event " << n.event;
        }
    }
    // The loop kept running: timer messages (the lowest priority there is: they come only
    // when nothing else waits) kept arriving, from the start of the send to its end.
    std::printf("[ measure ] 6 MiB send: %lu ms, %u timer ticks, longest gap %lu ms, "
                "%zu notifications (%zu PROGRESS, %zu WRITE)\n",
                static_cast<unsigned long>(took), ew.ticks,
                static_cast<unsigned long>(ew.longest_gap), ew.notes.size(),
                ew.Count(SMTP_EVENT_PROGRESS), ew.Count(SMTP_EVENT_WRITE));
    EXPECT_LT(ew.longest_gap, 1000u) << "the message loop was blocked";
    if (took > 200) {
        EXPECT_GE(ew.ticks, 2u);
    }

    // Back to blocking: the call waits for its end and returns 0; no notification follows.
    ASSERT_EQ(SmtpDisableEvents(h), 0) << MailwireGetLastErrorDetail();
    std::string token2 = Unique("winevblk");
    std::string small = "From: alice@localhost\r\nSubject: " + token2 + "\r\n\r\nblocking\r\n";
    EXPECT_EQ(SmtpSendMessage(h, "alice@localhost", to.c_str(), small.data(), small.size(),
                              SMTP_MESSAGE_MEMORY),
              0)
        << MailwireGetLastErrorDetail();
    MSG m;
    EXPECT_FALSE(PeekMessageW(&m, ew.wnd, kEventMsg, kEventMsg, PM_REMOVE))
        << "a notification after DisableEvents";
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_FALSE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "X-Token: " + token).empty());
    EXPECT_FALSE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "Subject: " + token2).empty());
}

// SmtpCancel() from the window's handler of the first PROGRESS: CANCEL, then COMPLETE with
// ST_ERROR_CANCELLED, promptly. (Over loopback the whole message may be out by then, so
// whether it is delivered is not asserted here; see the next test.)
TEST(WindowEvents, CancelFromHandlerGivesCancelEvent)
{
    EventWindow ew;
    Ca ca;
    HCLIENT h = ConnectSmtpWithEvents(ew, ca);
    ASSERT_NE(h, INVALID_CLIENT);
    std::string token = Unique("winevcancel");
    std::string to = Fx().Value("MW_USER1") + "@" + Fx().Value("MW_DOMAIN");
    std::string msg = BigMessage(token, 8u << 20);
    ASSERT_EQ(SmtpSendMessage(h, "alice@localhost", to.c_str(), msg.data(), msg.size(),
                              SMTP_MESSAGE_MEMORY),
              MAILWIRE_IN_PROGRESS);
    ew.on_event = [](EventWindow &w, HCLIENT hc, unsigned ev) {
        if (ev == SMTP_EVENT_PROGRESS && w.Count(SMTP_EVENT_PROGRESS) == 1) {
            EXPECT_EQ(SmtpCancel(hc), 0);
        }
    };
    DWORD t0 = GetTickCount();
    ew.Run(30000);
    ew.ExpectCompletedLast(h, ST_ERROR_CANCELLED);
    EXPECT_EQ(ew.Count(SMTP_EVENT_CANCEL), 1u);
    auto cancel = std::find_if(ew.notes.begin(), ew.notes.end(),
                               [](const Note &n) { return n.event == SMTP_EVENT_CANCEL; });
    if (cancel != ew.notes.end()) {
        EXPECT_EQ(cancel->error, static_cast<unsigned>(ST_ERROR_CANCELLED));
    }
    EXPECT_LT(GetTickCount() - t0, 10000u);
    EXPECT_EQ(SmtpDisconnect(h), 0);
}

// A Cancel button pressed right after Send, before the loop has driven the send: CANCEL and
// COMPLETE (cancelled) arrive through the loop and nothing is delivered.
TEST(WindowEvents, CancelBeforeTheLoopRunsSendsNothing)
{
    EventWindow ew;
    Ca ca;
    HCLIENT h = ConnectSmtpWithEvents(ew, ca);
    ASSERT_NE(h, INVALID_CLIENT);
    std::string token = Unique("winevcancel0");
    std::string to = Fx().Value("MW_USER1") + "@" + Fx().Value("MW_DOMAIN");
    std::string msg = BigMessage(token, 1u << 20);
    ASSERT_EQ(SmtpSendMessage(h, "alice@localhost", to.c_str(), msg.data(), msg.size(),
                              SMTP_MESSAGE_MEMORY),
              MAILWIRE_IN_PROGRESS);
    EXPECT_EQ(SmtpCancel(h), 0);
    ew.Run(30000);
    ew.ExpectCompletedLast(h, ST_ERROR_CANCELLED);
    EXPECT_EQ(ew.Count(SMTP_EVENT_CANCEL), 1u);
    EXPECT_EQ(ew.Count(SMTP_EVENT_PROGRESS), 0u);
    EXPECT_EQ(SmtpDisconnect(h), 0);
    mwt_sleep_ms(1500);
    EXPECT_TRUE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "X-Token: " + token, 0).empty())
        << "a cancelled message was delivered";
}

// IMAP with events: connect (STARTTLS), LOGIN, SELECT, SEARCH and FETCH of a message sent
// just before, each ended by COMPLETE in the message loop; then blocking again.
TEST(WindowEvents, ImapLoginFetchCountedInMessageLoop)
{
    Ca ca;
    std::string token = Unique("winevimap");
    std::string to = Fx().Value("MW_USER1") + "@" + Fx().Value("MW_DOMAIN");
    {
        HCLIENT s = SmtpConnect("localhost", Fx().Port("MW_SUBMISSION_PORT"), 20,
                                SMTP_OPTION_SECURE, nullptr, &ca.c);
        ASSERT_NE(s, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        ASSERT_EQ(SmtpAuthenticate(s, SMTP_AUTH_AUTO, Fx().Value("MW_USER1").c_str(),
                                   Fx().Value("MW_PASS1").c_str()),
                  0);
        std::string m = "From: alice@localhost\r\nSubject: " + token + "\r\nX-Token: " + token +
                        "\r\n\r\nread back through window messages\r\n";
        ASSERT_EQ(SmtpSendMessage(s, "alice@localhost", to.c_str(), m.data(), m.size(),
                                  SMTP_MESSAGE_MEMORY),
                  0);
        SmtpDisconnect(s);
        ASSERT_FALSE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "X-Token: " + token).empty());
    }
    EventWindow ew;
    ew.smtp = false;
    HCLIENT h = ImapAsyncConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                                 IMAP_OPTION_SECURE, &ca.c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapEnableEvents(h, ew.wnd, kEventMsg), 0) << MailwireGetLastErrorDetail();
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    EXPECT_EQ(ew.Count(IMAP_EVENT_CONNECT), 1u);

    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, Fx().Value("MW_USER1").c_str(),
                        Fx().Value("MW_PASS1").c_str()),
              MAILWIRE_IN_PROGRESS);
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    EXPECT_GE(ew.Count(IMAP_EVENT_COMMAND), 1u);

    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), MAILWIRE_IN_PROGRESS);
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);

    std::string criteria = "HEADER X-Token \"" + token + "\"";
    uint32_t ids[4] = {0};
    size_t n = 4;
    ASSERT_EQ(ImapSearchMailbox(h, nullptr, criteria.c_str(), IMAP_FETCH_UID, ids, &n),
              MAILWIRE_IN_PROGRESS);
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    ASSERT_EQ(n, 1u);

    std::vector<char> buf(1 << 16);
    size_t len = buf.size();
    ASSERT_EQ(ImapGetMessage(h, ids[0], 0, buf.data(), &len, IMAP_FETCH_UID), MAILWIRE_IN_PROGRESS);
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    EXPECT_GE(ew.Count(MAILWIRE_EVENT_READ), 1u);
    std::string got(buf.data(), len);
    EXPECT_NE(got.find("read back through window messages"), std::string::npos) << got;

    // DisableEvents() refuses while an operation runs, then blocking calls work again.
    ASSERT_EQ(ImapNoop(h), MAILWIRE_IN_PROGRESS);
    EXPECT_EQ(ImapDisableEvents(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), static_cast<unsigned>(ST_ERROR_BUSY));
    ew.Run();
    ew.ExpectCompletedLast(h, ST_ERROR_NONE);
    ASSERT_EQ(ImapDisableEvents(h), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapNoop(h), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapDisconnect(h), 0);
}

// The arguments EnableEvents() refuses: WM_NULL, something that is not a window, a window of
// another thread; and the other protocol's handle.
TEST(WindowEvents, EnableEventsRefusesBadArguments)
{
    EventWindow ew;
    HCLIENT h = SmtpAsyncConnect("localhost", Fx().Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_NONE,
                                 nullptr, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(SmtpEnableEvents(h, ew.wnd, WM_NULL), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_EQ(SmtpEnableEvents(h, nullptr, kEventMsg), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    HWND other = nullptr;
    HANDLE made = CreateEventW(nullptr, TRUE, FALSE, nullptr),
           done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    std::thread t([&] {
        other = CreateWindowExW(0, L"STATIC", L"", 0, 0, 0, 1, 1, HWND_MESSAGE, nullptr, nullptr,
                                nullptr);
        SetEvent(made);
        WaitForSingleObject(done, 10000);
        DestroyWindow(other);
    });
    WaitForSingleObject(made, 10000);
    EXPECT_EQ(SmtpEnableEvents(h, other, kEventMsg), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    SetEvent(done);
    t.join();
    CloseHandle(made);
    CloseHandle(done);
    EXPECT_EQ(ImapEnableEvents(h, ew.wnd, kEventMsg), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_HANDLE));
    EXPECT_EQ(SmtpDisableEvents(h), 0) << "without events it changes nothing";
    EXPECT_EQ(SmtpDisconnect(h), 0);
}

// The SocketTools C++ form: CSmtpClient::Connect(host, port, timeout, options, hEventWnd,
// uEventMsg) gives an asynchronous session whose CONNECT and COMPLETE reach the window;
// DisableEvents() makes it blocking; the same for CImapClient.
TEST(WindowEvents, CppConnectWithWindowIsAsynchronous)
{
    Ca ca;
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(ca.file.c_str(), nullptr), 0);
    {
        EventWindow ew;
        CSmtpClient smtp;
        ASSERT_TRUE(smtp.Connect("localhost", Fx().Port("MW_SUBMISSION_PORT"), 20,
                                 SMTP_OPTION_SECURE, ew.wnd, kEventMsg))
            << smtp.GetLastErrorDetail();
        EXPECT_TRUE(smtp.IsInProgress());
        ew.Run();
        ew.ExpectCompletedLast(smtp.GetHandle(), ST_ERROR_NONE);
        EXPECT_EQ(ew.Count(SMTP_EVENT_CONNECT), 1u);
        EXPECT_TRUE(
            smtp.Authenticate(Fx().Value("MW_USER1").c_str(), Fx().Value("MW_PASS1").c_str()));
        EXPECT_TRUE(smtp.IsInProgress());
        ew.Run();
        ew.ExpectCompletedLast(smtp.GetHandle(), ST_ERROR_NONE);
        EXPECT_TRUE(smtp.DisableEvents()) << smtp.GetLastErrorDetail();
        EXPECT_TRUE(smtp.Reset()) << smtp.GetLastErrorDetail();
        EXPECT_FALSE(smtp.IsInProgress()) << "blocking again";
        EXPECT_TRUE(smtp.EnableEvents(ew.wnd, kEventMsg));
        EXPECT_TRUE(smtp.Disconnect());
    }
    {
        EventWindow ew;
        ew.smtp = false;
        CImapClient imap;
        ASSERT_TRUE(imap.Connect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                                 IMAP_OPTION_SECURE, ew.wnd, kEventMsg))
            << imap.GetLastErrorDetail();
        ew.Run();
        ew.ExpectCompletedLast(imap.GetHandle(), ST_ERROR_NONE);
        EXPECT_TRUE(imap.Login(Fx().Value("MW_USER1").c_str(), Fx().Value("MW_PASS1").c_str(),
                               IMAP_AUTH_LOGIN));
        ew.Run();
        ew.ExpectCompletedLast(imap.GetHandle(), ST_ERROR_NONE);
        EXPECT_TRUE(imap.DisableEvents());
        EXPECT_TRUE(imap.Noop()) << imap.GetLastErrorDetail();
        EXPECT_FALSE(imap.IsInProgress());
        EXPECT_TRUE(imap.Disconnect());
    }
    MailwireSetDefaultCertificateAuthority(nullptr, nullptr);
}
