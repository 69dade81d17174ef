/* Unit tests for writeout: --write-out's format parser and renderer (table-driven). */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check_common.h"
#include "writeout.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* Every value distinct, so a variable that shows another's value is caught. */
static const struct writeout_values vals = {
    .time_namelookup = 0.000123,
    .time_connect = 0.001,
    .time_appconnect = 0.0025,
    .time_upgrade = 1.5,
    .time_first_message = 2.000001,
    .time_total = 12.345678,
    .http_code = 101,
    .subprotocol = "chat",
    .close_code = 1000,
    .close_reason = "bye \"now\"\n",
    .messages_sent = 3,
    .messages_received = 4,
    .messages_matched = 2,
    .bytes_sent = 17,
    .bytes_received = 18446744073709551615ull,
    .exitcode = 28,
    .errormsg = "no reply after 5 s",
    .ping_rtt = 0.042,
    .url = "ws://h/x?token=[redacted]",
    .num_redirects = 2,
};

struct warns {
    int n;
    char last[80];
};

static void on_warn(void *ud, const char *name)
{
    struct warns *w = ud;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", name);
}

/* Render fmt (len bytes) with v into out and err (NUL-terminated copies). */
static void render(const char *fmt, size_t len, const struct writeout_values *v, char **out,
                   char **err, struct warns *w)
{
    struct writeout *wo = writeout_parse(fmt, len, on_warn, w);
    ck_assert_ptr_nonnull(wo);
    struct buf o, e;
    buf_init(&o);
    buf_init(&e);
    ck_assert_int_eq(writeout_render(wo, v, &o, &e), 0);
    *out = strndup((const char *)buf_head(&o), o.len);
    *err = strndup((const char *)buf_head(&e), e.len);
    ck_assert_int_eq(strlen(*out), o.len);
    buf_free(&o);
    buf_free(&e);
    writeout_free(wo);
}

static const struct {
    const char *fmt;
    const char *out;
} rows[] = {
    {"%{time_namelookup}", "0.000123"},
    {"%{time_connect}", "0.001000"},
    {"%{time_appconnect}", "0.002500"},
    {"%{time_upgrade}", "1.500000"},
    {"%{time_first_message}", "2.000001"},
    {"%{time_total}", "12.345678"},
    {"%{http_code}", "101"},
    {"%{subprotocol}", "chat"},
    {"%{close_code}", "1000"},
    {"%{close_reason}", "bye \"now\"\\n"}, /* control bytes escaped outside %{json} */
    {"%{messages_sent}", "3"},
    {"%{messages_received}", "4"},
    {"%{messages_matched}", "2"},
    {"%{bytes_sent}", "17"},
    {"%{bytes_received}", "18446744073709551615"},
    {"%{exitcode}", "28"},
    {"%{errormsg}", "no reply after 5 s"},
    {"%{ping_rtt}", "0.042000"},
    {"%{url}", "ws://h/x?token=[redacted]"},
    {"%{num_redirects}", "2"},
    /* escapes */
    {"a\\nb", "a\nb"},
    {"a\\tb", "a\tb"},
    {"a\\rb", "a\rb"},
    {"a\\\\nb", "a\\nb"},
    {"100%%", "100%"},
    {"%%{http_code}", "%{http_code}"},
    /* what is not an escape or a variable is text, as curl */
    {"\\x", "\\x"},
    {"50%", "50%"},
    {"%", "%"},
    {"x\\", "x\\"},
    {"%{", "%{"},
    {"a%{http_code", "a%{http_code"},
    {"%x%{http_code}", "%x101"},
    {"", ""},
    {"%{http_code}%{http_code}", "101101"},
    {"code=%{http_code} t=%{time_total}\\n", "code=101 t=12.345678\n"},
};

START_TEST(render_table)
{
    char *out, *err;
    struct warns w = {0};
    render(rows[_i].fmt, strlen(rows[_i].fmt), &vals, &out, &err, &w);
    ck_assert_msg(strcmp(out, rows[_i].out) == 0, "'%s' gives '%s', want '%s'", rows[_i].fmt, out,
                  rows[_i].out);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(w.n, 0);
    free(out);
    free(err);
}
END_TEST

START_TEST(render_stderr_switch)
{
    char *out, *err;
    struct warns w = {0};
    const char *f = "a%{stderr}b%{http_code}%{stdout}c%{stderr}d";
    render(f, strlen(f), &vals, &out, &err, &w);
    ck_assert_str_eq(out, "ac");
    ck_assert_str_eq(err, "b101d");
    free(out);
    free(err);
}
END_TEST

START_TEST(render_unknown_variable_warns_at_parse)
{
    struct warns w = {0};
    const char *f = "[%{nope}][%{time_total]";
    struct writeout *wo = writeout_parse(f, strlen(f), on_warn, &w);
    ck_assert_ptr_nonnull(wo);
    /* warned once, at parse time, before any rendering */
    ck_assert_int_eq(w.n, 1); /* "%{time_total]" has no '}': text, no warning */
    ck_assert_str_eq(w.last, "nope");
    struct buf o, e;
    buf_init(&o);
    buf_init(&e);
    ck_assert_int_eq(writeout_render(wo, &vals, &o, &e), 0);
    ck_assert_int_eq(w.n, 1); /* rendering does not warn again */
    ck_assert_uint_eq(o.len, strlen("[][%{time_total]"));
    ck_assert(memcmp(buf_head(&o), "[][%{time_total]", o.len) == 0);
    buf_free(&o);
    buf_free(&e);
    writeout_free(wo);

    char *out, *err;
    struct warns w2 = {0};
    const char *g = "[%{nope}]%{Time_total}%{ http_code}";
    render(g, strlen(g), &vals, &out, &err, &w2);
    ck_assert_str_eq(out, "[]"); /* names are case-sensitive, no spaces: nothing shown */
    ck_assert_int_eq(w2.n, 3);
    ck_assert_str_eq(w2.last, " http_code");
    free(out);
    free(err);
}
END_TEST

START_TEST(render_unknown_variable_warns_once_per_name)
{
    struct warns w = {0};
    const char *f = "%{nope}%{nope}%{other}%{nope}%{other}";
    struct writeout *wo = writeout_parse(f, strlen(f), on_warn, &w);
    ck_assert_ptr_nonnull(wo);
    ck_assert_int_eq(w.n, 2);
    ck_assert_str_eq(w.last, "other");
    writeout_free(wo);
}
END_TEST

/* The server's text (close reason, subprotocol) cannot put ESC or line breaks into a log. */
START_TEST(render_server_strings_escaped)
{
    struct writeout_values v = vals;
    v.close_reason = "a\x1b[31mred\r\nb\x7f \xc3\xa9";
    v.subprotocol = "p\n\x1b]0;t\x07";
    char *out, *err;
    struct warns w = {0};
    const char *f = "%{close_reason}|%{subprotocol}";
    render(f, strlen(f), &v, &out, &err, &w);
    ck_assert_str_eq(out, "a\\e[31mred\\r\\nb\\x7f \xc3\xa9|p\\n\\e]0;t\\x07");
    free(out);
    free(err);
}
END_TEST

START_TEST(render_unknown_name_control_bytes_hidden)
{
    struct warns w = {0};
    const char f[] = "%{a\nb\x1b}";
    struct writeout *wo = writeout_parse(f, sizeof f - 1, on_warn, &w);
    ck_assert_int_eq(w.n, 1);
    ck_assert_str_eq(w.last, "a?b?");
    writeout_free(wo);
}
END_TEST

START_TEST(render_nul_bytes_copied)
{
    struct warns w = {0};
    const char f[] = "a\0b";
    struct writeout *wo = writeout_parse(f, 3, on_warn, &w);
    struct buf o, e;
    buf_init(&o);
    buf_init(&e);
    ck_assert_int_eq(writeout_render(wo, &vals, &o, &e), 0);
    ck_assert_uint_eq(o.len, 3);
    ck_assert(memcmp(buf_head(&o), "a\0b", 3) == 0);
    buf_free(&o);
    buf_free(&e);
    writeout_free(wo);
}
END_TEST

START_TEST(render_null_strings_and_bad_times)
{
    struct writeout_values v = {.time_total = -1, .time_connect = 0.0 / 0.0, .time_upgrade = 1e300};
    char *out, *err;
    struct warns w = {0};
    const char *f = "[%{subprotocol}][%{errormsg}][%{url}][%{close_reason}]%{time_total} "
                    "%{time_connect} %{time_upgrade}";
    render(f, strlen(f), &v, &out, &err, &w);
    ck_assert_str_eq(out, "[][][][]0.000000 0.000000 0.000000");
    free(out);
    free(err);
}
END_TEST

START_TEST(render_json_all_variables)
{
    char *out, *err;
    struct warns w = {0};
    render("%{json}", 7, &vals, &out, &err, &w);
    ck_assert_str_eq(
        out, "{\"time_namelookup\":0.000123,\"time_connect\":0.001000,\"time_appconnect\":0.002500,"
             "\"time_upgrade\":1.500000,\"time_first_message\":2.000001,\"time_total\":12.345678,"
             "\"http_code\":101,\"subprotocol\":\"chat\",\"close_code\":1000,"
             "\"close_reason\":\"bye \\\"now\\\"\\n\",\"messages_sent\":3,"
             "\"messages_received\":4,\"messages_matched\":2,\"bytes_sent\":17,"
             "\"bytes_received\":18446744073709551615,\"exitcode\":28,"
             "\"errormsg\":\"no reply after 5 s\",\"ping_rtt\":0.042000,"
             "\"url\":\"ws://h/x?token=[redacted]\",\"num_redirects\":2}");
    free(out);
    free(err);
}
END_TEST

START_TEST(render_json_to_stderr)
{
    char *out, *err;
    struct warns w = {0};
    struct writeout_values v = {0};
    render("%{stderr}%{json}", 16, &v, &out, &err, &w);
    ck_assert_str_eq(out, "");
    ck_assert(strncmp(err, "{\"time_namelookup\":0.000000,", 28) == 0);
    ck_assert(strstr(err, "\"subprotocol\":\"\"") != NULL);
    free(out);
    free(err);
}
END_TEST

START_TEST(render_huge_format)
{
    /* 1 MB of "%{http_code}\n" pieces and stray bytes: every byte accounted for, no overflow. */
    const char unit[] = "%{http_code}\\n%%\\";
    size_t reps = 1 << 16, ul = sizeof unit - 1;
    char *f = malloc(reps * ul + 3);
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < reps; i++)
        memcpy(f + i * ul, unit, ul);
    memcpy(f + reps * ul, "%{", 3);
    char *out, *err;
    struct warns w = {0};
    render(f, reps * ul + 2, &vals, &out, &err, &w);
    /* "\\%" : the '\' before '%' is no escape, "\\n" after it is one ... per unit:
     * "101" "\n" "%" then "\\" joined with the next unit's "%{" -> still a variable */
    size_t want = reps * strlen("101\n%\\") + 2;
    ck_assert_uint_eq(strlen(out), want);
    ck_assert(strncmp(out, "101\n%\\101\n%\\", 12) == 0);
    ck_assert_str_eq(out + want - 2, "%{");
    free(out);
    free(err);
    free(f);
}
END_TEST

START_TEST(free_null_is_noop)
{
    writeout_free(NULL);
}
END_TEST

static Suite *writeout_suite(void)
{
    Suite *s = suite_create("writeout");
    TCase *tc = tcase_create("writeout_render");
    tcase_add_loop_test(tc, render_table, 0, NROWS(rows));
    tcase_add_test(tc, render_stderr_switch);
    tcase_add_test(tc, render_nul_bytes_copied);
    tcase_add_test(tc, render_null_strings_and_bad_times);
    tcase_add_test(tc, render_huge_format);
    suite_add_tcase(s, tc);

    tc = tcase_create("writeout_parse");
    tcase_add_test(tc, render_unknown_variable_warns_at_parse);
    tcase_add_test(tc, render_unknown_name_control_bytes_hidden);
    tcase_add_test(tc, render_unknown_variable_warns_once_per_name);
    tcase_add_test(tc, render_server_strings_escaped);
    tcase_add_test(tc, free_null_is_noop);
    suite_add_tcase(s, tc);

    tc = tcase_create("writeout_json");
    tcase_add_test(tc, render_json_all_variables);
    tcase_add_test(tc, render_json_to_stderr);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(writeout_suite)
