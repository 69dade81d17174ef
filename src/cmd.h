/*
 * cmd - the REPL's command language: the seed module's actions by hand.
 *
 * A line that does not start with '/' is Send Message; "//text" sends "/text". Commands:
 * /connect [TOKEN], /disconnect, /close [CODE [REASON]], /ping [PAYLOAD], /pong [PAYLOAD],
 * /binary HEX | /binary @FILE, /send @FILE, /status, /help, /quit.
 * Parsing is pure (no I/O): reading @FILE is left to the caller.
 */
#ifndef WSC_CMD_H
#define WSC_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum cmd_kind {
    CMD_NONE = 0, /* empty line: do nothing */
    CMD_SEND,     /* arg = the text to send */
    CMD_CONNECT,  /* arg = bearer token or "" */
    CMD_DISCONNECT,
    CMD_CLOSE, /* code (1000 when not given), arg = reason */
    CMD_PING,  /* arg = payload */
    CMD_PONG,
    CMD_BINARY,    /* data = decoded bytes, or file = path */
    CMD_SEND_FILE, /* file = path */
    CMD_STATUS,
    CMD_HELP,
    CMD_QUIT,
};

struct cmd {
    enum cmd_kind kind;
    const char *arg; /* points into the line; "" when absent */
    size_t arg_len;
    int code;         /* CMD_CLOSE */
    const char *file; /* CMD_BINARY/@FILE and CMD_SEND_FILE: NUL-terminated, points into line */
    struct buf data;  /* CMD_BINARY HEX: decoded bytes (caller frees with cmd_free) */
};

/*
 * Parse a line (NUL-terminated, modified in place: file names are cut out). Returns 0, or -1 with
 * *why set to a one-line static explanation (unknown command, bad code, bad hex, payload > 125).
 */
int cmd_parse(char *line, struct cmd *c, const char **why);
void cmd_free(struct cmd *c);

/* The command names, NULL-terminated, for completion and /help. */
extern const char *const cmd_names[];
/* Help text, one command per line. */
extern const char cmd_help[];

#endif
