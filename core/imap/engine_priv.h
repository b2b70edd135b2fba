/* Inside of the IMAP engine: the struct layout and the helpers its files share (engine.c:
 * life cycle and operations; engine_ops.c: the mw_engine_ops table; ops*.c: the engine ops;
 * response.c and untagged.c: what the server sends; fetch.c: FETCH data; auth.c:
 * AUTHENTICATE; results.c: the getters). Nothing outside core/imap includes it but the
 * engine's own tests. */
#ifndef MW_IMAP_ENGINE_PRIV_H
#define MW_IMAP_ENGINE_PRIV_H

#include "../util/evq.h"
#include "encode.h"
#include "engine.h"
#include "sync.h"

/* Connection-level protocol state (RFC 9051 section 3); changed only by mw_imap_set_state().
 * IDLE is an operation, not a state: the state stays AUTHENTICATED or SELECTED meanwhile. */
enum mw_imap_state {
    IMAP_ST_GREETING = 0,      /* waiting for the server greeting */
    IMAP_ST_NOT_AUTHENTICATED, /* connected, not logged in */
    IMAP_ST_STARTTLS,          /* STARTTLS go-ahead received: the session upgrades */
    IMAP_ST_AUTHENTICATING,    /* LOGIN or AUTHENTICATE in flight */
    IMAP_ST_AUTHENTICATED,     /* logged in, no mailbox selected */
    IMAP_ST_SELECTED,          /* a mailbox is selected */
    IMAP_ST_LOGOUT,            /* LOGOUT sent */
    IMAP_ST_CLOSED             /* BYE received, the engine failed fatally, or the connection went */
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
    IMAP_CMD_OTHER,
    IMAP_CMD_COMPRESS /* COMPRESS DEFLATE (RFC 4978; compress.c) */
};

/* Operations (how the completion of all queued commands is followed up). */
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
    IMAP_CAP_ESEARCH = 1u << 20,
    IMAP_CAP_QRESYNC = 1u << 21,
    IMAP_CAP_BINARY = 1u << 29,          /* RFC 3516 (binary.c) */
    IMAP_CAP_COMPRESS_DEFLATE = 1u << 30 /* RFC 4978 (compress.c) */
};

#define IMAP_MAX_INFLIGHT 128

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

/* Where the running operation's results go when it ends: the caller's memory, given to the
 * op. All NULL between operations. */
typedef struct mw_imap_dest {
    IMAPMAILBOX *mbox;         /* SELECT, EXAMINE, EXPUNGE */
    IMAPMAILBOXSTATUS *status; /* STATUS */
    IMAPMAILBOXINFO *info;     /* LIST: the first entry */
    uint32_t list_options;     /* LIST: IMAP_LIST_SPECIALUSE keeps the special-use ones */
    char *ns_prefix;           /* NAMESPACE */
    size_t ns_size;
    char *ns_delim;
    uint32_t *ids; /* SEARCH */
    size_t *nids;
    uint32_t *uid;     /* APPEND */
    unsigned *changes; /* IDLE */
    size_t *len;       /* the buffer of mw_imap_op_get_message() */
} mw_imap_dest;

struct mw_imap_engine {
    enum mw_imap_state state;
    void (*on_state)(void *user, const char *from, const char *to);
    void *on_state_user;
    uint32_t options;
    int tls;          /* the transport is TLS */
    int tls_required; /* STARTTLS or implicit TLS was asked for */
    mw_imap_reader rd;
    mw_imap_out out;
    unsigned next_tag;
    mw_imap_cmd cmds[IMAP_MAX_INFLIGHT];
    size_t ncmd;
    int cont_ok; /* "+" received for the synchronising literal at the send position */
    int secret;  /* the send position is inside a secret range */

    /* operation */
    enum mw_imap_op op;
    int step, op_status;
    unsigned op_err;
    char op_detail[512];
    char why[256]; /* cause of the last refused op call */
    mw_imap_dest dest;
    /* Copies the results into dest when the op ends (not after a fatal failure); may turn a
     * success into a failure (a buffer too small). NULL: nothing to copy. */
    void (*deliver)(mw_imap_engine *e);
    mw_imap_release_fn release;
    void *release_user;

    /* capabilities */
    uint32_t caps;
    unsigned mechs; /* MW_SASL_BIT set of AUTH= */
    int caps_known;
    char *capstr;       /* space-separated, as announced */
    unsigned caps_gen;  /* capability lists received so far */
    unsigned login_gen; /* caps_gen when the login command was queued */
    int utf8;           /* UTF-8 names and quoted strings (IMAP4rev2 or UTF8=ACCEPT enabled) */
    int rev2;
    int enable_sent, id_sent;

    /* last tagged result */
    int result_cond; /* -1 none, 0 OK, 1 NO, 2 BAD, 3 BYE */
    char result_text[1024];
    char alert[512];

    /* mailbox (valid in IMAP_ST_SELECTED) */
    IMAPMAILBOX mbox;
    unsigned changes; /* mailbox changes seen (EXISTS up, EXPUNGE, FETCH flags) */

    /* results kept for the getters */
    mw_imap_list_entry *list;
    size_t nlist, caplist, list_pos;
    IMAPMAILBOXSTATUS status;
    uint32_t *search;
    size_t nsearch, capsearch;
    /* ids kept at most (the caller's capacity, or the range a fetch asked for) and all the
     * matches counted; more matches than kept are counted, never stored. */
    size_t search_keep;
    size_t search_total;
    const char *info_envelope; /* the ENVELOPE as sent, during an info callback only */
    uint32_t append_uid;
    char ns_prefix[256];
    char ns_delim;

    /* fetch delivery */
    IMAPFETCHPROC sink;
    void *sink_user;
    unsigned sink_err;
    unsigned cur_seq;
    uint32_t cur_uid;
    int fetch_active;    /* untagged FETCH bodies of this operation go to the sink */
    int fetch_seen;      /* range fetch: BODY[] (sets \Seen) instead of BODY.PEEK[] */
    int fetch_need_data; /* single fetch: no body at all means no such message */
    /* The section asked for (RFC 9051 section 6.4.5: "" whole message, "1", "1.MIME",
     * "HEADER"...): only body items of that section reach the sink; others sent along are
     * read and dropped. */
    char fetch_section[208];
    int cur_discard; /* the literal being streamed is such an other section */
    unsigned fetch_starts;
    IMAPMESSAGEPROC info_cb;
    void *info_user;
    uint64_t xfer_done, xfer_total;
    /* the capped buffer of mw_imap_op_get_message() */
    char *buf;
    size_t buf_cap, buf_len;
    uint64_t buf_need;
    int buf_over;

    /* APPEND source */
    IMAPSOURCEPROC src;
    void *src_user;
    uint64_t src_left;
    const char *mem; /* mw_imap_op_append() from memory */
    size_t mem_left;
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

    /* COMPRESS=DEFLATE (compress.c): MW_IMAP_Z_* */
    int z_state;
    int z_tried;    /* IMAP_OPTION_COMPRESS asked once on this connection */
    int z_explicit; /* ImapCompress(): a refusal is the operation's failure */
    /* BINARY.SIZE (binary.c): the size seen, and where it goes when the operation ends */
    uint64_t bin_size;
    int bin_size_seen;
    uint64_t *bin_size_out;
    /* CONDSTORE and QRESYNC (sync.c) */
    mw_imap_sync sync;

    /* events */
    mw_evq events;
    unsigned long progress;
};

MW_INTERNAL const char *mw_imap_state_name(enum mw_imap_state state);
/* The connection-level part as before the first byte (new engine, or a new connection). */
MW_INTERNAL void mw_imap_reset(mw_imap_engine *e);
MW_INTERNAL void mw_imap_set_state(mw_imap_engine *e, enum mw_imap_state state);
MW_INTERNAL void mw_imap_push_event(mw_imap_engine *e, unsigned ev, unsigned err);

/* ---- building commands (engine.c) ---- */
/* Start a tagged command: writes "A<n> ". */
MW_INTERNAL void mw_imap_cmd_begin(mw_imap_engine *e);
/* End it (CRLF) and put it in flight. ST_ERROR_NONE, or an error (the operation failed
 * fatally: out of memory or too many commands in flight). */
MW_INTERNAL unsigned mw_imap_cmd_end(mw_imap_engine *e, enum mw_imap_cmd_kind kind);
/* A whole command without arguments. */
MW_INTERNAL void mw_imap_queue_simple(mw_imap_engine *e, const char *cmd,
                                      enum mw_imap_cmd_kind kind);
/* A mailbox name argument: modified UTF-7 unless UTF-8 is enabled. Checked by
 * mw_imap_check_mailbox() first, so only memory can fail here (the command then fails). */
MW_INTERNAL void mw_imap_put_mailbox(mw_imap_engine *e, const char *name);

/* ---- op calls (ops.c) ---- */
/* What an op needs of the protocol state. */
enum mw_imap_need { MW_IMAP_NEED_CONNECTION, MW_IMAP_NEED_AUTH, MW_IMAP_NEED_SELECTED };
/* Refuse an op call: the cause goes to why(); returns err. */
MW_INTERNAL unsigned mw_imap_refuse(mw_imap_engine *e, unsigned err, const char *fmt, ...)
    MW_PRINTF(3, 4);
/* Refuse an op call that came with a release hook: the hook is the op's from the call on, so
 * a refusal releases it at once. Returns err (why() already set). */
MW_INTERNAL unsigned mw_imap_refuse_release(mw_imap_release_fn release, void *user, unsigned err);
/* NOT_CONNECTED, BUSY, INVALID_STATE checks, in that order; ST_ERROR_NONE or the refusal. */
MW_INTERNAL unsigned mw_imap_need(mw_imap_engine *e, enum mw_imap_need need);
/* Whether a mailbox name can be sent on this connection; else the refusal (what names the
 * argument in the cause). */
MW_INTERNAL unsigned mw_imap_check_mailbox(mw_imap_engine *e, const char *name, const char *what);
/* Validation passed: end a running IDLE (DONE queued, its completion detached, its results
 * delivered), then begin op. */
MW_INTERNAL void mw_imap_op_start(mw_imap_engine *e, enum mw_imap_op op);
/* Any CTL (RFC 9051 section 9: %x00-1F / %x7F), any byte over 0x7F. */
MW_INTERNAL int mw_imap_has_control(const char *s);
MW_INTERNAL int mw_imap_has_8bit(const char *s);

/* ---- operations (engine.c) ---- */
MW_INTERNAL void mw_imap_op_begin(mw_imap_engine *e, enum mw_imap_op op);
/* Whether an operation runs (status RUNNING or START_TLS). */
MW_INTERNAL int mw_imap_op_open(const mw_imap_engine *e);
/* End an operation with an error (fatal: the connection must go). */
MW_INTERNAL void mw_imap_op_fail(mw_imap_engine *e, unsigned err, int fatal, const char *fmt, ...)
    MW_PRINTF(4, 5);
/* Record a failure reported once every command of the operation has completed. */
MW_INTERNAL void mw_imap_op_note(mw_imap_engine *e, unsigned err, const char *fmt, ...)
    MW_PRINTF(3, 4);
/* All commands done: queue the next step or finish. */
MW_INTERNAL void mw_imap_op_advance(mw_imap_engine *e);
/* Finish: results delivered, release hook called, DONE or FAILED. */
MW_INTERNAL void mw_imap_op_finish(mw_imap_engine *e);
MW_INTERNAL size_t mw_imap_live_commands(const mw_imap_engine *e);
/* A new operation starts while IDLE runs: DONE is queued and the IDLE's completion no longer
 * counts for any operation. */
MW_INTERNAL void mw_imap_op_detach_idle(mw_imap_engine *e);
/* A mailbox change (UPDATE event; ends a waiting IDLE). */
MW_INTERNAL void mw_imap_note_change(mw_imap_engine *e);
/* Queue the raw line "DONE" that ends IDLE (after the "+" when it has not come yet). */
MW_INTERNAL void mw_imap_idle_stop(mw_imap_engine *e);
/* The connection went: fail the running operation, refuse later ones. */
MW_INTERNAL void mw_imap_closed(mw_imap_engine *e);
/* A complete response from the reader (response.c). */
MW_INTERNAL void mw_imap_response(mw_imap_engine *e);

/* ---- AUTHENTICATE (auth.c) ---- */
/* Create the SASL state for mech (MW_SASL_*): ST_ERROR_NONE or a refusal (why() set). */
MW_INTERNAL unsigned mw_imap_auth_prepare(mw_imap_engine *e, int mech, const char *user,
                                          const char *pass, const char *host, unsigned port);
/* Queue AUTHENTICATE for the prepared mechanism (SASL-IR when offered). */
MW_INTERNAL void mw_imap_auth_queue(mw_imap_engine *e, int mech);
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
/* Ids of a SEARCH response (streamed by the reader) or of an ESEARCH set. */
MW_INTERNAL void mw_imap_search_ids(mw_imap_engine *e, const uint32_t *ids, size_t n);
/* Start collecting search results: keep at most keep ids. */
MW_INTERNAL void mw_imap_search_reset(mw_imap_engine *e, size_t keep);
/* Results of one kind, emptied when an op that collects them starts. */
MW_INTERNAL void mw_imap_clear_list(mw_imap_engine *e);
/* The literal announced now: stream it to the sink or keep it in memory (fetch.c). */
MW_INTERNAL int mw_imap_literal_mode_for(mw_imap_engine *e);
MW_INTERNAL void mw_imap_deliver_chunk(mw_imap_engine *e, const char *p, size_t n);
/* An untagged FETCH response of message seq (fetch.c). */
MW_INTERNAL void mw_imap_handle_fetch(mw_imap_engine *e, uint32_t seq);
/* Flags of the parenthesised list at token i; other keywords appended to kw (untagged.c). */
MW_INTERNAL uint32_t mw_imap_parse_flags(const mw_imap_reader *r, size_t i, char *kw,
                                         size_t kwsize);
/* The next space-separated word at or after p (a capability list, keywords): its start, and
 * its length in *len, 0 at the end of the string. */
static inline const char *mw_imap_word(const char *p, size_t *len)
{
    while (*p == ' ')
        p++;
    const char *q = p;
    while (*q && *q != ' ')
        q++;
    *len = (size_t)(q - p);
    return p;
}
/* ---- COMPRESS=DEFLATE (compress.c) ---- */
enum {
    MW_IMAP_Z_OFF = 0,
    MW_IMAP_Z_SENT,     /* COMPRESS DEFLATE in flight */
    MW_IMAP_Z_ACCEPTED, /* its OK read: the session must insert the layer before anything else */
    MW_IMAP_Z_ACTIVE
};
/* IMAP_OPTION_COMPRESS after a login (or PREAUTH): queue COMPRESS DEFLATE when offered and
 * not asked yet. Returns 1 when it was queued. */
MW_INTERNAL int mw_imap_compress_auto(mw_imap_engine *e);
/* The tagged response of COMPRESS. */
MW_INTERNAL void mw_imap_compress_done(mw_imap_engine *e, int cond, const char *text);
/* mw_engine_ops.compress. */
MW_INTERNAL int mw_imap_compress_go(void *eng);

/* ---- BINARY (binary.c) ---- */
/* The checks of a fetch with IMAP_FETCH_BINARY: ST_ERROR_NONE or the refusal. */
MW_INTERNAL unsigned mw_imap_binary_check(mw_imap_engine *e, uint32_t options, const char *section);
/* The checks of an APPEND with IMAP_APPEND_BINARY (literal8): ST_ERROR_NONE or the refusal. */
MW_INTERNAL unsigned mw_imap_binary_check_append(mw_imap_engine *e);
/* A FETCH item name/value; 1 when it was BINARY.SIZE[...] (and was taken), else 0. */
MW_INTERNAL int mw_imap_binary_size_item(mw_imap_engine *e, const mw_imap_reader *r,
                                         const mw_imap_tok *name, const mw_imap_tok *val);
/* An UNKNOWN-CTE response code (RFC 3516 section 4.3) with the response's text. */
MW_INTERNAL void mw_imap_binary_unknown_cte(mw_imap_engine *e, const char *text, size_t n);

/* Whether the engine must ignore what it learns (TLS is required but not up yet). */
MW_INTERNAL int mw_imap_pre_tls(const mw_imap_engine *e);

#endif
