/* Reading what a part holds; see content.h. */
#include "../platform/file.h"
#include "content.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "charset.h"
#include "hdrdec.h"
#include "params.h"
#include "store.h"
#include "writer.h"

#define CHUNK 65536

enum { CTE_RAW, CTE_QP, CTE_B64 };

typedef struct qpdec {
    int state; /* 0, 1: after '=', 2: after "=X" */
    int skip;  /* after "=\r...": skip to the next LF */
    char h1;
} qpdec;

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* binascii.a2b_qp (header=False), streaming; out has room for n + 2 bytes. */
static size_t qp_update(qpdec *q, const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (q->skip) {
            if (c == '\n')
                q->skip = 0;
            continue;
        }
        if (q->state == 1) {
            q->state = 0;
            if (c == '\n')
                continue;
            if (c == '\r') {
                q->skip = 1;
                continue;
            }
            if (c == '=') {
                out[o++] = '=';
                continue;
            }
            if (hexv(c) >= 0) {
                q->state = 2;
                q->h1 = c;
                continue;
            }
            out[o++] = '=';
        } else if (q->state == 2) {
            q->state = 0;
            if (hexv(c) >= 0) {
                out[o++] = (char)(hexv(q->h1) * 16 + hexv(c));
                continue;
            }
            out[o++] = '=';
            out[o++] = q->h1;
        }
        if (c == '=')
            q->state = 1;
        else
            out[o++] = c;
    }
    return o;
}

static size_t qp_final(qpdec *q, char *out)
{
    size_t o = 0;
    if (q->state == 2) {
        out[o++] = '=';
        out[o++] = q->h1;
    }
    q->state = 0;
    return o;
}

static int cte_of(const mw_part *p)
{
    mw_buf t;
    mw_buf_init(&t, 0, 0);
    int kind = CTE_RAW;
    if (mw_part_field_token(p, "Content-Transfer-Encoding", &t) == 0) {
        const char *s = mw_buf_str(&t);
        if (strcmp(s, "base64") == 0)
            kind = CTE_B64;
        else if (strcmp(s, "quoted-printable") == 0)
            kind = CTE_QP;
    }
    mw_buf_free(&t);
    return kind;
}

static unsigned sink_fail(char *why, size_t n)
{
    mw_strlcpy(why, "the callback stopped the transfer", n);
    return ST_ERROR_CALLBACK_FAILED;
}

/* A parsed leaf: its body range decoded. */
static unsigned read_parsed(mw_part *p, mw_sink sink, void *user, char *why, size_t why_size)
{
    int cte = cte_of(p);
    char *in = mw_malloc(CHUNK), *out = mw_malloc(CHUNK + 8);
    if (!in || !out) {
        free(in);
        free(out);
        mw_strlcpy(why, "out of memory", why_size);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    mw_b64dec b;
    mw_b64dec_init(&b);
    qpdec q = {0, 0, 0};
    uint64_t done = 0;
    unsigned err = 0;
    while (done < p->bodyspan.len && !err) {
        uint64_t left = p->bodyspan.len - done;
        size_t ask = left < CHUNK ? (size_t)left : CHUNK;
        long r = mw_store_read(p->store, p->bodyspan.off + done, in, ask);
        if (r <= 0) {
            mw_strlcpy(why, "the message source could not be read", why_size);
            err = ST_ERROR_FILE;
            break;
        }
        done += (uint64_t)r;
        const char *o = in;
        size_t on = (size_t)r;
        if (cte == CTE_B64) {
            on = mw_b64dec_update(&b, in, (size_t)r, (unsigned char *)out);
            o = out;
        } else if (cte == CTE_QP) {
            on = qp_update(&q, in, (size_t)r, out);
            o = out;
        }
        if (on && sink(user, o, on))
            err = sink_fail(why, why_size);
    }
    if (!err && cte == CTE_QP) {
        size_t on = qp_final(&q, out);
        if (on && sink(user, out, on))
            err = sink_fail(why, why_size);
    }
    free(in);
    free(out);
    return err;
}

/* A composed leaf: its content as attached. */
static unsigned read_composed(mw_part *p, mw_sink sink, void *user, char *why, size_t why_size)
{
    if (p->body == MW_BODY_MEM)
        return p->mem_len && sink(user, p->mem, p->mem_len) ? sink_fail(why, why_size) : 0;
    char *buf = mw_malloc(CHUNK);
    if (!buf) {
        mw_strlcpy(why, "out of memory", why_size);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    unsigned err = 0;
    uint64_t done = 0;
    FILE *fp = NULL;
    if (p->body == MW_BODY_FILE && !(fp = mw_fopen(p->path, "rb"))) {
        mw_detail_printf(why, why_size, "%s: %s", p->path, strerror(errno));
        err = ST_ERROR_FILE;
    }
    while (!err && done < p->size) {
        size_t ask = p->size - done < CHUNK ? (size_t)(p->size - done) : CHUNK;
        long r = fp ? (long)fread(buf, 1, ask, fp) : p->proc(p->proc_user, done, buf, ask);
        if (r <= 0 || (size_t)r > ask) {
            mw_strlcpy(why, fp ? "the attachment file could not be read" : "the callback failed",
                       why_size);
            err = fp ? ST_ERROR_FILE : ST_ERROR_CALLBACK_FAILED;
            break;
        }
        done += (uint64_t)r;
        if (sink(user, buf, (size_t)r))
            err = sink_fail(why, why_size);
    }
    if (fp)
        fclose(fp);
    free(buf);
    return err;
}

unsigned mw_part_read(mw_msg *m, mw_part *p, mw_sink sink, void *user, char *why, size_t why_size)
{
    if (p->flags & MIME_PART_MULTIPART)
        return 0;
    if (p->flags & MIME_PART_MESSAGE) {
        if (!p->nkids)
            return 0;
        /* The encapsulated message as it would be written. */
        mw_msg tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.magic = MW_MSG_MAGIC;
        atomic_init(&tmp.refs, 2);
        atomic_init(&tmp.busy, 0);
        tmp.root = p->kids[0];
        tmp.imported = 1;
        memcpy(tmp.seed, m->seed, sizeof tmp.seed);
        if (!tmp.seed[0])
            memcpy(tmp.seed, "00000000000000000000000000000000", 33);
        mw_writer *w = NULL;
        unsigned err = mw_writer_new(&tmp, MIME_EXPORT_DEFAULT, &w, why, why_size);
        char *buf = err ? NULL : mw_malloc(CHUNK);
        if (!err && !buf)
            err = ST_ERROR_OUT_OF_MEMORY;
        long r;
        while (!err && (r = mw_writer_read(w, buf, CHUNK)) != 0) {
            if (r < 0) {
                err = mw_writer_error(w);
                mw_strlcpy(why, mw_writer_detail(w), why_size);
            } else if (sink(user, buf, (size_t)r)) {
                err = sink_fail(why, why_size);
            }
        }
        free(buf);
        mw_writer_free(w);
        tmp.root = NULL;
        return err;
    }
    if (p->flags & MIME_PART_PARSED)
        return read_parsed(p, sink, user, why, why_size);
    if (p->body == MW_BODY_NONE)
        return 0;
    return read_composed(p, sink, user, why, why_size);
}

static int to_buf(void *user, const char *p, size_t n)
{
    mw_buf *b = user;
    mw_buf_put(b, p, n);
    return b->failed;
}

unsigned mw_part_text(mw_msg *m, mw_part *p, mw_buf *out, char *why, size_t why_size)
{
    mw_buf raw;
    mw_buf_init(&raw, 0, 0);
    unsigned err = mw_part_read(m, p, to_buf, &raw, why, why_size);
    if (!err) {
        mw_buf cs;
        mw_buf_init(&cs, 0, 0);
        int have = mw_part_param(p, "Content-Type", "charset", &cs) == 0;
        const char *c = have ? mw_buf_str(&cs) : "us-ascii";
        if (mw_cs_to_utf8(c, mw_buf_str(&raw), raw.len, out) != 0)
            mw_cs_fallback_utf8(mw_buf_str(&raw), raw.len, out);
        mw_buf_free(&cs);
    }
    if (raw.failed || out->failed) {
        err = ST_ERROR_OUT_OF_MEMORY;
        mw_strlcpy(why, "out of memory", why_size);
    }
    mw_buf_free(&raw);
    return err;
}

int mw_part_is_attachment(const mw_part *p)
{
    mw_buf t;
    mw_buf_init(&t, 0, 0);
    int r = mw_part_field_token(p, "Content-Disposition", &t) == 0 &&
            strcmp(mw_buf_str(&t), "attachment") == 0;
    mw_buf_free(&t);
    return r;
}

typedef struct best {
    mw_part *part;
    int prio;
} best;

static void find_body(mw_part *top, mw_part *p, best *b)
{
    if (b->prio == 0 || mw_part_is_attachment(p))
        return;
    const char *ct = p->ctype ? p->ctype : "text/plain";
    const char *slash = strchr(ct, '/');
    size_t ml = slash ? (size_t)(slash - ct) : strlen(ct);
    const char *sub = slash ? slash + 1 : "";
    if (ml == 4 && memcmp(ct, "text", 4) == 0) {
        int prio = strcmp(sub, "plain") == 0 ? 0 : strcmp(sub, "html") == 0 ? 1 : -1;
        if (prio >= 0 && prio < b->prio) {
            b->prio = prio;
            b->part = p;
        }
        return;
    }
    if (!(ml == 9 && memcmp(ct, "multipart", 9) == 0) ||
        !(top->flags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE)))
        return;
    if (strcmp(sub, "related") != 0) {
        for (size_t i = 0; i < p->nkids; i++)
            find_body(top, p->kids[i], b);
        return;
    }
    mw_part *cand = NULL;
    mw_buf start;
    mw_buf_init(&start, 0, 0);
    if (mw_part_param(p, "Content-Type", "start", &start) == 0 && start.len) {
        for (size_t i = 0; i < p->nkids && !cand; i++) {
            long h = mw_part_hdr_find(p->kids[i], "Content-ID", 0);
            if (h < 0)
                continue;
            mw_buf id;
            mw_buf_init(&id, 0, 0);
            mw_hdr_unfold(p->kids[i]->hdrs[h].value, p->kids[i]->hdrs[h].len, &id);
            if (strcmp(mw_buf_str(&id), mw_buf_str(&start)) == 0)
                cand = p->kids[i];
            mw_buf_free(&id);
        }
    }
    mw_buf_free(&start);
    if (!cand && p->nkids)
        cand = p->kids[0];
    if (cand)
        find_body(top, cand, b);
}

mw_part *mw_msg_body(mw_msg *m)
{
    if (!m->root || mw_msg_index(m) != 0)
        return NULL;
    best b = {NULL, 2};
    find_body(m->root, m->root, &b);
    return b.part;
}
