/* Window-message events (Windows only, internal): the SocketTools form of asynchronous
 * sessions, SmtpEnableEvents()/ImapEnableEvents(). The session is driven by a hidden
 * message-only window the library creates for it on the owner thread (WSAAsyncSelect for the
 * socket, a timer for the deadline, a posted message for "step now"), over the same
 * non-blocking step as every other event loop (MailwireSetWatch() + MailwireExecute()); each
 * event is also posted to the application's window as uEventMsg, wParam = the handle,
 * lParam = MAKELPARAM(event, error). */
#ifndef MW_WINEVENTS_H
#define MW_WINEVENTS_H

#include <mailwire/common.h>

#include "session.h"

#ifdef _WIN32
/* Post event (with its error) to the application's window, when the session has one. Called
 * by mw_session_emit() for every event, on the thread that drives the session. */
MW_INTERNAL void mw_winev_post(mw_session *s, unsigned event, unsigned err);
/* A cancel was requested (any thread): have the driver step the session now, so the CANCEL
 * event comes at once and not at the next byte from the server or the deadline. */
MW_INTERNAL void mw_winev_wake(mw_session *s);
/* The session is being freed (any thread): stop driving it and let its window go. */
MW_INTERNAL void mw_winev_release(mw_session *s);
#endif

#endif
