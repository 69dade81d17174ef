/*
 * conn_int - private to the conn module (conn.c, conn_handshake.c, conn_hop.c, conn_info.c):
 * the struct behind the opaque struct conn and the helpers its files share. Nothing outside
 * conn_*.c includes this.
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
    /* One attempt's hops (conn_hop.c): -L's redirects and the -v timing of each step */
    struct conn_config base; /* as configured: each attempt starts here (conn_reset()) */
    int redirects;           /* redirects followed in this attempt */
    bool redirect_pending;   /* the reply was a redirect: conn_handle() starts the next hop */
    char *location;          /* a 3xx reply's Location, raw (heap), or NULL */
    char *hop_host;          /* the redirected hop's strings, which cfg points to (heap) */
    char *hop_resource;
    const char **hop_headers; /* base.headers less Authorization and Cookie (heap), or NULL */
    int64_t hop_start_us;     /* monotonic microseconds when this hop started */
    bool lookup_seen;         /* the name lookup was under way at some point */
    bool lookup_logged;
    int layers_logged;       /* transport layers whose connect time -v has shown */
    struct conn_timings tm;  /* --write-out: the last attempt's steps (conn_hop.c) */
    int layers_timed;        /* transport layers whose connect time tm has */
    struct proxy_spec proxy; /* proxy_select()'s choice at the last conn_start() (secret) */
};

/* conn.c */
void conn_set_state(struct conn *c, enum conn_state st);
/* Close the socket and enter DONE with this outcome and detail (fmt NULL: keep the detail). */
void conn_finish(struct conn *c, enum conn_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
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
/* Peer-controlled text for a message to the user: control bytes escaped, never raw (out: n
 * bytes, at most (n - 1) / 4 bytes of p shown). */
void conn_escape(char *out, size_t n, const uint8_t *p, size_t len);

/* conn_hop.c: the hops of one attempt */
/* A non-101 reply's head was parsed (status in r): keep a 3xx's Location for the message and,
 * with -L, follow it. Returns true when it is taken care of: the transport is closed and
 * redirect_pending set (conn_handle() then calls conn_hop_next()), or the attempt ended with
 * CONN_ERR_REDIRECT or CONN_ERR_INTERNAL. false: report it as a refusal. */
bool conn_hop_reply(struct conn *c, const struct handshake_response *r);
/* A status -L follows: 301, 302, 303, 307, 308. */
bool conn_hop_followable(int status);
/* Start the next hop (redirect_pending was set). */
void conn_hop_next(struct conn *c);
/* Back to the configured URL and credentials (base), no redirects followed. */
void conn_hop_reset(struct conn *c);
/* The Host header's value for cfg: the host (bracketed if IPv6), ":port" unless the default.
 * Heap, or NULL when out of memory. */
char *conn_hop_host_header(const struct conn_config *cfg);
/* The step a --connect-timeout cut short, for its message ("connecting", "during the TLS
 * handshake", ...). Valid until the next call. */
const char *conn_hop_timeout_step(const struct conn *c);
/* Free what the hops own (conn_free()). */
void conn_hop_free(struct conn *c);
/* "; Location: URL" for the refusal's message (url_display() of the resolved Location, or the
 * raw value escaped and cut when it does not resolve; "" without one), into out (n bytes). */
void conn_hop_location_text(const struct conn *c, char *out, size_t n);
/* A Location value as shown (messages, -v): userinfo and query values "[redacted]", control
 * bytes escaped, cut after 200 bytes ("..."), into out (n bytes). */
void conn_hop_location_shown(const char *value, size_t len, char *out, size_t n);
/* -v timing: conn_hop_started() when a hop starts connecting; conn_hop_steps() after each
 * transport call logs the steps that completed (name lookup, each layer); conn_hop_elapsed()
 * logs "WHAT after N ms". */
void conn_hop_started(struct conn *c);
void conn_hop_steps(struct conn *c);
/* A -v line from the transport (logged already): the lookup's time follows "resolved ...". */
void conn_hop_transport_line(struct conn *c, const char *line);
void conn_hop_elapsed(const struct conn *c, const char *what);
/* --write-out: set a step of c->tm to now, unless it is already set. */
void conn_hop_mark(struct conn *c, int64_t *step);

#endif
