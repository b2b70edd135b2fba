/* Shared TLS client credentials; see tls_creds.h. */
#include "tls_creds.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../platform/file.h"
#include "../util/alloc.h"
#include "../util/str.h"

/* Credentials no session uses any more that stay loaded for the next connection: an
 * application that connects again and again (one message per connection, a mail check every
 * few minutes) then loads the trust store once. */
#define IDLE_KEEP 4

/* Larger than any sensible CA bundle, certificate chain or key: a path to a log file or a disk
 * image by mistake fails quickly instead of filling memory. */
#define MAX_CRED_FILE (16u * 1024 * 1024)

/* Where the extra trust anchors of a connection come from, in order of precedence: the
 * call's SECURITYCREDENTIALS.lpszCAFile, the process default
 * (MailwireSetDefaultCertificateAuthority()), the SSL_CERT_FILE / SSL_CERT_DIR variables
 * that OpenSSL, curl and Python honour. The first that names anything is used alone (a bad
 * per-call file is not rescued by a good default); the system store is always loaded too. */
enum ca_origin { CA_NONE, CA_CALL, CA_DEFAULT, CA_ENV };

/* What makes two configurations load the same credentials: the effective trust (file and
 * directories) and client files (with their size and modification time, so an edited file or
 * a directory that gained a file is read again) and the key password. */
typedef struct creds_key {
    char *ca_file, *ca_dir, *cert_file, *key_file, *password;
    enum ca_origin origin;
    int pkcs12;
    long long stamp[4][2]; /* size and mtime of ca file, ca dirs, cert and key; -1 when absent */
} creds_key;

struct mw_tls_creds {
    gnutls_certificate_credentials_t cred;
    creds_key key;
    unsigned refs;
    unsigned long last_use; /* for evicting idle entries, oldest first */
    mw_tls_creds *next;
};

static mw_tls_creds *g_list;
static unsigned long g_clock;
/* A prefetch in flight (mw_tls_creds_prefetch_start()): only one at a time. */
static int g_prefetching;
/* The process default trust (under mw_global_lock()). */
static char *g_default_ca_file, *g_default_ca_dir;

/* SSL_CERT_DIR, like OpenSSL's, may list several directories. */
#ifdef _WIN32
#define DIR_LIST_SEP ';'
#else
#define DIR_LIST_SEP ':'
#endif

static void stamp(const char *path, long long out[2])
{
    mw_file_info st;
    out[0] = out[1] = -1;
    if (path && mw_file_stat(path, &st) == 0) {
        out[0] = (long long)st.size;
        out[1] = (long long)st.mtime;
    }
}

/* A directory list's stamp: the number of entries' worth is not known without reading them,
 * but adding or removing a file changes the directory's mtime, which is what is kept (the
 * latest over the list, and the sum of the sizes). */
static void stamp_dirs(const char *list, long long out[2])
{
    out[0] = out[1] = -1;
    if (!list)
        return;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, DIR_LIST_SEP);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *one = mw_strndup(p, n);
        long long st[2];
        stamp(one, st);
        free(one);
        if (st[0] >= 0) {
            out[0] = (out[0] < 0 ? 0 : out[0]) + st[0];
            if (st[1] > out[1])
                out[1] = st[1];
        }
        p += n;
        if (*p)
            p++;
    }
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_key(const creds_key *a, const creds_key *b)
{
    return a->pkcs12 == b->pkcs12 && a->origin == b->origin && same_str(a->ca_file, b->ca_file) &&
           same_str(a->ca_dir, b->ca_dir) && same_str(a->cert_file, b->cert_file) &&
           same_str(a->key_file, b->key_file) && same_str(a->password, b->password) &&
           memcmp(a->stamp, b->stamp, sizeof a->stamp) == 0;
}

static void key_clear(creds_key *k)
{
    free(k->ca_file);
    free(k->ca_dir);
    free(k->cert_file);
    free(k->key_file);
    mw_free_secret(k->password);
    memset(k, 0, sizeof *k);
}

static const char *non_empty(const char *s)
{
    return s && *s ? s : NULL;
}

/* The effective trust of cfg into k (copies; see enum ca_origin). */
static int key_trust(creds_key *k, const mw_tls_config *cfg)
{
    if (non_empty(cfg->ca_file)) {
        k->origin = CA_CALL;
        return mw_strdup_opt(&k->ca_file, cfg->ca_file);
    }
    mw_global_lock();
    int rc = 0;
    if (g_default_ca_file || g_default_ca_dir) {
        k->origin = CA_DEFAULT;
        rc = mw_strdup_opt(&k->ca_file, g_default_ca_file) ||
             mw_strdup_opt(&k->ca_dir, g_default_ca_dir);
    }
    mw_global_unlock();
    if (k->origin != CA_NONE || rc)
        return rc;
    const char *file = non_empty(getenv("SSL_CERT_FILE"));
    const char *dir = non_empty(getenv("SSL_CERT_DIR"));
    if (file || dir) {
        k->origin = CA_ENV;
        return mw_strdup_opt(&k->ca_file, file) || mw_strdup_opt(&k->ca_dir, dir);
    }
    return 0;
}

static int key_make(creds_key *k, const mw_tls_config *cfg)
{
    memset(k, 0, sizeof *k);
    k->pkcs12 = cfg->pkcs12;
    if (key_trust(k, cfg) || mw_strdup_opt(&k->cert_file, cfg->cert_file) ||
        mw_strdup_opt(&k->key_file, cfg->key_file) || mw_strdup_opt(&k->password, cfg->password)) {
        key_clear(k);
        return -1;
    }
    stamp(k->ca_file, k->stamp[0]);
    stamp_dirs(k->ca_dir, k->stamp[1]);
    stamp(k->cert_file, k->stamp[2]);
    stamp(k->key_file, k->stamp[3]);
    return 0;
}

/* How a trust source is named in a detail: the caller must know which setting to fix. */
static const char *origin_name(enum ca_origin o, int dir)
{
    switch (o) {
    case CA_DEFAULT:
        return dir ? "default CA directory" : "default CA file";
    case CA_ENV:
        return dir ? "SSL_CERT_DIR" : "SSL_CERT_FILE";
    default:
        return "CA file";
    }
}

/* Add every directory of the list k->ca_dir; each must hold at least one certificate. */
static unsigned load_dirs(gnutls_certificate_credentials_t cred, const creds_key *k, char *detail,
                          size_t dlen)
{
    const char *p = k->ca_dir;
    while (p && *p) {
        const char *end = strchr(p, DIR_LIST_SEP);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *one = mw_strndup(p, n);
        if (!one) {
            snprintf(detail, dlen, "out of memory");
            return ST_ERROR_OUT_OF_MEMORY;
        }
        int rc = n ? gnutls_certificate_set_x509_trust_dir(cred, one, GNUTLS_X509_FMT_PEM) : 1;
        if (rc <= 0) {
            snprintf(detail, dlen, "%s \"%s\": %s", origin_name(k->origin, 1), one,
                     rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
            free(one);
            return ST_ERROR_CREDENTIALS;
        }
        free(one);
        p += n;
        if (*p)
            p++;
    }
    return ST_ERROR_NONE;
}

static void creds_free(mw_tls_creds *c)
{
    if (c->cred)
        gnutls_certificate_free_credentials(c->cred);
    key_clear(&c->key);
    free(c);
}

/* A credentials file in memory. The library reads the files itself, the paths being UTF-8
 * (platform/file.h), and hands GnuTLS the bytes: its _file loaders take char paths in the
 * ANSI code page on Windows. A PKCS#11 or TPM URL given as a certificate or key "path" is no
 * file: it goes to the _file loader, which resolves URLs, as before. */
typedef struct cred_file {
    gnutls_datum_t d;
    size_t len;
    int is_url;
} cred_file;

/* ST_ERROR_NONE, ST_ERROR_CREDENTIALS (unreadable) or ST_ERROR_OUT_OF_MEMORY. */
static unsigned cred_file_read(cred_file *f, const char *path, const char *what, char *detail,
                               size_t dlen)
{
    unsigned char *data;
    size_t len;
    memset(f, 0, sizeof *f);
    if (gnutls_url_is_supported(path)) {
        f->is_url = 1;
        return ST_ERROR_NONE;
    }
    if (mw_file_read_all(path, MAX_CRED_FILE, &data, &len) != 0) {
        int e = errno;
        snprintf(detail, dlen, "%s \"%s\": %s", what, path,
                 e == EFBIG ? "larger than 16 MiB" : strerror(e));
        return e == ENOMEM ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_CREDENTIALS;
    }
    f->d.data = data;
    f->d.size = (unsigned)len;
    f->len = len;
    return ST_ERROR_NONE;
}

static void cred_file_free(cred_file *f)
{
    mw_file_free(f->d.data, f->len);
    memset(f, 0, sizeof *f);
}

/* The client certificate and key (PEM, or PKCS#12 in DER or PEM armour). ST_ERROR_NONE,
 * ST_ERROR_CREDENTIALS or ST_ERROR_OUT_OF_MEMORY. */
static unsigned load_client_cert(gnutls_certificate_credentials_t cred, const mw_tls_config *cfg,
                                 char *detail, size_t dlen)
{
    const char *pass = cfg->password ? cfg->password : "";
    const char *key_path = cfg->key_file ? cfg->key_file : cfg->cert_file;
    cred_file cert, key;
    int rc;
    unsigned err = cred_file_read(&cert, cfg->cert_file, "client certificate", detail, dlen);
    if (err)
        return err;
    if (cfg->pkcs12) {
        if (cert.is_url) {
            rc = gnutls_certificate_set_x509_simple_pkcs12_file(cred, cfg->cert_file,
                                                                GNUTLS_X509_FMT_DER, pass);
        } else {
            rc = gnutls_certificate_set_x509_simple_pkcs12_mem(cred, &cert.d, GNUTLS_X509_FMT_DER,
                                                               pass);
            if (rc < 0) /* some tools write PEM-armoured PKCS#12 */
                rc = gnutls_certificate_set_x509_simple_pkcs12_mem(cred, &cert.d,
                                                                   GNUTLS_X509_FMT_PEM, pass);
        }
    } else {
        err = cred_file_read(&key, key_path, "private key", detail, dlen);
        if (err) {
            cred_file_free(&cert);
            return err;
        }
        if (cert.is_url || key.is_url)
            rc = gnutls_certificate_set_x509_key_file2(cred, cfg->cert_file, key_path,
                                                       GNUTLS_X509_FMT_PEM, cfg->password, 0);
        else
            rc = gnutls_certificate_set_x509_key_mem2(cred, &cert.d, &key.d, GNUTLS_X509_FMT_PEM,
                                                      cfg->password, 0);
        cred_file_free(&key);
    }
    cred_file_free(&cert);
    if (rc < 0) {
        snprintf(detail, dlen, "client certificate \"%s\": %s", cfg->cert_file,
                 gnutls_strerror(rc));
        return ST_ERROR_CREDENTIALS;
    }
    return ST_ERROR_NONE;
}

/* Load what cfg names, with the trust k resolved, into fresh credentials. */
static unsigned load(gnutls_certificate_credentials_t *out, const mw_tls_config *cfg,
                     const creds_key *k, char *detail, size_t dlen)
{
    gnutls_certificate_credentials_t cred;
    int rc = gnutls_certificate_allocate_credentials(&cred);
    if (rc < 0) {
        snprintf(detail, dlen, "TLS credentials: %s", gnutls_strerror(rc));
        return ST_ERROR_OUT_OF_MEMORY;
    }
    /* The system store may be empty on a minimal machine; an extra CA file or trusted-site
     * mode can still work, and verification reports "signer not found" otherwise. */
    (void)gnutls_certificate_set_x509_system_trust(cred);
    unsigned err = ST_ERROR_NONE;
    if (k->ca_file) {
        cred_file ca;
        err = cred_file_read(&ca, k->ca_file, origin_name(k->origin, 0), detail, dlen);
        if (!err) {
            rc = ca.is_url
                     ? gnutls_certificate_set_x509_trust_file(cred, k->ca_file, GNUTLS_X509_FMT_PEM)
                     : gnutls_certificate_set_x509_trust_mem(cred, &ca.d, GNUTLS_X509_FMT_PEM);
            cred_file_free(&ca);
            if (rc <= 0) {
                snprintf(detail, dlen, "%s \"%s\": %s", origin_name(k->origin, 0), k->ca_file,
                         rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
                err = ST_ERROR_CREDENTIALS;
            }
        }
    }
    /* Directories go to GnuTLS by name (it lists and reads them): on Windows their paths are
     * taken in the ANSI code page, unlike every other path of the API. */
    if (!err && k->ca_dir)
        err = load_dirs(cred, k, detail, dlen);
    if (!err && cfg->cert_file)
        err = load_client_cert(cred, cfg, detail, dlen);
    if (err) {
        gnutls_certificate_free_credentials(cred);
        return err;
    }
    *out = cred;
    return ST_ERROR_NONE;
}

/* Drop idle entries beyond IDLE_KEEP, oldest first (under the lock). */
static void trim_idle(unsigned keep)
{
    for (;;) {
        unsigned idle = 0;
        mw_tls_creds **oldest = NULL;
        for (mw_tls_creds **p = &g_list; *p; p = &(*p)->next)
            if ((*p)->refs == 0) {
                idle++;
                if (!oldest || (*p)->last_use < (*oldest)->last_use)
                    oldest = p;
            }
        if (idle <= keep || !oldest)
            return;
        mw_tls_creds *c = *oldest;
        *oldest = c->next;
        creds_free(c);
    }
}

unsigned mw_tls_creds_get(const mw_tls_config *cfg, mw_tls_creds **out, char *detail, size_t dlen)
{
    creds_key k;
    *out = NULL;
    if (key_make(&k, cfg)) {
        snprintf(detail, dlen, "out of memory");
        return ST_ERROR_OUT_OF_MEMORY;
    }
    mw_global_lock();
    for (mw_tls_creds *c = g_list; c; c = c->next)
        if (same_key(&c->key, &k)) {
            c->refs++;
            c->last_use = ++g_clock;
            mw_global_unlock();
            key_clear(&k);
            *out = c;
            return ST_ERROR_NONE;
        }
    mw_global_unlock();
    /* Loading reads files (the system store: hundreds of certificates), so it happens outside
     * the lock; two threads that race load twice and the second keeps the first's. */
    mw_tls_creds *n = mw_calloc(1, sizeof *n);
    if (!n) {
        key_clear(&k);
        snprintf(detail, dlen, "out of memory");
        return ST_ERROR_OUT_OF_MEMORY;
    }
    n->key = k;
    unsigned err = load(&n->cred, cfg, &n->key, detail, dlen);
    if (err) {
        creds_free(n);
        return err;
    }
    mw_global_lock();
    for (mw_tls_creds *c = g_list; c; c = c->next)
        if (same_key(&c->key, &n->key)) {
            c->refs++;
            c->last_use = ++g_clock;
            mw_global_unlock();
            creds_free(n);
            *out = c;
            return ST_ERROR_NONE;
        }
    n->refs = 1;
    n->last_use = ++g_clock;
    n->next = g_list;
    g_list = n;
    mw_global_unlock();
    *out = n;
    return ST_ERROR_NONE;
}

gnutls_certificate_credentials_t mw_tls_creds_gnutls(const mw_tls_creds *c)
{
    return c->cred;
}

void mw_tls_creds_put(mw_tls_creds *c)
{
    if (!c)
        return;
    mw_global_lock();
    if (c->refs > 0)
        c->refs--;
    trim_idle(IDLE_KEEP);
    mw_global_unlock();
}

void mw_tls_creds_flush_locked(void)
{
    trim_idle(0);
}

unsigned mw_tls_set_default_ca(const char *file, const char *dir)
{
    char *f = NULL, *d = NULL;
    if (mw_strdup_opt(&f, non_empty(file)) || mw_strdup_opt(&d, non_empty(dir))) {
        free(f);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    mw_global_lock();
    char *old_f = g_default_ca_file, *old_d = g_default_ca_dir;
    g_default_ca_file = f;
    g_default_ca_dir = d;
    mw_global_unlock();
    free(old_f);
    free(old_d);
    return ST_ERROR_NONE;
}

/* ---- loading ahead ---------------------------------------------------------------------- */

struct mw_tls_prefetch {
    mw_tls_creds *n;
};

mw_tls_prefetch *mw_tls_creds_prefetch_start(const mw_tls_config *cfg)
{
    /* A client certificate needs the whole configuration (its password); such sessions are
     * rare and load their credentials themselves. */
    if (cfg->cert_file)
        return NULL;
    mw_tls_prefetch *p = mw_calloc(1, sizeof *p);
    mw_tls_creds *n = p ? mw_calloc(1, sizeof *n) : NULL;
    if (!n || key_make(&n->key, cfg)) {
        free(n);
        free(p);
        return NULL;
    }
    p->n = n;
    int wanted = 1;
    mw_global_lock();
    if (g_prefetching)
        wanted = 0;
    for (mw_tls_creds *c = g_list; wanted && c; c = c->next)
        if (same_key(&c->key, &n->key))
            wanted = 0;
    if (wanted)
        g_prefetching = 1;
    mw_global_unlock();
    if (!wanted) {
        creds_free(n);
        free(p);
        return NULL;
    }
    return p;
}

void mw_tls_creds_prefetch_run(mw_tls_prefetch *p)
{
    mw_tls_config none;
    char detail[256];
    memset(&none, 0, sizeof none);
    mw_tls_creds *n = p->n;
    free(p);
    /* A failure is left to the connection that needs the credentials: it loads them again
     * and reports the cause. */
    unsigned err = load(&n->cred, &none, &n->key, detail, sizeof detail);
    mw_global_lock();
    g_prefetching = 0;
    int dup = err != ST_ERROR_NONE;
    for (mw_tls_creds *c = g_list; !dup && c; c = c->next)
        if (same_key(&c->key, &n->key))
            dup = 1;
    if (!dup) {
        n->refs = 0; /* idle until a connection takes it */
        n->last_use = ++g_clock;
        n->next = g_list;
        g_list = n;
        trim_idle(IDLE_KEEP);
    }
    mw_global_unlock();
    if (dup)
        creds_free(n);
}

void mw_tls_creds_prefetch_cancel(mw_tls_prefetch *p)
{
    if (!p)
        return;
    mw_global_lock();
    g_prefetching = 0;
    mw_global_unlock();
    creds_free(p->n);
    free(p);
}

int mw_tls_creds_prefetching(void)
{
    mw_global_lock();
    int r = g_prefetching;
    mw_global_unlock();
    return r;
}

/* Why the end of a process waits for the worker: on Windows it opens the system store through
 * crypt32, and Wine's crypt32 (8.0) fills that store in each process under a named semaphore
 * that the filling process releases when it is done. A process that exits while its worker is
 * filling it never releases it, and every other Wine process that opened the store meanwhile
 * waits for it without end: a TLS connection of another program stops in "loading the trust
 * store" until it times out (seen in CI, reproduced with a program that exits 100 ms into the
 * load). Waiting here costs that process the rest of one load (5 to 60 ms natively, about
 * 200 ms under Wine) and no one else anything. On Linux it also keeps the worker out of
 * GnuTLS while GnuTLS's own destructor runs at exit. */
int mw_tls_creds_prefetch_wait(unsigned max_ms)
{
    int64_t end = mw_now_ms() + (int64_t)max_ms;
    while (mw_tls_creds_prefetching()) {
        if (mw_now_ms() >= end)
            return 0;
        mw_sleep_ms(2);
    }
    return 1;
}

int mw_tls_creds_loaded(const mw_tls_config *cfg)
{
    creds_key k;
    if (key_make(&k, cfg))
        return 0;
    int found = 0;
    mw_global_lock();
    for (mw_tls_creds *c = g_list; c && !found; c = c->next)
        found = same_key(&c->key, &k);
    mw_global_unlock();
    key_clear(&k);
    return found;
}

/* Length-prefixed, so that no two different settings feed the same bytes. */
static void hash_str(gnutls_hash_hd_t h, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) + 1 : 0; /* NULL and "" differ */
    (void)gnutls_hash(h, &n, sizeof n);
    if (s)
        (void)gnutls_hash(h, s, n);
}

void mw_tls_creds_identity(const mw_tls_creds *c, gnutls_hash_hd_t h)
{
    const creds_key *k = &c->key;
    int origin = (int)k->origin;
    (void)gnutls_hash(h, &origin, sizeof origin);
    hash_str(h, k->ca_file);
    hash_str(h, k->ca_dir);
    /* The trust files as they are on disk: an edited CA file is another trust. */
    (void)gnutls_hash(h, k->stamp, 2 * sizeof k->stamp[0]);
    /* The client certificate by its content (DER of every certificate of every key pair): a
     * file replaced under the same name is another identity (security checklist item 20). */
    for (unsigned i = 0;; i++) {
        gnutls_datum_t der = {NULL, 0};
        /* Past the last key pair (or chain element) GnuTLS answers with an error. */
        if (gnutls_certificate_get_crt_raw(c->cred, i, 0, &der) < 0)
            break;
        for (unsigned j = 1;; j++) {
            uint32_t n = der.size;
            (void)gnutls_hash(h, &n, sizeof n);
            (void)gnutls_hash(h, der.data, der.size);
            if (gnutls_certificate_get_crt_raw(c->cred, i, j, &der) < 0)
                break;
        }
    }
}
