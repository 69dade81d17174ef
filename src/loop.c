/*
 * loop - the poll() loop, pipe mode, the REPL's actions, keep-alive and reconnect; see loop.h.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "conn_options.h"
#include "input.h"
#include "log.h"
#include "output.h"
#include "rand.h"
#include "repl.h"
#include "status.h"
#include "utf8.h"

#define LOOP_OUTQ_HIGH (256 * 1024) /* stop turning input into frames above this */
#define LOOP_STABLE_MS 30000        /* a connection up this long resets the backoff */
#define LOOP_FILE_MAX  (64u << 20)  /* largest file /send and /binary read */

enum mode { MODE_PIPE, MODE_REPL };

struct app {
    const struct options *o;
    enum mode mode;
    bool color;
    struct conn *c;
    struct status st;
    struct input in;
    bool stdin_open;
    bool stdout_pipe; /* poll stdout for POLLERR: the reader went away */
    long written;     /* messages written to stdout (--count) */
    bool count_done;
    bool executed;         /* -x messages sent on this connection */
    int64_t wait_deadline; /* after end of input; -1 = not armed */
    int64_t overall_deadline;
    int exit_override; /* a result decided here (stdout, input, --timeout), 0 = none */
    char why[512];
    int interrupts;
    bool quitting;        /* the user is done: exit once the connection is closed */
    bool user_closed;     /* our own close: no reconnect */
    bool connect_pending; /* REPL /connect while the old connection closes */
    bool done;
    int result;                  /* exit code of the last connection */
    char *authorization;         /* /connect TOKEN: replaces the configured credentials */
    struct conn_config conn_cfg; /* from *o; /connect TOKEN changes the authorization */
    /* keep-alive */
    bool ping_out;      /* a keep-alive ping is outstanding */
    uint64_t ping_end;  /* stream position after it */
    int64_t ping_sent;  /* when it was queued */
    int64_t ping_moved; /* when data last left the machine since then */
    uint64_t ping_gone; /* conn_out_gone() when last looked at */
    int64_t established_at;
    /* /ping */
    uint8_t uping[WS_MAX_CONTROL_PAYLOAD];
    size_t uping_len;
    struct timespec uping_at;
    bool uping_active;
    unsigned ping_seq;
    /* reconnect */
    unsigned attempts;    /* since the last stable connection */
    int64_t reconnect_at; /* -1 = none scheduled */
};

static int sig_pipe[2] = {-1, -1};

static volatile sig_atomic_t stop_signals;
static volatile sig_atomic_t stop_direct; /* pipe mode: no terminal to restore on the way out */

static void on_signal(int sig)
{
    int saved = errno;
    /* A second SIGINT/SIGTERM ends wsc at once, even while it is blocked writing to stdout. */
    if ((sig == SIGINT || sig == SIGTERM) && ++stop_signals >= 2 && stop_direct)
        _exit(128 + sig);
    unsigned char b = (unsigned char)sig;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* the pipe is full: the loop has signals to read already */
    }
    errno = saved;
}

static int signals_init(void)
{
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* --- showing things ---------------------------------------------------------------------- */

/* A human line: REPL above the prompt (with --timestamps prefix), else stderr via log. */
static void show(struct app *a, enum repl_kind kind, enum log_level level, const char *text)
{
    if (a->mode == MODE_REPL) {
        char line[4200];
        if (a->o->timestamps) {
            char ts[32];
            snprintf(line, sizeof line, "[%s] %s", log_time(ts, sizeof ts, false), text);
            text = line;
        }
        repl_print(kind, text, strlen(text));
    } else if (kind == REPL_ERROR) {
        log_error("%s", text);
    } else {
        log_msg(level, "%s", text);
    }
}

/* The seed's triggers: a human event line, and with --json an object on stdout. fields holds
 * the object's members after "event" and "time" (built with json_field/json_number). */
static void event(struct app *a, const char *name, const char *human, const struct buf *fields)
{
    if (a->o->json) {
        char ts[40], head[128];
        struct timespec now;
        struct buf line;
        buf_init(&line);
        clock_gettime(CLOCK_REALTIME, &now);
        int n = snprintf(head, sizeof head, "{\"event\":\"%s\",\"time\":\"%s\"", name,
                         status_time(&now, ts, sizeof ts));
        if (buf_append(&line, head, (size_t)n) < 0 ||
            (fields->len && (buf_append(&line, ",", 1) < 0 ||
                             buf_append(&line, buf_head(fields), fields->len) < 0)) ||
            buf_append(&line, "}", 1) < 0) {
            buf_free(&line);
            return;
        }
        if (a->mode == MODE_REPL)
            repl_print(REPL_EVENT, (const char *)buf_head(&line), line.len);
        else if (output_line((const char *)buf_head(&line), line.len) < 0 && a->exit_override == 0)
            a->exit_override = EXIT_WRITE;
        buf_free(&line);
        return;
    }
    char text[1200];
    snprintf(text, sizeof text, "* %s", human);
    show(a, REPL_EVENT,
         a->o->reconnect && strcmp(name, "established") != 0 && strcmp(name, "connected") != 0
             ? LOG_NOTE
             : LOG_VERBOSE,
         text);
}

/* Append "key":"value" (JSON-escaped) to an object's members. */
static void json_field(struct buf *out, const char *key, const char *value)
{
    char k[64];
    int n = snprintf(k, sizeof k, "%s\"%s\":", out->len ? "," : "", key);
    if (buf_append(out, k, (size_t)n) == 0)
        output_json_string(out, (const uint8_t *)value, strlen(value));
}

static void json_number(struct buf *out, const char *key, double v)
{
    char k[96];
    int n = snprintf(k, sizeof k, "%s\"%s\":%g", out->len ? "," : "", key, v);
    buf_append(out, k, (size_t)n);
}

/* A connection attempt or connection is under way (not yet reported as ended). */
static bool conn_live(const struct app *a)
{
    return conn_state(a->c) != CONN_DONE && conn_state(a->c) != CONN_IDLE;
}

static void update_prompt(struct app *a)
{
    if (a->mode != MODE_REPL)
        return;
    char p[64];
    if (conn_state(a->c) == CONN_OPEN)
        snprintf(p, sizeof p, "> ");
    else
        snprintf(p, sizeof p, "[%s] > ",
                 a->reconnect_at >= 0 ? "reconnecting"
                 : conn_live(a)       ? conn_state_name(conn_state(a->c))
                                      : "disconnected");
    repl_set_prompt(p);
}

/* --- connection callbacks ------------------------------------------------------------------ */

static void stop_output(struct app *a, const char *what)
{
    if (a->exit_override == 0) {
        a->exit_override = EXIT_WRITE;
        snprintf(a->why, sizeof a->why, "cannot write to stdout: %s", what);
    }
    a->quitting = true;
    conn_close(a->c, WS_CLOSE_NORMAL, NULL);
}

static void repl_message(struct app *a, int opcode, const uint8_t *data, size_t len)
{
    struct buf b;
    buf_init(&b);
    if (a->o->json) {
        output_format_json(&b, opcode, data, len);
    } else if (opcode == WS_OP_TEXT) {
        buf_append(&b, "< ", 2);
        status_escape(&b, data, len, SIZE_MAX);
    } else {
        char head[64], hex[3 * 32 + 1] = "", ascii[33];
        size_t n = len < 32 ? len : 32, hl = 0;
        for (size_t i = 0; i < n; i++) {
            hl += (size_t)snprintf(hex + hl, sizeof hex - hl, "%s%02x", i ? " " : "", data[i]);
            ascii[i] = data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '.';
        }
        ascii[n] = '\0';
        snprintf(head, sizeof head, "< [binary %zu bytes] ", len);
        buf_append(&b, head, strlen(head));
        buf_append(&b, hex, strlen(hex));
        buf_append(&b, " |", 2);
        buf_append(&b, ascii, n);
        buf_append(&b, len > n ? "| ..." : "|", len > n ? 5 : 1);
    }
    buf_append(&b, "", 1);
    show(a, REPL_RECEIVED, LOG_NOTE, (const char *)buf_head(&b));
    buf_free(&b);
}

static void on_message(void *ud, int opcode, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    status_received(&a->st, opcode == WS_OP_BINARY, data, len);
    if (a->count_done || a->exit_override == EXIT_WRITE)
        return;
    int rc;
    if (a->mode == MODE_REPL) {
        rc = output_matches(data, len);
        if (rc)
            repl_message(a, opcode, data, len);
    } else {
        rc = output_message(opcode, data, len);
        if (rc < 0) {
            stop_output(a, strerror(errno));
            return;
        }
    }
    if (rc == 1 && a->o->count > 0 && ++a->written >= a->o->count) {
        a->count_done = true;
        a->quitting = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    }
}

static void on_ping(void *ud, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    if (a->o->show_ping_pong) {
        struct buf b;
        buf_init(&b);
        buf_append(&b, "* ping received ", 16);
        status_escape(&b, data, len, 125);
        buf_append(&b, "", 1);
        show(a, REPL_INFO, LOG_NOTE, (const char *)buf_head(&b));
        buf_free(&b);
    }
}

static void on_pong(void *ud, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    if (a->uping_active && len == a->uping_len && memcmp(data, a->uping, len) == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double ms = (double)(now.tv_sec - a->uping_at.tv_sec) * 1e3 +
                    (double)(now.tv_nsec - a->uping_at.tv_nsec) / 1e6;
        a->uping_active = false;
        a->st.rtt_ms = (long)(ms + 0.5);
        char text[96];
        snprintf(text, sizeof text, "* pong: round trip %.3f ms", ms);
        show(a, REPL_INFO, LOG_NOTE, text);
        return;
    }
    if (a->o->show_ping_pong) {
        struct buf b;
        buf_init(&b);
        buf_append(&b, "* pong received ", 16);
        status_escape(&b, data, len, 125);
        buf_append(&b, "", 1);
        show(a, REPL_INFO, LOG_NOTE, (const char *)buf_head(&b));
        buf_free(&b);
    }
}

static void on_tcp_connected(void *ud, const char *peer)
{
    struct app *a = ud;
    char human[160];
    struct buf json;
    buf_init(&json);
    status_set_state(&a->st, "TCP connected");
    snprintf(a->st.peer, sizeof a->st.peer, "%s", peer);
    snprintf(human, sizeof human, "connected to %s", peer);
    json_field(&json, "address", peer);
    event(a, "connected", human, &json);
    buf_free(&json);
}

static void on_state(void *ud, enum conn_state st)
{
    struct app *a = ud;
    switch (st) {
    case CONN_CONNECTING:
        status_set_state(&a->st, "connecting");
        break;
    case CONN_HANDSHAKE:
        status_set_state(&a->st, "handshaking");
        break;
    case CONN_OPEN: {
        char human[320];
        struct buf json;
        buf_init(&json);
        status_set_state(&a->st, "established");
        snprintf(a->st.subprotocol, sizeof a->st.subprotocol, "%s", conn_subprotocol(a->c));
        a->st.connects++;
        a->executed = false;
        a->ping_out = false;
        a->established_at = conn_now();
        snprintf(human, sizeof human, "WebSocket established%s%s",
                 *conn_subprotocol(a->c) ? ", subprotocol " : "", conn_subprotocol(a->c));
        if (*conn_subprotocol(a->c))
            json_field(&json, "subprotocol", conn_subprotocol(a->c));
        else
            buf_append(&json, "\"subprotocol\":null", 18);
        event(a, "established", human, &json);
        buf_free(&json);
        break;
    }
    case CONN_CLOSING:
        status_set_state(&a->st, "closing");
        break;
    case CONN_DONE:
        status_set_state(&a->st, "disconnected");
        break;
    default:
        break;
    }
    update_prompt(a);
}

/* --- sending ------------------------------------------------------------------------------ */

static int send_message(struct app *a, int opcode, const uint8_t *data, size_t len)
{
    int rc = conn_send(a->c, opcode, data, len);
    if (rc == 0)
        status_sent(&a->st, opcode == WS_OP_BINARY, data, len);
    return rc;
}

/* Give up with result and message, after sending our close if we can. */
static void app_fail(struct app *a, enum conn_outcome outcome, const char *detail)
{
    if (a->exit_override == 0) {
        a->exit_override = conn_outcome_exit(outcome);
        conn_outcome_message(outcome, detail, a->why, sizeof a->why);
    }
    a->quitting = true;
    if (conn_state(a->c) == CONN_OPEN) {
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
        conn_flush(a->c);
    }
    conn_abort(a->c, outcome, detail);
}

/* Pipe mode: turn queued input (and -x messages) into frames while the connection takes them. */
static void pump_input(struct app *a)
{
    const struct options *o = a->o;
    if (conn_state(a->c) != CONN_OPEN || a->exit_override || a->quitting)
        return;
    int opcode = o->binary ? WS_OP_BINARY : WS_OP_TEXT;
    if (!a->executed) {
        for (size_t i = 0; i < o->nexecute; i++)
            send_message(a, WS_OP_TEXT, (const uint8_t *)o->execute[i], strlen(o->execute[i]));
        a->executed = true;
    }
    if (a->mode != MODE_PIPE)
        return;
    const uint8_t *rec;
    size_t len;
    /* Frames are made a batch at a time; while the kernel keeps taking them, go on, so that the
     * loop never waits with records ready and nothing queued (nothing else would wake it). */
    for (;;) {
        while (conn_pending_output(a->c) < LOOP_OUTQ_HIGH && input_next(&a->in, &rec, &len)) {
            int rc = send_message(a, opcode, rec, len);
            if (rc == SESSION_ERR_ARG) { /* the session refuses text that is not UTF-8 (§5.6) */
                /* Close politely: replies to what went before still reach stdout. */
                a->exit_override = EXIT_INPUT;
                snprintf(a->why, sizeof a->why,
                         "input record %llu is not valid UTF-8: send it with -b/--binary",
                         (unsigned long long)a->in.records);
                a->quitting = true;
                conn_close(a->c, WS_CLOSE_NORMAL, NULL);
                conn_flush(a->c);
                return;
            }
            if (rc < 0) {
                app_fail(a, CONN_ERR_INTERNAL, "out of memory");
                return;
            }
            if (input_sent(&a->in, conn_out_end(a->c)) < 0) {
                app_fail(a, CONN_ERR_INTERNAL, "out of memory");
                return;
            }
        }
        size_t before = conn_pending_output(a->c);
        conn_flush(a->c);
        size_t after = conn_pending_output(a->c);
        if (conn_state(a->c) != CONN_OPEN || after >= LOOP_OUTQ_HIGH || after == before ||
            !input_ready(&a->in))
            break; /* POLLOUT, stdin or the connection wakes us for the rest */
    }
}

static bool want_stdin(struct app *a)
{
    if (a->mode == MODE_REPL)
        return true;
    if (!a->stdin_open || a->exit_override || a->quitting)
        return false;
    /* Backpressure: a full queue with a record ready waits until a connection takes it. */
    return input_queued(&a->in) < a->o->queue_size || !input_ready(&a->in);
}

static void read_stdin(struct app *a)
{
    long n = input_read(&a->in, STDIN_FILENO);
    if (n == 0 || n == -2) {
        if (n == -2)
            log_error("cannot read stdin: %s", strerror(errno));
        a->stdin_open = false;
    }
}

/* After the last record went out: wait --wait seconds for replies, then close. */
static void check_done_sending(struct app *a, int64_t now)
{
    if (a->mode != MODE_PIPE || a->stdin_open || a->wait_deadline >= 0 ||
        conn_state(a->c) != CONN_OPEN || a->o->wait < 0)
        return;
    if (input_unsent(&a->in) > 0 || conn_pending_output(a->c) > 0 || !a->executed)
        return;
    a->wait_deadline = now + (int64_t)(a->o->wait * 1000);
}

/* --- keep-alive ---------------------------------------------------------------------------- */

static int64_t keepalive_next(struct app *a)
{
    if (!a->o->keepalive || conn_state(a->c) != CONN_OPEN)
        return -1;
    if (a->ping_out)
        return conn_now() + 100; /* watch the ping leave and the data move */
    int64_t quiet_since =
        conn_last_rx(a->c) > a->established_at ? conn_last_rx(a->c) : a->established_at;
    return quiet_since + (int64_t)(a->o->ping_interval * 1000);
}

/*
 * Keep-alive: a ping after --ping-interval without receiving anything. The peer is dead when,
 * after that ping, nothing arrives and nothing we send moves on for --ping-timeout once the ping
 * has left the machine (or for interval + timeout while it is still queued behind other data).
 * Data leaving means the peer's kernel takes it, so a slow reader is alive, and a busy queue
 * or a large message still arriving never looks like silence.
 */
static void keepalive(struct app *a, int64_t now)
{
    const struct options *o = a->o;
    if (!o->keepalive || conn_state(a->c) != CONN_OPEN)
        return;
    if (!a->ping_out) {
        int64_t next = keepalive_next(a);
        static const uint8_t payload[] = "wsc keep-alive";
        if (next >= 0 && now >= next && conn_ping(a->c, payload, sizeof payload - 1) == 0) {
            a->ping_out = true;
            a->ping_sent = a->ping_moved = now;
            a->ping_end = conn_out_end(a->c);
            conn_flush(a->c);
            a->ping_gone = conn_out_gone(a->c);
        }
        return;
    }
    if (conn_last_rx(a->c) >= a->ping_sent) {
        a->ping_out = false; /* anything at all proves the peer alive */
        return;
    }
    uint64_t gone = conn_out_gone(a->c);
    if (gone != a->ping_gone) {
        a->ping_gone = gone;
        a->ping_moved = now;
    }
    bool left = gone >= a->ping_end;
    double limit = left ? o->ping_timeout : o->ping_interval + o->ping_timeout;
    if (now - a->ping_moved < (int64_t)(limit * 1000))
        return;
    char why[200];
    if (left)
        snprintf(why, sizeof why, "no reply from the server within %g s of a ping (--ping-timeout)",
                 o->ping_timeout);
    else
        snprintf(why, sizeof why,
                 "the server took and sent nothing for %g s after a ping "
                 "(--ping-interval + --ping-timeout)",
                 limit);
    conn_abort(a->c, CONN_ERR_PING_TIMEOUT, why);
}

/* --- reconnecting -------------------------------------------------------------------------- */

/* Failures that will not get better by trying again. */
static bool fatal_result(struct app *a, int result)
{
    switch (result) {
    case EXIT_USAGE:
    case EXIT_URL:
    case EXIT_INPUT:
    case EXIT_HANDSHAKE:
    case EXIT_WRITE:
    case EXIT_CERT:
    case EXIT_INTERNAL:
        return true;
    case EXIT_UPGRADE_REFUSED: {
        int s = conn_http_status(a->c);
        return s >= 400 && s < 500 && s != 408 && s != 429;
    }
    default:
        return false;
    }
}

static double backoff_delay(struct app *a)
{
    const struct options *o = a->o;
    double ceiling = o->reconnect_delay_min;
    for (unsigned i = 1; i < a->attempts && ceiling < o->reconnect_delay_max; i++)
        ceiling *= 2;
    if (ceiling > o->reconnect_delay_max)
        ceiling = o->reconnect_delay_max;
    /* Full jitter between MIN and the current ceiling. */
    uint32_t r = 0;
    rand_bytes(&r, sizeof r);
    double d = o->reconnect_delay_min + (ceiling - o->reconnect_delay_min) * (r / 4294967296.0);
    if (conn_retry_after(a->c) >= 0 && d < (double)conn_retry_after(a->c))
        d = (double)conn_retry_after(a->c);
    return d;
}

static void start_connection(struct app *a)
{
    a->reconnect_at = -1;
    a->user_closed = false;
    a->wait_deadline = -1;
    conn_start(a->c);
    update_prompt(a);
}

/* The connection ended: tell, then exit, stay (REPL) or schedule a reconnect. */
static void connection_ended(struct app *a)
{
    int result = conn_outcome_exit(conn_outcome(a->c));
    const char *err = conn_message(a->c);
    int64_t now = conn_now();
    char human[1200];
    struct buf json;
    buf_init(&json);
    int sent = conn_close_code_sent(a->c);
    int rcvd = conn_close_code_received(a->c);

    if (a->mode == MODE_PIPE) {
        input_written(&a->in, conn_out_total(a->c));
        input_rewind(&a->in); /* records not wholly written go again on the next connection */
    }
    a->result = result;
    if (a->established_at > 0 && now - a->established_at >= LOOP_STABLE_MS)
        a->attempts = 0;
    a->established_at = 0;

    const char *by = conn_closed_by_us(a->c) ? "client" : rcvd ? "server" : "error";
    if (conn_closed_by_us(a->c))
        snprintf(human, sizeof human, "disconnected: closed by us (%d)", sent);
    else if (rcvd)
        snprintf(human, sizeof human, "disconnected: %s",
                 *err ? err : "server closed the connection with 1000");
    else
        snprintf(human, sizeof human, "disconnected: %s", *err ? err : "connection closed");
    json_field(&json, "by", by);
    if (rcvd || sent)
        json_number(&json, "code", rcvd ? rcvd : sent);
    if (rcvd)
        json_field(&json, "reason", conn_close_reason_received(a->c));
    if (*err && result != EXIT_OK)
        json_field(&json, "error", err);
    json_number(&json, "exit", result);
    event(a, "disconnected", human, &json);
    buf_free(&json); /* reusable: the reconnecting event below starts from empty */

    if (a->quitting || a->exit_override) {
        a->done = true;
        return;
    }
    if (a->connect_pending) {
        a->connect_pending = false;
        start_connection(a);
        return;
    }
    if (a->o->reconnect && !a->user_closed) {
        if (fatal_result(a, result)) {
            char text[700];
            snprintf(text, sizeof text, "not reconnecting: %s", *err ? err : "fatal error");
            show(a, REPL_ERROR, LOG_ERROR, text);
        } else if (a->o->reconnect_max > 0 && a->attempts >= (unsigned)a->o->reconnect_max) {
            char text[160];
            snprintf(text, sizeof text, "giving up after %u reconnect attempts (--reconnect-max)",
                     a->attempts);
            show(a, REPL_ERROR, LOG_ERROR, text);
        } else {
            a->attempts++;
            double d = backoff_delay(a);
            a->reconnect_at = now + (int64_t)(d * 1000);
            char text[160];
            snprintf(text, sizeof text, "reconnecting in %.1f s (attempt %u)", d, a->attempts);
            json_number(&json, "delay", d);
            json_number(&json, "attempt", a->attempts);
            event(a, "reconnecting", text, &json);
            buf_free(&json);
            update_prompt(a);
            return;
        }
        if (a->mode == MODE_PIPE) {
            a->done = true;
            return;
        }
    }
    if (a->mode == MODE_PIPE)
        a->done = true;
    update_prompt(a);
}

/* --- the REPL's actions -------------------------------------------------------------------- */

static int read_file(const char *path, struct buf *out, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    for (;;) {
        if (out->len > LOOP_FILE_MAX) {
            *why = "file too large (64 MiB at most)";
            close(fd);
            return -1;
        }
        if (buf_reserve(out, 65536) < 0) {
            *why = "out of memory";
            close(fd);
            return -1;
        }
        ssize_t n = read(fd, buf_tail(out), 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *why = strerror(errno);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        buf_commit(out, (size_t)n);
    }
    close(fd);
    return 0;
}

static void errorf(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void errorf(struct app *a, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    show(a, REPL_ERROR, LOG_ERROR, text);
}

static bool require_open(struct app *a, const char *what)
{
    if (conn_state(a->c) == CONN_OPEN)
        return true;
    errorf(a, "not connected (%s): %s not sent; use /connect", conn_state_name(conn_state(a->c)),
           what);
    return false;
}

static void quit(struct app *a)
{
    a->quitting = true;
    if (conn_state(a->c) == CONN_OPEN) {
        a->user_closed = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    } else if (conn_live(a)) {
        conn_abort(a->c, CONN_ABORTED, "");
    } else {
        a->done = true;
    }
}

/* Wipe and free a token given with /connect. */
static void forget_token(struct app *a)
{
    if (a->authorization) {
        explicit_bzero(a->authorization, strlen(a->authorization));
        free(a->authorization);
        a->authorization = NULL;
    }
}

static void cmd_connect(struct app *a, const struct cmd *c)
{
    if (c->arg_len > 0) {
        for (size_t i = 0; i < a->o->nheaders; i++)
            if (strncasecmp(a->o->headers[i], "authorization:", 14) == 0) {
                errorf(a, "/connect TOKEN conflicts with -H Authorization");
                return;
            }
        for (size_t i = 0; i < c->arg_len; i++)
            if ((unsigned char)c->arg[i] < 0x21 || c->arg[i] == 0x7f) {
                errorf(a, "/connect: the token must be printable, without spaces");
                return;
            }
        forget_token(a);
        if (asprintf(&a->authorization, "Bearer %s", c->arg) < 0)
            a->authorization = NULL;
        a->conn_cfg.authorization = a->authorization;
        if (conn_configure(a->c, &a->conn_cfg) < 0) {
            errorf(a, "out of memory");
            return;
        }
    }
    a->reconnect_at = -1;
    if (!conn_live(a)) {
        start_connection(a);
    } else if (conn_state(a->c) == CONN_OPEN) {
        a->connect_pending = true;
        a->user_closed = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    } else {
        a->connect_pending = true;
        conn_abort(a->c, CONN_ABORTED, "");
    }
}

static void cmd_close(struct app *a, int code, const char *reason)
{
    if (conn_state(a->c) != CONN_OPEN) {
        a->reconnect_at = -1;
        if (conn_live(a))
            conn_abort(a->c, CONN_ABORTED, "");
        update_prompt(a);
        return;
    }
    a->user_closed = true;
    int rc = conn_close(a->c, code, reason);
    if (rc == SESSION_ERR_ARG)
        errorf(a, "invalid close code or reason");
}

static void on_line(void *ud, char *line)
{
    struct app *a = ud;
    if (line == NULL) { /* Ctrl-D */
        quit(a);
        return;
    }
    struct cmd c;
    const char *why = NULL;
    if (cmd_parse(line, &c, &why) < 0) {
        errorf(a, "%s", why);
        return;
    }
    struct buf file;
    buf_init(&file);
    switch (c.kind) {
    case CMD_NONE:
        break;
    case CMD_SEND:
        if (!require_open(a, "message"))
            break;
        if (!utf8_valid((const uint8_t *)c.arg, c.arg_len))
            errorf(a, "the line is not valid UTF-8: not sent");
        else
            send_message(a, WS_OP_TEXT, (const uint8_t *)c.arg, c.arg_len);
        break;
    case CMD_CONNECT:
        cmd_connect(a, &c);
        break;
    case CMD_DISCONNECT:
        cmd_close(a, WS_CLOSE_NORMAL, NULL);
        break;
    case CMD_CLOSE:
        cmd_close(a, c.code, c.arg);
        break;
    case CMD_PING:
        if (!require_open(a, "ping"))
            break;
        if (c.arg_len == 0) {
            a->uping_len =
                (size_t)snprintf((char *)a->uping, sizeof a->uping, "wsc-ping-%u", ++a->ping_seq);
        } else {
            memcpy(a->uping, c.arg, c.arg_len);
            a->uping_len = c.arg_len;
        }
        if (conn_ping(a->c, a->uping, a->uping_len) == 0) {
            a->uping_active = true;
            clock_gettime(CLOCK_MONOTONIC, &a->uping_at);
        }
        break;
    case CMD_PONG:
        if (require_open(a, "pong"))
            conn_pong(a->c, (const uint8_t *)c.arg, c.arg_len);
        break;
    case CMD_BINARY:
        if (c.file && read_file(c.file, &file, &why) < 0) {
            errorf(a, "/binary: %s: %s", c.file, why);
            break;
        }
        if (require_open(a, "message")) {
            const struct buf *b = c.file ? &file : &c.data;
            send_message(a, WS_OP_BINARY, b->len ? buf_head(b) : (const uint8_t *)"", b->len);
        }
        break;
    case CMD_SEND_FILE:
        if (read_file(c.file, &file, &why) < 0) {
            errorf(a, "/send: %s: %s", c.file, why);
            break;
        }
        if (!utf8_valid(file.len ? buf_head(&file) : (const uint8_t *)"", file.len)) {
            errorf(a, "/send: %s is not valid UTF-8 (use /binary @%s)", c.file, c.file);
            break;
        }
        if (require_open(a, "file"))
            send_message(a, WS_OP_TEXT, file.len ? buf_head(&file) : (const uint8_t *)"", file.len);
        break;
    case CMD_STATUS: {
        struct buf b;
        buf_init(&b);
        if (status_format(&a->st, &b) == 0 && buf_append(&b, "", 1) == 0)
            show(a, REPL_INFO, LOG_NOTE, (const char *)buf_head(&b));
        buf_free(&b);
        break;
    }
    case CMD_HELP:
        show(a, REPL_INFO, LOG_NOTE, cmd_help);
        break;
    case CMD_QUIT:
        quit(a);
        break;
    }
    buf_free(&file);
    cmd_free(&c);
    conn_flush(a->c);
}

/* --- signals ------------------------------------------------------------------------------- */

static void handle_signals(struct app *a)
{
    unsigned char sigs[16];
    ssize_t n = read(sig_pipe[0], sigs, sizeof sigs);
    for (ssize_t i = 0; i < n; i++) {
        int sig = sigs[i];
        if (sig == SIGINT || sig == SIGTERM) {
            if (++a->interrupts > 1 || (conn_state(a->c) != CONN_OPEN && a->mode == MODE_PIPE) ||
                !conn_live(a)) {
                a->exit_override = 128 + sig;
                snprintf(a->why, sizeof a->why, "interrupted");
                a->quitting = true;
                if (!conn_live(a))
                    a->done = true;
                else
                    conn_abort(a->c, conn_outcome_for_signal(sig), "");
                return;
            }
            if (a->mode == MODE_PIPE)
                log_msg(LOG_NOTE, "closing (interrupt again to quit at once)");
            else
                show(a, REPL_EVENT, LOG_NOTE,
                     sig == SIGINT ? "* closing (Ctrl-C again to quit at once)" : "* closing");
            quit(a);
        } else if (sig == SIGUSR1) {
            struct buf b;
            buf_init(&b);
            if (status_format(&a->st, &b) == 0 && buf_append(&b, "", 1) == 0) {
                if (a->mode == MODE_REPL)
                    repl_print(REPL_INFO, (const char *)buf_head(&b), b.len - 1);
                else
                    fprintf(stderr, "%s\n", (const char *)buf_head(&b));
            }
            buf_free(&b);
        }
    }
}

static int64_t earliest(int64_t x, int64_t y)
{
    if (x < 0)
        return y;
    if (y < 0)
        return x;
    return x < y ? x : y;
}

/* In the REPL, diagnostics go above the input line too. */
static void repl_log_writer(enum log_level level, const char *line)
{
    repl_print(level == LOG_ERROR ? REPL_ERROR : REPL_INFO, line, strlen(line));
}

static bool use_color(const struct options *o)
{
    if (o->color == COLOR_ALWAYS)
        return true;
    if (o->color == COLOR_NEVER)
        return false;
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

/* --- the loop ------------------------------------------------------------------------------ */

int loop_run(const struct options *o)
{
    struct app a;
    memset(&a, 0, sizeof a);
    a.o = o;
    a.wait_deadline = -1;
    a.reconnect_at = -1;
    a.overall_deadline = o->timeout > 0 ? conn_now() + (int64_t)(o->timeout * 1000) : -1;
    a.stdin_open = fcntl(STDIN_FILENO, F_GETFL) >= 0;
    a.mode = a.stdin_open && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? MODE_REPL : MODE_PIPE;
    a.color = a.mode == MODE_REPL && use_color(o);
    stop_direct = a.mode == MODE_PIPE;
    struct stat sb;
    a.stdout_pipe =
        fstat(STDOUT_FILENO, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
    status_init(&a.st);
    input_init(&a.in, o->null_delim ? '\0' : '\n');
    output_init(o, STDOUT_FILENO);
    if (signals_init() < 0) {
        log_error("cannot set up signal handling: %s", strerror(errno));
        return EXIT_INTERNAL;
    }
    struct conn_handlers h = {
        .on_state = on_state,
        .on_tcp_connected = on_tcp_connected,
        .on_message = on_message,
        .on_ping = on_ping,
        .on_pong = on_pong,
    };
    conn_options_config(o, NULL, &a.conn_cfg);
    a.c = conn_new(&a.conn_cfg, &h, &a);
    if (a.c == NULL) {
        log_error("out of memory");
        return EXIT_INTERNAL;
    }
    char *history = NULL;
    if (a.mode == MODE_REPL) {
        history = o->no_history ? NULL : repl_history_path();
        struct repl_config rc = {
            .history_path = history, .color = a.color, .on_line = on_line, .ud = &a};
        if (repl_init(&rc) < 0) {
            log_error("cannot start the terminal interface");
            return EXIT_INTERNAL;
        }
        log_set_writer(repl_log_writer);
    }
    start_connection(&a);

    while (!a.done) {
        int64_t now = conn_now();
        pump_input(&a);
        if (a.mode == MODE_PIPE && conn_state(a.c) == CONN_OPEN && input_in_flight(&a.in) > 0)
            input_written(&a.in, conn_out_sent(a.c));
        check_done_sending(&a, now);
        keepalive(&a, now);
        if (conn_state(a.c) == CONN_DONE && !a.done) {
            /* Report each ended connection once: IDLE marks it as reported. */
            connection_ended(&a);
            conn_reset(a.c);
        }
        if (a.reconnect_at >= 0 && now >= a.reconnect_at && !a.done)
            start_connection(&a);
        if (output_flush() < 0 && a.exit_override == 0)
            stop_output(&a, strerror(errno));
        if (a.done)
            break;

        enum { SLOT_SIGNAL, SLOT_CONN, SLOT_STDIN, SLOT_STDOUT, NSLOTS };
        bool live = conn_state(a.c) != CONN_DONE && conn_state(a.c) != CONN_IDLE;
        struct pollfd pfd[NSLOTS] = {
            [SLOT_SIGNAL] = {.fd = sig_pipe[0], .events = POLLIN},
            [SLOT_CONN] = {.fd = live ? conn_fd(a.c) : -1, .events = conn_poll_events(a.c)},
            [SLOT_STDIN] = {.fd = want_stdin(&a) ? STDIN_FILENO : -1, .events = POLLIN},
            [SLOT_STDOUT] = {.fd = a.stdout_pipe && a.exit_override == 0 ? STDOUT_FILENO : -1,
                             .events = 0},
        };
        int64_t deadline = earliest(earliest(conn_deadline(a.c), a.wait_deadline),
                                    earliest(a.overall_deadline, a.reconnect_at));
        deadline = earliest(deadline, keepalive_next(&a));
        int timeout = -1;
        if (deadline >= 0)
            timeout = deadline <= now ? 0 : (int)(deadline - now);
        int n = poll(pfd, NSLOTS, timeout);
        if (n < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            a.exit_override = EXIT_INTERNAL;
            break;
        }
        status_tick(&a.st);
        if (n > 0 && pfd[SLOT_SIGNAL].revents)
            handle_signals(&a);
        if (n > 0 && pfd[SLOT_CONN].fd >= 0 && pfd[SLOT_CONN].revents)
            conn_handle(a.c, pfd[SLOT_CONN].revents);
        if (n > 0 && pfd[SLOT_STDIN].fd >= 0 && pfd[SLOT_STDIN].revents) {
            if (a.mode == MODE_REPL)
                repl_read();
            else
                read_stdin(&a);
        }
        if (n > 0 && pfd[SLOT_STDOUT].fd >= 0 && (pfd[SLOT_STDOUT].revents & (POLLERR | POLLHUP)))
            stop_output(&a, strerror(EPIPE));

        now = conn_now();
        if (a.overall_deadline >= 0 && now >= a.overall_deadline && a.exit_override == 0) {
            char why[96];
            snprintf(why, sizeof why, "after %g s (--timeout)", o->timeout);
            app_fail(&a, CONN_ERR_TIMEOUT, why);
        }
        if (a.wait_deadline >= 0 && now >= a.wait_deadline && conn_state(a.c) == CONN_OPEN) {
            a.wait_deadline = -1;
            a.quitting = true;
            conn_close(a.c, WS_CLOSE_NORMAL, NULL);
        }
        conn_timer(a.c);
    }

    if (a.mode == MODE_REPL) {
        repl_free();
        log_set_writer(NULL);
    }
    if (output_flush() < 0 && a.exit_override == 0) {
        a.exit_override = EXIT_WRITE;
        snprintf(a.why, sizeof a.why, "cannot write to stdout: %s", strerror(errno));
    }
    int rc = a.exit_override ? a.exit_override : a.result;
    const char *why = a.exit_override ? a.why : conn_message(a.c);
    if (a.mode == MODE_REPL && rc != EXIT_OK && !a.exit_override && !o->reconnect && a.quitting)
        rc = EXIT_OK; /* the user quit the REPL; earlier failures were shown as they came */
    if (rc == EXIT_OK && o->count > 0 && !a.count_done && a.mode == MODE_PIPE) {
        rc = EXIT_COUNT;
        snprintf(a.why, sizeof a.why, "connection closed after %ld of %ld messages (--count)",
                 a.written, o->count);
        why = a.why;
    }
    if (a.mode == MODE_PIPE) {
        if (rc != EXIT_OK && *why)
            log_error("%s", why);
        else if (*why && !o->reconnect)
            log_msg(LOG_NOTE, "%s", why);
    }
    conn_free(a.c);
    input_free(&a.in);
    output_free();
    forget_token(&a);
    free(history);
    return rc;
}
