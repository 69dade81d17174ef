/*
 * writeout_run - --write-out in the run (see wsc(1)): the format is read and parsed once at
 * start-up (writeout_run_init()), and rendered once as the run ends, whatever the exit code
 * (writeout_run_emit(), from loop.c's finish()), after every message and error line: stdout's
 * part, then stderr's. The values come from the connection (conn_get_timings()), the status
 * counters and the outcome; the formatting itself is writeout.c's.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app.h"
#include "exitcode.h"
#include "match.h"
#include "output.h"
#include "writeout.h"

static void warn_unknown(void *ud, const char *name)
{
    (void)ud;
    log_error("warning: unknown --write-out variable '%s'", name);
}

/* The format of --write-out: the argument, or @FILE's contents. Returns 0 or -1 (message
 * logged). */
static int read_format(const char *arg, struct buf *fmt)
{
    if (arg[0] != '@')
        return buf_append(fmt, arg, strlen(arg));
    if (strcmp(arg, "@-") == 0) {
        log_error("--write-out: @- cannot read the format from stdin, which carries the messages");
        return -1;
    }
    FILE *f = fopen(arg + 1, "rb");
    if (f == NULL) {
        log_error("--write-out: cannot open '%s': %s", arg + 1, strerror(errno));
        return -1;
    }
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(fmt, chunk, n);
    if (rc == 0 && ferror(f)) {
        log_error("--write-out: cannot read '%s': %s", arg + 1, strerror(errno));
        rc = -1;
    } else if (rc < 0) {
        log_error("--write-out: out of memory");
    }
    fclose(f);
    return rc;
}

int writeout_run_init(struct app *a)
{
    if (a->o->write_out == NULL)
        return 0;
    struct buf fmt;
    buf_init(&fmt);
    if (read_format(a->o->write_out, &fmt) < 0) {
        buf_free(&fmt);
        return EXIT_USAGE;
    }
    a->wo.fmt = writeout_parse((const char *)buf_head(&fmt), fmt.len, warn_unknown, a);
    buf_free(&fmt);
    if (a->wo.fmt == NULL) {
        log_error("--write-out: out of memory");
        return EXIT_INTERNAL;
    }
    return 0;
}

void writeout_run_free(struct app *a)
{
    writeout_free(a->wo.fmt);
    a->wo.fmt = NULL;
}

/* A pong arrived while a keep-alive ping is outstanding: its round trip is %{ping_rtt}. The
 * ping's time is in whole ms (policy.h), so the round trip is up to 1 ms long, never 0. */
void writeout_run_pong(struct app *a)
{
    if (a->up.ka.ping_out)
        a->wo.ka_rtt_ms = (double)(conn_now_us() - a->up.ka.ping_sent * 1000) / 1000;
}

/*
 * HOOK for the match options (-m, -E, --jq): %{messages_matched} is the number of messages that
 * passed them. Until they count it, every message received is counted as matched.
 */
/* Messages that passed --match/--match-regex/--jq; every message received when none is given. */
static uint64_t writeout_messages_matched(const struct app *a)
{
    const struct match *m = output_match();

    return m ? match_counts(m).matched : a->st.msgs_in;
}

static double secs(int64_t us)
{
    return us > 0 ? (double)us / 1e6 : 0;
}

/* How long the write-out may wait for a stalled reader once the run is over (ms): 2 s, or what
 * is left of --timeout when that is less, but never under WO_MIN_WAIT_MS. */
enum { WO_MAX_WAIT_MS = 2000, WO_MIN_WAIT_MS = 200 };

static int64_t write_deadline(const struct app *a)
{
    int64_t now = conn_now(), end = now + WO_MAX_WAIT_MS;
    if (a->overall_deadline >= 0 && a->overall_deadline < end)
        end = a->overall_deadline;
    return end < now + WO_MIN_WAIT_MS ? now + WO_MIN_WAIT_MS : end;
}

/*
 * Write b to fd (stdout or stderr) without ever blocking past deadline (conn_now() ms): a
 * reader that stopped reading must not hold wsc past --timeout. POLLOUT, then at most PIPE_BUF
 * bytes (a pipe takes them whole once POLLOUT says so; a socket is written with MSG_DONTWAIT),
 * EAGAIN (an O_NONBLOCK descriptor) only waits again. Returns 0, or -1 (errno set; ETIMEDOUT
 * at the deadline).
 */
static int write_all(int fd, const struct buf *b, int64_t deadline)
{
    const uint8_t *p = buf_head(b);
    size_t left = b->len;
    bool sock = true;
    while (left > 0) {
        int64_t wait = deadline - conn_now();
        if (wait <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int r = poll(&pfd, 1, (int)wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            continue; /* the deadline check above ends it */
        size_t chunk = left < PIPE_BUF ? left : PIPE_BUF;
        ssize_t n = -1;
        if (sock) {
            n = send(fd, p, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == ENOTSOCK)
                sock = false;
        }
        if (!sock)
            n = write(fd, p, chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    return 0;
}

void writeout_run_emit(struct app *a, int rc, const char *why)
{
    if (a->wo.fmt == NULL)
        return;
    struct conn_timings tm;
    conn_get_timings(a->c, &tm);
    int64_t total = tm.start_us > 0 ? conn_now_us() - tm.start_us : 0;
    char *url = url_display(&a->o->url);
    double rtt = a->wo.ka_rtt_ms > 0 ? a->wo.ka_rtt_ms : a->st.rtt_ms;
    struct writeout_values v = {
        .time_namelookup = secs(tm.namelookup_us),
        .time_connect = secs(tm.connect_us),
        .time_appconnect = secs(tm.appconnect_us),
        .time_upgrade = secs(tm.upgrade_us),
        .time_first_message = secs(tm.first_message_us),
        .time_total = secs(total),
        .http_code = tm.upgrade_us >= 0 && tm.start_us > 0 ? 101 : conn_http_status(a->c),
        .subprotocol = conn_subprotocol(a->c),
        .close_code = conn_close_code_received(a->c),
        .close_reason = conn_close_reason_received(a->c),
        .messages_sent = a->st.msgs_out,
        .messages_received = a->st.msgs_in,
        .messages_matched = writeout_messages_matched(a),
        .bytes_sent = a->st.bytes_out,
        .bytes_received = a->st.bytes_in,
        .exitcode = rc,
        .errormsg = rc != EXIT_OK ? why : "",
        .ping_rtt = rtt > 0 ? rtt / 1000 : 0,
        .url = url != NULL ? url : "",
        .num_redirects = tm.redirects,
    };
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    if (writeout_render(a->wo.fmt, &v, &out, &err) < 0)
        log_error("--write-out: out of memory");
    fflush(stdout);
    /* stdout's own flags back first (output.c may have set O_NONBLOCK on fd 1 itself). */
    output_restore();
    int64_t deadline = write_deadline(a);
    if (write_all(STDOUT_FILENO, &out, deadline) < 0)
        log_error("--write-out: could not write to stdout: %s",
                  errno == ETIMEDOUT ? "the reader is not reading" : strerror(errno));
    write_all(STDERR_FILENO, &err, deadline); /* when stderr fails, nowhere to say it */
    buf_free(&out);
    buf_free(&err);
    free(url);
}
