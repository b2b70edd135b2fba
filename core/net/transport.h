/* Transport interface: a byte stream over a connected socket, plain or TLS (internal).
 *
 * The session only talks to this interface, so STARTTLS is a swap of the implementation over
 * the same socket. Every call is non-blocking: MW_IO_AGAIN means "poll for want() and call
 * again". */
#ifndef MW_TRANSPORT_H
#define MW_TRANSPORT_H

#include "../platform/platform.h"

enum {
    MW_IO_AGAIN = -1, /* would block; see want() */
    MW_IO_ERROR = -2  /* failed; the mailwire error code is in *err, detail in the detail buf */
};

typedef struct mw_transport mw_transport;

typedef struct mw_transport_ops {
    /* > 0: bytes read; 0: orderly end of stream; MW_IO_AGAIN; MW_IO_ERROR. */
    long (*recv)(mw_transport *t, void *buf, size_t len);
    /* > 0: bytes written; MW_IO_AGAIN; MW_IO_ERROR. */
    long (*send)(mw_transport *t, const void *buf, size_t len);
    /* Bytes already decrypted and buffered: readable without touching the socket. */
    size_t (*pending)(mw_transport *t);
    /* Direction the last MW_IO_AGAIN was waiting for (MW_WANT_*). GnuTLS may need to write
     * while the caller reads and the other way round. */
    int (*want)(mw_transport *t);
    /* Send whatever orderly shutdown the layer has (TLS close_notify), without blocking. */
    void (*shutdown)(mw_transport *t);
    /* Free the layer; does not close the socket. */
    void (*destroy)(mw_transport *t);
} mw_transport_ops;

struct mw_transport {
    const mw_transport_ops *ops;
    mw_socket_t sock;
    unsigned err;     /* mailwire error of the last MW_IO_ERROR */
    char detail[512]; /* its cause in words */
    /* Non-zero while a handshake runs under the data (a TLS renegotiation): its messages are
     * small, so a wait must end at the first byte (no SO_RCVLOWAT). */
    int handshaking;
};

/* A plain TCP transport over sock. NULL when out of memory. */
MW_INTERNAL mw_transport *mw_plain_transport_new(mw_socket_t sock);

/* Record a socket error on t (error class from errno: reset/closed vs other). */
MW_INTERNAL void mw_transport_set_sock_error(mw_transport *t, const char *what, int err);

#endif
