/* Unit tests for match.c: the filter chain of -m, -E, -i (and the --jq seam's usage errors). */
#include <string.h>

#include "check_common.h"
#include "frame.h"
#include "match.h"

static struct match *make(const char *substr, const char *regex, bool icase)
{
    struct match_spec spec = {.substr = substr, .regex = regex, .icase = icase};
    struct match *m = (struct match *)1;
    char err[256] = "";
    ck_assert_int_eq(match_new(&spec, &m, err, sizeof err), 0);
    return m;
}

static int test_str(struct match *m, const char *s)
{
    return match_test(m, WS_OP_TEXT, (const uint8_t *)s, strlen(s), NULL);
}

START_TEST(no_options_keep_everything_with_no_chain)
{
    struct match *m = make(NULL, NULL, false);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(test_str(m, "anything"), MATCH_KEEP);
    ck_assert_int_eq(match_test(NULL, WS_OP_TEXT, NULL, 0, NULL), MATCH_KEEP);
    ck_assert_uint_eq(match_counts(NULL).received, 0);
    ck_assert_str_eq(match_names(NULL), "");
    /* -m "" is no option, as before */
    ck_assert_ptr_null(make("", NULL, false));
    match_free(NULL);
}
END_TEST

START_TEST(substring_is_plain_and_case_sensitive)
{
    struct match *m = make("\"status\":\"ok\"", NULL, false);
    ck_assert_int_eq(test_str(m, "{\"status\":\"ok\"}"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "{\"status\": \"ok\"}"), MATCH_DROP);
    ck_assert_int_eq(test_str(m, "{\"STATUS\":\"ok\"}"), MATCH_DROP);
    struct match *dot = make("a.c", NULL, false); /* no regex meaning */
    ck_assert_int_eq(test_str(dot, "abc"), MATCH_DROP);
    ck_assert_int_eq(test_str(dot, "xa.c"), MATCH_KEEP);
    ck_assert_str_eq(match_names(m), "--match");
    match_free(m);
    match_free(dot);
}
END_TEST

START_TEST(substring_ignore_case_ascii)
{
    struct match *m = make("Status", NULL, true);
    ck_assert_int_eq(test_str(m, "xxSTATUS"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "status"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "stat"), MATCH_DROP);
    ck_assert_int_eq(test_str(m, "statu5"), MATCH_DROP);
    /* the needle at the very end, and one byte short of it */
    ck_assert_int_eq(test_str(m, "aaaastatuS"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "aaaastatu"), MATCH_DROP);
    /* bytes over 0x7f are compared as they are */
    struct match *u = make("\xc3\xa9", NULL, true);
    ck_assert_int_eq(test_str(u, "caf\xc3\xa9"), MATCH_KEEP);
    ck_assert_int_eq(test_str(u, "caf\xc3\x89"), MATCH_DROP);
    match_free(m);
    match_free(u);
}
END_TEST

START_TEST(substring_sees_past_nul)
{
    struct match *m = make("ok", NULL, false);
    static const uint8_t msg[] = {'x', 0, 'o', 'k'};
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, msg, sizeof msg, NULL), MATCH_KEEP);
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, msg, 3, NULL), MATCH_DROP); /* len is the bound */
    match_free(m);
}
END_TEST

START_TEST(regex_extended)
{
    struct match *m = make(NULL, "\"status\": *\"ok\"", false);
    ck_assert_int_eq(test_str(m, "{\"status\": \"ok\"}"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "{\"status\":\"ok\"}"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "{\"status\": \"bad\"}"), MATCH_DROP);
    struct match *alt = make(NULL, "^(ab|cd)+$", false);
    ck_assert_int_eq(test_str(alt, "abcdab"), MATCH_KEEP);
    ck_assert_int_eq(test_str(alt, "abc"), MATCH_DROP);
    ck_assert_str_eq(match_names(m), "--match-regex");
    match_free(m);
    match_free(alt);
}
END_TEST

START_TEST(regex_ignore_case)
{
    struct match *m = make(NULL, "^hello [a-z]+$", true);
    ck_assert_int_eq(test_str(m, "HELLO World"), MATCH_KEEP);
    match_free(m);
    m = make(NULL, "^hello [a-z]+$", false);
    ck_assert_int_eq(test_str(m, "HELLO World"), MATCH_DROP);
    match_free(m);
}
END_TEST

/* REG_STARTEND: the bytes after a NUL are searched, and nothing past len is. */
START_TEST(regex_nul_bytes_and_bounds)
{
    struct match *m = make(NULL, "after$", false);
    static const uint8_t msg[] = {'b', 'e', 0, 'a', 'f', 't', 'e', 'r', 'X'};
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, msg, 8, NULL), MATCH_KEEP);
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, msg, 9, NULL), MATCH_DROP);
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, msg, 7, NULL), MATCH_DROP);
    match_free(m);
    /* an empty message: matched by an empty-accepting regex only */
    m = make(NULL, "^$", false);
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, NULL, 0, NULL), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "x"), MATCH_DROP);
    match_free(m);
}
END_TEST

START_TEST(bad_regex_is_an_error_with_regerror_text)
{
    struct match_spec spec = {.regex = "a("};
    struct match *m = (struct match *)1;
    char err[256] = "";
    ck_assert_int_eq(match_new(&spec, &m, err, sizeof err), -1);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err, "-E/--match-regex"));
    ck_assert_ptr_nonnull(strstr(err, "'a('"));
    ck_assert_uint_gt(strlen(strstr(err, "'a(': ")), strlen("'a(': "));
}
END_TEST

START_TEST(jq_output_needs_jq)
{
    struct match_spec spec = {.jq_output = true};
    struct match *m;
    char err[256] = "";
    ck_assert_int_eq(match_new(&spec, &m, err, sizeof err), -1);
    ck_assert_str_eq(err, "--jq-output needs --jq");
}
END_TEST

START_TEST(combination_must_pass_all)
{
    struct match *m = make("id", "[0-9]+$", false);
    ck_assert_int_eq(test_str(m, "id=42"), MATCH_KEEP);
    ck_assert_int_eq(test_str(m, "id=x"), MATCH_DROP);  /* regex fails */
    ck_assert_int_eq(test_str(m, "n=42"), MATCH_DROP);  /* substring fails */
    ck_assert_int_eq(test_str(m, "ID=42"), MATCH_DROP); /* case */
    ck_assert_str_eq(match_names(m), "--match/--match-regex");
    match_free(m);
    m = make("id", "[0-9]+$", true);
    ck_assert_int_eq(test_str(m, "ID=42"), MATCH_KEEP);
    match_free(m);
}
END_TEST

START_TEST(counts_received_and_matched)
{
    struct match *m = make("ok", NULL, false);
    test_str(m, "ok");
    test_str(m, "no");
    test_str(m, "ok!");
    struct match_counts n = match_counts(m);
    ck_assert_uint_eq(n.received, 3);
    ck_assert_uint_eq(n.matched, 2);
    ck_assert_uint_eq(n.not_json, 0);
    ck_assert(!match_jq_output(m));
    match_free(m);
}
END_TEST

/* --jq: a binary message is not JSON (skipped, counted) even when its bytes are JSON; -m still
 * tests binary messages. match_why() says why --jq dropped a message. */
START_TEST(jq_binary_is_not_json_and_why)
{
    struct match_spec spec = {.jq = ".ok", .substr = "ok"};
    struct match *m = NULL;
    char err[256] = "";
    ck_assert_int_eq(match_new(&spec, &m, err, sizeof err), 0);
    const uint8_t j[] = "{\"ok\":true}";
    ck_assert_int_eq(match_test(m, WS_OP_TEXT, j, sizeof j - 1, NULL), MATCH_KEEP);
    ck_assert_str_eq(match_why(m), "");
    ck_assert_int_eq(match_test(m, WS_OP_BINARY, j, sizeof j - 1, NULL), MATCH_NOT_JSON);
    ck_assert_str_eq(match_why(m), "binary, not JSON");
    ck_assert_int_eq(match_test(m, WS_OP_BINARY, (const uint8_t *)"no", 2, NULL), MATCH_DROP);
    ck_assert_str_eq(match_why(m), ""); /* -m dropped it */
    ck_assert_int_eq(test_str(m, "ok, not json"), MATCH_NOT_JSON);
    ck_assert_str_eq(match_why(m), "not JSON");
    ck_assert_int_eq(test_str(m, "[\"ok\"]"), MATCH_DROP);
    ck_assert_msg(strstr(match_why(m), "Cannot index array with") != NULL, "%s", match_why(m));
    struct match_counts n = match_counts(m);
    ck_assert_uint_eq(n.received, 5);
    ck_assert_uint_eq(n.matched, 1);
    ck_assert_uint_eq(n.not_json, 2);
    match_free(m);
    ck_assert_str_eq(match_why(NULL), "");

    /* without --jq, binary goes through -m */
    m = make("ok", NULL, false);
    ck_assert_int_eq(match_test(m, WS_OP_BINARY, j, sizeof j - 1, NULL), MATCH_KEEP);
    match_free(m);
}
END_TEST

static Suite *match_suite(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("match_new");
    tcase_add_test(tc, no_options_keep_everything_with_no_chain);
    tcase_add_test(tc, bad_regex_is_an_error_with_regerror_text);
    tcase_add_test(tc, jq_output_needs_jq);
    suite_add_tcase(s, tc);
    tc = tcase_create("match_test");
    tcase_add_test(tc, substring_is_plain_and_case_sensitive);
    tcase_add_test(tc, substring_ignore_case_ascii);
    tcase_add_test(tc, substring_sees_past_nul);
    tcase_add_test(tc, regex_extended);
    tcase_add_test(tc, regex_ignore_case);
    tcase_add_test(tc, regex_nul_bytes_and_bounds);
    tcase_add_test(tc, combination_must_pass_all);
    tcase_add_test(tc, counts_received_and_matched);
    tcase_add_test(tc, jq_binary_is_not_json_and_why);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(match_suite)
