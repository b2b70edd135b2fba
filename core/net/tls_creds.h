/* Shared TLS client credentials (internal).
 *
 * Loading the system trust store costs megabytes and milliseconds per load, and every session
 * used to load its own: 1,000 STARTTLS sessions took 3.7 GiB. Sessions whose configurations
 * name the same trust and client-certificate files (unchanged on disk) and the same key
 * password now share one gnutls_certificate_credentials_t: GnuTLS only reads credentials during
 * handshakes, so one set may serve many sessions on many threads. Entries are
 * reference-counted; a few idle ones stay loaded for the next connection. */
#ifndef MW_TLS_CREDS_H
#define MW_TLS_CREDS_H

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "tls.h"

typedef struct mw_tls_creds mw_tls_creds;

/* Credentials for cfg (trust: the system store plus the first of cfg->ca_file, the process
 * default of mw_tls_set_default_ca(), SSL_CERT_FILE/SSL_CERT_DIR; client certificate and key
 * when given), shared or loaded now. ST_ERROR_NONE with *out to release with
 * mw_tls_creds_put(), or ST_ERROR_CREDENTIALS / ST_ERROR_OUT_OF_MEMORY with the cause in
 * detail. Any thread. */
MW_INTERNAL unsigned mw_tls_creds_get(const mw_tls_config *cfg, mw_tls_creds **out, char *detail,
                                      size_t dlen);
MW_INTERNAL gnutls_certificate_credentials_t mw_tls_creds_gnutls(const mw_tls_creds *c);
/* Set (or with both NULL or empty, clear) the process default trust file and directory list;
 * later connections use it when they name no CA file. ST_ERROR_NONE or
 * ST_ERROR_OUT_OF_MEMORY (the old default kept). Any thread. */
MW_INTERNAL unsigned mw_tls_set_default_ca(const char *file, const char *dir);
/* Feed what identifies c's handshakes into h: the effective trust (origin, CA file and
 * directories with their size and modification time) and the client certificate chain by its
 * content. Any thread. */
MW_INTERNAL void mw_tls_creds_identity(const mw_tls_creds *c, gnutls_hash_hd_t h);
/* Let go of c (NULL is fine); the last user of an entry leaves it idle. */
MW_INTERNAL void mw_tls_creds_put(mw_tls_creds *c);
/* Loading ahead, on a worker thread, so that no event loop waits for the system store (it
 * took 6 to 28 ms on the benchmark machine) in the step that starts a handshake: start()
 * returns a job when cfg's credentials are neither loaded nor being loaded (and cfg has no
 * client certificate), else NULL; run() loads them into the cache as an idle entry and frees
 * the job (any thread); cancel() drops a job that will not run. */
typedef struct mw_tls_prefetch mw_tls_prefetch;
MW_INTERNAL mw_tls_prefetch *mw_tls_creds_prefetch_start(const mw_tls_config *cfg);
MW_INTERNAL void mw_tls_creds_prefetch_run(mw_tls_prefetch *p);
MW_INTERNAL void mw_tls_creds_prefetch_cancel(mw_tls_prefetch *p);
/* Whether a prefetch job is loading now (whatever its configuration). Any thread. */
MW_INTERNAL int mw_tls_creds_prefetching(void);
/* Wait until no prefetch job is loading, for at most max_ms; 1 when none is, 0 on the bound.
 * For the end of the process (MailwireUninitialize(), the test programs): a worker ended in the
 * middle of its load by the process exit can leave others waiting (see tls_creds.c). Not under
 * mw_global_lock(). */
MW_INTERNAL int mw_tls_creds_prefetch_wait(unsigned max_ms);
/* Whether cfg's credentials are loaded (in use or idle): for tests. Any thread. */
MW_INTERNAL int mw_tls_creds_loaded(const mw_tls_config *cfg);
/* Free every idle entry (MailwireUninitialize(), which holds mw_global_lock() already: the
 * cache lives under that lock). */
MW_INTERNAL void mw_tls_creds_flush_locked(void);

#endif
