/*
 * loop - the poll() loop and pipe mode; see loop.h.
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

#include "conn.h"
#include "input.h"
#include "log.h"
#include "output.h"
#include "utf8.h"

#define LOOP_OUTQ_HIGH (1024 * 1024)     /* stop turning input into frames above this */
#define LOOP_INQ_HIGH  (4 * 1024 * 1024) /* stop reading stdin above this (backpressure) */

struct app {
    const struct options *o;
    struct conn c;
    struct input in;
    bool stdin_open;
    long written;          /* messages written to stdout */
    bool count_done;
    bool executed;         /* -x messages sent */
    int64_t wait_deadline; /* after end of input; -1 = not armed */
    int64_t overall_deadline;
    int exit_override;     /* a result decided here (stdout, input, --timeout), 0 = none */
    char why[256];
    int interrupts;
};

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
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

/* Give up with result and message, after sending our close if we can. */
static void app_fail(struct app *a, int result, const char *why)
{
    if (a->exit_override == 0) {
        a->exit_override = result;
        snprintf(a->why, sizeof a->why, "%s", why);
    }
    if (a->c.state == CONN_OPEN) {
        conn_close(&a->c, WS_CLOSE_NORMAL, NULL);
        conn_flush(&a->c);
    }
    conn_abort(&a->c, result, why);
}

static void on_message(void *ud, int opcode, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    if (a->count_done || a->exit_override)
        return;
    int rc = output_message(opcode, data, len);
    if (rc < 0) {
        char why[128];
        snprintf(why, sizeof why, "cannot write to stdout: %s", strerror(errno));
        a->exit_override = EXIT_WRITE;
        snprintf(a->why, sizeof a->why, "%s", why);
        conn_close(&a->c, WS_CLOSE_NORMAL, NULL);
        return;
    }
    if (rc == 1 && a->o->count > 0 && ++a->written >= a->o->count) {
        a->count_done = true;
        conn_close(&a->c, WS_CLOSE_NORMAL, NULL);
    }
}

static void on_state(void *ud, enum conn_state st)
{
    struct app *a = ud;
    if (st == CONN_OPEN) {
        log_msg(LOG_VERBOSE, "WebSocket established%s%s", *a->c.subprotocol ? ", subprotocol " : "",
                a->c.subprotocol);
        a->executed = false;
    }
}

/* Turn queued input (and -x messages) into frames while the connection takes them. */
static void pump_input(struct app *a)
{
    const struct options *o = a->o;
    if (a->c.state != CONN_OPEN || a->exit_override)
        return;
    int opcode = o->binary ? WS_OP_BINARY : WS_OP_TEXT;
    if (!a->executed) {
        for (size_t i = 0; i < o->nexecute; i++)
            conn_send(&a->c, WS_OP_TEXT, (const uint8_t *)o->execute[i], strlen(o->execute[i]));
        a->executed = true;
    }
    const uint8_t *rec;
    size_t len;
    while (conn_pending_output(&a->c) < LOOP_OUTQ_HIGH && input_next(&a->in, &rec, &len)) {
        if (opcode == WS_OP_TEXT && !utf8_valid(rec, len)) {
            char why[160];
            snprintf(why, sizeof why,
                     "input record %llu is not valid UTF-8: send it with -b/--binary",
                     (unsigned long long)a->in.records);
            app_fail(a, EXIT_INPUT, why);
            return;
        }
        if (conn_send(&a->c, opcode, rec, len) < 0) {
            app_fail(a, EXIT_INTERNAL, "out of memory");
            return;
        }
    }
    conn_flush(&a->c);
}

static bool want_stdin(struct app *a)
{
    if (!a->stdin_open || a->exit_override)
        return false;
    /* Backpressure: a full queue with a record ready waits until the connection takes it. */
    return input_queued(&a->in) < LOOP_INQ_HIGH || !input_ready(&a->in);
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
    if (a->stdin_open || a->wait_deadline >= 0 || a->c.state != CONN_OPEN || a->o->wait < 0)
        return;
    if (input_queued(&a->in) > 0 || conn_pending_output(&a->c) > 0 || !a->executed)
        return;
    a->wait_deadline = now + (int64_t)(a->o->wait * 1000);
}

static void handle_signals(struct app *a)
{
    unsigned char sigs[16];
    ssize_t n = read(sig_pipe[0], sigs, sizeof sigs);
    for (ssize_t i = 0; i < n; i++) {
        if (sigs[i] == SIGINT || sigs[i] == SIGTERM) {
            if (++a->interrupts > 1 || a->c.state != CONN_OPEN) {
                conn_abort(&a->c, 128 + sigs[i], "interrupted");
                a->exit_override = 128 + sigs[i];
                snprintf(a->why, sizeof a->why, "interrupted");
                return;
            }
            log_msg(LOG_NOTE, "closing (interrupt again to quit at once)");
            conn_close(&a->c, WS_CLOSE_NORMAL, NULL);
        } else if (sigs[i] == SIGUSR1) {
            log_msg(LOG_ERROR + 1, "status: %s, %ld messages written", conn_state_name(a->c.state),
                    a->written);
        }
    }
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int loop_run(const struct options *o)
{
    struct app a;
    memset(&a, 0, sizeof a);
    a.o = o;
    a.wait_deadline = -1;
    a.overall_deadline = o->timeout > 0 ? conn_now() + (int64_t)(o->timeout * 1000) : -1;
    a.stdin_open = fcntl(STDIN_FILENO, F_GETFL) >= 0;
    input_init(&a.in, o->null_delim ? '\0' : '\n');
    output_init(o, STDOUT_FILENO);
    if (signals_init() < 0) {
        log_error("cannot set up signal handling: %s", strerror(errno));
        return EXIT_INTERNAL;
    }
    struct conn_handlers h = {.on_state = on_state, .on_message = on_message};
    if (conn_init(&a.c, o, &h, &a) < 0) {
        log_error("out of memory");
        return EXIT_INTERNAL;
    }
    conn_start(&a.c);

    while (a.c.state != CONN_DONE) {
        pump_input(&a);
        int64_t now = conn_now();
        check_done_sending(&a, now);
        if (output_flush() < 0 && a.exit_override == 0) {
            char why[128];
            snprintf(why, sizeof why, "cannot write to stdout: %s", strerror(errno));
            a.exit_override = EXIT_WRITE;
            snprintf(a.why, sizeof a.why, "%s", why);
            conn_close(&a.c, WS_CLOSE_NORMAL, NULL);
        }
        if (a.c.state == CONN_DONE)
            break;

        enum { SLOT_SIGNAL, SLOT_CONN, SLOT_STDIN, NSLOTS };
        struct pollfd pfd[NSLOTS] = {
            [SLOT_SIGNAL] = {.fd = sig_pipe[0], .events = POLLIN},
            [SLOT_CONN] = {.fd = conn_fd(&a.c), .events = conn_poll_events(&a.c)},
            [SLOT_STDIN] = {.fd = want_stdin(&a) ? STDIN_FILENO : -1, .events = POLLIN},
        };
        int64_t deadline = earliest(earliest(conn_deadline(&a.c), a.wait_deadline),
                                    a.overall_deadline);
        int timeout = -1;
        if (deadline >= 0)
            timeout = deadline <= now ? 0 : (int)(deadline - now);
        int n = poll(pfd, NSLOTS, timeout);
        if (n < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            conn_abort(&a.c, EXIT_INTERNAL, "poll failed");
            break;
        }
        if (n > 0 && pfd[SLOT_SIGNAL].revents)
            handle_signals(&a);
        if (n > 0 && pfd[SLOT_CONN].revents)
            conn_handle(&a.c, pfd[SLOT_CONN].revents);
        if (n > 0 && pfd[SLOT_STDIN].fd >= 0 && pfd[SLOT_STDIN].revents)
            read_stdin(&a);

        now = conn_now();
        if (a.overall_deadline >= 0 && now >= a.overall_deadline) {
            char why[96];
            snprintf(why, sizeof why, "timed out after %g s (--timeout)", o->timeout);
            app_fail(&a, EXIT_TIMEOUT, why);
        }
        if (a.wait_deadline >= 0 && now >= a.wait_deadline && a.c.state == CONN_OPEN) {
            a.wait_deadline = -1;
            conn_close(&a.c, WS_CLOSE_NORMAL, NULL);
        }
        conn_timer(&a.c);
    }

    if (output_flush() < 0 && a.exit_override == 0) {
        a.exit_override = EXIT_WRITE;
        snprintf(a.why, sizeof a.why, "cannot write to stdout: %s", strerror(errno));
    }
    int rc = a.exit_override ? a.exit_override : conn_result(&a.c);
    const char *why = a.exit_override ? a.why : conn_error(&a.c);
    if (rc == EXIT_OK && o->count > 0 && !a.count_done) {
        rc = EXIT_COUNT;
        snprintf(a.why, sizeof a.why, "connection closed after %ld of %ld messages (--count)",
                 a.written, o->count);
        why = a.why;
    }
    if (rc != EXIT_OK && *why)
        log_error("%s", why);
    else if (*why)
        log_msg(LOG_NOTE, "%s", why);
    conn_free(&a.c);
    input_free(&a.in);
    output_free();
    return rc;
}
