/*
 * The transport with a proxy (check_proxy.c includes this once): a scripted proxy in a forked
 * child on 127.0.0.1 that checks the request it gets, answers, then echoes; the stack and its
 * describe(); the proxy's own failures (down: T_ERR_PROXY_CONNECT, unknown name:
 * T_ERR_PROXY_RESOLVE) with texts that name it and never its password.
 */
#ifndef WSC_CHECK_PROXY_TRANSPORT_H
#define WSC_CHECK_PROXY_TRANSPORT_H

#include <signal.h>
#include <sys/wait.h>

enum px_mode { PXS_HTTP_200, PXS_HTTP_403, PXS_SOCKS5 };

/* Read exactly n bytes, or exit(code). */
static void child_read(int fd, void *p, size_t n, int code)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r <= 0)
            _exit(code);
        got += (size_t)r;
    }
}

/* The proxy child: checks the request byte for byte (exit 20+ when it differs), answers, then
 * echoes until EOF and exits 0. */
static void px_child(int lfd, enum px_mode mode, const void *want, size_t wn)
{
    char buf[4096];
    ssize_t r;
    int fd;

    alarm(5);
    signal(SIGPIPE, SIG_IGN);
    fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        _exit(10);
    if (mode == PXS_SOCKS5) {
        child_read(fd, buf, 3, 21);
        if (memcmp(buf, "\x05\x01\x00", 3) != 0)
            _exit(22);
        if (write(fd, "\x05\x00", 2) != 2)
            _exit(23);
    }
    child_read(fd, buf, wn, 24);
    if (memcmp(buf, want, wn) != 0)
        _exit(25);
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    static const char no[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    if (mode == PXS_SOCKS5)
        r = write(fd, "\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50", 10);
    else if (mode == PXS_HTTP_200)
        r = write(fd, ok, strlen(ok));
    else
        r = write(fd, no, strlen(no));
    if (r <= 0)
        _exit(26);
    while ((r = read(fd, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)r) != r)
            _exit(27);
    _exit(0);
}

static pid_t start_px(enum px_mode mode, const void *want, size_t wn, uint16_t *port)
{
    int lfd = loopback_socket(AF_INET, true, port);
    pid_t pid;

    ck_assert_int_ge(lfd, 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        px_child(lfd, mode, want, wn);
    close(lfd);
    return pid;
}

static int reap_px(pid_t pid)
{
    int st;

    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static struct transport *px_transport(const struct proxy_spec *sp, const char *host, uint16_t port)
{
    struct transport_config cfg = {.host = host, .port = port, .proxy = sp, .log = log_line};
    struct transport *t;

    logbuf[0] = '\0';
    t = transport_new(&cfg);
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(transport_http_proxy_tunnel_and_describe)
{
    static const char want[] = "CONNECT ws.test:80 HTTP/1.1\r\nHost: ws.test:80\r\n\r\n";
    struct proxy_spec sp = {.type = PROXY_HTTP, .host = "127.0.0.1"};
    struct transport *t;
    char d[512], exp[128], buf[8];
    pid_t pid = start_px(PXS_HTTP_200, want, strlen(want), &sp.port);

    t = px_transport(&sp, "ws.test", 80);
    ck_assert_int_eq(drive(t), 1);
    transport_describe(t, d, sizeof d);
    snprintf(exp, sizeof exp, "TCP 127.0.0.1:%u | HTTP proxy 127.0.0.1:%u, tunnel to ws.test:80",
             sp.port, sp.port);
    ck_assert_str_eq(d, exp);
    ck_assert_int_eq(transport_write(t, "ping", 4), 4);
    ck_assert_int_eq(read_some(t, buf, sizeof buf), 4);
    ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
    transport_shutdown(t);
    ck_assert_int_eq(reap_px(pid), 0);
    transport_free(t);
}
END_TEST

START_TEST(transport_http_proxy_403_is_proxy_error)
{
    static const char want[] = "CONNECT ws.test:80 HTTP/1.1\r\nHost: ws.test:80\r\n"
                               "Proxy-Authorization: Basic Ym9iOnMzY3JldFBX\r\n\r\n";
    struct proxy_spec sp = {
        .type = PROXY_HTTP, .host = "127.0.0.1", .has_auth = true, .user = "bob", .pass = PASSWORD};
    struct transport *t;
    char exp[160];
    pid_t pid = start_px(PXS_HTTP_403, want, strlen(want), &sp.port);

    t = px_transport(&sp, "ws.test", 80);
    ck_assert_int_eq(drive(t), T_ERR_PROXY);
    snprintf(exp, sizeof exp,
             "HTTP proxy 127.0.0.1:%u refused the tunnel to ws.test:80: HTTP/1.1 403 Forbidden",
             sp.port);
    ck_assert_str_eq(transport_error(t), exp);
    ck_assert_ptr_null(strstr(logbuf, PASSWORD));
    transport_free(t);
    reap_px(pid);
}
END_TEST

/* socks5:// looks the name up on a thread: the transport's fd is that lookup's pipe meanwhile
 * (drive() polls only transport_fd(), so the tunnel could not open otherwise). */
START_TEST(transport_socks5_polls_the_lookup_then_the_socket)
{
    static const uint8_t want[] = {5, 1, 0, 1, 127, 0, 0, 2, 0x1f, 0x90};
    struct proxy_spec sp = {.type = PROXY_SOCKS5, .host = "127.0.0.1"};
    struct transport *t;
    char buf[8];
    pid_t pid = start_px(PXS_SOCKS5, want, sizeof want, &sp.port);

    resolve_set_function(fake_gai);
    t = px_transport(&sp, "ws.test", 8080);
    ck_assert_int_eq(drive(t), 1);
    resolve_set_function(NULL);
    ck_assert_ptr_nonnull(strstr(logbuf, "resolved ws.test to 127.0.0.2 (for the SOCKS5 proxy)"));
    ck_assert_int_eq(transport_write(t, "ping", 4), 4);
    ck_assert_int_eq(read_some(t, buf, sizeof buf), 4);
    transport_shutdown(t);
    ck_assert_int_eq(reap_px(pid), 0);
    transport_free(t);
}
END_TEST

START_TEST(transport_proxy_down_is_proxy_connect_error)
{
    struct proxy_spec sp = {.type = PROXY_HTTP, .host = "127.0.0.1"};
    int lfd = loopback_socket(AF_INET, false, &sp.port); /* bound, not listening: refuses */
    struct transport *t;
    char exp[128];

    t = px_transport(&sp, "ws.test", 80);
    ck_assert_int_eq(drive(t), T_ERR_PROXY_CONNECT);
    snprintf(exp, sizeof exp, "127.0.0.1:%u: connection refused", sp.port);
    ck_assert_str_eq(transport_error(t), exp);
    transport_free(t);
    close(lfd);
}
END_TEST

START_TEST(transport_proxy_name_unknown_is_proxy_resolve_error)
{
    struct proxy_spec sp = {.type = PROXY_SOCKS5H,
                            .host = "px.test",
                            .port = 1080,
                            .has_auth = true,
                            .user = "bob",
                            .pass = PASSWORD};
    struct transport *t;

    resolve_set_function(fake_gai);
    t = px_transport(&sp, "ws.test", 80);
    ck_assert_int_eq(drive(t), T_ERR_PROXY_RESOLVE);
    resolve_set_function(NULL);
    ck_assert_str_eq(transport_error(t),
                     "could not resolve proxy 'px.test': Name or service not known");
    transport_free(t);
}
END_TEST

START_TEST(transport_https_proxy_bad_cacert_is_config_error)
{
    struct proxy_spec sp = {
        .type = PROXY_HTTPS, .host = "127.0.0.1", .port = 1, .cacert = "/nonexistent/proxy-ca.pem"};
    struct transport *t = px_transport(&sp, "ws.test", 80);

    ck_assert_int_eq(transport_start(t), T_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(transport_error(t), "/nonexistent/proxy-ca.pem"));
    transport_free(t);
}
END_TEST

static void proxy_transport_tcases(Suite *s)
{
    TCase *tc = tcase_create("transport");
    tcase_add_test(tc, transport_http_proxy_tunnel_and_describe);
    tcase_add_test(tc, transport_http_proxy_403_is_proxy_error);
    tcase_add_test(tc, transport_socks5_polls_the_lookup_then_the_socket);
    tcase_add_test(tc, transport_proxy_down_is_proxy_connect_error);
    tcase_add_test(tc, transport_proxy_name_unknown_is_proxy_resolve_error);
    tcase_add_test(tc, transport_https_proxy_bad_cacert_is_config_error);
    suite_add_tcase(s, tc);
}

#endif
