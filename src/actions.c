/*
 * actions - the REPL's commands at work: the handlers named in cmd_table (cmd.c), and the line
 * callback that parses a typed line and runs its row's handler; see app.h and cmd.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app.h"
#include "cmd.h"
#include "utf8.h"

#define ACTIONS_FILE_MAX (64u << 20) /* largest file /send and /binary read */

static int read_file(const char *path, struct buf *out, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    for (;;) {
        if (out->len > ACTIONS_FILE_MAX) {
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

static bool require_open(struct app *a, const char *what)
{
    if (conn_state(a->c) == CONN_OPEN)
        return true;
    events_errorf(a, "not connected (%s): %s not sent; use /connect",
                  conn_state_name(conn_state(a->c)), what);
    return false;
}

/* Wipe and free a token given with /connect. */
static void forget_token(struct actions *act)
{
    if (act->authorization) {
        explicit_bzero(act->authorization, strlen(act->authorization));
        free(act->authorization);
        act->authorization = NULL;
    }
}

void actions_free(struct app *a)
{
    forget_token(&a->act);
}

void act_send(struct app *a, struct cmd *c)
{
    if (!require_open(a, "message"))
        return;
    if (!utf8_valid((const uint8_t *)c->arg, c->arg_len))
        events_errorf(a, "the line is not valid UTF-8: not sent");
    else
        app_send(a, WS_OP_TEXT, (const uint8_t *)c->arg, c->arg_len);
}

void act_connect(struct app *a, struct cmd *c)
{
    struct actions *act = &a->act;
    if (c->arg_len > 0) {
        for (size_t i = 0; i < a->o->nheaders; i++)
            if (strncasecmp(a->o->headers[i], "authorization:", 14) == 0) {
                events_errorf(a, "/connect TOKEN conflicts with -H Authorization");
                return;
            }
        for (size_t i = 0; i < c->arg_len; i++)
            if ((unsigned char)c->arg[i] < 0x21 || c->arg[i] == 0x7f) {
                events_errorf(a, "/connect: the token must be printable, without spaces");
                return;
            }
        /* The new token is in place before the old one goes: on failure the configuration
         * keeps pointing at the old one, never at freed memory. */
        char *token = NULL;
        if (asprintf(&token, "Bearer %s", c->arg) < 0) {
            events_errorf(a, "out of memory: the token was not set");
            return;
        }
        const char *old = a->conn_cfg.authorization;
        a->conn_cfg.authorization = token;
        if (conn_configure(a->c, &a->conn_cfg) < 0) {
            a->conn_cfg.authorization = old;
            explicit_bzero(token, strlen(token));
            free(token);
            events_errorf(a, "out of memory: the token was not set");
            return;
        }
        forget_token(act);
        act->authorization = token;
    }
    a->up.reconnect_at = -1;
    if (!app_conn_live(a)) {
        stayup_start(a);
    } else if (conn_state(a->c) == CONN_OPEN) {
        act->connect_pending = true;
        a->up.user_closed = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    } else {
        act->connect_pending = true;
        conn_abort(a->c, CONN_ABORTED, "");
    }
}

static void close_with(struct app *a, int code, const char *reason)
{
    if (conn_state(a->c) != CONN_OPEN) {
        a->up.reconnect_at = -1;
        if (app_conn_live(a))
            conn_abort(a->c, CONN_ABORTED, "");
        events_prompt(a);
        return;
    }
    a->up.user_closed = true;
    if (conn_close(a->c, code, reason) == CONN_SEND_INVALID)
        events_errorf(a, "invalid close code or reason");
}

void act_disconnect(struct app *a, struct cmd *c)
{
    close_with(a, WS_CLOSE_NORMAL, NULL);
}

void act_close(struct app *a, struct cmd *c)
{
    close_with(a, c->code, c->arg);
}

void act_ping(struct app *a, struct cmd *c)
{
    struct actions *act = &a->act;
    if (!require_open(a, "ping"))
        return;
    if (c->arg_len == 0) {
        act->uping_len =
            (size_t)snprintf((char *)act->uping, sizeof act->uping, "wsc-ping-%u", ++act->ping_seq);
    } else {
        memcpy(act->uping, c->arg, c->arg_len);
        act->uping_len = c->arg_len;
    }
    if (conn_ping(a->c, act->uping, act->uping_len) == 0) {
        act->uping_active = true;
        clock_gettime(CLOCK_MONOTONIC, &act->uping_at);
    }
}

bool actions_pong(struct app *a, const uint8_t *data, size_t len)
{
    struct actions *act = &a->act;
    if (!act->uping_active || len != act->uping_len || memcmp(data, act->uping, len) != 0)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - act->uping_at.tv_sec) * 1e3 +
                (double)(now.tv_nsec - act->uping_at.tv_nsec) / 1e6;
    act->uping_active = false;
    a->st.rtt_ms = ms; /* /status shows what was printed here, to the microsecond */
    char text[96];
    snprintf(text, sizeof text, "* pong: round trip %.3f ms", ms);
    events_show(a, REPL_INFO, LOG_NOTE, text);
    return true;
}

void act_pong(struct app *a, struct cmd *c)
{
    if (require_open(a, "pong"))
        conn_pong(a->c, (const uint8_t *)c->arg, c->arg_len);
}

void act_binary(struct app *a, struct cmd *c)
{
    struct buf file;
    const char *why = NULL;
    buf_init(&file);
    if (c->file && read_file(c->file, &file, &why) < 0)
        events_errorf(a, "/binary: %s: %s", c->file, why);
    else if (require_open(a, "message")) {
        const struct buf *b = c->file ? &file : &c->data;
        app_send(a, WS_OP_BINARY, b->len ? buf_head(b) : (const uint8_t *)"", b->len);
    }
    buf_free(&file);
}

void act_send_file(struct app *a, struct cmd *c)
{
    struct buf file;
    const char *why = NULL;
    buf_init(&file);
    const uint8_t *data = (const uint8_t *)"";
    if (read_file(c->file, &file, &why) < 0) {
        events_errorf(a, "/send: %s: %s", c->file, why);
    } else if (file.len && (data = buf_head(&file), !utf8_valid(data, file.len))) {
        events_errorf(a, "/send: %s is not valid UTF-8 (use /binary @%s)", c->file, c->file);
    } else if (require_open(a, "file")) {
        app_send(a, WS_OP_TEXT, data, file.len);
    }
    buf_free(&file);
}

void act_status(struct app *a, struct cmd *c)
{
    struct buf b;
    buf_init(&b);
    if (status_format(&a->st, &b) == 0 && buf_append(&b, "", 1) == 0)
        events_show(a, REPL_INFO, LOG_NOTE, (const char *)buf_head(&b));
    buf_free(&b);
}

void act_help(struct app *a, struct cmd *c)
{
    struct buf b;
    buf_init(&b);
    if (cmd_help_format(&b) == 0 && buf_append(&b, "", 1) == 0)
        events_show(a, REPL_INFO, LOG_NOTE, (const char *)buf_head(&b));
    buf_free(&b);
}

void act_quit(struct app *a, struct cmd *c)
{
    app_quit(a);
}

void actions_on_line(void *ud, char *line)
{
    struct app *a = ud;
    if (line == NULL) { /* Ctrl-D */
        app_quit(a);
        return;
    }
    struct cmd c;
    const char *why = NULL;
    if (cmd_parse(line, &c, &why) < 0) {
        events_errorf(a, "%s", why);
        cmd_free(&c);
        return;
    }
    if (c.entry && c.entry->run)
        c.entry->run(a, &c);
    cmd_free(&c);
    conn_flush(a->c);
}
