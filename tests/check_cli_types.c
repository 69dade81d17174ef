/* Unit tests for cli's option table (cli_table.h) and number parsers: every row of every argument
 * type is parsed with valid, invalid and boundary values through cli_parse(), so a new row is
 * tested by being added; the rows agree with --help and --dump-options; and no error message ever
 * shows a secret planted anywhere in argv. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "cli.h"
#include "cli_table.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define MAXARGV  (2 * CLI_MAX_LIST + 16)

static char err[512];

/* cli_parse on "wsc" + the NULL-terminated words; the words must outlive the options. */
static int parse(struct options *o, const char *const *words, const char *env)
{
    static char *argv[MAXARGV];
    int argc = 0;
    argv[argc++] = (char *)"wsc";
    for (size_t i = 0; words[i] != NULL; i++) {
        ck_assert_int_lt(argc, MAXARGV - 1);
        argv[argc++] = (char *)words[i];
    }
    argv[argc] = NULL;
    err[0] = '\0';
    return cli_parse(o, argc, argv, env, err, sizeof err);
}

/* "--NAME VALUE ws://h/" (VALUE NULL for a flag); returns the code. */
static int parse_one(struct options *o, const struct cli_opt *op, const char *value)
{
    static char name[64];
    snprintf(name, sizeof name, "--%s", op->name);
    const char *words[] = {name, value ? value : "ws://h/", value ? "ws://h/" : NULL, NULL};
    return parse(o, words, NULL);
}

static void *field(struct options *o, const struct cli_opt *op)
{
    return (char *)o + op->off;
}

/* --- every row, by its type --- */

/* Values each type must accept (with what it stores) or refuse. */
static const struct {
    enum cli_type type;
    const char *value;
    bool ok;
    double want; /* number stored (seconds, bytes, count), when ok */
} type_table[] = {
    {CLI_SECS, "0.5", true, 0.5},
    {CLI_SECS, "31536000", true, 31536000}, /* a year: the upper bound */
    {CLI_SECS, "31536001", false, 0},
    {CLI_SECS, "-1", false, 0},
    {CLI_SECS, "", false, 0},
    {CLI_SECS, "1s", false, 0},
    {CLI_SECS, "nan", false, 0},
    {CLI_SECS_M1, "-1", true, -1},
    {CLI_SECS_M1, "0", true, 0},
    {CLI_SECS_M1, "2.5", true, 2.5},
    {CLI_SECS_M1, "31536000", true, 31536000},
    {CLI_SECS_M1, "31536001", false, 0},
    {CLI_SECS_M1, "-1.5", false, 0},
    {CLI_SECS_M1, "-2", false, 0},
    {CLI_SECS_M1, "x", false, 0},
    {CLI_BYTES, "16M", true, 16777216},
    {CLI_BYTES, "2g", true, 2147483648.0},
    {CLI_BYTES, "17179869183G", true, 17179869183.0 * 1073741824.0},
    {CLI_BYTES, "17179869184G", false, 0},
    {CLI_BYTES, "1.5M", false, 0},
    {CLI_BYTES, "-1", false, 0},
    {CLI_BYTES, "1MB", false, 0},
    {CLI_BYTES, "", false, 0},
    {CLI_COUNT, "2147483647", true, 2147483647},
    {CLI_COUNT, "2147483648", false, 0},
    {CLI_COUNT, "-1", false, 0},
    {CLI_COUNT, "3x", false, 0},
    {CLI_COUNT, "", false, 0},
    {CLI_ENUM, "", false, 0},
    {CLI_ENUM, "no-such-value", false, 0},
    {CLI_STRING, "", true, 0},
    {CLI_STRING, "plain value", true, 0},
    {CLI_LIST, "X-V: 1", true, 0},
};

static double number(struct options *o, const struct cli_opt *op)
{
    switch (op->type) {
    case CLI_SECS:
    case CLI_SECS_M1:
        return *(double *)field(o, op);
    case CLI_BYTES:
        return (double)*(uint64_t *)field(o, op);
    case CLI_COUNT:
        return (double)*(long *)field(o, op);
    default:
        return 0;
    }
}

/* Each row of the table against each value for its type; loop index = row * NVALUES + value. */
START_TEST(every_row_parses_its_type)
{
    size_t r = (size_t)_i / NROWS(type_table), v = (size_t)_i % NROWS(type_table);
    const struct cli_opt *op = &cli_options[r];
    if (op->type != type_table[v].type || op->check) /* rows with a check have their own test */
        return;
    struct options o;
    const char *value = type_table[v].value;
    bool ok = type_table[v].ok;
    /* the row's limits: > 0 for CLI_POSITIVE seconds, .min for sizes and counts */
    double want = type_table[v].want;
    if (ok && (op->type == CLI_BYTES || op->type == CLI_COUNT) && want < (double)op->min)
        ok = false;
    int rc = parse_one(&o, op, value);
    char got[sizeof err];
    snprintf(got, sizeof got, "%s", err);
    ck_assert_msg((rc == CLI_OK) == ok, "--%s '%s': returned %d (%s)", op->name, value, rc, got);
    if (ok && (op->type == CLI_SECS || op->type == CLI_SECS_M1 || op->type == CLI_BYTES ||
               op->type == CLI_COUNT))
        ck_assert_msg(number(&o, op) == want, "--%s '%s': stored %g", op->name, value,
                      number(&o, op));
    if (ok && op->type == CLI_STRING)
        ck_assert_ptr_eq(*(const char **)field(&o, op), value);
    if (ok && op->type == CLI_LIST) {
        ck_assert_uint_eq(*(size_t *)((char *)&o + op->off_n), 1);
        ck_assert_ptr_eq(((const char **)field(&o, op))[0], value);
    }
    if (!ok) {
        char name[64];
        snprintf(name, sizeof name, "--%s", op->name);
        ck_assert_msg(rc == 2, "--%s '%s': exit %d, want 2", op->name, value, rc);
        ck_assert_msg(strstr(got, name) != NULL, "--%s '%s': message \"%s\" does not name it",
                      op->name, value, got);
        ck_assert_msg(strchr(got, '\n') == NULL, "message has a newline");
    }
    cli_free(&o);
}
END_TEST

/* Boundaries that depend on the row: 0 for positive seconds, min - 1 and min for sizes and counts.
 */
START_TEST(every_row_keeps_its_bounds)
{
    const struct cli_opt *op = &cli_options[_i];
    struct options o;
    char below[32], at[32];
    if (op->type == CLI_SECS) {
        int rc = parse_one(&o, op, "0");
        cli_free(&o);
        ck_assert_msg((rc == CLI_OK) == !(op->flags & CLI_POSITIVE), "--%s 0: returned %d",
                      op->name, rc);
        rc = parse_one(&o, op, "0.001");
        cli_free(&o);
        ck_assert_msg(rc == CLI_OK, "--%s 0.001: returned %d", op->name, rc);
    }
    if (op->type == CLI_BYTES || op->type == CLI_COUNT) {
        snprintf(at, sizeof at, "%llu", (unsigned long long)op->min);
        snprintf(below, sizeof below, "%lld", (long long)op->min - 1);
        int rc = parse_one(&o, op, at);
        ck_assert_msg(rc == CLI_OK, "--%s %s (its minimum): returned %d (%s)", op->name, at, rc,
                      err);
        ck_assert_msg(number(&o, op) == (double)op->min, "--%s %s: stored %g", op->name, at,
                      number(&o, op));
        cli_free(&o);
        rc = parse_one(&o, op, below);
        cli_free(&o);
        ck_assert_msg(rc == 2, "--%s %s (below its minimum): returned %d", op->name, below, rc);
    }
    if (op->type == CLI_FLAG || op->type == CLI_FLAG_OFF) {
        char word[64];
        ck_assert_int_eq(parse_one(&o, op, NULL), CLI_OK);
        ck_assert_msg(*(bool *)field(&o, op) == (op->type == CLI_FLAG), "--%s did not set it",
                      op->name);
        cli_free(&o);
        ck_assert_int_eq(parse(&o, (const char *[]){"ws://h/", NULL}, NULL), CLI_OK);
        ck_assert_msg(*(bool *)field(&o, op) == (op->type == CLI_FLAG_OFF), "--%s: wrong default",
                      op->name);
        cli_free(&o);
        snprintf(word, sizeof word, "--%s=x", op->name);
        ck_assert_int_eq(parse(&o, (const char *[]){word, "ws://h/", NULL}, NULL), 2);
        cli_free(&o);
    }
    if (op->type == CLI_LIST) {
        static const char *words[MAXARGV];
        static char name[64];
        size_t n = 0;
        /* A header, a subprotocol token and a message; or, for the rows whose check refuses
         * it, a --resolve or a --connect-to entry. */
        const char *value = "X-T:1";
        if (op->check && op->check(value))
            value = op->check("h:1:127.0.0.1") ? "h:1:h2:2" : "h:1:127.0.0.1";
        snprintf(name, sizeof name, "--%s", op->name);
        for (int k = 0; k <= CLI_MAX_LIST; k++) {
            words[n++] = name;
            words[n++] = value;
        }
        words[n++] = "ws://h/";
        words[n] = NULL;
        ck_assert_int_eq(parse(&o, words, NULL), 2);
        ck_assert_msg(strstr(err, name) != NULL, "\"%s\"", err);
        cli_free(&o);
        words[n - 3] = "ws://h/"; /* exactly CLI_MAX_LIST */
        words[n - 2] = NULL;
        ck_assert_int_eq(parse(&o, words, NULL), CLI_OK);
        ck_assert_uint_eq(*(size_t *)((char *)&o + op->off_n), CLI_MAX_LIST);
        cli_free(&o);
    }
}
END_TEST

/* Each value of an enum row stores its index; values are case-sensitive and whole. */
START_TEST(every_enum_value_stores_its_index)
{
    const struct cli_opt *op = &cli_options[_i];
    if (op->type != CLI_ENUM)
        return;
    ck_assert_ptr_nonnull(op->values);
    char values[128];
    snprintf(values, sizeof values, "%s", op->values);
    int index = 0;
    for (char *save = NULL, *v = strtok_r(values, "|", &save); v;
         v = strtok_r(NULL, "|", &save), index++) {
        struct options o;
        ck_assert_msg(parse_one(&o, op, v) == CLI_OK, "--%s %s: %s", op->name, v, err);
        ck_assert_msg(*(int *)field(&o, op) == index, "--%s %s: stored %d", op->name, v,
                      *(int *)field(&o, op));
        cli_free(&o);
        char upper[64], prefix[64];
        snprintf(upper, sizeof upper, "%s", v);
        for (char *p = upper; *p; p++)
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        snprintf(prefix, sizeof prefix, "%.*s", (int)strlen(v) - 1, v);
        if (strcmp(upper, v) != 0) { /* "1.2" has no upper case */
            ck_assert_int_eq(parse_one(&o, op, upper), 2);
            cli_free(&o);
        }
        ck_assert_int_eq(parse_one(&o, op, prefix), 2);
        ck_assert_msg(strstr(err, v) != NULL, "message \"%s\" does not list %s", err, v);
        cli_free(&o);
    }
    ck_assert_int_gt(index, 1);
}
END_TEST

/* A default is parsed by the row's own type, and the help text says it. */
START_TEST(every_default_is_in_the_help_text)
{
    const struct cli_opt *op = &cli_options[_i];
    if (op->def == NULL)
        return;
    char want[64];
    snprintf(want, sizeof want, "default %s", op->def);
    ck_assert_msg(strstr(op->help, want) != NULL, "--%s: help \"%s\" lacks \"%s\"", op->name,
                  op->help, want);
}
END_TEST

/* Every visible row is in --help and --dump-options; the hidden ones in neither. */
START_TEST(every_row_in_help_and_dump)
{
    const struct cli_opt *op = &cli_options[_i];
    char *help = NULL, *dump = NULL, want[80];
    size_t hl = 0, dl = 0;
    FILE *f = open_memstream(&help, &hl);
    cli_usage(f);
    fclose(f);
    f = open_memstream(&dump, &dl);
    cli_dump_options(f);
    fclose(f);
    bool hidden = op->flags & CLI_HIDDEN;
    snprintf(want, sizeof want, "--%s ", op->name); /* then the argument, or padding */
    if (op->shortname)
        snprintf(want, sizeof want, "-%c, --%s%s", op->shortname, op->name, op->arg ? " " : "");
    bool in_help = strstr(help, want) != NULL;
    snprintf(want, sizeof want, "\t--%s\t", op->name);
    bool in_dump = strstr(dump, want) != NULL;
    free(help);
    free(dump);
    ck_assert_msg(in_help == !hidden, "--%s: in --help %d, hidden %d", op->name, in_help, hidden);
    ck_assert_msg(in_dump == !hidden, "--%s: in --dump-options %d", op->name, in_dump);
    ck_assert_msg(op->help && *op->help, "--%s has no help", op->name);
    ck_assert_msg((op->type == CLI_FLAG || op->type == CLI_FLAG_OFF) == (op->arg == NULL) ||
                      op->type == CLI_CUSTOM,
                  "--%s: argument name and type disagree", op->name);
}
END_TEST

START_TEST(dump_options_is_returned_not_printed)
{
    struct options o;
    ck_assert_int_eq(parse(&o, (const char *[]){"--dump-options", NULL}, NULL), CLI_DUMP);
    cli_free(&o);
}
END_TEST

/* --- cli_parse_seconds --- */

static const struct {
    const char *in;
    bool allow_m1;
    int rc;
    double want;
} seconds_table[] = {
    {"2", false, 0, 2},
    {"0", false, 0, 0},
    {"0.5", false, 0, 0.5},
    {".25", false, 0, 0.25},
    {"10.", false, 0, 10},
    {"31536000", false, 0, 31536000},
    {"-1", true, 0, -1},
    {"-1", false, -1, 0},
    {"-2", true, -1, 0},
    {"-0.5", true, -1, 0},
    {"-1.0", false, -1, 0},
    {"", false, -1, 0},
    {"", true, -1, 0},
    {"x", false, -1, 0},
    {"2s", false, -1, 0},
    {"1,5", false, -1, 0},
    {"inf", false, -1, 0},
    {"nan", false, -1, 0},
    {"1e999", false, -1, 0},
    /* more than a year is a typo */
    {"31536001", false, -1, 0},
};

START_TEST(parse_seconds_table)
{
    double got = -12345;
    int rc = cli_parse_seconds(seconds_table[_i].in, seconds_table[_i].allow_m1, &got);
    ck_assert_msg(rc == seconds_table[_i].rc, "\"%s\" (allow -1: %d): returned %d, want %d",
                  seconds_table[_i].in, seconds_table[_i].allow_m1, rc, seconds_table[_i].rc);
    if (rc == 0)
        ck_assert_msg(got == seconds_table[_i].want, "\"%s\": got %g, want %g",
                      seconds_table[_i].in, got, seconds_table[_i].want);
}
END_TEST

START_TEST(parse_seconds_null_is_an_error)
{
    double got = 7;
    ck_assert_int_eq(cli_parse_seconds(NULL, true, &got), -1);
    ck_assert_double_eq(got, 7);
}
END_TEST

/* --- cli_parse_size --- */

static const struct {
    const char *in;
    int rc;
    uint64_t want;
} size_table[] = {
    {"0", 0, 0},
    {"1", 0, 1},
    {"1048576", 0, 1048576},
    {"1K", 0, 1024},
    {"1k", 0, 1024},
    {"16M", 0, 16777216},
    {"16m", 0, 16777216},
    {"1G", 0, 1073741824},
    {"4g", 0, 4294967296ull},
    {"18446744073709551615", 0, UINT64_MAX},
    {"17179869183G", 0, 17179869183ull << 30},
    /* overflow */
    {"18446744073709551616", -1, 0},
    {"17179869184G", -1, 0},
    {"18014398509481984K", -1, 0},
    /* malformed */
    {"", -1, 0},
    {"K", -1, 0},
    {"-1", -1, 0},
    {"+1", -1, 0},
    {" 1", -1, 0},
    {"1 ", -1, 0},
    {"1.5M", -1, 0},
    {"1T", -1, 0},
    {"1MB", -1, 0},
    {"1KK", -1, 0},
    {"0x10", -1, 0},
};

START_TEST(parse_size_table)
{
    uint64_t got = 12345;
    int rc = cli_parse_size(size_table[_i].in, &got);
    ck_assert_msg(rc == size_table[_i].rc, "\"%s\": returned %d, want %d", size_table[_i].in, rc,
                  size_table[_i].rc);
    if (rc == 0)
        ck_assert_msg(got == size_table[_i].want, "\"%s\": got %llu, want %llu", size_table[_i].in,
                      (unsigned long long)got, (unsigned long long)size_table[_i].want);
    else
        ck_assert_msg(got == 12345, "\"%s\": *out written on error", size_table[_i].in);
}
END_TEST

START_TEST(parse_size_null_is_an_error)
{
    uint64_t got = 0;
    ck_assert_int_eq(cli_parse_size(NULL, &got), -1);
}
END_TEST

/* --- secrets never reach an error message --- */

#define SECRET "hunter2SECRET"

/* The ways a secret enters argv: a word or a pair of words. */
static const char *const carriers[][3] = {
    {"ws://u:" SECRET "@h/", NULL},
    {"wss://" SECRET "@h:0/", NULL},
    {"--auth", "u:" SECRET, NULL},
    {"--auth=u:" SECRET, NULL},
    {"--au", "u:" SECRET, NULL},
    {"--bearer", SECRET, NULL},
    {"--bearer=" SECRET, NULL},
    {"--bearer", SECRET " x", NULL},
    {"-H", "Authorization: Bearer " SECRET, NULL},
    {"-HAuthorization: " SECRET, NULL},
    {"--header=Cookie: " SECRET, NULL},
    {"-qH", "Authorization: " SECRET, NULL},
    /* a mistyped or ambiguous option shows its name only, never what follows '=' */
    {"--bearerr=" SECRET, NULL},
    {"--token=" SECRET, NULL},
    {"--b=" SECRET, NULL},
    /* a URL's query values: in "bad URL", "unexpected argument" and "took ... as its value" */
    {"ws://h/?access_token=" SECRET, NULL},
    {"ws://h:0/p?v=1&token=" SECRET, NULL},
    {"wss://h:99999/?api_key=" SECRET "&x", NULL},
    {"wx://h/?key=" SECRET "#sig=" SECRET, NULL},
    {"ws://h/?password=" SECRET ";secret=" SECRET, NULL},
    {"http://h/#auth=" SECRET, NULL},
    /* proxy credentials: --proxy-user, and a --proxy URL good or bad */
    {"--proxy-user", "u:" SECRET, NULL},
    {"--proxy-user=u:" SECRET, NULL},
    {"--proxy", "http://u:" SECRET "@p.test:3128", NULL},
    {"--proxy", "socks9://u:" SECRET "@p.test", NULL},
    {"--proxy=http://" SECRET "@p.test:0", NULL},
};

/* argv around the carrier: an option word from the table is put before it (so it may swallow
 * the carrier's first word), with and without URLs on either side. */
static const char *const contexts[][3] = {
    {NULL},
    {"ws://h/", NULL},
    {"x", NULL},
    {"ws://h/", "x", NULL},
};

static bool leaks(const char *const *words, const char *env)
{
    struct options o;
    parse(&o, words, env);
    cli_free(&o);
    return strstr(err, "hunter2") != NULL;
}

/* Every carrier, after every option of the table (or none), in every context, before and
 * after the context's words: the error text never holds the secret. */
START_TEST(no_secret_in_any_error)
{
    size_t c = (size_t)_i % NROWS(carriers), r = (size_t)_i / NROWS(carriers);
    const struct cli_opt *op = r < cli_noptions ? &cli_options[r] : NULL;
    for (int form = 0; form < 2; form++) {
        char name[64] = "";
        if (op && form == 0)
            snprintf(name, sizeof name, "--%s", op->name);
        else if (op && op->shortname)
            snprintf(name, sizeof name, "-%c", op->shortname);
        else if (form == 1)
            continue;
        for (size_t k = 0; k < NROWS(contexts); k++) {
            for (int after = 0; after < 2; after++) {
                const char *words[12];
                size_t n = 0;
                if (after)
                    for (size_t j = 0; contexts[k][j]; j++)
                        words[n++] = contexts[k][j];
                if (name[0])
                    words[n++] = name;
                for (size_t j = 0; carriers[c][j]; j++)
                    words[n++] = carriers[c][j];
                if (!after)
                    for (size_t j = 0; contexts[k][j]; j++)
                        words[n++] = contexts[k][j];
                words[n] = NULL;
                ck_assert_msg(!leaks(words, NULL), "%s %s %s (context %zu, after %d): \"%s\"", name,
                              carriers[c][0], carriers[c][1] ? carriers[c][1] : "", k, after, err);
                ck_assert_msg(!leaks(words, SECRET), "with the token in the environment: \"%s\"",
                              err);
            }
        }
    }
}
END_TEST

START_TEST(no_secret_from_the_environment)
{
    const char *const env[] = {SECRET, SECRET " x", "\r" SECRET};
    for (size_t i = 0; i < NROWS(env); i++) {
        ck_assert(!leaks((const char *[]){"ws://h/", NULL}, env[i]));
        ck_assert(!leaks((const char *[]){NULL}, env[i]));
        ck_assert(!leaks((const char *[]){"ws://h/", "x", NULL}, env[i]));
    }
}
END_TEST

/* The hint for a URL taken as an option's value names the option, and only for URLs. */
static const struct {
    const char *words[4];
    const char *want; /* substring of the message */
    const char *lacks;
} hint_table[] = {
    {{"--bearer", "ws://h/", NULL},
     "--bearer took 'ws://h/' as its value; TOKEN is missing?",
     NULL},
    {{"--bearer", "wss://u:" SECRET "@h/", NULL}, "--bearer took 'wss://[redacted]@h/'", SECRET},
    {{"--auth", "https://h/", NULL}, "--auth took 'https://h/'", NULL},
    {{"-x", "ws://h/", NULL}, "--execute took 'ws://h/' as its value; MSG is missing?", NULL},
    {{"--bearer", SECRET, NULL}, "no URL given (see wsc --help)", SECRET},
    {{"--origin", "http://o/", NULL}, "no URL given (see wsc --help)", "took"},
    {{"--bearer", "ws://h/?token=" SECRET "&v=2", NULL},
     "--bearer took 'ws://h/?token=[redacted]&v=[redacted]'",
     SECRET},
    {{"--bearerr=" SECRET, "ws://h/", NULL},
     "unknown option '--bearerr' (value not shown)",
     SECRET},
    {{"--zz", "ws://h/", NULL}, "unknown option '--zz' (see wsc --help)", "value not shown"},
};

START_TEST(url_taken_as_a_value_hint)
{
    struct options o;
    int rc = parse(&o, hint_table[_i].words, NULL);
    cli_free(&o);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, hint_table[_i].want) != NULL, "\"%s\" lacks \"%s\"", err,
                  hint_table[_i].want);
    if (hint_table[_i].lacks)
        ck_assert_msg(strstr(err, hint_table[_i].lacks) == NULL, "\"%s\" has \"%s\"", err,
                      hint_table[_i].lacks);
}
END_TEST

/* A bad URL is shown with its query's names but none of its values. */
START_TEST(bad_url_shows_query_names_only)
{
    struct options o;
    int rc = parse(&o, (const char *[]){"ws://h:0/?access_token=" SECRET "&v=1", NULL}, NULL);
    cli_free(&o);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "bad URL 'ws://h:0/?access_token=[redacted]&v=[redacted]'") != NULL,
                  "%s", err);
    ck_assert_ptr_null(strstr(err, SECRET));
}
END_TEST

static Suite *cli_types_suite(void)
{
    Suite *s = suite_create("cli_types");
    TCase *tc = tcase_create("cli_options");
    tcase_add_loop_test(tc, every_row_parses_its_type, 0, (int)(cli_noptions * NROWS(type_table)));
    tcase_add_loop_test(tc, every_row_keeps_its_bounds, 0, (int)cli_noptions);
    tcase_add_loop_test(tc, every_enum_value_stores_its_index, 0, (int)cli_noptions);
    tcase_add_loop_test(tc, every_default_is_in_the_help_text, 0, (int)cli_noptions);
    tcase_add_loop_test(tc, every_row_in_help_and_dump, 0, (int)cli_noptions);
    tcase_add_test(tc, dump_options_is_returned_not_printed);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli_parse_seconds");
    tcase_add_loop_test(tc, parse_seconds_table, 0, NROWS(seconds_table));
    tcase_add_test(tc, parse_seconds_null_is_an_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli_parse_size");
    tcase_add_loop_test(tc, parse_size_table, 0, NROWS(size_table));
    tcase_add_test(tc, parse_size_null_is_an_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli_parse_secrets");
    tcase_add_loop_test(tc, no_secret_in_any_error, 0, (int)((cli_noptions + 1) * NROWS(carriers)));
    tcase_add_test(tc, no_secret_from_the_environment);
    tcase_add_loop_test(tc, url_taken_as_a_value_hint, 0, (int)NROWS(hint_table));
    tcase_add_test(tc, bad_url_shows_query_names_only);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(cli_types_suite)
