/*
 * Tests for proxy_wire.c: the exact bytes of every request (HTTP CONNECT with and without
 * credentials, IPv6 targets, SOCKS5 greeting, RFC 1929 sub-negotiation and CONNECT, SOCKS4a),
 * and every reply parser fed whole, cut at every offset, and with bad bytes.
 */
#include <stdio.h>
#include <string.h>

#include "check_common.h"
#include "http.h"
#include "proxy_wire.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void assert_bytes(const uint8_t *got, int n, const uint8_t *want, size_t wn)
{
    ck_assert_int_eq(n, (int)wn);
    ck_assert_int_eq(memcmp(got, want, wn), 0);
}

/* ---- HTTP CONNECT request ---- */

START_TEST(http_request_without_credentials)
{
    char out[512];
    int n = proxy_http_request(out, sizeof out, "localhost", 8443, NULL, NULL, false);

    ck_assert_str_eq(out, "CONNECT localhost:8443 HTTP/1.1\r\nHost: localhost:8443\r\n\r\n");
    ck_assert_int_eq(n, (int)strlen(out));
}
END_TEST

START_TEST(http_request_basic_credentials_rfc7617_example)
{
    char out[512];

    /* RFC 7617 §2: Aladdin / open sesame */
    proxy_http_request(out, sizeof out, "ws.test", 80, "Aladdin", "open sesame", false);
    ck_assert_str_eq(out, "CONNECT ws.test:80 HTTP/1.1\r\nHost: ws.test:80\r\n"
                          "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
}
END_TEST

START_TEST(http_request_redacted_for_logs)
{
    char out[512];

    proxy_http_request(out, sizeof out, "ws.test", 80, "Aladdin", "open sesame", true);
    ck_assert_str_eq(out, "CONNECT ws.test:80 HTTP/1.1\r\nHost: ws.test:80\r\n"
                          "Proxy-Authorization: Basic [redacted]\r\n\r\n");
}
END_TEST

START_TEST(http_request_empty_password_and_colon_in_password)
{
    char out[512];

    proxy_http_request(out, sizeof out, "h", 1, "u", NULL, false); /* base64("u:") */
    ck_assert_ptr_nonnull(strstr(out, "Proxy-Authorization: Basic dTo=\r\n"));
    proxy_http_request(out, sizeof out, "h", 1, "u", "a:b", false); /* base64("u:a:b") */
    ck_assert_ptr_nonnull(strstr(out, "Proxy-Authorization: Basic dTphOmI=\r\n"));
}
END_TEST

START_TEST(http_request_ipv6_target_in_brackets)
{
    char out[512];

    proxy_http_request(out, sizeof out, "::1", 9001, NULL, NULL, false);
    ck_assert_str_eq(out, "CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\n\r\n");
}
END_TEST

START_TEST(http_request_refuses_bad_host_and_small_buffer)
{
    char out[64];

    ck_assert_int_eq(proxy_http_request(out, sizeof out, "a\r\nX: y", 80, NULL, NULL, false),
                     PW_ERR_BAD_HOST);
    ck_assert_int_eq(proxy_http_request(out, sizeof out, "a b", 80, NULL, NULL, false),
                     PW_ERR_BAD_HOST);
    ck_assert_int_eq(proxy_http_request(out, sizeof out, "", 80, NULL, NULL, false),
                     PW_ERR_BAD_HOST);
    ck_assert_int_eq(proxy_http_request(out, 20, "localhost", 80, NULL, NULL, false),
                     PW_ERR_TOO_LONG);
    /* a request cut short leaves no half-written credentials behind */
    ck_assert_int_eq(proxy_http_request(out, sizeof out, "localhost", 80, "u", "secret", false),
                     PW_ERR_TOO_LONG);
    ck_assert_int_eq(out[0], 0);
}
END_TEST

/* ---- HTTP CONNECT reply ---- */

/* Every proper prefix needs more; the whole answers want. */
static void http_prefixes(const char *reply, size_t len, int want)
{
    struct proxy_http_reply r;

    for (size_t i = 0; i < len; i++)
        ck_assert_msg(proxy_http_parse(reply, i, &r) == PW_NEED_MORE, "prefix %zu", i);
    ck_assert_int_eq(proxy_http_parse(reply, len, &r), want);
}

START_TEST(http_reply_200_and_leftover)
{
    static const char reply[] = "HTTP/1.0 200 Connection established\r\n"
                                "Proxy-agent: tinyproxy/1.11.1\r\n\r\nHELLO";
    struct proxy_http_reply r;
    int head = (int)strlen(reply) - 5;

    http_prefixes(reply, (size_t)head, head);
    ck_assert_int_eq(proxy_http_parse(reply, strlen(reply), &r), head); /* HELLO is the tunnel's */
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.minor_version, 0);
    ck_assert_int_eq((int)r.reason_len, 22);
    ck_assert_int_eq(memcmp(r.reason, "Connection established", 22), 0);
    ck_assert_ptr_null(r.auth_scheme);
}
END_TEST

START_TEST(http_reply_interim_1xx_skipped)
{
    static const char reply[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n"
                                "HTTP/1.1 200 OK\r\n\r\n";
    struct proxy_http_reply r;

    http_prefixes(reply, strlen(reply), (int)strlen(reply));
    proxy_http_parse(reply, strlen(reply), &r);
    ck_assert_int_eq(r.status, 200);
}
END_TEST

/* 101 is no interim reply to CONNECT: it is final (and not 2xx), not a wait for another head. */
START_TEST(http_reply_101_is_final)
{
    static const char reply[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n";
    struct proxy_http_reply r;

    ck_assert_int_eq(proxy_http_parse(reply, strlen(reply), &r), (int)strlen(reply));
    ck_assert_int_eq(r.status, 101);
}
END_TEST

START_TEST(http_reply_407_scheme)
{
    static const char basic[] = "HTTP/1.1 407 Proxy Authentication Required\r\n"
                                "Proxy-Authenticate: Basic realm=\"tinyproxy\"\r\n\r\n";
    static const char digest[] = "HTTP/1.1 407 Nope\r\nproxy-authenticate: Digest realm=x\r\n\r\n";
    struct proxy_http_reply r;

    ck_assert_int_eq(proxy_http_parse(basic, strlen(basic), &r), (int)strlen(basic));
    ck_assert_int_eq(r.status, 407);
    ck_assert_int_eq((int)r.auth_scheme_len, 5);
    ck_assert_int_eq(memcmp(r.auth_scheme, "Basic", 5), 0);
    ck_assert_int_eq(proxy_http_parse(digest, strlen(digest), &r), (int)strlen(digest));
    ck_assert_int_eq((int)r.auth_scheme_len, 6);
    ck_assert_int_eq(memcmp(r.auth_scheme, "Digest", 6), 0);
}
END_TEST

START_TEST(http_reply_errors)
{
    static const struct {
        const char *reply;
        int http_error;
    } bad[] = {
        {"SSH-2.0-OpenSSH\r\n", HTTP_ERR_NOT_HTTP},
        {"\x05\x00", HTTP_ERR_NOT_HTTP}, /* a SOCKS5 server's answer */
        {"HTTP/2 200\r\n\r\n", HTTP_ERR_VERSION},
        {"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", HTTP_ERR_LINE},
        {"HTTP/1.1 403 No\x01pe\r\n\r\n", HTTP_ERR_LINE},
    };
    struct proxy_http_reply r;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(proxy_http_parse(bad[i].reply, strlen(bad[i].reply), &r), PW_ERR_HTTP);
        ck_assert_int_eq(r.http_error, bad[i].http_error);
    }
}
END_TEST

START_TEST(http_reply_too_long)
{
    static char big[PROXY_HTTP_MAX_HEAD + 100];
    struct proxy_http_reply r;
    size_t n = 0;

    n += (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nX-Pad: ");
    while (n < sizeof big)
        big[n++] = 'a'; /* one field value that never ends */
    ck_assert_int_eq(proxy_http_parse(big, PROXY_HTTP_MAX_HEAD - 1, &r), PW_NEED_MORE);
    ck_assert_int_eq(proxy_http_parse(big, n, &r), PW_ERR_HTTP);
    ck_assert_int_eq(r.http_error, HTTP_ERR_TOO_LONG);
}
END_TEST

START_TEST(http_reply_too_many_fields)
{
    static char big[4096];
    struct proxy_http_reply r;
    size_t n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");

    for (int i = 0; i <= PROXY_HTTP_MAX_HEADERS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "X-%d: a\r\n", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    ck_assert_int_eq(proxy_http_parse(big, n, &r), PW_ERR_HTTP);
    ck_assert_int_eq(r.http_error, HTTP_ERR_TOO_MANY_HEADERS);
}
END_TEST

/* ---- SOCKS5 ---- */

START_TEST(socks5_greeting_bytes)
{
    uint8_t out[8];

    assert_bytes(out, proxy_socks5_greeting(out, sizeof out, false), BYTES(0x05, 0x01, 0x00));
    assert_bytes(out, proxy_socks5_greeting(out, sizeof out, true), BYTES(0x05, 0x02, 0x00, 0x02));
}
END_TEST

START_TEST(socks5_method_reply)
{
    int m = -1;

    ck_assert_int_eq(proxy_socks5_parse_method(BYTES(0x05), &m), PW_NEED_MORE);
    ck_assert_int_eq(proxy_socks5_parse_method(NULL, 0, &m), PW_NEED_MORE);
    ck_assert_int_eq(proxy_socks5_parse_method(BYTES(0x05, 0x02), &m), 2);
    ck_assert_int_eq(m, 2);
    ck_assert_int_eq(proxy_socks5_parse_method(BYTES(0x05, 0xff), &m), 2);
    ck_assert_int_eq(m, 0xff);
    ck_assert_int_eq(proxy_socks5_parse_method(BYTES('H'), &m), PW_ERR_VERSION);
    ck_assert_int_eq(proxy_socks5_parse_method(BYTES(0x04, 0x00), &m), PW_ERR_VERSION);
}
END_TEST

START_TEST(socks5_userpass_bytes_rfc1929)
{
    uint8_t out[600];
    char u256[257];

    assert_bytes(out, proxy_socks5_userpass(out, sizeof out, "bob", "s3cret"),
                 BYTES(0x01, 3, 'b', 'o', 'b', 6, 's', '3', 'c', 'r', 'e', 't'));
    memset(u256, 'u', 256);
    u256[256] = '\0';
    ck_assert_int_eq(proxy_socks5_userpass(out, sizeof out, u256, "p"), PW_ERR_TOO_LONG);
    u256[255] = '\0'; /* 255 is the most ULEN can say */
    ck_assert_int_eq(proxy_socks5_userpass(out, sizeof out, u256, "p"), 3 + 255 + 1);
    ck_assert_int_eq(proxy_socks5_userpass(out, 10, "bob", "s3cret"), PW_ERR_TOO_LONG);
}
END_TEST

START_TEST(socks5_userpass_reply)
{
    int st = -1;

    ck_assert_int_eq(proxy_socks5_parse_userpass(BYTES(0x01), &st), PW_NEED_MORE);
    ck_assert_int_eq(proxy_socks5_parse_userpass(BYTES(0x01, 0x00), &st), 2);
    ck_assert_int_eq(st, 0);
    ck_assert_int_eq(proxy_socks5_parse_userpass(BYTES(0x01, 0x01), &st), 2);
    ck_assert_int_eq(st, 1);
    ck_assert_int_eq(proxy_socks5_parse_userpass(BYTES(0x05, 0x00), &st), 2); /* lenient */
    ck_assert_int_eq(proxy_socks5_parse_userpass(BYTES(0x02, 0x00), &st), PW_ERR_VERSION);
}
END_TEST

START_TEST(socks5_connect_bytes)
{
    uint8_t out[300];
    char long_name[300];

    /* socks5h: the name goes to the proxy; 8443 = 0x20fb */
    assert_bytes(out, proxy_socks5_connect_name(out, sizeof out, "ws.test", 8443),
                 BYTES(0x05, 0x01, 0x00, 0x03, 7, 'w', 's', '.', 't', 'e', 's', 't', 0x20, 0xfb));
    /* socks5: an address resolved here */
    assert_bytes(out,
                 proxy_socks5_connect_addr(out, sizeof out, SOCKS5_ATYP_IPV4,
                                           (const uint8_t[]){127, 0, 0, 1}, 80),
                 BYTES(0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50));
    assert_bytes(
        out,
        proxy_socks5_connect_addr(out, sizeof out, SOCKS5_ATYP_IPV6, (const uint8_t[16]){[15] = 1},
                                  443),
        BYTES(0x05, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb));
    memset(long_name, 'a', 256);
    long_name[256] = '\0';
    ck_assert_int_eq(proxy_socks5_connect_name(out, sizeof out, long_name, 80), PW_ERR_TOO_LONG);
    ck_assert_int_eq(proxy_socks5_connect_name(out, sizeof out, "a\nb", 80), PW_ERR_BAD_HOST);
    ck_assert_int_eq(proxy_socks5_connect_addr(out, sizeof out, 3, out, 80), PW_ERR_BAD_HOST);
}
END_TEST

/* Each proper prefix needs more, the whole is want long, and *rep is rep. */
static void socks5_reply_prefixes(const uint8_t *p, size_t len, int want, int rep)
{
    int v = -1;

    for (size_t i = 0; i < len; i++)
        ck_assert_msg(proxy_socks5_parse_reply(p, i, &v) == PW_NEED_MORE, "prefix %zu", i);
    ck_assert_int_eq(proxy_socks5_parse_reply(p, len, &v), want);
    ck_assert_int_eq(v, rep);
}

START_TEST(socks5_connect_reply_each_address_type)
{
    socks5_reply_prefixes(BYTES(0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x1f, 0x90), 10, 0);
    socks5_reply_prefixes(BYTES(0x05, 0x00, 0x00, 0x03, 3, 'a', '.', 'b', 0x00, 0x50), 10, 0);
    socks5_reply_prefixes(
        BYTES(0x05, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x50),
        22, 0);
}
END_TEST

START_TEST(socks5_connect_reply_failure_after_two_bytes)
{
    int v = -1;

    for (int rep = 1; rep <= 9; rep++) {
        uint8_t p[2] = {0x05, (uint8_t)rep};
        ck_assert_int_eq(proxy_socks5_parse_reply(p, 2, &v), 2);
        ck_assert_int_eq(v, rep);
    }
    ck_assert_int_eq(proxy_socks5_parse_reply(BYTES(0x05, 0x00, 0x00, 0x09), &v), PW_ERR_MALFORMED);
    ck_assert_int_eq(proxy_socks5_parse_reply(BYTES('H', 'T'), &v), PW_ERR_VERSION);
}
END_TEST

START_TEST(socks5_reply_words_rfc1928)
{
    static const char *const want[] = {
        "succeeded",
        "general SOCKS server failure",
        "connection not allowed by ruleset",
        "network unreachable",
        "host unreachable",
        "connection refused",
        "TTL expired",
        "command not supported",
        "address type not supported",
    };
    for (int i = 0; i < 9; i++)
        ck_assert_str_eq(proxy_socks5_reply_text(i), want[i]);
    ck_assert_str_eq(proxy_socks5_reply_text(9), "unassigned reply code");
    ck_assert_str_eq(proxy_socks5_reply_text(-1), "unassigned reply code");
}
END_TEST

/* ---- SOCKS4a ---- */

START_TEST(socks4a_request_bytes)
{
    uint8_t out[300];

    /* a name: DSTIP 0.0.0.1, the user id, then the name (4A) */
    assert_bytes(out, proxy_socks4_request(out, sizeof out, "ws.test", 80, "bob"),
                 BYTES(0x04, 0x01, 0x00, 0x50, 0, 0, 0, 1, 'b', 'o', 'b', 0, 'w', 's', '.', 't',
                       'e', 's', 't', 0));
    /* an IPv4 literal: plain SOCKS4, no name */
    assert_bytes(out, proxy_socks4_request(out, sizeof out, "127.0.0.1", 8080, NULL),
                 BYTES(0x04, 0x01, 0x1f, 0x90, 127, 0, 0, 1, 0));
    ck_assert_int_eq(proxy_socks4_request(out, 10, "ws.test", 80, "bob"), PW_ERR_TOO_LONG);
}
END_TEST

START_TEST(socks4a_reply)
{
    static const uint8_t granted[] = {0x00, 0x5a, 0, 0, 0, 0, 0, 0};
    int v = -1;

    for (size_t i = 0; i < sizeof granted; i++)
        ck_assert_int_eq(proxy_socks4_parse_reply(granted, i, &v), PW_NEED_MORE);
    ck_assert_int_eq(proxy_socks4_parse_reply(granted, 8, &v), 8);
    ck_assert_int_eq(v, SOCKS4_REP_GRANTED);
    ck_assert_int_eq(proxy_socks4_parse_reply(BYTES(0x00, 0x5b, 0, 0, 0, 0, 0, 0), &v), 8);
    ck_assert_str_eq(proxy_socks4_reply_text(v), "request rejected or failed");
    ck_assert_int_eq(proxy_socks4_parse_reply(BYTES('H'), &v), PW_ERR_VERSION);
}
END_TEST

static Suite *proxy_wire_suite(void)
{
    Suite *s = suite_create("proxy_wire");
    TCase *tc = tcase_create("proxy_http_request");
    tcase_add_test(tc, http_request_without_credentials);
    tcase_add_test(tc, http_request_basic_credentials_rfc7617_example);
    tcase_add_test(tc, http_request_redacted_for_logs);
    tcase_add_test(tc, http_request_empty_password_and_colon_in_password);
    tcase_add_test(tc, http_request_ipv6_target_in_brackets);
    tcase_add_test(tc, http_request_refuses_bad_host_and_small_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("proxy_http_parse");
    tcase_add_test(tc, http_reply_200_and_leftover);
    tcase_add_test(tc, http_reply_interim_1xx_skipped);
    tcase_add_test(tc, http_reply_101_is_final);
    tcase_add_test(tc, http_reply_407_scheme);
    tcase_add_test(tc, http_reply_errors);
    tcase_add_test(tc, http_reply_too_long);
    tcase_add_test(tc, http_reply_too_many_fields);
    suite_add_tcase(s, tc);
    tc = tcase_create("proxy_socks5");
    tcase_add_test(tc, socks5_greeting_bytes);
    tcase_add_test(tc, socks5_method_reply);
    tcase_add_test(tc, socks5_userpass_bytes_rfc1929);
    tcase_add_test(tc, socks5_userpass_reply);
    tcase_add_test(tc, socks5_connect_bytes);
    tcase_add_test(tc, socks5_connect_reply_each_address_type);
    tcase_add_test(tc, socks5_connect_reply_failure_after_two_bytes);
    tcase_add_test(tc, socks5_reply_words_rfc1928);
    suite_add_tcase(s, tc);
    tc = tcase_create("proxy_socks4");
    tcase_add_test(tc, socks4a_request_bytes);
    tcase_add_test(tc, socks4a_reply);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(proxy_wire_suite)
