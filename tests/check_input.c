/* Unit tests for input: stdin records fed through real pipes and files, however the reads fall;
 * in-flight tracking with input_sent()/input_written(); input_rewind() after a broken connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_common.h"
#include "input.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static int pfd[2] = {-1, -1};

static void pipe_open(void)
{
    ck_assert_int_eq(pipe(pfd), 0);
}

static void pipe_close(void)
{
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    pfd[0] = pfd[1] = -1;
}

/* Write n bytes into the pipe and read them all into in (one input_read may not take all). */
static void feed(struct input *in, const void *p, size_t n)
{
    ck_assert_int_eq(write(pfd[1], p, n), (ssize_t)n);
    size_t got = 0;
    while (got < n) {
        long r = input_read(in, pfd[0]);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
    ck_assert_uint_eq(got, n);
}

static void feed_str(struct input *in, const char *s)
{
    feed(in, s, strlen(s));
}

/* Close the writing end and read the end of input. */
static void feed_eof(struct input *in)
{
    close(pfd[1]);
    pfd[1] = -1;
    ck_assert_int_eq(input_read(in, pfd[0]), 0);
    ck_assert(in->eof);
}

/* Take the next record and compare it with want (want_len bytes). */
static void expect_rec(struct input *in, const void *want, size_t want_len)
{
    const uint8_t *rec = NULL;
    size_t len = 12345;
    ck_assert_msg(input_next(in, &rec, &len), "no record, want \"%.*s\"", (int)want_len,
                  (const char *)want);
    ck_assert_msg(len == want_len && memcmp(rec, want, len) == 0, "record \"%.*s\", want \"%.*s\"",
                  (int)len, (const char *)rec, (int)want_len, (const char *)want);
}

static void expect_str(struct input *in, const char *want)
{
    expect_rec(in, want, strlen(want));
}

static void expect_none(struct input *in)
{
    const uint8_t *rec = NULL;
    size_t len = 0;
    ck_assert(!input_ready(in));
    ck_assert_msg(!input_next(in, &rec, &len), "unexpected record \"%.*s\"", (int)len,
                  rec ? (const char *)rec : "");
}

/* --- splitting --- */

/* Whole input in one write (then the end of input if eof); want lists the records. */
static const struct {
    const char *in;
    size_t in_len;
    char delim;
    bool eof;
    const char *const want[6];
} split_table[] = {
    {"a\nb\n", 4, '\n', false, {"a", "b"}},
    /* CRLF is one terminator */
    {"a\r\nbc\r\n", 7, '\n', false, {"a", "bc"}},
    /* a CR elsewhere is data */
    {"a\rb\n\r\r\n", 7, '\n', false, {"a\rb", "\r"}},
    /* empty lines are empty records */
    {"\n\n\r\nx\n", 6, '\n', false, {"", "", "", "x"}},
    /* an unterminated record waits for more */
    {"a\nbcd", 5, '\n', false, {"a"}},
    /* ... unless the input ended */
    {"a\nlast", 6, '\n', true, {"a", "last"}},
    /* a final terminator does not make an extra empty record */
    {"a\n", 2, '\n', true, {"a"}},
    {"\n", 1, '\n', true, {""}},
    {"", 0, '\n', true, {NULL}},
    /* NUL mode: newlines and CRs are data */
    {"a\0b\nc\0", 6, '\0', false, {"a", "b\nc"}},
    {"a\r\0\0", 4, '\0', false, {"a\r", ""}},
    {"x\0tail\n", 7, '\0', true, {"x", "tail\n"}},
};

START_TEST(split_records_table)
{
    struct input in;
    input_init(&in, split_table[_i].delim);
    pipe_open();
    if (split_table[_i].in_len)
        feed(&in, split_table[_i].in, split_table[_i].in_len);
    if (split_table[_i].eof)
        feed_eof(&in);
    size_t n = 0;
    for (; split_table[_i].want[n] != NULL; n++) {
        ck_assert(input_ready(&in));
        expect_str(&in, split_table[_i].want[n]);
    }
    expect_none(&in);
    ck_assert_uint_eq(in.records, n);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(record_split_across_several_reads)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "hel");
    expect_none(&in);
    feed_str(&in, "lo wor");
    expect_none(&in);
    ck_assert_uint_eq(input_queued(&in), 9);
    feed_str(&in, "ld\r");
    expect_none(&in);
    feed_str(&in, "\nne");
    ck_assert(input_ready(&in));
    expect_str(&in, "hello world");
    expect_none(&in);
    feed_str(&in, "xt\n");
    expect_str(&in, "next");
    expect_none(&in);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(records_fed_one_byte_at_a_time)
{
    static const char text[] = "one\r\n\ntwo three\nfour";
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    const char *got[8];
    size_t ngot = 0;
    char store[8][32];
    for (size_t i = 0; i < sizeof text - 1; i++) {
        feed(&in, text + i, 1);
        const uint8_t *rec;
        size_t len;
        while (input_next(&in, &rec, &len)) {
            ck_assert_uint_lt(ngot, 8);
            ck_assert_uint_lt(len, 32);
            memcpy(store[ngot], rec, len);
            store[ngot][len] = '\0';
            got[ngot] = store[ngot];
            ngot++;
        }
    }
    feed_eof(&in);
    const uint8_t *rec;
    size_t len;
    while (input_next(&in, &rec, &len)) {
        ck_assert_uint_lt(ngot, 8);
        memcpy(store[ngot], rec, len);
        store[ngot][len] = '\0';
        got[ngot] = store[ngot];
        ngot++;
    }
    ck_assert_uint_eq(ngot, 4);
    ck_assert_str_eq(got[0], "one");
    ck_assert_str_eq(got[1], "");
    ck_assert_str_eq(got[2], "two three");
    ck_assert_str_eq(got[3], "four");
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(large_records_from_a_file_over_many_reads)
{
    /* Three records of 100000, 70000 and 5 bytes: each larger read buffer boundary is crossed. */
    static const size_t sizes[] = {100000, 70000, 5};
    char path[] = "/tmp/check_input_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    uint8_t *all = malloc(200000);
    ck_assert_ptr_nonnull(all);
    size_t total = 0;
    for (size_t r = 0; r < NROWS(sizes); r++) {
        for (size_t i = 0; i < sizes[r]; i++)
            all[total + i] = (uint8_t)('a' + (i * 7 + r) % 26);
        total += sizes[r];
        all[total++] = '\n';
    }
    ck_assert_int_eq(write(fd, all, total), (ssize_t)total);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);

    struct input in;
    input_init(&in, '\n');
    long r;
    int reads = 0;
    while ((r = input_read(&in, fd)) > 0)
        reads++;
    ck_assert_int_eq(r, 0);
    ck_assert_int_ge(reads, 3);
    ck_assert_uint_eq(input_queued(&in), total);
    size_t pos = 0;
    for (size_t k = 0; k < NROWS(sizes); k++) {
        expect_rec(&in, all + pos, sizes[k]);
        pos += sizes[k] + 1;
    }
    expect_none(&in);
    free(all);
    close(fd);
    input_free(&in);
}
END_TEST

/* --- input_read return values --- */

START_TEST(read_empty_nonblocking_pipe_is_try_later)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    ck_assert_int_eq(fcntl(pfd[0], F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(input_read(&in, pfd[0]), -1);
    ck_assert(!in.eof);
    ck_assert_uint_eq(input_queued(&in), 0);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(read_bad_fd_is_an_error_with_errno)
{
    struct input in;
    input_init(&in, '\n');
    int fd = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    close(fd);
    errno = 0;
    ck_assert_int_eq(input_read(&in, fd), -2);
    ck_assert_int_eq(errno, EBADF);
    ck_assert(!in.eof);
    input_free(&in);
}
END_TEST

START_TEST(read_returns_byte_count_and_eof)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    ck_assert_int_eq(write(pfd[1], "abc", 3), 3);
    ck_assert_int_eq(input_read(&in, pfd[0]), 3);
    ck_assert(!in.eof);
    close(pfd[1]);
    pfd[1] = -1;
    ck_assert_int_eq(input_read(&in, pfd[0]), 0);
    ck_assert(in.eof);
    ck_assert_uint_eq(input_queued(&in), 3);
    pipe_close();
    input_free(&in);
}
END_TEST

/* --- input_ready / input_queued --- */

START_TEST(ready_and_queued_track_partial_records)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    ck_assert(!input_ready(&in));
    ck_assert_uint_eq(input_queued(&in), 0);
    feed_str(&in, "ab");
    ck_assert(!input_ready(&in));
    ck_assert_uint_eq(input_queued(&in), 2);
    /* asking twice does not change the answer (the scan position is cached) */
    ck_assert(!input_ready(&in));
    feed_str(&in, "c\nd");
    ck_assert(input_ready(&in));
    ck_assert(input_ready(&in));
    ck_assert_uint_eq(input_queued(&in), 5);
    expect_str(&in, "abc");
    /* the record taken is in flight, still held */
    ck_assert(!input_ready(&in));
    ck_assert_uint_eq(input_queued(&in), 5);
    feed_eof(&in);
    ck_assert(input_ready(&in));
    expect_str(&in, "d");
    ck_assert(!input_ready(&in));
    pipe_close();
    input_free(&in);
}
END_TEST

/* --- input_sent / input_written --- */

START_TEST(written_drops_only_records_whose_frame_end_is_reached)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "a\nbb\nccc\ndddd\n");
    ck_assert_uint_eq(input_queued(&in), 14);
    expect_str(&in, "a");
    input_sent(&in, 10);
    expect_str(&in, "bb");
    input_sent(&in, 20);
    expect_str(&in, "ccc");
    input_sent(&in, 30);
    ck_assert_uint_eq(input_in_flight(&in), 3);

    input_written(&in, 0);
    input_written(&in, 9);
    ck_assert_uint_eq(input_in_flight(&in), 3);
    ck_assert_uint_eq(input_queued(&in), 14);
    /* frame_end == written: done */
    input_written(&in, 10);
    ck_assert_uint_eq(input_in_flight(&in), 2);
    ck_assert_uint_eq(input_queued(&in), 12); /* "a\n" dropped */
    /* partway through the third frame: only the second is done */
    input_written(&in, 25);
    ck_assert_uint_eq(input_in_flight(&in), 1);
    ck_assert_uint_eq(input_queued(&in), 9);
    input_written(&in, 1000);
    ck_assert_uint_eq(input_in_flight(&in), 0);
    ck_assert_uint_eq(input_queued(&in), 5); /* "dddd\n" still queued */
    expect_str(&in, "dddd");
    input_sent(&in, 40);
    input_written(&in, 40);
    ck_assert_uint_eq(input_queued(&in), 0);
    expect_none(&in);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(written_counts_the_crlf_and_terminator_bytes)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "ab\r\ncd");
    expect_str(&in, "ab");
    input_sent(&in, 8);
    input_written(&in, 8);
    /* "ab\r\n" is 4 bytes of the queue */
    ck_assert_uint_eq(input_queued(&in), 2);
    feed_str(&in, "\n");
    expect_str(&in, "cd");
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(records_survive_reads_while_in_flight)
{
    /* A read that grows or compacts the queue must not lose track of in-flight bytes. */
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "first\nsecond\n");
    expect_str(&in, "first");
    input_sent(&in, 7);
    char big[3000];
    memset(big, 'z', sizeof big);
    for (int i = 0; i < 30; i++)
        feed(&in, big, sizeof big);
    feed_str(&in, "\n");
    input_written(&in, 7);
    expect_str(&in, "second");
    input_sent(&in, 15);
    const uint8_t *rec;
    size_t len;
    ck_assert(input_next(&in, &rec, &len));
    ck_assert_uint_eq(len, 90000);
    for (size_t i = 0; i < len; i++)
        ck_assert_int_eq(rec[i], 'z');
    input_sent(&in, 100000);
    input_rewind(&in);
    expect_str(&in, "second");
    ck_assert(input_next(&in, &rec, &len));
    ck_assert_uint_eq(len, 90000);
    pipe_close();
    input_free(&in);
}
END_TEST

/* --- input_rewind --- */

START_TEST(rewind_requeues_in_flight_in_order_ahead_of_the_rest)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "a\nb\r\nc\nd\npart");
    expect_str(&in, "a");
    input_sent(&in, 3);
    expect_str(&in, "b");
    input_sent(&in, 6);
    expect_str(&in, "c");
    input_sent(&in, 9);
    /* a's frame went out whole; b's only partly */
    input_written(&in, 4);
    ck_assert_uint_eq(input_in_flight(&in), 2);
    input_rewind(&in);
    ck_assert_uint_eq(input_in_flight(&in), 0);
    ck_assert(input_ready(&in));
    /* on the new connection: b (still without its CR), c, d; never a */
    expect_str(&in, "b");
    input_sent(&in, 3);
    expect_str(&in, "c");
    input_sent(&in, 6);
    expect_str(&in, "d");
    input_sent(&in, 9);
    expect_none(&in);
    feed_str(&in, "\n");
    expect_str(&in, "part");
    input_sent(&in, 15);
    input_written(&in, 15);
    ck_assert_uint_eq(input_in_flight(&in), 0);
    ck_assert_uint_eq(input_queued(&in), 0);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(rewind_twice_and_with_nothing_in_flight)
{
    struct input in;
    input_init(&in, '\0');
    pipe_open();
    input_rewind(&in);
    expect_none(&in);
    feed(&in, "x\0y\0", 4);
    input_rewind(&in);
    expect_str(&in, "x");
    input_sent(&in, 5);
    input_rewind(&in);
    input_rewind(&in);
    expect_str(&in, "x");
    input_sent(&in, 5);
    input_written(&in, 5);
    input_rewind(&in);
    expect_str(&in, "y");
    expect_none(&in);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(rewind_after_all_written_returns_nothing)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "one\ntwo\n");
    feed_eof(&in);
    expect_str(&in, "one");
    input_sent(&in, 10);
    expect_str(&in, "two");
    input_sent(&in, 20);
    input_written(&in, 20);
    input_rewind(&in);
    expect_none(&in);
    ck_assert_uint_eq(input_queued(&in), 0);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(rewind_keeps_final_unterminated_record_at_eof)
{
    struct input in;
    input_init(&in, '\n');
    pipe_open();
    feed_str(&in, "a\ntail");
    feed_eof(&in);
    expect_str(&in, "a");
    input_sent(&in, 3);
    expect_str(&in, "tail");
    input_sent(&in, 9);
    input_written(&in, 3);
    input_rewind(&in);
    expect_str(&in, "tail");
    expect_none(&in);
    pipe_close();
    input_free(&in);
}
END_TEST

START_TEST(free_after_init_and_twice)
{
    struct input in;
    input_init(&in, '\n');
    input_free(&in);
    input_free(&in);
}
END_TEST

/* Found by fuzz/fuzz_input.c (empty stdin): input_written() on an input that never held a
 * record looked at a buffer that was never allocated (NULL + 0, fatal under UBSan). */
START_TEST(written_and_rewind_before_any_record)
{
    struct input in;
    input_init(&in, '\n');
    input_written(&in, 0);
    input_written(&in, 100);
    input_rewind(&in);
    ck_assert_uint_eq(input_in_flight(&in), 0);
    ck_assert_uint_eq(input_queued(&in), 0);
    ck_assert(!input_ready(&in));
    const uint8_t *rec;
    size_t len;
    ck_assert(!input_next(&in, &rec, &len));
    input_free(&in);
}
END_TEST

static Suite *input_suite(void)
{
    Suite *s = suite_create("input");
    TCase *tc = tcase_create("input_next");
    tcase_add_loop_test(tc, split_records_table, 0, NROWS(split_table));
    tcase_add_test(tc, record_split_across_several_reads);
    tcase_add_test(tc, records_fed_one_byte_at_a_time);
    tcase_add_test(tc, large_records_from_a_file_over_many_reads);
    suite_add_tcase(s, tc);

    tc = tcase_create("input_read");
    tcase_add_test(tc, read_empty_nonblocking_pipe_is_try_later);
    tcase_add_test(tc, read_bad_fd_is_an_error_with_errno);
    tcase_add_test(tc, read_returns_byte_count_and_eof);
    suite_add_tcase(s, tc);

    tc = tcase_create("input_ready");
    tcase_add_test(tc, ready_and_queued_track_partial_records);
    suite_add_tcase(s, tc);

    tc = tcase_create("input_written");
    tcase_add_test(tc, written_drops_only_records_whose_frame_end_is_reached);
    tcase_add_test(tc, written_counts_the_crlf_and_terminator_bytes);
    tcase_add_test(tc, records_survive_reads_while_in_flight);
    tcase_add_test(tc, written_and_rewind_before_any_record);
    suite_add_tcase(s, tc);

    tc = tcase_create("input_rewind");
    tcase_add_test(tc, rewind_requeues_in_flight_in_order_ahead_of_the_rest);
    tcase_add_test(tc, rewind_twice_and_with_nothing_in_flight);
    tcase_add_test(tc, rewind_after_all_written_returns_nothing);
    tcase_add_test(tc, rewind_keeps_final_unterminated_record_at_eof);
    suite_add_tcase(s, tc);

    tc = tcase_create("input_free");
    tcase_add_test(tc, free_after_init_and_twice);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(input_suite)
