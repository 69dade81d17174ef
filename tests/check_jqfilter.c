/* Unit tests for jqfilter: jq's truthiness, results written for --jq-output, messages that are
 * not one JSON text, runtime and compile errors, halt, and one jq_state reused without growth. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_common.h"
#include "jqfilter.h"

static struct jqfilter *compile_ok(const char *prog)
{
    char err[256] = "";
    struct jqfilter *f = jqfilter_new(prog, err, sizeof err);
    ck_assert_msg(f != NULL, "%s: %s", prog, err);
    return f;
}

/* Run prog on msg (a C string) without output. */
static int run1(const char *prog, const char *msg)
{
    struct jqfilter *f = compile_ok(prog);
    int r = jqfilter_run(f, (const uint8_t *)msg, strlen(msg), NULL, NULL, 0);
    jqfilter_free(f);
    return r;
}

/* Run prog on msg with output; the output, NUL-terminated, into got. */
static int run_out(struct jqfilter *f, const char *msg, char *got, size_t gotlen)
{
    struct buf b;
    buf_init(&b);
    int r = jqfilter_run(f, (const uint8_t *)msg, strlen(msg), &b, NULL, 0);
    ck_assert_uint_lt(b.len, gotlen);
    memcpy(got, buf_head(&b), b.len);
    got[b.len] = '\0';
    buf_free(&b);
    return r;
}

/* jq: only false and null are false; 0, "", [] and {} are true. */
START_TEST(truthiness_as_jq)
{
    static const struct {
        const char *prog, *msg;
        int want;
    } cases[] = {
        {".a", "{\"a\":false}", JQF_DROP},
        {".a", "{\"a\":null}", JQF_DROP},
        {".a", "{}", JQF_DROP}, /* missing key: null */
        {".a", "{\"a\":0}", JQF_KEEP},
        {".a", "{\"a\":\"\"}", JQF_KEEP},
        {".a", "{\"a\":[]}", JQF_KEEP},
        {".a", "{\"a\":{}}", JQF_KEEP},
        {".a", "{\"a\":true}", JQF_KEEP},
        {"select(.n % 2 == 0)", "{\"n\":4}", JQF_KEEP},
        {"select(.n % 2 == 0)", "{\"n\":3}", JQF_DROP},
        {".", "null", JQF_DROP},
        {".", "false", JQF_DROP},
        {".", "0", JQF_KEEP},
        {".", " \"x\" \n", JQF_KEEP}, /* white space around one text is fine */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(run1(cases[i].prog, cases[i].msg) == cases[i].want, "%s on %s", cases[i].prog,
                      cases[i].msg);
}
END_TEST

/* Several results: kept when any one is true; none at all (empty) drops. */
START_TEST(multiple_and_empty_results)
{
    ck_assert_int_eq(run1(".[]", "[null,false,1]"), JQF_KEEP);
    ck_assert_int_eq(run1(".[]", "[null,false]"), JQF_DROP);
    ck_assert_int_eq(run1(".[]", "[]"), JQF_DROP);
    ck_assert_int_eq(run1("empty", "{\"a\":1}"), JQF_DROP);
    ck_assert_int_eq(run1("select(.a > 5)", "{\"a\":1}"), JQF_DROP);
}
END_TEST

/* Not one JSON text: empty, garbage, trailing garbage, two texts, too deep, cut short. */
START_TEST(not_json)
{
    static const char *msgs[] = {
        "",
        "   ",
        "hello",
        "{\"a\":1} x",
        "{\"a\":1}{\"a\":2}",
        "1 2",
        "{\"a\":",
        "[1,]",
        "'a'",
        "{\"a\":1}}",
        "nul",
        /* RFC 8259 to the letter: none of these reaches libjq's parser */
        "]{\"a\":1}",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "nan",
        "\"\\x\"",
        "\"\\u12\"",
        "\"a\tb\"",
        "{1:2}",
        "{\"a\"}",
        "[1 2]",
        "truex",
        "[,1]",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        ck_assert_msg(run1(".", msgs[i]) == JQF_NOT_JSON, "'%s'", msgs[i]);
    static const char *good[] = {
        " {\"a\" : [1, -0, 2.5e-3, 1E+2, \"x\\u00e9\\n\\/\", true, false, null, {}, []]} ",
        "0",
        "\"\"",
        "[[[]]]",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(run1(".", good[i]) == JQF_KEEP, "'%s'", good[i]);

    /* bytes after a NUL are still part of the message: not JSON */
    struct jqfilter *f = compile_ok(".");
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)"1\0x", 3, NULL, NULL, 0), JQF_NOT_JSON);
    jqfilter_free(f);
}
END_TEST

/* A string right after a value inside an array or object (libjq 1.6 leaks it) is not JSON;
 * quotes, brackets and backslashes inside strings do not confuse the check. */
START_TEST(string_after_value_is_not_json)
{
    static const char *bad[] = {
        "[1\"abc\"]", "[1 \"abc\"]",  "{\"a\" \"b\"}", "{\"a\":1 \"b\":2}", "[[1]\"x\"]",
        "[{}\"x\"]",  "[\"a\"\"b\"]", "[true\"x\"]",   "[\"a\\\"\" \"b\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(run1(".", bad[i]) == JQF_NOT_JSON, "%s", bad[i]);
    static const char *good[] = {
        "[\"a\\\"]b\",\"c\"]",
        "{\"a\":\"b\",\"c\":[\"d\",{\"e\":\"]\"}]}",
        "[\"\\\\\",\"x\"]",
        " [ 1 , \"a\" ] ",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(run1(".", good[i]) == JQF_KEEP, "%s", good[i]);
}
END_TEST

/* 100,000 nested arrays: jq's parser stops at depth 256 instead of recursing. */
START_TEST(deep_nesting_is_not_json)
{
    size_t n = 100000;
    char *p = malloc(2 * n);
    ck_assert_ptr_nonnull(p);
    memset(p, '[', n);
    memset(p + n, ']', n);
    struct jqfilter *f = compile_ok(".");
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)p, 2 * n, NULL, NULL, 0), JQF_NOT_JSON);
    /* 200 deep is within the limit */
    memset(p, '[', 200);
    memset(p + 200, ']', 200);
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)p, 400, NULL, NULL, 0), JQF_KEEP);
    jqfilter_free(f);
    free(p);
}
END_TEST

/* A 16 MiB string and a 1,000,000-element array parse and run. */
START_TEST(huge_message)
{
    size_t n = 16u << 20;
    char *p = malloc(n + 16);
    ck_assert_ptr_nonnull(p);
    memcpy(p, "{\"s\":\"", 6);
    memset(p + 6, 'a', n);
    memcpy(p + 6 + n, "\"}", 2);
    struct jqfilter *f = compile_ok(".s | length > 1000");
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)p, n + 8, NULL, NULL, 0), JQF_KEEP);
    jqfilter_free(f);

    size_t m = 1000000, len = 0;
    p[len++] = '[';
    for (size_t i = 0; i < m; i++) {
        p[len++] = '1';
        p[len++] = i + 1 < m ? ',' : ']';
    }
    f = compile_ok("length == 1000000");
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)p, len, NULL, NULL, 0), JQF_KEEP);
    jqfilter_free(f);
    free(p);
}
END_TEST

/* Path expressions (`paths`, `..`, `.[]?`) leave libjq 1.6 asserting if a run is cut short
 * and the state reset: runs are drained, so the next message runs normally. */
START_TEST(path_expressions_then_next_message)
{
    static const char *progs[] = {"paths", "[paths] | length > 0", "..", ".[]?", "path(..)"};
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        struct jqfilter *f = compile_ok(progs[i]);
        const char *m = "{\"x\":{\"y\":[[[1]]]}}";
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)m, strlen(m), NULL, NULL, 0),
                             JQF_KEEP);
        jqfilter_free(f);
    }
}
END_TEST

/* A runtime error drops the message with jq's text; the next message runs normally. */
START_TEST(runtime_error)
{
    struct jqfilter *f = compile_ok(".a.b");
    char err[128];
    const char *m = "{\"a\":5}";
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)m, strlen(m), NULL, err, sizeof err),
                     JQF_ERROR);
    ck_assert_str_eq(err, "Cannot index number with string \"b\"");
    m = "{\"a\":{\"b\":1}}";
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)m, strlen(m), NULL, err, sizeof err),
                     JQF_KEEP);
    ck_assert_str_eq(err, "");
    jqfilter_free(f);

    /* error/1 with an object: its JSON; a small err buffer cuts the text */
    f = compile_ok("error({\"x\":1})");
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)"1", 1, NULL, err, sizeof err), JQF_ERROR);
    ck_assert_str_eq(err, "{\"x\":1}");
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)"1", 1, NULL, err, 4), JQF_ERROR);
    ck_assert_str_eq(err, "{\"x");
    jqfilter_free(f);
}
END_TEST

/* Output mode: every result, compact, one per line, false/null included; an error writes
 * nothing (the results before it are taken back) and leaves what was in the buffer. */
START_TEST(output_lines)
{
    char got[256];
    struct jqfilter *f = compile_ok(".[]");
    ck_assert_int_eq(run_out(f, "[1, \"a\", null, {\"k\": [true, false]}]", got, sizeof got),
                     JQF_KEEP);
    ck_assert_str_eq(got, "1\n\"a\"\nnull\n{\"k\":[true,false]}\n");
    ck_assert_int_eq(run_out(f, "[null,false]", got, sizeof got), JQF_DROP);
    ck_assert_str_eq(got, "null\nfalse\n");
    ck_assert_int_eq(run_out(f, "[]", got, sizeof got), JQF_DROP);
    ck_assert_str_eq(got, "");
    jqfilter_free(f);

    f = compile_ok(".price");
    ck_assert_int_eq(run_out(f, "{\"price\": 1.5e2, \"u\": \"\\u00e9\"}", got, sizeof got),
                     JQF_KEEP);
    ck_assert_str_eq(got, "150\n");
    jqfilter_free(f);

    f = compile_ok(".[] | .a");
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "old\n", 4), 0);
    const char *m = "[{\"a\":1},{\"a\":2},3]";
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)m, strlen(m), &b, NULL, 0), JQF_ERROR);
    ck_assert_uint_eq(b.len, 4);
    ck_assert_int_eq(memcmp(buf_head(&b), "old\n", 4), 0);
    buf_free(&b);
    jqfilter_free(f);
}
END_TEST

/* Compile errors name jq's message on one line; err gets nothing else. */
START_TEST(compile_error_names_jq_message)
{
    char err[512];
    ck_assert_ptr_null(jqfilter_new(".foo[", err, sizeof err));
    ck_assert_msg(strstr(err, "syntax error") != NULL, "%s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    ck_assert_ptr_null(strstr(err, "jq: error"));

    ck_assert_ptr_null(jqfilter_new("nosuchfunction(1)", err, sizeof err));
    ck_assert_msg(strstr(err, "nosuchfunction/1 is not defined") != NULL, "%s", err);
    ck_assert_ptr_null(jqfilter_new(".a |", NULL, 0)); /* no err buffer: still NULL */
}
END_TEST

/* import/include/module: refused (jq takes them only at the start of a program, where the
 * prelude is, and a module's code would not see the prelude's checked implode). */
START_TEST(modules_are_refused)
{
    static const char *const progs[] = {"import \"m\" as m; .", "  # c\n include \"m\"; .",
                                        "module {a: 1}; ."};
    char err[256];
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        ck_assert_ptr_null(jqfilter_new(progs[i], err, sizeof err));
        ck_assert_str_eq(err, "modules are not supported");
    }
    /* not a directive: a name that starts with one */
    ck_assert_int_eq(run1("def imported: .; imported", "1"), JQF_KEEP);
}
END_TEST

/* implode: libjq 1.6 asserts (aborts) on anything but an array of code points; the prelude's
 * implode is an error instead. Surrogates do not assert. */
START_TEST(implode_is_checked)
{
    static const char *const bad[] = {"{\"x\":[\"a\"]}",   "{\"x\":[-1]}",  "{\"x\":[1e300]}",
                                      "{\"x\":[1114112]}", "{\"x\":[1.5]}", "{\"x\":\"ab\"}",
                                      "{\"x\":[null]}"};
    char err[128];
    struct jqfilter *f = compile_ok(".x | implode");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(
            jqfilter_run(f, (const uint8_t *)bad[i], strlen(bad[i]), NULL, err, sizeof err),
            JQF_ERROR);
        ck_assert_str_eq(err, "implode input must be an array of code points");
    }
    jqfilter_free(f);
    ck_assert_int_eq(run1("[nan] | implode", "1"), JQF_ERROR);
    f = compile_ok(".x | implode");
    char got[64];
    ck_assert_int_eq(run_out(f, "{\"x\":[65,66,1114111]}", got, sizeof got), JQF_KEEP);
    ck_assert_str_eq(got, "\"AB\xf4\x8f\xbf\xbf\"\n");
    ck_assert_int_eq(run_out(f, "{\"x\":[55296,57343]}", got, sizeof got), JQF_KEEP);
    jqfilter_free(f);
    ck_assert_int_eq(run1("\"abc\" | explode | implode == \"abc\"", "1"), JQF_KEEP);
}
END_TEST

/* fromjson: libjq 1.6's parser leaks on `[1"..."]`; the prelude makes it an error (this test
 * leaked under LeakSanitizer before). */
START_TEST(fromjson_is_refused)
{
    char err[128];
    struct jqfilter *f = compile_ok(".s | fromjson");
    const char *m = "{\"s\":\"[1\\\"abcdefgh\\\"]\"}";
    ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)m, strlen(m), NULL, err, sizeof err),
                     JQF_ERROR);
    ck_assert_str_eq(err, "fromjson is not available: libjq 1.6 leaks on malformed input");
    jqfilter_free(f);
}
END_TEST

/* A syntax error quotes the program as the user wrote it, line 1, without the prelude. */
START_TEST(compile_error_hides_prelude)
{
    char err[256];
    ck_assert_ptr_null(jqfilter_new(".x |||", err, sizeof err));
    ck_assert_msg(strstr(err, "line 1:") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "_wsc_implode") == NULL, "%s", err);
    ck_assert_msg(strstr(err, ".x |||") != NULL, "%s", err);
    ck_assert_ptr_null(jqfilter_new(".\nfoo", err, sizeof err));
    ck_assert_msg(strstr(err, "line 2:") != NULL, "%s", err);
}
END_TEST

/* halt ends the results; halt_error fails the message; the filter keeps working after both
 * (libjq 1.6 would free the halt's values twice on the next jq_start). */
START_TEST(halt_and_halt_error)
{
    char err[128];
    struct jqfilter *f = compile_ok("if .h then (\"bye\" | halt_error(5)) else . end");
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(
            jqfilter_run(f, (const uint8_t *)"{\"h\":true}", 10, NULL, err, sizeof err), JQF_ERROR);
        ck_assert_str_eq(err, "bye");
        ck_assert_int_eq(
            jqfilter_run(f, (const uint8_t *)"{\"h\":false}", 11, NULL, err, sizeof err), JQF_KEEP);
    }
    jqfilter_free(f);

    f = compile_ok("1, halt, 2");
    char got[64];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(run_out(f, "0", got, sizeof got), JQF_KEEP);
        ck_assert_str_eq(got, "1\n");
    }
    jqfilter_free(f);
}
END_TEST

/* 200,000 messages through one filter: the heap does not grow (one jq_state, one scratch). */
START_TEST(many_runs_do_not_grow)
{
    struct jqfilter *f = compile_ok("select(.n % 2 == 0) | .s");
    struct buf b;
    buf_init(&b);
    char m[64];
    size_t before = 0;
    for (int i = 0; i < 200000; i++) {
        if (i == 1000)
            before = mallinfo2().uordblks;
        int n = snprintf(m, sizeof m, "{\"n\":%d,\"s\":\"abcdefgh\"}", i);
        buf_clear(&b);
        int r = jqfilter_run(f, (const uint8_t *)m, (size_t)n, &b, NULL, 0);
        ck_assert_int_eq(r, i % 2 == 0 ? JQF_KEEP : JQF_DROP);
        ck_assert_uint_eq(b.len, i % 2 == 0 ? 11 : 0);
        if (i % 3 == 0) /* not-JSON and error paths too */
            ck_assert_int_eq(jqfilter_run(f, (const uint8_t *)m, (size_t)n - 1, &b, NULL, 0),
                             JQF_NOT_JSON);
    }
    size_t after = mallinfo2().uordblks;
    ck_assert_msg(after <= before + 4096, "heap in use grew from %zu to %zu", before, after);
    buf_free(&b);
    jqfilter_free(f);
    jqfilter_free(NULL);
}
END_TEST

static Suite *jqfilter_suite(void)
{
    Suite *s = suite_create("jqfilter");
    TCase *tc = tcase_create("jqfilter_run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, truthiness_as_jq);
    tcase_add_test(tc, multiple_and_empty_results);
    tcase_add_test(tc, not_json);
    tcase_add_test(tc, string_after_value_is_not_json);
    tcase_add_test(tc, deep_nesting_is_not_json);
    tcase_add_test(tc, huge_message);
    tcase_add_test(tc, path_expressions_then_next_message);
    tcase_add_test(tc, runtime_error);
    tcase_add_test(tc, output_lines);
    tcase_add_test(tc, halt_and_halt_error);
    tcase_add_test(tc, many_runs_do_not_grow);
    tcase_add_test(tc, implode_is_checked);
    tcase_add_test(tc, fromjson_is_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("jqfilter_new");
    tcase_add_test(tc, compile_error_names_jq_message);
    tcase_add_test(tc, modules_are_refused);
    tcase_add_test(tc, compile_error_hides_prelude);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(jqfilter_suite)
