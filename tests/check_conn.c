/* Unit tests for conn: the outcome table (exit code and message of every outcome), the options
 * to conn_config mapping, and the life cycle that needs no socket. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check_common.h"
#include "cli.h"
#include "conn.h"
#include "conn_int.h"
#include "exitcode.h"
#include "conn_options.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* Every outcome with a typical detail and the exact line wsc prints today (tests/it_* check the
 * same texts end to end). */
static const struct {
    enum conn_outcome o;
    int exit;
    const char *detail;
    const char *want;
} outcome_table[] = {
    {CONN_OK_CLOSED, 0, "", ""},
    {CONN_OK_SERVER_CLOSED, 0, "1001: bye", "server closed the connection with 1001: bye"},
    {CONN_ABORTED, 0, "", ""},
    {CONN_ERR_RESOLVE, 6, "cannot resolve host nx.invalid: Name or service not known",
     "cannot resolve host nx.invalid: Name or service not known"},
    {CONN_ERR_CONNECT, 7, "127.0.0.1:9: Connection refused",
     "cannot connect: 127.0.0.1:9: Connection refused"},
    {CONN_ERR_PROXY_RESOLVE, 5, "could not resolve proxy 'px.invalid': Name or service not known",
     "could not resolve proxy 'px.invalid': Name or service not known"},
    {CONN_ERR_PROXY_CONNECT, 7, "127.0.0.1:1: connection refused",
     "cannot connect to proxy 127.0.0.1:1: connection refused"},
    {CONN_ERR_PROXY, 97, "SOCKS5 proxy 127.0.0.1:1080 could not open the tunnel to h:1",
     "proxy handshake failed: SOCKS5 proxy 127.0.0.1:1080 could not open the tunnel to h:1"},
    {CONN_ERR_PROXY_AUTH, 97, "SOCKS5 proxy 127.0.0.1:1080 rejected the username/password",
     "proxy handshake failed: SOCKS5 proxy 127.0.0.1:1080 rejected the username/password"},
    {CONN_ERR_PROXY_CONFIG, 2, "Location: bad proxy URL: x",
     "bad proxy configuration: Location: bad proxy URL: x"},
    {CONN_ERR_TLS, 35, "wrong version number", "TLS handshake failed: wrong version number"},
    {CONN_ERR_CERT, 60, "self-signed certificate",
     "server certificate not verified: self-signed certificate"},
    {CONN_ERR_PINNED, 90, "the server's key sha256//AAAA matches no --pinnedpubkey",
     "server public key not pinned: the server's key sha256//AAAA matches no --pinnedpubkey"},
    {CONN_ERR_TLS_CONFIG, 2, "cannot read x.pem", "bad TLS configuration: cannot read x.pem"},
    {CONN_ERR_TIMEOUT, 28, "after 1 s connecting (--connect-timeout)",
     "timed out after 1 s connecting (--connect-timeout)"},
    {CONN_ERR_PING_TIMEOUT, 28, "no reply from the server within 2 s of a ping (--ping-timeout)",
     "no reply from the server within 2 s of a ping (--ping-timeout)"},
    {CONN_ERR_HANDSHAKE, 8, "connection closed before any reply",
     "bad handshake reply: connection closed before any reply"},
    {CONN_ERR_REFUSED, 22, "HTTP/1.1 403 Forbidden: go away",
     "server refused the upgrade: HTTP/1.1 403 Forbidden: go away"},
    {CONN_ERR_REDIRECT, 47, "maximum (10) redirects followed (--max-redirs)",
     "cannot follow the redirect: maximum (10) redirects followed (--max-redirs)"},
    {CONN_ERR_PROTOCOL, 40, "reserved opcode 3 (sent close 1002)",
     "server broke the protocol: reserved opcode 3 (sent close 1002)"},
    {CONN_ERR_SERVER_CLOSE, 41, "1011: oops", "server closed the connection with 1011: oops"},
    {CONN_ERR_ABNORMAL, 42, "", "server closed the connection without a close frame (1006)"},
    {CONN_ERR_RESET, 56, "Connection reset by peer", "connection broke: Connection reset by peer"},
    {CONN_ERR_SEND, 56, "Broken pipe", "connection broke while sending: Broken pipe"},
    {CONN_ERR_INTERNAL, 1, "out of memory", "out of memory"},
    {CONN_INTERRUPTED, 130, "", "interrupted"},
    {CONN_TERMINATED, 143, "", "interrupted"},
    {CONN_HANGUP, 129, "", "interrupted"},
};

START_TEST(outcome_exit_and_message_of_every_outcome)
{
    char out[256];
    ck_assert_int_eq(NROWS(outcome_table), CONN_OUTCOME_COUNT);
    for (size_t i = 0; i < NROWS(outcome_table); i++) {
        ck_assert_int_eq(outcome_table[i].o, (int)i); /* the table lists them in order */
        ck_assert_int_eq(conn_outcome_exit(outcome_table[i].o), outcome_table[i].exit);
        conn_outcome_message(outcome_table[i].o, outcome_table[i].detail, out, sizeof out);
        ck_assert_str_eq(out, outcome_table[i].want);
    }
}
END_TEST

START_TEST(outcome_names_unique)
{
    for (int i = 0; i < CONN_OUTCOME_COUNT; i++) {
        ck_assert_str_ne(conn_outcome_name(i), "?");
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(conn_outcome_name(i), conn_outcome_name(j));
    }
}
END_TEST

START_TEST(outcome_out_of_range)
{
    char out[64];
    ck_assert_int_eq(conn_outcome_exit(CONN_OUTCOME_COUNT), EXIT_INTERNAL);
    ck_assert_int_eq(conn_outcome_exit((enum conn_outcome) - 1), EXIT_INTERNAL);
    ck_assert_str_eq(conn_outcome_name(CONN_OUTCOME_COUNT), "?");
    ck_assert_str_eq(conn_outcome_message(CONN_OUTCOME_COUNT, "x", out, sizeof out),
                     "internal error: x");
}
END_TEST

START_TEST(outcome_message_without_detail)
{
    char out[128];
    /* NULL and "" mean the same: the words alone, no dangling separator */
    ck_assert_str_eq(conn_outcome_message(CONN_ERR_CONNECT, NULL, out, sizeof out),
                     "cannot connect");
    ck_assert_str_eq(conn_outcome_message(CONN_ERR_TIMEOUT, "", out, sizeof out), "timed out");
    ck_assert_str_eq(conn_outcome_message(CONN_ERR_RESOLVE, NULL, out, sizeof out), "");
}
END_TEST

START_TEST(outcome_message_truncated)
{
    char out[10];
    conn_outcome_message(CONN_ERR_REFUSED, "HTTP/1.1 403", out, sizeof out);
    ck_assert_str_eq(out, "server re");
    char one[1];
    conn_outcome_message(CONN_ERR_REFUSED, "x", one, sizeof one);
    ck_assert_str_eq(one, "");
}
END_TEST

START_TEST(outcome_for_signal)
{
    ck_assert_int_eq(conn_outcome_exit(conn_outcome_for_signal(SIGINT)), 128 + SIGINT);
    ck_assert_int_eq(conn_outcome_exit(conn_outcome_for_signal(SIGTERM)), 128 + SIGTERM);
    ck_assert_int_eq(conn_outcome_exit(conn_outcome_for_signal(SIGHUP)), 128 + SIGHUP);
}
END_TEST

/* --- conn_options_config --- */

START_TEST(options_config_maps_every_field)
{
    struct options o;
    char err[256];
    char *argv[] = {"wsc",
                    "-s",
                    "chat",
                    "-s",
                    "superchat",
                    "-H",
                    "X-A: 1",
                    "-o",
                    "https://o.example",
                    "--cacert",
                    "ca.pem",
                    "-k",
                    "--connect-timeout",
                    "3",
                    "--max-message-size",
                    "1000",
                    "--log-comms",
                    "--bearer",
                    "tok",
                    "wss://[::1]:8443/p?q=1",
                    NULL};
    int argc = (int)NROWS(argv) - 1;
    ck_assert_int_eq(cli_parse(&o, argc, argv, NULL, err, sizeof err), CLI_OK);
    struct conn_config c;
    conn_options_config(&o, NULL, &c);
    ck_assert_int_eq(c.role, CONN_CLIENT);
    ck_assert_str_eq(c.host, "::1");
    ck_assert_uint_eq(c.port, 8443);
    ck_assert(c.tls);
    ck_assert_str_eq(c.resource, "/p?q=1");
    ck_assert_uint_eq(c.nsubprotocols, 2);
    ck_assert_str_eq(c.subprotocols[1], "superchat");
    ck_assert_uint_eq(c.nheaders, 1);
    ck_assert_str_eq(c.headers[0], "X-A: 1");
    ck_assert_str_eq(c.origin, "https://o.example");
    ck_assert_str_eq(c.authorization, "Bearer tok");
    ck_assert_str_eq(c.tls_opts.cacert, "ca.pem");
    ck_assert(c.tls_opts.insecure);
    ck_assert(c.connect_timeout == 3.0);
    ck_assert_uint_eq(c.max_message_size, 1000);
    ck_assert(c.log_comms);
    ck_assert_ptr_eq(c.proxy, &o.proxy_in); /* main() fills it; every conn reads it */
    /* /connect TOKEN replaces the credentials */
    conn_options_config(&o, "Bearer other", &c);
    ck_assert_str_eq(c.authorization, "Bearer other");
    ck_assert(!c.follow_redirects); /* no -L: redirects are refusals */
    cli_free(&o);
}
END_TEST

/* -L follows up to 10 by default; --location-trusted implies -L; --max-redirs -1 = no limit. */
START_TEST(options_config_redirects)
{
    static const struct {
        const char *args[4];
        bool follow, trusted;
        long max;
    } rows[] = {
        {{"-L", "ws://h/"}, true, false, 10},
        {{"--location", "--max-redirs", "-1", "ws://h/"}, true, false, -1},
        {{"--location-trusted", "ws://h/"}, true, true, 10},
        {{"--max-redirs", "3", "ws://h/"}, false, false, 3},
    };
    for (size_t i = 0; i < NROWS(rows); i++) {
        struct options o;
        char err[256];
        char *argv[6] = {"wsc"};
        int argc = 1;
        for (size_t j = 0; j < 4 && rows[i].args[j]; j++)
            argv[argc++] = (char *)rows[i].args[j];
        ck_assert_int_eq(cli_parse(&o, argc, argv, NULL, err, sizeof err), CLI_OK);
        struct conn_config c;
        conn_options_config(&o, NULL, &c);
        ck_assert_msg(c.follow_redirects == rows[i].follow, "row %zu: follow", i);
        ck_assert_msg(c.location_trusted == rows[i].trusted, "row %zu: trusted", i);
        ck_assert_int_eq(c.max_redirs, rows[i].max);
        cli_free(&o);
    }
}
END_TEST

/* --- life cycle without a socket --- */

static const struct conn_handlers no_handlers;

START_TEST(new_refuses_server_role)
{
    struct conn_config cfg = {.role = CONN_SERVER,
                              .host = "127.0.0.1",
                              .port = 80,
                              .resource = "/",
                              .connect_timeout = 1};
    ck_assert_ptr_null(conn_new(&cfg, &no_handlers, NULL));
    cfg.role = CONN_CLIENT;
    cfg.host = NULL;
    ck_assert_ptr_null(conn_new(&cfg, &no_handlers, NULL));
}
END_TEST

START_TEST(free_null_is_noop)
{
    conn_free(NULL);
}
END_TEST

START_TEST(idle_then_abort_reports_outcome)
{
    struct conn_config cfg = {
        .host = "127.0.0.1", .port = 80, .resource = "/", .connect_timeout = 1};
    struct conn *c = conn_new(&cfg, &no_handlers, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(conn_state(c), CONN_IDLE);
    ck_assert_int_eq(conn_fd(c), -1);
    ck_assert_int_eq(conn_poll_events(c), 0);
    ck_assert_str_eq(conn_subprotocol(c), "");
    ck_assert_str_eq(conn_peer(c), "");
    ck_assert_int_eq(conn_http_status(c), 0);
    ck_assert_int_eq(conn_retry_after(c), -1);
    ck_assert_int_eq(conn_close_code_received(c), 0);
    ck_assert_str_eq(conn_close_reason_received(c), "");
    ck_assert_int_eq(conn_send(c, 1, (const uint8_t *)"x", 1), CONN_SEND_STATE);
    conn_abort(c, CONN_ERR_TIMEOUT, "after 2 s (--timeout)");
    ck_assert_int_eq(conn_state(c), CONN_DONE);
    ck_assert_int_eq(conn_outcome(c), CONN_ERR_TIMEOUT);
    ck_assert_str_eq(conn_detail(c), "after 2 s (--timeout)");
    ck_assert_str_eq(conn_message(c), "timed out after 2 s (--timeout)");
    ck_assert_int_eq(conn_deadline(c), -1);
    /* the first outcome sticks */
    conn_abort(c, CONN_ABORTED, "");
    ck_assert_int_eq(conn_outcome(c), CONN_ERR_TIMEOUT);
    conn_reset(c);
    ck_assert_int_eq(conn_state(c), CONN_IDLE);
    conn_free(c);
}
END_TEST

/* --- the proxy of each attempt (conn_proxy.c) --- */

/* conn_start() chooses the proxy for the URL as it is then, and hands it to the transport;
 * 127.0.0.1:1 refuses at once, so no name is looked up and nothing waits. */
START_TEST(start_chooses_the_proxy_per_scheme)
{
    struct proxy_inputs in = {.env_http_proxy = "http://u:pw@127.0.0.1:1",
                              .env_https_proxy = "socks5h://127.0.0.1:1"};
    struct conn_config cfg = {
        .host = "127.0.0.1", .port = 1, .resource = "/", .connect_timeout = 1, .proxy = &in};
    struct conn *c = conn_new(&cfg, &no_handlers, NULL);
    ck_assert_ptr_nonnull(c);
    conn_start(c);
    ck_assert_int_eq(c->proxy.type, PROXY_HTTP);
    ck_assert_str_eq(c->proxy.user, "u");
    conn_abort(c, CONN_ABORTED, "");
    conn_reset(c);
    /* a redirect to wss:// changes the config: the next start reads https_proxy */
    cfg.tls = true;
    ck_assert_int_eq(conn_configure(c, &cfg), 0);
    conn_start(c);
    ck_assert_int_eq(c->proxy.type, PROXY_SOCKS5H);
    ck_assert(!c->proxy.has_auth);
    conn_abort(c, CONN_ABORTED, "");
    conn_reset(c);
    /* no_proxy names the host: direct */
    in.env_no_proxy = "127.0.0.0/8";
    conn_start(c);
    ck_assert_int_eq(c->proxy.type, PROXY_NONE);
    conn_free(c);
}
END_TEST

START_TEST(start_with_a_bad_proxy_url_is_a_usage_error_without_secret)
{
    struct proxy_inputs in = {.env_https_proxy = "http://u:hunter2@127.0.0.1:0",
                              .env_https_name = "HTTPS_PROXY"};
    struct conn_config cfg = {.host = "127.0.0.1",
                              .port = 1,
                              .tls = true,
                              .resource = "/",
                              .connect_timeout = 1,
                              .proxy = &in};
    struct conn *c = conn_new(&cfg, &no_handlers, NULL);
    ck_assert_ptr_nonnull(c);
    conn_start(c);
    ck_assert_int_eq(conn_state(c), CONN_DONE);
    ck_assert_int_eq(conn_outcome_exit(conn_outcome(c)), 2);
    ck_assert_msg(strstr(conn_message(c), "HTTPS_PROXY: bad proxy URL") != NULL, "%s",
                  conn_message(c));
    ck_assert_msg(strstr(conn_message(c), "hunter2") == NULL, "%s", conn_message(c));
    ck_assert_int_eq(c->proxy.type, PROXY_NONE);
    conn_free(c);
}
END_TEST

/* conn_escape: peer text shown escaped, written into the caller's buffer (no allocation), cut
 * so that it always fits: at most (n - 1) / 4 input bytes, since one byte may become "\\xNN". */
START_TEST(escape_controls_and_fits_the_buffer)
{
    char out[4 * 4 + 1];
    conn_escape(out, sizeof out, (const uint8_t *)"a\nb\x01", 4);
    ck_assert_str_eq(out, "a\\nb\\x01");
    memset(out, 'Z', sizeof out);
    conn_escape(out, sizeof out, (const uint8_t *)"\x01\x02\x03\x04\x05\x06", 6);
    ck_assert_str_eq(out, "\\x01\\x02\\x03\\x04");
    conn_escape(out, sizeof out, (const uint8_t *)"h\xc3\xa9llo", 6); /* UTF-8 passes */
    ck_assert_str_eq(out, "h\xc3\xa9l");
    char tiny[3] = "xy";
    conn_escape(tiny, sizeof tiny, (const uint8_t *)"abc", 3);
    ck_assert_str_eq(tiny, "");
    conn_escape(tiny, 0, (const uint8_t *)"abc", 3); /* nothing written at all */
    ck_assert_str_eq(tiny, "");
}
END_TEST

static Suite *conn_suite(void)
{
    Suite *s = suite_create("conn");
    TCase *tc = tcase_create("outcome");
    tcase_add_test(tc, outcome_exit_and_message_of_every_outcome);
    tcase_add_test(tc, outcome_names_unique);
    tcase_add_test(tc, outcome_out_of_range);
    tcase_add_test(tc, outcome_message_without_detail);
    tcase_add_test(tc, outcome_message_truncated);
    tcase_add_test(tc, outcome_for_signal);
    suite_add_tcase(s, tc);
    tc = tcase_create("conn_options_config");
    tcase_add_test(tc, options_config_maps_every_field);
    tcase_add_test(tc, options_config_redirects);
    suite_add_tcase(s, tc);
    tc = tcase_create("life_cycle");
    tcase_add_test(tc, new_refuses_server_role);
    tcase_add_test(tc, free_null_is_noop);
    tcase_add_test(tc, idle_then_abort_reports_outcome);
    tcase_add_test(tc, start_chooses_the_proxy_per_scheme);
    tcase_add_test(tc, start_with_a_bad_proxy_url_is_a_usage_error_without_secret);
    tcase_add_test(tc, escape_controls_and_fits_the_buffer);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(conn_suite)
