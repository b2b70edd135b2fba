/* Composing a message; see build.h. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "charset.h"
#include "compose_private.h"
#include "hdrenc.h"
#include "hdrout.h"
#include "sbuf.h"

static int content_type(mw_part *p, const char *type, const char *cs, const char *filename);

/* The empty text body of a message that has none. */
static mw_part *empty_body(void)
{
    mw_part *p = mw_part_new();
    if (!p)
        return NULL;
    p->role = MW_ROLE_EMPTY;
    p->flags = MW_PART_TEXTBODY;
    p->body = MW_BODY_MEM;
    if (content_type(p, "text/plain", "utf-8", NULL) != 0) {
        mw_part_free(p);
        return NULL;
    }
    return p;
}

unsigned mw_build_init(mw_msg *m)
{
    mw_msg_clear(m);
    if (mw_mime_date_now(m->date, sizeof m->date) != 0 || mw_mime_random_hex(m->seed, 16) != 0 ||
        mw_mime_random_hex(m->idrand, 16) != 0)
        return ST_ERROR_INTERNAL;
    m->root = empty_body();
    return m->root ? 0 : ST_ERROR_OUT_OF_MEMORY;
}

/* Add a generated field: sb holds "Name:" value CRLF. */
static int add_generated(mw_part *p, mw_sb *sb)
{
    size_t len;
    char *s = mw_sb_take(sb, &len);
    if (!s)
        return -1;
    char *colon = strchr(s, ':');
    int rc =
        mw_part_hdr_add(p, s, (size_t)(colon - s), colon + 1, len - (size_t)(colon - s) - 3, 1);
    free(s);
    return rc;
}

static int content_type(mw_part *p, const char *type, const char *cs, const char *filename)
{
    mw_sb sb;
    mw_sb_init(&sb);
    mw_sb_puts(&sb, "Content-Type:");
    char t[160];
    snprintf(t, sizeof t, "%s%s", type, cs ? ";" : "");
    mw_sb_token(&sb, t, strlen(t), 0);
    if (cs) {
        snprintf(t, sizeof t, "charset=%s", cs);
        mw_sb_token(&sb, t, strlen(t), 0);
    }
    if (filename && *filename)
        mw_hdr_filename_param(&sb, "name", filename, strlen(filename));
    mw_sb_puts(&sb, "\r\n");
    return add_generated(p, &sb);
}

mw_part *mw_build_leaf(const char *type, const char *filename, int inline_part)
{
    mw_part *p = mw_part_new();
    if (!p)
        return NULL;
    mw_sb sb;
    mw_sb_init(&sb);
    mw_sb_puts(&sb, "Content-Disposition: ");
    mw_sb_puts(&sb, inline_part ? "inline" : "attachment");
    if (filename && *filename)
        mw_hdr_filename_param(&sb, "filename", filename, strlen(filename));
    mw_sb_puts(&sb, "\r\n");
    if (content_type(p, type, NULL, filename) != 0 || add_generated(p, &sb) != 0) {
        mw_sb_free(&sb);
        mw_part_free(p);
        return NULL;
    }
    if (inline_part) {
        char rnd[33], id[80];
        if (mw_mime_random_hex(rnd, 12) != 0)
            rnd[0] = 0;
        snprintf(id, sizeof id, " <%s@mailwire.inline>", rnd);
        if (mw_part_hdr_add(p, "Content-ID", 10, id, strlen(id), 1) != 0) {
            mw_part_free(p);
            return NULL;
        }
    }
    return p;
}

/* --- containers ------------------------------------------------------------------------ */

typedef struct roles {
    mw_part *text, *html;
    mw_part **inl, **att;
    size_t ninl, natt, cap_inl, cap_att;
    int oom;
} roles;

static void push(mw_part ***v, size_t *n, size_t *cap, mw_part *p, int *oom)
{
    mw_part **nv = mw_grow(*v, cap, *n + 1, sizeof *nv);
    if (!nv) {
        /* Out of memory: the leaf is lost with the change (the call fails). */
        *oom = 1;
        mw_part_free(p);
        return;
    }
    *v = nv;
    (*v)[(*n)++] = p;
}

/* Detach every composed leaf from the tree under p; free the containers. */
static void collect(mw_part *p, roles *r, int top)
{
    if (p->role == MW_ROLE_CONTAINER) {
        for (size_t i = 0; i < p->nkids; i++)
            collect(p->kids[i], r, 0);
        p->nkids = 0;
        if (!top)
            mw_part_free(p);
        return;
    }
    p->parent = NULL;
    switch (p->role) {
    case MW_ROLE_TEXT:
        r->text = p;
        break;
    case MW_ROLE_HTML:
        r->html = p;
        break;
    case MW_ROLE_EMPTY:
        mw_part_free(p);
        break;
    case MW_ROLE_INLINE:
        push(&r->inl, &r->ninl, &r->cap_inl, p, &r->oom);
        break;
    default:
        push(&r->att, &r->natt, &r->cap_att, p, &r->oom);
        break;
    }
}

static mw_part *container(const char *sub, mw_part **kids, size_t n, int *oom)
{
    mw_part *c = mw_part_new();
    if (!c) {
        *oom = 1;
        return NULL;
    }
    c->role = MW_ROLE_CONTAINER;
    c->msub = sub;
    c->flags = MIME_PART_MULTIPART;
    for (size_t i = 0; i < n; i++)
        if (kids[i] && mw_part_add_kid(c, kids[i]) != 0)
            *oom = 1;
    return c;
}

/* The top of the subtree holding p. */
static mw_part *top_of(mw_part *p)
{
    while (p->parent)
        p = p->parent;
    return p;
}

/* The i-th collected leaf of r (text, HTML, inline parts, attachments). */
static mw_part **slot(roles *r, size_t i)
{
    if (i < 2)
        return i == 0 ? &r->text : &r->html;
    return i < 2 + r->ninl ? &r->inl[i - 2] : &r->att[i - 2 - r->ninl];
}

/* After an out-of-memory rebuild: free every subtree holding a collected leaf that is not the
 * new top root, each once (every top is found before anything is freed; no allocation). */
static void free_orphans(roles *r, mw_part *root)
{
    size_t n = 2 + r->ninl + r->natt;
    for (size_t i = 0; i < n; i++)
        if (*slot(r, i))
            *slot(r, i) = top_of(*slot(r, i));
    for (size_t i = 0; i < n; i++) {
        mw_part *t = *slot(r, i);
        if (!t || t == root)
            continue;
        for (size_t j = i + 1; j < n; j++)
            if (*slot(r, j) == t)
                *slot(r, j) = NULL;
        mw_part_free(t);
    }
}

int mw_msg_rebuild(mw_msg *m)
{
    mw_part *old = m->root;
    if (!old)
        return 0;
    roles r;
    memset(&r, 0, sizeof r);
    /* The message's own fields: what the old top holds besides the Content-* fields of a
     * composed leaf (a container has none of its own). */
    mw_part keep;
    memset(&keep, 0, sizeof keep);
    for (size_t i = 0; i < old->nhdrs;) {
        mw_hdr *h = &old->hdrs[i];
        int content = strlen(h->name) >= 8 && mw_name_eq(h->name, 8, "Content-");
        if (old->role != MW_ROLE_CONTAINER && content) {
            i++;
            continue;
        }
        if (mw_part_hdr_add(&keep, h->name, strlen(h->name), h->value, h->len, h->raw) != 0)
            r.oom = 1;
        mw_part_hdr_delete_at(old, i);
    }
    int old_container = old->role == MW_ROLE_CONTAINER;
    collect(old, &r, 1); /* frees an EMPTY top */
    if (old_container)
        mw_part_free(old);
    mw_part *body = r.html;
    if (r.html && r.ninl) {
        mw_part **k = mw_calloc(r.ninl + 1, sizeof *k);
        if (k) {
            k[0] = r.html;
            memcpy(k + 1, r.inl, r.ninl * sizeof *k);
            body = container("related", k, r.ninl + 1, &r.oom);
            free(k);
        } else {
            r.oom = 1;
        }
    } else {
        for (size_t i = 0; i < r.ninl; i++) /* no HTML to refer to them: attachments */
            push(&r.att, &r.natt, &r.cap_att, r.inl[i], &r.oom);
    }
    if (r.text && body) {
        mw_part *k[2] = {r.text, body};
        body = container("alternative", k, 2, &r.oom);
    } else if (r.text) {
        body = r.text;
    }
    mw_part *root = body;
    if (r.natt) {
        mw_part **k = mw_calloc(r.natt + 1, sizeof *k);
        if (k) {
            k[0] = body;
            memcpy(k + 1, r.att, r.natt * sizeof *k);
            root = container("mixed", body ? k : k + 1, body ? r.natt + 1 : r.natt, &r.oom);
            free(k);
        } else {
            r.oom = 1;
        }
    }
    if (!root && !(root = empty_body()))
        r.oom = 1;
    /* The message's fields go first in the new top. */
    if (root) {
        size_t n = keep.nhdrs;
        mw_hdr *h = mw_grow(root->hdrs, &root->hdrs_cap, root->nhdrs + n, sizeof *h);
        if (h) {
            root->hdrs = h;
            memmove(h + n, h, root->nhdrs * sizeof *h);
            memcpy(h, keep.hdrs, n * sizeof *h);
            root->nhdrs += n;
            keep.nhdrs = 0;
        } else {
            r.oom = 1;
        }
        root->parent = NULL;
    }
    for (size_t i = 0; i < keep.nhdrs; i++) {
        free(keep.hdrs[i].name);
        free(keep.hdrs[i].value);
    }
    free(keep.hdrs);
    if (r.oom) /* a leaf not under the new top goes with the failed change */
        free_orphans(&r, root);
    free(r.inl);
    free(r.att);
    m->root = root;
    m->index_valid = 0;
    return r.oom ? -1 : 0;
}

int mw_build_add(mw_msg *m, mw_part *leaf, int role)
{
    int oom = 0;
    leaf->role = role;
    mw_part *root = m->root;
    if (root && root->role == MW_ROLE_CONTAINER) {
        if (mw_part_add_kid(root, leaf) != 0) {
            mw_part_free(leaf);
            return -1;
        }
    } else {
        /* A single leaf at the top: wrap it for the rebuild to see both. */
        mw_part *c = mw_part_new();
        if (!c || (root && mw_part_add_kid(c, root) != 0) || mw_part_add_kid(c, leaf) != 0) {
            if (c && c->nkids && c->kids[c->nkids - 1] == leaf)
                c->nkids--;
            if (c) {
                c->nkids = 0;
                mw_part_free(c);
            }
            if (root)
                root->parent = NULL;
            mw_part_free(leaf);
            return -1;
        }
        c->role = MW_ROLE_CONTAINER;
        /* The top's fields stay with the old top: the rebuild moves them. */
        if (root) {
            c->hdrs = root->hdrs;
            c->nhdrs = root->nhdrs;
            c->hdrs_cap = root->hdrs_cap;
            root->hdrs = NULL;
            root->nhdrs = root->hdrs_cap = 0;
            /* Its Content-* fields are its own: give them back. */
            for (size_t i = 0; i < c->nhdrs;) {
                mw_hdr *h = &c->hdrs[i];
                if (strlen(h->name) >= 8 && mw_name_eq(h->name, 8, "Content-")) {
                    if (mw_part_hdr_add(root, h->name, strlen(h->name), h->value, h->len, h->raw) !=
                        0)
                        oom = 1;
                    mw_part_hdr_delete_at(c, i);
                } else {
                    i++;
                }
            }
        }
        m->root = c;
    }
    if (mw_msg_rebuild(m) != 0 || oom)
        return -1;
    if (mw_msg_index(m) != 0)
        return -1;
    return leaf->index;
}

unsigned mw_build_body(mw_msg *m, int html, const char *text, const char *cs, int convert,
                       char *why, size_t why_size)
{
    if (!cs)
        cs = "utf-8";
    if (mw_mime_check_charset(cs, why, why_size) != 0)
        return ST_ERROR_INVALID_ARGUMENT;
    mw_part *p = NULL;
    if (text) {
        /* Line breaks as CRLF, then the charset. */
        mw_buf crlf, conv;
        mw_buf_init(&crlf, 0, 0);
        mw_buf_init(&conv, 0, 0);
        for (const char *s = text; *s; s++) {
            if (*s == '\r' || *s == '\n') {
                if (*s == '\r' && s[1] == '\n')
                    s++;
                mw_buf_put(&crlf, "\r\n", 2);
            } else {
                mw_buf_putc(&crlf, *s);
            }
        }
        size_t bad = 0;
        int rc = 0;
        if (convert)
            rc = mw_cs_from_utf8(cs, mw_buf_str(&crlf), crlf.len, &conv, &bad);
        else
            mw_buf_put(&conv, mw_buf_str(&crlf), crlf.len);
        if (crlf.failed)
            conv.failed = 1;
        mw_buf_free(&crlf);
        if (rc != 0 || conv.failed) {
            mw_buf_free(&conv);
            if (rc == -1)
                return mw_mime_fail(why, why_size, ST_ERROR_NOT_SUPPORTED,
                                    "charset \"%s\" is not known to the converter", cs);
            if (rc == -2)
                return mw_mime_fail(why, why_size, ST_ERROR_INVALID_ARGUMENT,
                                    "the %s is not UTF-8 or holds a character %s cannot "
                                    "represent (near offset %zu)",
                                    html ? "HTML" : "text", cs, bad);
            return mw_mime_fail(why, why_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        }
        p = mw_part_new();
        if (!p || content_type(p, html ? "text/html" : "text/plain", cs, NULL) != 0) {
            mw_part_free(p);
            mw_buf_free(&conv);
            return mw_mime_fail(why, why_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        }
        p->body = MW_BODY_MEM;
        p->mem_len = conv.len;
        p->mem = mw_buf_take(&conv);
        if (!p->mem) {
            mw_part_free(p);
            return mw_mime_fail(why, why_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        }
        p->flags = MW_PART_TEXTBODY;
        p->role = html ? MW_ROLE_HTML : MW_ROLE_TEXT;
    }
    /* Remove the old body of that role, then add the new one. */
    if (m->root && mw_msg_index(m) != 0) {
        mw_part_free(p);
        return mw_mime_fail(why, why_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    if (m->root) {
        for (size_t i = 0; i < m->nindex; i++) {
            mw_part *o = m->index[i];
            if (o->role == (html ? MW_ROLE_HTML : MW_ROLE_TEXT)) {
                if (o == m->root) {
                    /* Keep the message's fields: swap the body into the top leaf. */
                    if (p) {
                        free(o->mem);
                        o->mem = p->mem;
                        o->mem_len = p->mem_len;
                        p->mem = NULL;
                        mw_part_hdr_delete(o, "Content-Type");
                        int oom = 0;
                        for (size_t k = 0; k < p->nhdrs; k++)
                            if (mw_part_hdr_add(o, p->hdrs[k].name, strlen(p->hdrs[k].name),
                                                p->hdrs[k].value, p->hdrs[k].len, 1) != 0)
                                oom = 1;
                        mw_part_free(p);
                        if (oom)
                            return mw_mime_fail(why, why_size, ST_ERROR_OUT_OF_MEMORY,
                                                "out of memory");
                        o->role = html ? MW_ROLE_HTML : MW_ROLE_TEXT;
                        m->index_valid = 0;
                        return 0;
                    }
                    /* The only body goes: the rebuild puts an empty text in its place. */
                    for (size_t k = 0; k < o->nhdrs;) {
                        if (strlen(o->hdrs[k].name) >= 8 &&
                            mw_name_eq(o->hdrs[k].name, 8, "Content-"))
                            mw_part_hdr_delete_at(o, k);
                        else
                            k++;
                    }
                    o->role = MW_ROLE_CONTAINER; /* dropped by the rebuild */
                    break;
                }
                mw_part_remove_kid(o->parent, o);
                mw_part_free(o);
                break;
            }
        }
    }
    if (!p) {
        return mw_msg_rebuild(m) == 0 ? 0 : ST_ERROR_OUT_OF_MEMORY;
    }
    return mw_build_add(m, p, p->role) >= 0
               ? 0
               : mw_mime_fail(why, why_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
}

mw_part *mw_build_message_part(mw_msg *inner)
{
    mw_part *r = inner->root;
    if (!r)
        return NULL;
    if (!inner->imported) {
        /* Its generated fields become real ones: the outer message does not add them. */
        int bad = 0;
        if (mw_part_hdr_find(r, "Date", 0) < 0)
            bad |= mw_part_hdr_add(r, "Date", 4, inner->date, strlen(inner->date), 0);
        if (mw_part_hdr_find(r, "Message-ID", 0) < 0) {
            char id[320], dom[256] = "localhost.invalid";
            long f = mw_part_hdr_find(r, "From", 0);
            if (f >= 0 && !r->hdrs[f].raw &&
                (mw_hdr_first_domain(r->hdrs[f].value, dom, sizeof dom) != 0 ||
                 !mw_mime_valid_id_domain(dom)))
                mw_strlcpy(dom, "localhost.invalid", sizeof dom);
            snprintf(id, sizeof id, "<%s@%s>", inner->idrand, dom);
            bad |= mw_part_hdr_add(r, "Message-ID", 10, id, strlen(id), 0);
        }
        if (mw_part_hdr_find(r, "MIME-Version", 0) < 0)
            bad |= mw_part_hdr_add(r, "MIME-Version", 12, "1.0", 3, 0);
        if (bad)
            return NULL;
    }
    mw_part *w = mw_part_new();
    if (!w)
        return NULL;
    const char *ct = " message/rfc822";
    if (mw_part_hdr_add(w, "Content-Type", 12, ct, strlen(ct), 1) != 0 ||
        mw_part_add_kid(w, r) != 0) {
        mw_part_free(w);
        return NULL;
    }
    w->flags = MIME_PART_MESSAGE;
    r->flags |= MIME_PART_ROOT;
    inner->root = NULL;
    inner->index_valid = 0;
    return w;
}
