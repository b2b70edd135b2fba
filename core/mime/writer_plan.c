/* The writer's plan: the tree as a list of segments; see writer.h.
 *
 * Layout of composed containers (RFC 2046 section 5.1.1): the top one starts with a short
 * preamble for readers without MIME; parts follow "--boundary" CRLF, each part ends with the
 * CRLF of the next delimiter; "--boundary--" closes. Boundaries are "=_" + a letter for the
 * container kind (m, a, r) + the depth (two digits, below the top) + 32 random hex digits of
 * the message: no two containers on one path share a boundary, none is a prefix of another,
 * and no composed body line can start with "--=_" (quoted-printable writes '=' only as "=XX"
 * or a soft break, base64 has neither '-' nor '=' at a line start, and 7bit/8bit text with
 * such a line is sent quoted-printable instead). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/buf.h"
#include "../util/str.h"
#include "hdrout.h"
#include "params.h"
#include "compose_private.h"
#include "sbuf.h"
#include "store.h"
#include "writer_priv.h"

#define PREAMBLE "This is a multi-part message in MIME format.\r\n"

static unsigned fail(mw_writer *w, unsigned code, const char *what)
{
    if (!w->err) {
        w->err = code;
        mw_strlcpy(w->detail, what, sizeof w->detail);
    }
    return code;
}

static unsigned add_seg(mw_writer *w, const mw_wseg *s)
{
    mw_wseg *v = mw_grow(w->segs, &w->segs_cap, w->nsegs + 1, sizeof *v);
    if (!v)
        return fail(w, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    w->segs = v;
    w->segs[w->nsegs++] = *s;
    return 0;
}

/* The generated text so far becomes a segment. */
static unsigned flush(mw_writer *w, mw_sb *sb)
{
    if (sb->b.failed)
        return fail(w, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    if (sb->b.len == 0)
        return 0;
    mw_wseg s;
    memset(&s, 0, sizeof s);
    s.kind = MW_SEG_TEXT;
    s.text = mw_sb_take(sb, &s.text_len);
    if (!s.text)
        return fail(w, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    s.size = s.text_len;
    s.size_known = 1;
    unsigned err = add_seg(w, &s);
    if (err)
        free(s.text);
    return err;
}

static unsigned store_seg(mw_writer *w, mw_sb *sb, mw_store *st, const mw_span *sp)
{
    unsigned err = flush(w, sb);
    if (err || sp->len == 0)
        return err;
    mw_wseg s;
    memset(&s, 0, sizeof s);
    s.kind = MW_SEG_STORE;
    s.store = st;
    s.off = sp->off;
    s.len = sp->len;
    s.size = sp->len + sp->bare_eols; /* each lone CR or LF becomes CRLF */
    s.size_known = 1;
    if (sp->eight)
        w->eightbit = 1;
    if (mw_store_needs_scan(st))
        w->scan = 1;
    return add_seg(w, &s);
}

/* Whether a text can go as is (7bit, or 8bit when allowed; RFC 2045 section 2.7-2.8): CRLF
 * line breaks only, lines of at most 998 octets, no NUL; no line starting with "." (SMTP end
 * of data), "From " (mbox munging) or "--=_" (our boundaries); and, when it ends the message,
 * a final line break (else quoted-printable ends it with a soft break and the text stays
 * exact). *eight: an octet >= 0x80 was seen. */
static int as_is(const char *s, size_t n, int ends_message, int allow8, int *eight)
{
    size_t col = 0;
    *eight = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80) {
            if (!allow8)
                return 0;
            *eight = 1;
        }
        if (ch == 0)
            return 0;
        if (ch == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                return 0;
            i++;
            col = 0;
            continue;
        }
        if (ch == '\n')
            return 0;
        if (col == 0 && (ch == '.' || (n - i >= 5 && memcmp(s + i, "From ", 5) == 0) ||
                         (n - i >= 4 && memcmp(s + i, "--=_", 4) == 0)))
            return 0;
        if (++col > 998)
            return 0;
    }
    return !ends_message || n == 0 || (n >= 2 && s[n - 1] == '\n');
}

static uint64_t b64_size(uint64_t n)
{
    uint64_t chars = (n + 2) / 3 * 4;
    return chars + 2 * ((chars + 75) / 76);
}

static const char *const enc_names[] = {"7bit", "quoted-printable", "base64"};

/* A composed leaf: its headers are the part's; the transfer encoding is decided here. */
static unsigned leaf(mw_writer *w, mw_sb *sb, const mw_part *p, int ends_message)
{
    mw_wseg s;
    memset(&s, 0, sizeof s);
    s.kind = MW_SEG_LEAF;
    s.part = p;
    s.size_known = 1;
    const char *name;
    uint64_t n = p->body == MW_BODY_MEM ? p->mem_len : p->size;
    unsigned enc = p->enc;
    int eight = 0;
    if (enc == MIME_ENCODING_AUTO) {
        if ((p->flags & MW_PART_TEXTBODY) &&
            as_is(p->mem, p->mem_len, ends_message, (w->options & MIME_EXPORT_8BIT) != 0, &eight))
            enc = eight ? MIME_ENCODING_8BIT : MIME_ENCODING_7BIT;
        else
            enc = (p->flags & MW_PART_TEXTBODY) ? MIME_ENCODING_QUOTED : MIME_ENCODING_BASE64;
    }
    switch (enc) {
    case MIME_ENCODING_7BIT:
    case MIME_ENCODING_8BIT:
        s.enc = MW_ENC_RAW;
        s.size = n;
        name = enc == MIME_ENCODING_8BIT ? "8bit" : enc_names[0];
        if (enc == MIME_ENCODING_8BIT)
            w->eightbit = 1;
        if (p->body != MW_BODY_MEM)
            w->scan = 1; /* content the library has not seen */
        break;
    case MIME_ENCODING_QUOTED:
        s.enc = MW_ENC_QP;
        name = enc_names[1];
        s.final_soft = ends_message;
        if (p->body == MW_BODY_MEM) {
            s.size = mw_qp_size(p->mem, p->mem_len, ends_message);
        } else {
            s.size_known = 0;
            w->scan = 1;
        }
        break;
    default:
        s.enc = MW_ENC_B64;
        s.size = b64_size(n);
        name = enc_names[2];
        break;
    }
    mw_sb_puts(sb, "Content-Transfer-Encoding: ");
    mw_sb_puts(sb, name);
    mw_sb_puts(sb, "\r\n\r\n");
    unsigned err = flush(w, sb);
    if (err || (s.size_known && s.size == 0))
        return err;
    return add_seg(w, &s);
}

static int is_content(const char *name)
{
    return strlen(name) >= 8 && mw_name_eq(name, 8, "Content-");
}

/* Header fields of an entity; for the top of a composed message, Date, Message-ID and
 * MIME-Version when it has none, before the Content-* fields. */
static unsigned headers(mw_writer *w, mw_sb *sb, const mw_part *p, int top)
{
    int composed_top = top && !w->m->imported;
    for (int pass = composed_top ? 0 : 1; pass < 2; pass++) {
        for (size_t i = 0; i < p->nhdrs; i++) {
            const mw_hdr *h = &p->hdrs[i];
            if (composed_top && is_content(h->name) != pass)
                continue;
            if (((w->options & MIME_EXPORT_NOBCC) && mw_name_eq(h->name, strlen(h->name), "Bcc")) ||
                (p->role != MW_ROLE_NONE && !(p->flags & MIME_PART_PARSED) &&
                 mw_name_eq(h->name, strlen(h->name), "Content-Transfer-Encoding")))
                continue;
            if (top && h->raw)
                for (size_t k = 0; k < h->len; k++)
                    if ((unsigned char)h->value[k] >= 0x80)
                        w->utf8 = 1;
            if (mw_hdr_write(sb, h, w->options, &w->utf8) != 0)
                return fail(w, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        }
        if (pass == 0) {
            if (mw_part_hdr_find(p, "Date", 0) < 0) {
                mw_sb_puts(sb, "Date: ");
                mw_sb_puts(sb, w->m->date);
                mw_sb_puts(sb, "\r\n");
            }
            if (mw_part_hdr_find(p, "Message-ID", 0) < 0) {
                char dom[256] = "";
                long f = mw_part_hdr_find(p, "From", 0);
                if (f < 0 || p->hdrs[f].raw ||
                    mw_hdr_first_domain(p->hdrs[f].value, dom, sizeof dom) != 0 ||
                    !mw_mime_valid_id_domain(dom))
                    mw_strlcpy(dom, "localhost.invalid", sizeof dom);
                mw_sb_puts(sb, "Message-ID: <");
                mw_sb_puts(sb, w->m->idrand);
                mw_sb_puts(sb, "@");
                mw_sb_puts(sb, dom);
                mw_sb_puts(sb, ">\r\n");
            }
            if (mw_part_hdr_find(p, "MIME-Version", 0) < 0)
                mw_sb_puts(sb, "MIME-Version: 1.0\r\n");
        }
    }
    return sb->b.failed ? fail(w, ST_ERROR_OUT_OF_MEMORY, "out of memory") : 0;
}

static unsigned entity(mw_writer *w, mw_sb *sb, const mw_part *p, unsigned depth, int top);

static unsigned multipart(mw_writer *w, mw_sb *sb, const mw_part *p, unsigned depth, int top)
{
    char b[128];
    if (p->msub) {
        if (depth)
            snprintf(b, sizeof b, "=_%c%02u%s", p->msub[0], depth % 100, w->m->seed);
        else
            snprintf(b, sizeof b, "=_%c%s", p->msub[0], w->m->seed);
        mw_sb_puts(sb, "Content-Type: multipart/");
        mw_sb_puts(sb, p->msub);
        mw_sb_puts(sb, ";\r\n boundary=\"");
        mw_sb_puts(sb, b);
        mw_sb_puts(sb, "\"\r\n\r\n");
        if (depth == 0)
            mw_sb_puts(sb, PREAMBLE);
    } else {
        mw_buf v;
        mw_buf_init(&v, 0, 0);
        mw_part_param(p, "Content-Type", "boundary", &v);
        mw_strlcpy(b, mw_buf_str(&v), sizeof b);
        mw_buf_free(&v);
        mw_sb_puts(sb, "\r\n");
    }
    for (size_t i = 0; i < p->nkids; i++) {
        mw_sb_puts(sb, i ? "\r\n--" : "--");
        mw_sb_puts(sb, b);
        mw_sb_puts(sb, "\r\n");
        unsigned err = entity(w, sb, p->kids[i], depth + 1, 0);
        if (err)
            return err;
    }
    mw_sb_puts(sb, p->nkids ? "\r\n--" : "--");
    mw_sb_puts(sb, b);
    mw_sb_puts(sb, top ? "--\r\n" : "--");
    return 0;
}

static unsigned entity(mw_writer *w, mw_sb *sb, const mw_part *p, unsigned depth, int top)
{
    if ((p->flags & MIME_PART_PARSED) && !(p->flags & MW_PART_DIRTY)) {
        if (top && p->whole.eight > p->bodyspan.eight)
            w->utf8 = 1; /* 8-bit octets in the message's own header section */
        return store_seg(w, sb, p->store, &p->whole);
    }
    unsigned err = headers(w, sb, p, top);
    if (err)
        return err;
    if (p->flags & MIME_PART_MULTIPART)
        return multipart(w, sb, p, depth, top);
    if (p->role == MW_ROLE_NONE || (p->flags & MIME_PART_PARSED)) {
        mw_sb_puts(sb, "\r\n");
        if (p->flags & MIME_PART_MESSAGE) {
            for (size_t i = 0; i < p->nkids; i++)
                if ((err = entity(w, sb, p->kids[i], depth + 1, 0)) != 0)
                    return err;
            return 0;
        }
        return p->store ? store_seg(w, sb, p->store, &p->bodyspan) : 0;
    }
    if (p->flags & MIME_PART_MESSAGE) {
        mw_sb_puts(sb, "\r\n");
        return p->nkids ? entity(w, sb, p->kids[0], depth + 1, 0) : 0;
    }
    return leaf(w, sb, p, top);
}

unsigned mw_writer_plan(mw_writer *w)
{
    mw_msg *m = w->m;
    if (!m->root)
        return fail(w, ST_ERROR_INVALID_ARGUMENT, "the message is empty");
    if (!m->seed[0] &&
        (mw_mime_random_hex(m->seed, 16) != 0 || mw_mime_random_hex(m->idrand, 16) != 0))
        return fail(w, ST_ERROR_INTERNAL, "the random generator failed");
    mw_sb sb;
    mw_sb_init(&sb);
    unsigned err = entity(w, &sb, m->root, 0, 1);
    if (!err)
        err = flush(w, &sb);
    mw_sb_free(&sb);
    if (w->utf8)
        w->eightbit = 1;
    return err;
}
