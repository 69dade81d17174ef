/*
 * conn - one client connection: transport, opening handshake (RFC 6455 §4.1), session, and the
 * closing handshake (§7.1.1-§7.1.4); see conn.h.
 */
#include "conn.h"
#include "exitcode.h"
#include "conn_int.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handshake.h"
#include "log.h"
#include "transport.h"

/* --- small things -------------------------------------------------------------------------- */

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

void conn_set_state(struct conn *c, enum conn_state st)
{
    if (c->state == st)
        return;
    c->state = st;
    log_msg(LOG_VERBOSE, "state: %s", conn_state_name(st));
    if (c->h.on_state)
        c->h.on_state(c->ud, st);
}

/* Close the socket and enter DONE with this outcome and detail (fmt NULL: keep the detail). */
void conn_finish(struct conn *c, enum conn_outcome outcome, const char *fmt, ...)
{
    if (c->state == CONN_DONE)
        return;
    c->outcome = outcome;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->detail, sizeof c->detail, fmt, ap);
        va_end(ap);
    }
    conn_outcome_message(c->outcome, c->detail, c->message, sizeof c->message);
    /* What the kernel still held unsent never left this machine: it does not count as written,
     * so the records it carried are sent again on the next connection. */
    if (!c->cfg.tls && (c->state == CONN_OPEN || c->state == CONN_CLOSING))
        c->out_total = conn_out_gone(c);
    transport_free(c->t);
    c->t = NULL;
    c->deadline = -1;
    conn_set_state(c, CONN_DONE);
}

/* --- session callbacks -------------------------------------------------------------------- */

static void on_message(void *ud, int opcode, uint8_t rsv, const uint8_t *data, size_t len)
{
    struct conn *c = ud;
    if (c->tm.first_message_us < 0)
        conn_hop_mark(c, &c->tm.first_message_us);
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
    conn_escape(shown, sizeof shown, reason, len);
    log_msg(LOG_VERBOSE, "server sent close %d%s%s", code, len ? " " : "", shown);
}

static void on_frame(void *ud, enum session_dir dir, const struct frame_header *h,
                     const uint8_t *payload, size_t len)
{
    (void)ud;
    if (dir == SESSION_OUT_REPLACED)
        log_msg(LOG_NOTE, "the unsent pong above is replaced by a newer one (it is not sent)");
    log_frame(dir != SESSION_IN, h, payload, len);
}

static void transport_log(void *ud, const char *line)
{
    struct conn *c = ud;
    log_msg(LOG_VERBOSE, "%s", line);
    conn_hop_transport_line(c, line);
}

/* --- life cycle ---------------------------------------------------------------------------- */

int conn_configure(struct conn *c, const struct conn_config *cfg)
{
    if (cfg->role != CONN_CLIENT || cfg->host == NULL)
        return -1;
    char *hh = conn_hop_host_header(cfg);
    if (hh == NULL)
        return -1;
    free(c->host_header);
    c->host_header = hh;
    c->cfg = *cfg;
    c->base = *cfg;
    conn_hop_free(c); /* the next attempt starts at this URL */
    c->redirects = 0;
    return 0;
}

struct conn *conn_new(const struct conn_config *cfg, const struct conn_handlers *h, void *ud)
{
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->h = *h;
    c->ud = ud;
    c->deadline = -1;
    c->retry_after = -1;
    buf_init(&c->hs_out);
    buf_init(&c->hs_in);
    c->rbuf_size = CONN_READ_SIZE;
    c->rbuf = malloc(c->rbuf_size);
    if (c->rbuf == NULL || conn_configure(c, cfg) < 0) {
        conn_free(c);
        return NULL;
    }
    return c;
}

void conn_free(struct conn *c)
{
    if (c == NULL)
        return;
    transport_free(c->t);
    session_free(c->s);
    buf_free(&c->hs_out);
    buf_free(&c->hs_in);
    free(c->rbuf);
    free(c->host_header);
    conn_hop_free(c);
    explicit_bzero(&c->proxy, sizeof c->proxy);
    free(c);
}

static void transport_failed(struct conn *c, int err)
{
    switch (err) {
    case T_ERR_RESOLVE: /* the transport's text already says it all */
        conn_finish(c, CONN_ERR_RESOLVE, "%s", transport_error(c->t));
        break;
    case T_ERR_CONNECT:
        conn_finish(c, CONN_ERR_CONNECT, "%s", transport_error(c->t));
        break;
    case T_ERR_PROXY_RESOLVE:
        conn_finish(c, CONN_ERR_PROXY_RESOLVE, "%s", transport_error(c->t));
        break;
    case T_ERR_PROXY_CONNECT:
        conn_finish(c, CONN_ERR_PROXY_CONNECT, "%s", transport_error(c->t));
        break;
    case T_ERR_PROXY:
        conn_finish(c, CONN_ERR_PROXY, "%s", transport_error(c->t));
        break;
    case T_ERR_PROXY_AUTH: /* 407: what tells the reconnect policy not to try again */
        c->http_status = 407;
        conn_finish(c, CONN_ERR_PROXY_AUTH, "%s", transport_error(c->t));
        break;
    case T_ERR_TLS:
        conn_finish(c, CONN_ERR_TLS, "%s", transport_error(c->t));
        break;
    case T_ERR_VERIFY:
        conn_finish(c, CONN_ERR_CERT, "%s", transport_error(c->t));
        break;
    case T_ERR_PINNED:
        conn_finish(c, CONN_ERR_PINNED, "%s", transport_error(c->t));
        break;
    case T_ERR_CONFIG:
        conn_finish(c, CONN_ERR_TLS_CONFIG, "%s", transport_error(c->t));
        break;
    case T_ERR_NOMEM:
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        break;
    default:
        conn_finish(c, CONN_ERR_RESET, "%s", transport_error(c->t));
        break;
    }
}

void conn_start(struct conn *c)
{
    const struct conn_config *cfg = &c->cfg;
    struct transport_config tc = {
        .host = cfg->host,
        .port = cfg->port,
        .tls = cfg->tls,
        .tls_opts = cfg->tls_opts,
        .net = cfg->net,
        .proxy = NULL, /* set below: the proxy chosen for this URL, if any */
        .log = transport_log,
        .ud = c,
    };
    buf_clear(&c->hs_out);
    buf_clear(&c->hs_in);
    c->we_closed = c->shut = false;
    c->outcome = CONN_OK_CLOSED;
    c->detail[0] = c->message[0] = '\0';
    c->subprotocol[0] = '\0';
    c->peer[0] = '\0';
    c->http_status = 0;
    c->retry_after = -1;
    c->refusing = false;
    c->throttled = false;
    c->fed_out = 0;
    c->head_len = 0;
    c->hs_scanned = c->hs_parsed = 0;
    c->body_want = -1;
    session_free(c->s);
    c->s = NULL;
    c->state = CONN_IDLE;
    /* Each hop of a redirect gets a --connect-timeout of its own, as each of curl's
     * connections does; --timeout bounds them all. */
    c->deadline = conn_now() + (int64_t)(cfg->connect_timeout * 1000);
    conn_hop_started(c);
    conn_set_state(c, CONN_CONNECTING);
    if (!conn_select_proxy(c))
        return;
    tc.proxy = c->proxy.type != PROXY_NONE ? &c->proxy : NULL;
    c->t = transport_new(&tc);
    if (c->t == NULL) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    int rc = transport_start(c->t);
    if (rc < 0)
        transport_failed(c, rc);
    else
        conn_hop_steps(c);
}

int conn_fd(const struct conn *c)
{
    return c->t ? transport_fd(c->t) : -1;
}

static bool rx_paused(const struct conn *c)
{
    return c->h.rx_paused && c->h.rx_paused(c->ud);
}

short conn_poll_events(const struct conn *c)
{
    if (c->t == NULL || c->state == CONN_DONE)
        return 0;
    if (c->state == CONN_CONNECTING)
        return transport_poll_events(c->t, true);
    /* Not reading (backpressure): not even what TLS's last read wanted, or a POLLIN that is
     * never read would wake the loop at once, again and again. */
    bool reading = !c->throttled && !rx_paused(c);
    short ev = transport_poll_events(c->t, reading);
    if (reading)
        ev |= POLLIN;
    if (conn_pending_output(c) > 0)
        ev |= POLLOUT;
    return ev;
}

int64_t conn_deadline(const struct conn *c)
{
    return c->state == CONN_DONE ? -1 : c->deadline;
}

void conn_abort(struct conn *c, enum conn_outcome outcome, const char *detail)
{
    conn_finish(c, outcome, "%s", detail ? detail : "");
}

void conn_timer(struct conn *c)
{
    if (c->deadline < 0 || conn_now() < c->deadline)
        return;
    switch (c->state) {
    case CONN_CONNECTING:
    case CONN_HANDSHAKE:
        if (c->refusing) {
            conn_hs_refused(c);
            break;
        }
        conn_finish(c, CONN_ERR_TIMEOUT, "after %g s %s (--connect-timeout)",
                    c->cfg.connect_timeout, conn_hop_timeout_step(c));
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
        if (session_state(c->s) == SESSION_CLOSE_SENT)
            log_msg(LOG_VERBOSE, "no close frame from the server within %d ms",
                    CONN_CLOSE_TIMEOUT_MS);
        conn_finish(c, c->outcome, NULL);
        break;
    }
    default:
        break;
    }
}

/*
 * Backpressure on what the peer makes us send. A peer that floods pings and never reads would
 * have us queue pongs without end (RFC 6455 §5.5.2 asks for one per ping): once more than
 * CONN_OUT_HIGH bytes wait and most of that was queued in reply to input, reading stops until
 * the output drains to CONN_OUT_LOW. Only reply output counts: our own large messages must not
 * stop reading, or a peer that is busy sending to us (an echo) and we would wait on each other.
 */
static void update_throttle(struct conn *c)
{
    size_t pending = c->s ? session_output_pending(c->s) : 0;
    if (pending <= CONN_OUT_LOW) {
        c->fed_out = 0;
        if (c->throttled)
            log_msg(LOG_DEBUG, "output drained: reading again");
        c->throttled = false;
    } else if (pending >= CONN_OUT_HIGH && c->fed_out >= CONN_OUT_HIGH / 2 && !c->throttled) {
        log_msg(LOG_DEBUG, "%zu bytes of replies wait for the server: reading paused", pending);
        c->throttled = true;
    }
}

/* --- writing ------------------------------------------------------------------------------- */

/* Write queued bytes until the kernel would block. Returns false if the connection broke. */
bool conn_flush_out(struct conn *c)
{
    struct buf *b = c->state == CONN_HANDSHAKE ? &c->hs_out : c->s ? session_output(c->s) : NULL;
    if (c->t == NULL || b == NULL)
        return true;
    while (b->len > 0) {
        long n = transport_write(c->t, buf_head(b), b->len);
        if (n == T_AGAIN) {
            /* TLS keeps what it was offered for the retry: the session must not rewrite it. */
            if (b != &c->hs_out && c->cfg.tls)
                session_output_hold(c->s, b->len);
            return true;
        }
        if (n < 0) {
            if (c->state == CONN_CLOSING && session_state(c->s) != SESSION_CLOSE_SENT)
                conn_finish(c, c->outcome, NULL); /* peer went away after its close: fine */
            else
                conn_finish(c, CONN_ERR_SEND, "%s", transport_error(c->t));
            return false;
        }
        buf_consume(b, (size_t)n);
        if (b != &c->hs_out)
            c->out_total += (uint64_t)n;
    }
    update_throttle(c);
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
        conn_set_state(c, CONN_CLOSING);
        c->deadline = conn_now() + CONN_CLOSE_TIMEOUT_MS;
        c->close_gone = conn_out_gone(c);
    }
    if (ss == SESSION_FAILED) {
        /* Our own failures (memory, random generator) are not the server's fault. */
        bool ours = ws_error_kind(err) == WS_ERRKIND_RESOURCE;
        if (conn_outcome_exit(c->outcome) == EXIT_OK) { /* the first failure sticks */
            c->outcome = ours ? CONN_ERR_INTERNAL : CONN_ERR_PROTOCOL;
            snprintf(c->detail, sizeof c->detail, "%s%s (sent close %d)",
                     ours ? "internal error: " : "", session_error_text(c->s),
                     session_close_code_sent(c->s));
        }
    } else if (ss == SESSION_CLOSED && !c->we_closed) {
        int code = session_close_code_received(c->s);
        const char *raw = session_close_reason_received(c->s);
        char reason[4 * 123 + 1]; /* \xNN at worst */
        conn_escape(reason, sizeof reason, (const uint8_t *)raw, strlen(raw));
        if (code == WS_CLOSE_NORMAL)
            c->outcome = CONN_OK_CLOSED;
        else if (code == WS_CLOSE_GOING_AWAY || code == WS_CLOSE_NO_STATUS)
            c->outcome = CONN_OK_SERVER_CLOSED;
        else
            c->outcome = CONN_ERR_SERVER_CLOSE;
        if (code != WS_CLOSE_NORMAL)
            snprintf(c->detail, sizeof c->detail, "%d%s%s", code, *reason ? ": " : "", reason);
    }
}

/* A session error as the caller of conn_send() and the like sees it (by kind, errkind.h). */
static int send_error(int rc)
{
    if (rc >= 0)
        return rc;
    if (rc == SESSION_ERR_STATE)
        return CONN_SEND_STATE;
    if (ws_error_kind(rc) == WS_ERRKIND_ARGUMENT)
        return CONN_SEND_INVALID;
    return CONN_SEND_RESOURCE;
}

int conn_close(struct conn *c, int code, const char *reason)
{
    if (c->state == CONN_DONE)
        return 0;
    if (c->state != CONN_OPEN) {
        if (c->state == CONN_CLOSING)
            return 0;
        conn_finish(c, CONN_ABORTED, NULL); /* not established yet: nothing to close politely */
        return 0;
    }
    int rc = session_close(c->s, code, reason, reason ? strlen(reason) : 0);
    if (rc < 0)
        return send_error(rc);
    c->we_closed = true;
    c->outcome = CONN_OK_CLOSED;
    session_changed(c, 0);
    conn_flush_out(c);
    return 0;
}

/* --- reading ------------------------------------------------------------------------------- */

/* Give the session bytes from the peer, counting the output it queues in reply. */
static void feed(struct conn *c, const uint8_t *p, size_t n)
{
    size_t before = session_output_pending(c->s);
    int err = session_feed(c->s, p, n);
    size_t after = session_output_pending(c->s);
    if (after > before)
        c->fed_out += after - before;
    session_changed(c, err);
    update_throttle(c);
}

void conn_open_session(struct conn *c, size_t head_len)
{
    const uint8_t *rest = buf_head(&c->hs_in) + head_len;
    size_t rest_len = c->hs_in.len - head_len;
    struct session_config sc = {
        .max_message_size = c->cfg.max_message_size,
        .cb = {on_message, on_ping, on_pong, on_close, c->cfg.log_comms ? on_frame : NULL},
        .ud = c,
    };
    c->s = session_new(&sc);
    if (c->s == NULL) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    c->deadline = -1;
    conn_set_state(c, CONN_OPEN);
    /* Bytes that came in the same read as the 101 are the first frames. */
    if (rest_len > 0 && c->state == CONN_OPEN)
        feed(c, rest, rest_len);
    buf_clear(&c->hs_in);
}

static void read_input(struct conn *c)
{
    for (int i = 0; i < CONN_READS_PER_WAKE && c->t && !rx_paused(c); i++) {
        long n = transport_read(c->t, c->rbuf, c->rbuf_size);
        if (n == T_AGAIN)
            return;
        if (n < 0) {
            if (c->state == CONN_CLOSING)
                conn_finish(c, c->outcome, NULL);
            else /* T_ERR_TLS: a TLS 1.3 server refused our client certificate */
                conn_finish(c, n == T_ERR_TLS ? CONN_ERR_TLS : CONN_ERR_RESET, "%s",
                            transport_error(c->t));
            return;
        }
        if (n == 0) {
            /* End of stream. */
            if (c->state == CONN_CLOSING) {
                if (session_state(c->s) == SESSION_CLOSE_SENT)
                    log_msg(LOG_VERBOSE, "server closed TCP without answering our close");
                conn_finish(c, c->outcome, NULL);
            } else if (c->state == CONN_HANDSHAKE && c->refusing) {
                conn_hs_refused(c);
            } else if (c->state == CONN_HANDSHAKE) {
                conn_finish(c, CONN_ERR_HANDSHAKE, "connection closed %s",
                            c->hs_in.len ? "in the middle of the reply" : "before any reply");
            } else {
                conn_finish(c, CONN_ERR_ABNORMAL, NULL);
            }
            return;
        }
        c->last_rx = conn_now();
        if (c->state == CONN_HANDSHAKE) {
            conn_hs_input(c, c->rbuf, (size_t)n);
        } else if (c->s) {
            feed(c, c->rbuf, (size_t)n);
            if (c->throttled)
                return;
        }
        /* A short read means the socket is drained: skip the EAGAIN round trip. (No transport:
         * the reply was a redirect, and the next hop starts when conn_handle() unwinds.) */
        if (c->state == CONN_DONE || c->t == NULL ||
            ((size_t)n < c->rbuf_size && !transport_has_pending(c->t)))
            return;
    }
}

void conn_handle(struct conn *c, short revents)
{
    if (c->t == NULL || c->state == CONN_DONE)
        return;
    if (c->state == CONN_CONNECTING) {
        bool was_tcp = transport_tcp_connected(c->t);
        int rc = transport_progress(c->t, revents);
        conn_hop_steps(c);
        if (!was_tcp && transport_tcp_connected(c->t)) {
            snprintf(c->peer, sizeof c->peer, "%s", transport_peer(c->t));
            if (c->h.on_tcp_connected)
                c->h.on_tcp_connected(c->ud, c->peer);
        }
        if (rc < 0) {
            transport_failed(c, rc);
            return;
        }
        if (rc == 1) /* the transport logged the TLS summary already */
            conn_hs_send(c);
        return;
    }
    /* Throttled, read only to learn that the peer hung up or the socket failed. */
    bool was_throttled = c->throttled;
    if (revents & (POLLHUP | POLLERR) ||
        (!c->throttled && (revents & POLLIN || transport_has_pending(c->t))))
        read_input(c);
    if (c->state != CONN_DONE)
        conn_flush_out(c);
    /* Drained: what TLS already decrypted will not wake poll(), so read it now. */
    if (was_throttled && !c->throttled && c->state != CONN_DONE && c->t &&
        transport_has_pending(c->t))
        read_input(c);
    if (c->redirect_pending)
        conn_hop_next(c);
}

void conn_flush(struct conn *c)
{
    if (c->state != CONN_DONE && c->state != CONN_CONNECTING)
        conn_flush_out(c);
}

int conn_send(struct conn *c, int opcode, const uint8_t *data, size_t len)
{
    if (c->state != CONN_OPEN)
        return CONN_SEND_STATE;
    return send_error(session_send(c->s, opcode, data, len));
}

int conn_ping(struct conn *c, const uint8_t *data, size_t len)
{
    if (c->state != CONN_OPEN)
        return CONN_SEND_STATE;
    return send_error(session_ping(c->s, data, len));
}

int conn_pong(struct conn *c, const uint8_t *data, size_t len)
{
    if (c->state != CONN_OPEN)
        return CONN_SEND_STATE;
    return send_error(session_pong(c->s, data, len));
}

void conn_reset(struct conn *c)
{
    if (c->state == CONN_DONE)
        c->state = CONN_IDLE;
    conn_hop_reset(c); /* each attempt starts at the configured URL */
}
