/*
 * Unit tests for http (RFC 9112 heads): status and request lines, the shared header block, the
 * limits and the header helpers. Every vector is fed whole, then one byte at a time into a
 * growing buffer, then cut at every offset (each piece in a buffer of its exact size, so ASan
 * sees any read past it): a prefix shorter than the point where the answer is known must be
 * "need more", and from that point on the answer must be the same as for the whole input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "http.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ck_assert_msg() without its mark point (a write to the parent on every pass, in fork mode),
 * for the loops that make millions of checks. */
#define expect(cond, ...)              \
    do {                               \
        if (!(cond))                   \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)
#define MAX_HDRS  8
#define SHOW_SIZE 512

struct vec {
    const char *name;
    const char *in;
    size_t len;       /* 0: strlen(in) */
    int want;         /* 0: a complete head; else the HTTP_ERR_* code */
    size_t at;        /* the shortest prefix that gives the answer (0: the whole input);
                       * for a complete head, its length */
    const char *show; /* a complete head as show_*() prints it */
    size_t maxh;      /* headers the caller's array holds (0: MAX_HDRS) */
    size_t maxlen;    /* max_head (0: the default, 64 KiB) */
};

/* Print the headers as "name=value;" each, checking that they point into buf[0..len). */
static void show_headers(char *out, size_t cap, const struct http_header *h, size_t n,
                         const char *buf, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        expect(h[i].name >= buf && h[i].name + h[i].name_len <= buf + len,
               "h[i].name >= buf && h[i].name + h[i].name_len <= buf + len");
        expect(h[i].value >= buf && h[i].value + h[i].value_len <= buf + len,
               "h[i].value >= buf && h[i].value + h[i].value_len <= buf + len");
        size_t k = strlen(out);
        snprintf(out + k, cap - k, "%.*s=%.*s;", (int)h[i].name_len, h[i].name, (int)h[i].value_len,
                 h[i].value);
    }
}

/* Parse buf[0..len) as a response or request; on success *show gets what was found. */
static int parse(bool request, const struct vec *v, const char *buf, size_t len, char *show)
{
    struct http_header h[MAX_HDRS + 4];
    size_t maxh = v->maxh ? v->maxh : MAX_HDRS;
    show[0] = '\0';
    if (request) {
        struct http_request r;
        int rc = http_parse_request(buf, len, &r, h, maxh, v->maxlen);
        if (rc > 0) {
            expect(r.method >= buf && r.target + r.target_len <= buf + len,
                   "r.method >= buf && r.target + r.target_len <= buf + len");
            snprintf(show, SHOW_SIZE, "%.*s [%.*s] 1.%d ", (int)r.method_len, r.method,
                     (int)r.target_len, r.target, r.minor_version);
            show_headers(show, SHOW_SIZE, h, r.nheaders, buf, len);
        }
        return rc;
    }
    struct http_response r;
    int rc = http_parse_response(buf, len, &r, h, maxh, v->maxlen);
    if (rc > 0) {
        expect(r.reason >= buf && r.reason + r.reason_len <= buf + len,
               "r.reason >= buf && r.reason + r.reason_len <= buf + len");
        snprintf(show, SHOW_SIZE, "1.%d %03d [%.*s] ", r.minor_version, r.status, (int)r.reason_len,
                 r.reason);
        show_headers(show, SHOW_SIZE, h, r.nheaders, buf, len);
    }
    return rc;
}

/* Parse a copy of in[0..len) in a buffer of exactly that size. */
static int parse_copy(bool request, const struct vec *v, const char *in, size_t len, char *show)
{
    char *copy = malloc(len ? len : 1);
    expect(copy != NULL, "out of memory");
    memcpy(copy, in, len);
    int rc = parse(request, v, copy, len, show);
    free(copy);
    return rc;
}

/* The answer for a prefix of cut bytes: "need more" before v's point, its answer from there. */
static void expect_at(const struct vec *v, const char *how, size_t cut, int rc, const char *show)
{
    size_t len = v->len ? v->len : strlen(v->in);
    size_t at = v->at ? v->at : len;
    if (cut < at) {
        expect(rc == HTTP_NEED_MORE, "%s %s: %zu of %zu bytes: %d, want need-more", v->name, how,
               cut, len, rc);
    } else if (v->want != 0) {
        expect(rc == v->want, "%s %s: %zu of %zu bytes: %d, want %d", v->name, how, cut, len, rc,
               v->want);
    } else {
        expect(rc == (int)at, "%s %s: %zu of %zu bytes: %d, want %zu", v->name, how, cut, len, rc,
               at);
        expect(strcmp(show, v->show) == 0, "%s %s: %zu bytes: got \"%s\", want \"%s\"", v->name,
               how, cut, show, v->show);
    }
}

static void check_vec(bool request, const struct vec *v)
{
    size_t len = v->len ? v->len : strlen(v->in);
    char show[SHOW_SIZE];

    expect_at(v, "whole", len, parse_copy(request, v, v->in, len, show), show);

    /* One byte at a time into one growing buffer, as a caller appending each read would. */
    char *grow = NULL;
    for (size_t n = 1; n <= len; n++) {
        grow = realloc(grow, n);
        expect(grow != NULL, "out of memory");
        grow[n - 1] = v->in[n - 1];
        expect_at(v, "byte by byte", n, parse(request, v, grow, n, show), show);
    }
    free(grow);

    /* Cut at every offset: the first piece alone, then both pieces together. */
    for (size_t cut = 0; cut <= len; cut++) {
        expect_at(v, "cut", cut, parse_copy(request, v, v->in, cut, show), show);
        expect_at(v, "rejoined", len, parse_copy(request, v, v->in, len, show), show);
    }
}

/* ---- http_parse_response ---- */

#define UPGRADE_101                                                                     \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"

static const struct vec responses[] = {
    {"upgrade_101", UPGRADE_101, 0, 0, 0,
     "1.1 101 [Switching Protocols] Upgrade=websocket;Connection=Upgrade;"
     "Sec-WebSocket-Accept=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;",
     0, 0},
    /* a text frame "Hi" in the same read is not part of the head */
    {"frame_bytes_after_head", UPGRADE_101 "\x81\x02Hi\r\n\r\n", 0, 0, sizeof(UPGRADE_101) - 1,
     "1.1 101 [Switching Protocols] Upgrade=websocket;Connection=Upgrade;"
     "Sec-WebSocket-Accept=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=;",
     0, 0},
    {"http_1_0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 0,
     "1.0 200 [OK] Content-Length=0;", 0, 0},
    {"no_headers", "HTTP/1.1 204 No Content\r\n\r\n", 0, 0, 0, "1.1 204 [No Content] ", 0, 0},
    /* bare LF line ends are accepted (RFC 9112 §2.2 MAY), alone or mixed with CRLF */
    {"bare_lf", "HTTP/1.1 101 OK\nUpgrade: websocket\n\n\x88", 0, 0, 36,
     "1.1 101 [OK] Upgrade=websocket;", 0, 0},
    {"mixed_crlf_lf", "HTTP/1.1 101 OK\r\nA: 1\nB: 2\r\n\n", 0, 0, 0, "1.1 101 [OK] A=1;B=2;", 0,
     0},
    {"empty_reason", "HTTP/1.1 101 \r\n\r\n", 0, 0, 0, "1.1 101 [] ", 0, 0},
    {"absent_reason", "HTTP/1.1 404\r\n\r\n", 0, 0, 0, "1.1 404 [] ", 0, 0},
    {"reason_tab_and_obs_text", "HTTP/1.1 200 O\tk \xc3\xa9\r\n\r\n", 0, 0, 0,
     "1.1 200 [O\tk \xc3\xa9] ", 0, 0},
    {"status_000_and_999_are_3_digits", "HTTP/1.1 999 X\r\n\r\n", 0, 0, 0, "1.1 999 [X] ", 0, 0},
    {"value_whitespace_trimmed", "HTTP/1.1 101 X\r\nA:   v a l \t \r\nB:\r\nC: \t\r\n\r\n", 0, 0, 0,
     "1.1 101 [X] A=v a l;B=;C=;", 0, 0},
    {"value_with_colons_and_obs_text", "HTTP/1.1 302 F\r\nLocation: ws://h:1/\xc3\xa9\r\n\r\n", 0,
     0, 0, "1.1 302 [F] Location=ws://h:1/\xc3\xa9;", 0, 0},
    {"name_all_tchars", "HTTP/1.1 200 X\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n", 0, 0, 0,
     "1.1 200 [X] !#$%&'*+-.^_`|~09azAZ=v;", 0, 0},
    /* not HTTP: known from the first byte that differs from "HTTP/" */
    {"not_http_ssh", "SSH-2.0-OpenSSH_9.2\r\n", 0, HTTP_ERR_NOT_HTTP, 1, NULL, 0, 0},
    {"not_http_html", "<!DOCTYPE html>\n\n", 0, HTTP_ERR_NOT_HTTP, 1, NULL, 0, 0},
    {"not_http_lowercase", "http/1.1 101 X\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 1, NULL, 0, 0},
    {"not_http_httx", "HTTX/1.1 101 X\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 4, NULL, 0, 0},
    {"not_http_no_slash", "HTTP 1.1 200 OK\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 5, NULL, 0, 0},
    {"not_http_empty_first_line", "\r\nHTTP/1.1 101 X\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 1, NULL, 0,
     0},
    {"not_http_nul", "\0HTTP/1.1 101 X\r\n\r\n", 19, HTTP_ERR_NOT_HTTP, 1, NULL, 0, 0},
    /* HTTP, another version: known at the version's first wrong byte */
    {"http_2_text", "HTTP/2 101 Switching Protocols\r\n\r\n", 0, HTTP_ERR_VERSION, 6, NULL, 0, 0},
    {"http_2_0", "HTTP/2.0 200 OK\r\n\r\n", 0, HTTP_ERR_VERSION, 6, NULL, 0, 0},
    {"http_1_2", "HTTP/1.2 101 X\r\n\r\n", 0, HTTP_ERR_VERSION, 8, NULL, 0, 0},
    {"http_1_line_ends", "HTTP/1\r\n\r\n", 0, HTTP_ERR_VERSION, 7, NULL, 0, 0},
    /* malformed status lines */
    {"two_spaces_before_status", "HTTP/1.1  101 X\r\n\r\n", 0, HTTP_ERR_LINE, 17, NULL, 0, 0},
    {"no_space_after_version", "HTTP/1.1\r\n\r\n", 0, HTTP_ERR_LINE, 9, NULL, 0, 0},
    {"status_two_digits", "HTTP/1.1 10 X\r\n\r\n", 0, HTTP_ERR_LINE, 15, NULL, 0, 0},
    {"status_four_digits", "HTTP/1.1 1010 X\r\n\r\n", 0, HTTP_ERR_LINE, 17, NULL, 0, 0},
    {"status_not_digits", "HTTP/1.1 1x1 X\r\n\r\n", 0, HTTP_ERR_LINE, 16, NULL, 0, 0},
    {"status_then_no_space", "HTTP/1.1 101X\r\n\r\n", 0, HTTP_ERR_LINE, 15, NULL, 0, 0},
    {"control_in_reason",
     "HTTP/1.1 101 A\x01"
     "B\r\n\r\n",
     0, HTTP_ERR_LINE, 18, NULL, 0, 0},
    {"nul_in_reason", "HTTP/1.1 101 A\0B\r\n\r\n", 20, HTTP_ERR_LINE, 18, NULL, 0, 0},
    {"bare_cr_line_end", "HTTP/1.1 101 X\rA: b\r\n\r\n", 0, HTTP_ERR_LINE, 21, NULL, 0, 0},
    /* malformed header field lines */
    {"obs_fold_space", "HTTP/1.1 101 X\r\nA: b\r\n c\r\n\r\n", 0, HTTP_ERR_LINE, 26, NULL, 0, 0},
    {"obs_fold_tab", "HTTP/1.1 101 X\r\nA: b\r\n\tc\r\n\r\n", 0, HTTP_ERR_LINE, 26, NULL, 0, 0},
    {"space_before_colon", "HTTP/1.1 101 X\r\nUpgrade : websocket\r\n\r\n", 0, HTTP_ERR_LINE, 37,
     NULL, 0, 0},
    {"no_colon", "HTTP/1.1 101 X\r\nUpgrade websocket\r\n\r\n", 0, HTTP_ERR_LINE, 35, NULL, 0, 0},
    {"empty_name", "HTTP/1.1 101 X\r\n: v\r\n\r\n", 0, HTTP_ERR_LINE, 21, NULL, 0, 0},
    {"name_with_paren", "HTTP/1.1 101 X\r\nX(Foo): b\r\n\r\n", 0, HTTP_ERR_LINE, 27, NULL, 0, 0},
    {"name_with_at", "HTTP/1.1 101 X\r\nUp@grade: b\r\n\r\n", 0, HTTP_ERR_LINE, 29, NULL, 0, 0},
    {"name_with_obs_text", "HTTP/1.1 101 X\r\nX\xc3\xa9: b\r\n\r\n", 0, HTTP_ERR_LINE, 24, NULL, 0,
     0},
    {"nul_in_name", "HTTP/1.1 101 X\r\nUp\0grade: websocket\r\n\r\n", 39, HTTP_ERR_LINE, 37, NULL,
     0, 0},
    {"nul_in_value", "HTTP/1.1 101 X\r\nUpgrade: web\0socket\r\n\r\n", 39, HTTP_ERR_LINE, 37, NULL,
     0, 0},
    {"esc_in_value",
     "HTTP/1.1 101 X\r\nA: b\x1b"
     "c\r\n\r\n",
     0, HTTP_ERR_LINE, 24, NULL, 0, 0},
    {"del_in_value", "HTTP/1.1 101 X\r\nA: b\x7f\r\n\r\n", 0, HTTP_ERR_LINE, 23, NULL, 0, 0},
    {"bare_cr_in_value", "HTTP/1.1 101 X\r\nA: b\rc\r\n\r\n", 0, HTTP_ERR_LINE, 24, NULL, 0, 0},
    {"cr_cr_lf", "HTTP/1.1 101 X\r\nA: b\r\r\n\r\n", 0, HTTP_ERR_LINE, 23, NULL, 0, 0},
    /* limits: the header array, the head length */
    {"headers_exactly_max", "HTTP/1.1 200 X\r\nA: 1\r\nB: 2\r\n\r\n", 0, 0, 0,
     "1.1 200 [X] A=1;B=2;", 2, 0},
    {"headers_one_over_max", "HTTP/1.1 200 X\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 0,
     HTTP_ERR_TOO_MANY_HEADERS, 34, NULL, 2, 0},
    /* a malformed line is reported as such even past the header limit */
    {"bad_line_over_max", "HTTP/1.1 200 X\r\nA: 1\r\nB 2\r\n\r\n", 0, HTTP_ERR_LINE, 27, NULL, 1,
     0},
    {"head_exactly_max_len", "HTTP/1.1 200 X\r\nA: 123456789\r\n\r\n", 0, 0, 0,
     "1.1 200 [X] A=123456789;", 0, 32},
    {"head_one_over_max_len", "HTTP/1.1 200 X\r\nA: 1234567890\r\n\r\n", 0, HTTP_ERR_TOO_LONG, 32,
     NULL, 0, 32},
    {"endless_line_over_max_len", "HTTP/1.1 200 X\r\nA: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
     HTTP_ERR_TOO_LONG, 40, NULL, 0, 40},
    /* garbage past the limit cannot change the answer */
    {"not_http_past_max_len", "HTTP/1.1 200 X\r\nA: b\r\nSSH\0\r\n", 29, HTTP_ERR_TOO_LONG, 24,
     NULL, 0, 24},
};

START_TEST(response_table)
{
    check_vec(false, &responses[_i]);
}
END_TEST

/* A caller's array of zero headers: only a head without fields fits. */
START_TEST(response_zero_header_array)
{
    struct http_response r;
    static const char none[] = "HTTP/1.1 200 OK\r\n\r\n", one[] = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
    ck_assert_int_eq(http_parse_response(none, strlen(none), &r, NULL, 0, 0), (int)strlen(none));
    ck_assert_uint_eq(r.nheaders, 0);
    ck_assert_int_eq(http_parse_response(one, strlen(one), &r, NULL, 0, 0),
                     HTTP_ERR_TOO_MANY_HEADERS);
}
END_TEST

/* The default limit is 64 KiB, head included up to its last LF. */
START_TEST(response_default_limit_64k)
{
    size_t big = HTTP_MAX_HEAD + 100;
    char *in = malloc(big);
    ck_assert_ptr_nonnull(in);
    struct http_response r;
    struct http_header h[4];
    memcpy(in, "HTTP/1.1 101 X\r\nX-Pad: ", 23);
    memset(in + 23, 'a', big - 23);
    ck_assert_int_eq(http_parse_response(in, HTTP_MAX_HEAD - 1, &r, h, 4, 0), HTTP_NEED_MORE);
    ck_assert_int_eq(http_parse_response(in, HTTP_MAX_HEAD, &r, h, 4, 0), HTTP_ERR_TOO_LONG);
    ck_assert_int_eq(http_parse_response(in, big, &r, h, 4, 0), HTTP_ERR_TOO_LONG);
    memcpy(in + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
    ck_assert_int_eq(http_parse_response(in, big, &r, h, 4, 0), HTTP_MAX_HEAD);
    ck_assert_int_eq(http_parse_response(in, HTTP_MAX_HEAD, &r, h, 4, 0), HTTP_MAX_HEAD);
    ck_assert_int_eq(http_parse_response(in, HTTP_MAX_HEAD - 1, &r, h, 4, 0), HTTP_NEED_MORE);
    memset(in + HTTP_MAX_HEAD - 4, 'a', 4);
    memcpy(in + HTTP_MAX_HEAD - 3, "\r\n\r\n", 4);
    ck_assert_int_eq(http_parse_response(in, big, &r, h, 4, 0), HTTP_ERR_TOO_LONG);
    /* a caller's larger limit is honoured */
    ck_assert_int_eq(http_parse_response(in, big, &r, h, 4, HTTP_MAX_HEAD + 1), HTTP_MAX_HEAD + 1);
    free(in);
}
END_TEST

/* ---- http_parse_request ---- */

static const struct vec requests[] = {
    {"upgrade_get",
     "GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
     "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
     0, 0, 0,
     "GET [/chat?x=1] 1.1 Host=example.com;Upgrade=websocket;Connection=keep-alive, Upgrade;"
     "Sec-WebSocket-Version=13;",
     0, 0},
    {"connect_authority_form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
     0, 0, 0, "CONNECT [example.com:443] 1.1 Host=example.com:443;", 0, 0},
    {"options_asterisk_http_1_0", "OPTIONS * HTTP/1.0\r\n\r\n", 0, 0, 0, "OPTIONS [*] 1.0 ", 0, 0},
    {"absolute_form", "GET http://h:8/p?q HTTP/1.1\r\n\r\n", 0, 0, 0, "GET [http://h:8/p?q] 1.1 ",
     0, 0},
    {"bare_lf_and_body_after", "POST /x HTTP/1.1\nContent-Length: 2\n\nhi", 0, 0, 36,
     "POST [/x] 1.1 Content-Length=2;", 0, 0},
    {"extension_method", "M-SEARCH * HTTP/1.1\r\n\r\n", 0, 0, 0, "M-SEARCH [*] 1.1 ", 0, 0},
    /* not HTTP: known at the first byte of the method that is not a token character */
    {"tls_client_hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, HTTP_ERR_NOT_HTTP, 1,
     NULL, 0, 0},
    {"leading_space", " GET / HTTP/1.1\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 1, NULL, 0, 0},
    {"leading_empty_line", "\r\nGET / HTTP/1.1\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 1, NULL, 0, 0},
    {"method_with_paren", "GE(T / HTTP/1.1\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 3, NULL, 0, 0},
    {"method_alone", "GET\r\n\r\n", 0, HTTP_ERR_NOT_HTTP, 4, NULL, 0, 0},
    {"nul_in_method", "G\0T / HTTP/1.1\r\n\r\n", 18, HTTP_ERR_NOT_HTTP, 2, NULL, 0, 0},
    /* versions */
    {"http_2_0", "GET / HTTP/2.0\r\n\r\n", 0, HTTP_ERR_VERSION, 16, NULL, 0, 0},
    {"http_1_2", "GET / HTTP/1.2\r\n\r\n", 0, HTTP_ERR_VERSION, 16, NULL, 0, 0},
    {"h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, HTTP_ERR_VERSION, 16, NULL, 0, 0},
    /* malformed request lines */
    {"http_0_9", "GET /\r\n\r\n", 0, HTTP_ERR_LINE, 7, NULL, 0, 0},
    {"two_spaces_after_method", "GET  / HTTP/1.1\r\n\r\n", 0, HTTP_ERR_LINE, 17, NULL, 0, 0},
    {"space_in_target", "GET /a b HTTP/1.1\r\n\r\n", 0, HTTP_ERR_LINE, 19, NULL, 0, 0},
    {"trailing_space", "GET / HTTP/1.1 \r\n\r\n", 0, HTTP_ERR_LINE, 17, NULL, 0, 0},
    {"lowercase_version", "GET / http/1.1\r\n\r\n", 0, HTTP_ERR_LINE, 16, NULL, 0, 0},
    {"version_text", "GET / HTTP/one\r\n\r\n", 0, HTTP_ERR_LINE, 16, NULL, 0, 0},
    {"nul_in_target", "GET /\0 HTTP/1.1\r\n\r\n", 19, HTTP_ERR_LINE, 17, NULL, 0, 0},
    {"obs_text_in_target", "GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 0, HTTP_ERR_LINE, 18, NULL, 0, 0},
    {"bare_cr_in_line", "GET /\r HTTP/1.1\r\n\r\n", 0, HTTP_ERR_LINE, 17, NULL, 0, 0},
    /* the header block is the same as a response's */
    {"obs_fold", "GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n", 0, HTTP_ERR_LINE, 26, NULL, 0, 0},
    {"space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0, HTTP_ERR_LINE, 26, NULL, 0, 0},
    {"too_many_headers", "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", 0, HTTP_ERR_TOO_MANY_HEADERS, 28,
     NULL, 1, 0},
    {"too_long", "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
     HTTP_ERR_TOO_LONG, 32, NULL, 0, 32},
};

START_TEST(request_table)
{
    check_vec(true, &requests[_i]);
}
END_TEST

/*
 * Every vector with one byte replaced, at each position, by a byte that matters to the syntax:
 * whatever the answer is, every prefix must be "need more" or that same answer, and once a
 * prefix has the answer every longer one has it too.
 */
static void check_consistent(bool request, const struct vec *base)
{
    static const char subst[] = {'\0', '\r', '\n', ' ', '\t', ':', 'A', '1', '\x7f', '\xff'};
    size_t len = base->len ? base->len : strlen(base->in);
    char *in = malloc(len);
    ck_assert_ptr_nonnull(in);
    char whole_show[SHOW_SIZE], show[SHOW_SIZE];
    for (size_t i = 0; i < len; i++) {
        for (size_t s = 0; s < sizeof(subst); s++) {
            memcpy(in, base->in, len);
            in[i] = subst[s];
            int whole = parse(request, base, in, len, whole_show);
            expect(whole == HTTP_NEED_MORE || whole < -1 || (whole > 0 && (size_t)whole <= len),
                   "%s: whole %d", base->name, whole);
            bool known = false;
            for (size_t cut = 0; cut <= len; cut++) {
                int rc = parse_copy(request, base, in, cut, show);
                expect(rc == HTTP_NEED_MORE || rc == whole,
                       "%s, byte %zu = 0x%02x, cut at %zu: %d, whole %d", base->name, i,
                       (unsigned char)subst[s], cut, rc, whole);
                expect(!known || rc == whole, "%s: answer lost at %zu", base->name, cut);
                expect(rc <= 0 || strcmp(show, whole_show) == 0, "%s: \"%s\" then \"%s\"",
                       base->name, whole_show, show);
                known = known || rc != HTTP_NEED_MORE;
            }
        }
    }
    free(in);
}

START_TEST(response_mutations_consistent)
{
    check_consistent(false, &responses[_i]);
}
END_TEST

START_TEST(request_mutations_consistent)
{
    check_consistent(true, &requests[_i]);
}
END_TEST

/* ---- header helpers ---- */

static const char helper_head[] = "HTTP/1.1 101 X\r\n"
                                  "Connection: keep-alive, Upgrade\r\n"
                                  "x-a: 1\r\n"
                                  "X-A: 2\r\n"
                                  "Upgrade: websocket2\r\n"
                                  "Upgrade: ,, WebSocket ,\r\n"
                                  "Empty:\r\n"
                                  "\r\n";

static size_t helper_parse(struct http_header *h, size_t cap)
{
    struct http_response r;
    ck_assert_int_eq(http_parse_response(helper_head, strlen(helper_head), &r, h, cap, 0),
                     (int)strlen(helper_head));
    return r.nheaders;
}

START_TEST(header_find_first_case_insensitive)
{
    struct http_header h[MAX_HDRS];
    size_t n = helper_parse(h, MAX_HDRS);
    const struct http_header *f = http_header_find(h, n, "X-a");
    ck_assert_ptr_eq(f, &h[1]);
    ck_assert(f->value_len == 1 && f->value[0] == '1');
    ck_assert_ptr_eq(http_header_find(h, n, "CONNECTION"), &h[0]);
    ck_assert_ptr_null(http_header_find(h, n, "X"));
    ck_assert_ptr_null(http_header_find(h, n, "X-AB"));
    ck_assert_ptr_null(http_header_find(h, 0, "X-A"));
}
END_TEST

START_TEST(header_count_all_spellings)
{
    struct http_header h[MAX_HDRS];
    size_t n = helper_parse(h, MAX_HDRS);
    ck_assert_uint_eq(http_header_count(h, n, "x-A"), 2);
    ck_assert_uint_eq(http_header_count(h, n, "upgrade"), 2);
    ck_assert_uint_eq(http_header_count(h, n, "Missing"), 0);
}
END_TEST

static const struct {
    const char *name, *token;
    bool want;
} token_rows[] = {
    {"Connection", "upgrade", true},    /* second element, other case */
    {"Connection", "keep-alive", true}, /* first element */
    {"connection", "UPGRADE", true},    /* name and token case-insensitive */
    {"Connection", "keep", false},      /* a prefix of an element is no match */
    {"Connection", "alive, Upgrade", false},
    {"Upgrade", "websocket", true}, /* found on the second line, among empty elements */
    {"Upgrade", "websocket2", true},
    {"Upgrade", "websocket3", false},
    {"Upgrade", "", false}, /* empty elements never match */
    {"Empty", "", false},
    {"X-A", "2", true},
    {"Missing", "upgrade", false},
};

START_TEST(header_has_token_table)
{
    struct http_header h[MAX_HDRS];
    size_t n = helper_parse(h, MAX_HDRS);
    ck_assert_msg(http_header_has_token(h, n, token_rows[_i].name, token_rows[_i].token) ==
                      token_rows[_i].want,
                  "%s has %s", token_rows[_i].name, token_rows[_i].token);
}
END_TEST

START_TEST(name_is_exact_length)
{
    ck_assert(http_name_is("Host", 4, "host"));
    ck_assert(http_name_is("Hostx", 4, "HOST"));
    ck_assert(!http_name_is("Hos", 3, "Host"));
    ck_assert(!http_name_is("Hosts", 5, "Host"));
    ck_assert(http_name_is("", 0, ""));
    ck_assert(!http_name_is("[", 1, "{")); /* no case folding outside letters */
}
END_TEST

/* ---- http_head_complete: the end of a head found whatever the pieces ---- */

static const char *const endings[] = {
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nbody", /* CRLF CRLF */
    "HTTP/1.1 200 OK\nA: b\n\n",                                          /* bare LF */
    "HTTP/1.1 200 OK\r\nA: b\n\r\n",                                      /* mixed */
    "HTTP/1.1 200 OK\r\nA: b\r\n",                                        /* not yet */
    "HTTP/1.1 200 OK\r\nA: b\r\n\r",                                      /* not yet */
    "HTTP/1.1 200 OK\r\n\rA: b\r\n",                                      /* CR, no end */
    "\n\n",                                                               /* at once */
    "",
};

/* The reference: some "\n\n" or "\n\r\n" lies within buf[0..n). */
static bool naive_complete(const char *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (b[i] == '\n' &&
            (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')))
            return true;
    return false;
}

START_TEST(head_complete_same_answer_at_every_split)
{
    const char *in = endings[_i];
    size_t len = strlen(in);
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            /* Three reads: [0, a), [a, b), [b, len): each call sees the buffer so far. */
            size_t scanned = 0;
            bool got = http_head_complete(in, a, &scanned);
            ck_assert(got == naive_complete(in, a));
            ck_assert_uint_eq(scanned, a);
            if (!got)
                got = http_head_complete(in, b, &scanned);
            ck_assert_msg(got == naive_complete(in, b), "row %d split %zu/%zu", _i, a, b);
            if (!got)
                got = http_head_complete(in, len, &scanned);
            ck_assert_msg(got == naive_complete(in, len), "row %d split %zu/%zu", _i, a, b);
        }
    }
    /* One byte at a time: true from exactly the byte that ends the head. */
    size_t scanned = 0;
    bool got = false;
    for (size_t n = 0; n <= len && !got; n++) {
        got = http_head_complete(in, n, &scanned);
        ck_assert(got == naive_complete(in, n));
    }
    ck_assert(got == naive_complete(in, len));
}
END_TEST

/* Each byte is looked at about once: the scan does not start over from byte 0. */
START_TEST(head_complete_resumes_where_it_stopped)
{
    char b[16] = "\n\n-------------";
    size_t scanned = 10; /* said to be searched already: the old "\n\n" is not seen again */
    ck_assert(!http_head_complete(b, 16, &scanned));
    ck_assert_uint_eq(scanned, 16);
    memcpy(b + 11, "\n\r\n", 3); /* straddles the overlap of 3 */
    scanned = 13;
    ck_assert(http_head_complete(b, 16, &scanned));
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http_parse_response");
    tcase_add_loop_test(tc, response_table, 0, NROWS(responses));
    tcase_add_test(tc, response_zero_header_array);
    tcase_add_test(tc, response_default_limit_64k);
    tcase_add_loop_test(tc, response_mutations_consistent, 0, NROWS(responses));
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("http_parse_request");
    tcase_add_loop_test(tc, request_table, 0, NROWS(requests));
    tcase_add_loop_test(tc, request_mutations_consistent, 0, NROWS(requests));
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("http_header_helpers");
    tcase_add_test(tc, header_find_first_case_insensitive);
    tcase_add_test(tc, header_count_all_spellings);
    tcase_add_loop_test(tc, header_has_token_table, 0, NROWS(token_rows));
    tcase_add_test(tc, name_is_exact_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("http_head_complete");
    tcase_add_loop_test(tc, head_complete_same_answer_at_every_split, 0, NROWS(endings));
    tcase_add_test(tc, head_complete_resumes_where_it_stopped);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(http_suite)
