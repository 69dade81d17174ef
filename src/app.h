/*
 * app - what the parts around the poll loop share (internal to loop.c, pipe.c, actions.c,
 * events.c and stayup.c; nothing else includes it).
 *
 * struct app only gathers one struct per job, each owned by one file: how the run ends (loop.c),
 * pipe mode (pipe.c), the REPL's actions (actions.c), keep-alive and reconnect (stayup.c).
 * Events read all of them and own none.
 */
#ifndef WSC_APP_H
#define WSC_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cli.h"
#include "conn.h"
#include "input.h"
#include "log.h"
#include "policy.h"
#include "repl.h"
#include "status.h"

enum app_mode { MODE_PIPE, MODE_REPL };

/* How the run ends (loop.c). */
struct ending {
    int exit_override; /* a result decided outside the connection (stdout, input, --timeout,
                        * a second signal), 0 = none */
    char why[512];
    bool quitting;    /* the user or the input is done: exit once the connection is closed */
    bool done;        /* leave the loop (after stdout took what is buffered, unless drop_output) */
    bool drop_output; /* leave without waiting for stdout (interrupt, --timeout, write error) */
    int result;       /* exit code of the last connection */
    int interrupts;   /* SIGINT, SIGTERM and SIGHUP so far */
    int signal;       /* the first of them, in pipe mode: exit 128 + signal after the close */
};

/* Pipe mode (pipe.c): stdin records, -x, --wait, --count. */
struct pipe_mode {
    struct input in;
    bool stdin_open;
    bool stdout_pipe; /* poll stdout for POLLERR: the reader went away */
    long written;     /* messages written to stdout (--count) */
    bool count_done;
    bool executed;         /* -x messages sent on this connection */
    int64_t wait_deadline; /* after end of input; -1 = not armed */
};

/* The REPL's actions (actions.c). */
struct actions {
    bool color;
    char *authorization;  /* /connect TOKEN: replaces the configured credentials */
    bool connect_pending; /* /connect while the old connection closes */
    /* /ping */
    uint8_t uping[WS_MAX_CONTROL_PAYLOAD];
    size_t uping_len;
    struct timespec uping_at;
    bool uping_active;
    unsigned ping_seq;
};

/* Keep-alive and reconnect (stayup.c). */
struct stayup {
    struct keepalive ka;
    unsigned attempts;      /* since the last stable connection */
    int64_t reconnect_at;   /* -1 = none scheduled */
    int64_t established_at; /* 0 = not established */
    bool user_closed;       /* our own close: no reconnect */
    bool rx_paused;         /* reading was paused by stdout backpressure at the last look */
};

/* --write-out (writeout_run.c). */
struct writeout_state {
    struct writeout *fmt; /* the parsed format; NULL without --write-out */
    double ka_rtt_ms;     /* the last keep-alive ping's round trip, 0 = none */
};

struct app {
    const struct options *o;
    enum app_mode mode;
    struct conn *c;
    struct conn_config conn_cfg; /* from *o; /connect TOKEN changes the authorization */
    struct status st;
    int64_t overall_deadline; /* --timeout; -1 = none */
    struct ending end;
    struct pipe_mode pipe;
    struct actions act;
    struct stayup up;
    struct writeout_state wo;
};

/* loop.c */
bool app_conn_live(const struct app *a); /* an attempt or connection not yet reported ended */
int app_send(struct app *a, int opcode, const uint8_t *data, size_t len);
/* Give up with this outcome, after sending our close if we can. */
void app_fail(struct app *a, enum conn_outcome outcome, const char *detail);
/* stdout failed: exit 23 after a polite close. */
void app_stop_output(struct app *a, const char *what);
/* The user (or a signal) is done: close with 1000 and exit once closed. */
void app_quit(struct app *a);

/* events.c: human lines, event lines and JSON events; the connection's callbacks */
void events_show(struct app *a, enum repl_kind kind, enum log_level level, const char *text);
void events_errorf(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void events_prompt(struct app *a);
void events_message(struct app *a, int opcode, const uint8_t *data, size_t len);
void events_disconnected(struct app *a);
void events_reconnecting(struct app *a, double delay, unsigned attempt);
void events_on_tcp_connected(void *ud, const char *peer);
void events_on_state(void *ud, enum conn_state st);
void events_on_ping(void *ud, const uint8_t *data, size_t len);
void events_on_pong(void *ud, const uint8_t *data, size_t len);
void events_on_redirect(void *ud, int status, const char *url, int hop);

/* pipe.c */
void pipe_init(struct app *a);
void pipe_free(struct app *a);
void pipe_on_message(void *ud, int opcode, const uint8_t *data, size_t len);
void pipe_established(struct app *a);
void pipe_pump(struct app *a); /* queued records (and -x) into frames */
bool pipe_want_stdin(struct app *a);
void pipe_read_stdin(struct app *a);
void pipe_tick(struct app *a, int64_t now); /* acknowledgements, --wait */
int64_t pipe_deadline(const struct app *a);
void pipe_connection_ended(struct app *a);

/* actions.c: the handlers of cmd_table, and the line callback */
void actions_on_line(void *ud, char *line);
bool actions_pong(struct app *a, const uint8_t *data, size_t len); /* true: /ping's answer */
void actions_free(struct app *a);

/* stayup.c: keep-alive and reconnect, wired to policy.c */
void stayup_init(struct app *a);
void stayup_established(struct app *a, int64_t now);
void stayup_start(struct app *a);                  /* start a connection (attempt) now */
void stayup_tick(struct app *a, int64_t now);      /* keep-alive */
void stayup_reconnect(struct app *a, int64_t now); /* start a reconnect that is due */
int64_t stayup_deadline(const struct app *a);
/* The connection ended (already reported): schedule a reconnect, or say why not. Returns true
 * when a reconnect is scheduled. */
bool stayup_ended(struct app *a, int result, const char *err);

/* writeout_run.c: --write-out. init parses the format (0, or an exit code after a message);
 * emit renders it once as the run ends; pong records a keep-alive ping's round trip. */
int writeout_run_init(struct app *a);
void writeout_run_emit(struct app *a, int rc, const char *why);
void writeout_run_pong(struct app *a);
void writeout_run_free(struct app *a);
#endif
