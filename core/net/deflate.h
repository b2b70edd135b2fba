/* COMPRESS=DEFLATE layer (internal): a transport that runs raw deflate (RFC 1951, zlib with
 * windowBits -15, as RFC 4978 section 3 asks) over another transport, both ways.
 *
 * The session puts it between the TLS or plain transport and the engine once the server has
 * accepted COMPRESS DEFLATE; from then on the engine sees the uncompressed protocol and the
 * socket carries the compressed one. Every send is deflated and ended with Z_SYNC_FLUSH, so a
 * command reaches the server whole (RFC 4978 section 4). Memory is fixed: inflate writes into
 * the caller's buffer, never more than it asked for, and one bounded input buffer holds what
 * was read from the socket and not yet inflated; pending() reports output inflate may still
 * hold, so a poll on the socket (which cannot see it) is skipped then.
 *
 * Decompression bombs: once MW_DEFLATE_FLOOR bytes came out, the output may be at most
 * MW_DEFLATE_MAX_RATIO times the compressed input over the whole stream; past that the layer
 * fails with ST_ERROR_LIMIT_EXCEEDED. Built without zlib (MAILWIRE_HAVE_ZLIB undefined, e.g.
 * the Windows cross build), mw_deflate_available() is 0 and mw_deflate_new() fails with
 * ST_ERROR_NOT_SUPPORTED. */
#ifndef MW_NET_DEFLATE_H
#define MW_NET_DEFLATE_H

#include <stdint.h>

#include "transport.h"

/* Inflated bytes allowed per compressed byte, over the whole stream, once the output passed
 * MW_DEFLATE_FLOOR. Text and mail compress 3:1 to 10:1; deflate's own ceiling is about
 * 1032:1, reached only by long runs of one byte (a bomb, or megabytes of zeros). */
#define MW_DEFLATE_MAX_RATIO 256u
#define MW_DEFLATE_FLOOR (1u << 20)

/* Byte counts since the layer started: on the wire (compressed) and as the engine sees them. */
typedef struct mw_deflate_stats {
    uint64_t wire_in, wire_out, data_in, data_out;
} mw_deflate_stats;

/* Whether this build has zlib. */
MW_INTERNAL int mw_deflate_available(void);

/* A deflate layer over inner, which it owns from now on (also on failure, when it is
 * destroyed). initial (n bytes, may be 0) is compressed data already read from inner (the
 * bytes that followed the tagged OK of COMPRESS in the same read). ST_ERROR_NONE with *out
 * set, or an error with its cause in detail. */
MW_INTERNAL unsigned mw_deflate_new(mw_transport *inner, const char *initial, size_t n,
                                    mw_transport **out, char *detail, size_t size);

/* Whether t is a deflate layer. */
MW_INTERNAL int mw_is_deflate(const mw_transport *t);
/* The transport under t when t is a deflate layer, else t itself (TLS info reads that one). */
MW_INTERNAL mw_transport *mw_transport_base(mw_transport *t);
/* The counts of a deflate layer (zeros for any other transport). */
MW_INTERNAL void mw_deflate_get_stats(const mw_transport *t, mw_deflate_stats *st);

#endif
