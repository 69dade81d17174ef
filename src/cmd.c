/*
 * cmd - REPL command parsing; see cmd.h.
 */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hex.h"
#include "session.h"

const char *const cmd_names[] = {"/binary", "/close", "/connect", "/disconnect", "/help", "/ping",
                                 "/pong",   "/quit",  "/send",    "/status",     NULL};

const char cmd_help[] = "text                  send a text message (//text sends /text)\n"
                        "/connect [TOKEN]      connect or reconnect, optionally with a bearer "
                        "token\n"
                        "/disconnect           close with 1000 and stay here\n"
                        "/close [CODE [REASON]] close with a code and reason\n"
                        "/ping [PAYLOAD]       send a ping; the round-trip time is shown\n"
                        "/pong [PAYLOAD]       send an unsolicited pong\n"
                        "/binary HEX|@FILE     send a binary message\n"
                        "/send @FILE           send a file as one text message\n"
                        "/status               connection status and last messages\n"
                        "/help                 this list\n"
                        "/quit                 close and exit (also Ctrl-D)";

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
        c->arg = line[0] == '/' ? line + 1 : line;
        c->arg_len = strlen(c->arg);
        return 0;
    }
    char *name = line;
    char *rest = split_word(line);
    /* Payload arguments keep inner spaces but not trailing ones. */
    trim_end(rest);
    c->arg = rest;
    c->arg_len = strlen(rest);
    if (strcmp(name, "/connect") == 0) {
        c->kind = CMD_CONNECT;
        if (strpbrk(rest, " \t")) {
            *why = "/connect takes one token";
            return -1;
        }
    } else if (strcmp(name, "/disconnect") == 0) {
        c->kind = CMD_DISCONNECT;
    } else if (strcmp(name, "/close") == 0) {
        c->kind = CMD_CLOSE;
        c->code = WS_CLOSE_NORMAL;
        c->arg = "";
        c->arg_len = 0;
        if (*rest) {
            char *reason = split_word(rest), *end;
            errno = 0;
            long code = strtol(rest, &end, 10);
            if (*end || errno || code < 0 || code > 65535 ||
                !session_close_code_sendable((int)code)) {
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
        }
    } else if (strcmp(name, "/ping") == 0 || strcmp(name, "/pong") == 0) {
        c->kind = strcmp(name, "/ping") == 0 ? CMD_PING : CMD_PONG;
        if (c->arg_len > WS_MAX_CONTROL_PAYLOAD) {
            *why = "the payload of a ping or pong may be at most 125 bytes";
            return -1;
        }
    } else if (strcmp(name, "/binary") == 0) {
        c->kind = CMD_BINARY;
        if (rest[0] == '@') {
            c->file = rest + 1;
            if (!*c->file) {
                *why = "/binary @FILE needs a file name";
                return -1;
            }
        } else if (parse_hex(rest, &c->data, why) < 0) {
            buf_free(&c->data);
            return -1;
        }
    } else if (strcmp(name, "/send") == 0) {
        c->kind = CMD_SEND_FILE;
        if (rest[0] != '@' || !rest[1]) {
            *why = "/send takes @FILE (type plain text to send it)";
            return -1;
        }
        c->file = rest + 1;
    } else if (strcmp(name, "/status") == 0) {
        c->kind = CMD_STATUS;
    } else if (strcmp(name, "/help") == 0) {
        c->kind = CMD_HELP;
    } else if (strcmp(name, "/quit") == 0 || strcmp(name, "/exit") == 0) {
        c->kind = CMD_QUIT;
    } else {
        *why = "unknown command (see /help; //text sends a line starting with /)";
        return -1;
    }
    return 0;
}

void cmd_free(struct cmd *c)
{
    buf_free(&c->data);
}
