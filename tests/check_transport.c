/*
 * Tests for transport and its lower layers: real sockets on loopback only (listeners opened by
 * the test itself). Covers the stack builder (transport.c), the socket layer (sock.c) and the
 * resolver thread (resolve.c), made slow with a test resolver so that the loop's view of a slow
 * DNS lookup can be checked. The TLS layer has its own file, check_tls.c.
 */
#include "check_transport.h"

#include "layer.h"
#include "resolve.h"
#include "sock.h"

#include <dirent.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>

/* ---- transport_new / transport_free ---- */

START_TEST(new_is_idle_until_started)
{
    struct transport *t = new_transport("localhost", 80, false, NULL, false);

    ck_assert_int_eq(transport_fd(t), -1);
    ck_assert_int_eq(transport_poll_events(t), 0);
    ck_assert(!transport_ready(t));
    ck_assert(!transport_tcp_connected(t));
    ck_assert_str_eq(transport_peer(t), "");
    ck_assert_str_eq(transport_tls_info(t), "");
    ck_assert_str_eq(transport_error(t), "");
    ck_assert_int_eq(transport_read(t, (char[4]){0}, 4), T_AGAIN);
    transport_free(t);
}
END_TEST

START_TEST(new_copies_config_strings)
{
    char host[] = "127.0.0.1";
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport_config cfg = {.host = host, .port = port};
    struct transport *t = transport_new(&cfg);

    ck_assert_ptr_nonnull(t);
    memset(host, 'z', sizeof host - 1); /* the caller's buffer is gone */
    ck_assert_int_eq(drive(t), 1);
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(free_null_is_noop)
{
    transport_free(NULL);
}
END_TEST

/* ---- transport_start ---- */

START_TEST(start_logs_resolved_address_and_attempt)
{
    char want[64];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_ge(transport_fd(t), 0);
    ck_assert_int_eq(transport_poll_events(t), POLLOUT);
    snprintf(want, sizeof want, "resolved 127.0.0.1 to 127.0.0.1\ntrying 127.0.0.1:%u\n", port);
    ck_assert_str_eq(logbuf, want);
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(start_twice_is_refused)
{
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(transport_start(t), T_ERR_CONFIG);
    transport_free(t);
    close(lfd);
}
END_TEST

/* ---- transport_progress: TCP ---- */

START_TEST(progress_refused_port_is_connect_error)
{
    char want[96];
    uint16_t port;
    int bound = loopback_socket(AF_INET, false, &port); /* bound, not listening: refused */
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_ge(bound, 0);
    ck_assert_int_eq(drive(t), T_ERR_CONNECT);
    snprintf(want, sizeof want, "connection refused (tried 127.0.0.1:%u)", port);
    ck_assert_str_eq(transport_error(t), want);
    ck_assert(!transport_tcp_connected(t));
    ck_assert_int_eq(transport_fd(t), -1);
    ck_assert_ptr_nonnull(strstr(logbuf, "failed: Connection refused"));
    transport_free(t);
    close(bound);
}
END_TEST

START_TEST(progress_refused_ipv6_names_bracketed_address)
{
    char want[96];
    uint16_t port;
    int bound = loopback_socket(AF_INET6, false, &port);
    struct transport *t;

    if (bound < 0)
        return; /* no IPv6 loopback here */
    t = new_transport("::1", port, false, NULL, false);
    ck_assert_int_eq(drive(t), T_ERR_CONNECT);
    snprintf(want, sizeof want, "connection refused (tried [::1]:%u)", port);
    ck_assert_str_eq(transport_error(t), want);
    transport_free(t);
    close(bound);
}
END_TEST

START_TEST(progress_plain_connect_sets_peer)
{
    char want[32];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("localhost", port, false, NULL, false);

    ck_assert_int_eq(drive(t), 1);
    ck_assert(transport_ready(t));
    ck_assert(transport_tcp_connected(t));
    snprintf(want, sizeof want, "127.0.0.1:%u", port);
    ck_assert_str_eq(transport_peer(t), want);
    ck_assert_str_eq(transport_tls_info(t), "");
    ck_assert_int_eq(transport_poll_events(t), 0);
    ck_assert_int_eq(transport_progress(t, 0), 1); /* stays ready */
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(progress_spurious_wakeup_keeps_connecting)
{
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(transport_progress(t, 0), 0); /* no POLLOUT yet: nothing to decide */
    ck_assert(!transport_tcp_connected(t));
    transport_free(t);
    close(lfd);
}
END_TEST

/* ---- transport_progress: TLS ---- */

/* ---- transport_read / transport_write ---- */

static void plain_echo(int family, const char *host)
{
    char buf[64];
    uint16_t port;
    int lfd = loopback_socket(family, true, &port);
    struct transport *t;
    int sfd;

    if (lfd < 0 && family == AF_INET6)
        return; /* no IPv6 loopback here */
    ck_assert_int_ge(lfd, 0);
    t = new_transport(host, port, false, NULL, false);
    ck_assert_int_eq(drive(t), 1);
    sfd = accept_timed(lfd);

    write_all(t, "hello", 5);
    ck_assert_int_eq(recv(sfd, buf, 5, MSG_WAITALL), 5);
    ck_assert_int_eq(send(sfd, "HELLO", 5, 0), 5);
    read_exact(t, buf, 5);
    ck_assert_int_eq(memcmp(buf, "HELLO", 5), 0);
    ck_assert(!transport_has_pending(t));
    ck_assert_int_eq(transport_read(t, buf, sizeof buf), T_AGAIN); /* nothing more yet */

    close(sfd);
    ck_assert_int_eq(read_some(t, buf, sizeof buf), 0); /* FIN is end of stream */
    transport_free(t);
    close(lfd);
}

START_TEST(read_plain_echo_ipv4)
{
    plain_echo(AF_INET, "127.0.0.1");
}
END_TEST

START_TEST(read_plain_echo_ipv6)
{
    plain_echo(AF_INET6, "::1");
}
END_TEST

START_TEST(write_plain_after_peer_close_is_reset_not_sigpipe)
{
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);
    long r = 0;
    int i;

    signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill this test */
    ck_assert_int_eq(drive(t), 1);
    close(accept_timed(lfd));
    for (i = 0; i < 100 && r != T_ERR_RESET; i++) {
        r = transport_write(t, "data", 4);
        usleep(10000);
    }
    ck_assert_int_eq(r, T_ERR_RESET);
    ck_assert_msg(strcmp(transport_error(t), "Broken pipe") == 0 ||
                      strcmp(transport_error(t), "Connection reset by peer") == 0,
                  "got '%s'", transport_error(t));
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(write_before_connected_is_again)
{
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(transport_write(t, "x", 1), T_AGAIN);
    transport_free(t);
    close(lfd);
}
END_TEST

/* ---- transport_has_pending ---- */

/* ---- transport_shutdown ---- */

START_TEST(shutdown_plain_sends_fin_and_still_reads)
{
    char buf[8];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);
    int sfd;

    ck_assert_int_eq(drive(t), 1);
    sfd = accept_timed(lfd);
    transport_shutdown(t);
    transport_shutdown(t); /* twice is harmless */
    ck_assert_int_eq(recv(sfd, buf, sizeof buf, 0), 0);
    ck_assert_int_eq(send(sfd, "bye", 3, 0), 3); /* half-closed: we still read */
    read_exact(t, buf, 3);
    ck_assert_int_eq(memcmp(buf, "bye", 3), 0);
    transport_free(t);
    close(sfd);
    close(lfd);
}
END_TEST

/* ---- a resolver the test controls (resolve_set_function) ---- */

static int release_pipe[2] = {-1, -1};
static _Atomic int resolver_calls, resolver_done, resolver_sigint_blocked = -1;

/* Waits (at most 5 s) until the test calls release(), then asks getaddrinfo(). It also notes
 * whether SIGINT is blocked on the thread it runs on. */
static int slow_resolver(const char *host, const char *service, const struct addrinfo *hints,
                         struct addrinfo **res)
{
    struct pollfd p = {.fd = release_pipe[0], .events = POLLIN};
    sigset_t cur;
    int r;

    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    resolver_sigint_blocked = sigismember(&cur, SIGINT);
    resolver_calls++;
    poll(&p, 1, 5000);
    r = getaddrinfo(host, service, hints, res);
    resolver_done++;
    return r;
}

static int nxdomain_resolver(const char *host, const char *service, const struct addrinfo *hints,
                             struct addrinfo **res)
{
    (void)host, (void)service, (void)hints, (void)res;
    resolver_calls++;
    return EAI_NONAME;
}

static int emfile_resolver(const char *host, const char *service, const struct addrinfo *hints,
                           struct addrinfo **res)
{
    (void)host, (void)service, (void)hints, (void)res;
    errno = EMFILE; /* on the resolver's thread: its errno must travel back */
    return EAI_SYSTEM;
}

static void slow_setup(void)
{
    ck_assert_int_eq(pipe(release_pipe), 0);
    resolver_calls = resolver_done = 0;
    resolve_set_function(slow_resolver);
}

static void slow_teardown(void)
{
    resolve_set_function(NULL);
}

static void release(void)
{
    ck_assert_int_eq(write(release_pipe[1], "x", 1), 1);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Wait up to 3 s for *v to reach want. */
static bool wait_for(_Atomic int *v, int want)
{
    int i;

    for (i = 0; i < 300 && *v != want; i++)
        usleep(10000);
    return *v == want;
}

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

/* ---- resolving a name on the resolver thread ---- */

START_TEST(resolve_slow_name_start_returns_at_once_fd_wakes_later)
{
    struct timespec t0;
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("localhost", port, false, NULL, false);
    struct pollfd p;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_lt(ms_since(&t0), 500); /* the resolver sleeps until release() */
    ck_assert(transport_resolving(t));
    ck_assert(!transport_tcp_connected(t));
    ck_assert_int_eq(transport_poll_events(t), POLLIN);
    p = (struct pollfd){.fd = transport_fd(t), .events = POLLIN};
    ck_assert_int_ge(p.fd, 0);
    ck_assert_int_eq(poll(&p, 1, 200), 0);         /* no answer yet */
    ck_assert_int_eq(transport_progress(t, 0), 0); /* still resolving */
    ck_assert_int_eq(transport_read(t, &p, 1), T_AGAIN);
    ck_assert_str_eq(logbuf, "");

    release();
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1); /* the answer wakes the caller's poll() */
    ck_assert_int_eq(transport_progress(t, p.revents), 0);
    ck_assert(!transport_resolving(t));
    ck_assert_int_eq(transport_poll_events(t), POLLOUT); /* a connect() is in flight */
    ck_assert_int_eq(drive_started(t), 1);
    ck_assert_ptr_nonnull(strstr(logbuf, "resolved localhost to "));
    ck_assert_int_eq(resolver_calls, 1);
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(resolve_free_during_lookup_returns_at_once_and_cleans_up)
{
    struct timespec t0;
    int fds0 = count_fds(), i;
    struct transport *t = new_transport("localhost", 9, false, NULL, false);

    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(count_fds(), fds0 + 2); /* the resolver's pipe */
    ck_assert(wait_for(&resolver_calls, 1)); /* the thread is inside the lookup */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    transport_free(t);
    ck_assert_int_lt(ms_since(&t0), 100);
    ck_assert_int_eq(resolver_done, 0); /* it did not wait for the lookup */

    /* The abandoned thread finishes on its own and frees the answer and the pipe (ASan would
     * name a leak or a use after free here). */
    release();
    ck_assert(wait_for(&resolver_done, 1));
    for (i = 0; i < 300 && count_fds() != fds0; i++)
        usleep(10000);
    ck_assert_int_eq(count_fds(), fds0);
}
END_TEST

START_TEST(resolve_unknown_name_is_resolve_error_from_progress)
{
    struct transport *t = new_transport("nowhere.test", 80, false, NULL, false);
    char want[128];

    resolve_set_function(nxdomain_resolver);
    ck_assert_int_eq(transport_start(t), 0);
    ck_assert_int_eq(drive_started(t), T_ERR_RESOLVE);
    snprintf(want, sizeof want, "could not resolve host 'nowhere.test': %s",
             gai_strerror(EAI_NONAME));
    ck_assert_str_eq(transport_error(t), want);
    ck_assert_int_eq(transport_fd(t), -1);
    ck_assert_int_eq(transport_progress(t, POLLIN), T_ERR_RESOLVE); /* the error sticks */
    ck_assert_int_eq(transport_read(t, want, 1), T_ERR_RESET);
    transport_free(t);
}
END_TEST

START_TEST(resolve_system_error_keeps_the_threads_errno)
{
    struct transport *t = new_transport("nowhere.test", 80, false, NULL, false);

    resolve_set_function(emfile_resolver);
    ck_assert_int_eq(drive(t), T_ERR_RESOLVE);
    ck_assert_str_eq(transport_error(t),
                     "could not resolve host 'nowhere.test': Too many open files");
    transport_free(t);
}
END_TEST

START_TEST(resolve_address_literal_needs_no_thread)
{
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_eq(transport_start(t), 0);
    ck_assert(!transport_resolving(t));
    ck_assert_int_eq(transport_poll_events(t), POLLOUT);
    ck_assert_int_eq(resolver_calls, 0);
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(resolve_thread_blocks_signals_caller_mask_unchanged)
{
    struct transport *t = new_transport("localhost", 9, false, NULL, false);
    sigset_t before, after;

    sigemptyset(&before);
    sigaddset(&before, SIGUSR1);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    release();
    ck_assert_int_eq(transport_start(t), 0);
    ck_assert(wait_for(&resolver_done, 1));
    ck_assert_int_eq(resolver_sigint_blocked, 1); /* SIGINT is for the main loop only */
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    ck_assert(sigismember(&after, SIGUSR1));
    ck_assert(!sigismember(&after, SIGINT));
    transport_free(t);
}
END_TEST

START_TEST(resolve_module_answer_after_release)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    struct resolve *r = resolve_start("localhost", "8080", &hints);
    struct pollfd p;
    int err = 0;

    ck_assert_ptr_nonnull(r);
    p = (struct pollfd){.fd = resolve_fd(r), .events = POLLIN};
    ck_assert_int_eq(resolve_result(r, &res, &err), RESOLVE_AGAIN);
    ck_assert_ptr_null(res);
    release();
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
    ck_assert_int_eq(resolve_result(r, &res, &err), 0);
    ck_assert_ptr_nonnull(res);
    ck_assert_int_eq(ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port), 8080);
    freeaddrinfo(res);
    resolve_free(r);
    resolve_free(NULL);
}
END_TEST

/* ---- the socket layer on its own ---- */

START_TEST(sock_layer_connects_reads_writes_describes)
{
    struct layer_env env = {.log = log_line};
    char buf[32], want[64];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct layer *l = sock_new_tcp(&env, "127.0.0.1", port);
    struct pollfd p;
    int sfd, r;

    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(sock_fd(l), -1);
    l->ops->describe(l, buf, sizeof buf);
    snprintf(want, sizeof want, "TCP to 127.0.0.1 port %u", port);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(l->ops->connect(l, 0), 0);
    p = (struct pollfd){.fd = sock_fd(l), .events = l->ops->poll_events(l)};
    ck_assert_int_eq(p.events, POLLOUT);
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
    r = l->ops->connect(l, p.revents);
    ck_assert_int_eq(r, 1);
    ck_assert_int_eq(l->ops->poll_events(l), 0);
    l->ops->describe(l, buf, sizeof buf);
    snprintf(want, sizeof want, "TCP 127.0.0.1:%u", port);
    ck_assert_str_eq(buf, want);
    ck_assert_str_eq(sock_peer(l), want + 4);

    sfd = accept_timed(lfd);
    ck_assert_int_eq(l->ops->write(l, "hi", 2), 2);
    ck_assert_int_eq(recv(sfd, buf, 2, MSG_WAITALL), 2);
    ck_assert_int_eq(l->ops->read(l, buf, sizeof buf), T_AGAIN);
    ck_assert_int_eq(send(sfd, "yo", 2, 0), 2);
    p = (struct pollfd){.fd = sock_fd(l), .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
    ck_assert_int_eq(l->ops->read(l, buf, sizeof buf), 2);
    ck_assert(!l->ops->pending(l));
    l->ops->shutdown(l);
    ck_assert_int_eq(recv(sfd, buf, sizeof buf, 0), 0); /* our FIN */
    l->ops->destroy(l);
    close(sfd);
    close(lfd);
}
END_TEST

START_TEST(describe_plain_stack_names_the_peer)
{
    char want[64], got[256];
    uint16_t port;
    int lfd = loopback_socket(AF_INET, true, &port);
    struct transport *t = new_transport("127.0.0.1", port, false, NULL, false);

    ck_assert_int_eq(drive(t), 1);
    transport_describe(t, got, sizeof got);
    snprintf(want, sizeof want, "TCP 127.0.0.1:%u", port);
    ck_assert_str_eq(got, want);
    transport_free(t);
    close(lfd);
}
END_TEST

static Suite *transport_suite(void)
{
    Suite *s = suite_create("transport");
    TCase *tc;

    tc = tcase_create("transport_new");
    tcase_add_test(tc, new_is_idle_until_started);
    tcase_add_test(tc, new_copies_config_strings);
    tcase_add_test(tc, free_null_is_noop);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_start");
    tcase_add_test(tc, start_logs_resolved_address_and_attempt);
    tcase_add_test(tc, start_twice_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("resolve");
    tcase_add_checked_fixture(tc, slow_setup, slow_teardown);
    tcase_add_test(tc, resolve_slow_name_start_returns_at_once_fd_wakes_later);
    tcase_add_test(tc, resolve_free_during_lookup_returns_at_once_and_cleans_up);
    tcase_add_test(tc, resolve_unknown_name_is_resolve_error_from_progress);
    tcase_add_test(tc, resolve_system_error_keeps_the_threads_errno);
    tcase_add_test(tc, resolve_address_literal_needs_no_thread);
    tcase_add_test(tc, resolve_thread_blocks_signals_caller_mask_unchanged);
    tcase_add_test(tc, resolve_module_answer_after_release);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_progress");
    tcase_add_test(tc, progress_refused_port_is_connect_error);
    tcase_add_test(tc, progress_refused_ipv6_names_bracketed_address);
    tcase_add_test(tc, progress_plain_connect_sets_peer);
    tcase_add_test(tc, progress_spurious_wakeup_keeps_connecting);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_read");
    tcase_add_test(tc, read_plain_echo_ipv4);
    tcase_add_test(tc, read_plain_echo_ipv6);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_write");
    tcase_add_test(tc, write_plain_after_peer_close_is_reset_not_sigpipe);
    tcase_add_test(tc, write_before_connected_is_again);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_shutdown");
    tcase_add_test(tc, shutdown_plain_sends_fin_and_still_reads);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_describe");
    tcase_add_test(tc, describe_plain_stack_names_the_peer);
    suite_add_tcase(s, tc);

    tc = tcase_create("sock");
    tcase_add_test(tc, sock_layer_connects_reads_writes_describes);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(transport_suite)
