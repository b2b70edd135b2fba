/* Window-message events on Windows (SmtpEnableEvents(), ImapEnableEvents(); winevents.h).
 *
 * Why a window per session and not one per thread: every notification the driver gets then
 * names its session by the window alone (WSAAsyncSelect() messages carry only the socket,
 * WM_TIMER only a timer id), messages still queued for a session that is gone die with its
 * window, and a session freed from another thread needs no shared table: its window is
 * closed by a posted WM_CLOSE on the thread that made it. A message-only window costs a few
 * hundred bytes in the window manager.
 *
 * The driver is one more event loop over the non-blocking face: it registers itself with
 * the session's watch (mw_session_set_watch(), what MailwireSetWatch() does) and calls
 * MailwireExecute() when the socket is ready (WSAAsyncSelect()), the deadline passes
 * (SetTimer()) or the session asks for a step now (a posted message). No second engine. */
#ifdef _WIN32

#include <winsock2.h>
#include <windows.h>

#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include "../util/str.h"
#include "client.h"
#include "errors.h"
#include "handle.h"
#include "session_priv.h"
#include "winevents.h"

/* Messages of the driver window (private to it, so any value above WM_APP will do). */
#define DRV_MSG_SOCKET (WM_APP + 0x4d57) /* WSAAsyncSelect(): the socket is ready */
#define DRV_MSG_STEP (WM_APP + 0x4d58)   /* the session asked for a step now, or was cancelled */
#define DRV_TIMER 1                      /* the operation's deadline */
#define DRV_TIMER_NOW 2                  /* a step now, after the input and paint waiting */

static const wchar_t drv_class[] = L"mailwire.EventDriver";

static HINSTANCE drv_module(void)
{
    /* The module holding this code (the DLL, or the program for the static library): window
     * classes are registered per module. Found by the address of this file's data (ISO C has
     * no conversion of a function's address to a data pointer). */
    HMODULE m = NULL;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                           GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                       drv_class, &m);
    return (HINSTANCE)m;
}

static void post_step(mw_session *s, HWND w)
{
    /* A posted message comes before input, paint and timer messages, and a send that goes on
     * slice after slice would post one after another: the window would take no input, never
     * repaint and hear no timer until the send ended. While any of those wait, go on through
     * a timer of the driver instead, which comes after them. */
    if (HIWORD(GetQueueStatus(QS_INPUT | QS_PAINT | QS_TIMER)) != 0 &&
        GetWindowThreadProcessId(w, NULL) == GetCurrentThreadId()) {
        SetTimer(w, DRV_TIMER_NOW, USER_TIMER_MINIMUM, NULL);
        return;
    }
    /* One at a time: each asks for a MailwireExecute(), which does all there is to do. */
    if (mw_atomic_fetch_add(&s->ev_posted, 1) == 0 && !PostMessageW(w, DRV_MSG_STEP, 0, 0))
        mw_atomic_store(&s->ev_posted, 0); /* a full queue: the next request tries again */
}

/* The deadline as the session sees it now. Re-armed after every step, also when the watch
 * was not told anything new: a timer may fire a little before the session's clock reaches
 * the deadline (both tick in 10 to 16 ms steps), and a periodic timer left as it was would
 * come back only a whole timeout later. */
static void arm_timer(mw_session *s, HWND w, int timeout)
{
    if (timeout < 0)
        KillTimer(w, DRV_TIMER);
    else if (timeout == 0)
        post_step(s, w);
    else
        SetTimer(w, DRV_TIMER, (UINT)timeout, NULL);
}

/* MAILWIRE_WATCHPROC of the driver: called from inside the session (it must not call into
 * it), so it only arranges to be woken. */
static void MAILWIRE_CALLBACK drv_watch(HCLIENT hClient, MAILWIRE_SOCKET hSocket, unsigned nEvents,
                                        int nTimeout, void *lpUserData)
{
    mw_session *s = lpUserData;
    HWND w = s->ev_drv;
    (void)hClient;
    if (!w)
        return;
    if (hSocket == (MAILWIRE_SOCKET)INVALID_SOCKET) {
        /* The session is being freed, or its connection is gone (the socket is closed, and
         * closing cancels WSAAsyncSelect()). */
        KillTimer(w, DRV_TIMER);
        s->ev_sock = MW_INVALID_SOCKET;
        s->ev_mask = 0;
        return;
    }
    long mask = 0;
    if (nEvents & MAILWIRE_POLL_READ)
        mask |= FD_READ | FD_CLOSE;
    if (nEvents & MAILWIRE_POLL_WRITE)
        mask |= FD_WRITE | FD_CONNECT | FD_CLOSE;
    /* Only the socket the session names now is touched: one it used before (the resolver's
     * wake-up channel, a connect attempt) is either closed, and its handle value may belong
     * to another session's socket by now, or it is the wake-up channel, whose FD_READ still
     * brings a cancel here promptly. Asking again re-reports a condition already true
     * (readable, writable), so nothing is missed between two steps. */
    WSAAsyncSelect((SOCKET)hSocket, w, mask ? DRV_MSG_SOCKET : 0, mask);
    s->ev_sock = (mw_socket_t)hSocket;
    s->ev_mask = (unsigned)mask;
    arm_timer(s, w, nTimeout);
}

/* One step of the session behind window w, for whatever woke it. The application's last
 * error is kept: the driver runs between its calls, from its message loop. */
static void drv_step(HWND w, UINT msg)
{
    HCLIENT h = (HCLIENT)GetWindowLongPtrW(w, GWLP_USERDATA);
    mw_session *s;
    if (!h)
        return;
    unsigned saved = mw_get_error();
    char detail[512];
    mw_strlcpy(detail, mw_get_error_detail(), sizeof detail);
    if (mw_handle_lookup(h, 1, &s) == ST_ERROR_NONE && s->ev_drv == w) {
        if (msg == DRV_MSG_STEP)
            mw_atomic_store(&s->ev_posted, 0);
        (void)MailwireExecute(h);
        /* The session may be gone now (an event callback disconnected it), or events may
         * have been disabled by one: look it up again. */
        MAILWIRE_SOCKET sock;
        unsigned events;
        int timeout;
        if (mw_handle_lookup(h, 1, &s) == ST_ERROR_NONE && s->ev_drv == w &&
            MailwireGetPollInfo(h, &sock, &events, &timeout) == 0)
            arm_timer(s, w, mw_session_busy(s) ? timeout : -1);
    }
    mw_set_error_text(saved, detail);
}

static LRESULT CALLBACK drv_proc(HWND w, UINT msg, WPARAM wp, LPARAM lp)
{
    switch (msg) {
    case DRV_MSG_SOCKET:
    case DRV_MSG_STEP:
        drv_step(w, msg);
        return 0;
    case WM_TIMER:
        if (wp == DRV_TIMER_NOW)
            KillTimer(w, DRV_TIMER_NOW); /* once */
        if (wp == DRV_TIMER || wp == DRV_TIMER_NOW)
            drv_step(w, msg);
        return 0;
    case WM_CLOSE:
        /* Posted by mw_winev_release() on another thread: windows die on their own thread. */
        DestroyWindow(w);
        return 0;
    default:
        return DefWindowProcW(w, msg, wp, lp);
    }
}

static HWND drv_create(HCLIENT h)
{
    HINSTANCE mod = drv_module();
    WNDCLASSEXW wc;
    if (!GetClassInfoExW(mod, drv_class, &wc)) {
        memset(&wc, 0, sizeof wc);
        wc.cbSize = sizeof wc;
        wc.lpfnWndProc = drv_proc;
        wc.hInstance = mod;
        wc.lpszClassName = drv_class;
        /* Two threads may race here: the loser's ERROR_CLASS_ALREADY_EXISTS is success. */
        if (!RegisterClassExW(&wc) && GetLastError() != ERROR_CLASS_ALREADY_EXISTS)
            return NULL;
    }
    HWND w = CreateWindowExW(0, drv_class, L"", 0, 0, 0, 0, 0, HWND_MESSAGE, NULL, mod, NULL);
    if (w)
        SetWindowLongPtrW(w, GWLP_USERDATA, (LONG_PTR)h);
    return w;
}

/* Stop selecting the sockets this driver asked for; the sockets stay open. */
static void drv_unselect(mw_session *s, HWND w)
{
    if (s->ev_sock != MW_INVALID_SOCKET && (s->ev_sock == s->sock || s->ev_sock == s->wake.rd))
        WSAAsyncSelect((SOCKET)s->ev_sock, w, 0, 0);
    if (s->wake.rd != MW_INVALID_SOCKET && s->wake.rd != s->ev_sock)
        WSAAsyncSelect((SOCKET)s->wake.rd, w, 0, 0); /* selected while resolving, maybe */
    s->ev_sock = MW_INVALID_SOCKET;
    s->ev_mask = 0;
}

/* Let go of the driver window: destroyed here on its own thread, else closed by a message. */
static void drv_destroy(HWND w)
{
    SetWindowLongPtrW(w, GWLP_USERDATA, 0); /* queued messages find no session */
    if (GetWindowThreadProcessId(w, NULL) == GetCurrentThreadId())
        DestroyWindow(w);
    else
        PostMessageW(w, WM_CLOSE, 0, 0);
}

void mw_winev_post(mw_session *s, unsigned event, unsigned err)
{
    if (s->ev_wnd)
        PostMessageW((HWND)s->ev_wnd, s->ev_msg, (WPARAM)s->handle,
                     MAKELPARAM((WORD)event, (WORD)err));
}

void mw_winev_wake(mw_session *s)
{
    HWND w = (HWND)s->ev_drv;
    if (w)
        PostMessageW(w, DRV_MSG_STEP, 0, 0);
}

void mw_winev_release(mw_session *s)
{
    HWND w = (HWND)s->ev_drv;
    if (!w)
        return;
    if (s->watch == drv_watch)
        s->watch = NULL;
    drv_unselect(s, w);
    s->ev_drv = NULL;
    s->ev_wnd = NULL;
    drv_destroy(w);
}

/* ---- the public calls --------------------------------------------------------------------- */

static int enable_events(HCLIENT h, unsigned proto, HWND wnd, UINT msg)
{
    mw_session *s;
    void *data;
    if (mw_client_lookup(h, proto, &s, &data))
        return MAILWIRE_ERROR;
    if (!wnd || !IsWindow(wnd))
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "hEventWnd is not a window");
    if (GetWindowThreadProcessId(wnd, NULL) != GetCurrentThreadId())
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "hEventWnd belongs to another thread; the session is driven "
                                "from the thread of its notification window");
    if (msg == WM_NULL)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "uEventMsg is WM_NULL; use WM_USER or WM_APP and above");
    if (!mw_session_is_async(s) && mw_session_busy(s))
        return mw_client_refuse(ST_ERROR_BUSY, "a blocking call is running on the session");
    if (!s->ev_drv) {
        HWND drv = drv_create(h);
        if (!drv)
            return mw_client_refuse(ST_ERROR_INTERNAL,
                                    "the driver window could not be created (error %lu)",
                                    (unsigned long)GetLastError());
        s->ev_drv = drv;
    }
    s->ev_wnd = wnd;
    s->ev_msg = msg;
    mw_session_set_async(s, 1);
    /* Tells the driver at once what to watch: a running operation (the connect of an
     * AsyncConnect) goes on from the next message the window's thread dispatches. */
    mw_session_set_watch(s, drv_watch, s);
    return mw_client_ok();
}

static int disable_events(HCLIENT h, unsigned proto)
{
    mw_session *s;
    void *data;
    if (mw_client_lookup(h, proto, &s, &data))
        return MAILWIRE_ERROR;
    if (!s->ev_drv)
        return mw_client_ok(); /* nothing to undo: the session stays as it is */
    if (mw_session_busy(s))
        return mw_client_refuse(ST_ERROR_BUSY,
                                "an operation is still running; wait for its COMPLETE event "
                                "(or cancel it) before returning to blocking mode");
    mw_winev_release(s);
    mw_session_set_watch(s, NULL, NULL);
    mw_session_set_async(s, 0);
    return mw_client_ok();
}

int SmtpEnableEvents(HCLIENT hClient, struct HWND__ *hEventWnd, unsigned int uEventMsg)
{
    return enable_events(hClient, MW_PROTO_SMTP, hEventWnd, uEventMsg);
}

int SmtpDisableEvents(HCLIENT hClient)
{
    return disable_events(hClient, MW_PROTO_SMTP);
}

int ImapEnableEvents(HCLIENT hClient, struct HWND__ *hEventWnd, unsigned int uEventMsg)
{
    return enable_events(hClient, MW_PROTO_IMAP, hEventWnd, uEventMsg);
}

int ImapDisableEvents(HCLIENT hClient)
{
    return disable_events(hClient, MW_PROTO_IMAP);
}

#endif /* _WIN32 */
