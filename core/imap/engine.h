/* IMAP protocol engine (internal): bytes in, bytes and events out; no I/O, no clock.
 *
 * The engine implements mw_engine_ops. Every public IMAP operation is one engine op,
 * mw_imap_op_*(), following the contract of session/engine_ops.h: the call checks its
 * arguments and the protocol state and either refuses (returns the error code, mw_imap_why()
 * gives the cause, nothing is queued, a running IDLE is left alone) or queues its tagged
 * commands and returns ST_ERROR_NONE. The session then drives the operation until status()
 * says it ended.
 *
 * Results are kept on the engine (the getters below) and, when the caller passed output
 * pointers to the op, copied there when the operation ends, before status() reports it: a
 * blocking call and a non-blocking one deliver the same results. Those pointers (and the
 * buffers they describe) must stay valid until the operation ends.
 *
 * Refusal codes, in the order they are checked after the checks of the arguments alone:
 * ST_ERROR_NOT_CONNECTED (no greeting yet, TLS handshake, logging out, closed), ST_ERROR_BUSY
 * (an operation other than IDLE runs; a running IDLE is ended with DONE by the next op),
 * ST_ERROR_INVALID_STATE (not logged in, no mailbox selected), then the checks that depend on
 * the connection: ST_ERROR_INVALID_ARGUMENT (a name that cannot be encoded),
 * ST_ERROR_NOT_SUPPORTED (an extension the server lacks). */
#ifndef MW_IMAP_ENGINE_H
#define MW_IMAP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/imap.h>

#include "../platform/platform.h"
#include "../session/engine_ops.h"
#include "reader.h"

typedef struct mw_imap_engine mw_imap_engine;

MW_INTERNAL extern const mw_engine_ops mw_imap_engine_ops;

/* A hook the API hands to an op with a resource the op's sink or source uses (a FILE). The
 * engine calls it exactly once: when the operation ends (also when it is refused, superseded
 * or dropped with the connection) or when the engine is freed. A non-zero return (an
 * ST_ERROR_* with a text in detail) replaces the outcome of an operation that has not failed
 * fatally. */
typedef unsigned (*mw_imap_release_fn)(void *user, char *detail, size_t size);

MW_INTERNAL const mw_imap_limits *mw_imap_default_limits(void);
/* options: MAILWIRE_OPTION_* / IMAP_OPTION_* of the session; lim NULL for the defaults.
 * NULL when out of memory. */
MW_INTERNAL mw_imap_engine *mw_imap_new(uint32_t options, const mw_imap_limits *lim);
MW_INTERNAL void mw_imap_free(mw_imap_engine *e);
/* Told about every protocol state change, by name (the API traces it). */
MW_INTERNAL void mw_imap_set_state_hook(mw_imap_engine *e,
                                        void (*fn)(void *user, const char *from, const char *to),
                                        void *user);
/* The cause of the last refused op call or failed getter; "" when none. Never NULL. */
MW_INTERNAL const char *mw_imap_why(const mw_imap_engine *e);

/* ---- connection (ops.c) ----------------------------------------------------------------- */

/* Await the greeting, then CAPABILITY, STARTTLS, ID and ENABLE as the options and the
 * server call for. ST_ERROR_ALREADY_CONNECTED unless the engine is new or closed. */
MW_INTERNAL unsigned mw_imap_op_connect(mw_imap_engine *e);
/* LOGIN or AUTHENTICATE (type: IMAP_AUTH_*). host and port feed SASL channel data;
 * peer_loopback: credentials may cross cleartext to this peer (RFC 8314 leaves loopback). */
MW_INTERNAL unsigned mw_imap_op_login(mw_imap_engine *e, unsigned type, const char *user,
                                      const char *pass, const char *host, unsigned port,
                                      int peer_loopback);
/* LOGOUT (the ops table's close). */
MW_INTERNAL unsigned mw_imap_op_logout(mw_imap_engine *e);
MW_INTERNAL unsigned mw_imap_op_noop(mw_imap_engine *e);
/* A raw command line (no tag, no CRLF). */
MW_INTERNAL unsigned mw_imap_op_command(mw_imap_engine *e, const char *line);
/* IDLE (RFC 2177), or NOOP polling without it. options: IMAP_IDLE_*; total_ms: how long to
 * wait (ignored with IMAP_IDLE_NOWAIT; with IMAP_IDLE_DURATION all of it, whatever changes);
 * idle_ms / poll_ms: the re-issue and polling intervals. *step_ms receives the operation timeout
 * the session must use (one interval). changes: the number of mailbox changes seen, written when
 * the IDLE ends (may be NULL). */
MW_INTERNAL unsigned mw_imap_op_idle(mw_imap_engine *e, uint32_t options, uint64_t total_ms,
                                     unsigned idle_ms, unsigned poll_ms, unsigned *changes,
                                     unsigned *step_ms);

/* ---- mailboxes (ops_mailbox.c) ---------------------------------------------------------- */

/* SELECT, or EXAMINE with IMAP_SELECT_READONLY; IMAP_SELECT_CONDSTORE. out may be NULL. */
MW_INTERNAL unsigned mw_imap_op_select(mw_imap_engine *e, const char *name, uint32_t options,
                                       IMAPMAILBOX *out);
/* Ends a SELECT or EXAMINE command whose arguments were written, and closes the mailbox
 * selected so far (every SELECT does, also the sync ones of sync.c and sync_condstore.c). */
MW_INTERNAL void mw_imap_select_sent(mw_imap_engine *e, int examine);
MW_INTERNAL unsigned mw_imap_op_unselect(mw_imap_engine *e);
MW_INTERNAL unsigned mw_imap_op_close(mw_imap_engine *e);
MW_INTERNAL unsigned mw_imap_op_check(mw_imap_engine *e);
/* EXPUNGE; out (may be NULL) receives the mailbox state afterwards. */
MW_INTERNAL unsigned mw_imap_op_expunge(mw_imap_engine *e, IMAPMAILBOX *out);
/* UID EXPUNGE of exactly these UIDs (UIDPLUS). */
MW_INTERNAL unsigned mw_imap_op_expunge_uids(mw_imap_engine *e, const char *uid_set);
/* Commands taking one mailbox name. */
enum mw_imap_mailbox_verb {
    MW_IMAP_MAILBOX_CREATE,
    MW_IMAP_MAILBOX_DELETE,
    MW_IMAP_MAILBOX_SUBSCRIBE,
    MW_IMAP_MAILBOX_UNSUBSCRIBE
};
MW_INTERNAL unsigned mw_imap_op_mailbox(mw_imap_engine *e, enum mw_imap_mailbox_verb verb,
                                        const char *name);
MW_INTERNAL unsigned mw_imap_op_rename(mw_imap_engine *e, const char *from, const char *to);
/* LIST / LSUB (options: IMAP_LIST_*). first receives the first entry; the others are read
 * with mw_imap_next_mailbox(). */
MW_INTERNAL unsigned mw_imap_op_list(mw_imap_engine *e, const char *reference, const char *pattern,
                                     uint32_t options, IMAPMAILBOXINFO *first);
MW_INTERNAL unsigned mw_imap_op_status(mw_imap_engine *e, const char *name, IMAPMAILBOXSTATUS *out);
/* NAMESPACE: the first personal namespace into prefix (size bytes) and *delim (may be NULL). */
MW_INTERNAL unsigned mw_imap_op_namespace(mw_imap_engine *e, char *prefix, size_t size,
                                          char *delim);

/* ---- fetching (ops_fetch.c) ------------------------------------------------------------- */

/* One message (or section, or range of it) streamed to cb; fails with
 * ST_ERROR_SERVER_PERMANENT when the server sends no data for it (RFC 9051 section 6.4.8).
 * release (may be NULL) is called with release_user when the operation ends. */
MW_INTERNAL unsigned mw_imap_op_fetch(mw_imap_engine *e, unsigned id, uint32_t options,
                                      const char *section, uint64_t offset, uint64_t length,
                                      IMAPFETCHPROC cb, void *user, mw_imap_release_fn release,
                                      void *release_user);
/* A message, its header or one part into buf; *len in: its size, out: the bytes stored, or
 * the size needed with ST_ERROR_LIMIT_EXCEEDED. */
MW_INTERNAL unsigned mw_imap_op_get_message(mw_imap_engine *e, unsigned id, unsigned part,
                                            uint32_t options, void *buf, size_t *len);
/* Messages first..last (0: to the end), pipelined UID FETCH batches. */
MW_INTERNAL unsigned mw_imap_op_fetch_range(mw_imap_engine *e, unsigned first, unsigned last,
                                            uint32_t options, IMAPFETCHPROC cb, void *user);
/* Metadata of a set (options: IMAP_FETCH_UID, IMAP_INFO_*). */
MW_INTERNAL unsigned mw_imap_op_message_info(mw_imap_engine *e, const char *set, uint32_t options,
                                             IMAPMESSAGEPROC cb, void *user);
/* Metadata of the newest n messages of the selected mailbox (the last n sequence numbers of
 * the count last reported); options: IMAP_INFO_*. An empty mailbox finishes at once. */
MW_INTERNAL unsigned mw_imap_op_newest(mw_imap_engine *e, unsigned n, uint32_t options,
                                       IMAPMESSAGEPROC cb, void *user);

/* ---- messages (ops_message.c) ----------------------------------------------------------- */

/* SEARCH criteria from the builder: key/value pairs (a NULL value: the key takes none). */
typedef struct mw_imap_criteria {
    const char *const *keys;
    const char *const *values;
    size_t n;
} mw_imap_criteria;
/* SEARCH with the builder's criteria (built, may be empty) or raw ones; the ids (capacity
 * *count) and *count (all matches) are written when it completes. */
MW_INTERNAL unsigned mw_imap_op_search(mw_imap_engine *e, const mw_imap_criteria *built,
                                       const char *raw, uint32_t options, uint32_t *ids,
                                       size_t *count);
MW_INTERNAL unsigned mw_imap_op_store(mw_imap_engine *e, const char *set, uint32_t mode,
                                      uint32_t flags, const char *keywords);
/* COPY, or MOVE (RFC 6851; COPY, STORE \Deleted and UID EXPUNGE without it). */
MW_INTERNAL unsigned mw_imap_op_copy(mw_imap_engine *e, const char *set, const char *mailbox,
                                     uint32_t options, int move);
/* APPEND of size bytes from data (kept by the caller until the operation ends) or, when data
 * is NULL, from src. uid (may be NULL) receives the APPENDUID (0 when the server gave none). */
MW_INTERNAL unsigned mw_imap_op_append(mw_imap_engine *e, const char *mailbox, uint32_t flags,
                                       const char *date, uint64_t size, const void *data,
                                       IMAPSOURCEPROC src, void *src_user,
                                       mw_imap_release_fn release, void *release_user,
                                       uint32_t *uid);

/* ---- COMPRESS and BINARY (compress.c, binary.c) ------------------------------------------ */

/* COMPRESS DEFLATE (RFC 4978): ST_ERROR_NOT_SUPPORTED without zlib or when the server does
 * not offer it, ST_ERROR_INVALID_STATE when it is active already. */
MW_INTERNAL unsigned mw_imap_op_compress(mw_imap_engine *e);
/* Whether the connection is compressed now. */
MW_INTERNAL int mw_imap_compress_active(const mw_imap_engine *e);
/* FETCH BINARY.SIZE[section] of one message (RFC 3516); *size is written when it succeeds. */
MW_INTERNAL unsigned mw_imap_op_binary_size(mw_imap_engine *e, unsigned id, uint32_t options,
                                            const char *section, uint64_t *size);

/* ---- results and connection facts (results.c) ------------------------------------------- */

/* Whether an operation runs (started and not yet ended). */
MW_INTERNAL int mw_imap_running(const mw_imap_engine *e);
/* The protocol state by the name the state hook reports ("NOT_AUTHENTICATED", "SELECTED"...;
 * RFC 9051 section 3), for traces and tests. */
MW_INTERNAL const char *mw_imap_engine_state_name(const mw_imap_engine *e);
/* Last tagged result: 0 OK, 1 NO, 2 BAD, 3 BYE, -1 none yet; its text. */
MW_INTERNAL int mw_imap_result_code(const mw_imap_engine *e);
MW_INTERNAL const char *mw_imap_result_text(const mw_imap_engine *e);
MW_INTERNAL const char *mw_imap_alert(const mw_imap_engine *e);
MW_INTERNAL int mw_imap_has_cap(const mw_imap_engine *e, const char *name);
/* The capability list as announced ("" before the first). */
MW_INTERNAL const char *mw_imap_capabilities(const mw_imap_engine *e);
/* The selected mailbox, NULL when none is selected. */
MW_INTERNAL const IMAPMAILBOX *mw_imap_mailbox(const mw_imap_engine *e);
/* The next entry of the last listing: ST_ERROR_NONE, ST_ERROR_NO_MORE_MAILBOXES, or
 * ST_ERROR_LIMIT_EXCEEDED (the name does not fit; the entry is skipped); why() says. */
MW_INTERNAL unsigned mw_imap_next_mailbox(mw_imap_engine *e, IMAPMAILBOXINFO *info);
/* Copies up to cap ids of the last search (or range fetch) into ids; returns how many were
 * kept: every match up to the search limit (mw_imap_limits.search_ids), a range fetch's UIDs of
 * the range it asked for. */
MW_INTERNAL size_t mw_imap_search_results(const mw_imap_engine *e, uint32_t *ids, size_t cap);
MW_INTERNAL const IMAPMAILBOXSTATUS *mw_imap_status_result(const mw_imap_engine *e);
/* The last NAMESPACE result: the prefix, and the delimiter in *delim (0: none). */
MW_INTERNAL const char *mw_imap_namespace_result(const mw_imap_engine *e, char *delim);
MW_INTERNAL uint32_t mw_imap_append_uid(const mw_imap_engine *e);
/* The ENVELOPE of the message an info callback is called for, in IMAP syntax as the server
 * sent it ("" when it was not fetched); valid during that callback only. */
MW_INTERNAL const char *mw_imap_info_envelope(const mw_imap_engine *e);
/* Whether an APPEND may carry raw UTF-8 header fields: IMAP4rev2 is in effect (RFC 9051). */
MW_INTERNAL int mw_imap_utf8_headers(const mw_imap_engine *e);
/* Mailbox changes seen by the last IDLE (EXISTS up, EXPUNGE, flag changes). */
MW_INTERNAL unsigned mw_imap_changes(const mw_imap_engine *e);
/* Bytes of the running or last fetch or append. */
MW_INTERNAL void mw_imap_transfer(const mw_imap_engine *e, uint64_t *done, uint64_t *total);

#endif
