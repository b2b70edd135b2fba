/* The SMTP envelope of a message object; see envelope.h. */
#include "envelope.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <mailwire/common.h>

#include "../util/buf.h"
#include "../util/str.h"
#include "addrread.h"
#include "hdrdec.h"

typedef struct env_ctx {
    mw_addr_vec *out;
    int *utf8;
    int oom;
    size_t count;
} env_ctx;

/* Add one address (A-label domain when the local part is ASCII), skipping duplicates. */
static void add(env_ctx *c, const char *a, size_t n)
{
    if (!n || (n == 2 && memcmp(a, "<>", 2) == 0))
        return;
    c->count++;
    if (!c->out)
        return;
    const char *at = NULL;
    for (size_t i = n; i > 0; i--)
        if (a[i - 1] == '@') {
            at = a + i - 1;
            break;
        }
    mw_buf b;
    mw_buf_init(&b, 0, 0);
    gnutls_datum_t ace = {NULL, 0};
    size_t local = at ? (size_t)(at - a) : n;
    if (at && mw_addr_is_utf8(at + 1, n - local - 1) && !mw_addr_is_utf8(a, local) &&
        gnutls_idna_map(at + 1, (unsigned)(n - local - 1), &ace, 0) == 0) {
        mw_buf_put(&b, a, local + 1);
        mw_buf_put(&b, ace.data, ace.size);
    } else {
        mw_buf_put(&b, a, n);
    }
    gnutls_free(ace.data);
    const char *s = mw_buf_str(&b);
    if (mw_addr_is_utf8(s, b.len))
        *c->utf8 = 1;
    int dup = 0;
    for (size_t i = 0; i < c->out->n && !dup; i++)
        dup = mw_strcasecmp(c->out->v[i], s) == 0;
    if (!dup && (b.failed || mw_addr_vec_add(c->out, s, b.len) != 0))
        c->oom = 1;
    mw_buf_free(&b);
}

static unsigned on_text(void *user, const mw_addr *a)
{
    add(user, a->addr, a->addr_len);
    return 0;
}

static int on_raw(void *user, const char *name, const char *addr, const char *group)
{
    (void)name;
    (void)group;
    if (addr)
        add(user, addr, strlen(addr));
    return 0;
}

static void field(const mw_part *p, const char *name, env_ctx *c)
{
    for (size_t k = 0;; k++) {
        long i = mw_part_hdr_find(p, name, k);
        if (i < 0)
            return;
        const mw_hdr *h = &p->hdrs[i];
        if (!h->raw) {
            mw_addr_list_parse(h->value, on_text, c, NULL, 0);
            continue;
        }
        mw_buf u;
        mw_buf_init(&u, 0, 0);
        mw_hdr_unfold(h->value, h->len, &u);
        mw_addr_read(mw_buf_str(&u), u.len, on_raw, c);
        mw_buf_free(&u);
    }
}

unsigned mw_msg_envelope(mw_msg *m, char **from, mw_addr_vec *rcpt, int *utf8, char *why,
                         size_t why_size)
{
    *from = NULL;
    const mw_part *root = m->root;
    if (!root) {
        mw_strlcpy(why, "the message is empty", why_size);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    mw_addr_vec f = {NULL, 0, 0};
    env_ctx c = {&f, utf8, 0, 0};
    field(root, "From", &c);
    if (c.count > 1) {
        env_ctx s = {NULL, utf8, 0, 0};
        field(root, "Sender", &s);
        if (s.count > 0) {
            mw_addr_vec_free(&f);
            c.count = 0;
            field(root, "Sender", &c);
        }
    }
    if (c.oom || f.n == 0) {
        mw_addr_vec_free(&f);
        mw_strlcpy(why, c.oom ? "out of memory" : "the message has no From address (give a sender)",
                   why_size);
        return c.oom ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_INVALID_ARGUMENT;
    }
    *from = f.v[0];
    f.v[0] = NULL;
    mw_addr_vec_free(&f);
    if (!rcpt)
        return 0;
    env_ctx r = {rcpt, utf8, 0, 0};
    field(root, "To", &r);
    field(root, "Cc", &r);
    field(root, "Bcc", &r);
    if (r.oom || rcpt->n == 0) {
        free(*from);
        *from = NULL;
        mw_strlcpy(why, r.oom ? "out of memory" : "the message has no To, Cc or Bcc address",
                   why_size);
        return r.oom ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_INVALID_ARGUMENT;
    }
    return 0;
}
