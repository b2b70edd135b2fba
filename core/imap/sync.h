/* CONDSTORE and QRESYNC in the IMAP engine (RFC 7162; internal): what the engine keeps of
 * them, and the ops sync.c adds. engine_priv.h embeds mw_imap_sync in the engine. */
#ifndef MW_IMAP_SYNC_H
#define MW_IMAP_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/imap.h>

#include "../platform/platform.h"

struct mw_imap_engine;

typedef struct mw_imap_sync {
    int condstore_on, qresync_on; /* reported ENABLED (RFC 5161) on this connection */
    int nomodseq;                 /* [NOMODSEQ] since the last SELECT was queued */
    IMAPVANISHEDPROC vanished_cb; /* the session's (ImapSetVanishedCallback()) */
    void *vanished_user;
    IMAPCHANGEPROC change_cb; /* the session's (ImapSetChangeCallback()) */
    void *change_user;
    /* the running operation */
    uint32_t enable_want;         /* ImapEnableSync(): IMAP_ENABLE_* asked for */
    IMAPVANISHEDPROC op_vanished; /* QRESYNC select: its own callback, not the session's */
    void *op_user;
    int op_qresync;            /* a QRESYNC select runs */
    uint32_t want_uidvalidity; /* its UIDVALIDITY */
    IMAPCHANGES *changes;      /* its result */
    unsigned nchanged;
    uint64_t nvanished;
    int collect_modified; /* a conditional STORE runs: MODIFIED is collected */
    uint32_t *mod;        /* the MODIFIED ids kept (up to mod_keep) */
    size_t nmod, capmod, mod_keep, mod_total;
    uint32_t *dest_mod; /* the caller's array and count */
    size_t *dest_nmod;
    IMAPCHANGEPROC changed_cb; /* the caller's, behind the engine's IMAPMESSAGE callback */
    void *changed_user;
    uint64_t cur_modseq; /* MODSEQ of the FETCH response being handled (fetch.c) */
    char *known;         /* CONDSTORE-only sync: the caller's known UIDs (a copy), or NULL */
} mw_imap_sync;

/* Engine life cycle: a new connection forgets what was enabled; free releases memory. */
MW_INTERNAL void mw_imap_sync_reset(struct mw_imap_engine *e);
MW_INTERNAL void mw_imap_sync_free(struct mw_imap_engine *e);
/* Every operation starts with nothing of the previous one (engine.c op_begin). */
MW_INTERNAL void mw_imap_sync_op_begin(struct mw_imap_engine *e);
/* A batch of VANISHED ranges from the reader (rd.vs; taken). */
MW_INTERNAL void mw_imap_sync_vanished(struct mw_imap_engine *e);
/* A FETCH response with FLAGS that no operation asked for (fetch.c): to the session's change
 * callback, with its MODSEQ (cur_modseq). kw: the other flags and keywords. */
MW_INTERNAL void mw_imap_sync_unsolicited(struct mw_imap_engine *e, const IMAPMESSAGE *m,
                                          const char *kw);
/* Response codes of RFC 7162 (MODIFIED, NOMODSEQ): 1 when it was one of them. */
MW_INTERNAL int mw_imap_sync_code(struct mw_imap_engine *e, const char *code, size_t len);
/* ENABLED data: the extensions of RFC 7162 among its tokens (from k on). */
MW_INTERNAL void mw_imap_sync_enabled(struct mw_imap_engine *e, size_t k);

/* The FETCH of changed messages to the op's IMAPCHANGEPROC (info callback; user: the engine),
 * and the IMAPCHANGES of a sync select filled when it ends (deliver). */
MW_INTERNAL void mw_imap_sync_to_change(const IMAPMESSAGE *m, void *user);
MW_INTERNAL void mw_imap_sync_deliver_changes(struct mw_imap_engine *e);
/* Routes the results of a sync select (sync.c, sync_condstore.c) to the caller: changed
 * messages through to_change (the info callback) to changed, vanished UIDs to vanished, the
 * summary to out when deliver runs at the end. */
MW_INTERNAL void mw_imap_sync_route(struct mw_imap_engine *e, uint32_t uidvalidity,
                                    IMAPCHANGEPROC changed, IMAPVANISHEDPROC vanished, void *user,
                                    IMAPCHANGES *out,
                                    void (*to_change)(const IMAPMESSAGE *, void *),
                                    void (*deliver)(struct mw_imap_engine *));

/* Ops (see the public functions of the same purpose in imap.h). */
MW_INTERNAL void mw_imap_set_vanished_cb(struct mw_imap_engine *e, IMAPVANISHEDPROC cb, void *user);
MW_INTERNAL void mw_imap_set_change_cb(struct mw_imap_engine *e, IMAPCHANGEPROC cb, void *user);
MW_INTERNAL unsigned mw_imap_op_enable_sync(struct mw_imap_engine *e, uint32_t options);
MW_INTERNAL unsigned mw_imap_op_changed_since(struct mw_imap_engine *e, const char *set,
                                              uint32_t options, uint64_t modseq, IMAPCHANGEPROC cb,
                                              void *user);
MW_INTERNAL unsigned mw_imap_op_store_unchanged(struct mw_imap_engine *e, const char *set,
                                                uint32_t mode, uint32_t flags, const char *keywords,
                                                uint64_t modseq, uint32_t *ids, size_t *count);
/* STORE with a modifier after the set (" (UNCHANGEDSINCE n)"; ops_message.c): CONDSTORE is
 * required for one. */
MW_INTERNAL unsigned mw_imap_op_store_mod(struct mw_imap_engine *e, const char *set, uint32_t mode,
                                          uint32_t flags, const char *keywords,
                                          const char *modifier);
MW_INTERNAL unsigned mw_imap_op_qresync_select(struct mw_imap_engine *e, const char *name,
                                               uint32_t options, uint32_t uidvalidity,
                                               uint64_t modseq, const char *known_uids,
                                               const char *seqs, const char *seq_uids,
                                               IMAPCHANGEPROC changed, IMAPVANISHEDPROC vanished,
                                               void *user, IMAPCHANGES *out);
/* The same for a server with CONDSTORE but no QRESYNC (sync_condstore.c); its arguments were
 * checked by mw_imap_op_qresync_select(). */
MW_INTERNAL unsigned mw_imap_op_changes_condstore(struct mw_imap_engine *e, const char *name,
                                                  int examine, uint32_t uidvalidity,
                                                  uint64_t modseq, const char *known_uids,
                                                  IMAPCHANGEPROC changed, IMAPVANISHEDPROC vanished,
                                                  void *user, IMAPCHANGES *out);

#endif
