/*
 * cmd - REPL command parsing; see cmd.h.
 */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hex.h"
#include "session.h"

static int parse_hex(const char *s, struct buf *out, const char **why)
{
    int hi = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == ':' || *s == '\t')
            continue;
        int v = hex_value((unsigned char)*s);
        if (v < 0) {
            *why = "/binary takes hex digits (e.g. /binary 01ff 20) or @FILE";
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            uint8_t b = (uint8_t)(hi << 4 | v);
            if (buf_append(out, &b, 1) < 0) {
                *why = "out of memory";
                return -1;
            }
            hi = -1;
        }
    }
    if (hi >= 0) {
        *why = "/binary: odd number of hex digits";
        return -1;
    }
    return 0;
}

static char *skip_space(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Split "word rest": NUL-terminates word, returns rest (without leading space). */
static char *split_word(char *s)
{
    while (*s && *s != ' ' && *s != '\t')
        s++;
    if (*s)
        *s++ = '\0';
    return skip_space(s);
}

static void trim_end(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* --- argument parsers: rest is the line after the name, without outer spaces --- */

static int parse_connect(char *rest, struct cmd *c, const char **why)
{
    if (strpbrk(rest, " \t")) {
        *why = "/connect takes one token";
        return -1;
    }
    return 0;
}

static int parse_close(char *rest, struct cmd *c, const char **why)
{
    c->code = WS_CLOSE_NORMAL;
    c->arg = "";
    c->arg_len = 0;
    if (!*rest)
        return 0;
    char *reason = split_word(rest), *end;
    errno = 0;
    long code = strtol(rest, &end, 10);
    if (*end || errno || code < 0 || code > 65535 || !session_close_code_sendable((int)code)) {
        *why = "/close: the code must be 1000-1003, 1007-1014 or 3000-4999 "
               "(1005, 1006 and 1015 are never sent)";
        return -1;
    }
    c->code = (int)code;
    c->arg = reason;
    c->arg_len = strlen(reason);
    if (c->arg_len > 123) {
        *why = "/close: the reason may be at most 123 bytes";
        return -1;
    }
    return 0;
}

static int parse_control(char *rest, struct cmd *c, const char **why)
{
    if (c->arg_len > WS_MAX_CONTROL_PAYLOAD) {
        *why = "the payload of a ping or pong may be at most 125 bytes";
        return -1;
    }
    return 0;
}

static int parse_binary(char *rest, struct cmd *c, const char **why)
{
    if (rest[0] == '@') {
        c->file = rest + 1;
        if (!*c->file) {
            *why = "/binary @FILE needs a file name";
            return -1;
        }
        return 0;
    }
    if (parse_hex(rest, &c->data, why) < 0) {
        buf_free(&c->data);
        return -1;
    }
    return 0;
}

static int parse_send(char *rest, struct cmd *c, const char **why)
{
    if (rest[0] != '@' || !rest[1]) {
        *why = "/send takes @FILE (type plain text to send it)";
        return -1;
    }
    c->file = rest + 1;
    return 0;
}

/* The REPL's commands, one row each: /help, Tab completion, parsing and dispatch follow from
 * it, and tests/it_docs.sh checks that README.md and man/wsc.1 list exactly these names (it reads
 * the rows below: keep one row a line, starting with {"/name"). */
const struct cmd_entry cmd_table[] = {
    {"/connect", "[TOKEN]", "connect or reconnect, optionally with a bearer token", CMD_CONNECT,
     CMD_SECRET_ARGS, parse_connect, act_connect},
    {"/disconnect", "", "close with 1000 and stay here", CMD_DISCONNECT, 0, NULL, act_disconnect},
    {"/close", "[CODE [REASON]]", "close with a code and reason", CMD_CLOSE, 0, parse_close,
     act_close},
    {"/ping", "[PAYLOAD]", "send a ping; the round-trip time is shown", CMD_PING, 0, parse_control,
     act_ping},
    {"/pong", "[PAYLOAD]", "send an unsolicited pong", CMD_PONG, 0, parse_control, act_pong},
    {"/binary", "HEX|@FILE", "send a binary message", CMD_BINARY, 0, parse_binary, act_binary},
    {"/send", "@FILE", "send a file as one text message", CMD_SEND_FILE, 0, parse_send,
     act_send_file},
    {"/status", "", "connection status and last messages", CMD_STATUS, 0, NULL, act_status},
    {"/help", "", "this list", CMD_HELP, 0, NULL, act_help},
    {"/quit", "", "close and exit (also Ctrl-D)", CMD_QUIT, 0, NULL, act_quit},
    {"/exit", "", "the same as /quit", CMD_QUIT, 0, NULL, act_quit},
    {NULL, NULL, NULL, CMD_NONE, 0, NULL, NULL},
};

static const struct cmd_entry send_entry = {
    "text", "", "send a text message (//text sends /text)", CMD_SEND, 0, NULL, act_send};

const struct cmd_entry *cmd_find(const char *name, size_t len)
{
    for (const struct cmd_entry *e = cmd_table; e->name; e++)
        if (strlen(e->name) == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

int cmd_parse(char *line, struct cmd *c, const char **why)
{
    memset(c, 0, sizeof *c);
    buf_init(&c->data);
    c->arg = "";
    if (line[0] == '\0') {
        c->kind = CMD_NONE;
        return 0;
    }
    if (line[0] != '/' || line[1] == '/') {
        c->kind = CMD_SEND;
        c->entry = &send_entry;
        c->arg = line[0] == '/' ? line + 1 : line;
        c->arg_len = strlen(c->arg);
        return 0;
    }
    char *name = line;
    char *rest = split_word(line);
    const struct cmd_entry *e = cmd_find(name, strlen(name));
    if (e == NULL) {
        *why = "unknown command (see /help; //text sends a line starting with /)";
        return -1;
    }
    c->kind = e->kind;
    c->entry = e;
    /* Payload arguments keep inner spaces but not trailing ones. */
    trim_end(rest);
    c->arg = rest;
    c->arg_len = strlen(rest);
    return e->parse ? e->parse(rest, c, why) : 0;
}

int cmd_help_format(struct buf *out)
{
    size_t width = strlen(send_entry.name);
    for (const struct cmd_entry *e = cmd_table; e->name; e++) {
        size_t w = strlen(e->name) + (*e->args ? 1 + strlen(e->args) : 0);
        if (w > width)
            width = w;
    }
    const struct cmd_entry *e = &send_entry;
    for (size_t i = 0; e; i++) {
        char line[256];
        char usage[128];
        snprintf(usage, sizeof usage, "%s%s%s", e->name, *e->args ? " " : "", e->args);
        int n =
            snprintf(line, sizeof line, "%s%-*s  %s", i ? "\n" : "", (int)width, usage, e->help);
        if (n < 0 || buf_append(out, line, (size_t)n) < 0)
            return -1;
        e = cmd_table[i].name ? &cmd_table[i] : NULL;
    }
    return 0;
}

size_t cmd_history_line(const char *line, size_t len)
{
    if (len == 0 || line[0] != '/' || (len > 1 && line[1] == '/'))
        return len;
    size_t n = 0;
    while (n < len && line[n] != ' ' && line[n] != '\t')
        n++;
    const struct cmd_entry *e = cmd_find(line, n);
    return e && (e->flags & CMD_SECRET_ARGS) ? n : len;
}

void cmd_free(struct cmd *c)
{
    buf_free(&c->data);
}
