/* COMPRESS=DEFLATE layer; see deflate.h. */
#include "deflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"

#ifdef MAILWIRE_HAVE_ZLIB
#include <zlib.h>

/* Compressed input read from the inner transport at a time, and plaintext deflated per
 * send() (the output buffer holds its deflateBound()). */
#define IN_SIZE 16384
#define SEND_CHUNK 16384

typedef struct zlayer {
    mw_transport base;
    mw_transport *inner;
    z_stream inf, def;
    int inf_ok, def_ok;
    unsigned char in[IN_SIZE];
    /* inflate filled the caller's buffer last time: it may hold more output */
    int more_out;
    /* compressed bytes of the last send() not yet taken by inner, and the plaintext they hold */
    unsigned char *out;
    size_t out_cap, out_len, out_pos, out_src;
    int failed;
    mw_deflate_stats st;
    /* compressed bytes inflate has consumed (wire_in counts them when read, up to 16 KiB
     * ahead: the ratio is taken on what produced the output) */
    uint64_t used_in;
} zlayer;

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return mw_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    free(p);
}

static long z_fail(zlayer *z, unsigned err, const char *what, const char *msg)
{
    z->failed = 1;
    z->base.err = err;
    snprintf(z->base.detail, sizeof z->base.detail, "%s%s%s", what, msg ? ": " : "",
             msg ? msg : "");
    return MW_IO_ERROR;
}

static long z_recv(mw_transport *t, void *buf, size_t len)
{
    zlayer *z = (zlayer *)t;
    if (z->failed)
        return MW_IO_ERROR;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    for (;;) {
        if (z->inf.avail_in > 0 || z->more_out) {
            z->inf.next_out = buf;
            z->inf.avail_out = (uInt)len;
            uInt before = z->inf.avail_in;
            int r = inflate(&z->inf, Z_SYNC_FLUSH);
            z->used_in += before - z->inf.avail_in;
            size_t got = len - z->inf.avail_out;
            z->more_out = z->inf.avail_out == 0;
            if (r == Z_STREAM_END)
                /* RFC 4978 section 3: the stream lasts as long as the connection; a final
                 * block is not a way to end it. */
                return z_fail(z, ST_ERROR_PROTOCOL_VIOLATION,
                              "the server ended the compressed stream (COMPRESS, RFC 4978)", NULL);
            if (r != Z_OK && r != Z_BUF_ERROR)
                return z_fail(
                    z, r == Z_MEM_ERROR ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_PROTOCOL_VIOLATION,
                    "corrupt compressed data from the server (COMPRESS=DEFLATE)", z->inf.msg);
            z->st.data_in += got;
            if (z->st.data_in > MW_DEFLATE_FLOOR &&
                z->st.data_in / MW_DEFLATE_MAX_RATIO > z->used_in) {
                char d[200];
                snprintf(d, sizeof d,
                         "%llu bytes inflated from %llu: over %u to 1, a decompression bomb",
                         (unsigned long long)z->st.data_in, (unsigned long long)z->used_in,
                         MW_DEFLATE_MAX_RATIO);
                return z_fail(z, ST_ERROR_LIMIT_EXCEEDED, "COMPRESS=DEFLATE", d);
            }
            if (got > 0)
                return (long)got;
        }
        /* All input is inflated and nothing came of it yet: read more from the wire. */
        long n = z->inner->ops->recv(z->inner, z->in, sizeof z->in);
        if (n <= 0) {
            if (n == MW_IO_ERROR) {
                z->base.err = z->inner->err;
                memcpy(z->base.detail, z->inner->detail, sizeof z->base.detail);
            }
            return n;
        }
        z->st.wire_in += (uint64_t)n;
        z->inf.next_in = z->in;
        z->inf.avail_in = (uInt)n;
    }
}

/* Hand the compressed bytes of the last send() to inner: 0 when all went, else the result. */
static long z_push(zlayer *z)
{
    while (z->out_pos < z->out_len) {
        long w = z->inner->ops->send(z->inner, z->out + z->out_pos, z->out_len - z->out_pos);
        if (w < 0) {
            if (w == MW_IO_ERROR) {
                z->base.err = z->inner->err;
                memcpy(z->base.detail, z->inner->detail, sizeof z->base.detail);
            }
            return w;
        }
        z->out_pos += (size_t)w;
        z->st.wire_out += (uint64_t)w;
    }
    return 0;
}

/* The plaintext is taken once its compressed form has gone to inner: until then the caller
 * retries with the same bytes (as with an interrupted gnutls_record_send()), and this layer
 * finishes sending what it compressed of them. */
static long z_send(mw_transport *t, const void *buf, size_t len)
{
    zlayer *z = (zlayer *)t;
    if (z->failed)
        return MW_IO_ERROR;
    if (z->out_pos == z->out_len) {
        size_t n = len < SEND_CHUNK ? len : SEND_CHUNK;
        z->def.next_in = (Bytef *)(uintptr_t)buf;
        z->def.avail_in = (uInt)n;
        z->def.next_out = z->out;
        z->def.avail_out = (uInt)z->out_cap;
        /* Z_SYNC_FLUSH: every command leaves whole, on a byte boundary (RFC 4978 section 4). */
        int r = deflate(&z->def, Z_SYNC_FLUSH);
        if (r != Z_OK || z->def.avail_in != 0)
            return z_fail(z, ST_ERROR_INTERNAL, "deflate failed", z->def.msg);
        z->out_len = z->out_cap - z->def.avail_out;
        z->out_pos = 0;
        z->out_src = n;
    }
    long r = z_push(z);
    if (r < 0)
        return r;
    z->st.data_out += z->out_src;
    return (long)z->out_src;
}

static size_t z_pending(mw_transport *t)
{
    zlayer *z = (zlayer *)t;
    return (z->more_out || z->inf.avail_in ? 1 : 0) + z->inner->ops->pending(z->inner);
}

static int z_want(mw_transport *t)
{
    zlayer *z = (zlayer *)t;
    return z->inner->ops->want(z->inner);
}

static void z_shutdown(mw_transport *t)
{
    zlayer *z = (zlayer *)t;
    z->inner->ops->shutdown(z->inner);
}

static void z_destroy(mw_transport *t)
{
    zlayer *z = (zlayer *)t;
    if (z->inf_ok)
        inflateEnd(&z->inf);
    if (z->def_ok)
        deflateEnd(&z->def);
    if (z->inner)
        z->inner->ops->destroy(z->inner);
    free(z->out);
    free(z);
}

static const mw_transport_ops z_ops = {z_recv, z_send, z_pending, z_want, z_shutdown, z_destroy};

int mw_deflate_available(void)
{
    return 1;
}

unsigned mw_deflate_new(mw_transport *inner, const char *initial, size_t n, mw_transport **out,
                        char *detail, size_t size)
{
    *out = NULL;
    zlayer *z = mw_calloc(1, sizeof *z);
    if (!z || n > IN_SIZE) {
        inner->ops->destroy(inner);
        free(z);
        snprintf(detail, size, "%s",
                 z ? "too much data after the COMPRESS reply" : "out of memory");
        return z ? ST_ERROR_INTERNAL : ST_ERROR_OUT_OF_MEMORY;
    }
    z->base.ops = &z_ops;
    z->base.sock = inner->sock;
    z->inner = inner;
    z->inf.zalloc = z->def.zalloc = z_alloc;
    z->inf.zfree = z->def.zfree = z_free;
    /* Raw deflate, no zlib header or checksum (RFC 4978 section 3: windowBits -15). Level 6
     * and memLevel 8 are zlib's defaults: ~256 KiB for deflate, 32 KiB for inflate. */
    z->inf_ok = inflateInit2(&z->inf, -15) == Z_OK;
    z->def_ok = z->inf_ok && deflateInit2(&z->def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
                                          Z_DEFAULT_STRATEGY) == Z_OK;
    z->out_cap = deflateBound(&z->def, SEND_CHUNK) + 16;
    if (z->def_ok)
        z->out = mw_malloc(z->out_cap);
    if (!z->out) {
        z_destroy(&z->base);
        snprintf(detail, size, "out of memory starting COMPRESS=DEFLATE");
        return ST_ERROR_OUT_OF_MEMORY;
    }
    if (n) {
        memcpy(z->in, initial, n);
        z->inf.next_in = z->in;
        z->inf.avail_in = (uInt)n;
        z->st.wire_in = n;
    }
    *out = &z->base;
    return ST_ERROR_NONE;
}

int mw_is_deflate(const mw_transport *t)
{
    return t && t->ops == &z_ops;
}

mw_transport *mw_transport_base(mw_transport *t)
{
    return mw_is_deflate(t) ? ((zlayer *)t)->inner : t;
}

void mw_deflate_get_stats(const mw_transport *t, mw_deflate_stats *st)
{
    if (mw_is_deflate(t))
        *st = ((const zlayer *)t)->st;
    else
        memset(st, 0, sizeof *st);
}

#else /* no zlib in this build */

int mw_deflate_available(void)
{
    return 0;
}

unsigned mw_deflate_new(mw_transport *inner, const char *initial, size_t n, mw_transport **out,
                        char *detail, size_t size)
{
    (void)initial;
    (void)n;
    inner->ops->destroy(inner);
    *out = NULL;
    snprintf(detail, size, "this build of mailwire has no zlib (COMPRESS=DEFLATE)");
    return ST_ERROR_NOT_SUPPORTED;
}

int mw_is_deflate(const mw_transport *t)
{
    (void)t;
    return 0;
}

mw_transport *mw_transport_base(mw_transport *t)
{
    return t;
}

void mw_deflate_get_stats(const mw_transport *t, mw_deflate_stats *st)
{
    (void)t;
    memset(st, 0, sizeof *st);
}

#endif
