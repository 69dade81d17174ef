/*
 * Tests for the socket layer connecting (sock.c, sock_tcp.c) through the transport, on loopback
 * only: Happy Eyeballs against a refused and a black-holed IPv6 port (RFC 8305 §5), -4/-6,
 * --resolve without a lookup, --connect-to, and unix sockets (a path and an abstract name).
 * The rules themselves (syntax, matching, order) are in check_sock.c.
 */
#include "check_transport.h"

#include "resolve.h"
#include "sock.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/un.h>

/* Open descriptors of this process (minus the one opendir() holds). */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static struct transport *new_net(const char *host, uint16_t port, const struct sock_settings *net)
{
    struct transport_config cfg = {.host = host, .port = port, .net = *net, .log = log_line};
    struct transport *t;

    logbuf[0] = '\0';
    t = transport_new(&cfg);
    ck_assert_ptr_nonnull(t);
    return t;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A socket on [::1] with the same port as an IPv4 listener, or -1 (no IPv6 loopback, or the
 * port is taken there). */
static int ipv6_same_port(uint16_t port)
{
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    int one = 1, fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

    s6.sin6_addr = in6addr_loopback;
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&s6, sizeof s6) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* No IPv6 loopback: fail, unless WSC_SKIP_IPV6=1 says so, then skip with a visible line.
 * Returns true when the test should return. */
static bool no_ipv6(int v6, uint16_t port)
{
    const char *skip = getenv("WSC_SKIP_IPV6");

    if (v6 >= 0)
        return false;
    if (skip && strcmp(skip, "1") == 0) {
        fprintf(stderr, "# SKIP no [::1]:%u to bind here (WSC_SKIP_IPV6=1)\n", (unsigned)port);
        return true;
    }
    ck_abort_msg("cannot bind [::1]:%u: no IPv6 loopback here? (WSC_SKIP_IPV6=1 skips)",
                 (unsigned)port);
    return true;
}

/* A black hole: a listener on addr (port set) with backlog 1 and a full accept queue, so the
 * kernel drops further SYNs and connects hang. held[4] keeps the queue full. */
static int blackhole(const struct sockaddr *addr, socklen_t len, int held[4])
{
    int one = 1, fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct pollfd probe;

    ck_assert_int_ge(fd, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    ck_assert_int_eq(bind(fd, addr, len), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    for (int i = 0; i < 4; i++) {
        held[i] = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        connect(held[i], addr, len);
    }
    usleep(200000);
    probe.fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    probe.events = POLLOUT;
    connect(probe.fd, addr, len);
    ck_assert_msg(poll(&probe, 1, 300) == 0, "the full queue still answers: no black hole here");
    close(probe.fd);
    return fd;
}

static int blackhole_ipv4(const char *ip, uint16_t port, int held[4])
{
    struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};

    ck_assert_int_eq(inet_pton(AF_INET, ip, &s4.sin_addr), 1);
    return blackhole((struct sockaddr *)&s4, sizeof s4, held);
}

static void close_blackhole(int fd, int held[4])
{
    for (int i = 0; i < 4; i++)
        close(held[i]);
    close(fd);
}

/* ---- Happy Eyeballs ---- */

START_TEST(staggered_refused_ipv6_moves_to_ipv4_at_once)
{
    char entry[64], want[96];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port), v6 = ipv6_same_port(port);
    struct sock_settings net = {.resolve = (const char *const[]){entry}, .nresolve = 1};
    struct timespec t0;
    struct transport *t;

    if (no_ipv6(v6, port)) {
        close(lfd);
        return;
    }
    snprintf(entry, sizeof entry, "h.test:%u:[::1],127.0.0.1", port);
    t = new_net("h.test", port, &net);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(drive(t), 1);
    ck_assert_int_lt(ms_since(&t0), SOCK_HE_DELAY_MS - 50); /* no waiting for the timer */
    snprintf(want, sizeof want, "127.0.0.1:%u", port);
    ck_assert_str_eq(transport_peer(t), want);
    snprintf(want, sizeof want,
             "connect to [::1]:%u failed: Connection refused\ntrying 127.0.0.1:%u\n", port, port);
    ck_assert_msg(strstr(logbuf, want), "log: %s", logbuf);
    transport_free(t);
    close(v6);
    close(lfd);
}
END_TEST

START_TEST(staggered_blackholed_ipv6_second_attempt_after_delay)
{
    char entry[64], want[128];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port), v6 = ipv6_same_port(port), held[4];
    struct sock_settings net = {.resolve = (const char *const[]){entry}, .nresolve = 1};
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    struct pollfd probe;
    struct timespec t0;
    struct transport *t;
    const char *after;
    int type = 0, fds0;
    socklen_t len = sizeof type;
    long ms;

    if (no_ipv6(v6, port)) {
        close(lfd);
        return;
    }
    /* Backlog 1 and a full accept queue: the kernel drops further SYNs, so connects hang. */
    s6.sin6_addr = in6addr_loopback;
    ck_assert_int_eq(listen(v6, 1), 0);
    for (int i = 0; i < 4; i++) {
        held[i] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        connect(held[i], (struct sockaddr *)&s6, sizeof s6);
    }
    usleep(200000);
    probe.fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    probe.events = POLLOUT;
    connect(probe.fd, (struct sockaddr *)&s6, sizeof s6);
    ck_assert_msg(poll(&probe, 1, 300) == 0, "the full queue still answers: no black hole here");
    close(probe.fd);

    snprintf(entry, sizeof entry, "h.test:%u:[::1],127.0.0.1", port);
    fds0 = count_fds();
    t = new_net("h.test", port, &net);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(count_fds(), fds0 + 3); /* the first attempt, the epoll fd, the timerfd */
    ck_assert_int_eq(transport_poll_events(t, true), POLLIN); /* the epoll fd */
    ck_assert_int_ne(getsockopt(transport_fd(t), SOL_SOCKET, SO_TYPE, &type, &len), 0);
    ck_assert_int_eq(drive_started(t), 1);
    ms = ms_since(&t0);
    ck_assert_int_ge(ms, SOCK_HE_DELAY_MS - 20);
    ck_assert_int_lt(ms, 1000);
    ck_assert_int_eq(getsockopt(transport_fd(t), SOL_SOCKET, SO_TYPE, &type, &len), 0);
    ck_assert_int_eq(type, SOCK_STREAM);     /* the winning socket itself */
    ck_assert_int_eq(count_fds(), fds0 + 1); /* the losing attempt and the epoll fds closed */
    after = strstr(logbuf, "(after ");
    ck_assert_msg(after, "log: %s", logbuf);
    ms = strtol(after + 7, NULL, 10);
    ck_assert_int_ge(ms, SOCK_HE_DELAY_MS - 20);
    ck_assert_int_lt(ms, 800);
    snprintf(want, sizeof want, "127.0.0.1:%u connected first; closing the attempt to [::1]:%u",
             port, port);
    ck_assert_msg(strstr(logbuf, want), "log: %s", logbuf);
    ck_assert_uint_eq(strstr(logbuf, "trying [::1]") < strstr(logbuf, "trying 127.0.0.1"), 1);
    transport_free(t);
    ck_assert_int_eq(count_fds(), fds0);
    for (int i = 0; i < 4; i++)
        close(held[i]);
    close(v6);
    close(lfd);
}
END_TEST

START_TEST(staggered_all_refused_names_every_address)
{
    char entry[64], want[96];
    uint16_t port;
    int v4 = loopback_socket(AF_INET, false, &port), v6 = ipv6_same_port(port), fds0;
    struct sock_settings net = {.resolve = (const char *const[]){entry}, .nresolve = 1};
    struct transport *t;

    if (no_ipv6(v6, port)) {
        close(v4);
        return;
    }
    snprintf(entry, sizeof entry, "h.test:%u:127.0.0.1,::1", port);
    fds0 = count_fds();
    t = new_net("h.test", port, &net);
    ck_assert_int_eq(drive(t), T_ERR_CONNECT);
    ck_assert_int_eq(count_fds(), fds0); /* nothing left open after the failure */
    snprintf(want, sizeof want, "connection refused (tried 127.0.0.1:%u, [::1]:%u)", port, port);
    ck_assert_str_eq(transport_error(t), want);
    ck_assert_int_eq(transport_fd(t), -1);
    transport_free(t);
    close(v6);
    close(v4);
}
END_TEST

/* RFC 8305 §5 staggers every address, not only across families: a black-holed first IPv4
 * address hands over to the second after the delay, not after the connect timeout. */
START_TEST(staggered_blackholed_first_address_of_one_family)
{
    char entry[64], want[96];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port), held[4],
        bh = blackhole_ipv4("127.0.0.2", port, held);
    struct sock_settings net = {.resolve = (const char *const[]){entry}, .nresolve = 1};
    struct timespec t0;
    struct transport *t;
    long ms;

    snprintf(entry, sizeof entry, "h.test:%u:127.0.0.2,127.0.0.1", port);
    t = new_net("h.test", port, &net);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(drive(t), 1);
    ms = ms_since(&t0);
    ck_assert_int_ge(ms, SOCK_HE_DELAY_MS - 20);
    ck_assert_int_lt(ms, 1000);
    snprintf(want, sizeof want, "127.0.0.1:%u", port);
    ck_assert_str_eq(transport_peer(t), want);
    snprintf(want, sizeof want, "trying 127.0.0.1:%u (after ", port);
    ck_assert_msg(strstr(logbuf, want), "log: %s", logbuf);
    transport_free(t);
    close_blackhole(bh, held);
    close(lfd);
}
END_TEST

/* Freeing the transport with staggered attempts in flight closes every one of them. */
START_TEST(free_while_staggered_attempts_in_flight_closes_all)
{
    char entry[64];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, false, &port), held[4], fds0, bh;
    struct sock_settings net = {.resolve = (const char *const[]){entry}, .nresolve = 1};
    struct transport *t;
    struct pollfd p;

    close(lfd); /* only for a free port */
    bh = blackhole_ipv4("127.0.0.2", port, held);
    snprintf(entry, sizeof entry, "h.test:%u:127.0.0.2,127.0.0.2", port);
    fds0 = count_fds();
    t = new_net("h.test", port, &net);
    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(count_fds(), fds0 + 3); /* the first attempt, the epoll fd, the timerfd */
    /* One drive step: the delay runs out and the second attempt starts. */
    p.fd = transport_fd(t);
    p.events = transport_poll_events(t, true);
    ck_assert_int_eq(poll(&p, 1, 2000), 1);
    ck_assert_int_eq(transport_progress(t, p.revents), 0);
    ck_assert_int_eq(count_fds(), fds0 + 4); /* two attempts in flight */
    transport_free(t);
    ck_assert_int_eq(count_fds(), fds0);
    close_blackhole(bh, held);
}
END_TEST

/* ---- -4 / -6 ---- */

START_TEST(family_refuses_a_literal_of_the_other_family)
{
    struct sock_settings six = {.family = 6}, four = {.family = 4};
    struct transport *t = new_net("127.0.0.1", 80, &six);

    ck_assert_int_eq(drive(t), T_ERR_RESOLVE);
    ck_assert_str_eq(transport_error(t),
                     "could not resolve host '127.0.0.1': no IPv6 address (-6)");
    transport_free(t);
    t = new_net("::1", 80, &four);
    ck_assert_int_eq(drive(t), T_ERR_RESOLVE);
    ck_assert_str_eq(transport_error(t), "could not resolve host '::1': no IPv4 address (-4)");
    transport_free(t);
}
END_TEST

START_TEST(family_keeps_a_literal_of_its_family)
{
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct sock_settings four = {.family = 4};
    struct transport *t = new_net("127.0.0.1", port, &four);

    ck_assert_int_eq(drive(t), 1);
    transport_free(t);
    close(lfd);
}
END_TEST

/* curl applies -4/-6 to --resolve addresses too. */
START_TEST(family_applies_to_resolve_addresses)
{
    char entry[64], want[96];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct sock_settings six = {
        .family = 6, .resolve = (const char *const[]){entry}, .nresolve = 1};
    struct sock_settings four = six;
    struct transport *t;

    four.family = 4;
    snprintf(entry, sizeof entry, "h.test:%u:127.0.0.1", port);
    t = new_net("h.test", port, &six);
    ck_assert_int_eq(drive(t), T_ERR_RESOLVE);
    ck_assert_str_eq(transport_error(t), "could not resolve host 'h.test': no IPv6 address (-6)");
    transport_free(t);
    /* -4 drops [::1]: 127.0.0.1 alone, no attempt on [::1]. */
    snprintf(entry, sizeof entry, "h.test:%u:[::1],127.0.0.1", port);
    t = new_net("h.test", port, &four);
    ck_assert_int_eq(drive(t), 1);
    snprintf(want, sizeof want, "resolved h.test to 127.0.0.1 (--resolve)\ntrying 127.0.0.1:%u\n",
             port);
    ck_assert_str_eq(logbuf, want);
    transport_free(t);
    close(lfd);
}
END_TEST

/* ---- --resolve and --connect-to ---- */

static _Atomic int lookups;

static int counting_resolver(const char *host, const char *service, const struct addrinfo *hints,
                             struct addrinfo **res)
{
    (void)host, (void)service, (void)hints, (void)res;
    lookups++;
    return EAI_NONAME;
}

START_TEST(resolve_entry_means_no_lookup)
{
    char entry[64], want[96];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct sock_settings net = {.resolve = (const char *const[]){entry}, .nresolve = 1};
    struct transport *t;

    resolve_set_function(counting_resolver);
    snprintf(entry, sizeof entry, "never.test:%u:127.0.0.1", port);
    t = new_net("never.test", port, &net);
    ck_assert_int_eq(drive(t), 1);
    ck_assert_int_eq(lookups, 0);
    snprintf(want, sizeof want,
             "resolved never.test to 127.0.0.1 (--resolve)\ntrying 127.0.0.1:%u\n", port);
    ck_assert_str_eq(logbuf, want);
    transport_free(t);
    /* Another port: the entry does not apply, the name is looked up (and fails here). */
    t = new_net("never.test", (uint16_t)(port + 1), &net);
    ck_assert_int_eq(drive(t), T_ERR_RESOLVE);
    ck_assert_int_eq(lookups, 1);
    transport_free(t);
    resolve_set_function(NULL);
    close(lfd);
}
END_TEST

START_TEST(connect_to_then_resolve_the_new_host)
{
    char ct[64], rs[64], want[128];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct sock_settings net = {.connect_to = (const char *const[]){ct},
                                .nconnect_to = 1,
                                .resolve = (const char *const[]){rs},
                                .nresolve = 1};
    struct transport *t;

    snprintf(ct, sizeof ct, "front.test:443:back.test:%u", port);
    snprintf(rs, sizeof rs, "back.test:%u:127.0.0.1", port);
    t = new_net("front.test", 443, &net);
    ck_assert_int_eq(drive(t), 1);
    snprintf(want, sizeof want,
             "--connect-to: connecting to back.test port %u instead of front.test port 443\n"
             "resolved back.test to 127.0.0.1 (--resolve)\n",
             port);
    ck_assert_msg(strncmp(logbuf, want, strlen(want)) == 0, "log: %s", logbuf);
    snprintf(want, sizeof want, "127.0.0.1:%u", port);
    ck_assert_str_eq(transport_peer(t), want);
    transport_free(t);
    close(lfd);
}
END_TEST

/* ---- unix sockets ---- */

static int unix_listener(const char *name, bool abstract)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memcpy(sun.sun_path + (abstract ? 1 : 0), name, len);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1)),
                     0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

static void unix_roundtrip(bool abstract)
{
    char dir[] = "/tmp/wsc-sock.XXXXXX", path[128], want[160], buf[8];
    struct sock_settings net = {.unix_path = path, .abstract = abstract};
    struct transport *t;
    int lfd, sfd;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    if (abstract)
        snprintf(path, sizeof path, "wsc-check-%d", (int)getpid());
    else
        snprintf(path, sizeof path, "%s/s", dir);
    lfd = unix_listener(path, abstract);
    t = new_net("ignored.test", 1, &net); /* the URL's host and port are only for HTTP and TLS */
    ck_assert_int_eq(drive(t), 1);
    snprintf(want, sizeof want, "unix:%s%s", abstract ? "@" : "", path);
    ck_assert_str_eq(transport_peer(t), want);
    transport_describe(t, want, sizeof want);
    ck_assert_ptr_nonnull(strstr(want, path));
    sfd = accept_timed(lfd);
    write_all(t, "ping", 4);
    ck_assert_int_eq(recv(sfd, buf, 4, MSG_WAITALL), 4);
    ck_assert_int_eq(send(sfd, "pong", 4, 0), 4);
    read_exact(t, buf, 4);
    ck_assert_int_eq(memcmp(buf, "pong", 4), 0);
    transport_free(t);
    close(sfd);
    close(lfd);
    if (!abstract)
        unlink(path);
    rmdir(dir);
}

START_TEST(unix_path_connects_and_carries_bytes)
{
    unix_roundtrip(false);
}
END_TEST

START_TEST(unix_abstract_name_connects_and_carries_bytes)
{
    unix_roundtrip(true);
}
END_TEST

START_TEST(unix_missing_path_is_connect_error_naming_it)
{
    struct sock_settings net = {.unix_path = "/nonexistent/wsc.sock"};
    struct transport *t = new_net("localhost", 80, &net);

    ck_assert_int_eq(drive(t), T_ERR_CONNECT);
    ck_assert_str_eq(transport_error(t),
                     "no such file or directory (unix socket /nonexistent/wsc.sock)");
    transport_free(t);
}
END_TEST

START_TEST(unix_path_too_long_is_connect_error)
{
    char path[200];
    struct sock_settings net = {.unix_path = path};
    struct transport *t;

    memset(path, 'x', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    t = new_net("localhost", 80, &net);
    ck_assert_int_eq(drive(t), T_ERR_CONNECT);
    ck_assert_ptr_nonnull(strstr(transport_error(t), "longer than"));
    transport_free(t);
}
END_TEST

static Suite *sock_connect_suite(void)
{
    Suite *s = suite_create("sock_connect");
    TCase *tc;

    tc = tcase_create("happy_eyeballs");
    tcase_add_test(tc, staggered_refused_ipv6_moves_to_ipv4_at_once);
    tcase_add_test(tc, staggered_blackholed_ipv6_second_attempt_after_delay);
    tcase_add_test(tc, staggered_all_refused_names_every_address);
    tcase_add_test(tc, staggered_blackholed_first_address_of_one_family);
    tcase_add_test(tc, free_while_staggered_attempts_in_flight_closes_all);
    suite_add_tcase(s, tc);

    tc = tcase_create("family");
    tcase_add_test(tc, family_refuses_a_literal_of_the_other_family);
    tcase_add_test(tc, family_keeps_a_literal_of_its_family);
    tcase_add_test(tc, family_applies_to_resolve_addresses);
    suite_add_tcase(s, tc);

    tc = tcase_create("resolve_and_connect_to");
    tcase_add_test(tc, resolve_entry_means_no_lookup);
    tcase_add_test(tc, connect_to_then_resolve_the_new_host);
    suite_add_tcase(s, tc);

    tc = tcase_create("unix");
    tcase_add_test(tc, unix_path_connects_and_carries_bytes);
    tcase_add_test(tc, unix_abstract_name_connects_and_carries_bytes);
    tcase_add_test(tc, unix_missing_path_is_connect_error_naming_it);
    tcase_add_test(tc, unix_path_too_long_is_connect_error);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(sock_connect_suite)
