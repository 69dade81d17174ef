/*
 * conn - one client connection from TCP connect to TCP close: transport, the RFC 6455 §4
 * opening handshake, then the session, and the closing handshake with its timeouts (§7.1).
 *
 * Non-blocking and driven by the loop: the loop polls conn_fd() for conn_poll_events(), calls
 * conn_handle() with what poll() reported and conn_timer() once conn_deadline() has passed.
 * When the state reaches CONN_DONE, conn_result() is the exit code and conn_error() says why.
 */
#ifndef WSC_CONN_H
#define WSC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "handshake.h"
#include "session.h"
#include "transport.h"

enum conn_state {
    CONN_IDLE = 0,   /* not started */
    CONN_CONNECTING, /* resolving, TCP connect, TLS handshake */
    CONN_HANDSHAKE,  /* HTTP upgrade request sent, waiting for 101 */
    CONN_OPEN,       /* WebSocket established */
    CONN_CLOSING,    /* a close frame went one way or both; waiting for the rest and TCP close */
    CONN_DONE,       /* socket closed; see conn_result() */
};

/* Exit codes, as documented in wsc(1). */
enum wsc_exit {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1,
    EXIT_USAGE = 2,
    EXIT_URL = 3,
    EXIT_INPUT = 4, /* a stdin record is not valid UTF-8 (send it with -b) */
    EXIT_RESOLVE = 6,
    EXIT_CONNECT = 7,
    EXIT_HANDSHAKE = 8,
    EXIT_UPGRADE_REFUSED = 22,
    EXIT_WRITE = 23,
    EXIT_TIMEOUT = 28,
    EXIT_TLS = 35,
    EXIT_PROTOCOL = 40,     /* we failed the connection: 1002, 1007, 1009 */
    EXIT_SERVER_CLOSE = 41, /* the server closed with an error code */
    EXIT_ABNORMAL = 42,     /* closed without a close frame (1006) */
    EXIT_COUNT = 43,        /* the server closed before --count was met */
    EXIT_BROKEN = 56,       /* connection reset / I/O error */
    EXIT_CERT = 60,
};

struct conn_handlers {
    void (*on_state)(void *ud, enum conn_state state);
    /* TCP is up (the seed's "Connected" trigger); TLS and the handshake follow. */
    void (*on_tcp_connected)(void *ud, const char *peer);
    void (*on_message)(void *ud, int opcode, const uint8_t *data, size_t len);
    void (*on_ping)(void *ud, const uint8_t *data, size_t len);
    void (*on_pong)(void *ud, const uint8_t *data, size_t len);
};

struct conn {
    const struct options *o;
    struct conn_handlers h;
    void *ud;
    enum conn_state state;
    struct transport *t;
    struct session *s;
    struct handshake_request req;
    char *host_header;
    struct buf hs_out; /* request bytes not yet written */
    struct buf hs_in;  /* response bytes read so far */
    char subprotocol[256];
    char peer[80];
    int64_t deadline;    /* monotonic ms; -1 = none */
    int64_t last_rx;     /* monotonic ms of the last byte received */
    int result;          /* exit code once DONE */
    char error[1024];    /* why, when result != 0 */
    bool we_closed;      /* the close was ours */
    bool shut;           /* transport_shutdown() done */
    int http_status;     /* status of a refused upgrade */
    bool refusing;       /* non-101 reply: reading its body before reporting */
    long retry_after;    /* seconds from a refused upgrade's Retry-After, -1 if none */
    uint64_t out_total;  /* session bytes handed to the kernel, over all connections */
    uint64_t close_gone; /* conn_out_gone() when the close deadline was last set */
    uint8_t *rbuf;
    size_t rbuf_size;
};

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t conn_now(void);

/* Prepare (no I/O). The options must outlive the conn. Returns 0 or -1 when out of memory. */
int conn_init(struct conn *c, const struct options *o, const struct conn_handlers *h, void *ud);
/* Release everything; closes the socket. */
void conn_free(struct conn *c);

/* Resolve and start connecting. On immediate failure the state is CONN_DONE. */
void conn_start(struct conn *c);

int conn_fd(const struct conn *c);
short conn_poll_events(const struct conn *c);
void conn_handle(struct conn *c, short revents);
/* Absolute monotonic ms when conn_timer() must be called, or -1. */
int64_t conn_deadline(const struct conn *c);
void conn_timer(struct conn *c);

/* Queue a message (OPEN only). Returns 0, or a negative session error. Nothing is written
 * until conn_flush() or the next conn_handle(), so a batch of messages costs few system calls. */
int conn_send(struct conn *c, int opcode, const uint8_t *data, size_t len);
int conn_ping(struct conn *c, const uint8_t *data, size_t len);
int conn_pong(struct conn *c, const uint8_t *data, size_t len);
/* Write queued bytes now, as far as the kernel takes them. */
void conn_flush(struct conn *c);
/* Start the closing handshake with code/reason (code 0 = none). Before OPEN it aborts the
 * attempt. Returns 0 or a negative session error (SESSION_ERR_ARG for an invalid code). */
int conn_close(struct conn *c, int code, const char *reason);
/* Give up now with the given exit code and message (e.g. overall timeout). */
void conn_abort(struct conn *c, int result, const char *why);

/* Bytes queued for the peer and not yet written. */
size_t conn_pending_output(const struct conn *c);
/* Stream position after the last byte queued so far (out_total + pending): a message queued
 * just before has been handed to the kernel once c->out_total reaches this. */
uint64_t conn_out_end(const struct conn *c);
/* Stream position up to which bytes have left this machine (out_total less what the kernel
 * still holds unsent; one ioctl). A record whose frame ends at or before it cannot be sent
 * again without risk of a duplicate; one after it can. When the connection ends, out_total
 * itself is lowered by what was unsent. */
uint64_t conn_out_sent(const struct conn *c);
/* Like conn_out_sent(), but with TLS too, approximately (never early): for timing only, such as
 * when a keep-alive ping has actually left. */
uint64_t conn_out_gone(const struct conn *c);

int conn_result(const struct conn *c);
const char *conn_error(const struct conn *c);
const char *conn_state_name(enum conn_state s);

#endif
