/* Non-blocking TCP connect over every resolved address (internal). */
#ifndef MW_CONNECT_H
#define MW_CONNECT_H

#include "platform.h"

struct addrinfo;

typedef struct mw_connector {
    struct addrinfo *list;   /* owned; freed by mw_connector_free */
    struct addrinfo **order; /* addresses in the order they are tried */
    size_t count, next;
    mw_socket_t sock;   /* the attempt in progress, or the connected socket */
    int last_err;       /* socket error of the last failed attempt */
    int only_refused;   /* every failure so far was "connection refused" */
    char last_addr[64]; /* numeric form of the address tried last */
} mw_connector;

/* Take ownership of `list` and order it: IPv4 before IPv6 unless prefer_ipv6, otherwise
 * resolver order. Returns 0, or -1 when out of memory. */
MW_INTERNAL int mw_connector_begin(mw_connector *c, struct addrinfo *list, int prefer_ipv6);

/* Drive the attempts. Returns 1 when c->sock is connected, 0 while an attempt waits for the
 * socket to become writable, -1 when every address failed (c->last_err, c->only_refused). */
MW_INTERNAL int mw_connector_step(mw_connector *c);

/* Hand the connected socket over (the connector forgets it). */
MW_INTERNAL mw_socket_t mw_connector_take(mw_connector *c);

MW_INTERNAL void mw_connector_free(mw_connector *c);

#endif
