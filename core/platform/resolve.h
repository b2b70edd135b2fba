/* Name resolution that never blocks the caller (internal).
 *
 * getaddrinfo() cannot be interrupted, so a non-numeric name is resolved on a detached helper
 * thread that signals the session's wake-up channel when done. The session polls that channel
 * like a socket, so the non-blocking API stays non-blocking during DNS. A session that gives
 * up (timeout, cancel, free) abandons the job; the thread frees it when getaddrinfo returns. */
#ifndef MW_RESOLVE_H
#define MW_RESOLVE_H

#include "platform.h"

struct addrinfo;
typedef struct mw_resolve mw_resolve;

/* Start resolving host for TCP port. Numeric addresses complete at once. Returns NULL when out
 * of memory or no thread could be started. */
MW_INTERNAL mw_resolve *mw_resolve_start(const char *host, uint16_t port, mw_wakeup *wake);

/* 0: still running. 1: done; *ai receives the list (the caller owns it, freeaddrinfo) or NULL
 * with *gai_err set. The job is freed when it reports done. */
MW_INTERNAL int mw_resolve_poll(mw_resolve *r, struct addrinfo **ai, int *gai_err);

/* Drop interest in a running job; safe to close the wake-up channel afterwards. */
MW_INTERNAL void mw_resolve_abandon(mw_resolve *r);

/* The resolver thread's getaddrinfo() (resolve_gai.c). It has a file of its own so that the
 * test programs can replace it (tests/support/resolve_hooks.c, linked ahead of the library,
 * as the allocation hooks are): theirs can make the lookup slow on demand. */
MW_INTERNAL int mw_resolve_getaddrinfo(const char *host, const char *port,
                                       const struct addrinfo *hints, struct addrinfo **res);

/* Test hook, defined only in the test programs (tests/support/resolve_hooks.c): every
 * resolver thread sleeps this long before getaddrinfo(), so tests can show that nothing
 * waits for DNS. 0 (the default) disables it. Library code must not call it:
 * scripts/check-symbols.sh fails on the undefined reference. */
MW_INTERNAL void mw_resolve_set_test_delay(unsigned ms);

/* This host's name for SMTP's EHLO (RFC 5321 section 4.1.4 asks for the fully qualified
 * name): the canonical name, else the plain host name, else "localhost"; never one with a
 * space or a control character. The canonical name needs a lookup that may block, so only a
 * caller that may block (may_block) makes it, and the answer is cached for the process; the
 * others take the cache or the plain name. */
MW_INTERNAL void mw_resolve_local_name(char *out, size_t size, int may_block);

/* Text for a getaddrinfo error. */
MW_INTERNAL const char *mw_resolve_strerror(int gai_err);

#endif
