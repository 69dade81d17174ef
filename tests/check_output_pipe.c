/* Unit tests for output on pipes and sockets: a slow reader, a reader that went away, and a
 * reader that does not read at all (output never waits, the bound holds, nothing is lost, and
 * reading pauses while a pipe is full). The formats are in check_output.c. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check_common.h"
#include "check_output.h"
#include "frame.h"
#include "output.h"

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
    return p;
}

/* --- pipes: a slow non-blocking reader, and a reader that went away --- */

struct drain {
    int fd;
    struct buf got;
};

static void *drain_thread(void *arg)
{
    struct drain *d = arg;
    uint8_t chunk[4096];
    for (;;) {
        usleep(200);
        ssize_t r = read(d->fd, chunk, sizeof chunk);
        if (r <= 0)
            break;
        if (buf_append(&d->got, chunk, (size_t)r) < 0)
            break;
    }
    return NULL;
}

START_TEST(nonblocking_pipe_gets_every_byte)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    struct drain d = {p[0], {0}};
    buf_init(&d.got);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, drain_thread, &d), 0);

    struct options o;
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, p[1]);
    size_t n = 300000;
    uint8_t *t = pattern(n, 9);
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, n), 1);
    for (int i = 0; i < 5000; i++)
        ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"0123456789abcdef", 16), 1);
    /* stdout is slow: the loop waits for POLLOUT and writes more until all has gone */
    while (output_pending() > 0) {
        struct pollfd pf = {.fd = output_fd(), .events = POLLOUT};
        ck_assert_int_ge(poll(&pf, 1, 5000), 1);
        ck_assert_int_eq(output_flush(), 0);
    }
    output_free();
    close(p[1]);
    pthread_join(th, NULL);
    close(p[0]);

    ck_assert_uint_eq(d.got.len, n + 5000 * 17);
    ck_assert(memcmp(buf_head(&d.got), t, n) == 0);
    for (int i = 0; i < 5000; i++)
        ck_assert(memcmp(buf_head(&d.got) + n + 17 * (size_t)i, "0123456789abcdef\n", 17) == 0);
    buf_free(&d.got);
    free(t);
}
END_TEST

START_TEST(closed_reader_is_epipe)
{
    int p[2];
    struct options o;
    signal(SIGPIPE, SIG_IGN);

    ck_assert_int_eq(pipe(p), 0);
    close(p[0]);
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, p[1]);
    /* small: buffered, fails at the flush */
    int rc = output_message(WS_OP_TEXT, (const uint8_t *)"x", 1);
    if (rc == 1) {
        errno = 0;
        ck_assert_int_eq(output_flush(), -1);
    } else {
        ck_assert_int_eq(rc, -1);
    }
    ck_assert_int_eq(errno, EPIPE);
    /* large: written at once, fails there */
    size_t n = 20000;
    uint8_t *t = pattern(n, 1);
    errno = 0;
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, n), -1);
    ck_assert_int_eq(errno, EPIPE);
    free(t);
    output_free();
    close(p[1]);
}
END_TEST

/* --- stdout that does not read: nothing waits, the bound holds, nothing is lost --- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read everything the other end has for us now (non-blocking), into got. */
static void read_available(int fd, struct buf *got)
{
    uint8_t chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r <= 0)
            return;
        ck_assert_int_eq(buf_append(got, chunk, (size_t)r), 0);
    }
}

/* The sequence of messages the stall tests write: small, medium and large, text and binary. */
static size_t stall_message(unsigned i, uint8_t *m, int *opcode)
{
    static const size_t sizes[] = {32, 1000, 16384, 70000, 5, 300000};
    size_t n = sizes[i % 6];
    for (size_t k = 0; k < n; k++)
        m[k] = (uint8_t)('a' + (i + k) % 26);
    *opcode = i % 2 ? WS_OP_BINARY : WS_OP_TEXT;
    return n;
}

/* Write messages the way the loop does (reads of up to 256 KiB, up to 8 of them per wake, a
 * read only while stdout is not over: conn asks between reads) into fd whose reader does not
 * read, then drain. */
static void stall_then_drain(int wfd, int rfd, bool was_blocking, int fl_after_free)
{
    struct options o;
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, wfd);
    if (was_blocking) /* the shared open file description is left blocking */
        ck_assert_int_eq(fcntl(wfd, F_GETFL) & O_NONBLOCK, 0);
    uint8_t *m = malloc(300000);
    ck_assert_ptr_nonnull(m);
    struct buf want;
    buf_init(&want);
    const size_t read_size = 256u << 10;
    size_t most = 0;
    unsigned i = 0;
    int64_t t0 = now_ms();
    for (int wake = 0; wake < 40; wake++) {
        for (int r = 0; r < 8 && !output_over(); r++) {
            /* one read: the messages it completes (the last one may be larger than the read) */
            for (size_t got = 0; got < read_size;) {
                int op;
                size_t n = stall_message(i++, m, &op);
                ck_assert_int_eq(output_message(op, m, n), 1);
                ck_assert_int_eq(buf_append(&want, m, n), 0);
                if (op == WS_OP_TEXT)
                    ck_assert_int_eq(buf_append(&want, "\n", 1), 0);
                got += n;
                if (output_pending() > most)
                    most = output_pending();
            }
        }
        ck_assert_int_eq(output_flush(), 0); /* before the loop waits */
    }
    /* none of this waited for the reader */
    ck_assert_int_lt(now_ms() - t0, 2000);
    ck_assert(output_over()); /* with bytes waiting */
    /* bounded: one batch, one read's messages and one message larger than a read */
    ck_assert_uint_le(most, (64u << 10) + read_size + 300000 + 1);
    ck_assert_uint_gt(want.len, 64u << 10); /* more than a default pipe holds */

    /* the reader starts reading: everything arrives, intact and in order */
    struct buf got;
    buf_init(&got);
    ck_assert_int_eq(fcntl(rfd, F_SETFL, O_NONBLOCK), 0);
    while (output_pending() > 0) {
        read_available(rfd, &got);
        struct pollfd pf = {.fd = output_fd(), .events = POLLOUT};
        ck_assert_int_ge(poll(&pf, 1, 5000), 1);
        ck_assert_int_eq(output_flush(), 0);
    }
    for (int k = 0; k < 100 && got.len < want.len; k++) {
        read_available(rfd, &got);
        usleep(1000);
    }
    ck_assert(!output_over()); /* all taken: the socket may be read again */
    output_free();
    if (fl_after_free >= 0) /* the descriptor has its own flags back */
        ck_assert_int_eq(fcntl(wfd, F_GETFL), fl_after_free);
    close(wfd);
    close(rfd);
    ck_assert_uint_eq(got.len, want.len);
    ck_assert(memcmp(buf_head(&got), buf_head(&want), want.len) == 0);
    buf_free(&got);
    buf_free(&want);
    free(m);
}

START_TEST(stalled_pipe_never_blocks_and_drains_intact)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0); /* blocking, as a shell's pipe is */
    stall_then_drain(p[1], p[0], false, -1);
}
END_TEST

START_TEST(stalled_nonblocking_pipe_drains_intact)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    stall_then_drain(p[1], p[0], false, -1);
}
END_TEST

START_TEST(stalled_socket_never_blocks_and_drains_intact)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    stall_then_drain(sv[0], sv[1], false, -1);
}
END_TEST

/* A reader that went away while output was waiting: the error is reported, and sticks. */
START_TEST(reader_gone_while_stalled_is_epipe)
{
    int p[2];
    signal(SIGPIPE, SIG_IGN);
    ck_assert_int_eq(pipe(p), 0);
    struct options o;
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, p[1]);
    uint8_t *t = pattern(3000000, 2); /* more than even a 1 MiB pipe takes */
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, 3000000), 1);
    ck_assert_uint_gt(output_pending(), 0);
    close(p[0]);
    errno = 0;
    ck_assert_int_eq(output_flush(), -1);
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_uint_eq(output_pending(), 0);
    errno = 0;
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"x", 1), -1);
    ck_assert_int_eq(errno, EPIPE);
    free(t);
    output_free();
    close(p[1]);
}
END_TEST

/* A large message into a pipe whose reader keeps up goes out whole at once: nothing waits in
 * our memory, and reading the socket is not paused. */
START_TEST(large_message_into_a_reading_pipe_pauses_nothing)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    struct options o;
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, p[1]);
    int size = fcntl(output_fd(), F_GETPIPE_SZ);
    ck_assert_int_gt(size, 0);
    size_t n = (size_t)size / 2 + 20000;
    uint8_t *t = pattern(n, 4);
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, n), 1);
    ck_assert_uint_eq(output_pending(), 0); /* all in the pipe */
    ck_assert(!output_over());
    struct buf got;
    buf_init(&got);
    ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    read_available(p[0], &got);
    ck_assert_uint_eq(got.len, n);
    ck_assert(memcmp(buf_head(&got), t, n) == 0);
    buf_free(&got);
    free(t);
    output_free();
    close(p[0]);
    close(p[1]);
}
END_TEST

/* --- no /proc: a pipe that cannot be opened again --- */

static int reopen_calls;

static int reopen_fails(int fd, int flags)
{
    (void)fd, (void)flags;
    reopen_calls++;
    errno = ENOENT; /* as without /proc */
    return -1;
}

/* The pipe cannot be opened again: O_NONBLOCK goes on the descriptor itself, so output still
 * never waits for a reader that stalls; output_free() gives the descriptor its flags back. */
START_TEST(stalled_pipe_without_proc_never_blocks_flags_restored)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0); /* blocking, as a shell's pipe is */
    int fl = fcntl(p[1], F_GETFL);
    ck_assert_int_eq(fl & O_NONBLOCK, 0);
    reopen_calls = 0;
    output_reopen = reopen_fails;
    stall_then_drain(p[1], p[0], false, fl);
    ck_assert_int_eq(reopen_calls, 1);
}
END_TEST

/* The same, and the flags come back through output_restore() alone (a signal handler's way). */
START_TEST(pipe_without_proc_restore_puts_flags_back)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(fcntl(p[1], F_SETFL, O_APPEND), 0);
    int fl = fcntl(p[1], F_GETFL);
    output_reopen = reopen_fails;
    struct options o;
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, p[1]);
    ck_assert_int_eq(output_fd(), p[1]);
    ck_assert_int_eq(fcntl(p[1], F_GETFL), fl | O_NONBLOCK);
    /* More than the pipe holds, nobody reading: taken at once, the rest waits in memory. */
    uint8_t *t = pattern(3000000, 5);
    int64_t t0 = now_ms();
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, 3000000), 1);
    ck_assert_int_eq(output_flush(), 0);
    ck_assert_int_lt(now_ms() - t0, 1000);
    ck_assert_uint_gt(output_pending(), 0);
    ck_assert(output_over());
    free(t);
    output_restore();
    ck_assert_int_eq(fcntl(p[1], F_GETFL), fl);
    output_free();
    ck_assert_int_eq(fcntl(p[1], F_GETFL), fl);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* /dev/null (a character device, not a terminal) is written as it is: never opened again. */
START_TEST(dev_null_is_not_reopened)
{
    int fd = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(fd, 0);
    reopen_calls = 0;
    output_reopen = reopen_fails;
    struct options o;
    opts(&o, BINFMT_RAW, false, false, NULL);
    output_init(&o, fd);
    ck_assert_int_eq(reopen_calls, 0);
    ck_assert_int_eq(output_fd(), fd);
    ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"x", 1), 1);
    ck_assert_int_eq(output_flush(), 0);
    ck_assert(!output_over());
    output_free();
    close(fd);
}
END_TEST

static Suite *output_pipe_suite(void)
{
    Suite *s = suite_create("output_pipe");
    TCase *tc = tcase_create("slow_reader");
    tcase_add_test(tc, nonblocking_pipe_gets_every_byte);
    tcase_add_test(tc, closed_reader_is_epipe);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);

    tc = tcase_create("stalled_reader");
    tcase_add_test(tc, stalled_pipe_never_blocks_and_drains_intact);
    tcase_add_test(tc, stalled_nonblocking_pipe_drains_intact);
    tcase_add_test(tc, stalled_socket_never_blocks_and_drains_intact);
    tcase_add_test(tc, reader_gone_while_stalled_is_epipe);
    tcase_add_test(tc, large_message_into_a_reading_pipe_pauses_nothing);
    tcase_add_test(tc, stalled_pipe_without_proc_never_blocks_flags_restored);
    tcase_add_test(tc, pipe_without_proc_restore_puts_flags_back);
    tcase_add_test(tc, dev_null_is_not_reopened);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(output_pipe_suite)
