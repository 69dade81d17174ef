/*
 * conn - one WebSocket connection from TCP connect to TCP close: transport, the RFC 6455 §4
 * opening handshake, then the session, and the closing handshake with its timeouts (§7.1).
 *
 * struct conn is opaque. The caller describes the connection once in a struct conn_config (no
 * command-line types here: the UI builds it, see conn_options.h), then drives it without
 * blocking: poll conn_fd() for conn_poll_events(), call conn_handle() with what poll() reported
 * and conn_timer() once conn_deadline() has passed. When conn_state() reaches CONN_DONE the
 * connection reports why it ended as an outcome (conn_outcome()) and a detail text; the one
 * place that turns an outcome into an exit code and a message is conn_outcome_exit() and
 * conn_outcome_message() (conn_message() is that message for this connection).
 */
#ifndef WSC_CONN_H
#define WSC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errkind.h"
#include "frame.h" /* RFC 6455 constants: WS_OP_*, WS_CLOSE_*, WS_MAX_CONTROL_PAYLOAD */
#include "proxyenv.h"
#include "sock.h"
#include "tls.h"

enum conn_state {
    CONN_IDLE = 0,   /* not started, or ended and reported (conn_reset()) */
    CONN_CONNECTING, /* resolving, TCP connect, TLS handshake */
    CONN_HANDSHAKE,  /* HTTP upgrade request sent, waiting for 101 */
    CONN_OPEN,       /* WebSocket established */
    CONN_CLOSING,    /* a close frame went one way or both; waiting for the rest and TCP close */
    CONN_DONE,       /* socket closed; see conn_outcome() */
};

/*
 * Why a connection ended. The detail text (conn_detail()) completes the message; the table in
 * conn_outcome.c gives each outcome its exit code and the words that come before the detail.
 */
enum conn_outcome {
    CONN_OK_CLOSED = 0,    /* closing handshake done (1000), or closed by us: exit 0 */
    CONN_OK_SERVER_CLOSED, /* the server closed with 1001 or 1005 ("1001: reason"): exit 0 */
    CONN_ABORTED,          /* given up by the user (conn_abort()), not a failure: exit 0 */
    CONN_ERR_RESOLVE,      /* the host does not resolve (the detail says it all) */
    CONN_ERR_CONNECT,      /* no address accepted the TCP connection */
    /* The proxy's: its name does not resolve (the detail says it all); it does not accept the
     * TCP connection (exit 7); it refused the tunnel or broke its protocol (exit 97); it wants
     * credentials or rejected ours (exit 97, and conn_http_status() is 407: never retried);
     * its URL is malformed (exit 2: one a redirect needs, found when it connects). */
    CONN_ERR_PROXY_RESOLVE,
    CONN_ERR_PROXY_CONNECT,
    CONN_ERR_PROXY,
    CONN_ERR_PROXY_AUTH,
    CONN_ERR_PROXY_CONFIG,
    CONN_ERR_TLS,          /* TLS handshake failed */
    CONN_ERR_CERT,         /* server certificate not verified */
    CONN_ERR_PINNED,       /* the server's public key matches no --pinnedpubkey */
    CONN_ERR_TLS_CONFIG,   /* bad --cacert and the like: a usage error */
    CONN_ERR_TIMEOUT,      /* "after 5 s connecting (--connect-timeout)", --timeout */
    CONN_ERR_PING_TIMEOUT, /* keep-alive: no reply to a ping (the detail says it all) */
    CONN_ERR_HANDSHAKE,    /* the reply to the upgrade request is not a valid 101 */
    CONN_ERR_REFUSED,      /* a non-101 status: conn_http_status(), conn_retry_after() */
    CONN_ERR_REDIRECT,     /* -L: --max-redirs reached, a bad Location or a refused downgrade */
    CONN_ERR_PROTOCOL,     /* the server broke RFC 6455; we failed the connection */
    CONN_ERR_SERVER_CLOSE, /* the server closed with an error code ("1011: reason") */
    CONN_ERR_ABNORMAL,     /* TCP closed without a close frame (1006) */
    CONN_ERR_RESET,        /* the connection broke while reading */
    CONN_ERR_SEND,         /* the connection broke while sending */
    CONN_ERR_INTERNAL,     /* out of memory, random generator (the detail says it all) */
    CONN_INTERRUPTED,      /* SIGINT: exit 130 */
    CONN_TERMINATED,       /* SIGTERM: exit 143 */
    CONN_HANGUP,           /* SIGHUP: exit 129 */
    CONN_OUTCOME_COUNT
};

/* The exit code of an outcome (EXIT_INTERNAL for a value out of range). */
int conn_outcome_exit(enum conn_outcome o);
/*
 * The message for an outcome and its detail (NULL = ""), one line without "wsc: " or newline,
 * into out (n > 0 bytes, always NUL-terminated, truncated if need be). Returns out. The message
 * is empty for a clean end with no detail.
 */
char *conn_outcome_message(enum conn_outcome o, const char *detail, char *out, size_t n);
/* A short stable name ("ok-closed", "err-refused", ...) for tests and JSON; "?" if unknown. */
const char *conn_outcome_name(enum conn_outcome o);
/* The outcome of an interrupting signal (SIGINT, SIGTERM, SIGHUP; others give CONN_TERMINATED). */
enum conn_outcome conn_outcome_for_signal(int sig);

enum conn_role {
    CONN_CLIENT = 0, /* we connect and send the upgrade request */
    CONN_SERVER,     /* reserved for a listen mode; conn_new() refuses it today */
};

/*
 * What to connect to and how. conn_new() copies the struct; the strings and arrays it points to
 * stay the caller's and must outlive the conn (or the next conn_configure()).
 */
struct conn_config {
    enum conn_role role;
    const char *host; /* name or address literal, without brackets */
    uint16_t port;
    bool tls;                        /* wss */
    const char *resource;            /* path and query, starts with '/' */
    const char *const *subprotocols; /* offered, in order of preference */
    size_t nsubprotocols;
    const char *const *headers; /* extra "Name: value" lines */
    size_t nheaders;
    const char *origin;               /* NULL: no Origin header */
    const char *authorization;        /* whole Authorization value ("Bearer x"), or NULL */
    bool follow_redirects;            /* -L: follow 301, 302, 303, 307 and 308 (conn_hop.c) */
    long max_redirs;                  /* with -L: redirects followed at most, -1 = no limit */
    bool location_trusted;            /* credentials to other hosts than the original too */
    struct tls_settings tls_opts;     /* --cacert, --insecure and the other TLS options */
    struct sock_settings net;         /* --unix-socket, -4/-6, --resolve, --connect-to */
    const struct proxy_inputs *proxy; /* how to choose a proxy per URL; NULL: never a proxy */
    double connect_timeout;           /* seconds for connect + TLS + handshake reply, > 0 */
    uint64_t max_message_size;        /* 0 = unlimited */
    bool log_comms;                   /* log every frame (log_frame()) */
};

struct conn_handlers {
    void (*on_state)(void *ud, enum conn_state state);
    /* TCP is up (the seed's "Connected" trigger); TLS and the handshake follow. */
    void (*on_tcp_connected)(void *ud, const char *peer);
    void (*on_message)(void *ud, int opcode, const uint8_t *data, size_t len);
    void (*on_ping)(void *ud, const uint8_t *data, size_t len);
    void (*on_pong)(void *ud, const uint8_t *data, size_t len);
    /* Optional: true while the receiver cannot take more messages (stdout backpressure): the
     * socket is then not read, not even for the rest of the current wake. */
    bool (*rx_paused)(void *ud);
    /* Optional (-L): a redirect is followed: its status, the new URL for display (no password,
     * query values redacted, escaped) and its number (1, 2, ...); without it -v logs the hop.
     * The new connection's on_state (CONN_CONNECTING) and on_tcp_connected follow; nothing
     * reports the old one as ended. */
    void (*on_redirect)(void *ud, int status, const char *url, int hop);
};

struct conn;

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t conn_now(void);

/* A new idle conn (no I/O). NULL when out of memory or the role is not supported. Free with
 * conn_free(); conn_free(NULL) is a no-op. Handlers run from inside conn_* calls. */
struct conn *conn_new(const struct conn_config *cfg, const struct conn_handlers *h, void *ud);
void conn_free(struct conn *c);
/* Replace the configuration (copied as in conn_new()); used from the next conn_start() on. */
int conn_configure(struct conn *c, const struct conn_config *cfg);

/* Resolve and start connecting. On immediate failure the state is CONN_DONE. */
void conn_start(struct conn *c);
/* After a CONN_DONE has been reported: back to CONN_IDLE (no on_state), ready to start again. */
void conn_reset(struct conn *c);

int conn_fd(const struct conn *c);
short conn_poll_events(const struct conn *c);
void conn_handle(struct conn *c, short revents);
/* Absolute monotonic ms when conn_timer() must be called, or -1. */
int64_t conn_deadline(const struct conn *c);
void conn_timer(struct conn *c);

/*
 * What conn_send(), conn_ping(), conn_pong() and conn_close() return when they refuse; nothing
 * was queued then. Grouped by kind (errkind.h), so the caller may test ws_error_kind(rc):
 * WS_ERRKIND_ARGUMENT is the caller's request refused or too late, WS_ERRKIND_RESOURCE is ours.
 */
enum conn_send_error {
    CONN_SEND_INVALID = -301,  /* the message itself: text not UTF-8, control payload > 125,
                                * invalid close code or reason */
    CONN_SEND_STATE = -302,    /* the connection is not OPEN (or the close was already sent) */
    CONN_SEND_RESOURCE = -401, /* out of memory, the random generator failed (masking key) */
};

/* Queue a message (OPEN only). Returns 0 or an enum conn_send_error. Nothing is written
 * until conn_flush() or the next conn_handle(), so a batch of messages costs few system calls. */
int conn_send(struct conn *c, int opcode, const uint8_t *data, size_t len);
int conn_ping(struct conn *c, const uint8_t *data, size_t len);
int conn_pong(struct conn *c, const uint8_t *data, size_t len);
/* Write queued bytes now, as far as the kernel takes them. */
void conn_flush(struct conn *c);
/* Start the closing handshake with code/reason (code 0 = none). Before OPEN it aborts the
 * attempt. Returns 0 or an enum conn_send_error (CONN_SEND_INVALID for an invalid code). */
int conn_close(struct conn *c, int code, const char *reason);
/* Give up now with this outcome and detail (e.g. --timeout, an interrupt, the user's /close). */
void conn_abort(struct conn *c, enum conn_outcome outcome, const char *detail);

/* --- what the connection knows ---------------------------------------------------------- */

enum conn_state conn_state(const struct conn *c);
const char *conn_state_name(enum conn_state s);
/* Accepted subprotocol ("" if none), valid from CONN_OPEN until the next conn_start(). */
const char *conn_subprotocol(const struct conn *c);
/* "address:port" of the TCP peer ("" before TCP is up), until the next conn_start(). */
const char *conn_peer(const struct conn *c);
/* Monotonic ms when the last byte was received (0 = never). */
int64_t conn_last_rx(const struct conn *c);

/* Bytes queued for the peer and not yet written. */
size_t conn_pending_output(const struct conn *c);
/* Stream position (over all connections) after the last session byte handed to the kernel.
 * When the connection ends, it is lowered by what the kernel still held unsent. */
uint64_t conn_out_total(const struct conn *c);
/* Stream position after the last byte queued so far (out_total + pending): a message queued
 * just before has been handed to the kernel once conn_out_total() reaches this. */
uint64_t conn_out_end(const struct conn *c);
/* Stream position up to which bytes have left this machine (out_total less what the kernel
 * still holds unsent; one ioctl). A record whose frame ends at or before it cannot be sent
 * again without risk of a duplicate; one after it can. */
uint64_t conn_out_sent(const struct conn *c);
/* Like conn_out_sent(), but with TLS too, approximately (never early): for timing only, such as
 * when a keep-alive ping has actually left. */
uint64_t conn_out_gone(const struct conn *c);

/* Once DONE (until the next conn_start()): why it ended, the detail text and the full message
 * (conn_outcome_message() of both; "" for a clean end). */
enum conn_outcome conn_outcome(const struct conn *c);
const char *conn_detail(const struct conn *c);
const char *conn_message(const struct conn *c);
/* The closing handshake: true when the close was ours; codes sent and received (0 = none);
 * the received reason, raw (not NUL-safe for display: escape it). */
bool conn_closed_by_us(const struct conn *c);
int conn_close_code_sent(const struct conn *c);
int conn_close_code_received(const struct conn *c);
const char *conn_close_reason_received(const struct conn *c);
/*
 * The timing of the last attempt (--write-out), filled by conn_hop.c as the steps complete
 * (whether or not -v logs them). Each time is microseconds since the attempt started
 * (conn_start(); with -L the steps are the last hop's, counted from the first hop's start), or -1
 * for a step not reached. appconnect is the TLS handshake to the server (-1 without TLS);
 * first_message is the first whole message delivered by this connection.
 */
struct conn_timings {
    int64_t start_us; /* monotonic microseconds (conn_now_us()) of the start, 0 = never started */
    int64_t namelookup_us, connect_us, appconnect_us, upgrade_us, first_message_us;
    int redirects; /* -L: redirects followed before the last hop */
};
/* Valid from conn_start() until the next one (conn_reset() keeps it). */
void conn_get_timings(const struct conn *c, struct conn_timings *out);
/* Microseconds of CLOCK_MONOTONIC. */
int64_t conn_now_us(void);
/* A refused upgrade: its HTTP status (0 if none) and Retry-After in seconds (-1 if none).
 * CONN_ERR_PROXY_AUTH: 407 (Proxy Authentication Required), for SOCKS5 too. */
int conn_http_status(const struct conn *c);
long conn_retry_after(const struct conn *c);

#endif
