/* Unit tests for status: terminal-safe escaping, ISO-8601 times, counters and the /status report.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_common.h"
#include "status.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* --- status_escape --- */

static const struct {
    const char *in;
    size_t len;
    size_t max;
    const char *want;
} escape_table[] = {
    {"", 0, 100, ""},
    {"plain text", 10, 100, "plain text"},
    /* the escape character itself: a colour code must not reach the terminal */
    {"\x1b[31mred", 8, 100, "\\e[31mred"},
    {"a\rb\nc\td", 7, 100, "a\\rb\\nc\\td"},
    /* other C0 controls and DEL as \xNN */
    {"\0", 1, 100, "\\x00"},
    {"\x01\x07\x08\x0b\x0c\x1f", 6, 100, "\\x01\\x07\\x08\\x0b\\x0c\\x1f"},
    {"x\x7fy", 3, 100, "x\\x7fy"},
    {" ~", 2, 100, " ~"},
    /* C1 controls U+0080..U+009F are terminal controls too (U+009B is CSI) */
    {"\xc2\x80", 2, 100, "\\xc2\\x80"},
    {"\302\23331m", 5, 100, "\\xc2\\x9b31m"},
    {"\xc2\x9f", 2, 100, "\\xc2\\x9f"},
    /* U+00A0 and up are printable: valid UTF-8 passes through */
    {"\xc2\xa0", 2, 100, "\xc2\xa0"},
    {"caf\xc3\xa9", 5, 100, "caf\xc3\xa9"},
    {"\xe2\x82\xac", 3, 100, "\xe2\x82\xac"},
    {"\xf0\x9f\x98\x80", 4, 100, "\xf0\x9f\x98\x80"},
    {"\xf4\x8f\xbf\xbf", 4, 100, "\xf4\x8f\xbf\xbf"},
    /* invalid UTF-8: every byte that does not belong to a valid sequence is escaped */
    {"\xff", 1, 100, "\\xff"},
    {"\x80", 1, 100, "\\x80"},
    {"a\376b", 3, 100, "a\\xfeb"},
    {"\xc0\xaf", 2, 100, "\\xc0\\xaf"},                   /* overlong '/' */
    {"\xe0\x80\xaf", 3, 100, "\\xe0\\x80\\xaf"},          /* overlong, 3 bytes */
    {"\xed\xa0\x80", 3, 100, "\\xed\\xa0\\x80"},          /* UTF-16 surrogate */
    {"\xf4\x90\x80\x80", 4, 100, "\\xf4\\x90\\x80\\x80"}, /* above U+10FFFF */
    {"\xe2\x82", 2, 100, "\\xe2\\x82"},                   /* cut short at the end */
    {"\342\202a", 3, 100, "\\xe2\\x82a"},                 /* cut short in the middle */
    {"\xc3\xa9\xc3", 3, 100, "\xc3\xa9\\xc3"},
    /* truncation: at most max bytes of input, then "..." */
    {"abcdef", 6, 3, "abc..."},
    {"abcdef", 6, 6, "abcdef"},
    {"abcdef", 6, 5, "abcde..."},
    {"ab", 2, 0, "..."},
    {"\n\n\n\n", 4, 2, "\\n\\n..."},
};

START_TEST(escape_table_rows)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(status_escape(&b, (const uint8_t *)escape_table[_i].in, escape_table[_i].len,
                                   escape_table[_i].max),
                     0);
    size_t want = strlen(escape_table[_i].want);
    const char *got = b.len ? (const char *)buf_head(&b) : "";
    ck_assert_msg(b.len == want && memcmp(got, escape_table[_i].want, want) == 0,
                  "row %d: got \"%.*s\", want \"%s\"", _i, (int)b.len, got, escape_table[_i].want);
    buf_free(&b);
}
END_TEST

START_TEST(escape_every_byte_leaves_no_control_bytes)
{
    /* Every single byte, alone: the output never holds a C0 control, DEL, or a C1 as UTF-8. */
    for (int c = 0; c < 256; c++) {
        struct buf b;
        buf_init(&b);
        uint8_t in = (uint8_t)c;
        ck_assert_int_eq(status_escape(&b, &in, 1, 10), 0);
        const uint8_t *p = buf_head(&b);
        if (c >= 0x20 && c < 0x7f) {
            ck_assert_uint_eq(b.len, 1);
            ck_assert_int_eq(p[0], c);
        } else {
            ck_assert_msg(b.len >= 2 && p[0] == '\\', "byte 0x%02x: not escaped", c);
            for (size_t i = 0; i < b.len; i++)
                ck_assert_msg(p[i] >= 0x20 && p[i] < 0x7f, "byte 0x%02x: output has 0x%02x", c,
                              p[i]);
        }
        buf_free(&b);
    }
}
END_TEST

START_TEST(escape_appends_to_existing_content)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "pre:", 4), 0);
    ck_assert_int_eq(status_escape(&b, (const uint8_t *)"\x1b", 1, 10), 0);
    ck_assert_uint_eq(b.len, 6);
    ck_assert_int_eq(memcmp(buf_head(&b), "pre:\\e", 6), 0);
    buf_free(&b);
}
END_TEST

START_TEST(escape_truncation_inside_multibyte_shows_at_most_max_bytes)
{
    /* "a" then the 3-byte euro sign; max 2 cuts the euro: it must not be shown whole. */
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(status_escape(&b, (const uint8_t *)"a\xe2\x82\xac", 4, 2), 0);
    const char *got = (const char *)buf_head(&b);
    ck_assert_msg(b.len >= 4 && memcmp(got + b.len - 3, "...", 3) == 0, "got \"%.*s\"", (int)b.len,
                  got);
    ck_assert_msg(memmem(got, b.len, "\xe2\x82\xac", 3) == NULL,
                  "got \"%.*s\": 4 bytes shown with max 2", (int)b.len, got);
    buf_free(&b);
}
END_TEST

START_TEST(escape_long_input_truncated_exactly)
{
    uint8_t in[1000];
    memset(in, 'q', sizeof in);
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(status_escape(&b, in, sizeof in, 120), 0);
    ck_assert_uint_eq(b.len, 123);
    ck_assert_int_eq(memcmp(buf_head(&b) + 120, "...", 3), 0);
    buf_free(&b);
}
END_TEST

/* --- status_time --- */

static const struct {
    const char *tz; /* POSIX TZ strings need no tzdata */
    time_t sec;
    long nsec;
    const char *want;
} time_table[] = {
    {"UTC0", 0, 120000000, "1970-01-01T00:00:00.120+00:00"},
    {"UTC0", 1795607523, 999999999, "2026-11-25T11:52:03.999+00:00"},
    {"UTC0", 1795607523, 0, "2026-11-25T11:52:03.000+00:00"},
    {"XST-5:30", 0, 5000000, "1970-01-01T05:30:00.005+05:30"},
    {"YST+3", 0, 0, "1969-12-31T21:00:00.000-03:00"},
};

START_TEST(time_iso8601_table)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", time_table[_i].tz, 1);
    tzset();
    struct timespec ts = {time_table[_i].sec, time_table[_i].nsec};
    char buf[40];
    char *r = status_time(&ts, buf, sizeof buf);
    ck_assert_ptr_eq(r, buf);
    ck_assert_str_eq(buf, time_table[_i].want);
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}
END_TEST

/* --- status_sent / status_received / status_format --- */

/* The line of report that starts with label (up to its newline), copied into line. */
static bool report_line(const struct buf *b, const char *label, char *line, size_t n)
{
    const char *p = (const char *)buf_head(b), *end = p + b->len;
    size_t ll = strlen(label);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len >= ll && memcmp(p, label, ll) == 0 && (len == ll || p[ll] == ' ')) {
            snprintf(line, n, "%.*s", (int)len, p);
            return true;
        }
        p += len + 1;
    }
    return false;
}

static bool matches(const char *s, const char *re)
{
    regex_t r;
    ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    bool m = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return m;
}

#define ISO8601 \
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}"

/* The report line for label after s is formatted (NUL-terminated copy in line). */
static void format_line(const struct status *s, const char *label, char *line, size_t n)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(status_format(s, &b), 0);
    bool found = report_line(&b, label, line, n);
    buf_free(&b);
    ck_assert_msg(found, "no \"%s\" line in the report", label);
}

START_TEST(init_state_and_counters)
{
    struct status s;
    time_t now = time(NULL);
    status_init(&s);
    ck_assert_str_eq(s.state, "disconnected");
    ck_assert(s.rtt_ms < 0);
    ck_assert(!s.sent.set && !s.received.set);
    ck_assert_uint_eq(s.msgs_in + s.msgs_out + s.bytes_in + s.bytes_out, 0);
    ck_assert_uint_eq(s.connects, 0);
    ck_assert(s.state_since.tv_sec >= now - 1 && s.state_since.tv_sec <= now + 5);
    /* the loop clock starts valid: a message recorded before the first tick has a real time */
    ck_assert(s.now.tv_sec >= now - 1 && s.now.tv_sec <= now + 5);
    status_set_state(&s, "open");
    ck_assert_str_eq(s.state, "open");
    ck_assert(s.state_since.tv_sec >= now - 1 && s.state_since.tv_sec <= now + 5);
}
END_TEST

START_TEST(tick_reads_the_clock_and_messages_take_its_time)
{
    struct status s;
    status_init(&s);
    /* messages are stamped with the tick's time, not a fresh clock read */
    s.now.tv_sec = 1000;
    s.now.tv_nsec = 5;
    status_sent(&s, false, (const uint8_t *)"a", 1);
    ck_assert_int_eq(s.sent.when.tv_sec, 1000);
    ck_assert_int_eq(s.sent.when.tv_nsec, 5);
    time_t before = time(NULL);
    status_tick(&s);
    ck_assert(s.now.tv_sec >= before - 1 && s.now.tv_sec <= before + 5);
    status_received(&s, false, (const uint8_t *)"b", 1);
    ck_assert(s.received.when.tv_sec == s.now.tv_sec && s.received.when.tv_nsec == s.now.tv_nsec);
    ck_assert_int_eq(s.sent.when.tv_sec, 1000);
}
END_TEST

START_TEST(sent_and_received_count_messages_and_bytes)
{
    struct status s;
    status_init(&s);
    status_sent(&s, false, (const uint8_t *)"hello", 5);
    status_sent(&s, true, (const uint8_t *)"\x00\x01\x02", 3);
    status_received(&s, false, (const uint8_t *)"ok", 2);
    status_received(&s, true, (const uint8_t *)"\xff\xfe\xfd\xfc", 4);
    ck_assert_uint_eq(s.msgs_out, 2);
    ck_assert_uint_eq(s.bytes_out, 8);
    ck_assert_uint_eq(s.msgs_in, 2);
    ck_assert_uint_eq(s.bytes_in, 6);
    ck_assert(s.sent.set);
    ck_assert(s.sent.binary);
    ck_assert_uint_eq(s.sent.len, 3);
    ck_assert_uint_eq(s.sent.kept, 3);
    ck_assert_int_eq(memcmp(s.sent.head, "\x00\x01\x02", 3), 0);
    ck_assert(s.received.set);
    ck_assert(s.received.binary);
    ck_assert_uint_eq(s.received.len, 4);
    ck_assert_uint_eq(s.received.kept, 4);
    ck_assert_int_eq(memcmp(s.received.head, "\xff\xfe\xfd\xfc", 4), 0);
}
END_TEST

START_TEST(large_message_keeps_only_its_head)
{
    struct status s;
    uint8_t big[5000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    status_init(&s);
    status_received(&s, true, big, sizeof big);
    ck_assert_uint_eq(s.received.len, sizeof big);
    ck_assert_uint_eq(s.received.kept, STATUS_PREVIEW);
    ck_assert_int_eq(memcmp(s.received.head, big, STATUS_PREVIEW), 0);
    ck_assert_uint_eq(s.bytes_in, sizeof big);
}
END_TEST

START_TEST(empty_messages_including_null_data)
{
    /* An empty message may come with a NULL pointer (an empty buffer's head); under UBSan this
     * also checks that no NULL pointer reaches memcpy. */
    struct status s;
    char line[512];
    status_init(&s);
    status_received(&s, false, (const uint8_t *)"x", 1);
    status_received(&s, false, (const uint8_t *)"", 0);
    ck_assert_uint_eq(s.msgs_in, 2);
    ck_assert_uint_eq(s.bytes_in, 1);
    ck_assert(s.received.set);
    ck_assert_uint_eq(s.received.len, 0);
    ck_assert_uint_eq(s.received.kept, 0);
    status_sent(&s, true, NULL, 0);
    ck_assert_uint_eq(s.msgs_out, 1);
    ck_assert(s.sent.set);
    ck_assert_uint_eq(s.sent.len, 0);
    format_line(&s, "last received", line, sizeof line);
    ck_assert_msg(matches(line, "[^0-9]0 bytes"), "line: %s", line);
}
END_TEST

START_TEST(text_preview_is_escaped)
{
    struct status s;
    char line[512];
    status_init(&s);
    status_received(&s, false, (const uint8_t *)"one\ntwo\x1b[2J\xc3\xa9", 13);
    format_line(&s, "last received", line, sizeof line);
    ck_assert_msg(strstr(line, "one\\ntwo\\e[2J\xc3\xa9") != NULL, "line: %s", line);
    ck_assert_msg(strstr(line, "...") == NULL, "line: %s", line);
}
END_TEST

START_TEST(binary_preview_is_hex)
{
    struct status s;
    char line[512];
    status_init(&s);
    status_sent(&s, true, (const uint8_t *)"\x00\x1b\xff", 3);
    format_line(&s, "last sent", line, sizeof line);
    ck_assert_msg(strstr(line, "binary") && strstr(line, "00 1b ff"), "line: %s", line);
    for (const char *p = line; *p; p++)
        ck_assert_msg(*p >= 0x20 && *p < 0x7f, "binary preview has 0x%02x", (uint8_t)*p);
}
END_TEST

START_TEST(text_preview_of_long_message_marks_truncation)
{
    struct status s;
    uint8_t text[300];
    char line[512];
    status_init(&s);
    memset(text, 'a', sizeof text);
    status_sent(&s, false, text, sizeof text);
    format_line(&s, "last sent", line, sizeof line);
    size_t n = strlen(line);
    ck_assert_msg(n >= 3 && strcmp(line + n - 3, "...") == 0, "line: %s", line);
    ck_assert_msg(matches(line, "[^0-9]300 bytes"), "line: %s", line);
}
END_TEST

START_TEST(text_preview_of_long_control_text_marks_truncation)
{
    /* Escaping makes each byte four ("\x01"): the preview must still end with "...", not in the
     * middle of an escape. */
    struct status s;
    uint8_t text[150];
    char line[1024];
    status_init(&s);
    memset(text, 0x01, sizeof text);
    status_received(&s, false, text, sizeof text);
    format_line(&s, "last received", line, sizeof line);
    size_t n = strlen(line);
    ck_assert_msg(n >= 3 && strcmp(line + n - 3, "...") == 0, "line ends \"%s\"",
                  line + (n > 12 ? n - 12 : 0));
}
END_TEST

START_TEST(text_preview_cut_at_a_character_boundary)
{
    /* 119 'a' then a 3-byte character straddling the 120-byte preview: not shown in part */
    struct status s;
    uint8_t text[200];
    char line[1024];
    memset(text, 'a', sizeof text);
    memcpy(text + 119, "\xe2\x82\xac", 3);
    status_init(&s);
    status_received(&s, false, text, sizeof text);
    format_line(&s, "last received", line, sizeof line);
    ck_assert_msg(strstr(line, "\\xe2") == NULL && strstr(line, "\\x82") == NULL, "line: %s", line);
    size_t n = strlen(line);
    ck_assert_msg(n >= 3 && strcmp(line + n - 3, "...") == 0, "line: %s", line);
}
END_TEST

START_TEST(format_fields_timestamps_and_counters)
{
    struct status s;
    struct buf b;
    char line[512];
    status_init(&s);
    status_set_state(&s, "open");
    snprintf(s.peer, sizeof s.peer, "127.0.0.1:9001");
    snprintf(s.subprotocol, sizeof s.subprotocol, "chat.v2");
    s.rtt_ms = 0.363; /* what /ping printed: kept to the microsecond, not rounded to 0 */
    status_sent(&s, false, (const uint8_t *)"hello", 5);
    status_sent(&s, false, (const uint8_t *)"abc", 3);
    status_received(&s, false, (const uint8_t *)"evil\x1b]0;title\x07\nline", 19);

    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "X", 1), 0);
    ck_assert_int_eq(status_format(&s, &b), 0);
    const char *text = (const char *)buf_head(&b);
    /* appended after what was there; no trailing newline */
    ck_assert_int_eq(text[0], 'X');
    buf_consume(&b, 1);
    text = (const char *)buf_head(&b);
    ck_assert_uint_gt(b.len, 0);
    ck_assert_int_ne(text[b.len - 1], '\n');
    /* no control byte but the line breaks: the received ESC and BEL are escaped */
    for (size_t i = 0; i < b.len; i++)
        ck_assert_msg(text[i] == '\n' || ((uint8_t)text[i] >= 0x20 && text[i] != 0x7f),
                      "report has byte 0x%02x at %zu", (uint8_t)text[i], i);
    ck_assert_int_eq(buf_append(&b, "", 1), 0); /* NUL-terminate for the searches */
    text = (const char *)buf_head(&b);

    ck_assert_msg(report_line(&b, "connection", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, "open") && matches(line, ISO8601), "line: %s", line);
    ck_assert_msg(report_line(&b, "address", line, sizeof line), "%s", text);
    ck_assert_msg(strstr(line, "127.0.0.1:9001") != NULL, "line: %s", line);
    ck_assert_msg(report_line(&b, "subprotocol", line, sizeof line), "%s", text);
    ck_assert_msg(strstr(line, "chat.v2") != NULL, "line: %s", line);
    ck_assert_msg(report_line(&b, "last sent", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, ISO8601) && strstr(line, "abc") && matches(line, "[^0-9]3 bytes"),
                  "line: %s", line);
    ck_assert_msg(report_line(&b, "last received", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, ISO8601) && strstr(line, "evil\\e]0;title\\x07\\nline") &&
                      matches(line, "[^0-9]19 bytes"),
                  "line: %s", line);
    ck_assert_msg(report_line(&b, "sent", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, "[^0-9]2 messages?, 8 bytes"), "line: %s", line);
    ck_assert_msg(report_line(&b, "received", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, "[^0-9]1 messages?, 19 bytes"), "line: %s", line);
    ck_assert_msg(report_line(&b, "last ping RTT", line, sizeof line), "%s", text);
    ck_assert_msg(strstr(line, " 0.363 ms") != NULL, "line: %s", line);
    buf_free(&b);
}
END_TEST

START_TEST(format_before_any_traffic)
{
    struct status s;
    struct buf b;
    char line[512];
    status_init(&s);
    buf_init(&b);
    ck_assert_int_eq(status_format(&s, &b), 0);
    ck_assert_int_eq(buf_append(&b, "", 1), 0);
    const char *text = (const char *)buf_head(&b);
    ck_assert_msg(report_line(&b, "connection", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, "disconnected") && matches(line, ISO8601), "line: %s", line);
    ck_assert_msg(report_line(&b, "sent", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, "[^0-9]0 messages?, 0 bytes"), "line: %s", line);
    ck_assert_msg(report_line(&b, "received", line, sizeof line), "%s", text);
    ck_assert_msg(matches(line, "[^0-9]0 messages?, 0 bytes"), "line: %s", line);
    /* no ping yet: no round-trip time shown */
    ck_assert_msg(!matches(text, "[0-9] ms"), "%s", text);
    buf_free(&b);
}
END_TEST

static Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status_escape");
    tcase_add_loop_test(tc, escape_table_rows, 0, NROWS(escape_table));
    tcase_add_test(tc, escape_every_byte_leaves_no_control_bytes);
    tcase_add_test(tc, escape_appends_to_existing_content);
    tcase_add_test(tc, escape_truncation_inside_multibyte_shows_at_most_max_bytes);
    tcase_add_test(tc, escape_long_input_truncated_exactly);
    suite_add_tcase(s, tc);

    tc = tcase_create("status_time");
    tcase_add_loop_test(tc, time_iso8601_table, 0, NROWS(time_table));
    suite_add_tcase(s, tc);

    tc = tcase_create("status_init");
    tcase_add_test(tc, init_state_and_counters);
    suite_add_tcase(s, tc);

    tc = tcase_create("status_received");
    tcase_add_test(tc, sent_and_received_count_messages_and_bytes);
    tcase_add_test(tc, large_message_keeps_only_its_head);
    tcase_add_test(tc, empty_messages_including_null_data);
    suite_add_tcase(s, tc);

    tc = tcase_create("status_tick");
    tcase_add_test(tc, tick_reads_the_clock_and_messages_take_its_time);
    suite_add_tcase(s, tc);

    tc = tcase_create("status_format");
    tcase_add_test(tc, format_fields_timestamps_and_counters);
    tcase_add_test(tc, format_before_any_traffic);
    tcase_add_test(tc, text_preview_is_escaped);
    tcase_add_test(tc, binary_preview_is_hex);
    tcase_add_test(tc, text_preview_of_long_message_marks_truncation);
    tcase_add_test(tc, text_preview_of_long_control_text_marks_truncation);
    tcase_add_test(tc, text_preview_cut_at_a_character_boundary);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(status_suite)
