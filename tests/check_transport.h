/*
 * Helpers shared by the transport tests (check_transport.c: sockets, resolving, the stack;
 * check_tls.c: the TLS layer): loopback listeners and loops that drive a transport with poll().
 * Each test binary includes this once.
 */
#ifndef WSC_CHECK_TRANSPORT_H
#define WSC_CHECK_TRANSPORT_H

#include "check_common.h"

#include "transport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TIMEOUT_MS 3000
#define TIMED_OUT  99 /* drive() result when nothing happened in time */

#define UNUSED __attribute__((unused))

/* ---- helpers ---- */

static char logbuf[4096];

UNUSED static void log_line(void *ud, const char *line)
{
    size_t used = strlen(logbuf);

    (void)ud;
    snprintf(logbuf + used, sizeof logbuf - used, "%s\n", line);
}

UNUSED static struct transport *new_transport(const char *host, uint16_t port, bool tls,
                                              const char *cacert, bool insecure)
{
    struct transport_config cfg = {
        .host = host,
        .port = port,
        .tls = tls,
        .tls_opts = {.cacert = cacert, .insecure = insecure},
        .log = log_line,
    };
    struct transport *t;

    logbuf[0] = '\0';
    t = transport_new(&cfg);
    ck_assert_ptr_nonnull(t);
    return t;
}

UNUSED static long ms_left(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

UNUSED static void deadline_in(struct timespec *d, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, d);
    d->tv_sec += ms / 1000;
    d->tv_nsec += (long)(ms % 1000) * 1000000;
    if (d->tv_nsec >= 1000000000) {
        d->tv_sec++;
        d->tv_nsec -= 1000000000;
    }
}

/* Poll until transport_progress() decides: 1, a negative error, or TIMED_OUT. */
UNUSED static int drive_started(struct transport *t)
{
    struct timespec deadline;
    int r;

    deadline_in(&deadline, TIMEOUT_MS);
    for (;;) {
        struct pollfd p = {.fd = transport_fd(t), .events = transport_poll_events(t, true)};
        long left = ms_left(&deadline);
        if (left <= 0)
            return TIMED_OUT;
        ck_assert_int_ge(p.fd, 0);
        ck_assert_int_ne(p.events, 0);
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            return TIMED_OUT;
        r = transport_progress(t, p.revents);
        if (r != 0)
            return r;
    }
}

/* Start, then drive_started(). */
UNUSED static int drive(struct transport *t)
{
    int r = transport_start(t);

    if (r < 0)
        return r;
    ck_assert_int_eq(r, 0);
    return drive_started(t);
}

/* Read once some bytes arrive (or EOF/error), polling as the transport asks. */
UNUSED static long read_some(struct transport *t, void *p, size_t n)
{
    struct timespec deadline;

    deadline_in(&deadline, TIMEOUT_MS);
    for (;;) {
        long r = transport_read(t, p, n);
        struct pollfd pf = {.fd = transport_fd(t),
                            .events = (short)(POLLIN | transport_poll_events(t, true))};
        if (r != T_AGAIN)
            return r;
        if (ms_left(&deadline) <= 0)
            return TIMED_OUT;
        poll(&pf, 1, (int)ms_left(&deadline));
    }
}

UNUSED static void read_exact(struct transport *t, char *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        long r = read_some(t, p + got, n - got);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
}

UNUSED static void write_all(struct transport *t, const char *p, size_t n)
{
    struct timespec deadline;
    size_t done = 0;

    deadline_in(&deadline, TIMEOUT_MS);
    while (done < n) {
        long r = transport_write(t, p + done, n - done);
        struct pollfd pf = {.fd = transport_fd(t),
                            .events = (short)(POLLOUT | transport_poll_events(t, true))};
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        ck_assert_int_eq(r, T_AGAIN);
        ck_assert_int_gt(ms_left(&deadline), 0);
        poll(&pf, 1, (int)ms_left(&deadline));
    }
}

/* A listening socket on a loopback address with a kernel-chosen port (listening when !listen_too
 * is false; bound only otherwise, so that connecting is refused). -1 if the family is absent. */
UNUSED static int loopback_socket(int family, bool do_listen, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *s4;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (do_listen && listen(fd, 4) < 0) ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

UNUSED static int accept_timed(int lfd)
{
    struct timeval tv = {.tv_sec = 3};
    int fd;

    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fd = accept(lfd, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

#endif
