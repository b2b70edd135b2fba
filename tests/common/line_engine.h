/* A minimal line-oriented engine for tests and the TLS probe (not part of the library).
 *
 * It sends queued commands and waits for a number of replies, where a reply is one line
 * (IMAP style) or an SMTP multi-line reply ("250-..." continues, "250 ..." ends). It can
 * treat the next reply as a STARTTLS go-ahead. It follows the same contract as the real
 * engines: no I/O, bytes in and bytes out. */
#ifndef MWT_LINE_ENGINE_H
#define MWT_LINE_ENGINE_H

#include <stddef.h>

#include "core/proto/line.h"
#include "core/session/session.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { MWT_LE_LINES = 0, MWT_LE_SMTP = 1 };

typedef struct mwt_line_engine {
    mw_line_asm la;
    int mode;
    char out[4096];
    size_t out_len, out_sent;
    size_t secret_from; /* offset in out from which bytes are secret, or (size_t)-1 */
    int awaiting;       /* replies still expected */
    int tls_next;       /* the next reply is a STARTTLS go-ahead when positive */
    int state;          /* MW_OP_* */
    unsigned err;
    char detail[256];
    char replies[16384]; /* every line received, each ended by '\n' */
    size_t replies_len;
    int last_code; /* SMTP: code of the last reply */
    unsigned long progress;
    int tls_started_count;
    /* Optional behaviours for the engine-hook tests. */
    int emit_commands;       /* raise MAILWIRE_EVENT_COMMAND per complete reply */
    unsigned pending_events; /* COMMAND events not yet taken by the session */
    const char *expire_cmd;  /* on a passed deadline: send this and expect one more reply */
    int expire_count;
    const char *cancel_cmd; /* on cancel: send this, await its reply, fail CANCELLED */
    int cancelling;
    int cancel_count;
    size_t bulk; /* filler bytes ('x' lines) to send before the queued command */
    size_t bulk_sent;
} mwt_line_engine;

extern const mw_engine_ops mwt_line_engine_ops;

void mwt_le_init(mwt_line_engine *e, int mode, size_t line_limit);
void mwt_le_free(mwt_line_engine *e);
/* Expect `replies` more replies without sending anything (a greeting). */
void mwt_le_expect(mwt_line_engine *e, int replies);
/* Queue a command (bytes as given) and expect one reply. secret_from: offset in cmd from
 * which the bytes are secret for the trace, or (size_t)-1. */
void mwt_le_command(mwt_line_engine *e, const char *cmd, size_t secret_from);
/* Queue a STARTTLS-style command whose successful reply means "start TLS now". */
void mwt_le_starttls(mwt_line_engine *e, const char *cmd);

#ifdef __cplusplus
}
#endif

#endif
