/*
 * cmd - the REPL's command language: the actions of the module wsc grew out of, by hand.
 *
 * A line that does not start with '/' is Send Message; "//text" sends "/text". Each command is
 * one row of cmd_table (name, arguments, help, kind, argument parser, handler), as tmux's
 * cmd_entry: parsing, /help, Tab completion and the docs test all come from it. Commands:
 * /connect [TOKEN], /disconnect, /close [CODE [REASON]], /ping [PAYLOAD], /pong [PAYLOAD],
 * /binary HEX | /binary @FILE, /send @FILE, /status, /help, /quit (and /exit).
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

struct cmd;
struct app;

enum cmd_flags {
    CMD_SECRET_ARGS = 1, /* the arguments are secret: history keeps only the name */
};

struct cmd_entry {
    const char *name; /* "/close" */
    const char *args; /* usage of the arguments, "[CODE [REASON]]"; "" for none */
    const char *help; /* one line for /help */
    enum cmd_kind kind;
    unsigned flags; /* enum cmd_flags */
    /* Check and split the arguments (rest: after the name, outer spaces removed; c->arg and
     * c->arg_len already point at it). NULL: arguments are ignored. 0, or -1 with *why. */
    int (*parse)(char *rest, struct cmd *c, const char **why);
    /* Do it (actions.c): called with the parsed command. */
    void (*run)(struct app *a, struct cmd *c);
};

/* The handlers, in actions.c. */
void act_send(struct app *a, struct cmd *c);
void act_connect(struct app *a, struct cmd *c);
void act_disconnect(struct app *a, struct cmd *c);
void act_close(struct app *a, struct cmd *c);
void act_ping(struct app *a, struct cmd *c);
void act_pong(struct app *a, struct cmd *c);
void act_binary(struct app *a, struct cmd *c);
void act_send_file(struct app *a, struct cmd *c);
void act_status(struct app *a, struct cmd *c);
void act_help(struct app *a, struct cmd *c);
void act_quit(struct app *a, struct cmd *c);

/* The commands, ending with a row whose name is NULL. */
extern const struct cmd_entry cmd_table[];

/* The row named exactly name[0..len), or NULL. */
const struct cmd_entry *cmd_find(const char *name, size_t len);

struct cmd {
    enum cmd_kind kind;
    const struct cmd_entry *entry; /* the row (CMD_SEND has its own); NULL for CMD_NONE */
    const char *arg;               /* points into the line; "" when absent */
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

/* Append the /help text: one line per command (plain text first), usage in an aligned column,
 * no final newline. Returns 0 or -1 when out of memory. */
int cmd_help_format(struct buf *out);

/* How much of a typed line (len bytes) may go to the history: len, or only the command name when
 * the command's arguments are secret (/connect TOKEN is kept as "/connect"). */
size_t cmd_history_line(const char *line, size_t len);

#endif
