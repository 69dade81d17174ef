/*
 * proxy - the proxy layer of the transport stack: asks a proxy for a tunnel in its connect
 * step, then passes bytes through. See proxy.h; the bytes themselves are proxy_wire.c's.
 *
 * The connect step never blocks: each request goes out through the layer below as far as it
 * takes it (the rest waits for POLLOUT), and the reply is read as far as it has come (a reply
 * a byte at a time is fine). Bytes that arrive after a reply are the tunnel's: read() returns
 * them first, and pending() says they are there. For socks5:// the server's name is looked up
 * here (proxy_lookup.c: --resolve, -4/-6, else resolve.c's thread, whose pipe the stack polls
 * meanwhile: layer.h, poll_fd).
 *
 * Credentials are secret: no log line or error text holds them, and they are wiped from memory
 * when the layer goes.
 */
#include "proxy.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "http.h"
#include "proxy_lookup.h"
#include "proxy_wire.h"
#include "sock.h"
#include "transport.h"

enum px_state {
    PX_START,      /* nothing sent yet */
    PX_RESOLVING,  /* socks5://: looking up the server's name here */
    PX_HTTP,       /* CONNECT sent (or going out), reading the reply head */
    PX_S5_METHOD,  /* greeting sent, waiting for the method choice */
    PX_S5_AUTH,    /* username/password sent, waiting for the verdict */
    PX_S5_CONNECT, /* CONNECT sent, waiting for the reply */
    PX_S4,         /* SOCKS4a request sent, waiting for the reply */
    PX_READY,      /* the tunnel is up */
    PX_FAILED,
};

struct proxy {
    struct layer base;
    struct proxy_spec spec;   /* secrets inside: wiped in destroy */
    struct sock_settings net; /* socks5://: --resolve and -4/-6 for the lookup (borrowed) */
    char *host;               /* the server, through the tunnel */
    uint16_t port;
    char target[300]; /* "localhost:8443", "[::1]:8443" for messages */
    char name[320];   /* "HTTP proxy 127.0.0.1:3128" for messages */
    enum px_state state;
    int fail;
    struct proxy_lookup lk; /* socks5://: the server's name looked up here */
    uint8_t sa[16];         /* socks5://: the server's address, as resolved here */
    int atyp;
    uint8_t out[2048]; /* the request going out (may hold credentials) */
    size_t out_len, out_off;
    char in[PROXY_HTTP_MAX_HEAD]; /* the reply so far; after the last one, the tunnel's bytes */
    size_t in_len, in_off;        /* in_off: READY: the next byte for read() */
    size_t scanned;               /* http_head_complete()'s mark */
    bool start_seen;              /* HTTP: the parser has seen the first 32 bytes */
};

static const char *type_name(enum proxy_type t)
{
    switch (t) {
    case PROXY_HTTP:
        return "HTTP";
    case PROXY_HTTPS:
        return "HTTPS";
    case PROXY_SOCKS4A:
        return "SOCKS4a";
    case PROXY_SOCKS5:
        return "SOCKS5";
    case PROXY_SOCKS5H:
        return "SOCKS5h";
    default:
        return "no";
    }
}

static void authority(char *out, size_t n, const char *host, uint16_t port)
{
    bool v6 = strchr(host, ':') != NULL;

    snprintf(out, n, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)port);
}

/* Peer-controlled bytes for a message: printable ASCII as is, the rest as \xNN, at most cap
 * bytes of input ("..." after a cut). */
static void escape(char *out, size_t n, const char *p, size_t len, size_t cap)
{
    size_t used = 0, i;

    if (n == 0)
        return;
    for (i = 0; i < len && i < cap && used + 5 < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[used++] = (char)c;
        else
            used += (size_t)snprintf(out + used, n - used, "\\x%02x", c);
    }
    if (i < len && used + 4 < n) {
        memcpy(out + used, "...", 3);
        used += 3;
    }
    out[used] = '\0';
}

static int fail(struct proxy *p, int code)
{
    p->state = PX_FAILED;
    p->fail = code;
    return code;
}

/* A handshake failure: the text, logged too, then T_ERR_PROXY. */
__attribute__((format(printf, 2, 3))) static int refuse(struct proxy *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->base.env->err, sizeof p->base.env->err, fmt, ap);
    va_end(ap);
    layer_log(&p->base, "%s", p->base.env->err);
    return fail(p, T_ERR_PROXY);
}

/* The proxy wants credentials or rejected ours: as refuse(), then T_ERR_PROXY_AUTH. */
__attribute__((format(printf, 2, 3))) static int refuse_auth(struct proxy *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->base.env->err, sizeof p->base.env->err, fmt, ap);
    va_end(ap);
    layer_log(&p->base, "%s", p->base.env->err);
    return fail(p, T_ERR_PROXY_AUTH);
}

/* Queue a request (n > 0 bytes, or a proxy_wire error). */
static int queue(struct proxy *p, int n, enum px_state next)
{
    if (n == PW_ERR_BAD_HOST)
        return refuse(p, "%s: the host name '%s' cannot be sent to a proxy", p->name, p->host);
    if (n < 0 && strlen(p->host) > 255 && p->spec.type != PROXY_HTTP && p->spec.type != PROXY_HTTPS)
        return refuse(p,
                      "%s: host name too long for the proxy request (%zu bytes; SOCKS allows 255)",
                      p->name, strlen(p->host));
    if (n < 0)
        return refuse(p, "%s: the host name or credentials are too long for the protocol", p->name);
    p->out_len = (size_t)n;
    p->out_off = 0;
    p->state = next;
    return 0;
}

static int queue_http(struct proxy *p)
{
    const char *user = p->spec.has_auth ? p->spec.user : NULL;
    char shown[1024];

    if (proxy_http_request(shown, sizeof shown, p->host, p->port, user, p->spec.pass, true) > 0)
        layer_log(&p->base, "%s: %.*s", p->name, (int)strcspn(shown, "\r"), shown);
    if (user)
        layer_log(&p->base, "%s: sending Proxy-Authorization: Basic [redacted]", p->name);
    return queue(p,
                 proxy_http_request((char *)p->out, sizeof p->out, p->host, p->port, user,
                                    p->spec.pass, false),
                 PX_HTTP);
}

static int queue_socks5_connect(struct proxy *p)
{
    if (p->atyp)
        return queue(p, proxy_socks5_connect_addr(p->out, sizeof p->out, p->atyp, p->sa, p->port),
                     PX_S5_CONNECT);
    return queue(p, proxy_socks5_connect_name(p->out, sizeof p->out, p->host, p->port),
                 PX_S5_CONNECT);
}

/* An address literal target needs no lookup, even for socks5h:// (as curl does). */
static bool literal(struct proxy *p)
{
    if (inet_pton(AF_INET, p->host, p->sa) == 1)
        p->atyp = SOCKS5_ATYP_IPV4;
    else if (inet_pton(AF_INET6, p->host, p->sa) == 1)
        p->atyp = SOCKS5_ATYP_IPV6;
    return p->atyp != 0;
}

/* socks5://: the server's address is known (proxy_lookup.c): the greeting goes out. */
static int looked_up(struct proxy *p)
{
    memcpy(p->sa, p->lk.addr, sizeof p->sa);
    p->atyp = p->lk.family == AF_INET ? SOCKS5_ATYP_IPV4 : SOCKS5_ATYP_IPV6;
    layer_log(&p->base, "resolved %s to %s (%sfor the SOCKS5 proxy)", p->host, p->lk.shown,
              p->lk.fixed ? "--resolve, " : "");
    return queue(p, proxy_socks5_greeting(p->out, sizeof p->out, p->spec.has_auth), PX_S5_METHOD);
}

/* The first request, or for socks5:// with a name the lookup first. */
static int start(struct proxy *p)
{
    switch (p->spec.type) {
    case PROXY_HTTP:
    case PROXY_HTTPS:
        return queue_http(p);
    case PROXY_SOCKS4A:
        layer_log(&p->base, "%s: SOCKS4a request for %s", p->name, p->target);
        return queue(p,
                     proxy_socks4_request(p->out, sizeof p->out, p->host, p->port,
                                          p->spec.has_auth ? p->spec.user : ""),
                     PX_S4);
    case PROXY_SOCKS5:
        if (!literal(p)) {
            int r = proxy_lookup_start(&p->lk, &p->net, p->host, p->port, p->base.env->err,
                                       sizeof p->base.env->err);
            if (r < 0)
                return fail(p, r);
            if (r == 1)
                return looked_up(p);
            p->state = PX_RESOLVING;
            return 0;
        }
        /* fall through */
    case PROXY_SOCKS5H:
        if (p->spec.type == PROXY_SOCKS5H)
            literal(p);
        return queue(p, proxy_socks5_greeting(p->out, sizeof p->out, p->spec.has_auth),
                     PX_S5_METHOD);
    default:
        layer_set_err(&p->base, "no proxy type");
        return fail(p, T_ERR_CONFIG);
    }
}

/* The lookup for socks5:// answered? */
static int resolved(struct proxy *p)
{
    int r = proxy_lookup_done(&p->lk, &p->net, p->host, p->base.env->err, sizeof p->base.env->err);

    if (r < 0)
        return fail(p, r);
    return r == 1 ? looked_up(p) : 0;
}

/* Send what is queued. 1 when all is out, 0 to wait for POLLOUT, or an error. */
static int flush(struct proxy *p)
{
    struct layer *b = p->base.below;

    while (p->out_off < p->out_len) {
        long r = b->ops->write(b, p->out + p->out_off, p->out_len - p->out_off);
        if (r == T_AGAIN)
            return 0;
        if (r < 0) {
            char why[sizeof p->base.env->err];
            snprintf(why, sizeof why, "%s", p->base.env->err);
            return refuse(p, "%s: connection broke while sending: %s", p->name, why);
        }
        p->out_off += (size_t)r;
    }
    if (p->out_len) {
        explicit_bzero(p->out, p->out_len); /* credentials */
        p->out_len = p->out_off = 0;
    }
    return 1;
}

/* Take the reply's k bytes off the front of in[]; what follows stays. */
static void consume(struct proxy *p, size_t k)
{
    memmove(p->in, p->in + k, p->in_len - k);
    p->in_len -= k;
    p->scanned = 0;
}

/* force: parse whatever came (the proxy closed the connection). */
static int http_reply(struct proxy *p, bool force)
{
    struct proxy_http_reply r;
    char reason[420], line[480];
    int k;

    /* The parser runs until it has seen the first 32 bytes (a reply that is not HTTP fails at
     * once), then only once the head is complete (no reparsing a slow reply on every byte). */
    if (!http_head_complete(p->in, p->in_len, &p->scanned) && p->in_len < sizeof p->in &&
        p->start_seen && !force)
        return 0;
    k = proxy_http_parse(p->in, p->in_len, &r);
    if (k == PW_NEED_MORE) {
        p->start_seen = p->in_len >= 32;
        return 0;
    }
    if (k < 0) {
        char start[120];
        escape(start, sizeof start, p->in, p->in_len, 24);
        return refuse(p, "%s sent an invalid reply: %s ('%s')", p->name,
                      r.http_error == HTTP_ERR_NOT_HTTP           ? "not HTTP"
                      : r.http_error == HTTP_ERR_VERSION          ? "not HTTP/1.x"
                      : r.http_error == HTTP_ERR_TOO_LONG         ? "the head is too long"
                      : r.http_error == HTTP_ERR_TOO_MANY_HEADERS ? "too many header fields"
                                                                  : "malformed head",
                      start);
    }
    escape(reason, sizeof reason, r.reason, r.reason_len, 100);
    snprintf(line, sizeof line, "HTTP/1.%d %03d%s%s", r.minor_version, r.status,
             r.reason_len ? " " : "", reason);
    if (r.status >= 200 && r.status <= 299) {
        layer_log(&p->base, "%s: %s", p->name, line);
        consume(p, (size_t)k);
        return 1;
    }
    /* 407 is the proxy's "who are you" (RFC 9110 §15.5.8); tinyproxy answers 401 to wrong
     * credentials, and to CONNECT a 401 can only be the proxy's own. */
    if (r.status == 407 || r.status == 401) {
        char scheme[60] = "";
        if (r.auth_scheme && !http_name_is(r.auth_scheme, r.auth_scheme_len, "Basic")) {
            escape(scheme, sizeof scheme, r.auth_scheme, r.auth_scheme_len, 20);
            return refuse_auth(p,
                               "%s refused the tunnel to %s: %s: it wants %s authentication; "
                               "wsc only sends Basic",
                               p->name, p->target, line, scheme);
        }
        return refuse_auth(p, "%s refused the tunnel to %s: %s: %s", p->name, p->target, line,
                           p->spec.has_auth ? "the proxy credentials were rejected"
                                            : "proxy credentials needed (--proxy-user)");
    }
    return refuse(p, "%s refused the tunnel to %s: %s", p->name, p->target, line);
}

static int socks5_reply(struct proxy *p)
{
    const uint8_t *in = (const uint8_t *)p->in;
    int k, v = 0;

    switch (p->state) {
    case PX_S5_METHOD:
        k = proxy_socks5_parse_method(in, p->in_len, &v);
        if (k <= 0)
            break;
        consume(p, (size_t)k);
        if (v == SOCKS5_METHOD_NO_AUTH)
            return queue_socks5_connect(p);
        if (v == SOCKS5_METHOD_USERPASS && p->spec.has_auth) {
            layer_log(&p->base, "%s: sending username/password [redacted]", p->name);
            return queue(p,
                         proxy_socks5_userpass(p->out, sizeof p->out, p->spec.user, p->spec.pass),
                         PX_S5_AUTH);
        }
        if (v == SOCKS5_METHOD_NO_ACCEPTABLE && !p->spec.has_auth)
            return refuse_auth(p, "%s needs credentials (--proxy-user)", p->name);
        if (v == SOCKS5_METHOD_NO_ACCEPTABLE)
            return refuse(p, "%s %s", p->name,
                          p->spec.has_auth
                              ? "accepts neither no authentication nor username/password"
                              : "needs credentials (--proxy-user)");
        return refuse(p, "%s chose authentication method 0x%02x, which wsc did not offer", p->name,
                      v);
    case PX_S5_AUTH:
        k = proxy_socks5_parse_userpass(in, p->in_len, &v);
        if (k <= 0)
            break;
        consume(p, (size_t)k);
        if (v != 0)
            return refuse_auth(p, "%s rejected the username/password", p->name);
        return queue_socks5_connect(p);
    default:
        k = proxy_socks5_parse_reply(in, p->in_len, &v);
        if (k <= 0)
            break;
        if (v != SOCKS5_REP_SUCCEEDED)
            return refuse(p, "%s could not open the tunnel to %s: %s (reply %d)", p->name,
                          p->target, proxy_socks5_reply_text(v), v);
        consume(p, (size_t)k);
        return 1;
    }
    if (k == PW_NEED_MORE)
        return 0;
    if (k == PW_ERR_VERSION)
        return refuse(p, "%s sent a reply that is not SOCKS5 (first byte 0x%02x)%s", p->name, in[0],
                      in[0] == 'H' ? ": is it an HTTP proxy?" : "");
    return refuse(p, "%s sent a malformed reply (address type %d)", p->name, in[3]);
}

static int socks4_reply(struct proxy *p)
{
    const uint8_t *in = (const uint8_t *)p->in;
    int k, v = 0;

    k = proxy_socks4_parse_reply(in, p->in_len, &v);
    if (k == PW_NEED_MORE)
        return 0;
    if (k < 0)
        return refuse(p, "%s sent a reply that is not SOCKS4 (first byte 0x%02x)%s", p->name, in[0],
                      in[0] == 'H' ? ": is it an HTTP proxy?" : "");
    if (v != SOCKS4_REP_GRANTED)
        return refuse(p, "%s could not open the tunnel to %s: %s (reply 0x%02x)", p->name,
                      p->target, proxy_socks4_reply_text(v), v);
    consume(p, (size_t)k);
    return 1;
}

/* Parse what came so far: 1 tunnel up, 0 need more (or the next request is queued), < 0. */
static int parse(struct proxy *p)
{
    switch (p->state) {
    case PX_HTTP:
        return http_reply(p, false);
    case PX_S4:
        return socks4_reply(p);
    default:
        return socks5_reply(p);
    }
}

static int proxy_connect(struct layer *l, short revents)
{
    struct proxy *p = (struct proxy *)l;
    struct layer *b = l->below;
    int r;

    (void)revents; /* the I/O below finds out for itself what it can do */
    if (p->state == PX_READY)
        return 1;
    if (p->state == PX_FAILED)
        return p->fail;
    if (p->state == PX_START && (r = start(p)) < 0)
        return r;
    if (p->state == PX_RESOLVING && ((r = resolved(p)) < 0 || p->state == PX_RESOLVING))
        return r; /* an error, or the answer is not in yet */
    for (;;) {
        long n;
        if ((r = flush(p)) <= 0)
            return r;
        /* What came so far first: one read may hold a reply and more. */
        if (p->in_len > 0) {
            if ((r = parse(p)) != 0)
                break;
            if (p->out_len > 0)
                continue; /* the next request is queued: send it */
        }
        if (p->in_len == sizeof p->in)
            return refuse(p, "%s sent a reply that is too long", p->name);
        n = b->ops->read(b, p->in + p->in_len, sizeof p->in - p->in_len);
        if (n == T_AGAIN)
            return 0;
        if (n == 0 && p->state == PX_HTTP && p->in_len > 0 && (r = http_reply(p, true)) != 0)
            break; /* the last verdict on what came: an invalid reply says so */
        if (n == 0)
            return refuse(p, "%s closed the connection %s", p->name,
                          p->in_len ? "in the middle of its reply" : "without a reply");
        if (n < 0) {
            char why[sizeof l->env->err];
            snprintf(why, sizeof why, "%s", l->env->err);
            return refuse(p, "%s: connection broke: %s", p->name, why);
        }
        p->in_len += (size_t)n;
    }
    if (r < 0)
        return r;
    p->state = PX_READY;
    p->in_off = 0;
    layer_log(l, "tunnel to %s through %s is open", p->target, p->name);
    return 1;
}

static long proxy_read(struct layer *l, void *buf, size_t n)
{
    struct proxy *p = (struct proxy *)l;

    if (p->in_off < p->in_len) {
        size_t k = p->in_len - p->in_off < n ? p->in_len - p->in_off : n;
        memcpy(buf, p->in + p->in_off, k);
        p->in_off += k;
        return (long)k;
    }
    return l->below->ops->read(l->below, buf, n);
}

static long proxy_write(struct layer *l, const void *buf, size_t n)
{
    return l->below->ops->write(l->below, buf, n);
}

static bool proxy_pending(const struct layer *l)
{
    const struct proxy *p = (const struct proxy *)l;

    return p->state == PX_READY && p->in_off < p->in_len;
}

static short proxy_poll_events(const struct layer *l, bool reading)
{
    const struct proxy *p = (const struct proxy *)l;

    (void)reading;
    if (p->state == PX_READY || p->state == PX_FAILED || p->state == PX_START)
        return 0;
    if (p->state == PX_RESOLVING)
        return POLLIN;
    return p->out_off < p->out_len ? POLLOUT : POLLIN;
}

static int proxy_poll_fd(const struct layer *l)
{
    const struct proxy *p = (const struct proxy *)l;

    return p->state == PX_RESOLVING ? resolve_fd(p->lk.res) : -1;
}

static void proxy_shutdown(struct layer *l)
{
    l->below->ops->shutdown(l->below);
}

static void proxy_describe(const struct layer *l, char *out, size_t n)
{
    const struct proxy *p = (const struct proxy *)l;

    snprintf(out, n, "%s, %s %s", p->name, p->state == PX_READY ? "tunnel to" : "asking for",
             p->target);
}

static void proxy_destroy(struct layer *l)
{
    struct proxy *p = (struct proxy *)l;

    proxy_lookup_free(&p->lk);
    explicit_bzero(&p->spec, sizeof p->spec);
    explicit_bzero(p->out, sizeof p->out);
    free(p->host);
    free(p);
}

static const struct layer_ops proxy_ops = {
    .name = "proxy",
    .connect = proxy_connect,
    .read = proxy_read,
    .write = proxy_write,
    .pending = proxy_pending,
    .poll_events = proxy_poll_events,
    .shutdown = proxy_shutdown,
    .describe = proxy_describe,
    .poll_fd = proxy_poll_fd,
    .destroy = proxy_destroy,
};

struct layer *proxy_new(struct layer_env *env, struct layer *below, const struct proxy_spec *spec,
                        const struct sock_settings *net, const char *host, uint16_t port)
{
    struct proxy *p = calloc(1, sizeof *p);
    char where[300];

    if (!p || !(p->host = strdup(host))) {
        free(p);
        return NULL;
    }
    p->base.ops = &proxy_ops;
    p->base.env = env;
    p->base.below = below;
    p->spec = *spec;
    p->spec.cacert = NULL; /* borrowed, and not needed here */
    if (net)
        p->net = *net;
    p->port = port;
    authority(p->target, sizeof p->target, host, port);
    authority(where, sizeof where, spec->host, spec->port);
    snprintf(p->name, sizeof p->name, "%s proxy %s", type_name(spec->type), where);
    return &p->base;
}
