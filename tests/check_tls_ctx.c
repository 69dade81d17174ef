/*
 * Tests for the configuration half of the TLS layer (tls_ctx.c): curl's --cert "FILE:PASSWORD"
 * split, --pinnedpubkey parsing, and the settings tls_new() refuses before any traffic.
 * Handshakes with client certificates, pins and key logs run against real servers in
 * tests/it_mtls.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check_common.h"
#include "layer.h"
#include "tls.h"
#include "transport.h"

/* ---- tls_split_cert: table ---- */

static const struct {
    const char *arg, *file, *pass; /* pass NULL: none */
} split_cases[] = {
    {"client.pem", "client.pem", NULL},
    {"client.pem:secret", "client.pem", "secret"},
    {"client.pem:", "client.pem", ""},                 /* an empty pass phrase */
    {"client.pem:a:b", "client.pem", "a:b"},           /* only the first colon splits */
    {"odd\\:name.pem:pw", "odd:name.pem", "pw"},       /* \: is a colon of the name */
    {"back\\\\slash.pem:pw", "back\\slash.pem", "pw"}, /* \\ is one backslash */
    {"back\\\\:pw", "back\\", "pw"},                   /* ... and the colon after it splits */
    {"keep\\x.pem", "keep\\x.pem", NULL},              /* other backslashes stay */
    {"trailing\\", "trailing\\", NULL},
    {"/abs/path.pem:pass with spaces", "/abs/path.pem", "pass with spaces"},
    {":onlypass", "", "onlypass"},
};

START_TEST(split_cert_table)
{
    char file[64];
    const char *pass = "unset";

    ck_assert_int_eq(tls_split_cert(split_cases[_i].arg, file, sizeof file, &pass), 0);
    ck_assert_str_eq(file, split_cases[_i].file);
    if (split_cases[_i].pass == NULL)
        ck_assert_ptr_null(pass);
    else
        ck_assert_str_eq(pass, split_cases[_i].pass);
}
END_TEST

START_TEST(split_cert_file_too_long)
{
    char file[8];
    const char *pass;

    ck_assert_int_eq(tls_split_cert("12345678:pw", file, sizeof file, &pass), -1);
    ck_assert_int_eq(tls_split_cert("1234567:pw", file, sizeof file, &pass), 0);
    ck_assert_str_eq(file, "1234567");
}
END_TEST

/* ---- tls_parse_pins ---- */

/* base64 of 32 bytes 0x00..0x1f and of 32 bytes 0xff */
#define PIN_SEQ "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define PIN_FF \
    "sha256//" \
    "//////////////////////////////////////////8="

START_TEST(parse_pins_one_and_several)
{
    unsigned char out[4][32], seq[32];

    for (int i = 0; i < 32; i++)
        seq[i] = (unsigned char)i;
    ck_assert_int_eq(tls_parse_pins(PIN_SEQ, out, 4), 1);
    ck_assert_mem_eq(out[0], seq, 32);
    ck_assert_int_eq(tls_parse_pins(PIN_FF ";" PIN_SEQ, out, 4), 2);
    ck_assert_int_eq(out[0][0], 0xff);
    ck_assert_int_eq(out[0][31], 0xff);
    ck_assert_mem_eq(out[1], seq, 32);
}
END_TEST

static const char *const bad_pins[] = {
    "",
    "sha256//",
    "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",   /* no padding: 43 chars */
    "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=;", /* empty after ';' */
    "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==",  /* 31 bytes */
    "sha1//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",    /* another hash */
    "SHA256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",  /* curl's prefix is lowercase */
    "sha256//AAECAwQFBgcICQoLDA0OD RAREhMUFRYXGBkaGxwdHh8=", /* a blank inside */
    "sha256//AAECAwQFBgcICQoLDA0OD*AREhMUFRYXGBkaGxwdHh8=",  /* not base64 */
    " sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
};

START_TEST(parse_pins_refuses_malformed)
{
    unsigned char out[2][32];

    ck_assert_msg(tls_parse_pins(bad_pins[_i], out, 2) == -1, "accepted '%s'", bad_pins[_i]);
}
END_TEST

START_TEST(parse_pins_more_than_max)
{
    unsigned char out[2][32];

    ck_assert_int_eq(tls_parse_pins(PIN_SEQ ";" PIN_SEQ, out, 2), 2);
    ck_assert_int_eq(tls_parse_pins(PIN_SEQ ";" PIN_SEQ ";" PIN_SEQ, out, 2), -1);
}
END_TEST

/* ---- tls_new: configuration errors before any traffic ---- */

static int new_with(const struct tls_settings *ts, struct layer_env *env)
{
    struct layer *l = NULL;
    int r;

    memset(env, 0, sizeof *env);
    r = tls_new(&l, env, NULL, "localhost", ts);
    if (l)
        l->ops->destroy(l);
    return r;
}

START_TEST(new_defaults_ok)
{
    struct tls_settings ts = {0};
    struct layer_env env;

    ck_assert_int_eq(new_with(&ts, &env), 0);
}
END_TEST

START_TEST(new_bad_ciphers_is_config_error)
{
    struct tls_settings ts = {.ciphers = "NO-SUCH-CIPHER"};
    struct layer_env env;

    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_msg(strncmp(env.err, "--ciphers 'NO-SUCH-CIPHER'", 26) == 0, "got '%s'", env.err);
    ts = (struct tls_settings){.tls13_ciphers = "NOPE"};
    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_msg(strncmp(env.err, "--tls13-ciphers 'NOPE'", 22) == 0, "got '%s'", env.err);
}
END_TEST

START_TEST(new_max_below_min_is_config_error)
{
    struct tls_settings ts = {.min_version = TLS_VERSION_1_3, .max_version = TLS_VERSION_1_2};
    struct layer_env env;

    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_str_eq(env.err, "--tls-max is below the minimum version asked for");
    ts.max_version = TLS_VERSION_1_3;
    ck_assert_int_eq(new_with(&ts, &env), 0);
}
END_TEST

START_TEST(new_bad_pins_and_files_are_config_errors)
{
    struct tls_settings ts = {.pinned_pubkey = "sha256//short"};
    struct layer_env env;

    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(env.err, "--pinnedpubkey"));
    ts = (struct tls_settings){.pinned_pubkey = "/nonexistent/key.pem"};
    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(env.err, "'/nonexistent/key.pem'"));
    ts = (struct tls_settings){.capath = "/nonexistent/dir"};
    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_str_eq(env.err, "--capath '/nonexistent/dir' is not a directory");
    ts = (struct tls_settings){.cert = "/nonexistent/c.pem:secret pw"};
    ck_assert_int_eq(new_with(&ts, &env), T_ERR_CONFIG);
    ck_assert_msg(
        strncmp(env.err, "cannot load the client certificate from '/nonexistent/c.pem'", 60) == 0,
        "got '%s'", env.err);
    ck_assert_ptr_null(strstr(env.err, "secret")); /* the pass phrase is never shown */
}
END_TEST

START_TEST(config_new_checks_once_before_traffic)
{
    struct tls_settings ts = {0};
    struct tls_config *c = NULL;
    char err[512] = "unset";

    ck_assert_int_eq(tls_config_new(&c, &ts, err, sizeof err), 0);
    ck_assert_ptr_nonnull(c);
    tls_config_free(c);
    ts.ciphers = "NO-SUCH-CIPHER";
    ck_assert_int_eq(tls_config_new(&c, &ts, err, sizeof err), T_ERR_CONFIG);
    ck_assert_ptr_null(c);
    ck_assert_msg(strncmp(err, "--ciphers 'NO-SUCH-CIPHER'", 26) == 0, "got '%s'", err);
    ts = (struct tls_settings){.cert = "/nonexistent/c.pem"};
    ck_assert_int_eq(tls_config_new(&c, &ts, err, sizeof err), T_ERR_CONFIG);
    ck_assert_msg(strstr(err, "cannot load the client certificate") != NULL, "got '%s'", err);
    tls_config_free(NULL);
}
END_TEST

/* ---- tls_keylog_open: once, never blocking, regular files only ---- */

static char keylog_dir[64];

static void keylog_setup(void)
{
    snprintf(keylog_dir, sizeof keylog_dir, "/tmp/check_tls_ctx.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(keylog_dir));
}

static const char *in_dir(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", keylog_dir, name);
    return p;
}

START_TEST(keylog_open_regular_file_0600_append)
{
    char why[128] = "";
    struct stat st;
    int fd;

    keylog_setup();
    fd = tls_keylog_open(in_dir("keys.log"), why, sizeof why);
    ck_assert_msg(fd > 2, "fd %d (%s)", fd, why);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert(fcntl(fd, F_GETFL) & O_APPEND);
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    unlink(in_dir("keys.log"));
    rmdir(keylog_dir);
}
END_TEST

/* Before: a blocking open() of a FIFO nobody reads never returned (the test times out). */
START_TEST(keylog_open_refuses_fifo_without_reader)
{
    char why[128] = "";

    keylog_setup();
    ck_assert_int_eq(mkfifo(in_dir("fifo"), 0600), 0);
    ck_assert_int_eq(tls_keylog_open(in_dir("fifo"), why, sizeof why), -1);
    ck_assert_str_eq(why, "not a regular file");
    unlink(in_dir("fifo"));
    rmdir(keylog_dir);
}
END_TEST

/* With a reader the open succeeds, but a pipe can fill up and block our writes: refused too. */
START_TEST(keylog_open_refuses_fifo_with_reader_and_directory)
{
    char why[128] = "";
    int rd;

    keylog_setup();
    ck_assert_int_eq(mkfifo(in_dir("fifo"), 0600), 0);
    rd = open(in_dir("fifo"), O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(rd, 0);
    ck_assert_int_eq(tls_keylog_open(in_dir("fifo"), why, sizeof why), -1);
    ck_assert_str_eq(why, "not a regular file");
    close(rd);
    ck_assert_int_eq(tls_keylog_open(keylog_dir, why, sizeof why), -1);
    unlink(in_dir("fifo"));
    rmdir(keylog_dir);
}
END_TEST

static Suite *tls_ctx_suite(void)
{
    Suite *s = suite_create("tls_ctx");
    TCase *tc;

    tc = tcase_create("tls_split_cert");
    tcase_add_loop_test(tc, split_cert_table, 0, sizeof split_cases / sizeof split_cases[0]);
    tcase_add_test(tc, split_cert_file_too_long);
    suite_add_tcase(s, tc);

    tc = tcase_create("tls_parse_pins");
    tcase_add_test(tc, parse_pins_one_and_several);
    tcase_add_loop_test(tc, parse_pins_refuses_malformed, 0, sizeof bad_pins / sizeof bad_pins[0]);
    tcase_add_test(tc, parse_pins_more_than_max);
    suite_add_tcase(s, tc);

    tc = tcase_create("tls_new");
    tcase_add_test(tc, new_defaults_ok);
    tcase_add_test(tc, new_bad_ciphers_is_config_error);
    tcase_add_test(tc, new_max_below_min_is_config_error);
    tcase_add_test(tc, new_bad_pins_and_files_are_config_errors);
    tcase_add_test(tc, config_new_checks_once_before_traffic);
    suite_add_tcase(s, tc);

    tc = tcase_create("tls_keylog_open");
    tcase_add_test(tc, keylog_open_regular_file_0600_append);
    tcase_add_test(tc, keylog_open_refuses_fifo_without_reader);
    tcase_add_test(tc, keylog_open_refuses_fifo_with_reader_and_directory);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(tls_ctx_suite)
