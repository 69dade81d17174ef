/*
 * sock - the socket at the bottom of the transport stack: the layer's constructors and ops,
 * AF_UNIX, and plain recv()/send(). Connecting over TCP (--connect-to, --resolve, the lookup,
 * Happy Eyeballs) is in sock_tcp.c, the pure rules in sock_rules.c. See sock.h.
 */
#include "sock_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "transport.h"

const char *sock_strerror_lc(int err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

/* First (and only) step over AF_UNIX: one connect(), which does not wait on a stream socket. */
static int start_unix(struct sock *s)
{
    struct sockaddr_un sun;
    size_t len = strlen(s->host), max = sizeof sun.sun_path - 1;
    socklen_t alen;
    char buf[128];
    int fd;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (len > max) {
        layer_set_err(&s->base, "unix socket %s%s: longer than %zu bytes", s->abstract ? "@" : "",
                      s->host, max);
        return sock_fail(s, T_ERR_CONNECT);
    }
    /* An abstract name is a NUL and the name, its length counted exactly (no final NUL). */
    memcpy(sun.sun_path + (s->abstract ? 1 : 0), s->host, len);
    alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    snprintf(s->peer, sizeof s->peer, "unix:%s%s", s->abstract ? "@" : "", s->host);
    layer_log(&s->base, "connecting to %sunix socket %s%s", s->abstract ? "abstract " : "",
              s->abstract ? "@" : "", s->host);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, alen) == 0) {
        /* Connected already, but it goes through POLLOUT as TCP does: the caller's loop then
         * sees the connection on a later step, the one its handshake starts from. */
        s->att[0].fd = fd;
        snprintf(s->att[0].addr, sizeof s->att[0].addr, "%s", s->peer);
        s->natt = 1;
        s->state = SOCK_CONNECTING;
        return 0;
    }
    if (errno == EAGAIN)
        snprintf(buf, sizeof buf, "the server's queue of connections is full");
    else
        sock_strerror_lc(errno, buf, sizeof buf);
    if (fd >= 0)
        close(fd);
    layer_set_err(&s->base, "%s (%sunix socket %s%s)", buf, s->abstract ? "abstract " : "",
                  s->abstract ? "@" : "", s->host);
    return sock_fail(s, T_ERR_CONNECT);
}

static int sock_connect(struct layer *l, short revents)
{
    struct sock *s = (struct sock *)l;
    struct addrinfo *list = NULL;
    int rc, sys_errno = 0;

    switch (s->state) {
    case SOCK_NEW:
        return s->is_unix ? start_unix(s) : sock_tcp_start(s);
    case SOCK_RESOLVING:
        if (!resolve_result(s->res, &rc, &list, &sys_errno))
            return 0;
        resolve_free(s->res);
        s->res = NULL;
        return sock_tcp_resolved(s, rc, sys_errno, rc == 0 ? list : NULL);
    case SOCK_CONNECTING:
        break;
    case SOCK_CONNECTED:
        return 1;
    case SOCK_FAILED:
        return T_ERR_CONNECT;
    }
    return sock_tcp_progress(s, revents);
}

/* A recv()/send() result as the layer returns it: bytes, T_AGAIN, or T_ERR_RESET with why. */
static long io_result(struct layer *l, ssize_t r)
{
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return T_AGAIN;
    layer_set_err(l, "%s", strerror(errno));
    return T_ERR_RESET;
}

static long sock_read(struct layer *l, void *p, size_t n)
{
    struct sock *s = (struct sock *)l;
    ssize_t r;

    do
        r = recv(s->fd, p, n, 0);
    while (r < 0 && errno == EINTR);
    return io_result(l, r);
}

static long sock_write(struct layer *l, const void *p, size_t n)
{
    struct sock *s = (struct sock *)l;
    ssize_t r;

    do
        r = send(s->fd, p, n, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return io_result(l, r);
}

static bool sock_pending(const struct layer *l)
{
    (void)l;
    return false; /* the kernel's buffer is what poll() sees */
}

static short sock_poll_events(const struct layer *l, bool reading)
{
    const struct sock *s = (const struct sock *)l;
    (void)reading;

    if (s->state == SOCK_RESOLVING)
        return POLLIN;
    if (s->state == SOCK_CONNECTING)
        return s->stagger ? POLLIN : POLLOUT; /* an epoll fd is readable when ready */
    return 0;
}

static void sock_shutdown(struct layer *l)
{
    struct sock *s = (struct sock *)l;

    if (s->state == SOCK_CONNECTED)
        shutdown(s->fd, SHUT_WR);
}

static void sock_describe(const struct layer *l, char *out, size_t n)
{
    const struct sock *s = (const struct sock *)l;
    size_t used;

    if (s->is_unix) {
        snprintf(out, n, "%sunix socket %s%s", s->abstract ? "abstract " : "",
                 s->abstract ? "@" : "", s->host);
        return;
    }
    switch (s->state) {
    case SOCK_RESOLVING:
        snprintf(out, n, "TCP, resolving %s", s->target);
        break;
    case SOCK_CONNECTING:
        used = (size_t)snprintf(out, n, "TCP, connecting to ");
        for (size_t i = 0; i < s->natt && used < n; i++)
            used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "", s->att[i].addr);
        break;
    case SOCK_CONNECTED:
        snprintf(out, n, "TCP %s", s->peer);
        break;
    default:
        snprintf(out, n, "TCP to %s port %u", s->host, (unsigned)s->port);
        break;
    }
}

static void sock_destroy(struct layer *l)
{
    struct sock *s = (struct sock *)l;

    resolve_free(s->res); /* returns at once even mid-lookup */
    sock_drop_attempts(s);
    if (s->fd >= 0)
        close(s->fd);
    free(s->host);
    free(s);
}

static const struct layer_ops sock_tcp_ops = {
    .name = "tcp",
    .connect = sock_connect,
    .read = sock_read,
    .write = sock_write,
    .pending = sock_pending,
    .poll_events = sock_poll_events,
    .shutdown = sock_shutdown,
    .describe = sock_describe,
    .destroy = sock_destroy,
};

static const struct layer_ops sock_unix_ops = {
    .name = "unix",
    .connect = sock_connect,
    .read = sock_read,
    .write = sock_write,
    .pending = sock_pending,
    .poll_events = sock_poll_events,
    .shutdown = sock_shutdown,
    .describe = sock_describe,
    .destroy = sock_destroy,
};

static struct sock *sock_alloc(struct layer_env *env, const struct layer_ops *ops, const char *host)
{
    struct sock *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->base.ops = ops;
    s->base.env = env;
    s->fd = s->epfd = s->tfd = -1;
    s->host = strdup(host);
    if (!s->host) {
        free(s);
        return NULL;
    }
    snprintf(s->target, sizeof s->target, "%s", host);
    return s;
}

struct layer *sock_new_tcp_net(struct layer_env *env, const char *host, uint16_t port,
                               const struct sock_settings *net)
{
    struct sock *s = sock_alloc(env, &sock_tcp_ops, host);

    if (!s)
        return NULL;
    s->port = s->target_port = port;
    if (net) {
        s->net = *net;
        s->net.unix_path = NULL;
    }
    return &s->base;
}

struct layer *sock_new_tcp(struct layer_env *env, const char *host, uint16_t port)
{
    return sock_new_tcp_net(env, host, port, NULL);
}

struct layer *sock_new_unix(struct layer_env *env, const char *path, bool abstract)
{
    struct sock *s = sock_alloc(env, &sock_unix_ops, path);

    if (!s)
        return NULL;
    s->is_unix = true;
    s->abstract = abstract;
    return &s->base;
}

int sock_fd(const struct layer *l)
{
    const struct sock *s = (const struct sock *)l;

    switch (s->state) {
    case SOCK_RESOLVING:
        return resolve_fd(s->res);
    case SOCK_CONNECTING:
        return s->stagger ? s->epfd : s->att[0].fd;
    case SOCK_CONNECTED:
        return s->fd;
    default:
        return -1;
    }
}

bool sock_resolving(const struct layer *l)
{
    return ((const struct sock *)l)->state == SOCK_RESOLVING;
}

const char *sock_peer(const struct layer *l)
{
    const struct sock *s = (const struct sock *)l;

    return s->state == SOCK_CONNECTED ? s->peer : "";
}

const char *sock_tried(const struct layer *l)
{
    const struct sock *s = (const struct sock *)l;

    return s->is_unix ? "" : s->tried;
}

size_t sock_unsent(const struct layer *l)
{
    const struct sock *s = (const struct sock *)l;
    int n = 0;

    if (s->state != SOCK_CONNECTED || ioctl(s->fd, SIOCOUTQNSD, &n) < 0 || n < 0)
        return 0;
    return (size_t)n;
}
