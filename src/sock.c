/*
 * sock - the socket at the bottom of the transport stack: resolve, then TCP to every address
 * with a non-blocking connect(), then plain recv()/send(). See sock.h.
 */
#include "sock.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "resolve.h"
#include "transport.h"

enum sock_state {
    SOCK_NEW,
    SOCK_RESOLVING,  /* the resolver thread works; fd is its pipe */
    SOCK_CONNECTING, /* non-blocking connect() in flight on fd */
    SOCK_CONNECTED,
    SOCK_FAILED,
};

struct sock {
    struct layer base;
    enum sock_state state;
    char *host;
    uint16_t port;
    int fd;
    struct resolve *res;
    struct addrinfo *ai_list;
    struct addrinfo *ai_next; /* next address to try */
    char trying[64];          /* address of the connect in flight */
    char tried[256];          /* "127.0.0.1:1, [::1]:1" */
    char peer[64];
};

static void fmt_addr(const struct sockaddr *sa, char *out, size_t n)
{
    char ip[INET6_ADDRSTRLEN] = "?";

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        snprintf(out, n, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        snprintf(out, n, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
    } else {
        snprintf(out, n, "?");
    }
}

static int fail(struct sock *s, int code)
{
    s->state = SOCK_FAILED;
    return code;
}

/* Start a non-blocking connect to the next address that does not fail at once. Returns 0 when
 * one is in flight, T_ERR_CONNECT when none remain. */
static int connect_next(struct sock *s)
{
    int saved = 0;

    while (s->ai_next) {
        struct addrinfo *ai = s->ai_next;
        size_t used = strlen(s->tried);
        int one = 1;
        int fd;

        s->ai_next = ai->ai_next;
        fmt_addr(ai->ai_addr, s->trying, sizeof s->trying);
        snprintf(s->tried + used, sizeof s->tried - used, "%s%s", used ? ", " : "", s->trying);
        layer_log(&s->base, "trying %s", s->trying);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            layer_log(&s->base, "connect to %s failed: %s", s->trying, strerror(saved));
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS ||
            errno == EINTR) {
            /* Even an immediate success goes through POLLOUT + SO_ERROR, one path for all. */
            s->fd = fd;
            s->state = SOCK_CONNECTING;
            return 0;
        }
        saved = errno;
        layer_log(&s->base, "connect to %s failed: %s", s->trying, strerror(saved));
        close(fd);
    }
    if (s->ai_list) {
        freeaddrinfo(s->ai_list);
        s->ai_list = NULL;
    }
    {
        char why[128];
        snprintf(why, sizeof why, "%s", strerror(saved ? saved : ECONNREFUSED));
        why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]);
        layer_set_err(&s->base, "%s (tried %s)", why, s->tried);
    }
    return fail(s, T_ERR_CONNECT);
}

/* The addresses are in s->ai_list (or rc is getaddrinfo's error): log them and start. */
static int resolved(struct sock *s, int rc, int sys_errno)
{
    struct addrinfo *ai;
    char list[512];
    size_t used = 0;

    if (rc != 0) {
        if (rc == EAI_MEMORY) {
            layer_set_err(&s->base, "out of memory");
            return fail(s, T_ERR_NOMEM);
        }
        layer_set_err(&s->base, "could not resolve host '%s': %s", s->host,
                      rc == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(rc));
        return fail(s, T_ERR_RESOLVE);
    }
    list[0] = '\0';
    for (ai = s->ai_list; ai; ai = ai->ai_next) {
        char a[64], *colon;
        fmt_addr(ai->ai_addr, a, sizeof a);
        /* The log names addresses only; the port is the same for all. */
        colon = strrchr(a, ':');
        if (colon)
            *colon = '\0';
        if (a[0] == '[') {
            memmove(a, a + 1, strlen(a));
            a[strlen(a) - 1] = '\0';
        }
        used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0, "%s%s",
                                 used ? ", " : "", a);
        if (used >= sizeof list)
            break;
    }
    layer_log(&s->base, "resolved %s to %s", s->host, list);
    s->ai_next = s->ai_list;
    return connect_next(s);
}

/* First step: an address literal resolves here and now; a name goes to the resolver thread. */
static int start(struct sock *s)
{
    struct addrinfo hints;
    char port[8];
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    /* No AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on hosts without a non-loopback address. */
    hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
    snprintf(port, sizeof port, "%u", (unsigned)s->port);
    rc = getaddrinfo(s->host, port, &hints, &s->ai_list);
    if (rc != EAI_NONAME) {
        if (rc != 0)
            s->ai_list = NULL;
        return resolved(s, rc, errno);
    }
    hints.ai_flags = AI_NUMERICSERV;
    s->res = resolve_start(s->host, port, &hints);
    if (!s->res && errno == EBUSY) {
        layer_set_err(&s->base,
                      "could not resolve host '%s': %d earlier lookups are still waiting for the "
                      "DNS server",
                      s->host, RESOLVE_MAX_ABANDONED);
        return fail(s, T_ERR_RESOLVE);
    }
    if (!s->res) {
        layer_set_err(&s->base, "cannot start resolving '%s': %s", s->host, strerror(errno));
        return fail(s, T_ERR_NOMEM);
    }
    s->state = SOCK_RESOLVING;
    return 0;
}

static int sock_connect(struct layer *l, short revents)
{
    struct sock *s = (struct sock *)l;
    int soerr = 0, rc, sys_errno = 0;
    socklen_t len = sizeof soerr;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;

    switch (s->state) {
    case SOCK_NEW:
        return start(s);
    case SOCK_RESOLVING:
        if (!resolve_result(s->res, &rc, &s->ai_list, &sys_errno))
            return 0;
        resolve_free(s->res);
        s->res = NULL;
        return resolved(s, rc, sys_errno);
    case SOCK_CONNECTING:
        break;
    case SOCK_CONNECTED:
        return 1;
    case SOCK_FAILED:
        return T_ERR_CONNECT;
    }

    if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
        return 0;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr == 0 && getpeername(s->fd, (struct sockaddr *)&ss, &sslen) < 0) {
        /* No error yet not connected: a spurious wakeup, unless the socket says it is dead. */
        if (!(revents & (POLLERR | POLLHUP)))
            return 0;
        soerr = ECONNREFUSED;
    }
    if (soerr != 0) {
        layer_log(l, "connect to %s failed: %s", s->trying, strerror(soerr));
        close(s->fd);
        s->fd = -1;
        return connect_next(s);
    }
    s->state = SOCK_CONNECTED;
    snprintf(s->peer, sizeof s->peer, "%s", s->trying);
    /* No log line: the caller announces the connection (transport_tcp_connected()). */
    freeaddrinfo(s->ai_list);
    s->ai_list = s->ai_next = NULL;
    return 1;
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

    return s->state == SOCK_RESOLVING ? POLLIN : s->state == SOCK_CONNECTING ? POLLOUT : 0;
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

    switch (s->state) {
    case SOCK_RESOLVING:
        snprintf(out, n, "TCP, resolving %s", s->host);
        break;
    case SOCK_CONNECTING:
        snprintf(out, n, "TCP, connecting to %s", s->trying);
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
    if (s->fd >= 0)
        close(s->fd);
    if (s->ai_list)
        freeaddrinfo(s->ai_list);
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

struct layer *sock_new_tcp(struct layer_env *env, const char *host, uint16_t port)
{
    struct sock *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->base.ops = &sock_tcp_ops;
    s->base.env = env;
    s->fd = -1;
    s->port = port;
    s->host = strdup(host);
    if (!s->host) {
        free(s);
        return NULL;
    }
    return &s->base;
}

int sock_fd(const struct layer *l)
{
    const struct sock *s = (const struct sock *)l;

    return s->state == SOCK_RESOLVING ? resolve_fd(s->res) : s->fd;
}

bool sock_resolving(const struct layer *l)
{
    return ((const struct sock *)l)->state == SOCK_RESOLVING;
}

const char *sock_peer(const struct layer *l)
{
    return ((const struct sock *)l)->peer;
}

size_t sock_unsent(const struct layer *l)
{
    const struct sock *s = (const struct sock *)l;
    int n = 0;

    if (s->state != SOCK_CONNECTED || ioctl(s->fd, SIOCOUTQNSD, &n) < 0 || n < 0)
        return 0;
    return (size_t)n;
}
