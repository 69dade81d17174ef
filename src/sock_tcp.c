/*
 * sock_tcp - connecting over TCP for sock.c: --connect-to, then --resolve or the lookup (an
 * address literal at once, a name on resolve.c's thread), -4/-6 keeping one family, then one
 * address, or Happy Eyeballs' staggered attempts when there are several (RFC 8305 §5).
 * See sock.h.
 */
#include "sock_int.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "transport.h"

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

static long ms_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void sock_drop_attempts(struct sock *s)
{
    while (s->natt > 0)
        close(s->att[--s->natt].fd);
    close_fd(&s->epfd);
    close_fd(&s->tfd);
}

int sock_fail(struct sock *s, int code)
{
    sock_drop_attempts(s);
    s->state = SOCK_FAILED;
    return code;
}

static int all_failed(struct sock *s)
{
    char buf[128];

    layer_set_err(&s->base, "%s (tried %s)",
                  sock_strerror_lc(s->last_errno ? s->last_errno : ECONNREFUSED, buf, sizeof buf),
                  s->tried);
    return sock_fail(s, T_ERR_CONNECT);
}

/* Staggering: the timer fires SOCK_HE_DELAY_MS after the newest attempt while addresses remain
 * and there is room for another attempt; otherwise it is off. */
static void arm_timer(struct sock *s)
{
    struct itimerspec its = {{0, 0}, {0, 0}};

    if (!s->stagger)
        return;
    if (s->next < s->naddrs && s->natt < MAX_ATTEMPTS)
        its.it_value.tv_nsec = SOCK_HE_DELAY_MS * 1000000L;
    timerfd_settime(s->tfd, 0, &its, NULL);
}

/* Start attempts until one is in flight (an address that fails at once moves on to the next).
 * by_timer: the attempt delay ran out (the log says how long after the previous attempt).
 * Returns 0, or T_ERR_CONNECT once no attempt is in flight and no address is left. */
static int launch(struct sock *s, bool by_timer)
{
    while (s->next < s->naddrs && s->natt < MAX_ATTEMPTS) {
        const struct sock_addr *a = &s->addrs[s->next++];
        struct attempt *at = &s->att[s->natt];
        size_t used = strlen(s->tried);
        char after[48] = "";
        int one = 1, fd;

        fmt_addr((const struct sockaddr *)&a->sa, at->addr, sizeof at->addr);
        snprintf(s->tried + used, sizeof s->tried - used, "%s%s", used ? ", " : "", at->addr);
        if (by_timer)
            snprintf(after, sizeof after, " (after %ld ms)", ms_since(&s->last_start));
        by_timer = false;
        layer_log(&s->base, "trying %s%s", at->addr, after);

        fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0) {
            s->last_errno = errno;
            layer_log(&s->base, "connect to %s failed: %s", at->addr, strerror(errno));
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (const struct sockaddr *)&a->sa, a->len) == 0 || errno == EINPROGRESS ||
            errno == EINTR) {
            /* Even an immediate success goes through POLLOUT + SO_ERROR, one path for all. */
            struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
            if (s->stagger && epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                s->last_errno = errno;
                layer_log(&s->base, "connect to %s failed: %s", at->addr, strerror(errno));
                close(fd);
                continue;
            }
            at->fd = fd;
            s->natt++;
            clock_gettime(CLOCK_MONOTONIC, &s->last_start);
            arm_timer(s);
            return 0;
        }
        s->last_errno = errno;
        layer_log(&s->base, "connect to %s failed: %s", at->addr, strerror(errno));
        close(fd);
    }
    if (s->natt == 0)
        return all_failed(s);
    arm_timer(s);
    return 0;
}

/* The addresses are in addrs[]: order them, set up staggering when there are several, and
 * start. how: " (--resolve)" or "". */
static int begin(struct sock *s, const char *how)
{
    char list[512];
    size_t used = 0;

    if (s->naddrs == 0) {
        layer_set_err(&s->base, "could not resolve host '%s': no address", s->target);
        return sock_fail(s, T_ERR_RESOLVE);
    }
    list[0] = '\0';
    for (size_t i = 0; i < s->naddrs && used < sizeof list; i++) {
        char a[64], *colon;
        fmt_addr((const struct sockaddr *)&s->addrs[i].sa, a, sizeof a);
        /* The log names addresses only; the port is the same for all. */
        colon = strrchr(a, ':');
        if (colon)
            *colon = '\0';
        if (a[0] == '[') {
            memmove(a, a + 1, strlen(a));
            a[strlen(a) - 1] = '\0';
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", a);
    }
    layer_log(&s->base, "resolved %s to %s%s", s->target, list, how);

    /* RFC 8305 §5 staggers every address of the sorted list, of one family or both: a
     * black-holed first address must not take the whole --connect-timeout. */
    if (sock_mixed_families(s->addrs, s->naddrs))
        sock_interleave(s->addrs, s->naddrs);
    s->stagger = s->naddrs > 1;
    if (s->stagger) {
        struct epoll_event ev = {.events = EPOLLIN};
        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        ev.data.fd = s->tfd;
        if (s->epfd < 0 || s->tfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tfd, &ev) < 0) {
            layer_set_err(&s->base, "cannot start connecting: %s", strerror(errno));
            return sock_fail(s, T_ERR_NOMEM);
        }
    }
    s->state = SOCK_CONNECTING;
    return launch(s, false);
}

/* -4/-6: drop the addresses of the other family (from the resolver or --resolve, as curl
 * does). Returns 0, or T_ERR_RESOLVE when none is left. */
static int keep_family(struct sock *s)
{
    size_t n = sock_keep_family(s->addrs, s->naddrs, s->net.family);

    s->naddrs = n;
    if (n > 0 || (s->net.family != 4 && s->net.family != 6))
        return 0;
    layer_set_err(&s->base, "could not resolve host '%s': no IPv%d address (-%d)", s->target,
                  s->net.family, s->net.family);
    return sock_fail(s, T_ERR_RESOLVE);
}

/* Take a resolver's answer (or its error rc). */
int sock_tcp_resolved(struct sock *s, int rc, int sys_errno, struct addrinfo *list)
{
    int want = s->net.family == 4 ? AF_INET : s->net.family == 6 ? AF_INET6 : AF_UNSPEC;

    if (rc != 0) {
        char fam[32] = "";
        if (rc == EAI_MEMORY) {
            layer_set_err(&s->base, "out of memory");
            return sock_fail(s, T_ERR_NOMEM);
        }
        if (want != AF_UNSPEC)
            snprintf(fam, sizeof fam, " as IPv%d (-%d)", s->net.family, s->net.family);
        layer_set_err(&s->base, "could not resolve host '%s'%s: %s", s->target, fam,
                      rc == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(rc));
        return sock_fail(s, T_ERR_RESOLVE);
    }
    for (struct addrinfo *ai = list; ai && s->naddrs < SOCK_MAX_ADDRS; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            (want != AF_UNSPEC && ai->ai_family != want) || ai->ai_addrlen > sizeof s->addrs[0].sa)
            continue;
        memcpy(&s->addrs[s->naddrs].sa, ai->ai_addr, ai->ai_addrlen);
        s->addrs[s->naddrs++].len = ai->ai_addrlen;
    }
    if (list)
        freeaddrinfo(list);
    if (s->naddrs == 0 && want != AF_UNSPEC)
        return keep_family(s);
    return begin(s, "");
}

/* First step over TCP: --connect-to, then --resolve, an address literal here and now, or a
 * name on the resolver's thread. */
int sock_tcp_start(struct sock *s)
{
    struct addrinfo hints, *list = NULL;
    const char *fixed;
    char port[8];
    int rc;

    if (sock_connect_to(&s->net, s->host, s->port, s->target, sizeof s->target, &s->target_port))
        layer_log(&s->base, "--connect-to: connecting to %s port %u instead of %s port %u",
                  s->target, (unsigned)s->target_port, s->host, (unsigned)s->port);
    fixed = sock_resolve_find(&s->net, s->target, s->target_port);
    if (fixed) {
        int n = sock_parse_addrs(fixed, s->target_port, s->addrs, SOCK_MAX_ADDRS);
        if (n <= 0) {
            layer_set_err(&s->base, "bad --resolve entry for %s:%u", s->target,
                          (unsigned)s->target_port);
            return sock_fail(s, T_ERR_RESOLVE);
        }
        s->naddrs = (size_t)n;
        if (keep_family(s) < 0)
            return T_ERR_RESOLVE;
        return begin(s, " (--resolve)");
    }

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; /* a literal of the other family is refused in resolved() */
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    /* No AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on hosts without a non-loopback address. */
    hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
    snprintf(port, sizeof port, "%u", (unsigned)s->target_port);
    rc = getaddrinfo(s->target, port, &hints, &list);
    if (rc != EAI_NONAME)
        return sock_tcp_resolved(s, rc, errno, rc == 0 ? list : NULL);
    hints.ai_flags = AI_NUMERICSERV;
    hints.ai_family = s->net.family == 4 ? AF_INET : s->net.family == 6 ? AF_INET6 : AF_UNSPEC;
    s->res = resolve_start(s->target, port, &hints);
    if (!s->res && errno == EBUSY) {
        layer_set_err(&s->base,
                      "could not resolve host '%s': %d earlier lookups are still waiting for the "
                      "DNS server",
                      s->target, RESOLVE_MAX_ABANDONED);
        return sock_fail(s, T_ERR_RESOLVE);
    }
    if (!s->res) {
        layer_set_err(&s->base, "cannot start resolving '%s': %s", s->target, strerror(errno));
        return sock_fail(s, T_ERR_NOMEM);
    }
    s->state = SOCK_RESOLVING;
    return 0;
}

/* Has attempt i connected? 1 yes, 0 not yet, -1 it failed (then it is closed and gone). */
static int check_attempt(struct sock *s, size_t i, short revents)
{
    struct attempt *at = &s->att[i];
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss, len = sizeof(int);
    int soerr = 0;

    if (getsockopt(at->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr == 0 && getpeername(at->fd, (struct sockaddr *)&ss, &sslen) < 0) {
        /* No error yet not connected: a spurious wakeup, unless the socket says it is dead. */
        if (!(revents & (POLLERR | POLLHUP)))
            return 0;
        soerr = ECONNREFUSED;
    }
    if (soerr == 0)
        return 1;
    layer_log(&s->base, "connect to %s failed: %s", at->addr, strerror(soerr));
    s->last_errno = soerr;
    if (s->stagger)
        epoll_ctl(s->epfd, EPOLL_CTL_DEL, at->fd, NULL);
    close(at->fd);
    memmove(at, at + 1, (s->natt - i - 1) * sizeof *at);
    s->natt--;
    return -1;
}

/* Attempt i connected: keep it, close the others. */
static int won(struct sock *s, size_t i)
{
    s->fd = s->att[i].fd;
    snprintf(s->peer, sizeof s->peer, "%s", s->att[i].addr);
    if (s->stagger) {
        char others[256] = "";
        size_t used = 0;
        for (size_t k = 0; k < s->natt; k++)
            if (k != i && used < sizeof others)
                used += (size_t)snprintf(others + used, sizeof others - used, "%s%s",
                                         used ? ", " : "", s->att[k].addr);
        layer_log(&s->base, "%s connected first%s%s", s->peer,
                  used ? "; closing the attempt to " : "", others);
    }
    /* No "connected" line otherwise: the caller announces it (transport_tcp_connected()). */
    s->att[i] = s->att[--s->natt];
    sock_drop_attempts(s);
    s->state = SOCK_CONNECTED;
    return 1;
}

/* A staggered connect woke up: attempts that finished, and the timer. */
static int progress_staggered(struct sock *s)
{
    struct epoll_event ev[MAX_ATTEMPTS + 1];
    bool timer = false, failed = false;
    int n = epoll_wait(s->epfd, ev, MAX_ATTEMPTS + 1, 0);

    for (int k = 0; k < n; k++) {
        if (ev[k].data.fd == s->tfd) {
            uint64_t ticks;
            timer = read(s->tfd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks;
            continue;
        }
        for (size_t i = 0; i < s->natt; i++) {
            if (s->att[i].fd != ev[k].data.fd)
                continue;
            /* EPOLLERR and EPOLLHUP are POLLERR and POLLHUP on Linux. */
            int r = check_attempt(s, i, (short)ev[k].events);
            if (r == 1)
                return won(s, i);
            failed |= r < 0;
            break;
        }
    }
    /* A failure starts the next attempt at once, the timer after the delay. */
    return failed || timer ? launch(s, !failed) : 0;
}

int sock_tcp_progress(struct sock *s, short revents)
{
    int r;

    if (s->stagger)
        return progress_staggered(s);
    if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
        return 0;
    r = check_attempt(s, 0, revents);
    if (r == 1)
        return won(s, 0);
    return r == 0 ? 0 : launch(s, false);
}
