/*
 * Tests for the proxy layer (proxy.c) over a scripted layer of the test's own, which plays the
 * proxy: it releases each reply once the request before it has been written, hands bytes out
 * whole or one at a time, takes writes whole or a byte at a time with T_AGAIN in between, and
 * records what was sent. Then the transport with a proxy: the stack, describe(), the proxy's
 * errors (down: 7, unknown name: 5), and no secret in any error or log line.
 */
#include "check_transport.h"

#include <netdb.h>

#include "layer.h"
#include "proxy.h"
#include "proxy_wire.h"
#include "resolve.h"

#define PASSWORD "s3cretPW"

/* ---- the scripted proxy below ---- */

struct seg {
    size_t after; /* released once this many bytes were written */
    const char *p;
    size_t n;
};

struct script {
    struct layer base;
    struct seg seg[4];
    int nseg;
    size_t seg_i, seg_off;
    bool bytewise;   /* reads and writes one byte at a time, T_AGAIN in between */
    bool eof_at_end; /* after the script: end of stream, not T_AGAIN */
    bool reset;      /* after the script: T_ERR_RESET */
    bool flip;
    char sent[2048];
    size_t sent_len;
    bool connected_below;
};

static int script_connect(struct layer *l, short revents)
{
    (void)l, (void)revents;
    return 1;
}

static long script_read(struct layer *l, void *p, size_t n)
{
    struct script *s = (struct script *)l;
    struct seg *g;
    size_t k;

    if (s->bytewise && (s->flip = !s->flip))
        return T_AGAIN;
    while (s->seg_i < (size_t)s->nseg && s->seg_off == s->seg[s->seg_i].n) {
        s->seg_i++;
        s->seg_off = 0;
    }
    if (s->seg_i == (size_t)s->nseg) {
        if (s->reset) {
            layer_set_err(l, "Connection reset by peer");
            return T_ERR_RESET;
        }
        return s->eof_at_end ? 0 : T_AGAIN;
    }
    g = &s->seg[s->seg_i];
    if (s->sent_len < g->after)
        return T_AGAIN;
    k = g->n - s->seg_off;
    if (k > n)
        k = n;
    if (s->bytewise)
        k = 1;
    memcpy(p, g->p + s->seg_off, k);
    s->seg_off += k;
    return (long)k;
}

static long script_write(struct layer *l, const void *p, size_t n)
{
    struct script *s = (struct script *)l;

    if (s->bytewise) {
        if ((s->flip = !s->flip))
            return T_AGAIN;
        n = 1;
    }
    ck_assert_uint_le(s->sent_len + n, sizeof s->sent);
    memcpy(s->sent + s->sent_len, p, n);
    s->sent_len += n;
    return (long)n;
}

static bool script_pending(const struct layer *l)
{
    (void)l;
    return false;
}

static short script_poll_events(const struct layer *l, bool reading)
{
    (void)l, (void)reading;
    return 0;
}

static void script_shutdown(struct layer *l)
{
    (void)l;
}

static void script_describe(const struct layer *l, char *out, size_t n)
{
    (void)l;
    snprintf(out, n, "script");
}

static void script_destroy(struct layer *l)
{
    (void)l; /* on the test's stack */
}

static const struct layer_ops script_ops = {
    .name = "script",
    .connect = script_connect,
    .read = script_read,
    .write = script_write,
    .pending = script_pending,
    .poll_events = script_poll_events,
    .shutdown = script_shutdown,
    .describe = script_describe,
    .destroy = script_destroy,
};

static struct layer_env env = {.log = log_line};
static struct script below;

/* A fresh script: replies given as (after, text, len) triples ending with NULL text. */
static void script_reset(bool bytewise)
{
    memset(&below, 0, sizeof below);
    below.base.ops = &script_ops;
    below.base.env = &env;
    below.base.connected = true;
    below.bytewise = bytewise;
    logbuf[0] = '\0';
    env.err[0] = '\0';
}

static void script_add(size_t after, const void *p, size_t n)
{
    ck_assert_int_lt(below.nseg, 4);
    below.seg[below.nseg++] = (struct seg){after, p, n};
}

static struct proxy_spec spec_of(enum proxy_type type, bool auth)
{
    struct proxy_spec sp = {.type = type, .port = 3128, .has_auth = auth};

    snprintf(sp.host, sizeof sp.host, "127.0.0.1");
    if (auth) {
        snprintf(sp.user, sizeof sp.user, "bob");
        snprintf(sp.pass, sizeof sp.pass, PASSWORD);
    }
    return sp;
}

/* Run the connect step until it decides (it never blocks: T_AGAIN is just "call again"). */
static int connect_px(struct layer *px)
{
    int r = 0;

    for (int i = 0; i < 100000 && r == 0; i++)
        r = px->ops->connect(px, POLLIN | POLLOUT);
    return r;
}

/* No error text or log line may hold the password, or the Basic credentials that carry it. */
static void assert_no_secret(void)
{
    ck_assert_ptr_null(strstr(env.err, PASSWORD));
    ck_assert_ptr_null(strstr(logbuf, PASSWORD));
    ck_assert_ptr_null(strstr(logbuf, "Ym9iOnMzY3JldFBX")); /* base64("bob:s3cretPW") */
}

static struct layer *new_px(enum proxy_type type, bool auth, const char *host, uint16_t port)
{
    struct proxy_spec sp = spec_of(type, auth);
    struct layer *px = proxy_new(&env, &below.base, &sp, NULL, host, port);

    ck_assert_ptr_nonnull(px);
    return px;
}

/* ---- HTTP CONNECT ---- */

static const char tinyproxy_200[] = "HTTP/1.0 200 Connection established\r\n"
                                    "Proxy-agent: tinyproxy/1.11.1\r\n\r\n";

START_TEST(http_connect_ok_leftover_read_first)
{
    static const char want[] = "CONNECT localhost:8443 HTTP/1.1\r\nHost: localhost:8443\r\n"
                               "Proxy-Authorization: Basic Ym9iOnMzY3JldFBX\r\n\r\n";
    char reply[200], buf[64];
    bool bytewise = _i == 1; /* loop: whole, then one byte at a time */
    struct layer *px;
    long k0;

    snprintf(reply, sizeof reply, "%sEARLY", tinyproxy_200);
    script_reset(bytewise);
    script_add(strlen(want), reply, strlen(reply));
    script_add(strlen(want), "LATER", 5);
    px = new_px(PROXY_HTTP, true, "localhost", 8443);
    ck_assert_int_eq(connect_px(px), 1);
    ck_assert_uint_eq(below.sent_len, strlen(want));
    ck_assert_int_eq(memcmp(below.sent, want, strlen(want)), 0);
    ck_assert_ptr_nonnull(strstr(logbuf, "HTTP proxy 127.0.0.1:3128: HTTP/1.0 200 Connection "
                                         "established\n"));
    ck_assert_ptr_nonnull(strstr(logbuf, "Proxy-Authorization: Basic [redacted]"));
    assert_no_secret();
    if (!bytewise) {
        /* the bytes after the reply head come first, then the layer below's */
        ck_assert(px->ops->pending(px));
        ck_assert_int_eq(px->ops->read(px, buf, 3), 3);
        ck_assert_int_eq(memcmp(buf, "EAR", 3), 0);
        ck_assert_int_eq(px->ops->read(px, buf, sizeof buf), 2);
        ck_assert(!px->ops->pending(px));
    } else {
        long k = 0;
        char got[16] = "";
        size_t used = 0;
        while (used < 10 && (k = px->ops->read(px, buf, sizeof buf)) != 0)
            if (k > 0)
                memcpy(got + used, buf, (size_t)k), used += (size_t)k;
        ck_assert_str_eq(got, "EARLYLATER");
    }
    while ((k0 = px->ops->write(px, "x", 1)) == T_AGAIN)
        ;
    ck_assert_int_eq(k0, 1);
    ck_assert_int_eq(below.sent[below.sent_len - 1], 'x');
    px->ops->destroy(px);
}
END_TEST

START_TEST(http_connect_ipv6_target_no_credentials)
{
    static const char want[] = "CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\n\r\n";
    struct layer *px;
    char d[256];

    script_reset(false);
    script_add(strlen(want), "HTTP/1.1 200 OK\r\n\r\n", 19);
    px = new_px(PROXY_HTTP, false, "::1", 9001);
    ck_assert_int_eq(connect_px(px), 1);
    ck_assert_uint_eq(below.sent_len, strlen(want));
    ck_assert_int_eq(memcmp(below.sent, want, strlen(want)), 0);
    ck_assert(!px->ops->pending(px));
    px->ops->describe(px, d, sizeof d);
    ck_assert_str_eq(d, "HTTP proxy 127.0.0.1:3128, tunnel to [::1]:9001");
    px->ops->destroy(px);
}
END_TEST

/* Credentials wanted or rejected are T_ERR_PROXY_AUTH (never retried); the rest T_ERR_PROXY. */
static int want_code(const char *want)
{
    return strstr(want, ": HTTP/1.0 407") || strstr(want, ": HTTP/1.1 407") ||
                   strstr(want, ": HTTP/1.0 401") || strstr(want, "needs credentials") ||
                   strstr(want, "rejected the username")
               ? T_ERR_PROXY_AUTH
               : T_ERR_PROXY;
}

/* Each refusal and broken reply: T_ERR_PROXY (or _AUTH), the text, and never the password. */
static const struct {
    const char *reply;
    bool auth, eof, reset;
    const char *want;
} http_errors[] = {
    {"HTTP/1.1 403 Forbidden\r\n\r\n", true, false, false,
     "HTTP proxy 127.0.0.1:3128 refused the tunnel to ws.test:80: HTTP/1.1 403 Forbidden"},
    {"HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=x\r\n\r\n",
     false, false, false,
     "HTTP proxy 127.0.0.1:3128 refused the tunnel to ws.test:80: HTTP/1.0 407 Proxy "
     "Authentication Required: proxy credentials needed (--proxy-user)"},
    {"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n", true, false, false,
     "HTTP proxy 127.0.0.1:3128 refused the tunnel to ws.test:80: HTTP/1.0 407 Proxy "
     "Authentication Required: the proxy credentials were rejected"},
    {"HTTP/1.1 407 No\r\nProxy-Authenticate: NTLM\r\n\r\n", true, false, false,
     "HTTP proxy 127.0.0.1:3128 refused the tunnel to ws.test:80: HTTP/1.1 407 No: it wants "
     "NTLM authentication; wsc only sends Basic"},
    /* tinyproxy's answer to wrong credentials */
    {"HTTP/1.0 401 Unauthorized\r\n\r\n", true, false, false,
     "refused the tunnel to ws.test:80: HTTP/1.0 401 Unauthorized: the proxy credentials were "
     "rejected"},
    /* 101 is no interim reply to CONNECT: a final refusal, not a wait for another head */
    {"HTTP/1.1 101 Switching Protocols\r\n\r\n", true, false, false,
     "refused the tunnel to ws.test:80: HTTP/1.1 101 Switching Protocols"},
    {"HTTP/1.1 502 caf\xc3\xa9 \\ down\r\n\r\n", true, false, false,
     "refused the tunnel to ws.test:80: HTTP/1.1 502 caf\\xc3\\xa9 \\x5c down"},
    {"HTTP/1.1 200\r\n\r\n", true, false, false, NULL}, /* a reason may be absent: OK */
    {"SSH-2.0-OpenSSH_9\r\n", true, false, false,
     "HTTP proxy 127.0.0.1:3128 sent an invalid reply: not HTTP ('S"}, /* at once */
    {"HTTP/2 200\r\n\r\n", true, false, false, "sent an invalid reply: not HTTP/1.x"},
    {"", true, true, false, "HTTP proxy 127.0.0.1:3128 closed the connection without a reply"},
    {"HTTP/1.1 200 OK\r\n", true, true, false, "closed the connection in the middle of its reply"},
    /* an invalid field after the first 32 bytes, then the proxy closes: judged at the end */
    {"HTTP/1.1 200 OK\r\nX-Long: aaaaaaaaaaaaaaaaaa\x01\r\n", true, true, false,
     "HTTP proxy 127.0.0.1:3128 sent an invalid reply: malformed head ('HTTP/1.1 200 "
     "OK\\x0d\\x0aX-Long:...')"},
    {"HTT", true, false, true,
     "HTTP proxy 127.0.0.1:3128: connection broke: Connection reset by "
     "peer"},
};

START_TEST(http_connect_errors)
{
    size_t i = (size_t)_i / 2;
    struct layer *px;
    int r;

    script_reset(_i % 2 == 1);
    script_add(1, http_errors[i].reply, strlen(http_errors[i].reply));
    below.eof_at_end = http_errors[i].eof;
    below.reset = http_errors[i].reset;
    px = new_px(PROXY_HTTP, http_errors[i].auth, "ws.test", 80);
    r = connect_px(px);
    if (http_errors[i].want == NULL) {
        ck_assert_int_eq(r, 1);
    } else {
        ck_assert_msg(r == want_code(http_errors[i].want), "case %zu: %d", i, r);
        ck_assert_msg(strstr(env.err, http_errors[i].want) != NULL, "case %zu: got '%s'", i,
                      env.err);
        ck_assert_int_eq(px->ops->connect(px, 0), r); /* the error sticks */
    }
    assert_no_secret();
    px->ops->destroy(px);
}
END_TEST

START_TEST(http_connect_long_reason_capped)
{
    static char reply[1200];
    struct layer *px;

    memset(reply, 'r', sizeof reply);
    memcpy(reply, "HTTP/1.1 403 ", 13);
    memcpy(reply + sizeof reply - 4, "\r\n\r\n", 4);
    script_reset(false);
    script_add(1, reply, sizeof reply);
    px = new_px(PROXY_HTTP, false, "ws.test", 80);
    ck_assert_int_eq(connect_px(px), T_ERR_PROXY);
    ck_assert_msg(strlen(env.err) < 250, "got %zu bytes", strlen(env.err));
    ck_assert_ptr_nonnull(strstr(env.err, "rrr..."));
    px->ops->destroy(px);
}
END_TEST

START_TEST(http_connect_reply_never_ending)
{
    static char reply[PROXY_HTTP_MAX_HEAD + 10];
    struct layer *px;

    memset(reply, 'a', sizeof reply);
    memcpy(reply, "HTTP/1.1 200 OK\r\nX: ", 20);
    script_reset(false);
    script_add(1, reply, sizeof reply);
    px = new_px(PROXY_HTTP, false, "ws.test", 80);
    ck_assert_int_eq(connect_px(px), T_ERR_PROXY);
    ck_assert_ptr_nonnull(strstr(env.err, "sent an invalid reply: the head is too long"));
    px->ops->destroy(px);
}
END_TEST

/* ---- SOCKS5 ---- */

static const uint8_t s5_ok_v4[] = {5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90};

START_TEST(socks5h_credentials_name_to_proxy)
{
    static const uint8_t greet[] = {5, 2, 0, 2};
    static const uint8_t auth[] = {1, 3, 'b', 'o', 'b', 8, 's', '3', 'c', 'r', 'e', 't', 'P', 'W'};
    static const uint8_t conn[] = {5, 1, 0, 3, 7, 'w', 's', '.', 't', 'e', 's', 't', 0, 80};
    static char reply3[sizeof s5_ok_v4 + 4];
    struct layer *px;
    char buf[8];

    memcpy(reply3, s5_ok_v4, sizeof s5_ok_v4);
    memcpy(reply3 + sizeof s5_ok_v4, "DATA", 4);
    script_reset(_i == 1);
    script_add(sizeof greet, "\x05\x02", 2);
    script_add(sizeof greet + sizeof auth, "\x01\x00", 2);
    script_add(sizeof greet + sizeof auth + sizeof conn, reply3, sizeof reply3);
    px = new_px(PROXY_SOCKS5H, true, "ws.test", 80);
    ck_assert_int_eq(connect_px(px), 1);
    ck_assert_uint_eq(below.sent_len, sizeof greet + sizeof auth + sizeof conn);
    ck_assert_int_eq(memcmp(below.sent, greet, sizeof greet), 0);
    ck_assert_int_eq(memcmp(below.sent + sizeof greet, auth, sizeof auth), 0);
    ck_assert_int_eq(memcmp(below.sent + sizeof greet + sizeof auth, conn, sizeof conn), 0);
    assert_no_secret();
    if (_i == 0) {
        ck_assert(px->ops->pending(px));
        ck_assert_int_eq(px->ops->read(px, buf, sizeof buf), 4);
        ck_assert_int_eq(memcmp(buf, "DATA", 4), 0);
    }
    px->ops->destroy(px);
}
END_TEST

START_TEST(socks5h_no_auth_ip_literal_sent_as_address)
{
    static const uint8_t want[] = {5, 1, 0, 5, 1, 0, 4, 0, 0, 0, 0,    0,   0,
                                   0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb};
    struct layer *px;

    script_reset(false);
    script_add(3, "\x05\x00", 2);
    script_add(sizeof want, s5_ok_v4, sizeof s5_ok_v4);
    px = new_px(PROXY_SOCKS5H, false, "::1", 443);
    ck_assert_int_eq(connect_px(px), 1);
    ck_assert_uint_eq(below.sent_len, sizeof want);
    ck_assert_int_eq(memcmp(below.sent, want, sizeof want), 0);
    px->ops->destroy(px);
}
END_TEST

static const struct {
    const char *m, *a, *c; /* method, auth and connect replies (2 bytes each, or NULL) */
    bool auth;
    const char *want;
} s5_errors[] = {
    {"\x05\xff", NULL, NULL, false,
     "SOCKS5h proxy 127.0.0.1:3128 needs credentials (--proxy-user)"},
    {"\x05\xff", NULL, NULL, true,
     "SOCKS5h proxy 127.0.0.1:3128 accepts neither no authentication nor username/password"},
    {"\x05\x02", NULL, NULL, false, "chose authentication method 0x02, which wsc did not offer"},
    {"\x05\x02", "\x01\x01", NULL, true,
     "SOCKS5h proxy 127.0.0.1:3128 rejected the username/password"},
    {"\x05\x00", NULL, "\x05\x01", true,
     "could not open the tunnel to ws.test:80: general SOCKS server failure (reply 1)"},
    {"\x05\x00", NULL, "\x05\x02", true, "connection not allowed by ruleset (reply 2)"},
    {"\x05\x00", NULL, "\x05\x03", true, "network unreachable (reply 3)"},
    {"\x05\x00", NULL, "\x05\x04", true, "host unreachable (reply 4)"},
    {"\x05\x00", NULL, "\x05\x05", true, "connection refused (reply 5)"},
    {"\x05\x00", NULL, "\x05\x06", true, "TTL expired (reply 6)"},
    {"\x05\x00", NULL, "\x05\x07", true, "command not supported (reply 7)"},
    {"\x05\x00", NULL, "\x05\x08", true, "address type not supported (reply 8)"},
    {"\x05\x00", NULL, "\x05\x2a", true, "unassigned reply code (reply 42)"},
    {"HT", NULL, NULL, true,
     "sent a reply that is not SOCKS5 (first byte 0x48): is it an HTTP "
     "proxy?"},
    {"\x05\x00", NULL, "\x05\x00\x00\x07", true, "sent a malformed reply (address type 7)"},
};

START_TEST(socks5_errors)
{
    size_t i = (size_t)_i / 2;
    struct layer *px;
    size_t after = 1;

    script_reset(_i % 2 == 1);
    script_add(after, s5_errors[i].m, 2);
    if (s5_errors[i].a)
        script_add(after += 4, s5_errors[i].a, 2);
    if (s5_errors[i].c)
        script_add(after + 1, s5_errors[i].c, strlen(s5_errors[i].c) == 2 ? 2 : 4);
    below.eof_at_end = true;
    px = new_px(PROXY_SOCKS5H, s5_errors[i].auth, "ws.test", 80);
    ck_assert_int_eq(connect_px(px), want_code(s5_errors[i].want));
    ck_assert_msg(strstr(env.err, s5_errors[i].want) != NULL, "case %zu: got '%s'", i, env.err);
    assert_no_secret();
    px->ops->destroy(px);
}
END_TEST

/* socks5://: the name is looked up here (on the resolver's thread, whose pipe the layer hands
 * out to poll), and the proxy gets the address. */
static int fake_gai(const char *host, const char *serv, const struct addrinfo *hints,
                    struct addrinfo **res)
{
    struct addrinfo h = *hints;

    if (strcmp(host, "ws.test") != 0)
        return EAI_NONAME;
    h.ai_flags |= AI_NUMERICHOST;
    return getaddrinfo("127.0.0.2", serv, &h, res);
}

static int connect_polling(struct layer *px)
{
    int r = 0, fd;

    for (int i = 0; i < 1000 && r == 0; i++) {
        fd = px->ops->poll_fd(px);
        if (fd >= 0) {
            struct pollfd p = {.fd = fd, .events = px->ops->poll_events(px, true)};
            ck_assert_int_eq(p.events, POLLIN);
            ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
        }
        r = px->ops->connect(px, POLLIN);
    }
    return r;
}

START_TEST(socks5_resolves_here_and_sends_address)
{
    static const uint8_t want[] = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 2, 0x1f, 0x90};
    struct layer *px;

    resolve_set_function(fake_gai);
    script_reset(false);
    script_add(3, "\x05\x00", 2);
    script_add(sizeof want, s5_ok_v4, sizeof s5_ok_v4);
    px = new_px(PROXY_SOCKS5, false, "ws.test", 8080);
    ck_assert_int_eq(px->ops->poll_fd(px), -1);
    ck_assert_int_eq(connect_polling(px), 1);
    resolve_set_function(NULL);
    ck_assert_uint_eq(below.sent_len, sizeof want);
    ck_assert_int_eq(memcmp(below.sent, want, sizeof want), 0);
    ck_assert_ptr_nonnull(strstr(logbuf, "resolved ws.test to 127.0.0.2 (for the SOCKS5 proxy)"));
    px->ops->destroy(px);
}
END_TEST

START_TEST(socks5_name_not_resolving_is_resolve_error)
{
    struct layer *px;

    resolve_set_function(fake_gai);
    script_reset(false);
    px = new_px(PROXY_SOCKS5, false, "nx.test", 80);
    ck_assert_int_eq(connect_polling(px), T_ERR_RESOLVE);
    resolve_set_function(NULL);
    ck_assert_str_eq(env.err, "could not resolve host 'nx.test': Name or service not known");
    ck_assert_uint_eq(below.sent_len, 0); /* nothing went to the proxy */
    px->ops->destroy(px);
}
END_TEST

#include "check_proxy_resolve.h"

/* ---- SOCKS4a ---- */

START_TEST(socks4a_request_and_replies)
{
    static const uint8_t want[] = {4,   1, 0,   80,  0,   0,   0,   1,   'b', 'o',
                                   'b', 0, 'w', 's', '.', 't', 'e', 's', 't', 0};
    struct layer *px;

    script_reset(_i == 1);
    script_add(sizeof want, "\x00\x5a\x00\x00\x00\x00\x00\x00", 8);
    px = new_px(PROXY_SOCKS4A, true, "ws.test", 80);
    ck_assert_int_eq(connect_px(px), 1);
    ck_assert_uint_eq(below.sent_len, sizeof want);
    ck_assert_int_eq(memcmp(below.sent, want, sizeof want), 0);
    px->ops->destroy(px);

    script_reset(_i == 1);
    script_add(sizeof want, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8);
    px = new_px(PROXY_SOCKS4A, true, "ws.test", 80);
    ck_assert_int_eq(connect_px(px), T_ERR_PROXY);
    ck_assert_str_eq(env.err, "SOCKS4a proxy 127.0.0.1:3128 could not open the tunnel to "
                              "ws.test:80: request rejected or failed (reply 0x5b)");
    assert_no_secret();
    px->ops->destroy(px);
}
END_TEST

#include "check_proxy_transport.h"

static Suite *proxy_suite(void)
{
    Suite *s = suite_create("proxy");
    TCase *tc = tcase_create("http_connect");
    tcase_add_loop_test(tc, http_connect_ok_leftover_read_first, 0, 2);
    tcase_add_test(tc, http_connect_ipv6_target_no_credentials);
    tcase_add_loop_test(tc, http_connect_errors, 0,
                        2 * (int)(sizeof http_errors / sizeof http_errors[0]));
    tcase_add_test(tc, http_connect_long_reason_capped);
    tcase_add_test(tc, http_connect_reply_never_ending);
    suite_add_tcase(s, tc);
    tc = tcase_create("socks5");
    tcase_add_loop_test(tc, socks5h_credentials_name_to_proxy, 0, 2);
    tcase_add_test(tc, socks5h_no_auth_ip_literal_sent_as_address);
    tcase_add_loop_test(tc, socks5_errors, 0, 2 * (int)(sizeof s5_errors / sizeof s5_errors[0]));
    tcase_add_test(tc, socks5_resolves_here_and_sends_address);
    tcase_add_test(tc, socks5_name_not_resolving_is_resolve_error);
    add_resolve_tests(tc);
    suite_add_tcase(s, tc);
    tc = tcase_create("socks4a");
    tcase_add_loop_test(tc, socks4a_request_and_replies, 0, 2);
    suite_add_tcase(s, tc);
    proxy_transport_tcases(s);
    return s;
}

CHECK_MAIN(proxy_suite)
