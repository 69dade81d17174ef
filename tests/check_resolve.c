/*
 * Tests for resolving host names off the loop (resolve.c, and how sock.c and the transport use
 * it): a resolver installed by the test (resolve_set_function) waits until the test releases it,
 * so a slow DNS lookup can be watched from the caller's side. Only loopback names are looked up.
 */
#include "check_transport.h"

#include "resolve.h"

#include <dirent.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>

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
    ck_assert_int_eq(transport_poll_events(t, true), POLLIN);
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
    ck_assert_int_eq(transport_poll_events(t, true), POLLOUT); /* a connect() is in flight */
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
    ck_assert_int_eq(transport_poll_events(t, true), POLLOUT);
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
    int err = 0, rc = -12345;

    ck_assert_ptr_nonnull(r);
    p = (struct pollfd){.fd = resolve_fd(r), .events = POLLIN};
    ck_assert(!resolve_result(r, &rc, &res, &err));
    ck_assert_int_eq(rc, -12345);
    ck_assert_ptr_null(res);
    release();
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
    ck_assert(resolve_result(r, &rc, &res, &err));
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(res);
    ck_assert_int_eq(ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port), 8080);
    freeaddrinfo(res);
    resolve_free(r);
    resolve_free(NULL);
}
END_TEST

/* A code of 1 is an answer like any other (EAI_ADDRFAMILY on the BSDs), not "still running". */
static int eai_one_resolver(const char *host, const char *service, const struct addrinfo *hints,
                            struct addrinfo **res)
{
    (void)host, (void)service, (void)hints, (void)res;
    return 1;
}

START_TEST(resolve_result_code_one_is_an_answer)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int err = 0, rc = 0;

    resolve_set_function(eai_one_resolver);
    struct resolve *r = resolve_start("localhost", "8080", &hints);
    ck_assert_ptr_nonnull(r);
    struct pollfd p = {.fd = resolve_fd(r), .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
    ck_assert(resolve_result(r, &rc, &res, &err));
    ck_assert_int_eq(rc, 1);
    ck_assert_ptr_null(res);
    resolve_free(r);
}
END_TEST

/* Lookups that never answer and are let go of (a reconnect loop against a dead DNS server)
 * stop at RESOLVE_MAX_ABANDONED: the next one fails at once with EBUSY instead of adding a
 * thread and a pipe; once they return, lookups start again. */
START_TEST(resolve_abandoned_lookups_are_capped)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    int i, fds0 = count_fds();

    ck_assert_int_eq(resolve_abandoned(), 0);
    for (i = 0; i < RESOLVE_MAX_ABANDONED; i++) {
        struct resolve *r = resolve_start("localhost", "8080", &hints);
        ck_assert_ptr_nonnull(r);
        resolve_free(r);
    }
    ck_assert_int_eq(resolve_abandoned(), RESOLVE_MAX_ABANDONED);
    errno = 0;
    ck_assert_ptr_null(resolve_start("localhost", "8080", &hints));
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(count_fds(), fds0 + 2 * RESOLVE_MAX_ABANDONED); /* no new pipe */

    /* Through the transport: a clear resolve error, not "out of memory". */
    struct transport *t = new_transport("localhost", 9, false, NULL, false);
    ck_assert_int_eq(transport_start(t), T_ERR_RESOLVE);
    ck_assert_ptr_nonnull(strstr(transport_error(t), "still waiting for the DNS server"));
    transport_free(t);

    release();
    for (i = 0; i < 300 && resolve_abandoned() > 0; i++)
        usleep(10000);
    ck_assert_int_eq(resolve_abandoned(), 0);
    struct resolve *r = resolve_start("localhost", "8080", &hints);
    ck_assert_ptr_nonnull(r);
    resolve_free(r);
}
END_TEST

static Suite *resolve_suite(void)
{
    Suite *s = suite_create("resolve");
    TCase *tc;

    tc = tcase_create("resolve");
    tcase_add_checked_fixture(tc, slow_setup, slow_teardown);
    tcase_add_test(tc, resolve_slow_name_start_returns_at_once_fd_wakes_later);
    tcase_add_test(tc, resolve_free_during_lookup_returns_at_once_and_cleans_up);
    tcase_add_test(tc, resolve_unknown_name_is_resolve_error_from_progress);
    tcase_add_test(tc, resolve_system_error_keeps_the_threads_errno);
    tcase_add_test(tc, resolve_address_literal_needs_no_thread);
    tcase_add_test(tc, resolve_thread_blocks_signals_caller_mask_unchanged);
    tcase_add_test(tc, resolve_module_answer_after_release);
    tcase_add_test(tc, resolve_result_code_one_is_an_answer);
    tcase_add_test(tc, resolve_abandoned_lookups_are_capped);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(resolve_suite)
