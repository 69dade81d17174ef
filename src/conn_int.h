/*
 * conn_int - private to the conn module (conn.c, conn_handshake.c): the struct behind the opaque
 * struct conn and the helpers its files share. Nothing outside conn_*.c includes this.
 */
#ifndef WSC_CONN_INT_H
#define WSC_CONN_INT_H

#include "buf.h"
#include "conn.h"
#include "handshake.h"
#include "session.h"
#include "transport.h"

#define CONN_READ_SIZE        (256 * 1024)
#define CONN_CLOSE_TIMEOUT_MS 2000 /* wait this long for the peer's close and its TCP close */
#define CONN_READS_PER_WAKE   8    /* bound one wake's reading so stdin is not starved */
#define CONN_OUT_HIGH         (1024 * 1024) /* stop reading above this much reply output */
#define CONN_OUT_LOW          (256 * 1024)  /* and read again once below this */
#define CONN_REFUSAL_WAIT_MS  1000          /* read a refusal's body this long at most */
#define CONN_REFUSAL_BODY_MAX 1024 /* and keep this much of it: the message shows 200 bytes */

struct conn {
    struct conn_config cfg;
    struct conn_handlers h;
    void *ud;
    enum conn_state state;
    struct transport *t;
    struct session *s;
    struct handshake_request req;
    char *host_header;
    struct buf hs_out; /* request bytes not yet written */
    struct buf hs_in;  /* response bytes read so far (a refusal: head + at most BODY_MAX) */
    char subprotocol[256];
    char peer[80];
    int64_t deadline;          /* monotonic ms; -1 = none */
    int64_t last_rx;           /* monotonic ms of the last byte received */
    enum conn_outcome outcome; /* why it ended, once DONE (set earlier while closing) */
    char detail[1024];         /* completes the outcome's message */
    char message[1200];        /* conn_outcome_message(outcome, detail), built when DONE */
    bool we_closed;            /* the close was ours */
    bool shut;                 /* transport_shutdown() done */
    int http_status;           /* status of a refused upgrade */
    bool refusing;             /* non-101 reply: reading its body before reporting */
    size_t head_len;           /* length of the refusal's head in hs_in */
    size_t hs_scanned;         /* hs_in searched this far for the end of the head */
    size_t hs_parsed;          /* hs_in's length at the last full parse of the head */
    long body_want;            /* its Content-Length, -1 if none */
    long retry_after;          /* seconds from a refused upgrade's Retry-After, -1 if none */
    uint64_t out_total;        /* session bytes handed to the kernel, over all connections */
    uint64_t close_gone;       /* conn_out_gone() when the close deadline was last set */
    size_t fed_out;            /* output the session queued in reply to input (pongs, close)
                                  since the output was last at or below CONN_OUT_LOW */
    bool throttled;            /* not reading: too much reply output waits (see feed()) */
    uint8_t *rbuf;
    size_t rbuf_size;
    struct proxy_spec proxy; /* proxy_select()'s choice at the last conn_start() (secret) */
};

/* conn.c */
void conn_set_state(struct conn *c, enum conn_state st);
/* Close the socket and enter DONE with this outcome and detail (fmt NULL: keep the detail). */
void conn_finish(struct conn *c, enum conn_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Peer-controlled text for a message to the user: control bytes escaped, never raw. */
void conn_escape(char *out, size_t n, const uint8_t *p, size_t len);
/* Write queued bytes until the kernel would block. Returns false if the connection broke. */
bool conn_flush_out(struct conn *c);
/* The 101 was accepted (its head is head_len bytes of hs_in): start the session and feed it
 * whatever followed the head. */
void conn_open_session(struct conn *c, size_t head_len);

/* conn_proxy.c */
/*
 * Choose the proxy for the URL as it is now into c->proxy (PROXY_NONE: direct; never one to a
 * unix socket, as curl) and say which and why at -v. A malformed proxy URL (from --proxy or a
 * variable) ends the attempt as a usage error (exit 2) and returns false; its outcome is
 * CONN_ERR_TLS_CONFIG, the one for bad configuration found when connecting. main() checks the
 * first URL's proxy before connecting, so this happens only after a redirect to wss://.
 */
bool conn_select_proxy(struct conn *c);

/* conn_handshake.c: the opening handshake (RFC 6455 §4.1, §4.2.2) */
/* Build and queue the upgrade request; enter CONN_HANDSHAKE. */
void conn_hs_send(struct conn *c);
/* Bytes of the reply arrived: keep them (a refusal's body only up to CONN_REFUSAL_BODY_MAX),
 * then open the session, fail, or report the refusal once its body is complete or capped. */
void conn_hs_input(struct conn *c, const uint8_t *data, size_t len);
/* Report the refusal now (its wait ran out or the server closed). */
void conn_hs_refused(struct conn *c);

#endif
