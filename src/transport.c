/*
 * transport - builds the stack of layers (layer.h) for one connection and drives it behind the
 * interface in transport.h, which conn.c uses. The stack, bottom up:
 *
 *     stack[0]  sock.c   TCP: resolve (on a thread), every address, non-blocking connect
 *                        (Happy Eyeballs); to the proxy when there is one, else to the
 *                        server; or a unix socket (--unix-socket, never through a proxy)
 *               tls.c    https:// proxies: TLS to the proxy, verified against its name
 *               proxy.c  a proxy: HTTP CONNECT or SOCKS through the layers below; its
 *                        connect step opens the tunnel before TLS to the server starts
 *     stack[n-1] tls.c   TLS when the URL is wss://: end to end through the tunnel, SNI and
 *                        verification against the server's name
 *
 * Connecting drives the lowest layer that is not connected yet; each layer that connects hands
 * over to the one above at once. Reads and writes go to the top layer, which reaches down. The
 * first error sticks. Other bottom layers (AF_UNIX, an accept()ed fd) are other constructors in
 * sock.c; only build() chooses.
 */
#include "transport.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "proxy.h"
#include "sock.h"
#include "tls.h"

#define STACK_MAX 6

enum transport_state {
    TS_NEW,
    TS_CONNECTING, /* some layer is still connecting */
    TS_READY,
    TS_FAILED, /* error code sticks in fail */
};

struct transport {
    char *host;
    uint16_t port;
    bool tls;
    struct tls_settings tls_opts; /* borrowed strings */
    struct sock_settings net;     /* borrowed strings */
    struct proxy_spec proxy;      /* type PROXY_NONE: direct */

    enum transport_state state;
    int fail;  /* the sticky negative error once TS_FAILED */
    bool shut; /* transport_shutdown() done */

    struct layer *stack[STACK_MAX]; /* [0] is the bottom (the socket), [n - 1] the top */
    int n;
    struct layer *tls_layer;   /* also in stack[], or NULL */
    struct layer *proxy_tls;   /* TLS to an https:// proxy, also in stack[], or NULL */
    struct layer *proxy_layer; /* also in stack[], or NULL */

    struct layer_env env; /* log callback and the error text */
};

static int fail(struct transport *t, int code)
{
    t->state = TS_FAILED;
    t->fail = code;
    return code;
}

static struct layer *top(const struct transport *t)
{
    return t->stack[t->n - 1];
}

/* ---- lifecycle ---- */

struct transport *transport_new(const struct transport_config *cfg)
{
    struct transport *t = calloc(1, sizeof *t);

    if (!t)
        return NULL;
    t->port = cfg->port;
    t->tls = cfg->tls;
    t->tls_opts = cfg->tls_opts;
    t->net = cfg->net;
    if (cfg->proxy)
        t->proxy = *cfg->proxy;
    t->env.log = cfg->log;
    t->env.ud = cfg->ud;
    t->host = strdup(cfg->host ? cfg->host : "");
    if (!t->host) {
        transport_free(t);
        return NULL;
    }
    return t;
}

void transport_free(struct transport *t)
{
    if (!t)
        return;
    /* Top down: a layer's goodbye (close_notify) still has the layers below to go through. */
    while (t->n > 0) {
        struct layer *l = t->stack[--t->n];
        l->ops->destroy(l);
    }
    explicit_bzero(&t->proxy, sizeof t->proxy); /* the proxy's credentials */
    free(t->host);
    free(t);
}

/* ---- connecting ---- */

static bool via_proxy(const struct transport *t)
{
    return t->proxy.type != PROXY_NONE;
}

/* The stack for this configuration. Configuration problems (a CA file that cannot be read)
 * come out here, before any network traffic. */
static int build(struct transport *t)
{
    bool px = via_proxy(t);
    struct layer *l;
    int r;

    /* The bottom: a unix socket (--unix-socket, never through a proxy: proxyenv.c chooses none),
     * or TCP to the proxy or the server with -4/-6 and --resolve. --connect-to rewrites the
     * server's address only (as curl): the proxy's socket does not get it, the tunnel does. */
    if (t->net.unix_path) {
        l = sock_new_unix(&t->env, t->net.unix_path, t->net.abstract);
    } else if (px) {
        struct sock_settings to_proxy = t->net;
        to_proxy.connect_to = NULL;
        to_proxy.nconnect_to = 0;
        l = sock_new_tcp_net(&t->env, t->proxy.host, t->proxy.port, &to_proxy);
    } else {
        l = sock_new_tcp_net(&t->env, t->host, t->port, &t->net);
    }
    if (!l) {
        snprintf(t->env.err, sizeof t->env.err, "out of memory");
        return T_ERR_NOMEM;
    }
    t->stack[t->n++] = l;
    if (px && t->proxy.type == PROXY_HTTPS) {
        struct tls_settings ts = {.cacert = t->proxy.cacert, .insecure = t->proxy.insecure};
        if ((r = tls_new(&l, &t->env, top(t), t->proxy.host, &ts)) < 0)
            return r;
        t->stack[t->n++] = t->proxy_tls = l;
    }
    if (px) {
        /* Room for the whole name, or --connect-to's HOST2 (shorter than 256 bytes): never
         * cut. A name too long for the protocol (SOCKS: 255 bytes) is the proxy layer's error. */
        size_t tn = strlen(t->host) + 256;
        char *target = malloc(tn);
        uint16_t target_port = t->port;
        l = NULL;
        if (target) {
            sock_connect_to(&t->net, t->host, t->port, target, tn, &target_port);
            l = proxy_new(&t->env, top(t), &t->proxy, &t->net, target, target_port);
            free(target);
        }
        if (!l) {
            snprintf(t->env.err, sizeof t->env.err, "out of memory");
            return T_ERR_NOMEM;
        }
        t->stack[t->n++] = t->proxy_layer = l;
    }
    if (t->tls) {
        if ((r = tls_new(&l, &t->env, top(t), t->host, &t->tls_opts)) < 0)
            return r;
        t->stack[t->n++] = t->tls_layer = l;
    }
    return 0;
}

/* Write into t->env.err (a cut is fine: the text is for people). */
__attribute__((format(printf, 2, 3))) static void set_err(struct transport *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->env.err, sizeof t->env.err, fmt, ap);
    va_end(ap);
}

/* A failure below the proxy layer is the proxy's: its name does not resolve (5), it does not
 * accept the connection (7), TLS to it failed (35, 60). The text names it. */
static int proxy_failure(struct transport *t, const struct layer *l, int code)
{
    char why[sizeof t->env.err], where[300];
    const char *p;

    if (!via_proxy(t) || (l != t->stack[0] && l != t->proxy_tls))
        return code;
    snprintf(why, sizeof why, "%s", t->env.err);
    snprintf(where, sizeof where, "%s%s%s:%u", strchr(t->proxy.host, ':') ? "[" : "", t->proxy.host,
             strchr(t->proxy.host, ':') ? "]" : "", (unsigned)t->proxy.port);
    if (code == T_ERR_RESOLVE) {
        p = strncmp(why, "could not resolve host ", 23) == 0 ? why + 23 : NULL;
        if (p)
            set_err(t, "could not resolve proxy %s", p);
        else
            set_err(t, "proxy %s: %s", where, why);
        return T_ERR_PROXY_RESOLVE;
    }
    if (code == T_ERR_CONNECT) {
        char tried[320];
        size_t wl = strlen(why), tl;
        /* "(tried 127.0.0.1:1)" says nothing more when that is the proxy's address itself */
        snprintf(tried, sizeof tried, " (tried %s)", where);
        tl = strlen(tried);
        if (wl > tl && strcmp(why + wl - tl, tried) == 0)
            why[wl - tl] = '\0';
        set_err(t, "%s: %s", where, why);
        return T_ERR_PROXY_CONNECT;
    }
    /* TLS to an https:// proxy: a plain proxy's answer is no ws:// port */
    if ((p = strstr(why, " (is this a plain ws:// port?)")) != NULL)
        snprintf(why + (p - why), sizeof why - (size_t)(p - why), " (is it an http:// proxy?)");
    set_err(t, "proxy %s: %s", where, why);
    return code;
}

/* One connect step for the lowest layer not yet connected, and on up while layers connect. */
static int step(struct transport *t, short revents)
{
    int i, r;

    for (i = 0; i < t->n; i++) {
        struct layer *l = t->stack[i];
        if (l->connected)
            continue;
        r = l->ops->connect(l, revents);
        if (r < 0)
            return fail(t, proxy_failure(t, l, r));
        if (r == 0)
            return 0;
        l->connected = true;
        revents = 0; /* the next layer has not polled anything yet */
    }
    t->state = TS_READY;
    return 1;
}

int transport_start(struct transport *t)
{
    int r;

    if (t->state != TS_NEW) {
        snprintf(t->env.err, sizeof t->env.err, "transport already started");
        return T_ERR_CONFIG;
    }
    if ((r = build(t)) < 0)
        return fail(t, r);
    t->state = TS_CONNECTING;
    r = step(t, 0);
    return r < 0 ? r : 0;
}

int transport_progress(struct transport *t, short revents)
{
    switch (t->state) {
    case TS_NEW:
        snprintf(t->env.err, sizeof t->env.err, "transport not started");
        return T_ERR_CONFIG;
    case TS_FAILED:
        return t->fail;
    case TS_READY:
        return 1;
    case TS_CONNECTING:
        break;
    }
    return step(t, revents);
}

bool transport_ready(const struct transport *t)
{
    return t->state == TS_READY;
}

bool transport_tcp_connected(const struct transport *t)
{
    return t->n > 0 && t->stack[0]->connected;
}

/* The lowest layer still connecting, or NULL. */
static const struct layer *connecting(const struct transport *t)
{
    int i;

    if (t->state != TS_CONNECTING)
        return NULL;
    for (i = 0; i < t->n; i++)
        if (!t->stack[i]->connected)
            return t->stack[i];
    return NULL;
}

/* The fd of the layer that connects, when it has one of its own (layer.h), else -1. */
static int own_fd(const struct transport *t)
{
    const struct layer *l = connecting(t);

    return l && l->ops->poll_fd ? l->ops->poll_fd(l) : -1;
}

bool transport_resolving(const struct transport *t)
{
    return t->state == TS_CONNECTING && (sock_resolving(t->stack[0]) || own_fd(t) >= 0);
}

int transport_fd(const struct transport *t)
{
    int fd = own_fd(t);

    if (fd >= 0)
        return fd;
    return t->n > 0 ? sock_fd(t->stack[0]) : -1;
}

short transport_poll_events(const struct transport *t, bool reading)
{
    short ev = 0;
    int i;

    if (t->state != TS_CONNECTING && t->state != TS_READY)
        return 0;
    for (i = 0; i < t->n; i++)
        ev |= t->stack[i]->ops->poll_events(t->stack[i], reading);
    return ev;
}

/* ---- I/O ---- */

long transport_read(struct transport *t, void *p, size_t n)
{
    if (t->state != TS_READY)
        return t->state == TS_FAILED ? T_ERR_RESET : T_AGAIN;
    if (n == 0)
        return T_AGAIN; /* 0 would read as end of stream */
    return top(t)->ops->read(top(t), p, n);
}

long transport_write(struct transport *t, const void *p, size_t n)
{
    if (t->state != TS_READY)
        return t->state == TS_FAILED ? T_ERR_RESET : T_AGAIN;
    if (n == 0)
        return 0;
    return top(t)->ops->write(top(t), p, n);
}

bool transport_has_pending(const struct transport *t)
{
    int i;

    if (t->state != TS_READY)
        return false;
    for (i = 0; i < t->n; i++)
        if (t->stack[i]->ops->pending(t->stack[i]))
            return true;
    return false;
}

size_t transport_unsent(const struct transport *t)
{
    if (t == NULL || t->n == 0)
        return 0;
    return sock_unsent(t->stack[0]);
}

void transport_shutdown(struct transport *t)
{
    if (t->shut || t->state != TS_READY)
        return;
    t->shut = true;
    top(t)->ops->shutdown(top(t)); /* each layer passes it on down */
}

/* ---- introspection ---- */

const char *transport_error(const struct transport *t)
{
    return t->env.err;
}

const char *transport_peer(const struct transport *t)
{
    return t->n > 0 ? sock_peer(t->stack[0]) : "";
}

const char *transport_tried(const struct transport *t)
{
    return t->n > 0 ? sock_tried(t->stack[0]) : "";
}

const char *transport_tls_info(const struct transport *t)
{
    return t->tls_layer ? tls_info(t->tls_layer) : "";
}

int transport_layers_connected(const struct transport *t)
{
    int i = 0;

    while (i < t->n && t->stack[i]->connected)
        i++;
    return i;
}

const char *transport_layer_name(const struct transport *t, int i)
{
    return i >= 0 && i < t->n ? t->stack[i]->ops->name : "";
}

void transport_describe(const struct transport *t, char *out, size_t n)
{
    size_t used = 0;
    int i;

    if (n == 0)
        return;
    out[0] = '\0';
    for (i = 0; i < t->n && used < n; i++) {
        char line[512];
        t->stack[i]->ops->describe(t->stack[i], line, sizeof line);
        used += (size_t)snprintf(out + used, n - used, "%s%s", i ? " | " : "", line);
    }
}
