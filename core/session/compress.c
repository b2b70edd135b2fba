/* The session's side of COMPRESS=DEFLATE (RFC 4978): once the engine says the server accepted
 * it, the deflate layer (net/deflate.c) goes between the transport and the engine, and the
 * bytes already read past the tagged OK are its first compressed input. */
#include <string.h>

#include "../net/deflate.h"
#include "session_priv.h"

unsigned mw_session_start_compress(mw_session *s)
{
    char detail[256] = "";
    mw_transport *z = NULL;
    size_t left = s->rlen - s->rpos;
    unsigned err = mw_deflate_new(s->tr, s->rbuf + s->rpos, left, &z, detail, sizeof detail);
    s->tr = z; /* the old one belongs to the layer now, or is gone with it */
    s->rpos = s->rlen = 0;
    if (err)
        return mw_session_abort(s, err, detail), err;
    mw_session_trace_info(s, "COMPRESS=DEFLATE active (%zu compressed bytes already read)", left);
    return ST_ERROR_NONE;
}

int mw_session_compress_stats(const mw_session *s, uint64_t *wire_in, uint64_t *wire_out,
                              uint64_t *data_in, uint64_t *data_out)
{
    mw_deflate_stats st;
    mw_deflate_get_stats(s->tr, &st);
    *wire_in = st.wire_in;
    *wire_out = st.wire_out;
    *data_in = st.data_in;
    *data_out = st.data_out;
    return mw_is_deflate(s->tr);
}
