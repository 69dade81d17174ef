/*
 * loop - the one poll() loop: its slots (signals, the connection, stdin, stdout), its deadlines,
 * and the self-pipe that turns signals into events; see loop.h. Pipe mode is in pipe.c, the
 * REPL's actions in actions.c, events in events.c, keep-alive and reconnect in stayup.c.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "exitcode.h"
#include "conn_options.h"
#include "output.h"

static int sig_pipe[2] = {-1, -1};

static volatile sig_atomic_t stop_signals;
static volatile sig_atomic_t stop_direct; /* pipe mode: no terminal to restore on the way out */

static bool interrupting(int sig)
{
    return sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

static void on_signal(int sig)
{
    int saved = errno;
    /* A second SIGINT/SIGTERM/SIGHUP ends wsc at once, whatever the loop is doing. */
    if (interrupting(sig) && ++stop_signals >= 2 && stop_direct) {
        output_restore(); /* stdout's flags, if wsc had to change them */
        _exit(128 + sig);
    }
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
    /* The terminal went away (window closed, tmux kill-window): close politely, save the
     * history, as for SIGTERM. */
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* --- what the other parts share (app.h) ---------------------------------------------------- */

bool app_conn_live(const struct app *a)
{
    enum conn_state st = conn_state(a->c);
    return st != CONN_DONE && st != CONN_IDLE;
}

int app_send(struct app *a, int opcode, const uint8_t *data, size_t len)
{
    int rc = conn_send(a->c, opcode, data, len);
    if (rc == 0)
        status_sent(&a->st, opcode == WS_OP_BINARY, data, len);
    return rc;
}

void app_fail(struct app *a, enum conn_outcome outcome, const char *detail)
{
    if (a->end.exit_override == 0) {
        a->end.exit_override = conn_outcome_exit(outcome);
        conn_outcome_message(outcome, detail, a->end.why, sizeof a->end.why);
    }
    a->end.quitting = true;
    a->end.drop_output = true; /* e.g. --timeout with stdout blocked: leave now */
    if (a->end.done)
        return;
    if (conn_state(a->c) == CONN_OPEN) {
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
        conn_flush(a->c);
    }
    conn_abort(a->c, outcome, detail);
}

void app_stop_output(struct app *a, const char *what)
{
    if (a->end.exit_override == 0) {
        a->end.exit_override = EXIT_WRITE;
        snprintf(a->end.why, sizeof a->end.why, "cannot write to stdout: %s", what);
    }
    a->end.quitting = true;
    a->end.drop_output = true;
    if (!a->end.done && app_conn_live(a))
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
}

void app_quit(struct app *a)
{
    a->end.quitting = true;
    if (a->mode == MODE_REPL)
        repl_set_prompt(""); /* no prompt is drawn again on the way out */
    if (conn_state(a->c) == CONN_OPEN) {
        a->up.user_closed = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    } else if (app_conn_live(a)) {
        conn_abort(a->c, CONN_ABORTED, "");
    } else {
        a->end.done = true;
    }
}

/* --- signals ------------------------------------------------------------------------------- */

static void interrupted(struct app *a, int sig)
{
    enum conn_outcome out = conn_outcome_for_signal(sig);
    if (++a->end.interrupts > 1 || (conn_state(a->c) != CONN_OPEN && a->mode == MODE_PIPE) ||
        !app_conn_live(a)) {
        /* At once: a second signal, or nothing to close politely. */
        a->end.exit_override = conn_outcome_exit(out);
        conn_outcome_message(out, "", a->end.why, sizeof a->end.why);
        a->end.quitting = true;
        a->end.drop_output = true;
        if (!app_conn_live(a))
            a->end.done = true;
        else
            conn_abort(a->c, out, "");
        return;
    }
    if (a->mode == MODE_PIPE) {
        /* Close politely, then exit 128 + sig: a cancelled job never looks like a success. */
        a->end.signal = sig;
        log_msg(LOG_NOTE, "closing (interrupt again to quit at once)");
    } else {
        events_show(a, REPL_EVENT, LOG_NOTE,
                    sig == SIGINT ? "* closing (Ctrl-C again to quit at once)" : "* closing");
    }
    app_quit(a);
}

static void handle_signals(struct app *a)
{
    unsigned char sigs[16];
    ssize_t n = read(sig_pipe[0], sigs, sizeof sigs);
    for (ssize_t i = 0; i < n; i++) {
        int sig = sigs[i];
        if (interrupting(sig)) {
            interrupted(a, sig);
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

/* --- a connection ended -------------------------------------------------------------------- */

/* Tell, then exit, stay (REPL) or reconnect. */
static void connection_ended(struct app *a)
{
    int result = conn_outcome_exit(conn_outcome(a->c));
    pipe_connection_ended(a);
    a->end.result = result;
    events_disconnected(a);
    if (a->end.quitting || a->end.exit_override) {
        a->end.done = true;
        return;
    }
    if (a->act.connect_pending) {
        a->act.connect_pending = false;
        stayup_start(a);
        return;
    }
    if (stayup_ended(a, result, conn_message(a->c)))
        return;
    if (a->mode == MODE_PIPE)
        a->end.done = true;
    events_prompt(a);
}

/* --- the loop ------------------------------------------------------------------------------ */

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

/* stdout backpressure: the connection stops reading while stdout is behind (output_over()). */
static bool rx_paused(void *ud)
{
    const struct app *a = ud;
    return a->mode == MODE_PIPE && output_over();
}

/* 44 instead: match options are given, at least one message was filtered out, and the run ended
 * (a normal close, the end of -w, the --timeout deadline) before enough of them matched (one, or
 * --count). Silence keeps its 28, an early close its 43 when every message received matched. */
static bool no_match(const struct app *a, int rc)
{
    const struct match *m = output_match();
    struct match_counts n = match_counts(m);
    if (m == NULL || n.received <= n.matched)
        return false; /* nothing was filtered out: not a wrong reply */
    bool deadline =
        rc == EXIT_TIMEOUT && a->overall_deadline >= 0 && conn_now() >= a->overall_deadline;
    if (rc != EXIT_OK && rc != EXIT_COUNT && !deadline)
        return false;
    return a->o->count > 0 ? !a->pipe.count_done : n.matched == 0;
}

/* The exit code and its message, once the loop is over. */
static int finish(struct app *a)
{
    const struct options *o = a->o;
    int rc = a->end.exit_override ? a->end.exit_override : a->end.result;
    const char *why = a->end.exit_override ? a->end.why : conn_message(a->c);
    if (a->mode == MODE_REPL && rc != EXIT_OK && !a->end.exit_override && !o->reconnect &&
        a->end.quitting)
        rc = EXIT_OK; /* the user quit the REPL; earlier failures were shown as they came */
    if (a->mode == MODE_PIPE && a->end.signal && !a->end.exit_override) {
        enum conn_outcome out = conn_outcome_for_signal(a->end.signal);
        rc = conn_outcome_exit(out);
        why = conn_outcome_message(out, "", a->end.why, sizeof a->end.why);
    }
    if (rc == EXIT_OK && o->count > 0 && !a->pipe.count_done && a->mode == MODE_PIPE) {
        rc = EXIT_COUNT;
        snprintf(a->end.why, sizeof a->end.why,
                 "connection closed after %ld of %ld messages (--count)", a->pipe.written,
                 o->count);
        why = a->end.why;
    }
    if (a->mode == MODE_PIPE && no_match(a, rc)) {
        struct match *m = output_match();
        struct match_counts n = match_counts(m);
        rc = EXIT_NO_MATCH;
        snprintf(a->end.why, sizeof a->end.why, "received %lu message%s, %lu matched %s",
                 n.received, n.received == 1 ? "" : "s", n.matched, match_names(m));
        if (n.not_json)
            snprintf(a->end.why + strlen(a->end.why), sizeof a->end.why - strlen(a->end.why),
                     " (%lu not JSON)", n.not_json);
        why = a->end.why;
    }
    if (a->mode == MODE_PIPE) {
        if (rc != EXIT_OK && *why)
            log_error("%s", why);
        else if (*why && !o->reconnect)
            log_msg(LOG_NOTE, "%s", why);
    }
    writeout_run_emit(a, rc, why);
    return rc;
}

enum { SLOT_SIGNAL, SLOT_CONN, SLOT_STDIN, SLOT_STDOUT, NSLOTS };

/* Fill the slots and return the poll timeout (ms, -1 = none). */
static int prepare(struct app *a, struct pollfd *pfd, int64_t now)
{
    bool done = a->end.done;
    bool pipe = a->mode == MODE_PIPE;
    /* Backpressure: while stdout is behind (output_over()), the socket is not read
     * (conn asks rx_paused()). */
    short conn_events = conn_poll_events(a->c);
    bool in = !done && (pipe ? pipe_want_stdin(a) : !a->end.quitting);
    bool want_out = pipe && output_pending() > 0 && !a->end.drop_output;
    bool watch_out = pipe && a->pipe.stdout_pipe && a->end.exit_override == 0;
    pfd[SLOT_SIGNAL] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
    pfd[SLOT_CONN] = (struct pollfd){.fd = !done && app_conn_live(a) ? conn_fd(a->c) : -1,
                                     .events = conn_events};
    pfd[SLOT_STDIN] = (struct pollfd){.fd = in ? STDIN_FILENO : -1, .events = POLLIN};
    pfd[SLOT_STDOUT] = (struct pollfd){.fd = want_out || watch_out ? output_fd() : -1,
                                       .events = want_out ? POLLOUT : 0};
    int64_t deadline = a->overall_deadline;
    if (!done) {
        deadline = earliest(deadline, conn_deadline(a->c));
        deadline = earliest(deadline, pipe_deadline(a));
        deadline = earliest(deadline, stayup_deadline(a));
    }
    if (deadline < 0)
        return -1;
    return deadline <= now ? 0 : (int)(deadline - now);
}

static void run(struct app *a)
{
    for (;;) {
        int64_t now = conn_now();
        if (!a->end.done) {
            pipe_pump(a);
            pipe_tick(a, now);
            stayup_tick(a, now);
            if (conn_state(a->c) == CONN_DONE) {
                connection_ended(a); /* each ended connection once: reset marks it reported */
                conn_reset(a->c);
            }
            stayup_reconnect(a, now);
        }
        if (output_flush() < 0 && a->end.exit_override == 0)
            app_stop_output(a, strerror(errno));
        /* Done, once stdout has taken what is buffered (the reader may be slow: the loop goes on
         * waiting for it, with signals and --timeout working). */
        if (a->end.done && (output_pending() == 0 || a->end.drop_output))
            return;

        struct pollfd pfd[NSLOTS];
        int n = poll(pfd, NSLOTS, prepare(a, pfd, now));
        if (n < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            a->end.exit_override = EXIT_INTERNAL;
            return;
        }
        status_tick(&a->st);
        if (n > 0 && pfd[SLOT_SIGNAL].revents)
            handle_signals(a);
        if (n > 0 && pfd[SLOT_CONN].fd >= 0 && pfd[SLOT_CONN].revents && !a->end.done)
            conn_handle(a->c, pfd[SLOT_CONN].revents);
        if (n > 0 && pfd[SLOT_STDIN].fd >= 0 && pfd[SLOT_STDIN].revents && !a->end.done) {
            if (a->mode == MODE_REPL)
                repl_read();
            else
                pipe_read_stdin(a);
        }
        short out = n > 0 && pfd[SLOT_STDOUT].fd >= 0 ? pfd[SLOT_STDOUT].revents : 0;
        if (out & (POLLERR | POLLHUP)) {
            app_stop_output(a, strerror(EPIPE));
        } else if ((out & POLLOUT) && output_flush() < 0 && a->end.exit_override == 0) {
            app_stop_output(a, strerror(errno));
        }

        now = conn_now();
        if (a->overall_deadline >= 0 && now >= a->overall_deadline && a->end.exit_override == 0) {
            char why[96];
            snprintf(why, sizeof why, "after %g s (--timeout)", a->o->timeout);
            app_fail(a, CONN_ERR_TIMEOUT, why);
        }
        if (!a->end.done)
            conn_timer(a->c);
    }
}

int loop_run(const struct options *o)
{
    struct app a;
    memset(&a, 0, sizeof a);
    a.o = o;
    a.overall_deadline = o->timeout > 0 ? conn_now() + (int64_t)(o->timeout * 1000) : -1;
    pipe_init(&a);
    stayup_init(&a);
    int wrc = writeout_run_init(&a);
    if (wrc != 0) {
        pipe_free(&a);
        return wrc;
    }
    a.mode =
        a.pipe.stdin_open && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? MODE_REPL : MODE_PIPE;
    a.act.color = a.mode == MODE_REPL && use_color(o);
    stop_direct = a.mode == MODE_PIPE;
    status_init(&a.st);
    /* Only pipe mode writes messages to stdout (the REPL prints through readline). */
    output_init(o, a.mode == MODE_PIPE ? STDOUT_FILENO : -1);
    if (signals_init() < 0) {
        log_error("cannot set up signal handling: %s", strerror(errno));
        output_free();
        return EXIT_INTERNAL;
    }
    struct conn_handlers h = {
        .on_state = events_on_state,
        .on_tcp_connected = events_on_tcp_connected,
        .on_message = pipe_on_message,
        .on_ping = events_on_ping,
        .on_pong = events_on_pong,
        .rx_paused = rx_paused,
        .on_redirect = events_on_redirect,
    };
    conn_options_config(o, NULL, &a.conn_cfg);
    a.c = conn_new(&a.conn_cfg, &h, &a);
    if (a.c == NULL) {
        log_error("out of memory");
        output_free();
        return EXIT_INTERNAL;
    }
    char *history = NULL;
    if (a.mode == MODE_REPL) {
        history = o->no_history ? NULL : repl_history_path();
        struct repl_config rc = {
            .history_path = history, .color = a.act.color, .on_line = actions_on_line, .ud = &a};
        if (repl_init(&rc) < 0) {
            log_error("cannot start the terminal interface");
            return EXIT_INTERNAL;
        }
        log_set_writer(repl_log_writer);
    }
    stayup_start(&a);
    run(&a);

    if (a.mode == MODE_REPL) {
        repl_free();
        log_set_writer(NULL);
    }
    int rc = finish(&a);
    writeout_run_free(&a);
    conn_free(a.c);
    pipe_free(&a);
    output_free();
    actions_free(&a);
    free(history);
    return rc;
}
