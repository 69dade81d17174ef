/*
 * transport - the byte stream under a WebSocket: TCP, optionally TLS (OpenSSL), behind one
 * non-blocking connect/read/write/close interface driven by the caller's poll() loop.
 *
 * Inside it is a stack of layers with one table of operations (layer.h): the socket (sock.c)
 * at the bottom, TLS (tls.c) on top for wss://, and room for a proxy layer in between
 * (transport.c says where). Nothing here blocks: a host name is looked up on a thread of its
 * own (resolve.c), whose pipe is transport_fd() meanwhile, so the caller's poll() wakes when the
 * answer is in, and its --connect-timeout and signals work during a slow lookup. Then every
 * address is tried with a non-blocking connect(); an address that refuses or fails moves on to
 * the next, and with both IPv6 and IPv4 addresses the attempts are staggered 250 ms apart
 * (Happy Eyeballs, RFC 8305; see sock.h). With TLS the handshake
 * follows: TLS 1.2 or later, SNI for host names, the system CA store or --cacert, and host name
 * (or IP) verification unless insecure. The caller owns the clock: it applies --connect-timeout.
 *
 * tls.c and crypto.c are the only files that include OpenSSL (crypto.c: SHA-1 and the CSPRNG).
 */
#ifndef WSC_TRANSPORT_H
#define WSC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errkind.h"
#include "proxy.h"
#include "sock.h"
#include "tls.h"

enum transport_log_level { TRANSPORT_LOG_INFO = 0, TRANSPORT_LOG_DEBUG = 1 };

struct transport_config {
    const char *host; /* name or address literal, without brackets */
    uint16_t port;
    bool tls;
    /* TLS to the server (wss://). Borrowed: the strings must outlive transport_start(). */
    struct tls_settings tls_opts;
    /* Where the socket connects: unix socket, address family, --resolve, --connect-to.
     * Borrowed: the strings must outlive the transport. */
    struct sock_settings net;
    /* The proxy to tunnel through, or NULL (or type PROXY_NONE) to connect directly. Copied. */
    const struct proxy_spec *proxy;
    /* Optional: progress for -v ("resolved localhost to ::1, 127.0.0.1", "trying 127.0.0.1:80",
     * "TLSv1.3 ..."). One line, no newline. */
    void (*log)(void *ud, const char *line);
    void *ud;
};

enum transport_error {
    /* -1xx need more */
    T_AGAIN = -101, /* would block: poll for transport_poll_events() and call again */
    /* -2xx protocol: the peer's or the network's fault */
    T_ERR_RESOLVE = -201, /* the host name does not resolve (exit 6) */
    T_ERR_CONNECT = -202, /* no address accepted the connection (exit 7) */
    T_ERR_TLS = -203,     /* TLS handshake failed (exit 35) */
    T_ERR_VERIFY = -204,  /* certificate verification failed (exit 60) */
    T_ERR_RESET = -205,   /* the connection broke: reset, or I/O error (exit 56) */
    T_ERR_PINNED = -210,  /* the server's public key matches no --pinnedpubkey (exit 90) */
    /* The proxy's name does not resolve (exit 5); the proxy does not accept the connection
     * (exit 7); the proxy handshake failed (exit 97, see proxy.h). */
    T_ERR_PROXY_RESOLVE = -206,
    T_ERR_PROXY_CONNECT = -207,
    T_ERR_PROXY = -208,
    /* The proxy wants credentials, or rejected ours (exit 97; trying again cannot help). */
    T_ERR_PROXY_AUTH = -211,
    /* -3xx argument */
    T_ERR_CONFIG = -301, /* e.g. --cacert cannot be read (exit 2 is for the caller to decide) */
    /* -4xx resource */
    T_ERR_NOMEM = -401,
};

struct transport;

/* Allocate (copies the strings in cfg). NULL when out of memory. */
struct transport *transport_new(const struct transport_config *cfg);
/* Close the socket (sending TLS close_notify best-effort) and free. NULL is a no-op. Returns at
 * once even during a name lookup (the lookup's thread cleans up after itself). */
void transport_free(struct transport *t);

/*
 * Start resolving and connecting; never blocks. Returns 0 (in progress: poll and call
 * transport_progress()), or T_ERR_CONFIG / T_ERR_NOMEM, or T_ERR_RESOLVE / T_ERR_CONNECT when
 * the host is an address literal that fails at once. A host name's lookup answers later, in
 * transport_progress() (T_ERR_RESOLVE there when the name does not resolve).
 */
int transport_start(struct transport *t);

/*
 * Drive connecting and the TLS handshake after poll() reported revents on transport_fd().
 * Returns 1 when the stream is ready for read/write, 0 when still in progress, or a negative
 * transport_error (T_ERR_RESOLVE; T_ERR_CONNECT once every address failed; T_ERR_TLS;
 * T_ERR_VERIFY).
 */
int transport_progress(struct transport *t, short revents);

/* True once transport_progress() returned 1 (TCP connected, and TLS done if any). */
bool transport_ready(const struct transport *t);
/* True once TCP is connected (before TLS), for the seed's "Connected" trigger. */
bool transport_tcp_connected(const struct transport *t);

/* True while the host name is being looked up (before any connect()). */
bool transport_resolving(const struct transport *t);

/* The fd to poll (-1 before start; the resolver's pipe while resolving; the socket, or an
 * epoll fd while Happy Eyeballs races several connects; then the socket: ask again before each
 * poll), and the events the transport itself needs now (POLLIN while resolving, POLLOUT while
 * connecting or POLLIN on that epoll fd, what TLS asked for after a WANT_READ/WANT_WRITE). The
 * caller adds POLLIN when it wants to read and POLLOUT when it has bytes to write. reading:
 * whether the caller will read now; when false, what an earlier read wanted is left out. */
int transport_fd(const struct transport *t);
short transport_poll_events(const struct transport *t, bool reading);

/* Read up to n bytes. Returns > 0, 0 at end of stream (FIN or TLS close_notify), T_AGAIN, or
 * T_ERR_RESET. */
long transport_read(struct transport *t, void *p, size_t n);
/* Write up to n bytes. Returns > 0, T_AGAIN, or T_ERR_RESET. Never raises SIGPIPE. */
long transport_write(struct transport *t, const void *p, size_t n);
/* True when TLS holds decrypted bytes that poll() cannot see: read them without waiting. */
bool transport_has_pending(const struct transport *t);
/* Bytes in the kernel's send queue not yet put on the network (Linux SIOCOUTQNSD): they
 * certainly never reached the peer. With TLS these are ciphertext bytes (our bytes plus record
 * overhead), which do not map back exactly to what was written. 0 when unknown. */
size_t transport_unsent(const struct transport *t);
/* Half-close our side after the closing handshake (TLS close_notify, then shutdown(SHUT_WR)). */
void transport_shutdown(struct transport *t);

/* Text of the last error, e.g. "connection refused (tried 127.0.0.1:1)", "certificate verify
 * failed: self-signed certificate", "wrong version number (is this a plain ws:// port?)". For
 * T_ERR_TLS it is the reason only: the caller says "TLS handshake failed". Never NULL. */
const char *transport_error(const struct transport *t);
/* The connected address "127.0.0.1:8080" / "[::1]:8080", or "" before connecting. */
const char *transport_peer(const struct transport *t);
/* The addresses a TCP connect was tried on so far, "[::1]:8080, 127.0.0.1:8080", or "". */
const char *transport_tried(const struct transport *t);
/* For -v after TLS: "TLSv1.3, TLS_AES_256_GCM_SHA384, subject CN=localhost, issuer CN=Test CA";
 * "" without TLS. */
const char *transport_tls_info(const struct transport *t);
/* How many layers have connected, bottom up (the socket is layer 0), and the name of layer i
 * ("tcp", "tls", a proxy's; "" when out of range): conn.c times each step for -v with them. */
int transport_layers_connected(const struct transport *t);
const char *transport_layer_name(const struct transport *t, int i);

/* One line for -v, each layer bottom up: "TCP 127.0.0.1:443 | TLSv1.3, ...". */
void transport_describe(const struct transport *t, char *out, size_t n);

#endif
