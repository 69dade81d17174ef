/*
 * events - what wsc tells about a connection: human lines (the REPL above the prompt, or stderr
 * in pipe mode) and the module's triggers as events (Connected, WebSocket Established,
 * Disconnected, Reconnecting), also as JSON objects on stdout with --json; see app.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "exitcode.h"
#include "output.h"

/* A human line: REPL above the prompt (with --timestamps prefix), else stderr via log. */
void events_show(struct app *a, enum repl_kind kind, enum log_level level, const char *text)
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

void events_errorf(struct app *a, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    events_show(a, REPL_ERROR, LOG_ERROR, text);
}

/* A trigger: a human event line, and with --json an object on stdout. fields holds the object's
 * members after "event" and "time" (built with json_field/json_number). */
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
        else if (output_line((const char *)buf_head(&line), line.len) < 0 &&
                 a->end.exit_override == 0)
            app_stop_output(a, strerror(errno));
        buf_free(&line);
        return;
    }
    char text[1200];
    snprintf(text, sizeof text, "* %s", human);
    events_show(a, REPL_EVENT,
                a->o->reconnect && strcmp(name, "established") != 0 &&
                        strcmp(name, "connected") != 0 && strcmp(name, "redirect") != 0
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

void events_prompt(struct app *a)
{
    /* Once the user is done, the prompt is not drawn again (no "[disconnected] >" on the way
     * out). */
    if (a->mode != MODE_REPL || a->end.quitting)
        return;
    char p[64];
    enum conn_state st = conn_state(a->c);
    if (st == CONN_OPEN)
        snprintf(p, sizeof p, "> ");
    else
        snprintf(p, sizeof p, "[%s] > ",
                 a->up.reconnect_at >= 0 ? "reconnecting"
                 : app_conn_live(a)      ? conn_state_name(st)
                                         : "disconnected");
    repl_set_prompt(p);
}

/* A received message in the REPL: "< text" escaped, or a binary summary. */
void events_message(struct app *a, int opcode, const uint8_t *data, size_t len)
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
    events_show(a, REPL_RECEIVED, LOG_NOTE, (const char *)buf_head(&b));
    buf_free(&b);
}

/* "* ping received PAYLOAD" with -P. */
static void show_control(struct app *a, const char *what, const uint8_t *data, size_t len)
{
    struct buf b;
    buf_init(&b);
    buf_append(&b, what, strlen(what));
    status_escape(&b, data, len, 125);
    buf_append(&b, "", 1);
    events_show(a, REPL_INFO, LOG_NOTE, (const char *)buf_head(&b));
    buf_free(&b);
}

void events_on_ping(void *ud, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    if (a->o->show_ping_pong)
        show_control(a, "* ping received ", data, len);
}

void events_on_pong(void *ud, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    writeout_run_pong(a);
    if (actions_pong(a, data, len))
        return;
    if (a->o->show_ping_pong)
        show_control(a, "* pong received ", data, len);
}

void events_on_tcp_connected(void *ud, const char *peer)
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

static void established(struct app *a)
{
    const char *sub = conn_subprotocol(a->c);
    char human[320];
    struct buf json;
    buf_init(&json);
    status_set_state(&a->st, "established");
    snprintf(a->st.subprotocol, sizeof a->st.subprotocol, "%s", sub);
    a->st.connects++;
    pipe_established(a);
    stayup_established(a, conn_now());
    snprintf(human, sizeof human, "WebSocket established%s%s", *sub ? ", subprotocol " : "", sub);
    if (*sub)
        json_field(&json, "subprotocol", sub);
    else
        buf_append(&json, "\"subprotocol\":null", 18);
    event(a, "established", human, &json);
    buf_free(&json);
}

void events_on_state(void *ud, enum conn_state st)
{
    struct app *a = ud;
    switch (st) {
    case CONN_CONNECTING:
        status_set_state(&a->st, "connecting");
        break;
    case CONN_HANDSHAKE:
        status_set_state(&a->st, "handshaking");
        break;
    case CONN_OPEN:
        established(a);
        break;
    case CONN_CLOSING:
        status_set_state(&a->st, "closing");
        break;
    case CONN_DONE:
        status_set_state(&a->st, "disconnected");
        break;
    default:
        break;
    }
    events_prompt(a);
}

void events_disconnected(struct app *a)
{
    int result = conn_outcome_exit(conn_outcome(a->c));
    const char *err = conn_message(a->c);
    int sent = conn_close_code_sent(a->c);
    int rcvd = conn_close_code_received(a->c);
    bool ours = conn_closed_by_us(a->c);
    char human[1200];
    struct buf json;
    buf_init(&json);
    if (ours)
        snprintf(human, sizeof human, "disconnected: closed by us (%d)", sent);
    else if (rcvd)
        snprintf(human, sizeof human, "disconnected: %s",
                 *err ? err : "server closed the connection with 1000");
    else
        snprintf(human, sizeof human, "disconnected: %s", *err ? err : "connection closed");
    json_field(&json, "by", ours ? "client" : rcvd ? "server" : "error");
    if (rcvd || sent)
        json_number(&json, "code", rcvd ? rcvd : sent);
    if (rcvd)
        json_field(&json, "reason", conn_close_reason_received(a->c));
    if (*err && result != EXIT_OK)
        json_field(&json, "error", err);
    json_number(&json, "exit", result);
    event(a, "disconnected", human, &json);
    buf_free(&json);
}

/* -L followed a redirect: "* following 301 to URL (1 of 10)" (-v in pipe mode), or a JSON
 * event. The new connection's "connected" event follows. */
void events_on_redirect(void *ud, int status, const char *url, int hop)
{
    struct app *a = ud;
    char human[1200];
    if (a->o->max_redirs >= 0)
        snprintf(human, sizeof human, "following %d to %s (%d of %ld)", status, url, hop,
                 a->o->max_redirs);
    else
        snprintf(human, sizeof human, "following %d to %s (%d, no limit)", status, url, hop);
    struct buf json;
    buf_init(&json);
    json_number(&json, "status", status);
    json_field(&json, "location", url);
    json_number(&json, "hop", hop);
    event(a, "redirect", human, &json);
    buf_free(&json);
}

void events_reconnecting(struct app *a, double delay, unsigned attempt)
{
    char text[160];
    struct buf json;
    buf_init(&json);
    snprintf(text, sizeof text, "reconnecting in %.1f s (attempt %u)", delay, attempt);
    json_number(&json, "delay", delay);
    json_number(&json, "attempt", attempt);
    event(a, "reconnecting", text, &json);
    buf_free(&json);
}
