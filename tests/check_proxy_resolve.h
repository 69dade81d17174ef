/*
 * socks5://'s own lookup of the server's name (check_proxy.c includes this once): --resolve
 * answers it and -4/-6 filter it, as for a direct connection; and the layer freed in the middle
 * of a slow lookup returns at once, the resolver's thread cleaning up after itself.
 */
#ifndef WSC_CHECK_PROXY_RESOLVE_H
#define WSC_CHECK_PROXY_RESOLVE_H

#include <dirent.h>
#include <time.h>

static int gai_calls, gai_family = -1;
static int slow_entered, slow_release;

/* Counts the calls and the family asked for; answers 127.0.0.2 for ws.test whatever it was. */
static int counting_gai(const char *host, const char *serv, const struct addrinfo *hints,
                        struct addrinfo **res)
{
    struct addrinfo h = *hints;

    __atomic_add_fetch(&gai_calls, 1, __ATOMIC_SEQ_CST);
    gai_family = hints->ai_family;
    if (strcmp(host, "ws.test") != 0)
        return EAI_NONAME;
    h.ai_family = AF_UNSPEC;
    h.ai_flags |= AI_NUMERICHOST;
    return getaddrinfo("127.0.0.2", serv, &h, res);
}

static struct layer *new_px_net(const char *host, uint16_t port, const struct sock_settings *net)
{
    struct proxy_spec sp = spec_of(PROXY_SOCKS5, false);
    struct layer *px = proxy_new(&env, &below.base, &sp, net, host, port);

    ck_assert_ptr_nonnull(px);
    gai_calls = 0, gai_family = -1;
    resolve_set_function(counting_gai);
    script_reset(false);
    return px;
}

START_TEST(socks5_resolve_entry_answers_the_lookup)
{
    static const char *const entries[] = {"ws.test:8080:127.0.0.3"};
    static const uint8_t want[] = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 3, 0x1f, 0x90};
    struct sock_settings net = {.resolve = entries, .nresolve = 1};
    struct layer *px = new_px_net("ws.test", 8080, &net);

    script_add(3, "\x05\x00", 2);
    script_add(sizeof want, s5_ok_v4, sizeof s5_ok_v4);
    ck_assert_int_eq(connect_polling(px), 1);
    resolve_set_function(NULL);
    ck_assert_int_eq(gai_calls, 0); /* no lookup: --resolve said it */
    ck_assert_uint_eq(below.sent_len, sizeof want);
    ck_assert_int_eq(memcmp(below.sent, want, sizeof want), 0);
    ck_assert_ptr_nonnull(
        strstr(logbuf, "resolved ws.test to 127.0.0.3 (--resolve, for the SOCKS5"));
    px->ops->destroy(px);
}
END_TEST

START_TEST(socks5_family_filters_resolve_entry)
{
    static const char *const entries[] = {"ws.test:80:[::1],127.0.0.3"};
    static const uint8_t want4[] = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 3, 0, 80};
    struct sock_settings net = {.resolve = entries, .nresolve = 1, .family = 4};
    struct layer *px = new_px_net("ws.test", 80, &net);

    script_add(3, "\x05\x00", 2);
    script_add(sizeof want4, s5_ok_v4, sizeof s5_ok_v4);
    ck_assert_int_eq(connect_polling(px), 1); /* -4: ::1 is skipped */
    ck_assert_int_eq(memcmp(below.sent, want4, sizeof want4), 0);
    px->ops->destroy(px);

    static const char *const only4[] = {"ws.test:80:127.0.0.3"};
    net = (struct sock_settings){.resolve = only4, .nresolve = 1, .family = 6};
    px = new_px_net("ws.test", 80, &net);
    ck_assert_int_eq(connect_polling(px), T_ERR_RESOLVE);
    resolve_set_function(NULL);
    ck_assert_str_eq(env.err, "could not resolve host 'ws.test': no IPv6 address (-6)");
    ck_assert_int_eq(gai_calls, 0);
    ck_assert_uint_eq(below.sent_len, 0);
    px->ops->destroy(px);
}
END_TEST

START_TEST(socks5_family_filters_the_lookup)
{
    struct sock_settings net = {.family = 6};
    struct layer *px = new_px_net("ws.test", 80, &net);

    ck_assert_int_eq(connect_polling(px), T_ERR_RESOLVE); /* only 127.0.0.2 came back */
    resolve_set_function(NULL);
    ck_assert_int_eq(gai_calls, 1);
    ck_assert_int_eq(gai_family, AF_INET6); /* -6 asks for IPv6 only */
    ck_assert_str_eq(env.err, "could not resolve host 'ws.test': no IPv6 address (-6)");
    ck_assert_uint_eq(below.sent_len, 0);
    px->ops->destroy(px);

    net.family = 4;
    px = new_px_net("ws.test", 80, &net);
    script_add(3, "\x05\x00", 2);
    script_add(13, s5_ok_v4, sizeof s5_ok_v4);
    ck_assert_int_eq(connect_polling(px), 1);
    resolve_set_function(NULL);
    ck_assert_int_eq(gai_family, AF_INET);
    px->ops->destroy(px);
}
END_TEST

/* Blocks until slow_release, like a DNS server that does not answer. */
static int slow_gai(const char *host, const char *serv, const struct addrinfo *hints,
                    struct addrinfo **res)
{
    __atomic_store_n(&slow_entered, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&slow_release, __ATOMIC_SEQ_CST))
        usleep(1000);
    return fake_gai(host, serv, hints, res);
}

static int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

START_TEST(socks5_destroyed_during_lookup)
{
    struct proxy_spec sp = spec_of(PROXY_SOCKS5, false);
    int fds0 = fd_count(), ab0 = resolve_abandoned(), i;
    struct layer *px;
    struct timespec t0, t1;

    slow_entered = slow_release = 0;
    resolve_set_function(slow_gai);
    script_reset(false);
    px = proxy_new(&env, &below.base, &sp, NULL, "ws.test", 80);
    ck_assert_int_eq(px->ops->connect(px, 0), 0);
    ck_assert_int_ge(px->ops->poll_fd(px), 0); /* the lookup's pipe */
    for (i = 0; i < 500 && !__atomic_load_n(&slow_entered, __ATOMIC_SEQ_CST); i++)
        usleep(10000);
    ck_assert(slow_entered); /* the thread is inside the lookup */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    px->ops->destroy(px);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 100);
    ck_assert_int_eq(resolve_abandoned(), ab0 + 1);
    ck_assert_uint_eq(below.sent_len, 0);

    __atomic_store_n(&slow_release, 1, __ATOMIC_SEQ_CST);
    for (i = 0; i < 300 && (resolve_abandoned() != ab0 || fd_count() != fds0); i++)
        usleep(10000);
    resolve_set_function(NULL);
    ck_assert_int_eq(resolve_abandoned(), ab0);
    ck_assert_int_eq(fd_count(), fds0);
}
END_TEST

static void add_resolve_tests(TCase *tc)
{
    tcase_add_test(tc, socks5_resolve_entry_answers_the_lookup);
    tcase_add_test(tc, socks5_family_filters_resolve_entry);
    tcase_add_test(tc, socks5_family_filters_the_lookup);
    tcase_add_test(tc, socks5_destroyed_during_lookup);
}

#endif
