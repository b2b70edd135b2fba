/* The writer's stream: segments produced chunk by chunk; see writer.h. */
#ifndef _WIN32
#define _FILE_OFFSET_BITS 64
#endif
#include "../platform/file.h"
#include "writer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "store.h"
#include "writer_priv.h"

/* Quoted-printable of a file or callback: lines are encoded from a window of the source that
 * always holds this much beyond the position (a line takes at most 78 octets and looks 5
 * ahead), unless the source has ended. */
#define QP_MARGIN 128

static long wfail(mw_writer *w, unsigned code, const char *fmt, const char *arg, const char *arg2)
{
    if (!w->err) {
        w->err = code;
        mw_detail_printf(w->detail, sizeof w->detail, fmt, arg, arg2);
    }
    return -1;
}

unsigned mw_writer_new(mw_msg *m, uint32_t options, mw_writer **out, char *why, size_t why_size)
{
    *out = NULL;
    mw_writer *w = mw_calloc(1, sizeof *w);
    if (!w) {
        mw_strlcpy(why, "out of memory", why_size);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    w->m = m;
    mw_msg_ref(m);
    atomic_fetch_add(&m->busy, 1);
    w->options = options;
    w->in = mw_malloc(MW_W_CHUNK);
    w->out = mw_malloc(2 * MW_W_CHUNK + 64);
    w->qbuf = mw_malloc(MW_W_CHUNK + QP_MARGIN + 8);
    unsigned err = (!w->in || !w->out || !w->qbuf) ? ST_ERROR_OUT_OF_MEMORY : mw_writer_plan(w);
    if (err) {
        mw_strlcpy(why, w->err ? w->detail : "out of memory", why_size);
        mw_writer_free(w);
        return err;
    }
    *out = w;
    return 0;
}

void mw_writer_src_close(mw_writer *w)
{
    if (w->fp)
        fclose(w->fp);
    w->fp = NULL;
}

void mw_writer_free(mw_writer *w)
{
    if (!w)
        return;
    mw_writer_src_close(w);
    for (size_t i = 0; i < w->nsegs; i++)
        free(w->segs[i].text);
    free(w->segs);
    free(w->in);
    free(w->out);
    free(w->qbuf);
    atomic_fetch_sub(&w->m->busy, 1);
    mw_msg_unref(w->m);
    free(w);
}

int mw_writer_size(const mw_writer *w, uint64_t *size)
{
    uint64_t t = 0;
    for (size_t i = 0; i < w->nsegs; i++) {
        if (!w->segs[i].size_known)
            return 0;
        t += w->segs[i].size;
    }
    *size = t;
    return 1;
}

unsigned mw_writer_error(const mw_writer *w)
{
    return w->err;
}

const char *mw_writer_detail(const mw_writer *w)
{
    return w->detail;
}

int mw_writer_needs_8bit(const mw_writer *w)
{
    return w->eightbit;
}

int mw_writer_needs_smtputf8(const mw_writer *w)
{
    return w->utf8;
}

int mw_writer_needs_scan(const mw_writer *w)
{
    return w->scan;
}

int mw_writer_rewind(mw_writer *w)
{
    mw_writer_src_close(w);
    w->cur = 0;
    w->done = 0;
    w->pend = NULL;
    w->pend_len = 0;
    w->started = 0;
    return 0;
}

/* --- sources of composed leaves --------------------------------------------------------- */

int mw_writer_src_open(mw_writer *w, const mw_wseg *s)
{
    w->done = 0;
    w->qlen = w->qpos = 0;
    w->qeof = 0;
    if (s->part->body == MW_BODY_FILE) {
        mw_writer_src_close(w);
        w->fp = mw_fopen(s->part->path, "rb");
        if (!w->fp)
            return (int)wfail(w, ST_ERROR_FILE, "attachment \"%s\" cannot be opened: %s",
                              s->part->path, strerror(errno));
    }
    return 0;
}

/* Up to n octets of a leaf's content; 0 at its end (checked against the size given when it
 * was attached), -1 on an error. */
static long src_read(mw_writer *w, const mw_wseg *s, char *buf, size_t n)
{
    const mw_part *p = s->part;
    uint64_t size = p->body == MW_BODY_MEM ? p->mem_len : p->size;
    long r;
    if (p->body == MW_BODY_MEM) {
        uint64_t left = size - w->done;
        r = (long)(left < n ? left : n);
        memcpy(buf, p->mem + w->done, (size_t)r);
    } else if (p->body == MW_BODY_FILE) {
        size_t k = fread(buf, 1, n, w->fp);
        if (k == 0 && ferror(w->fp))
            return wfail(w, ST_ERROR_FILE, "attachment \"%s\" could not be read: %s", p->path,
                         strerror(errno));
        r = (long)k;
    } else {
        uint64_t left = size - w->done;
        size_t ask = left < n ? (size_t)left : n;
        r = ask ? p->proc(p->proc_user, w->done, buf, ask) : 0;
        if (r < 0 || (size_t)r > ask)
            return wfail(w, ST_ERROR_CALLBACK_FAILED, "%s%s", "the attachment callback failed", "");
    }
    w->done += (uint64_t)r;
    if (w->done > size || (r == 0 && w->done != size)) {
        char sz[64];
        snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
        return wfail(w, p->body == MW_BODY_PROC ? ST_ERROR_CALLBACK_FAILED : ST_ERROR_FILE,
                     "attachment \"%s\" changed size since it was attached (%s octets then)",
                     p->path ? p->path : "(callback)", sz);
    }
    return r;
}

long mw_writer_qp_line(mw_writer *w, const mw_wseg *s)
{
    if (w->qlen - w->qpos < QP_MARGIN && !w->qeof) {
        memmove(w->qbuf, w->qbuf + w->qpos, w->qlen - w->qpos);
        w->qlen -= w->qpos;
        w->qpos = 0;
        while (w->qlen < MW_W_CHUNK && !w->qeof) {
            long r = src_read(w, s, w->qbuf + w->qlen, MW_W_CHUNK - w->qlen);
            if (r < 0)
                return -1;
            if (r == 0)
                w->qeof = 1;
            w->qlen += (size_t)r;
        }
    }
    mw_qp q;
    mw_qp_init(&q, w->qbuf, w->qlen, s->final_soft && w->qeof);
    q.pos = w->qpos;
    size_t k = mw_qp_line(&q, w->line);
    w->qpos = q.pos;
    return (long)k;
}

/* One step of a composed leaf: w->pend gets the next output; 1 when the leaf is done. */
static int leaf_step(mw_writer *w, const mw_wseg *s)
{
    const mw_part *p = s->part;
    if (!w->started) {
        w->started = 1;
        if (mw_writer_src_open(w, s) != 0)
            return -1;
        mw_b64_stream_init(&w->b64, 76);
        if (s->enc == MW_ENC_QP && p->body == MW_BODY_MEM)
            mw_qp_init(&w->qp, p->mem, p->mem_len, s->final_soft);
    }
    if (s->enc == MW_ENC_QP) {
        long k =
            p->body == MW_BODY_MEM ? (long)mw_qp_line(&w->qp, w->line) : mw_writer_qp_line(w, s);
        if (k < 0)
            return -1;
        w->pend = w->line;
        w->pend_len = (size_t)k;
        return k == 0;
    }
    if (s->enc == MW_ENC_RAW && p->body == MW_BODY_MEM) {
        w->pend = p->mem;
        w->pend_len = p->mem_len;
        return 1;
    }
    long r = src_read(w, s, w->in, MW_W_CHUNK);
    if (r < 0)
        return -1;
    w->pend = s->enc == MW_ENC_RAW ? w->in : w->out;
    if (s->enc == MW_ENC_RAW) {
        w->pend_len = (size_t)r;
    } else if (r > 0) {
        w->pend_len = mw_b64_stream_update(&w->b64, w->in, (size_t)r, w->out);
    } else {
        w->pend_len = mw_b64_stream_final(&w->b64, w->out);
    }
    return r == 0;
}

/* One step of a parsed range: line ends made CRLF. 1 when the range is done. */
static int store_step(mw_writer *w, const mw_wseg *s)
{
    if (!w->started) {
        w->started = 1;
        w->done = 0;
        w->cr = 0;
    }
    uint64_t left = s->len - w->done;
    if (left == 0)
        return 1;
    size_t ask = left < MW_W_CHUNK ? (size_t)left : MW_W_CHUNK;
    long r = mw_store_read(s->store, s->off + w->done, w->in, ask);
    if (r <= 0)
        return (int)wfail(w, ST_ERROR_FILE, "%s%s", "the message source could not be read", "");
    size_t o = 0;
    for (long i = 0; i < r; i++) {
        char c = w->in[i];
        if (c == '\n') {
            /* The LF of a CRLF was written with its CR. */
            if (!w->cr) {
                w->out[o++] = '\r';
                w->out[o++] = '\n';
            }
            w->cr = 0;
        } else if (c == '\r') {
            w->out[o++] = '\r';
            w->out[o++] = '\n';
            w->cr = 1;
        } else {
            w->out[o++] = c;
            w->cr = 0;
        }
    }
    w->done += (uint64_t)r;
    w->pend = w->out;
    w->pend_len = o;
    return w->done == s->len;
}

long mw_writer_read(mw_writer *w, char *buf, size_t cap)
{
    if (w->err)
        return -1;
    if (cap > LONG_MAX)
        cap = LONG_MAX;
    size_t got = 0;
    while (got < cap) {
        if (w->pend_len > 0) {
            size_t k = w->pend_len < cap - got ? w->pend_len : cap - got;
            memcpy(buf + got, w->pend, k);
            w->pend += k;
            w->pend_len -= k;
            got += k;
            continue;
        }
        if (w->cur >= w->nsegs)
            break;
        const mw_wseg *s = &w->segs[w->cur];
        int fin;
        if (s->kind == MW_SEG_TEXT) {
            w->pend = s->text;
            w->pend_len = s->text_len;
            fin = 1;
        } else if (s->kind == MW_SEG_STORE) {
            fin = store_step(w, s);
        } else {
            fin = leaf_step(w, s);
        }
        if (fin < 0) {
            mw_writer_src_close(w);
            return -1;
        }
        if (fin) {
            mw_writer_src_close(w);
            w->cur++;
            w->started = 0;
        }
    }
    return (long)got;
}

unsigned mw_writer_count(mw_writer *w, uint64_t *size)
{
    uint64_t t = 0;
    for (size_t i = 0; i < w->nsegs && !w->err; i++) {
        mw_wseg *s = &w->segs[i];
        if (!s->size_known) {
            uint64_t n = 0;
            long k;
            if (mw_writer_src_open(w, s) != 0)
                break;
            while ((k = mw_writer_qp_line(w, s)) > 0)
                n += (uint64_t)k;
            mw_writer_src_close(w);
            if (k < 0)
                break;
            s->size = n;
            s->size_known = 1;
        }
        t += s->size;
    }
    if (w->err)
        return w->err;
    *size = t;
    mw_writer_rewind(w);
    return 0;
}
