/*
 * repl - the interactive terminal: GNU readline in callback mode inside wsc's poll() loop.
 *
 * Lines typed are handed to a callback; text printed while the user types (incoming messages,
 * events, errors) appears above the input line, and the prompt and the half-typed line are
 * redrawn intact. History is kept in a file across sessions (lines starting with a space are not
 * saved). Only this file includes readline. The terminal is restored by repl_free(), which is
 * also registered with atexit().
 */
#ifndef WSC_REPL_H
#define WSC_REPL_H

#include <stdbool.h>
#include <stddef.h>

enum repl_kind {
    REPL_RECEIVED, /* a message from the server */
    REPL_EVENT,    /* connected, established, disconnected ... */
    REPL_ERROR,
    REPL_INFO, /* /status, /help, ping RTT */
};

struct repl_config {
    const char *history_path; /* NULL: no history */
    bool color;
    /* A line was entered (NUL-terminated, owned by the callee only during the call), or line is
     * NULL at end of input (Ctrl-D on an empty line). */
    void (*on_line)(void *ud, char *line);
    void *ud;
};

/* Take over the terminal. Returns 0, or -1 (errno set). */
int repl_init(const struct repl_config *cfg);
/* Restore the terminal and save history. Safe to call twice. */
void repl_free(void);
/* stdin is readable: let readline read one character (may call on_line). */
void repl_read(void);
/* Print text (may hold several lines; no trailing newline needed) above the input line. */
void repl_print(enum repl_kind kind, const char *text, size_t len);
/* Change the prompt (e.g. to show the connection state) and redraw. */
void repl_set_prompt(const char *prompt);
/* The default history file: $XDG_STATE_HOME/wsc/history or ~/.local/state/wsc/history, with its
 * directory created. Heap string or NULL. */
char *repl_history_path(void);

#endif
