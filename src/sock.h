/*
 * sock - the bottom layer of the transport stack (layer.h): a socket.
 *
 * Today: TCP to a host name or address literal. Connecting first resolves the name (an address
 * literal at once; a name on resolve.c's thread, so nothing blocks), then tries every address in
 * the order the resolver returns them with a non-blocking connect(); an address that refuses or
 * fails moves on to the next. While resolving, the layer's fd is the resolver's pipe.
 *
 * Other bottom layers belong here too, as other constructors over the same struct and ops: an
 * AF_UNIX socket (sock_new_unix(path): no resolving, one connect()) and an accept()ed fd for a
 * listen mode (sock_new_fd(fd): connected from the start). The layers above need no change.
 */
#ifndef WSC_SOCK_H
#define WSC_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layer.h"

/* Where and how the socket connects (curl's --unix-socket, -4/-6, --resolve, --connect-to).
 * Borrowed strings. All zero: TCP to the host's addresses in the resolver's order. */
struct sock_settings {
    const char *unix_path;      /* --unix-socket / --abstract-unix-socket, or NULL for TCP */
    bool abstract;              /* unix_path names an abstract socket (Linux) */
    int family;                 /* 0 any, 4 (-4) or 6 (-6) */
    const char *const *resolve; /* "HOST:PORT:ADDR[,ADDR]..." */
    size_t nresolve;
    const char *const *connect_to; /* "HOST:PORT:HOST2:PORT2" */
    size_t nconnect_to;
};

/* A TCP layer for host (copied) and port; it starts resolving on its first connect step.
 * NULL when out of memory. */
struct layer *sock_new_tcp(struct layer_env *env, const char *host, uint16_t port);

/* The fd to poll: the resolver's pipe while resolving, then the socket; -1 before the first
 * connect step and after a failure. */
int sock_fd(const struct layer *l);
/* True while the host name is being looked up. */
bool sock_resolving(const struct layer *l);
/* The connected address "127.0.0.1:8080" / "[::1]:8080", or "". */
const char *sock_peer(const struct layer *l);
/* Bytes in the kernel's send queue not yet put on the network (Linux SIOCOUTQNSD); 0 when
 * unknown or not connected. */
size_t sock_unsent(const struct layer *l);

#endif
