/* TLS session resumption: one cache per process (internal).
 *
 * A reconnect to the same server skips the certificate exchange and the key agreement's
 * signature: TLS 1.3 tickets (RFC 8446 section 4.6.1) and TLS 1.2 session tickets (RFC 5077)
 * or session IDs. The cache is keyed by everything that decides what a handshake accepts:
 * host, port, trust mode, pin, the effective trust (CA file or directory, unchanged on disk),
 * the client certificate's content and the priority string; a change of any of them finds
 * nothing (security checklist item 20, after curl CVE-2016-5419 and CVE-2017-7468). Only
 * sessions whose handshake passed every check are stored; a TLS 1.3 ticket is handed out once
 * (RFC 8446 section C.4); entries expire and the cache is bounded. Thread-safe: the cache
 * lives under mw_global_lock(). */
#ifndef MW_TLS_RESUME_H
#define MW_TLS_RESUME_H

#include "tls_private.h"

/* Work out t's cache key from cfg, host and the priority string, and offer a cached session
 * for it to GnuTLS (taking a TLS 1.3 ticket out of the cache). Does nothing when cfg asks for
 * no resumption. Call after the priority and credentials are set, before the handshake. */
MW_INTERNAL void mw_tls_resume_offer(mw_tls *t, const mw_tls_config *cfg, const char *host,
                                     const char *priority);

/* Once the handshake and every check passed: note whether it resumed, and store a TLS 1.2
 * session now (its ticket came inside the handshake). */
MW_INTERNAL void mw_tls_resume_handshake_done(mw_tls *t);

/* After records were received: store a TLS 1.3 ticket once one has arrived (it comes after
 * the handshake). Cheap when there is nothing to do. */
MW_INTERNAL void mw_tls_resume_poll(mw_tls *t);

/* Lifetime of new entries in seconds (default 3600; tests shorten it). Any thread. */
MW_INTERNAL void mw_tls_resume_set_lifetime(unsigned seconds);

/* Number of live entries (for tests). Any thread. */
MW_INTERNAL unsigned mw_tls_resume_count(void);

/* Drop every entry: MailwireUninitialize(), which holds mw_global_lock() already. */
MW_INTERNAL void mw_tls_resume_flush_locked(void);

#endif
