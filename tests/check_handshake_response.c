/* Unit tests for handshake responses (RFC 6455 §4.1, §4.2.2): parsing the server's head, header
 * lookup, and checking it against the request. Requests and keys: check_handshake.c. */
#include "check_handshake.h"

/* ---- handshake_response_parse ---- */

static const char good_head[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                                "\r\n";

START_TEST(parse_whole_response)
{
    struct handshake_response r;
    size_t n = sizeof(good_head) - 1;
    ck_assert_int_eq(handshake_response_parse(good_head, n, &r), (int)n);
    ck_assert_int_eq(r.minor_version, 1);
    ck_assert_int_eq(r.status, 101);
    ck_assert_uint_eq(r.reason_len, strlen("Switching Protocols"));
    ck_assert(memcmp(r.reason, "Switching Protocols", r.reason_len) == 0);
    ck_assert_uint_eq(r.nheaders, 3);
    ck_assert_uint_eq(r.headers[2].name_len, strlen("Sec-WebSocket-Accept"));
    ck_assert(memcmp(r.headers[2].name, "Sec-WebSocket-Accept", r.headers[2].name_len) == 0);
    ck_assert_uint_eq(r.headers[2].value_len, HANDSHAKE_ACCEPT_LEN);
    ck_assert(memcmp(r.headers[2].value, RFC_ACCEPT, HANDSHAKE_ACCEPT_LEN) == 0);
    /* the header points into the caller's buffer */
    ck_assert(r.headers[0].name >= good_head && r.headers[0].name < good_head + n);
}
END_TEST

/* Every strict prefix needs more; picohttpparser's "incomplete" loop. */
START_TEST(parse_cut_at_every_offset_needs_more)
{
    struct handshake_response r;
    size_t n = sizeof(good_head) - 1;
    for (size_t cut = 0; cut < n; cut++) {
        char *copy = malloc(cut + 1); /* exact size, so ASan sees any over-read */
        memcpy(copy, good_head, cut);
        int rc = handshake_response_parse(copy, cut, &r);
        free(copy);
        ck_assert_msg(rc == HS_NEED_MORE, "cut at %zu: rc %d", cut, rc);
    }
}
END_TEST

/* Frames that arrived in the same read are not part of the head. */
START_TEST(parse_trailing_frame_bytes_excluded)
{
    char in[sizeof(good_head) + 8];
    size_t n = sizeof(good_head) - 1;
    memcpy(in, good_head, n);
    /* a text frame "Hi": FIN|text, len 2 */
    memcpy(in + n, "\x81\x02Hi\r\n\r\n", 8);
    struct handshake_response r;
    ck_assert_int_eq(handshake_response_parse(in, n + 8, &r), (int)n);
    ck_assert_uint_eq(r.nheaders, 3);
}
END_TEST

START_TEST(parse_lf_only_line_ends)
{
    static const char in[] = "HTTP/1.1 101 Switching Protocols\n"
                             "Upgrade: websocket\n"
                             "Connection: Upgrade\n"
                             "\n"
                             "\x88";
    struct handshake_response r;
    ck_assert_int_eq(handshake_response_parse(in, sizeof(in) - 1, &r), (int)sizeof(in) - 2);
    ck_assert_uint_eq(r.nheaders, 2);
    ck_assert_uint_eq(r.headers[1].value_len, 7);
    ck_assert(memcmp(r.headers[1].value, "Upgrade", 7) == 0);
}
END_TEST

START_TEST(parse_mixed_crlf_and_lf)
{
    static const char in[] = "HTTP/1.1 101 OK\r\nUpgrade: websocket\n\r\n";
    struct handshake_response r;
    ck_assert_int_eq(handshake_response_parse(in, sizeof(in) - 1, &r), (int)sizeof(in) - 1);
    ck_assert_uint_eq(r.nheaders, 1);
}
END_TEST

START_TEST(parse_value_whitespace_trimmed)
{
    static const char in[] = "HTTP/1.1 101 X\r\nA:   v a l \t \r\nB:\r\nC: \t\r\n\r\n";
    struct handshake_response r;
    ck_assert_int_gt(handshake_response_parse(in, sizeof(in) - 1, &r), 0);
    ck_assert_uint_eq(r.nheaders, 3);
    ck_assert_uint_eq(r.headers[0].value_len, 5);
    ck_assert(memcmp(r.headers[0].value, "v a l", 5) == 0);
    ck_assert_uint_eq(r.headers[1].value_len, 0);
    ck_assert_uint_eq(r.headers[2].value_len, 0);
}
END_TEST

START_TEST(parse_empty_and_missing_reason)
{
    struct handshake_response r;
    static const char empty[] = "HTTP/1.1 101 \r\n\r\n";
    static const char none[] = "HTTP/1.0 404\r\n\r\n";
    ck_assert_int_eq(handshake_response_parse(empty, sizeof(empty) - 1, &r),
                     (int)sizeof(empty) - 1);
    ck_assert_int_eq(r.status, 101);
    ck_assert_uint_eq(r.reason_len, 0);
    ck_assert_int_eq(handshake_response_parse(none, sizeof(none) - 1, &r), (int)sizeof(none) - 1);
    ck_assert_int_eq(r.minor_version, 0);
    ck_assert_int_eq(r.status, 404);
    ck_assert_uint_eq(r.reason_len, 0);
}
END_TEST

START_TEST(parse_exactly_max_headers)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "HTTP/1.1 101 X\r\n", 16), 0);
    for (int i = 0; i < HANDSHAKE_MAX_HEADERS; i++) {
        char line[32];
        int n = snprintf(line, sizeof(line), "X-%d: %d\r\n", i, i);
        ck_assert_int_eq(buf_append(&b, line, (size_t)n), 0);
    }
    ck_assert_int_eq(buf_append(&b, "\r\n", 2), 0);
    struct handshake_response r;
    ck_assert_int_eq(handshake_response_parse((const char *)buf_head(&b), b.len, &r), (int)b.len);
    ck_assert_uint_eq(r.nheaders, HANDSHAKE_MAX_HEADERS);
    /* one more is too many (defect 18: it was reported as "not an HTTP response") */
    b.len -= 2;
    ck_assert_int_eq(buf_append(&b, "X-extra: 1\r\n\r\n", 14), 0);
    ck_assert_int_eq(handshake_response_parse((const char *)buf_head(&b), b.len, &r),
                     HS_ERR_TOO_MANY_HEADERS);
    buf_free(&b);
}
END_TEST

/* A head that never ends is refused once it reaches the limit, as too long (defect 18: it was
 * "malformed"); one that fits is fine. */
START_TEST(parse_head_size_limit)
{
    size_t big = HANDSHAKE_MAX_HEAD + 100;
    char *in = malloc(big);
    ck_assert_ptr_nonnull(in);
    struct handshake_response r;
    memcpy(in, "HTTP/1.1 101 X\r\nX-Pad: ", 23);
    memset(in + 23, 'a', big - 23);
    ck_assert_int_eq(handshake_response_parse(in, HANDSHAKE_MAX_HEAD - 1, &r), HS_NEED_MORE);
    ck_assert_int_eq(handshake_response_parse(in, HANDSHAKE_MAX_HEAD, &r), HS_ERR_HEAD_TOO_LONG);
    ck_assert_int_eq(handshake_response_parse(in, big, &r), HS_ERR_HEAD_TOO_LONG);
    /* ending exactly at the limit is accepted */
    memcpy(in + HANDSHAKE_MAX_HEAD - 4, "\r\n\r\n", 4);
    ck_assert_int_eq(handshake_response_parse(in, big, &r), HANDSHAKE_MAX_HEAD);
    /* one byte longer is not */
    memset(in + HANDSHAKE_MAX_HEAD - 4, 'a', 4);
    memcpy(in + HANDSHAKE_MAX_HEAD - 3, "\r\n\r\n", 4);
    ck_assert_int_eq(handshake_response_parse(in, big, &r), HS_ERR_HEAD_TOO_LONG);
    free(in);
}
END_TEST

/* Many short header lines that never end: too many headers comes first, well under 64 KiB. */
START_TEST(parse_endless_short_headers_too_many)
{
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "HTTP/1.1 101 X\r\n", 16), 0);
    for (int i = 0; i <= HANDSHAKE_MAX_HEADERS; i++)
        ck_assert_int_eq(buf_append(&b, "A: b\r\n", 6), 0);
    struct handshake_response r;
    ck_assert_int_eq(handshake_response_parse((const char *)buf_head(&b), b.len, &r),
                     HS_ERR_TOO_MANY_HEADERS);
    buf_free(&b);
}
END_TEST

/* The phrases conn.c puts after "bad handshake reply: ". */
START_TEST(parse_error_phrases)
{
    ck_assert_str_eq(handshake_parse_error(HS_ERR_TOO_MANY_HEADERS),
                     "too many header fields (over 64)");
    ck_assert_int_eq(HANDSHAKE_MAX_HEADERS, 64);
    ck_assert_str_eq(handshake_parse_error(HS_ERR_HEAD_TOO_LONG),
                     "response head longer than 64 KiB");
    ck_assert_str_eq(handshake_parse_error(HS_ERR_MALFORMED), "not an HTTP response");
}
END_TEST

static const struct {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
} malformed_rows[] = {
    {"http_2", "HTTP/2 101 Switching Protocols\r\n\r\n", 0},
    {"http_1_2", "HTTP/1.2 101 X\r\n\r\n", 0},
    {"http_lowercase", "http/1.1 101 X\r\n\r\n", 0},
    {"status_two_digits", "HTTP/1.1 10 X\r\n\r\n", 0},
    {"status_four_digits", "HTTP/1.1 1010 X\r\n\r\n", 0},
    {"status_not_digits", "HTTP/1.1 1x1 X\r\n\r\n", 0},
    {"two_spaces_before_status", "HTTP/1.1  101 X\r\n\r\n", 0},
    {"no_status", "HTTP/1.1\r\n\r\n", 0},
    {"control_in_reason",
     "HTTP/1.1 101 A\x01"
     "B\r\n\r\n",
     0},
    {"obs_fold_space", "HTTP/1.1 101 X\r\nA: b\r\n c\r\n\r\n", 0},
    {"obs_fold_tab", "HTTP/1.1 101 X\r\nA: b\r\n\tc\r\n\r\n", 0},
    {"space_before_colon", "HTTP/1.1 101 X\r\nUpgrade : websocket\r\n\r\n", 0},
    {"no_colon", "HTTP/1.1 101 X\r\nUpgrade websocket\r\n\r\n", 0},
    {"empty_name", "HTTP/1.1 101 X\r\n: v\r\n\r\n", 0},
    {"nul_in_name", "HTTP/1.1 101 X\r\nUp\0grade: websocket\r\n\r\n", 39},
    {"nul_in_value", "HTTP/1.1 101 X\r\nUpgrade: web\0socket\r\n\r\n", 39},
    {"control_in_name", "HTTP/1.1 101 X\r\nUp\x01grade: websocket\r\n\r\n", 0},
    {"control_in_value",
     "HTTP/1.1 101 X\r\nA: b\x1b"
     "c\r\n\r\n",
     0},
    {"del_in_value", "HTTP/1.1 101 X\r\nA: b\x7f\r\n\r\n", 0},
    {"bare_cr_in_line", "HTTP/1.1 101 X\r\nA: b\rc\r\n\r\n", 0},
    {"bare_cr_line_end", "HTTP/1.1 101 X\rA: b\r\n\r\n", 0},
    {"empty_first_line", "\r\nHTTP/1.1 101 X\r\n\r\n", 0},
    /* recognised early, before any line end arrives */
    {"not_http_prefix", "SSH-2.0-OpenSSH_9.2", 0},
    {"not_http_short", "<", 0},
    {"not_http_html", "<!DOCTYPE html>\n\n", 0},
};

START_TEST(parse_malformed_table)
{
    struct handshake_response r;
    const char *in = malformed_rows[_i].in;
    size_t len = malformed_rows[_i].len ? malformed_rows[_i].len : strlen(in);
    int rc = handshake_response_parse(in, len, &r);
    ck_assert_msg(rc == HS_ERR_MALFORMED, "%s: rc %d", malformed_rows[_i].name, rc);
}
END_TEST

START_TEST(parse_response_header_lookup_case_insensitive)
{
    static const char in[] = "HTTP/1.1 101 X\r\nX-A: 1\r\nx-a: 2\r\nUPGRADE: websocket\r\n\r\n";
    struct handshake_response r;
    ck_assert_int_gt(handshake_response_parse(in, sizeof(in) - 1, &r), 0);
    const struct http_header *h = handshake_response_header(&r, "upgrade");
    ck_assert_ptr_nonnull(h);
    ck_assert(memcmp(h->value, "websocket", h->value_len) == 0);
    h = handshake_response_header(&r, "X-A");
    ck_assert_ptr_nonnull(h);
    ck_assert(h->value_len == 1 && h->value[0] == '1');
    ck_assert_ptr_null(handshake_response_header(&r, "X"));
    ck_assert_ptr_null(handshake_response_header(&r, "X-AB"));
}
END_TEST

/* ---- handshake_response_check ---- */

static const char *const offered_two[] = {"chat.v2", "chat"};

/* Parse head and check it against a request with RFC_KEY. */
static int check_head(const char *head, const char *const *protos, size_t nprotos,
                      const char *extensions, const char **sp, size_t *splen)
{
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    strcpy(req.key, RFC_KEY);
    req.subprotocols = protos;
    req.nsubprotocols = nprotos;
    req.extensions = extensions;
    struct handshake_response r;
    int n = handshake_response_parse(head, strlen(head), &r);
    ck_assert_msg(n == (int)strlen(head), "parse: %d", n);
    const char *why = "unset";
    int rc = handshake_response_check(&r, &req, sp, splen, &why);
    if (rc == 0)
        ck_assert_ptr_null(why);
    else
        ck_assert_msg(why != NULL && *why != '\0', "no why for %d", rc);
    return rc;
}

#define H_STATUS  "HTTP/1.1 101 Switching Protocols\r\n"
#define H_UPGRADE "Upgrade: websocket\r\n"
#define H_CONN    "Connection: Upgrade\r\n"
#define H_ACCEPT  "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"

static const struct {
    const char *name;
    const char *head;
    bool offer;     /* offer chat.v2, chat */
    bool offer_ext; /* offer an extension */
    int want;
    const char *sub; /* selected subprotocol on success */
} check_rows[] = {
    {"good", H_STATUS H_UPGRADE H_CONN H_ACCEPT "\r\n", false, false, 0, NULL},
    {"good_http_1_0", "HTTP/1.0 101 X\r\n" H_UPGRADE H_CONN H_ACCEPT "\r\n", false, false, 0, NULL},
    {"upgrade_mixed_case", H_STATUS "Upgrade: WebSocket\r\n" H_CONN H_ACCEPT "\r\n", false, false,
     0, NULL},
    {"upgrade_list", H_STATUS "Upgrade: h2c, websocket\r\n" H_CONN H_ACCEPT "\r\n", false, false, 0,
     NULL},
    {"connection_keep_alive_upgrade",
     H_STATUS H_UPGRADE "Connection: keep-alive, Upgrade\r\n" H_ACCEPT "\r\n", false, false, 0,
     NULL},
    {"connection_lowercase_no_space",
     H_STATUS H_UPGRADE "connection: x,upgrade\r\n" H_ACCEPT "\r\n", false, false, 0, NULL},
    {"connection_two_lines",
     H_STATUS H_UPGRADE "Connection: keep-alive\r\nConnection: upgrade\r\n" H_ACCEPT "\r\n", false,
     false, 0, NULL},
    {"subprotocol_offered",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Protocol: chat\r\n\r\n", true, false, 0,
     "chat"},
    {"subprotocol_offered_none_selected", H_STATUS H_UPGRADE H_CONN H_ACCEPT "\r\n", true, false, 0,
     NULL},
    {"extension_offered",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
     false, true, 0, NULL},
    /* failures */
    {"wrong_status_200", "HTTP/1.1 200 OK\r\n" H_UPGRADE H_CONN H_ACCEPT "\r\n", false, false,
     HS_ERR_STATUS, NULL},
    {"wrong_status_401", "HTTP/1.1 401 Unauthorized\r\n\r\n", false, false, HS_ERR_STATUS, NULL},
    {"missing_upgrade", H_STATUS H_CONN H_ACCEPT "\r\n", false, false, HS_ERR_UPGRADE, NULL},
    {"upgrade_not_websocket", H_STATUS "Upgrade: h2c\r\n" H_CONN H_ACCEPT "\r\n", false, false,
     HS_ERR_UPGRADE, NULL},
    {"upgrade_websocket_versioned", H_STATUS "Upgrade: websocket/13\r\n" H_CONN H_ACCEPT "\r\n",
     false, false, HS_ERR_UPGRADE, NULL},
    {"missing_connection", H_STATUS H_UPGRADE H_ACCEPT "\r\n", false, false, HS_ERR_CONNECTION,
     NULL},
    {"connection_keep_alive_only", H_STATUS H_UPGRADE "Connection: keep-alive\r\n" H_ACCEPT "\r\n",
     false, false, HS_ERR_CONNECTION, NULL},
    {"connection_upgrades_not_token", H_STATUS H_UPGRADE "Connection: upgrades\r\n" H_ACCEPT "\r\n",
     false, false, HS_ERR_CONNECTION, NULL},
    {"missing_accept", H_STATUS H_UPGRADE H_CONN "\r\n", false, false, HS_ERR_ACCEPT, NULL},
    {"wrong_accept",
     H_STATUS H_UPGRADE H_CONN "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", false,
     false, HS_ERR_ACCEPT, NULL},
    {"wrong_case_accept",
     H_STATUS H_UPGRADE H_CONN "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=\r\n\r\n", false,
     false, HS_ERR_ACCEPT, NULL},
    {"accept_truncated",
     H_STATUS H_UPGRADE H_CONN "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n\r\n", false,
     false, HS_ERR_ACCEPT, NULL},
    {"accept_twice", H_STATUS H_UPGRADE H_CONN H_ACCEPT H_ACCEPT "\r\n", false, false,
     HS_ERR_ACCEPT, NULL},
    {"unoffered_subprotocol",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Protocol: superchat\r\n\r\n", true, false,
     HS_ERR_SUBPROTOCOL, NULL},
    {"subprotocol_wrong_case",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Protocol: Chat\r\n\r\n", true, false,
     HS_ERR_SUBPROTOCOL, NULL},
    {"subprotocol_when_none_offered",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Protocol: chat\r\n\r\n", false, false,
     HS_ERR_SUBPROTOCOL, NULL},
    {"two_subprotocols_in_one_line",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Protocol: chat.v2, chat\r\n\r\n", true,
     false, HS_ERR_SUBPROTOCOL, NULL},
    {"two_subprotocol_lines",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT
     "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
     true, false, HS_ERR_SUBPROTOCOL, NULL},
    {"extension_not_offered",
     H_STATUS H_UPGRADE H_CONN H_ACCEPT "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
     false, false, HS_ERR_EXTENSION, NULL},
};

START_TEST(check_table)
{
    const char *sp = (const char *)1;
    size_t splen = 99;
    int rc = check_head(check_rows[_i].head, check_rows[_i].offer ? offered_two : NULL,
                        check_rows[_i].offer ? 2 : 0,
                        check_rows[_i].offer_ext ? "permessage-deflate" : NULL, &sp, &splen);
    ck_assert_msg(rc == check_rows[_i].want, "%s: rc %d, want %d", check_rows[_i].name, rc,
                  check_rows[_i].want);
    if (rc != 0)
        return;
    if (check_rows[_i].sub == NULL) {
        ck_assert_ptr_null(sp);
        ck_assert_uint_eq(splen, 0);
    } else {
        ck_assert_uint_eq(splen, strlen(check_rows[_i].sub));
        ck_assert(memcmp(sp, check_rows[_i].sub, splen) == 0);
    }
}
END_TEST

/* The check agrees with handshake_accept_for() for a freshly generated key. */
START_TEST(check_fresh_key_round_trip)
{
    struct handshake_request req;
    memset(&req, 0, sizeof(req));
    ck_assert_int_eq(handshake_key_new(&req), 0);
    char accept[HANDSHAKE_ACCEPT_LEN + 1];
    handshake_accept_for(req.key, accept);
    char head[256];
    int n = snprintf(head, sizeof(head),
                     H_STATUS H_UPGRADE H_CONN "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    struct handshake_response r;
    ck_assert_int_eq(handshake_response_parse(head, (size_t)n, &r), n);
    const char *why = NULL;
    ck_assert_int_eq(handshake_response_check(&r, &req, NULL, NULL, &why), 0);
    /* and fails for the RFC example's accept, which belongs to another key */
    struct handshake_response r2;
    static const char other[] = H_STATUS H_UPGRADE H_CONN H_ACCEPT "\r\n";
    ck_assert_int_gt(handshake_response_parse(other, sizeof(other) - 1, &r2), 0);
    ck_assert_int_eq(handshake_response_check(&r2, &req, NULL, NULL, &why), HS_ERR_ACCEPT);
}
END_TEST

static Suite *handshake_response_suite(void)
{
    Suite *s = suite_create("handshake_response");
    TCase *tc;

    tc = tcase_create("handshake_response_parse");
    tcase_add_test(tc, parse_whole_response);
    tcase_add_test(tc, parse_cut_at_every_offset_needs_more);
    tcase_add_test(tc, parse_trailing_frame_bytes_excluded);
    tcase_add_test(tc, parse_lf_only_line_ends);
    tcase_add_test(tc, parse_mixed_crlf_and_lf);
    tcase_add_test(tc, parse_value_whitespace_trimmed);
    tcase_add_test(tc, parse_empty_and_missing_reason);
    tcase_add_test(tc, parse_exactly_max_headers);
    tcase_add_test(tc, parse_head_size_limit);
    tcase_add_test(tc, parse_endless_short_headers_too_many);
    tcase_add_test(tc, parse_error_phrases);
    tcase_add_loop_test(tc, parse_malformed_table, 0, NROWS(malformed_rows));
    suite_add_tcase(s, tc);

    tc = tcase_create("handshake_response_header");
    tcase_add_test(tc, parse_response_header_lookup_case_insensitive);
    suite_add_tcase(s, tc);

    tc = tcase_create("handshake_response_check");
    tcase_add_loop_test(tc, check_table, 0, NROWS(check_rows));
    tcase_add_test(tc, check_fresh_key_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(handshake_response_suite)
