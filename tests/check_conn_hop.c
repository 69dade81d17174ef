/* Unit tests for conn_hop: following a redirect without a socket (the hop's configuration,
 * credentials, the refusals), resetting to the configured URL, and how a Location is shown. */
#include <stdio.h>
#include <string.h>

#include "check_common.h"
#include "conn.h"
#include "conn_int.h"
#include "handshake.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static const struct conn_handlers no_handlers;
static const char *const headers[] = {"X-Keep: 1", "Cookie: c=1", "authorization: Bearer h",
                                      "X-Also: 2"};

/* A conn configured as ws://orig.test:8080/a/b?q=1 with credentials, -L and max redirects. */
static struct conn *new_conn(bool tls, long max, bool trusted)
{
    struct conn_config cfg = {.host = "orig.test",
                              .port = 8080,
                              .tls = tls,
                              .resource = "/a/b?q=1",
                              .headers = headers,
                              .nheaders = NROWS(headers),
                              .authorization = "Bearer tok",
                              .follow_redirects = true,
                              .max_redirs = max,
                              .location_trusted = trusted,
                              .connect_timeout = 1};
    struct conn *c = conn_new(&cfg, &no_handlers, NULL);
    ck_assert_ptr_nonnull(c);
    c->state = CONN_HANDSHAKE; /* as if the request had been sent */
    return c;
}

/* Feed a reply head to conn_hop_reply(); returns what it returned. */
static bool reply(struct conn *c, const char *head)
{
    struct handshake_response r;
    ck_assert_int_gt(handshake_response_parse(head, strlen(head), &r), 0);
    return conn_hop_reply(c, &r);
}

START_TEST(follow_relative_keeps_credentials_and_host)
{
    struct conn *c = new_conn(false, 10, false);
    ck_assert(reply(c, "HTTP/1.1 302 Found\r\nLocation: ../c?d=2\r\n\r\n"));
    ck_assert(c->redirect_pending);
    ck_assert_int_eq(c->redirects, 1);
    ck_assert_str_eq(c->cfg.host, "orig.test");
    ck_assert_uint_eq(c->cfg.port, 8080);
    ck_assert_str_eq(c->cfg.resource, "/c?d=2");
    ck_assert_str_eq(c->host_header, "orig.test:8080");
    ck_assert_str_eq(c->cfg.authorization, "Bearer tok");
    ck_assert_uint_eq(c->cfg.nheaders, 4);
    conn_free(c);
}
END_TEST

/* Another host, port or scheme: Authorization, -H Authorization and -H Cookie go. */
static const struct {
    const char *location;
    bool keeps;
} origin_rows[] = {
    {"ws://orig.test:8080/x", true},
    {"ws://ORIG.test:8080/x", true}, /* host names compare without case */
    {"http://orig.test:8080/x", true},
    {"//orig.test:8080/x", true},
    {"ws://other.test:8080/x", false},
    {"ws://orig.test:8081/x", false},
    {"ws://orig.test/x", false},
    {"wss://orig.test:8080/x", false},
    {"ws://127.0.0.1:8080/x", false},
};

START_TEST(credentials_only_for_the_original_origin)
{
    struct conn *c = new_conn(false, 10, false);
    ck_assert(reply(c, "HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n") == true);
    char head[256];
    snprintf(head, sizeof head, "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s\r\n\r\n",
             origin_rows[_i].location);
    ck_assert(reply(c, head));
    ck_assert(c->redirect_pending);
    if (origin_rows[_i].keeps) {
        ck_assert_str_eq(c->cfg.authorization, "Bearer tok");
        ck_assert_uint_eq(c->cfg.nheaders, 4);
    } else {
        ck_assert_ptr_null(c->cfg.authorization);
        ck_assert_uint_eq(c->cfg.nheaders, 2);
        ck_assert_str_eq(c->cfg.headers[0], "X-Keep: 1");
        ck_assert_str_eq(c->cfg.headers[1], "X-Also: 2");
    }
    conn_free(c);
}
END_TEST

START_TEST(location_trusted_keeps_them_everywhere)
{
    struct conn *c = new_conn(false, 10, true);
    ck_assert(reply(c, "HTTP/1.1 308 Permanent\r\nLocation: ws://else.test/\r\n\r\n"));
    ck_assert_str_eq(c->cfg.host, "else.test");
    ck_assert_str_eq(c->host_header, "else.test");
    ck_assert_str_eq(c->cfg.authorization, "Bearer tok");
    ck_assert_uint_eq(c->cfg.nheaders, 4);
    conn_free(c);
}
END_TEST

/* conn_reset(): the next attempt starts at the configured URL with its credentials. */
START_TEST(reset_returns_to_the_configured_url)
{
    struct conn *c = new_conn(false, 10, false);
    ck_assert(reply(c, "HTTP/1.1 302 Found\r\nLocation: wss://else.test:9/z\r\n\r\n"));
    ck_assert(c->cfg.tls);
    c->redirect_pending = false;
    c->state = CONN_DONE;
    conn_reset(c);
    ck_assert_int_eq(c->redirects, 0);
    ck_assert_str_eq(c->cfg.host, "orig.test");
    ck_assert(!c->cfg.tls);
    ck_assert_str_eq(c->cfg.resource, "/a/b?q=1");
    ck_assert_str_eq(c->host_header, "orig.test:8080");
    ck_assert_str_eq(c->cfg.authorization, "Bearer tok");
    ck_assert_ptr_null(c->hop_host);
    conn_free(c);
}
END_TEST

/* What -L does not follow, or refuses. */
static const struct {
    bool tls;
    long max;
    const char *head;
    bool taken;              /* conn_hop_reply() returned true */
    enum conn_outcome ended; /* CONN_OK_CLOSED: not ended */
    const char *detail;
} refuse_rows[] = {
    {false, 10, "HTTP/1.1 300 Multiple\r\nLocation: /x\r\n\r\n", false, CONN_OK_CLOSED, ""},
    {false, 10, "HTTP/1.1 304 Not Modified\r\nLocation: /x\r\n\r\n", false, CONN_OK_CLOSED, ""},
    {false, 10, "HTTP/1.1 302 Found\r\n\r\n", false, CONN_OK_CLOSED, ""},
    {false, 10, "HTTP/1.1 403 Forbidden\r\nLocation: /x\r\n\r\n", false, CONN_OK_CLOSED, ""},
    /* an empty Location (or only white space) is no Location, as curl takes it: not a loop */
    {false, 10, "HTTP/1.1 302 Found\r\nLocation:\r\n\r\n", false, CONN_OK_CLOSED, ""},
    {false, 10, "HTTP/1.1 301 Moved\r\nLocation:  \t \r\n\r\n", false, CONN_OK_CLOSED, ""},
    /* Location is one URI (RFC 9110 §10.2.2): two of them is a reply we cannot follow */
    {false, 10, "HTTP/1.1 302 Found\r\nLocation: /x\r\nLocation: /y\r\n\r\n", true,
     CONN_ERR_REDIRECT, "the 302 reply has 2 Location headers"},
    {false, 10, "HTTP/1.1 307 Temp\r\nLocation: /x\r\nX: 1\r\nlocation: /x\r\n\r\n", true,
     CONN_ERR_REDIRECT, "the 307 reply has 2 Location headers"},
    {false, 0, "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", true, CONN_ERR_REDIRECT,
     "maximum (0) redirects followed (--max-redirs)"},
    {true, 10, "HTTP/1.1 301 Moved\r\nLocation: ws://orig.test:8080/\r\n\r\n", true,
     CONN_ERR_REDIRECT, "refusing the 301 from wss:// to ws://orig.test:8080/"},
    {true, 10, "HTTP/1.1 301 Moved\r\nLocation: http://x/?k=secret\r\n\r\n", true,
     CONN_ERR_REDIRECT, "to ws://x/?k=[redacted]: a downgrade"},
    {false, 10, "HTTP/1.1 302 Found\r\nLocation: ftp://u:pw@x/?k=secret\r\n\r\n", true,
     CONN_ERR_REDIRECT, "bad Location 'ftp://[redacted]@x/?k=[redacted]' in the 302 reply"},
    {false, 10, "HTTP/1.1 302 Found\r\nLocation: ws://:80/\r\n\r\n", true, CONN_ERR_REDIRECT,
     "bad Location 'ws://:80/'"},
};

START_TEST(refusals_table)
{
    struct conn *c = new_conn(refuse_rows[_i].tls, refuse_rows[_i].max, false);
    ck_assert_int_eq(reply(c, refuse_rows[_i].head), refuse_rows[_i].taken);
    ck_assert(!c->redirect_pending);
    ck_assert_str_eq(c->cfg.host, "orig.test");
    if (refuse_rows[_i].ended == CONN_OK_CLOSED) {
        ck_assert_int_eq(conn_state(c), CONN_HANDSHAKE);
        /* an empty Location is not named in the refusal either (its body is shown) */
        if (strstr(refuse_rows[_i].head, "Location:\r") ||
            strstr(refuse_rows[_i].head, "Location:  "))
            ck_assert_ptr_null(c->location);
    } else {
        ck_assert_int_eq(conn_state(c), CONN_DONE);
        ck_assert_int_eq(conn_outcome(c), refuse_rows[_i].ended);
        ck_assert_int_eq(conn_outcome_exit(conn_outcome(c)), 47);
        ck_assert_msg(strstr(conn_detail(c), refuse_rows[_i].detail) != NULL, "detail '%s'",
                      conn_detail(c));
        ck_assert_ptr_null(strstr(conn_detail(c), "secret"));
        ck_assert_ptr_null(strstr(conn_detail(c), "pw"));
    }
    conn_free(c);
}
END_TEST

/* Each hop counts: the 3rd redirect with --max-redirs 2 ends the attempt. */
START_TEST(max_redirs_counts_hops)
{
    struct conn *c = new_conn(false, 2, false);
    for (int i = 0; i < 2; i++) {
        ck_assert(reply(c, "HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n"));
        ck_assert(c->redirect_pending);
        c->redirect_pending = false;
    }
    ck_assert(reply(c, "HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n"));
    ck_assert_int_eq(conn_state(c), CONN_DONE);
    ck_assert_int_eq(conn_outcome(c), CONN_ERR_REDIRECT);
    conn_free(c);
}
END_TEST

/* A Location as shown: no userinfo, no query values, control bytes escaped, cut. */
static const struct {
    const char *in;
    size_t len;
    const char *want;
} shown_rows[] = {
    {"ws://u:pw@h/x?t=s&u=v", 0, "ws://[redacted]@h/x?t=[redacted]&u=[redacted]"},
    {"/rel?a=1", 0, "/rel?a=[redacted]"},
    {"//u@h:1/", 0, "//[redacted]@h:1/"},
    {"/p@q/x", 0, "/p@q/x"},
    {"/p//u@h/x", 0, "/p//u@h/x"}, /* "//" in a path is no authority */
    {"ws://h/?next=ws://u:pw@x/", 0, "ws://h/?next=[redacted]"},
    {"/a\x1b[2Jb", 0, "/a\\e[2Jb"},
    {"/ab\0cd", 6, "/ab"},
};

START_TEST(location_shown_table)
{
    char out[1024];
    size_t len = shown_rows[_i].len ? shown_rows[_i].len : strlen(shown_rows[_i].in);
    conn_hop_location_shown(shown_rows[_i].in, len, out, sizeof out);
    ck_assert_str_eq(out, shown_rows[_i].want);
}
END_TEST

START_TEST(location_shown_is_cut)
{
    char in[3000], out[1024];
    memset(in, 'a', sizeof in);
    conn_hop_location_shown(in, sizeof in, out, sizeof out);
    ck_assert_uint_eq(strlen(out), 203);
    ck_assert_str_eq(out + 200, "...");
}
END_TEST

START_TEST(followable_statuses)
{
    for (int s = 100; s < 600; s++)
        ck_assert_int_eq(conn_hop_followable(s),
                         s == 301 || s == 302 || s == 303 || s == 307 || s == 308);
}
END_TEST

static Suite *conn_hop_suite(void)
{
    Suite *s = suite_create("conn_hop");
    TCase *tc = tcase_create("conn_hop_reply");
    tcase_add_test(tc, follow_relative_keeps_credentials_and_host);
    tcase_add_loop_test(tc, credentials_only_for_the_original_origin, 0, NROWS(origin_rows));
    tcase_add_test(tc, location_trusted_keeps_them_everywhere);
    tcase_add_loop_test(tc, refusals_table, 0, NROWS(refuse_rows));
    tcase_add_test(tc, max_redirs_counts_hops);
    tcase_add_test(tc, followable_statuses);
    suite_add_tcase(s, tc);
    tc = tcase_create("conn_hop_reset");
    tcase_add_test(tc, reset_returns_to_the_configured_url);
    suite_add_tcase(s, tc);
    tc = tcase_create("conn_hop_location_shown");
    tcase_add_loop_test(tc, location_shown_table, 0, NROWS(shown_rows));
    tcase_add_test(tc, location_shown_is_cut);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(conn_hop_suite)
