/*
 * pipe - pipe mode around the loop: stdin records become messages (after the -x messages, on
 * every connection), received messages go to stdout, --count ends the run, and after the end of
 * input --wait seconds of replies are awaited; see app.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "exitcode.h"
#include "output.h"

#define PIPE_OUTQ_HIGH (256 * 1024) /* stop turning input into frames above this */

void pipe_init(struct app *a)
{
    struct pipe_mode *p = &a->pipe;
    struct stat sb;
    p->wait_deadline = -1;
    p->stdin_open = fcntl(STDIN_FILENO, F_GETFL) >= 0;
    p->stdout_pipe =
        fstat(STDOUT_FILENO, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
    input_init(&p->in, a->o->null_delim ? '\0' : '\n');
}

void pipe_free(struct app *a)
{
    input_free(&a->pipe.in);
}

/* A message did not pass the match chain: -v says so; with --expect-first, when it is the first
 * one, the run ends now with 44. Returns true when the run is over. */
static bool filtered_out(struct app *a, const uint8_t *data, size_t len)
{
    bool first = match_counts(output_match()).received == 1;
    if (!log_enabled(LOG_VERBOSE) && !(first && a->o->expect_first))
        return false;
    struct buf b;
    buf_init(&b);
    int rc = status_escape(&b, data, len, 80);
    if (rc == 0)
        rc = buf_append(&b, "", 1);
    const char *shown = rc == 0 ? (const char *)buf_head(&b) : "?";
    bool over = first && a->o->expect_first && a->end.exit_override == 0;
    if (over) {
        a->end.exit_override = EXIT_NO_MATCH;
        snprintf(a->end.why, sizeof a->end.why, "the first message did not match: %s", shown);
        a->end.quitting = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
        conn_flush(a->c);
    } else {
        const char *why = match_why(output_match());
        if (*why)
            log_msg(LOG_VERBOSE, "filtered out (%s): %s", why, shown);
        else
            log_msg(LOG_VERBOSE, "filtered out: %s", shown);
    }
    buf_free(&b);
    return over;
}

/* A message arrived: to stdout (pipe mode) or above the prompt; --count. */
void pipe_on_message(void *ud, int opcode, const uint8_t *data, size_t len)
{
    struct app *a = ud;
    struct pipe_mode *p = &a->pipe;
    status_received(&a->st, opcode == WS_OP_BINARY, data, len);
    if (p->count_done || a->end.exit_override == EXIT_WRITE)
        return;
    int rc;
    if (a->mode == MODE_REPL) {
        rc = output_matches(opcode, data, len) == MATCH_KEEP;
        if (rc)
            events_message(a, opcode, data, len);
    } else {
        rc = output_message(opcode, data, len);
        if (rc < 0) {
            app_stop_output(a, strerror(errno));
            return;
        }
    }
    if (rc == 0 && filtered_out(a, data, len))
        return;
    if (rc == 1 && a->o->count > 0 && ++p->written >= a->o->count) {
        p->count_done = true;
        a->end.quitting = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    }
}

void pipe_established(struct app *a)
{
    a->pipe.executed = false;
}

/* The connection refused a record as text that is not UTF-8 (§5.6): close politely, so replies to
 * what went before still reach stdout, and exit 4. */
static void bad_record(struct app *a)
{
    a->end.exit_override = EXIT_INPUT;
    snprintf(a->end.why, sizeof a->end.why,
             "input record %llu is not valid UTF-8: send it with -b/--binary",
             (unsigned long long)a->pipe.in.records);
    a->end.quitting = true;
    conn_close(a->c, WS_CLOSE_NORMAL, NULL);
    conn_flush(a->c);
}

void pipe_pump(struct app *a)
{
    const struct options *o = a->o;
    struct pipe_mode *p = &a->pipe;
    if (conn_state(a->c) != CONN_OPEN || a->end.exit_override || a->end.quitting)
        return;
    int opcode = o->binary ? WS_OP_BINARY : WS_OP_TEXT;
    if (!p->executed) {
        for (size_t i = 0; i < o->nexecute; i++)
            app_send(a, WS_OP_TEXT, (const uint8_t *)o->execute[i], strlen(o->execute[i]));
        p->executed = true;
    }
    if (a->mode != MODE_PIPE)
        return;
    const uint8_t *rec;
    size_t len;
    /* Frames are made a batch at a time; while the kernel keeps taking them, go on, so that the
     * loop never waits with records ready and nothing queued (nothing else would wake it). */
    for (;;) {
        while (conn_pending_output(a->c) < PIPE_OUTQ_HIGH && input_next(&p->in, &rec, &len)) {
            int rc = app_send(a, opcode, rec, len);
            if (rc == CONN_SEND_INVALID) { /* the record itself: text that is not UTF-8 */
                bad_record(a);
                return;
            }
            if (rc < 0 && ws_error_kind(rc) != WS_ERRKIND_RESOURCE) { /* CONN_SEND_STATE */
                app_fail(a, CONN_ERR_INTERNAL, "send after the connection closed");
                return;
            }
            if (rc < 0 || input_sent(&p->in, conn_out_end(a->c)) < 0) {
                app_fail(a, CONN_ERR_INTERNAL, "out of memory");
                return;
            }
        }
        size_t before = conn_pending_output(a->c);
        conn_flush(a->c);
        size_t after = conn_pending_output(a->c);
        if (conn_state(a->c) != CONN_OPEN || after >= PIPE_OUTQ_HIGH || after == before ||
            !input_ready(&p->in))
            break; /* POLLOUT, stdin or the connection wakes us for the rest */
    }
}

bool pipe_want_stdin(struct app *a)
{
    struct pipe_mode *p = &a->pipe;
    if (!p->stdin_open || a->end.exit_override || a->end.quitting)
        return false;
    /* Backpressure: a full queue with a record ready waits until a connection takes it. */
    return input_queued(&p->in) < a->o->queue_size || !input_ready(&p->in);
}

void pipe_read_stdin(struct app *a)
{
    long n = input_read(&a->pipe.in, STDIN_FILENO);
    if (n == 0 || n == -2) {
        if (n == -2)
            log_error("cannot read stdin: %s", strerror(errno));
        a->pipe.stdin_open = false;
    }
}

void pipe_tick(struct app *a, int64_t now)
{
    struct pipe_mode *p = &a->pipe;
    if (a->mode != MODE_PIPE)
        return;
    bool open = conn_state(a->c) == CONN_OPEN;
    if (open && input_in_flight(&p->in) > 0)
        input_written(&p->in, conn_out_sent(a->c));
    /* --wait expired: close. */
    if (p->wait_deadline >= 0 && now >= p->wait_deadline && open) {
        p->wait_deadline = -1;
        a->end.quitting = true;
        conn_close(a->c, WS_CLOSE_NORMAL, NULL);
        return;
    }
    /* After the last record went out: wait --wait seconds for replies, then close. */
    if (p->stdin_open || p->wait_deadline >= 0 || !open || a->o->wait < 0)
        return;
    if (input_unsent(&p->in) > 0 || conn_pending_output(a->c) > 0 || !p->executed)
        return;
    p->wait_deadline = now + (int64_t)(a->o->wait * 1000);
}

int64_t pipe_deadline(const struct app *a)
{
    return a->pipe.wait_deadline;
}

void pipe_connection_ended(struct app *a)
{
    struct pipe_mode *p = &a->pipe;
    p->wait_deadline = -1;
    if (a->mode != MODE_PIPE)
        return;
    input_written(&p->in, conn_out_total(a->c));
    input_rewind(&p->in); /* records not wholly written go again on the next connection */
}
