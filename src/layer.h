/*
 * layer - one layer of the transport stack, behind one small table of operations (the shape of
 * curl's connection filters, lib/cfilters.h). transport.c builds the stack bottom up and drives
 * it; each layer only talks to the layer directly below it through the same table:
 *
 *     transport.c   public API (transport.h), the stack builder, the sticky error
 *     tls.c         TLS over whatever is below it (tls.c and crypto.c are the only files that
 *                   include OpenSSL)
 *     proxy.c       HTTP CONNECT / SOCKS to a proxy, between the socket (or TLS to an
 *                   https:// proxy) and TLS to the server
 *     sock.c        the bottom: a socket; TCP (Happy Eyeballs across IPv6 and IPv4) or AF_UNIX
 *
 * Return values use enum transport_error (transport.h): > 0 or 0 for success, T_AGAIN for
 * "poll and call again", other negative codes for errors whose text is in env->err.
 *
 * The caller polls one fd for the whole stack, the bottom layer's (transport_fd()), with the
 * events every layer asks for. A bottom layer that waits on several things at once keeps that
 * contract with an epoll fd, which poll() reports readable when anything inside is ready:
 * sock.c does so while several TCP connect attempts race (Happy Eyeballs, see sock.h), and
 * hands over the winning socket once connected. So the fd may change between steps: ask for it
 * again before each poll().
 */
#ifndef WSC_LAYER_H
#define WSC_LAYER_H

#include <stdbool.h>
#include <stddef.h>

/* Shared by every layer of one stack; owned by the transport. */
struct layer_env {
    /* -v progress, one line without newline; may be NULL */
    void (*log)(void *ud, const char *line);
    void *ud;
    char err[512]; /* text of the last error, written by the layer that failed */
};

struct layer;

struct layer_ops {
    const char *name; /* "tcp", "tls" */
    /* Drive connecting after poll() reported revents on the stack's fd (0 when called without
     * a poll, e.g. right after the layer below connected). Only called once the layer below is
     * connected. Returns 1 when this layer is connected, 0 when in progress, or a negative
     * error (the layer keeps it: the transport does not call again). */
    int (*connect)(struct layer *l, short revents);
    /* Once connected: > 0 bytes, 0 at end of stream, T_AGAIN, or T_ERR_RESET. */
    long (*read)(struct layer *l, void *p, size_t n);
    /* Once connected: > 0 bytes taken, T_AGAIN, or T_ERR_RESET. Never raises SIGPIPE. */
    long (*write)(struct layer *l, const void *p, size_t n);
    /* True when this layer holds bytes for read() that poll() cannot see (decrypted TLS). */
    bool (*pending)(const struct layer *l);
    /* What this layer waits for on the stack's fd now (POLLIN/POLLOUT), 0 for nothing. With
     * reading false the caller will not call read() now: only what connecting and pending
     * writes need (TLS: not what the last SSL_read() wanted, or poll() would keep waking a
     * caller that does not read). */
    short (*poll_events)(const struct layer *l, bool reading);
    /* Half-close our side (TLS close_notify, then the layer below). One non-blocking try. */
    void (*shutdown)(struct layer *l);
    /* One line for -v: "TCP 127.0.0.1:8080", "TLSv1.3, TLS_AES_256_GCM_SHA384, ...". */
    void (*describe)(const struct layer *l, char *out, size_t n);
    /* Optional (NULL: none). While this layer connects, an fd of its own that the stack should
     * poll instead of the socket, or -1 for the socket: the proxy layer looks up the server's
     * name for socks5:// on resolve.c's thread, and its pipe is then what wakes poll(). The
     * layer's connect() is called with the revents of that fd; poll_events() says what to wait
     * for on it (POLLIN). Only the lowest layer that is not connected is asked. */
    int (*poll_fd)(const struct layer *l);
    /* Close and free; never blocks. The layer below is still there (the stack is freed top
     * down), so a best-effort goodbye (close_notify) may go through it. */
    void (*destroy)(struct layer *l);
};

struct layer {
    const struct layer_ops *ops;
    struct layer *below; /* NULL for the bottom layer */
    struct layer_env *env;
    bool connected; /* set by the transport when connect() returned 1 */
};

/* For layers: log a line through env->log / set env->err (both printf-style). */
void layer_log(const struct layer *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void layer_set_err(const struct layer *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
