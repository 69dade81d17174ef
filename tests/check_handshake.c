/* Unit tests for handshake requests (RFC 6455 §4.1): keys, accept values, header checks, the
 * request bytes, and the rand generator keys are drawn from. Responses: check_handshake_response.c.
 */
#include "check_handshake.h"

/* ---- rand_bytes ---- */

START_TEST(rand_two_16_byte_draws_differ)
{
    unsigned char a[16], b[16];
    ck_assert_int_eq(rand_bytes(a, sizeof(a)), 0);
    ck_assert_int_eq(rand_bytes(b, sizeof(b)), 0);
    ck_assert(memcmp(a, b, sizeof(a)) != 0);
}
END_TEST

/* 1000 masks cross several pool refills; they cannot all be the same. */
START_TEST(rand_many_4_byte_draws_not_all_equal)
{
    unsigned char first[4], m[4];
    int same = 0;
    ck_assert_int_eq(rand_bytes(first, 4), 0);
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(rand_bytes(m, 4), 0);
        if (memcmp(first, m, 4) == 0)
            same++;
    }
    ck_assert_int_lt(same, 1000);
}
END_TEST

/* A draw bigger than the pool is filled completely (no tail left untouched). */
START_TEST(rand_draw_larger_than_pool_fills_all)
{
    unsigned char big[1000];
    memset(big, 0, sizeof(big));
    ck_assert_int_eq(rand_bytes(big, sizeof(big)), 0);
    /* In each 64-byte window at least one byte is non-zero (odds of failing: 2^-512). */
    for (size_t off = 0; off + 64 <= sizeof(big); off += 64) {
        int nonzero = 0;
        for (size_t i = off; i < off + 64; i++)
            nonzero |= big[i];
        ck_assert_msg(nonzero, "window at %zu is all zero", off);
    }
    ck_assert_int_eq(rand_bytes(big, 0), 0);
}
END_TEST

/* ---- handshake_key_new / handshake_accept_for ---- */

START_TEST(key_new_is_24_base64_chars_and_fresh)
{
    struct handshake_request a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    ck_assert_int_eq(handshake_key_new(&a), 0);
    ck_assert_int_eq(handshake_key_new(&b), 0);
    ck_assert_uint_eq(strlen(a.key), HANDSHAKE_KEY_LEN);
    /* 16 bytes encode to 22 characters and "==" */
    ck_assert_str_eq(a.key + 22, "==");
    ck_assert_uint_eq(
        strspn(a.key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), 22);
    ck_assert_str_ne(a.key, b.key);
}
END_TEST

START_TEST(accept_for_rfc6455_example)
{
    char out[HANDSHAKE_ACCEPT_LEN + 1];
    handshake_accept_for(RFC_KEY, out);
    ck_assert_str_eq(out, RFC_ACCEPT);
}
END_TEST

/* A key longer than the internal stack buffer; expected value from an independent SHA-1. */
START_TEST(accept_for_long_key)
{
    char key[201];
    memset(key, 'k', 200);
    key[200] = '\0';
    char out[HANDSHAKE_ACCEPT_LEN + 1];
    handshake_accept_for(key, out);
    ck_assert_str_eq(out, "HXr7Nbki1tHdEVpq+a7G7IV4VJU=");
}
END_TEST

/* ---- handshake_header_allowed ---- */

static const struct {
    const char *line;
    bool auth_set;
    int want;
} header_rows[] = {
    {"X-Foo: bar", false, 0},
    {"X-Foo:bar", false, 0},
    {"X-Foo:", false, 0},
    {"X-Foo:  spaced\tvalue  ", false, 0},
    {"Cookie: a=b; c=d", false, 0},
    {"User-Agent: mine/1.0", false, 0},
    {"Origin: https://example.com", false, 0},
    {"Authorization: Bearer abc", false, 0},
    {"x!#$%&'*+-.^_`|~9: tchar name", false, 0},
    {"X-Utf8: caf\xc3\xa9", false, 0},
    /* malformed */
    {"", false, HS_ERR_HEADER_FORM},
    {"X-Foo", false, HS_ERR_HEADER_FORM},
    {": value", false, HS_ERR_HEADER_FORM},
    {"X-Foo : bar", false, HS_ERR_HEADER_FORM},
    {" X-Foo: bar", false, HS_ERR_HEADER_FORM},
    {"X Foo: bar", false, HS_ERR_HEADER_FORM},
    {"X(Foo): bar", false, HS_ERR_HEADER_FORM},
    {"X-Foo\x01: bar", false, HS_ERR_HEADER_FORM},
    {"X-Foo: bar\r\nHost: evil", false, HS_ERR_HEADER_FORM},
    {"X-Foo: bar\n", false, HS_ERR_HEADER_FORM},
    {"X-Foo: bar\r", false, HS_ERR_HEADER_FORM},
    {"X-Foo: b\x7f", false, HS_ERR_HEADER_FORM},
    {"X-Foo: b\x1b[0m", false, HS_ERR_HEADER_FORM},
    {"X-Foo\xc3\xa9: bar", false, HS_ERR_HEADER_FORM},
    /* owned by the handshake, any case */
    {"Host: evil", false, HS_ERR_HEADER},
    {"host: evil", false, HS_ERR_HEADER},
    {"Upgrade: h2c", false, HS_ERR_HEADER},
    {"CONNECTION: close", false, HS_ERR_HEADER},
    {"Sec-WebSocket-Key: x", false, HS_ERR_HEADER},
    {"sec-websocket-version: 8", false, HS_ERR_HEADER},
    {"Sec-WebSocket-Accept: x", false, HS_ERR_HEADER},
    {"Sec-WebSocket-Protocol: chat", false, HS_ERR_HEADER},
    {"Sec-WebSocket-Extensions: permessage-deflate", false, HS_ERR_HEADER},
    {"Content-Length: 5", false, HS_ERR_HEADER},
    {"transfer-encoding: chunked", false, HS_ERR_HEADER},
    {"Authorization: Bearer abc", true, HS_ERR_HEADER},
    {"authorization: Basic eDp5", true, HS_ERR_HEADER},
    /* prefixes and suffixes of owned names are other headers */
    {"Hostname: x", false, 0},
    {"X-Host: x", false, 0},
    {"Authorizations: x", true, 0},
};

START_TEST(header_allowed_table)
{
    const char *why = "unset";
    int rc = handshake_header_allowed(header_rows[_i].line, header_rows[_i].auth_set, &why);
    ck_assert_msg(rc == header_rows[_i].want, "\"%s\": rc %d, want %d", header_rows[_i].line, rc,
                  header_rows[_i].want);
    if (rc != 0)
        ck_assert_msg(why != NULL && *why != '\0', "\"%s\": no why", header_rows[_i].line);
}
END_TEST

START_TEST(header_allowed_protocol_points_to_subprotocol_option)
{
    const char *why = NULL;
    ck_assert_int_eq(handshake_header_allowed("Sec-WebSocket-Protocol: x", false, &why),
                     HS_ERR_HEADER);
    ck_assert_ptr_nonnull(strstr(why, "--subprotocol"));
}
END_TEST

START_TEST(header_allowed_authorization_names_conflicting_options)
{
    const char *why = NULL;
    ck_assert_int_eq(handshake_header_allowed("Authorization: x", true, &why), HS_ERR_HEADER);
    ck_assert_ptr_nonnull(strstr(why, "--bearer"));
    ck_assert_ptr_nonnull(strstr(why, "--auth"));
}
END_TEST

START_TEST(header_allowed_null_line_is_malformed)
{
    const char *why = NULL;
    ck_assert_int_eq(handshake_header_allowed(NULL, false, &why), HS_ERR_HEADER_FORM);
    ck_assert_int_eq(handshake_header_allowed("X-A: b", false, NULL), 0);
}
END_TEST

/* ---- handshake_request_build ---- */

static char *build_request(const struct handshake_request *req)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(handshake_request_build(req, &b), 0);
    char *s = malloc(b.len + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, buf_head(&b), b.len);
    s[b.len] = '\0';
    buf_free(&b);
    return s;
}

START_TEST(request_minimal_exact_bytes)
{
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    req.host_header = "example.com";
    req.resource = "/chat";
    strcpy(req.key, RFC_KEY);
    char *s = build_request(&req);
    ck_assert_str_eq(s, "GET /chat HTTP/1.1\r\n"
                        "Host: example.com\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                        "Sec-WebSocket-Version: 13\r\n"
                        "User-Agent: wsc/" WSC_VERSION "\r\n"
                        "\r\n");
    free(s);
}
END_TEST

START_TEST(request_all_options_exact_bytes)
{
    static const char *const protos[] = {"chat.v2", "chat"};
    static const char *const hdrs[] = {"X-Trace: 1", "Cookie: a=b"};
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    req.host_header = "[::1]:9000";
    req.resource = "/a?b=c%20d";
    req.origin = "https://example.com";
    req.subprotocols = protos;
    req.nsubprotocols = 2;
    req.headers = hdrs;
    req.nheaders = 2;
    req.authorization = "Bearer t0k3n";
    req.extensions = "permessage-deflate; client_max_window_bits";
    strcpy(req.key, RFC_KEY);
    char *s = build_request(&req);
    ck_assert_str_eq(s, "GET /a?b=c%20d HTTP/1.1\r\n"
                        "Host: [::1]:9000\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: " RFC_KEY "\r\n"
                        "Sec-WebSocket-Version: 13\r\n"
                        "Origin: https://example.com\r\n"
                        "Sec-WebSocket-Protocol: chat.v2, chat\r\n"
                        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                        "Authorization: Bearer t0k3n\r\n"
                        "User-Agent: wsc/" WSC_VERSION "\r\n"
                        "X-Trace: 1\r\n"
                        "Cookie: a=b\r\n"
                        "\r\n");
    free(s);
}
END_TEST

START_TEST(request_user_agent_from_user_replaces_ours)
{
    static const char *const hdrs[] = {"user-agent: probe/2"};
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    req.host_header = "h";
    req.resource = "/";
    req.headers = hdrs;
    req.nheaders = 1;
    strcpy(req.key, RFC_KEY);
    char *s = build_request(&req);
    ck_assert_ptr_null(strstr(s, "wsc/"));
    ck_assert_ptr_nonnull(strstr(s, "\r\nuser-agent: probe/2\r\n\r\n"));
    free(s);
}
END_TEST

START_TEST(request_single_subprotocol_no_separator)
{
    static const char *const protos[] = {"mqtt"};
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    req.host_header = "h";
    req.resource = "/";
    req.subprotocols = protos;
    req.nsubprotocols = 1;
    strcpy(req.key, RFC_KEY);
    char *s = build_request(&req);
    ck_assert_ptr_nonnull(strstr(s, "\r\nSec-WebSocket-Protocol: mqtt\r\n"));
    free(s);
}
END_TEST

/* The request is appended after whatever the buffer already holds. */
START_TEST(request_appends_to_existing_buffer)
{
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    req.host_header = "h";
    req.resource = "/";
    strcpy(req.key, RFC_KEY);
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "XY", 2), 0);
    ck_assert_int_eq(handshake_request_build(&req, &b), 0);
    ck_assert(b.len > 2);
    ck_assert(memcmp(buf_head(&b), "XYGET / HTTP/1.1\r\nHost: h\r\n", 27) == 0);
    ck_assert(memcmp(buf_head(&b) + b.len - 4, "\r\n\r\n", 4) == 0);
    buf_free(&b);
}
END_TEST

static Suite *handshake_suite(void)
{
    Suite *s = suite_create("handshake");
    TCase *tc = tcase_create("rand_bytes");
    tcase_add_test(tc, rand_two_16_byte_draws_differ);
    tcase_add_test(tc, rand_many_4_byte_draws_not_all_equal);
    tcase_add_test(tc, rand_draw_larger_than_pool_fills_all);
    suite_add_tcase(s, tc);

    tc = tcase_create("handshake_key_new");
    tcase_add_test(tc, key_new_is_24_base64_chars_and_fresh);
    suite_add_tcase(s, tc);

    tc = tcase_create("handshake_accept_for");
    tcase_add_test(tc, accept_for_rfc6455_example);
    tcase_add_test(tc, accept_for_long_key);
    suite_add_tcase(s, tc);

    tc = tcase_create("handshake_header_allowed");
    tcase_add_loop_test(tc, header_allowed_table, 0, NROWS(header_rows));
    tcase_add_test(tc, header_allowed_protocol_points_to_subprotocol_option);
    tcase_add_test(tc, header_allowed_authorization_names_conflicting_options);
    tcase_add_test(tc, header_allowed_null_line_is_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("handshake_request_build");
    tcase_add_test(tc, request_minimal_exact_bytes);
    tcase_add_test(tc, request_all_options_exact_bytes);
    tcase_add_test(tc, request_user_agent_from_user_replaces_ours);
    tcase_add_test(tc, request_single_subprotocol_no_separator);
    tcase_add_test(tc, request_appends_to_existing_buffer);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(handshake_suite)
