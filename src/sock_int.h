/*
 * sock_int - what sock.c (the layer: constructors, AF_UNIX, I/O) and sock_tcp.c (connecting
 * over TCP: --connect-to, --resolve, the lookup, Happy Eyeballs) share. Private to the two.
 */
#ifndef WSC_SOCK_INT_H
#define WSC_SOCK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resolve.h"
#include "sock.h"

/* Attempts in flight at once during a staggered connect; the next waits for one to fail. */
#define MAX_ATTEMPTS 8

enum sock_state {
    SOCK_NEW,
    SOCK_RESOLVING,  /* the resolver thread works; the fd is its pipe */
    SOCK_CONNECTING, /* non-blocking connect()s in flight (att[]) */
    SOCK_CONNECTED,
    SOCK_FAILED,
};

struct attempt {
    int fd;
    char addr[128]; /* "[::1]:8080", "unix:/run/x.sock" */
};

struct sock {
    struct layer base;
    enum sock_state state;
    bool is_unix, abstract;
    char *host; /* the URL's host, or the unix socket's path or name */
    uint16_t port;
    struct sock_settings net; /* borrowed strings */
    char target[256];         /* where to connect after --connect-to */
    uint16_t target_port;
    int fd; /* the connected socket */
    struct resolve *res;
    struct sock_addr addrs[SOCK_MAX_ADDRS]; /* in the order they are tried */
    size_t naddrs, next;
    bool stagger; /* several addresses: Happy Eyeballs, with epfd and tfd */
    int epfd, tfd;
    struct attempt att[MAX_ATTEMPTS]; /* in flight, oldest first */
    size_t natt;
    struct timespec last_start; /* of the newest attempt */
    int last_errno;
    char tried[256]; /* "127.0.0.1:1, [::1]:1" */
    char peer[128];
};

/* strerror() with a lower-case first letter, for "wsc: cannot connect: connection refused". */
const char *sock_strerror_lc(int err, char *buf, size_t n);
/* Close every attempt in flight and the staggering fds (the connected fd stays). */
void sock_drop_attempts(struct sock *s);
/* Give up with code (the error text is set already): the state sticks as SOCK_FAILED. */
int sock_fail(struct sock *s, int code);

/* The first connect step over TCP (from SOCK_NEW): 0 in progress, or an error. */
int sock_tcp_start(struct sock *s);
/* Take the resolver's answer (in SOCK_RESOLVING, once it is ready) and start connecting. */
int sock_tcp_resolved(struct sock *s, int rc, int sys_errno, struct addrinfo *list);
/* A connect step in SOCK_CONNECTING: 1 connected, 0 in progress, or T_ERR_CONNECT. */
int sock_tcp_progress(struct sock *s, short revents);

#endif
