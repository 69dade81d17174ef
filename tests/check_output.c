/* Unit tests for output: every stdout format written to a temporary file and read back byte for
 * byte; --match filtering; large messages (the writev path). Pipes and sockets that do not read:
 * check_output_pipe.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_common.h"
#include "check_output.h"
#include "frame.h"
#include "output.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static int tmp_fd = -1;

/* Start output into a fresh temporary file. */
static void start(enum binary_format fmt, bool json, bool nul, const char *match)
{
    struct options o;
    char path[] = "/tmp/check_output_XXXXXX";
    tmp_fd = mkstemp(path);
    ck_assert_int_ge(tmp_fd, 0);
    unlink(path);
    opts(&o, fmt, json, nul, match);
    char err[256];
    ck_assert_int_eq(output_match_setup(&o, err, sizeof err), 0);
    output_init(&o, tmp_fd);
}

/* Flush, then everything written so far (heap, NUL-terminated for messages; *n bytes). */
static uint8_t *written(size_t *n)
{
    ck_assert_int_eq(output_flush(), 0);
    off_t end = lseek(tmp_fd, 0, SEEK_END);
    ck_assert_int_ge(end, 0);
    uint8_t *p = malloc((size_t)end + 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(pread(tmp_fd, p, (size_t)end, 0), end);
    p[end] = '\0';
    *n = (size_t)end;
    return p;
}

static void stop(void)
{
    output_free();
    close(tmp_fd);
    tmp_fd = -1;
}

static void expect_written(const void *want, size_t want_len)
{
    size_t n;
    uint8_t *got = written(&n);
    ck_assert_msg(n == want_len && memcmp(got, want, n) == 0, "wrote %zu bytes \"%.*s\", want %zu",
                  n, (int)(n < 200 ? n : 200), (const char *)got, want_len);
    free(got);
}

/* --- formats --- */

static const struct {
    enum binary_format fmt;
    bool json;
    bool nul;
    int opcode;
    const char *in;
    size_t in_len;
    const char *want;
    size_t want_len; /* 0: strlen(want) */
} format_table[] = {
    /* text: the message and the separator */
    {BINFMT_RAW, false, false, WS_OP_TEXT, "hello", 5, "hello\n", 6},
    {BINFMT_RAW, false, false, WS_OP_TEXT, "", 0, "\n", 1},
    {BINFMT_RAW, false, false, WS_OP_TEXT, "a\nb", 3, "a\nb\n", 4},
    {BINFMT_RAW, false, true, WS_OP_TEXT, "hello", 5, "hello\0", 6},
    {BINFMT_RAW, false, true, WS_OP_TEXT, "", 0, "\0", 1},
    /* text is not affected by --binary-format */
    {BINFMT_HEX, false, false, WS_OP_TEXT, "hi", 2, "hi\n", 3},
    {BINFMT_BASE64, false, false, WS_OP_TEXT, "hi", 2, "hi\n", 3},
    /* binary raw: exactly the payload, no separator, with -0 too */
    {BINFMT_RAW, false, false, WS_OP_BINARY, "\x00\xff\n\r", 4, "\x00\xff\n\r", 4},
    {BINFMT_RAW, false, true, WS_OP_BINARY, "\x01\x02", 2, "\x01\x02", 2},
    {BINFMT_RAW, false, false, WS_OP_BINARY, "", 0, "", 0},
    /* binary as a hex or base64 line */
    {BINFMT_HEX, false, false, WS_OP_BINARY, "\x00\xff\x10\xab", 4, "00ff10ab\n", 9},
    {BINFMT_HEX, false, false, WS_OP_BINARY, "", 0, "\n", 1},
    {BINFMT_BASE64, false, false, WS_OP_BINARY, "abc", 3, "YWJj\n", 5},
    {BINFMT_BASE64, false, false, WS_OP_BINARY, "\x00\xff", 2, "AP8=\n", 5},
    {BINFMT_BASE64, false, false, WS_OP_BINARY, "\xfb\xff\xbf\x00", 4, "+/+/AA==\n", 9},
    {BINFMT_BASE64, false, false, WS_OP_BINARY, "", 0, "\n", 1},
    /* JSON: one object per line; text escaped, binary in base64 whatever --binary-format says */
    {BINFMT_RAW, true, false, WS_OP_TEXT, "hi", 2, "{\"type\":\"text\",\"data\":\"hi\"}\n", 0},
    {BINFMT_RAW, true, false, WS_OP_TEXT, "", 0, "{\"type\":\"text\",\"data\":\"\"}\n", 0},
    {BINFMT_RAW, true, false, WS_OP_TEXT, "q\"b\\\n", 5,
     "{\"type\":\"text\",\"data\":\"q\\\"b\\\\\\n\"}\n", 0},
    {BINFMT_RAW, true, true, WS_OP_TEXT, "x", 1, "{\"type\":\"text\",\"data\":\"x\"}\n", 0},
    {BINFMT_RAW, true, false, WS_OP_BINARY, "\x00\xff", 2,
     "{\"type\":\"binary\",\"data\":\"AP8=\"}\n", 0},
    {BINFMT_HEX, true, false, WS_OP_BINARY, "abc", 3, "{\"type\":\"binary\",\"data\":\"YWJj\"}\n",
     0},
    {BINFMT_RAW, true, false, WS_OP_BINARY, "", 0, "{\"type\":\"binary\",\"data\":\"\"}\n", 0},
};

START_TEST(message_format_table)
{
    start(format_table[_i].fmt, format_table[_i].json, format_table[_i].nul, NULL);
    ck_assert_int_eq(output_message(format_table[_i].opcode, (const uint8_t *)format_table[_i].in,
                                    format_table[_i].in_len),
                     1);
    expect_written(format_table[_i].want, format_table[_i].want_len
                                              ? format_table[_i].want_len
                                              : strlen(format_table[_i].want));
    stop();
}
END_TEST

START_TEST(messages_in_order_each_whole)
{
    start(BINFMT_RAW, false, false, NULL);
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"one", 3), 1);
    ck_assert_int_eq(output_message(WS_OP_BINARY, (const uint8_t *)"\x01\x02", 2), 1);
    ck_assert_int_eq(output_message(WS_OP_BINARY, (const uint8_t *)"\x03", 1), 1);
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"two", 3), 1);
    expect_written("one\n\x01\x02\x03two\n", 11);
    stop();
}
END_TEST

START_TEST(line_adds_a_newline)
{
    start(BINFMT_RAW, true, true, NULL);
    static const char ev[] = "{\"type\":\"close\",\"code\":1000}";
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"m", 1), 1);
    ck_assert_int_eq(output_line(ev, sizeof ev - 1), 1);
    expect_written("{\"type\":\"text\",\"data\":\"m\"}\n{\"type\":\"close\",\"code\":1000}\n", 56);
    stop();
}
END_TEST

START_TEST(flush_with_nothing_buffered)
{
    start(BINFMT_RAW, false, false, NULL);
    ck_assert_int_eq(output_flush(), 0);
    ck_assert_int_eq(output_flush(), 0);
    expect_written("", 0);
    stop();
}
END_TEST

/* --- output_json_string --- */

static const struct {
    const char *in;
    size_t len;
    const char *want;
} json_table[] = {
    {"", 0, "\"\""},
    {"plain", 5, "\"plain\""},
    {"\"", 1, "\"\\\"\""},
    {"\\", 1, "\"\\\\\""},
    {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
    {"\n\r\t", 3, "\"\\n\\r\\t\""},
    /* other controls as \u00XX, NUL included */
    {"\0", 1, "\"\\u0000\""},
    {"\x01\x08\x0c\x1b\x1f", 5, "\"\\u0001\\u0008\\u000c\\u001b\\u001f\""},
    /* '/' and DEL need no escape */
    {"/\x7f", 2, "\"/\x7f\""},
    /* UTF-8 is kept as it is */
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
};

START_TEST(json_string_table)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "[", 1), 0);
    ck_assert_int_eq(output_json_string(&b, (const uint8_t *)json_table[_i].in, json_table[_i].len),
                     0);
    size_t want = strlen(json_table[_i].want);
    ck_assert_msg(b.len == want + 1 && memcmp(buf_head(&b) + 1, json_table[_i].want, want) == 0,
                  "row %d: got %.*s, want %s", _i, (int)b.len - 1, (const char *)buf_head(&b) + 1,
                  json_table[_i].want);
    ck_assert_int_eq(buf_head(&b)[0], '[');
    buf_free(&b);
}
END_TEST

START_TEST(json_string_every_byte_below_0x20_escaped)
{
    for (int c = 0; c < 0x20; c++) {
        struct buf b;
        uint8_t in = (uint8_t)c;
        buf_init(&b);
        ck_assert_int_eq(output_json_string(&b, &in, 1), 0);
        ck_assert_uint_ge(b.len, 4);
        for (size_t i = 0; i < b.len; i++)
            ck_assert_msg(buf_head(&b)[i] >= 0x20, "byte 0x%02x left raw", c);
        buf_free(&b);
    }
}
END_TEST

/* --- --match --- */

START_TEST(match_filters_and_writes_nothing)
{
    start(BINFMT_RAW, false, false, "needle");
    ck_assert(output_matches(WS_OP_TEXT, (const uint8_t *)"a needle here", 13));
    ck_assert(output_matches(WS_OP_TEXT, (const uint8_t *)"needle", 6));
    ck_assert(!output_matches(WS_OP_TEXT, (const uint8_t *)"needl", 5));
    ck_assert(!output_matches(WS_OP_TEXT, (const uint8_t *)"NEEDLE", 6));
    ck_assert(!output_matches(WS_OP_TEXT, (const uint8_t *)"", 0));
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"haystack", 8), 0);
    ck_assert_int_eq(output_message(WS_OP_BINARY, (const uint8_t *)"hay", 3), 0);
    expect_written("", 0);
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"x needle", 8), 1);
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"nope", 4), 0);
    ck_assert_int_eq(output_message(WS_OP_BINARY, (const uint8_t *)"\x00needle", 7), 1);
    expect_written("x needle\n\x00needle", 16);
    stop();
}
END_TEST

START_TEST(match_applies_to_json_and_large_messages)
{
    start(BINFMT_RAW, true, false, "key");
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"no", 2), 0);
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"a key", 5), 1);
    expect_written("{\"type\":\"text\",\"data\":\"a key\"}\n", 31);
    stop();

    /* above the direct-write size the filter still applies */
    start(BINFMT_RAW, false, false, "key");
    size_t n = 40000;
    uint8_t *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, 'k', n);
    ck_assert_int_eq(output_message(WS_OP_TEXT, big, n), 0);
    ck_assert_int_eq(output_message(WS_OP_BINARY, big, n), 0);
    expect_written("", 0);
    memcpy(big + n - 3, "key", 3);
    ck_assert_int_eq(output_message(WS_OP_TEXT, big, n), 1);
    big[n] = '\n';
    expect_written(big, n + 1);
    free(big);
    stop();
}
END_TEST

START_TEST(match_absent_or_empty_passes_everything)
{
    static const char *const matches[] = {NULL, ""};
    for (size_t k = 0; k < NROWS(matches); k++) {
        start(BINFMT_RAW, false, false, matches[k]);
        ck_assert(output_matches(WS_OP_TEXT, (const uint8_t *)"", 0));
        ck_assert(output_matches(WS_OP_TEXT, (const uint8_t *)"anything", 8));
        ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"", 0), 1);
        expect_written("\n", 1);
        stop();
    }
}
END_TEST

/* --- large messages --- */

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
    return p;
}

START_TEST(large_text_and_binary_byte_exact_in_order)
{
    /* Sizes around the 16 KiB direct-write threshold and the 64 KiB buffer flush. */
    static const size_t sizes[] = {16383, 16384, 16385, 65536, 200000};
    start(BINFMT_RAW, false, false, NULL);
    struct buf want;
    buf_init(&want);
    for (size_t k = 0; k < NROWS(sizes); k++) {
        uint8_t *t = pattern(sizes[k], (unsigned)k);
        for (size_t i = 0; i < sizes[k]; i++)
            if (t[i] == '\n')
                t[i] = ' ';
        /* a small message before, so buffered bytes must go out first */
        ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"s", 1), 1);
        ck_assert_int_eq(buf_append(&want, "s\n", 2), 0);
        ck_assert_int_eq(output_message(WS_OP_TEXT, t, sizes[k]), 1);
        ck_assert_int_eq(buf_append(&want, t, sizes[k]), 0);
        ck_assert_int_eq(buf_append(&want, "\n", 1), 0);
        ck_assert_int_eq(output_message(WS_OP_BINARY, t, sizes[k]), 1);
        ck_assert_int_eq(buf_append(&want, t, sizes[k]), 0);
        free(t);
    }
    ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)"end", 3), 1);
    ck_assert_int_eq(buf_append(&want, "end\n", 4), 0);
    size_t n;
    uint8_t *got = written(&n);
    ck_assert_uint_eq(n, want.len);
    ck_assert(memcmp(got, buf_head(&want), n) == 0);
    free(got);
    buf_free(&want);
    stop();
}
END_TEST

START_TEST(large_text_with_nul_separator)
{
    size_t n = 50000;
    uint8_t *t = pattern(n, 3);
    for (size_t i = 0; i < n; i++)
        if (t[i] == 0)
            t[i] = 1;
    start(BINFMT_RAW, false, true, NULL);
    ck_assert_int_eq(output_message(WS_OP_TEXT, t, n), 1);
    size_t got_n;
    uint8_t *got = written(&got_n);
    ck_assert_uint_eq(got_n, n + 1);
    ck_assert(memcmp(got, t, n) == 0);
    ck_assert_int_eq(got[n], '\0');
    free(got);
    free(t);
    stop();
}
END_TEST

START_TEST(large_binary_hex_and_base64_lines)
{
    size_t n = 30000;
    uint8_t *t = pattern(n, 5);
    start(BINFMT_HEX, false, false, NULL);
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, n), 1);
    size_t got_n;
    uint8_t *got = written(&got_n);
    ck_assert_uint_eq(got_n, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        char hx[3];
        snprintf(hx, sizeof hx, "%02x", t[i]);
        ck_assert_msg(got[2 * i] == hx[0] && got[2 * i + 1] == hx[1], "byte %zu", i);
    }
    ck_assert_int_eq(got[2 * n], '\n');
    free(got);
    stop();

    start(BINFMT_BASE64, false, false, NULL);
    ck_assert_int_eq(output_message(WS_OP_BINARY, t, n), 1);
    got = written(&got_n);
    ck_assert_uint_eq(got_n, (n + 2) / 3 * 4 + 1);
    ck_assert_int_eq(got[got_n - 1], '\n');
    ck_assert(memchr(got, '\n', got_n - 1) == NULL);
    free(got);
    stop();
    free(t);
}
END_TEST

START_TEST(large_json_text_escaped_whole)
{
    size_t n = 70000;
    uint8_t *t = malloc(n);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < n; i++)
        t[i] = i % 100 == 99 ? '\n' : (uint8_t)('a' + i % 26);
    start(BINFMT_RAW, true, false, NULL);
    ck_assert_int_eq(output_message(WS_OP_TEXT, t, n), 1);
    size_t got_n;
    uint8_t *got = written(&got_n);
    static const char head[] = "{\"type\":\"text\",\"data\":\"";
    ck_assert_uint_eq(got_n, sizeof head - 1 + n + n / 100 + 3);
    ck_assert(memcmp(got, head, sizeof head - 1) == 0);
    ck_assert(memcmp(got + got_n - 3, "\"}\n", 3) == 0);
    ck_assert(memchr(got, '\n', got_n - 1) == NULL);
    free(got);
    free(t);
    stop();
}
END_TEST

START_TEST(many_small_messages_over_the_flush_threshold)
{
    start(BINFMT_RAW, false, false, NULL);
    struct buf want;
    buf_init(&want);
    for (int i = 0; i < 20000; i++) {
        char m[32];
        int l = snprintf(m, sizeof m, "message %d", i);
        ck_assert_int_eq(output_message(WS_OP_TEXT, (const uint8_t *)m, (size_t)l), 1);
        ck_assert_int_eq(buf_append(&want, m, (size_t)l), 0);
        ck_assert_int_eq(buf_append(&want, "\n", 1), 0);
    }
    size_t n;
    uint8_t *got = written(&n);
    ck_assert_uint_eq(n, want.len);
    ck_assert(memcmp(got, buf_head(&want), n) == 0);
    free(got);
    buf_free(&want);
    stop();
}
END_TEST

static Suite *output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("output_message");
    tcase_add_loop_test(tc, message_format_table, 0, NROWS(format_table));
    tcase_add_test(tc, messages_in_order_each_whole);
    tcase_add_test(tc, large_text_and_binary_byte_exact_in_order);
    tcase_add_test(tc, large_text_with_nul_separator);
    tcase_add_test(tc, large_binary_hex_and_base64_lines);
    tcase_add_test(tc, large_json_text_escaped_whole);
    tcase_add_test(tc, many_small_messages_over_the_flush_threshold);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);

    tc = tcase_create("output_line");
    tcase_add_test(tc, line_adds_a_newline);
    suite_add_tcase(s, tc);

    tc = tcase_create("output_flush");
    tcase_add_test(tc, flush_with_nothing_buffered);
    suite_add_tcase(s, tc);

    tc = tcase_create("output_json_string");
    tcase_add_loop_test(tc, json_string_table, 0, NROWS(json_table));
    tcase_add_test(tc, json_string_every_byte_below_0x20_escaped);
    suite_add_tcase(s, tc);

    tc = tcase_create("output_matches");
    tcase_add_test(tc, match_filters_and_writes_nothing);
    tcase_add_test(tc, match_applies_to_json_and_large_messages);
    tcase_add_test(tc, match_absent_or_empty_passes_everything);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(output_suite)
