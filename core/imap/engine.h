/* IMAP protocol engine (internal): bytes in, bytes and events out; no I/O, no clock.
 *
 * The engine implements mw_engine_ops. An operation (one API call: connect, login, select,
 * a batch of fetches, IDLE ...) queues one or more tagged commands; commands are pipelined
 * (RFC 9051 section 5.5) and their tagged completions are matched by tag. Untagged data
 * updates the mailbox state whenever it arrives. The connection-level protocol state is one
 * enum changed only by set_state(). */
#ifndef MW_IMAP_ENGINE_H
#define MW_IMAP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/imap.h>

#include "../platform/platform.h"
#include "../session/engine_ops.h"
#include "encode.h"
#include "reader.h"

enum mw_imap_state {
    IMAP_ST_GREETING = 0,      /* waiting for the server greeting */
    IMAP_ST_NOT_AUTHENTICATED, /* connected, not logged in */
    IMAP_ST_STARTTLS,          /* STARTTLS go-ahead received: the session upgrades */
    IMAP_ST_AUTHENTICATING,    /* LOGIN or AUTHENTICATE in flight */
    IMAP_ST_AUTHENTICATED,     /* logged in, no mailbox selected */
    IMAP_ST_SELECTED,          /* a mailbox is selected */
    IMAP_ST_IDLE,              /* the server accepted IDLE ("+"), or NOOP polling */
    IMAP_ST_LOGOUT,            /* LOGOUT sent */
    IMAP_ST_CLOSED             /* BYE received or the engine failed fatally */
};

/* Command kinds (what a tagged completion means). */
enum mw_imap_cmd_kind {
    IMAP_CMD_CAPABILITY = 1,
    IMAP_CMD_STARTTLS,
    IMAP_CMD_ID,
    IMAP_CMD_LOGIN,
    IMAP_CMD_AUTHENTICATE,
    IMAP_CMD_ENABLE,
    IMAP_CMD_SELECT,
    IMAP_CMD_EXAMINE,
    IMAP_CMD_UNSELECT,
    IMAP_CMD_CLOSE,
    IMAP_CMD_LIST,
    IMAP_CMD_STATUS,
    IMAP_CMD_NAMESPACE,
    IMAP_CMD_FETCH,
    IMAP_CMD_SEARCH,
    IMAP_CMD_STORE,
    IMAP_CMD_COPY,
    IMAP_CMD_MOVE,
    IMAP_CMD_EXPUNGE,
    IMAP_CMD_APPEND,
    IMAP_CMD_IDLE,
    IMAP_CMD_NOOP,
    IMAP_CMD_LOGOUT,
    IMAP_CMD_OTHER
};

/* Operations. */
enum mw_imap_op {
    IMAP_OP_NONE = 0,
    IMAP_OP_CONNECT,
    IMAP_OP_LOGIN,
    IMAP_OP_SIMPLE,        /* every queued command, then done */
    IMAP_OP_MOVE_FALLBACK, /* COPY, then (after its OK) STORE \Deleted and EXPUNGE */
    IMAP_OP_FETCH_ALL,     /* UID SEARCH, then pipelined batches of UID FETCH */
    IMAP_OP_IDLE,
    IMAP_OP_LOGOUT
};

/* Capability bits. */
enum {
    IMAP_CAP_IMAP4REV1 = 1u << 0,
    IMAP_CAP_IMAP4REV2 = 1u << 1,
    IMAP_CAP_STARTTLS = 1u << 2,
    IMAP_CAP_LOGINDISABLED = 1u << 3,
    IMAP_CAP_SASL_IR = 1u << 4,
    IMAP_CAP_LITERAL_PLUS = 1u << 5,
    IMAP_CAP_LITERAL_MINUS = 1u << 6,
    IMAP_CAP_IDLE = 1u << 7,
    IMAP_CAP_UNSELECT = 1u << 8,
    IMAP_CAP_UIDPLUS = 1u << 9,
    IMAP_CAP_MOVE = 1u << 10,
    IMAP_CAP_ID = 1u << 11,
    IMAP_CAP_ENABLE = 1u << 12,
    IMAP_CAP_CONDSTORE = 1u << 13,
    IMAP_CAP_UTF8_ACCEPT = 1u << 14,
    IMAP_CAP_SPECIAL_USE = 1u << 15,
    IMAP_CAP_LIST_STATUS = 1u << 16,
    IMAP_CAP_NAMESPACE = 1u << 17,
    IMAP_CAP_LIST_EXTENDED = 1u << 18,
    IMAP_CAP_STATUS_SIZE = 1u << 19,
    IMAP_CAP_ESEARCH = 1u << 20
};

#define IMAP_MAX_INFLIGHT 128
#define IMAP_MAX_EVENTS 64

typedef struct mw_imap_cmd {
    unsigned tag;
    int kind;
    uint64_t end; /* absolute output offset just after the command's last byte */
    int detached; /* its result does not count for the running operation */
} mw_imap_cmd;

typedef struct mw_imap_list_entry {
    char *name; /* UTF-8 */
    char delim;
    uint32_t attrs;
    int has_status; /* LIST-STATUS (RFC 5819) data came with it */
    unsigned messages, unseen;
} mw_imap_list_entry;

typedef struct mw_imap_engine {
    int state;
    /* Optional: told about every state change (the API layer traces it by name). */
    void (*on_state)(void *user, int from, int to);
    void *on_state_user;
    uint32_t options;
    int tls;          /* the transport is TLS */
    int tls_required; /* STARTTLS or implicit TLS was asked for */
    int loopback;     /* the peer is a loopback address */
    mw_imap_reader rd;
    mw_imap_out out;
    unsigned next_tag;
    mw_imap_cmd cmds[IMAP_MAX_INFLIGHT];
    size_t ncmd;
    int cont_ok; /* "+" received for the synchronising literal at the send position */
    int secret;  /* the send position is inside a secret range */

    /* operation */
    int op, step, op_status;
    unsigned op_err;
    char op_detail[512];

    /* capabilities */
    uint32_t caps;
    unsigned mechs; /* MW_SASL_BIT set of AUTH= */
    int caps_known;
    char *capstr; /* space-separated, as announced */
    int utf8;     /* UTF-8 names and quoted strings (IMAP4rev2 or UTF8=ACCEPT enabled) */
    int rev2;
    int enable_sent, id_sent;

    /* last tagged result */
    int result_cond; /* -1 none, 0 OK, 1 NO, 2 BAD, 3 BYE */
    char result_text[1024];
    char alert[512];

    /* mailbox */
    IMAPMAILBOX mbox;
    int selected;
    unsigned changes; /* mailbox changes seen (EXISTS up, EXPUNGE, FETCH flags) */

    /* collectors for the running operation */
    mw_imap_list_entry *list;
    size_t nlist, caplist, list_pos;
    IMAPMAILBOXSTATUS status;
    uint32_t *search;
    size_t nsearch, capsearch;
    uint32_t append_uid;
    char ns_prefix[256];
    char ns_delim;

    /* fetch delivery */
    IMAPFETCHPROC sink;
    void *sink_user;
    unsigned sink_err;
    unsigned cur_seq;
    uint32_t cur_uid;
    int fetch_active; /* untagged FETCH bodies of this operation go to the sink */
    int fetch_seen;   /* ImapFetchMessages(): BODY[] (sets \\Seen) instead of BODY.PEEK[] */
    IMAPMESSAGEPROC info_cb;
    void *info_user;
    uint64_t xfer_done, xfer_total;

    /* APPEND source */
    IMAPSOURCEPROC src;
    void *src_user;
    uint64_t src_left;
    char *chunk;
    size_t chunk_len, chunk_off;

    /* multi-step operations */
    char *move_set; /* MOVE fallback: the message set */
    int move_uid;
    size_t fetch_batch; /* UIDs per UID FETCH of IMAP_OP_FETCH_ALL */

    /* AUTHENTICATE */
    struct mw_sasl *sasl;
    int sasl_initial_sent;

    /* IDLE */
    int idle_acked; /* "+" received for IDLE */
    int idle_done_queued;
    int idle_wait; /* IMAP_IDLE_WAIT: end at the first change */
    int idle_cancelled;
    int idle_polling;             /* no IDLE capability: NOOP every interval */
    unsigned idle_intervals_left; /* 0: unlimited */

    /* events */
    unsigned ev[IMAP_MAX_EVENTS], everr[IMAP_MAX_EVENTS];
    size_t ev_head, ev_count;
    unsigned long progress;
} mw_imap_engine;

extern MW_INTERNAL const mw_engine_ops mw_imap_engine_ops;

MW_INTERNAL const mw_imap_limits *mw_imap_default_limits(void);
MW_INTERNAL unsigned mw_imap_engine_init(mw_imap_engine *e, uint32_t options,
                                         const mw_imap_limits *lim);
MW_INTERNAL void mw_imap_engine_free(mw_imap_engine *e);
MW_INTERNAL const char *mw_imap_state_name(int state);

/* ---- building commands (engine.c) ---- */
/* Start a tagged command: writes "A<n> ". Returns its start offset for mw_imap_cmd_abort(). */
MW_INTERNAL uint64_t mw_imap_cmd_begin(mw_imap_engine *e);
/* End it (CRLF) and put it in flight. ST_ERROR_NONE, or an error (command dropped). */
MW_INTERNAL unsigned mw_imap_cmd_end(mw_imap_engine *e, int kind);
/* Drop a command being built (an argument could not be encoded). */
MW_INTERNAL void mw_imap_cmd_abort(mw_imap_engine *e, uint64_t start);
/* A mailbox name argument: modified UTF-7 unless UTF-8 is enabled. */
MW_INTERNAL unsigned mw_imap_put_mailbox(mw_imap_engine *e, const char *name);

/* ---- operations (engine.c) ---- */
MW_INTERNAL void mw_imap_op_begin(mw_imap_engine *e, int op);
/* Fail the operation before anything was sent (argument errors): returns err. */
MW_INTERNAL unsigned mw_imap_op_refuse(mw_imap_engine *e, unsigned err, const char *detail);
MW_INTERNAL void mw_imap_op_connect(mw_imap_engine *e);
MW_INTERNAL void mw_imap_set_state(mw_imap_engine *e, int state);
/* End an operation with an error (fatal: the connection must go). */
MW_INTERNAL void mw_imap_op_fail(mw_imap_engine *e, unsigned err, int fatal, const char *fmt, ...)
    MW_PRINTF(4, 5);
/* Record a failure reported once every command of the operation has completed. */
MW_INTERNAL void mw_imap_op_note(mw_imap_engine *e, unsigned err, const char *fmt, ...)
    MW_PRINTF(3, 4);
MW_INTERNAL void mw_imap_push_event(mw_imap_engine *e, unsigned ev, unsigned err);
/* IDLE: wait (end at the first change), intervals of the operation timeout before it ends
 * (0: until cancelled), NOOP polling instead of IDLE. */
MW_INTERNAL void mw_imap_op_idle(mw_imap_engine *e, int wait, unsigned intervals, int polling);
/* A new operation starts while IDLE runs: DONE is queued and the IDLE's completion no longer
 * counts for any operation. */
MW_INTERNAL void mw_imap_op_detach_idle(mw_imap_engine *e);
/* A mailbox change (UPDATE event; ends a waiting IDLE). */
MW_INTERNAL void mw_imap_note_change(mw_imap_engine *e);
/* Queue the raw line "DONE" that ends IDLE (after the "+" when it has not come yet). */
MW_INTERNAL void mw_imap_idle_stop(mw_imap_engine *e);

/* Internal steps shared by engine.c, response.c and engine_ops.c. */
MW_INTERNAL void mw_imap_op_advance(mw_imap_engine *e); /* all commands done: next step or finish */
MW_INTERNAL void mw_imap_op_finish(mw_imap_engine *e);
MW_INTERNAL size_t mw_imap_live_commands(const mw_imap_engine *e);
MW_INTERNAL void mw_imap_queue_simple(mw_imap_engine *e, const char *cmd, int kind);
/* A complete response from the reader (response.c). */
MW_INTERNAL void mw_imap_response(mw_imap_engine *e);

/* ---- AUTHENTICATE (auth.c) ---- */
/* Start AUTHENTICATE with mechanism mech (MW_SASL_*): SASL-IR when offered. */
MW_INTERNAL unsigned mw_imap_auth_start(mw_imap_engine *e, int mech, const char *user,
                                        const char *pass, const char *host, unsigned port);
/* A "+" challenge during AUTHENTICATE: answer it (or cancel with "*"). */
MW_INTERNAL void mw_imap_auth_continue(mw_imap_engine *e);
/* Tagged OK: the mechanism must agree (SCRAM server proof). Non-zero: the op failed. */
MW_INTERNAL int mw_imap_auth_verify(mw_imap_engine *e);
MW_INTERNAL void mw_imap_auth_free(mw_imap_engine *e);
/* The mechanism for an IMAP_AUTH_* type: checks what the server offers and whether the
 * secret may cross this connection (cleartext_ok). *mech is an MW_SASL_* value, or
 * IMAP_MECH_LOGIN_COMMAND for the LOGIN command. ST_ERROR_NONE or the error with *why. */
#define IMAP_MECH_LOGIN_COMMAND (-1)
MW_INTERNAL unsigned mw_imap_auth_choose(mw_imap_engine *e, unsigned type, int cleartext_ok,
                                         int *mech, const char **why);
/* The mechanisms of the AUTH= capabilities, as MW_SASL_BIT bits. */
MW_INTERNAL unsigned mw_imap_auth_mechs(const mw_imap_engine *e);

/* ---- responses (untagged.c) ---- */
MW_INTERNAL void mw_imap_handle_data(mw_imap_engine *e);
MW_INTERNAL void mw_imap_handle_code(mw_imap_engine *e, const char *code, size_t len, int tagged,
                                     int kind);
MW_INTERNAL void mw_imap_parse_caps(mw_imap_engine *e, const char *s, size_t n);
MW_INTERNAL int mw_imap_has_cap(const mw_imap_engine *e, const char *name);
MW_INTERNAL void mw_imap_clear_results(mw_imap_engine *e);
/* The literal announced now: stream it to the sink or keep it in memory. */
MW_INTERNAL int mw_imap_literal_mode_for(mw_imap_engine *e);
MW_INTERNAL void mw_imap_deliver_chunk(mw_imap_engine *e, const char *p, size_t n);
/* An untagged FETCH response of message seq (fetch.c). */
MW_INTERNAL void mw_imap_handle_fetch(mw_imap_engine *e, uint32_t seq);
/* Flags of the parenthesised list at token i; other keywords appended to kw (untagged.c). */
MW_INTERNAL uint32_t mw_imap_parse_flags(const mw_imap_reader *r, size_t i, char *kw,
                                         size_t kwsize);

#endif
