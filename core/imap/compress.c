/* IMAP engine: COMPRESS=DEFLATE (RFC 4978), the protocol side. The engine asks for it (after
 * a login with IMAP_OPTION_COMPRESS, or mw_imap_op_compress()), stops reading at the end of
 * the tagged OK, and tells the session through mw_engine_ops.compress; the session then runs
 * the stream through net/deflate.c. Nothing is queued after COMPRESS until its answer has
 * come (section 3: the client must not send data until then, since the server starts
 * inflating right after the command). */
#include "engine_priv.h"

/* This build can compress (core/net/deflate.c has zlib). The engine does no I/O and does not
 * call the net layer: the build's definition says it. */
static int have_zlib(void)
{
#ifdef MAILWIRE_HAVE_ZLIB
    return 1;
#else
    return 0;
#endif
}

static void queue_compress(mw_imap_engine *e, int explicit_call)
{
    mw_imap_queue_simple(e, "COMPRESS DEFLATE", IMAP_CMD_COMPRESS);
    e->z_state = MW_IMAP_Z_SENT;
    e->z_tried = 1;
    e->z_explicit = explicit_call;
}

int mw_imap_compress_auto(mw_imap_engine *e)
{
    /* Authenticated (RFC 4978 section 3), after TLS (a layer under TLS would compress the
     * ciphertext's input as well, but STARTTLS can no longer follow). */
    if (!(e->options & IMAP_OPTION_COMPRESS) || !have_zlib() || e->z_tried || e->op_err ||
        e->z_state != MW_IMAP_Z_OFF || !(e->caps & IMAP_CAP_COMPRESS_DEFLATE) || mw_imap_pre_tls(e))
        return 0;
    queue_compress(e, 0);
    return 1;
}

unsigned mw_imap_op_compress(mw_imap_engine *e)
{
    if (!have_zlib())
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "this build of mailwire has no zlib: no COMPRESS=DEFLATE");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    if (err)
        return err;
    if (e->z_state != MW_IMAP_Z_OFF)
        return mw_imap_refuse(e, ST_ERROR_INVALID_STATE, "COMPRESS is already active");
    if (!(e->caps & IMAP_CAP_COMPRESS_DEFLATE))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "the server does not offer COMPRESS=DEFLATE (RFC 4978)");
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    queue_compress(e, 1);
    return ST_ERROR_NONE;
}

void mw_imap_compress_done(mw_imap_engine *e, int cond, const char *text)
{
    if (cond == IMAP_OK) {
        e->z_state = MW_IMAP_Z_ACCEPTED;
        return;
    }
    e->z_state = MW_IMAP_Z_OFF;
    /* With the option the session goes on uncompressed; a call asked for it and fails. */
    if (e->z_explicit)
        mw_imap_op_note(e, cond == IMAP_NO ? ST_ERROR_SERVER_PERMANENT : ST_ERROR_COMMAND_REJECTED,
                        "COMPRESS refused: %s", text[0] ? text : "no reason given");
}

int mw_imap_compress_go(void *eng)
{
    mw_imap_engine *e = eng;
    if (e->z_state != MW_IMAP_Z_ACCEPTED)
        return 0;
    e->z_state = MW_IMAP_Z_ACTIVE;
    return 1;
}

int mw_imap_compress_active(const mw_imap_engine *e)
{
    return e->z_state == MW_IMAP_Z_ACTIVE;
}
