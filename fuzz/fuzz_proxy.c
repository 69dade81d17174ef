/*
 * fuzz_proxy - the proxy replies: the pure parsers of src/proxy_wire.h (HTTP CONNECT reply
 * heads with 1xx skipping, SOCKS5 method / RFC 1929 / CONNECT replies, SOCKS4 replies) and the
 * proxy layer (src/proxy.c) that drives them, over a scripted layer below that hands out the
 * input as the proxy's bytes.
 *
 * Input: a config byte (bits 0-2: which proxy type the layer speaks, bit 3: credentials set),
 * a 16-bit cut offset, then the bytes the proxy sends.
 * Properties of each parser, fed the whole input:
 * - it answers a length (1..len), PW_NEED_MORE or one of its own errors;
 * - a length k parses the same from exactly its own k bytes, and k - 1 bytes need more;
 * - a prefix (at the cut) of an input that needs more needs more; of an input that failed, it
 *   needs more or has the same error (a verdict never changes with more bytes);
 * - an HTTP reply's reason and auth scheme point inside it; its status is not 1xx but 101.
 * Properties of the layer: fed the input whole or one byte at a time (with T_AGAIN between),
 * it ends the same way (tunnel up, T_ERR_PROXY or T_ERR_PROXY_AUTH, or still waiting), with the
 * same error text (an invalid HTTP reply's quoted first bytes aside: they show what had come so
 * far), the same bytes sent and the same bytes left over for read(); the error text holds no
 * password (unless the proxy sent it) and no control bytes.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "http.h"
#include "layer.h"
#include "proxy.h"
#include "proxy_wire.h"
#include "transport.h"

#define PASSWORD "pw-FUZZ-secret"

/* ---- parsers ---- */

typedef int parse_fn(const uint8_t *buf, size_t len, int *v);

static int parse_http(const uint8_t *buf, size_t len, int *v)
{
    struct proxy_http_reply r;
    int k = proxy_http_parse((const char *)buf, len, &r);

    *v = k > 0 ? r.status : k == PW_ERR_HTTP ? r.http_error : 0;
    if (k > 0) {
        const char *b = (const char *)buf;
        FUZZ_REQUIRE(r.status < 100 || r.status > 199 || r.status == 101,
                     "interim status %d returned", r.status);
        FUZZ_REQUIRE(r.reason_len == 0 || (r.reason >= b && r.reason + r.reason_len <= b + k),
                     "reason outside the head");
        FUZZ_REQUIRE(r.auth_scheme == NULL ||
                         (r.auth_scheme >= b && r.auth_scheme + r.auth_scheme_len <= b + k &&
                          r.auth_scheme_len > 0),
                     "auth scheme outside the head");
        for (size_t i = 0; r.auth_scheme && i < r.auth_scheme_len; i++)
            FUZZ_REQUIRE(http_is_tchar((unsigned char)r.auth_scheme[i]), "scheme byte");
    }
    return k;
}

static int parse_method(const uint8_t *buf, size_t len, int *v)
{
    return proxy_socks5_parse_method(buf, len, v);
}

static int parse_userpass(const uint8_t *buf, size_t len, int *v)
{
    return proxy_socks5_parse_userpass(buf, len, v);
}

static int parse_s5(const uint8_t *buf, size_t len, int *v)
{
    return proxy_socks5_parse_reply(buf, len, v);
}

static int parse_s4(const uint8_t *buf, size_t len, int *v)
{
    return proxy_socks4_parse_reply(buf, len, v);
}

static void check_parser(const char *name, parse_fn *fn, const uint8_t *buf, size_t len, size_t cut)
{
    int v = -1, v2 = -1;
    int k = fn(buf, len, &v);

    FUZZ_REQUIRE(k == PW_NEED_MORE || k == PW_ERR_VERSION || k == PW_ERR_MALFORMED ||
                     k == PW_ERR_HTTP || (k > 0 && (size_t)k <= len),
                 "%s: answer %d for %zu bytes", name, k, len);
    if (k > 0) {
        FUZZ_REQUIRE(fn(buf, (size_t)k, &v2) == k && v2 == v, "%s: not the same from %d bytes",
                     name, k);
        FUZZ_REQUIRE(fn(buf, (size_t)k - 1, &v2) == PW_NEED_MORE, "%s: %d - 1 bytes", name, k);
        return;
    }
    if (cut > len)
        cut = len;
    int p = fn(buf, cut, &v2);
    if (k == PW_NEED_MORE)
        FUZZ_REQUIRE(p == PW_NEED_MORE, "%s: prefix %zu answers %d, whole needs more", name, cut,
                     p);
    else
        FUZZ_REQUIRE(p == PW_NEED_MORE || p == k, "%s: prefix %zu answers %d, whole %d", name, cut,
                     p, k);
}

/* ---- the layer over a scripted proxy ---- */

struct script {
    struct layer base;
    const uint8_t *p;
    size_t n, off;
    bool bytewise, flip;
    struct fz_log sent;
};

static int s_connect(struct layer *l, short ev)
{
    (void)l, (void)ev;
    return 1;
}

static long s_read(struct layer *l, void *p, size_t n)
{
    struct script *s = (struct script *)l;

    if (s->bytewise && (s->flip = !s->flip))
        return T_AGAIN;
    if (s->off == s->n)
        return 0; /* the proxy closed */
    size_t k = s->bytewise ? 1 : (s->n - s->off < n ? s->n - s->off : n);
    memcpy(p, s->p + s->off, k);
    s->off += k;
    return (long)k;
}

static long s_write(struct layer *l, const void *p, size_t n)
{
    struct script *s = (struct script *)l;

    fz_log_add(&s->sent, p, n);
    return (long)n;
}

static bool s_pending(const struct layer *l)
{
    (void)l;
    return false;
}

static short s_events(const struct layer *l, bool reading)
{
    (void)l, (void)reading;
    return 0;
}

static void s_shutdown(struct layer *l)
{
    (void)l;
}

static void s_describe(const struct layer *l, char *out, size_t n)
{
    (void)l;
    snprintf(out, n, "script");
}

static void s_destroy(struct layer *l)
{
    (void)l;
}

static const struct layer_ops script_ops = {"script", s_connect,  s_read,     s_write, s_pending,
                                            s_events, s_shutdown, s_describe, NULL,    s_destroy};

struct run {
    int r;
    char err[512];
    struct fz_log sent, left;
};

static void run_layer(struct run *out, uint8_t cfg, const uint8_t *buf, size_t len, bool bytewise)
{
    static const enum proxy_type types[] = {PROXY_HTTP, PROXY_HTTPS, PROXY_SOCKS4A, PROXY_SOCKS5H,
                                            PROXY_SOCKS5H};
    struct layer_env env = {0};
    struct script s = {.base = {.ops = &script_ops, .env = &env, .connected = true},
                       .p = buf,
                       .n = len,
                       .bytewise = bytewise};
    struct proxy_spec sp = {.type = types[(cfg & 7) % 5], .host = "127.0.0.1", .port = 3128};
    struct layer *px;
    uint8_t tmp[64];

    if (cfg & 8) {
        sp.has_auth = true;
        snprintf(sp.user, sizeof sp.user, "user");
        snprintf(sp.pass, sizeof sp.pass, PASSWORD);
    }
    px = proxy_new(&env, &s.base, &sp, NULL, "ws.test", 443);
    FUZZ_REQUIRE(px != NULL, "proxy_new");
    out->r = 0;
    for (size_t i = 0; i < 4 * len + 16 && out->r == 0; i++)
        out->r = px->ops->connect(px, 0);
    FUZZ_REQUIRE(out->r == 0 || out->r == 1 || out->r == T_ERR_PROXY || out->r == T_ERR_PROXY_AUTH,
                 "connect %d", out->r);
    snprintf(out->err, sizeof out->err, "%s", env.err);
    out->sent = s.sent;
    memset(&out->left, 0, sizeof out->left);
    if (out->r == 1) {
        /* What read() returns first is what came after the reply, then the rest of the script. */
        s.bytewise = false;
        long k;
        while ((k = px->ops->read(px, tmp, sizeof tmp)) > 0)
            fz_log_add(&out->left, tmp, (size_t)k);
    }
    px->ops->destroy(px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t cfg = fz_byte(&data, &size);
    size_t cut = fz_u16(&data, &size);

    check_parser("http", parse_http, data, size, cut);
    check_parser("socks5 method", parse_method, data, size, cut);
    check_parser("socks5 userpass", parse_userpass, data, size, cut);
    check_parser("socks5 reply", parse_s5, data, size, cut);
    check_parser("socks4 reply", parse_s4, data, size, cut);

    struct run a, b;
    run_layer(&a, cfg, data, size, false);
    run_layer(&b, cfg, data, size, true);
    FUZZ_REQUIRE(a.r == b.r, "whole %d, byte by byte %d", a.r, b.r);
    /* An invalid HTTP reply is quoted as far as it had come when the parser saw the error: the
     * words before the quote are the same. */
    char *qa = strstr(a.err, " ('"), *qb = strstr(b.err, " ('");
    if (qa && qb)
        *qa = *qb = '\0';
    FUZZ_REQUIRE(strcmp(a.err, b.err) == 0, "errors differ: '%s' / '%s'", a.err, b.err);
    FUZZ_REQUIRE(fz_log_equal(&a.sent, &b.sent), "sent bytes differ");
    FUZZ_REQUIRE(fz_log_equal(&a.left, &b.left), "leftover bytes differ (%zu / %zu)", a.left.len,
                 b.left.len);
    /* (A proxy that sends the password back can have it quoted: it is its own text then.) */
    FUZZ_REQUIRE(strstr(a.err, PASSWORD) == NULL || memmem(data, size, PASSWORD, 8) != NULL,
                 "password in '%s'", a.err);
    for (const char *q = a.err; *q; q++)
        FUZZ_REQUIRE((unsigned char)*q >= 0x20 && *q != 0x7f, "control byte in the error");
    fz_log_free(&a.sent);
    fz_log_free(&a.left);
    fz_log_free(&b.sent);
    fz_log_free(&b.left);
    return 0;
}
