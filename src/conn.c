/*
 * conn - one client connection: transport, opening handshake (RFC 6455 §4.1), session, and the
 * closing handshake (§7.1.1-§7.1.4); see conn.h.
 */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "status.h"

#define CONN_READ_SIZE        (256 * 1024)
#define CONN_CLOSE_TIMEOUT_MS 2000 /* wait this long for the peer's close and its TCP close */
#define CONN_READS_PER_WAKE   8    /* bound one wake's reading so stdin is not starved */

int64_t conn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *conn_state_name(enum conn_state s)
{
    static const char *const names[] = {"disconnected", "connecting", "handshaking",
                                        "established",  "closing",    "closed"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void set_state(struct conn *c, enum conn_state st)
{
    if (c->state == st)
        return;
    c->state = st;
    log_msg(LOG_VERBOSE, "state: %s", conn_state_name(st));
    if (c->h.on_state)
        c->h.on_state(c->ud, st);
}

static void finish(struct conn *c, int result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Close the socket and enter DONE; the first result sticks. */
static void finish(struct conn *c, int result, const char *fmt, ...)
{
    if (c->state == CONN_DONE)
        return;
    c->result = result;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->error, sizeof c->error, fmt, ap);
        va_end(ap);
    }
    /* What the kernel still held unsent never left this machine: it does not count as written,
     * so the records it carried are sent again on the next connection. */
    if (!c->o->url.tls && (c->state == CONN_OPEN || c->state == CONN_CLOSING))
        c->out_total = conn_out_gone(c);
    transport_free(c->t);
    c->t = NULL;
    c->deadline = -1;
    set_state(c, CONN_DONE);
}

/* Peer-controlled text for a message to the user: control bytes escaped, never raw. */
static void escape_text(char *out, size_t n, const uint8_t *p, size_t len)
{
    struct buf b;
    buf_init(&b);
    size_t k = 0;
    if (status_escape(&b, p, len, len) == 0 && b.len > 0) {
        k = b.len < n ? b.len : n - 1;
        memcpy(out, buf_head(&b), k);
    }
    out[k] = '\0';
    buf_free(&b);
}

/* --- session callbacks -------------------------------------------------------------------- */

static void on_message(void *ud, int opcode, uint8_t rsv, const uint8_t *data, size_t len)
{
    struct conn *c = ud;
    if (c->h.on_message)
        c->h.on_message(c->ud, opcode, data, len);
}

static void on_ping(void *ud, const uint8_t *data, size_t len)
{
    struct conn *c = ud;
    if (c->h.on_ping)
        c->h.on_ping(c->ud, data, len);
}

static void on_pong(void *ud, const uint8_t *data, size_t len)
{
    struct conn *c = ud;
    if (c->h.on_pong)
        c->h.on_pong(c->ud, data, len);
}

static void on_close(void *ud, int code, const uint8_t *reason, size_t len)
{
    (void)ud;
    char shown[4 * 123 + 1];
    escape_text(shown, sizeof shown, reason, len);
    log_msg(LOG_VERBOSE, "server sent close %d%s%s", code, len ? " " : "", shown);
}

static void on_frame(void *ud, enum session_dir dir, const struct frame_header *h,
                     const uint8_t *payload, size_t len)
{
    (void)ud;
    log_frame(dir == SESSION_OUT, h, payload, len);
}

static void refused(struct conn *c);

static void transport_log(void *ud, const char *line)
{
    (void)ud;
    log_msg(LOG_VERBOSE, "%s", line);
}

/* --- life cycle ---------------------------------------------------------------------------- */

int conn_init(struct conn *c, const struct options *o, const struct conn_handlers *h, void *ud)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->h = *h;
    c->ud = ud;
    c->deadline = -1;
    buf_init(&c->hs_out);
    buf_init(&c->hs_in);
    c->rbuf_size = CONN_READ_SIZE;
    c->rbuf = malloc(c->rbuf_size);
    c->host_header = url_host_header(&o->url);
    if (c->rbuf == NULL || c->host_header == NULL) {
        conn_free(c);
        return -1;
    }
    return 0;
}

void conn_free(struct conn *c)
{
    transport_free(c->t);
    c->t = NULL;
    session_free(c->s);
    c->s = NULL;
    buf_free(&c->hs_out);
    buf_free(&c->hs_in);
    free(c->rbuf);
    c->rbuf = NULL;
    free(c->host_header);
    c->host_header = NULL;
}

static int transport_exit(int err)
{
    switch (err) {
    case T_ERR_RESOLVE:
        return EXIT_RESOLVE;
    case T_ERR_CONNECT:
        return EXIT_CONNECT;
    case T_ERR_TLS:
        return EXIT_TLS;
    case T_ERR_VERIFY:
        return EXIT_CERT;
    case T_ERR_CONFIG:
        return EXIT_USAGE;
    case T_ERR_NOMEM:
        return EXIT_INTERNAL;
    default:
        return EXIT_BROKEN;
    }
}

static void transport_failed(struct conn *c, int err)
{
    const char *what = err == T_ERR_RESOLVE   ? "cannot resolve host"
                       : err == T_ERR_CONNECT ? "cannot connect"
                       : err == T_ERR_TLS     ? "TLS handshake failed"
                       : err == T_ERR_VERIFY  ? "server certificate not verified"
                       : err == T_ERR_CONFIG  ? "bad TLS configuration"
                                              : "connection broke";
    if (err == T_ERR_RESOLVE) /* the transport's text already says it all */
        finish(c, transport_exit(err), "%s", transport_error(c->t));
    else
        finish(c, transport_exit(err), "%s: %s", what, transport_error(c->t));
}

void conn_start(struct conn *c)
{
    const struct options *o = c->o;
    struct transport_config tc = {
        .host = o->url.host,
        .port = o->url.port,
        .tls = o->url.tls,
        .cacert = o->cacert,
        .insecure = o->insecure,
        .log = transport_log,
        .ud = c,
    };
    buf_clear(&c->hs_out);
    buf_clear(&c->hs_in);
    c->we_closed = c->shut = false;
    c->result = 0;
    c->error[0] = '\0';
    c->subprotocol[0] = '\0';
    c->peer[0] = '\0';
    c->http_status = 0;
    c->retry_after = -1;
    c->refusing = false;
    session_free(c->s);
    c->s = NULL;
    c->state = CONN_IDLE;
    c->deadline = conn_now() + (int64_t)(o->connect_timeout * 1000);
    set_state(c, CONN_CONNECTING);
    c->t = transport_new(&tc);
    if (c->t == NULL) {
        finish(c, EXIT_INTERNAL, "out of memory");
        return;
    }
    int rc = transport_start(c->t);
    if (rc < 0)
        transport_failed(c, rc);
}

int conn_fd(const struct conn *c)
{
    return c->t ? transport_fd(c->t) : -1;
}

uint64_t conn_out_sent(const struct conn *c)
{
    /* With TLS the unsent ciphertext cannot be mapped back to our bytes exactly. */
    return c->o->url.tls ? c->out_total : conn_out_gone(c);
}

uint64_t conn_out_gone(const struct conn *c)
{
    /* Ciphertext is a little longer than what we wrote, so this errs on the late side. */
    size_t unsent = transport_unsent(c->t);
    return unsent < c->out_total ? c->out_total - unsent : 0;
}

uint64_t conn_out_end(const struct conn *c)
{
    return c->out_total + (c->s && c->state != CONN_HANDSHAKE ? session_output(c->s)->len : 0);
}

size_t conn_pending_output(const struct conn *c)
{
    if (c->state == CONN_HANDSHAKE || c->state == CONN_CONNECTING)
        return c->hs_out.len;
    return c->s ? session_output(c->s)->len : 0;
}

short conn_poll_events(const struct conn *c)
{
    if (c->t == NULL || c->state == CONN_DONE)
        return 0;
    short ev = transport_poll_events(c->t);
    if (c->state == CONN_CONNECTING)
        return ev;
    ev |= POLLIN;
    if (conn_pending_output(c) > 0)
        ev |= POLLOUT;
    return ev;
}

int64_t conn_deadline(const struct conn *c)
{
    return c->state == CONN_DONE ? -1 : c->deadline;
}

void conn_abort(struct conn *c, int result, const char *why)
{
    finish(c, result, "%s", why);
}

void conn_timer(struct conn *c)
{
    if (c->deadline < 0 || conn_now() < c->deadline)
        return;
    switch (c->state) {
    case CONN_CONNECTING:
    case CONN_HANDSHAKE:
        if (c->refusing) {
            refused(c);
            break;
        }
        finish(c, EXIT_TIMEOUT, "timed out after %g s %s (--connect-timeout)",
               c->o->connect_timeout,
               c->state == CONN_HANDSHAKE              ? "waiting for the handshake reply"
               : c->t && transport_tcp_connected(c->t) ? "during the TLS handshake"
                                                       : "connecting");
        break;
    case CONN_CLOSING: {
        /* Our close may wait behind megabytes a slow reader is still taking: while data leaves
         * the machine, the peer is alive and the wait goes on. */
        uint64_t gone = conn_out_gone(c);
        if (gone != c->close_gone && session_state(c->s) == SESSION_CLOSE_SENT) {
            c->close_gone = gone;
            c->deadline = conn_now() + CONN_CLOSE_TIMEOUT_MS;
            break;
        }
        /* The peer did not finish the closing handshake in time: close TCP anyway. */
        int result = c->result;
        if (session_state(c->s) == SESSION_CLOSE_SENT)
            log_msg(LOG_VERBOSE, "no close frame from the server within %d ms",
                    CONN_CLOSE_TIMEOUT_MS);
        finish(c, result, NULL);
        break;
    }
    default:
        break;
    }
}

/* --- writing ------------------------------------------------------------------------------- */

/* Write queued bytes until the kernel would block. Returns false if the connection broke. */
static bool flush_out(struct conn *c)
{
    struct buf *b = c->state == CONN_HANDSHAKE ? &c->hs_out : c->s ? session_output(c->s) : NULL;
    if (c->t == NULL || b == NULL)
        return true;
    while (b->len > 0) {
        long n = transport_write(c->t, buf_head(b), b->len);
        if (n == T_AGAIN) {
            /* TLS keeps what it was offered for the retry: the session must not rewrite it. */
            if (b != &c->hs_out && c->o->url.tls)
                session_output_hold(c->s, b->len);
            return true;
        }
        if (n < 0) {
            if (c->state == CONN_CLOSING && session_state(c->s) != SESSION_CLOSE_SENT)
                finish(c, c->result, NULL); /* peer went away after its close: fine */
            else
                finish(c, EXIT_BROKEN, "connection broke while sending: %s", transport_error(c->t));
            return false;
        }
        buf_consume(b, (size_t)n);
        if (b != &c->hs_out)
            c->out_total += (uint64_t)n;
    }
    /* Closing handshake complete (or we failed it) and our close is out: half-close. */
    if (c->state == CONN_CLOSING && !c->shut && session_state(c->s) != SESSION_CLOSE_SENT) {
        transport_shutdown(c->t);
        c->shut = true;
    }
    return true;
}

/* --- the closing handshake ----------------------------------------------------------------- */

/* Work out the result once the session left OPEN, and enter CLOSING. */
static void session_changed(struct conn *c, int err)
{
    enum session_state ss = session_state(c->s);
    if (ss == SESSION_OPEN)
        return;
    if (c->state == CONN_OPEN) {
        set_state(c, CONN_CLOSING);
        c->deadline = conn_now() + CONN_CLOSE_TIMEOUT_MS;
        c->close_gone = conn_out_gone(c);
    }
    if (ss == SESSION_FAILED) {
        /* Our own failures (memory, random generator) are not the server's fault. */
        bool ours = err == SESSION_ERR_NOMEM || err == SESSION_ERR_RANDOM;
        if (c->result == 0)
            snprintf(c->error, sizeof c->error, "%s: %s (sent close %d)",
                     ours ? "internal error" : "server broke the protocol",
                     session_error_text(c->s), session_close_code_sent(c->s));
        c->result = ours ? EXIT_INTERNAL : EXIT_PROTOCOL;
    } else if (ss == SESSION_CLOSED && !c->we_closed) {
        int code = session_close_code_received(c->s);
        const char *raw = session_close_reason_received(c->s);
        char reason[4 * 123 + 1]; /* \xNN at worst */
        escape_text(reason, sizeof reason, (const uint8_t *)raw, strlen(raw));
        if (code == WS_CLOSE_NORMAL || code == WS_CLOSE_GOING_AWAY || code == WS_CLOSE_NO_STATUS) {
            c->result = EXIT_OK;
            if (code != WS_CLOSE_NORMAL)
                snprintf(c->error, sizeof c->error, "server closed the connection with %d%s%s",
                         code, *reason ? ": " : "", reason);
        } else {
            c->result = EXIT_SERVER_CLOSE;
            snprintf(c->error, sizeof c->error, "server closed the connection with %d%s%s", code,
                     *reason ? ": " : "", reason);
        }
    }
}

int conn_close(struct conn *c, int code, const char *reason)
{
    if (c->state == CONN_DONE)
        return 0;
    if (c->state != CONN_OPEN) {
        if (c->state == CONN_CLOSING)
            return 0;
        finish(c, EXIT_OK, NULL); /* not established yet: nothing to close politely */
        return 0;
    }
    int rc = session_close(c->s, code, reason, reason ? strlen(reason) : 0);
    if (rc < 0)
        return rc;
    c->we_closed = true;
    c->result = EXIT_OK;
    session_changed(c, 0);
    flush_out(c);
    return 0;
}

/* --- reading ------------------------------------------------------------------------------- */

static void handshake_done(struct conn *c, size_t head_len)
{
    const uint8_t *rest = buf_head(&c->hs_in) + head_len;
    size_t rest_len = c->hs_in.len - head_len;
    struct session_config sc = {
        .max_message_size = c->o->max_message_size,
        .cb = {on_message, on_ping, on_pong, on_close, log_comms_enabled() ? on_frame : NULL},
        .ud = c,
    };
    c->s = session_new(&sc);
    if (c->s == NULL) {
        finish(c, EXIT_INTERNAL, "out of memory");
        return;
    }
    c->deadline = -1;
    set_state(c, CONN_OPEN);
    /* Bytes that came in the same read as the 101 are the first frames. */
    if (rest_len > 0 && c->state == CONN_OPEN) {
        int err = session_feed(c->s, rest, rest_len);
        session_changed(c, err);
    }
    buf_clear(&c->hs_in);
}

static long parse_retry_after(const struct handshake_header *h);

/* The upgrade was refused: report the status line and the start of the body. */
static void refused(struct conn *c)
{
    struct handshake_response r;
    const char *head = (const char *)buf_head(&c->hs_in);
    int n = handshake_response_parse(head, c->hs_in.len, &r);
    if (n < 0) {
        finish(c, EXIT_UPGRADE_REFUSED, "server refused the upgrade: HTTP %d", c->http_status);
        return;
    }
    char body[201];
    size_t bl = c->hs_in.len - (size_t)n, k = 0;
    for (size_t i = 0; i < bl && k < sizeof body - 1; i++) {
        unsigned char ch = (unsigned char)head[n + i];
        if (ch == '\r' || ch == '\n' || ch == '\t')
            ch = ' ';
        if (ch < 0x20 || ch == 0x7f)
            continue;
        if (ch == ' ' && (k == 0 || body[k - 1] == ' '))
            continue;
        body[k++] = (char)ch;
    }
    while (k > 0 && body[k - 1] == ' ')
        k--;
    body[k] = '\0';
    finish(c, EXIT_UPGRADE_REFUSED, "server refused the upgrade: HTTP/1.%d %d %.*s%s%s",
           r.minor_version, r.status, (int)r.reason_len, r.reason, k ? ": " : "", body);
}

/* Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. -1 when absent or bad. */
static long parse_retry_after(const struct handshake_header *h)
{
    char v[64];
    if (h == NULL || h->value_len == 0 || h->value_len >= sizeof v)
        return -1;
    memcpy(v, h->value, h->value_len);
    v[h->value_len] = '\0';
    char *end;
    long secs = strtol(v, &end, 10);
    if (*end == '\0' && secs >= 0)
        return secs;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    time_t when = timegm(&tm), now = time(NULL);
    return when > now ? (long)(when - now) : 0;
}

static void handshake_reply(struct conn *c)
{
    struct handshake_response r;
    const char *head = (const char *)buf_head(&c->hs_in);
    int n = handshake_response_parse(head, c->hs_in.len, &r);
    if (n == HS_NEED_MORE) {
        if (c->hs_in.len > HANDSHAKE_MAX_HEAD)
            finish(c, EXIT_HANDSHAKE, "bad handshake reply: response head too long");
        return;
    }
    if (n < 0) {
        /* hs_in has no terminating NUL: scan it by length, and show it escaped. */
        const char *nl = memchr(head, '\n', c->hs_in.len);
        size_t l = nl ? (size_t)(nl - head) : c->hs_in.len;
        char shown[256];
        escape_text(shown, sizeof shown, (const uint8_t *)head, l > 60 ? 60 : l);
        finish(c, EXIT_HANDSHAKE, "bad handshake reply: not an HTTP response ('%s')", shown);
        return;
    }
    log_http_head("< ", head, (size_t)n);
    const char *sub = NULL, *why = NULL;
    size_t sublen = 0;
    int rc = handshake_response_check(&r, &c->req, &sub, &sublen, &why);
    if (rc == HS_ERR_STATUS) {
        /* Wait briefly for the body too (up to Content-Length, EOF or 1 s): it says why. */
        const struct handshake_header *cl = handshake_response_header(&r, "Content-Length");
        long want = cl ? strtol(cl->value, NULL, 10) : -1;
        c->http_status = r.status;
        c->retry_after = parse_retry_after(handshake_response_header(&r, "Retry-After"));
        if (want >= 0 && c->hs_in.len - (size_t)n >= (size_t)want) {
            refused(c);
        } else if (!c->refusing) {
            c->refusing = true;
            c->deadline = conn_now() + 1000;
        }
        return;
    }
    if (rc < 0) {
        finish(c, EXIT_HANDSHAKE, "bad handshake reply: %s", why);
        return;
    }
    if (sub) {
        size_t l = sublen < sizeof c->subprotocol - 1 ? sublen : sizeof c->subprotocol - 1;
        memcpy(c->subprotocol, sub, l);
        c->subprotocol[l] = '\0';
    }
    handshake_done(c, (size_t)n);
}

static void read_input(struct conn *c)
{
    for (int i = 0; i < CONN_READS_PER_WAKE && c->t; i++) {
        long n = transport_read(c->t, c->rbuf, c->rbuf_size);
        if (n == T_AGAIN)
            return;
        if (n < 0) {
            if (c->state == CONN_CLOSING)
                finish(c, c->result, NULL);
            else
                finish(c, EXIT_BROKEN, "connection broke: %s", transport_error(c->t));
            return;
        }
        if (n == 0) {
            /* End of stream. */
            if (c->state == CONN_CLOSING) {
                int result = c->result;
                if (session_state(c->s) == SESSION_CLOSE_SENT)
                    log_msg(LOG_VERBOSE, "server closed TCP without answering our close");
                finish(c, result, NULL);
            } else if (c->state == CONN_HANDSHAKE && c->refusing) {
                refused(c);
            } else if (c->state == CONN_HANDSHAKE) {
                finish(c, EXIT_HANDSHAKE, "bad handshake reply: connection closed %s",
                       c->hs_in.len ? "in the middle of the reply" : "before any reply");
            } else {
                finish(c, EXIT_ABNORMAL,
                       "server closed the connection without a close frame (1006)");
            }
            return;
        }
        c->last_rx = conn_now();
        if (c->state == CONN_HANDSHAKE) {
            if (buf_append(&c->hs_in, c->rbuf, (size_t)n) < 0) {
                finish(c, EXIT_INTERNAL, "out of memory");
                return;
            }
            handshake_reply(c);
        } else if (c->s) {
            int err = session_feed(c->s, c->rbuf, (size_t)n);
            session_changed(c, err);
        }
        /* A short read means the socket is drained: skip the EAGAIN round trip. */
        if (c->state == CONN_DONE || ((size_t)n < c->rbuf_size && !transport_has_pending(c->t)))
            return;
    }
}

static void send_request(struct conn *c)
{
    const struct options *o = c->o;
    c->req.host_header = c->host_header;
    c->req.resource = o->url.resource;
    c->req.origin = o->origin;
    c->req.subprotocols = o->subprotocols;
    c->req.nsubprotocols = o->nsubprotocols;
    c->req.headers = o->headers;
    c->req.nheaders = o->nheaders;
    c->req.authorization = o->authorization;
    c->req.extensions = NULL;
    if (handshake_key_new(&c->req) < 0) {
        finish(c, EXIT_INTERNAL, "the random generator failed");
        return;
    }
    buf_clear(&c->hs_out);
    if (handshake_request_build(&c->req, &c->hs_out) < 0) {
        finish(c, EXIT_INTERNAL, "out of memory");
        return;
    }
    log_http_head("> ", (const char *)buf_head(&c->hs_out), c->hs_out.len);
    set_state(c, CONN_HANDSHAKE);
    flush_out(c);
}

void conn_handle(struct conn *c, short revents)
{
    if (c->t == NULL || c->state == CONN_DONE)
        return;
    if (c->state == CONN_CONNECTING) {
        bool was_tcp = transport_tcp_connected(c->t);
        int rc = transport_progress(c->t, revents);
        if (!was_tcp && transport_tcp_connected(c->t)) {
            snprintf(c->peer, sizeof c->peer, "%s", transport_peer(c->t));
            if (c->h.on_tcp_connected)
                c->h.on_tcp_connected(c->ud, c->peer);
        }
        if (rc < 0) {
            transport_failed(c, rc);
            return;
        }
        if (rc == 1) {
            if (*transport_tls_info(c->t))
                log_msg(LOG_VERBOSE, "TLS: %s", transport_tls_info(c->t));
            send_request(c);
        }
        return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR) || transport_has_pending(c->t))
        read_input(c);
    if (c->state != CONN_DONE)
        flush_out(c);
}

void conn_flush(struct conn *c)
{
    if (c->state != CONN_DONE && c->state != CONN_CONNECTING)
        flush_out(c);
}

int conn_send(struct conn *c, int opcode, const uint8_t *data, size_t len)
{
    if (c->state != CONN_OPEN)
        return SESSION_ERR_STATE;
    return session_send(c->s, opcode, data, len);
}

int conn_ping(struct conn *c, const uint8_t *data, size_t len)
{
    if (c->state != CONN_OPEN)
        return SESSION_ERR_STATE;
    return session_ping(c->s, data, len);
}

int conn_pong(struct conn *c, const uint8_t *data, size_t len)
{
    if (c->state != CONN_OPEN)
        return SESSION_ERR_STATE;
    return session_pong(c->s, data, len);
}

int conn_result(const struct conn *c)
{
    return c->result;
}

const char *conn_error(const struct conn *c)
{
    return c->error;
}
