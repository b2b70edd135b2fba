/* TLS session resumption cache; see tls_resume.h. */
#include "tls_resume.h"
#include "tls_creds.h"

#include <gnutls/crypto.h>

#include <stdint.h>
#include <string.h>

/* Bounded: a process that talks to many servers keeps the newest sessions only. A few
 * entries per key let parallel reconnects each use a TLS 1.3 ticket of its own. */
#define MAX_ENTRIES 64
#define MAX_PER_KEY 4

typedef struct entry {
    unsigned char key[32];
    gnutls_datum_t data; /* from gnutls_session_get_data2(); gnutls_free() */
    int64_t expires_ms;  /* mw_now_ms() clock */
    unsigned long seq;   /* storing order: the oldest goes first */
    int once;            /* TLS 1.3 ticket: out of the cache when taken */
} entry;

/* Under mw_global_lock(). */
static entry g_cache[MAX_ENTRIES];
static unsigned g_count;
static unsigned long g_seq;
/* An hour: tickets usually live that long or longer (Postfix's default ticket key rotates
 * hourly; OpenSSL announces 2 hours); an older one would mostly be refused anyway, costing a
 * full handshake after a wasted PSK. GnuTLS also honours the server's ticket_lifetime. */
static unsigned g_lifetime_s = 3600;

/* With mw_global_lock() held. */
static void drop_at(unsigned i)
{
    gnutls_free(g_cache[i].data.data);
    g_cache[i] = g_cache[--g_count];
    memset(&g_cache[g_count], 0, sizeof g_cache[g_count]);
}

static void drop_expired(int64_t now)
{
    for (unsigned i = 0; i < g_count;)
        if (g_cache[i].expires_ms <= now)
            drop_at(i);
        else
            i++;
}

static void hash_bytes(gnutls_hash_hd_t h, const void *p, size_t n)
{
    uint32_t len = (uint32_t)n;
    (void)gnutls_hash(h, &len, sizeof len);
    (void)gnutls_hash(h, p, n);
}

/* The key of a connection: everything that changes what its handshake would accept. Two
 * connections share a key only when a full handshake of one would have been accepted by the
 * other's settings. */
static int make_key(mw_tls *t, const mw_tls_config *cfg, const char *host, const char *priority,
                    unsigned char out[32])
{
    gnutls_hash_hd_t h;
    if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
        return -1;
    static const char version[] = "mailwire resumption key 1";
    hash_bytes(h, version, sizeof version);
    /* Host names compare without regard to case (RFC 4343); an IP literal is its text. */
    char lower[256];
    size_t n = strlen(host);
    if (n >= sizeof lower)
        n = sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = host[i] >= 'A' && host[i] <= 'Z' ? (char)(host[i] - 'A' + 'a') : host[i];
    hash_bytes(h, lower, n);
    uint32_t port = cfg->port;
    hash_bytes(h, &port, sizeof port);
    int32_t modes[3] = {cfg->trusted_site != 0, cfg->fallback != 0, cfg->has_pin != 0};
    hash_bytes(h, modes, sizeof modes);
    if (cfg->has_pin)
        hash_bytes(h, cfg->pin, sizeof cfg->pin);
    hash_bytes(h, priority, strlen(priority));
    mw_tls_creds_identity(t->creds, h);
    gnutls_hash_deinit(h, out);
    return 0;
}

void mw_tls_resume_offer(mw_tls *t, const mw_tls_config *cfg, const char *host,
                         const char *priority)
{
    if (cfg->no_resume || make_key(t, cfg, host, priority, t->resume_key) != 0)
        return;
    t->resume_on = 1;
    gnutls_datum_t d = {NULL, 0};
    int once = 0;
    mw_global_lock();
    drop_expired(mw_now_ms());
    int best = -1;
    for (unsigned i = 0; i < g_count; i++)
        if (memcmp(g_cache[i].key, t->resume_key, 32) == 0 &&
            (best < 0 || g_cache[i].seq > g_cache[best].seq))
            best = (int)i;
    if (best >= 0) {
        entry *e = &g_cache[best];
        once = e->once;
        if (once) {
            /* RFC 8446 section C.4: a ticket used twice links the connections. */
            d = e->data;
            e->data.data = NULL;
            drop_at((unsigned)best);
        } else if ((d.data = gnutls_malloc(e->data.size)) != NULL) {
            memcpy(d.data, e->data.data, e->data.size);
            d.size = e->data.size;
        }
    }
    mw_global_unlock();
    if (d.data) {
        /* A session the server no longer knows just means a full handshake. */
        (void)gnutls_session_set_data(t->session, d.data, d.size);
        gnutls_free(d.data);
    }
}

static void store(mw_tls *t, int once)
{
    gnutls_datum_t d = {NULL, 0};
    if (gnutls_session_get_data2(t->session, &d) < 0 || !d.data)
        return;
    t->resume_stored = 1;
    int64_t now = mw_now_ms();
    mw_global_lock();
    drop_expired(now);
    unsigned same = 0;
    int oldest_same = -1, oldest = -1;
    for (unsigned i = 0; i < g_count; i++) {
        if (memcmp(g_cache[i].key, t->resume_key, 32) == 0) {
            /* A TLS 1.2 session replaces the older ones of its key: they are reusable, so one
             * is enough. */
            if (!once || !g_cache[i].once) {
                drop_at(i--);
                continue;
            }
            same++;
            if (oldest_same < 0 || g_cache[i].seq < g_cache[oldest_same].seq)
                oldest_same = (int)i;
        }
        if (oldest < 0 || g_cache[i].seq < g_cache[oldest].seq)
            oldest = (int)i;
    }
    if (same >= MAX_PER_KEY)
        drop_at((unsigned)oldest_same);
    else if (g_count == MAX_ENTRIES)
        drop_at((unsigned)oldest);
    entry *e = &g_cache[g_count++];
    memcpy(e->key, t->resume_key, 32);
    e->data = d;
    e->expires_ms = now + (int64_t)g_lifetime_s * 1000;
    e->seq = ++g_seq;
    e->once = once;
    mw_global_unlock();
}

/* Only a session that passed every check the configuration asks for is stored: chain and
 * name, or under TRUSTEDSITE the pin (unpinned trusted sites check nothing, so nothing of
 * theirs is kept; checklist items 17 and 20). */
static int storable(const mw_tls *t)
{
    return t->resume_on && (t->verified || (t->trusted_site && t->has_pin));
}

void mw_tls_resume_handshake_done(mw_tls *t)
{
    t->resumed = gnutls_session_is_resumed(t->session) != 0;
    if (!storable(t) || gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3)
        return;
    /* TLS 1.2 and older: a ticket (RFC 5077) or a session ID the server keeps. */
    unsigned char id[GNUTLS_MAX_SESSION_ID_SIZE];
    size_t id_len = sizeof id;
    if ((gnutls_session_get_flags(t->session) & GNUTLS_SFLAGS_SESSION_TICKET) ||
        (gnutls_session_get_id(t->session, id, &id_len) == 0 && id_len > 0))
        store(t, 0);
}

void mw_tls_resume_poll(mw_tls *t)
{
    if (t->resume_stored || !t->handshake_done || !storable(t))
        return;
    if (!(gnutls_session_get_flags(t->session) & GNUTLS_SFLAGS_SESSION_TICKET) ||
        gnutls_protocol_get_version(t->session) != GNUTLS_TLS1_3)
        return;
    store(t, 1);
}

void mw_tls_resume_set_lifetime(unsigned seconds)
{
    mw_global_lock();
    g_lifetime_s = seconds;
    mw_global_unlock();
}

unsigned mw_tls_resume_count(void)
{
    mw_global_lock();
    drop_expired(mw_now_ms());
    unsigned n = g_count;
    mw_global_unlock();
    return n;
}

void mw_tls_resume_flush_locked(void)
{
    while (g_count)
        drop_at(g_count - 1);
}
