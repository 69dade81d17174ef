/*
 * Tests for transport and its lower layers: real sockets on loopback only (listeners opened by
 * the test itself). Covers the stack builder (transport.c) and the socket layer (sock.c). The
 * resolver thread has check_resolve.c, the TLS layer check_tls.c.
 */
#include "check_transport.h"

#include "layer.h"
#include "sock.h"

#include <signal.h>

/* ---- transport_new / transport_free ---- */

START_TEST(new_is_idle_until_started)
{
    struct transport *t = new_transport("localhost", 80, false, NULL, false);

    ck_assert_int_eq(transport_fd(t), -1);
    ck_assert_int_eq(transport_poll_events(t, true), 0);
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
    ck_assert_int_eq(transport_poll_events(t, true), POLLOUT);
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
    ck_assert_int_eq(transport_poll_events(t, true), 0);
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
    p = (struct pollfd){.fd = sock_fd(l), .events = l->ops->poll_events(l, true)};
    ck_assert_int_eq(p.events, POLLOUT);
    ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
    r = l->ops->connect(l, p.revents);
    ck_assert_int_eq(r, 1);
    ck_assert_int_eq(l->ops->poll_events(l, true), 0);
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
