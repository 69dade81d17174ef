/*
 * Tests for the TLS layer (tls.c) through the transport, and over a layer of the test's own to
 * show that TLS only talks to the layer below it. The TLS peer is a small OpenSSL server in a
 * forked child on 127.0.0.1, using a CA and server certificates made with the openssl CLI into
 * a temporary directory when the suite is built.
 */
#include "check_tls.h"

#include "layer.h"
#include "sock.h"
#include "tls.h"

/* ---- tests ---- */

START_TEST(start_unreadable_cacert_is_config_error)
{
    struct transport *t = new_transport("127.0.0.1", 1, true, "/nonexistent/ca.pem", false);

    ck_assert_int_eq(transport_start(t), T_ERR_CONFIG);
    ck_assert_str_eq(transport_error(t), "cannot load CA certificates from '/nonexistent/ca.pem': "
                                         "No such file or directory");
    ck_assert_int_eq(transport_fd(t), -1); /* nothing was sent anywhere */
    transport_free(t);
}
END_TEST

START_TEST(progress_tls_verified_with_cacert)
{
    struct transport *t;
    pid_t pid;
    const char *info;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_ECHO, true, false, &t, &pid), 1);
    info = transport_tls_info(t);
    ck_assert_msg(strncmp(info, "TLSv1.", 6) == 0, "got '%s'", info);
    ck_assert_msg(strstr(info, ", subject CN=localhost, issuer CN=wsc Test CA") != NULL, "got '%s'",
                  info);
    ck_assert_ptr_nonnull(strstr(logbuf, "server certificate verified for 'localhost'"));
    transport_free(t); /* sends close_notify */
    ck_assert_int_eq(reap(pid), 0);
}
END_TEST

START_TEST(progress_tls_verified_ip_literal)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("127.0.0.1", "good", SRV_ECHO, true, false, &t, &pid), 1);
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_system_store_rejects_test_ca)
{
    struct transport *t;
    pid_t pid;
    const char *e;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_ECHO, false, false, &t, &pid),
                     T_ERR_VERIFY);
    e = transport_error(t);
    ck_assert_msg(strcmp(e, "certificate verify failed: unable to get local issuer certificate") ==
                          0 ||
                      strstr(e, "self-signed") != NULL,
                  "got '%s'", e);
    ck_assert(transport_tcp_connected(t));
    ck_assert(!transport_ready(t));
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_wrong_host_name_is_verify_error)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "other", SRV_ECHO, true, false, &t, &pid),
                     T_ERR_VERIFY);
    ck_assert_str_eq(transport_error(t),
                     "certificate verify failed: hostname mismatch: 'localhost' "
                     "is not a name of CN=other.test");
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_wrong_ip_is_verify_error)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("127.0.0.1", "other", SRV_ECHO, true, false, &t, &pid),
                     T_ERR_VERIFY);
    ck_assert_str_eq(transport_error(t),
                     "certificate verify failed: IP address mismatch: '127.0.0.1' "
                     "is not a name of CN=other.test");
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_insecure_accepts_wrong_name_and_unknown_ca)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "other", SRV_ECHO, false, true, &t, &pid), 1);
    ck_assert_ptr_nonnull(strstr(transport_tls_info(t), "subject CN=other.test"));
    ck_assert_ptr_nonnull(strstr(logbuf, "not verified"));
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_server_hangs_up_in_handshake_is_tls_error)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_HANGUP, true, false, &t, &pid),
                     T_ERR_TLS);
    ck_assert_str_eq(transport_error(t), "connection closed");
    ck_assert_ptr_nonnull(strstr(logbuf, "TLS handshake failed: connection closed\n"));
    transport_free(t);
    reap(pid);
}
END_TEST

/* Defect 9: the reason once (the caller adds "TLS handshake failed: "), with a hint that the
 * port speaks plain ws://. */
START_TEST(progress_tls_to_plain_server_hints_at_ws_port)
{
    struct transport *t;
    pid_t pid;
    const char *once;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_PLAINTEXT, true, false, &t, &pid),
                     T_ERR_TLS);
    ck_assert_str_eq(transport_error(t), "wrong version number (is this a plain ws:// port?)");
    once = strstr(logbuf, "TLS handshake failed: wrong version number (is this a plain ws:// "
                          "port?)\n");
    ck_assert_ptr_nonnull(once);
    ck_assert_ptr_null(strstr(once + 1, "TLS handshake failed"));
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_reset_in_handshake_keeps_the_sockets_reason)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_RESET, true, false, &t, &pid), T_ERR_TLS);
    ck_assert_str_eq(transport_error(t), "Connection reset by peer");
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(describe_tls_stack_names_both_layers)
{
    char want[64], got[512];
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("127.0.0.1", "good", SRV_ECHO, true, false, &t, &pid), 1);
    transport_describe(t, got, sizeof got);
    snprintf(want, sizeof want, "TCP %s | TLSv1.", transport_peer(t));
    ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "got '%s'", got);
    ck_assert_ptr_nonnull(strstr(got, transport_tls_info(t)));
    transport_free(t);
    reap(pid);
}
END_TEST

/* ---- the TLS layer over a layer of the test's own (where a proxy will go) ---- */

struct counter {
    struct layer base;
    long in, out; /* bytes that went through */
};

static int counter_connect(struct layer *l, short revents)
{
    (void)l, (void)revents;
    return 1;
}

static long counter_read(struct layer *l, void *p, size_t n)
{
    long r = l->below->ops->read(l->below, p, n);
    if (r > 0)
        ((struct counter *)l)->in += r;
    return r;
}

static long counter_write(struct layer *l, const void *p, size_t n)
{
    long r = l->below->ops->write(l->below, p, n);
    if (r > 0)
        ((struct counter *)l)->out += r;
    return r;
}

static bool counter_pending(const struct layer *l)
{
    (void)l;
    return false;
}

static short counter_poll_events(const struct layer *l, bool reading)
{
    (void)l, (void)reading;
    return 0;
}

static void counter_shutdown(struct layer *l)
{
    l->below->ops->shutdown(l->below);
}

static void counter_describe(const struct layer *l, char *out, size_t n)
{
    (void)l;
    snprintf(out, n, "counter");
}

static void counter_destroy(struct layer *l)
{
    (void)l; /* lives on the test's stack */
}

static const struct layer_ops counter_ops = {
    .name = "counter",
    .connect = counter_connect,
    .read = counter_read,
    .write = counter_write,
    .pending = counter_pending,
    .poll_events = counter_poll_events,
    .shutdown = counter_shutdown,
    .describe = counter_describe,
    .destroy = counter_destroy,
};

/* Connect one layer, polling the bottom's fd for what the layers ask. */
static int connect_layer(struct layer *l, struct layer *bottom, struct layer *top)
{
    struct timespec deadline;
    short revents = 0;
    int r;

    deadline_in(&deadline, TIMEOUT_MS);
    while ((r = l->ops->connect(l, revents)) == 0) {
        struct pollfd p = {.fd = sock_fd(bottom),
                           .events = (short)(bottom->ops->poll_events(bottom, true) |
                                             top->ops->poll_events(top, true))};
        if (ms_left(&deadline) <= 0)
            return TIMED_OUT;
        ck_assert_int_ne(p.events, 0);
        poll(&p, 1, (int)ms_left(&deadline));
        revents = p.revents;
    }
    return r;
}

START_TEST(tls_layer_runs_over_any_layer_below)
{
    struct layer_env env = {.log = log_line};
    struct counter c = {.base = {.ops = &counter_ops, .env = &env}};
    struct layer *sock, *tls;
    char ca[128], buf[8];
    uint16_t port;
    pid_t pid = start_server("good", SRV_ECHO, &port);
    long r;

    cert_path(ca, sizeof ca, "ca.pem");
    sock = sock_new_tcp(&env, "127.0.0.1", port);
    ck_assert_ptr_nonnull(sock);
    c.base.below = sock;
    struct tls_settings ts = {.cacert = ca};
    ck_assert_int_eq(tls_new(&tls, &env, &c.base, "localhost", &ts), 0);
    ck_assert_int_eq(connect_layer(sock, sock, tls), 1);
    ck_assert_int_eq(connect_layer(tls, sock, tls), 1);
    ck_assert_msg(c.in > 100 && c.out > 100, "handshake bytes through the layer below: %ld/%ld",
                  c.in, c.out);
    ck_assert_ptr_nonnull(strstr(tls_info(tls), "subject CN=localhost"));

    ck_assert_int_eq(tls->ops->write(tls, "ping", 4), 4);
    for (r = T_AGAIN; r == T_AGAIN;) {
        struct pollfd p = {.fd = sock_fd(sock), .events = POLLIN};
        ck_assert_int_eq(poll(&p, 1, TIMEOUT_MS), 1);
        r = tls->ops->read(tls, buf, sizeof buf);
    }
    ck_assert_int_eq(r, 4);
    ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
    tls->ops->shutdown(tls); /* close_notify, then down through the counter to the socket */
    ck_assert_int_eq(reap(pid), 0);
    tls->ops->destroy(tls);
    sock->ops->destroy(sock);
}
END_TEST

/* A tls_config is made once; layers made from it later read no file again (a reconnect after
 * the CA file went away still verifies the server). */
START_TEST(tls_config_shared_by_later_layers)
{
    struct layer_env env = {.log = log_line};
    struct tls_config *cfg = NULL;
    char ca[128], copy[160], err[512], cmd[400];

    cert_path(ca, sizeof ca, "ca.pem");
    snprintf(copy, sizeof copy, "%s.copy", ca);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", ca, copy);
    ck_assert_int_eq(system(cmd), 0);
    struct tls_settings ts = {.cacert = copy};
    ck_assert_int_eq(tls_config_new(&cfg, &ts, err, sizeof err), 0);
    ck_assert_int_eq(unlink(copy), 0);
    for (int i = 0; i < 2; i++) {
        struct layer *sock, *tls;
        uint16_t port;
        pid_t pid = start_server("good", SRV_ECHO, &port);
        /* the fields are ignored with a config: a missing file here would fail */
        struct tls_settings use = {.cacert = copy, .config = cfg};
        sock = sock_new_tcp(&env, "127.0.0.1", port);
        ck_assert_ptr_nonnull(sock);
        ck_assert_int_eq(tls_new(&tls, &env, sock, "localhost", &use), 0);
        if (i == 1)
            tls_config_free(cfg); /* the layer keeps its own reference */
        logbuf[0] = '\0';
        ck_assert_int_eq(connect_layer(sock, sock, tls), 1);
        ck_assert_int_eq(connect_layer(tls, sock, tls), 1);
        ck_assert_ptr_nonnull(strstr(logbuf, "server certificate verified for 'localhost'"));
        tls->ops->shutdown(tls);
        ck_assert_int_eq(reap(pid), 0);
        tls->ops->destroy(tls);
        sock->ops->destroy(sock);
    }
}
END_TEST

START_TEST(read_tls_echo_roundtrip_large)
{
    static char out[200000], in[200000];
    struct transport *t;
    pid_t pid;
    size_t i, done = 0, got = 0;

    for (i = 0; i < sizeof out; i++)
        out[i] = (char)(i * 7 + i / 251);
    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_ECHO, true, false, &t, &pid), 1);
    /* Interleave so that neither side's socket buffer fills while the other waits. */
    while (got < sizeof in) {
        struct pollfd p = {.fd = transport_fd(t),
                           .events = POLLIN | transport_poll_events(t, true)};
        long r;
        if (done < sizeof out) {
            r = transport_write(t, out + done, sizeof out - done);
            if (r > 0)
                done += (size_t)r;
            else
                ck_assert_int_eq(r, T_AGAIN);
            p.events |= POLLOUT;
        }
        r = transport_read(t, in + got, sizeof in - got);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        ck_assert_int_eq(r, T_AGAIN);
        if (!transport_has_pending(t))
            ck_assert_int_gt(poll(&p, 1, TIMEOUT_MS), 0);
    }
    ck_assert_int_eq(memcmp(in, out, sizeof in), 0);
    transport_shutdown(t);
    ck_assert_int_eq(read_some(t, in, sizeof in), 0); /* the server's close_notify */
    transport_free(t);
    ck_assert_int_eq(reap(pid), 0);
}
END_TEST

START_TEST(read_tls_fin_without_close_notify_is_eof)
{
    char buf[200];
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_SEND_100_FIN, true, false, &t, &pid), 1);
    read_exact(t, buf, 100);
    shutdown(transport_fd(t), SHUT_WR); /* lets the server go on to its bare FIN */
    ck_assert_int_eq(read_some(t, buf, sizeof buf), 0);
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(read_tls_close_notify_is_eof)
{
    char buf[16];
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_NOTIFY_ONLY, true, false, &t, &pid), 1);
    ck_assert_int_eq(read_some(t, buf, sizeof buf), 0);
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(write_tls_after_peer_close_is_reset_not_sigpipe)
{
    struct transport *t;
    pid_t pid;
    long r = 0;
    int i;

    signal(SIGPIPE, SIG_DFL);
    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_CLOSE_AT_ONCE, true, false, &t, &pid), 1);
    reap(pid);
    for (i = 0; i < 100 && r != T_ERR_RESET; i++) {
        r = transport_write(t, "data", 4);
        usleep(10000);
    }
    ck_assert_int_eq(r, T_ERR_RESET);
    transport_free(t); /* its close_notify attempt must not raise SIGPIPE either */
}
END_TEST

START_TEST(has_pending_after_partial_tls_read)
{
    char buf[100];
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_SEND_100_FIN, true, false, &t, &pid), 1);
    ck_assert_int_eq(read_some(t, buf, 10), 10); /* the whole 100-byte record is decrypted */
    ck_assert(transport_has_pending(t));
    ck_assert_int_eq(transport_read(t, buf, sizeof buf), 90); /* without poll() */
    ck_assert(!transport_has_pending(t));
    transport_free(t);
    reap(pid);
}
END_TEST

/* After an SSL_read() that wanted more bytes, TLS asks for POLLIN, but only of a caller that will
 * read: one that stopped reading (stdout backpressure) must not be woken by bytes it leaves in
 * the socket, or its loop spins (issue 7). */
START_TEST(want_read_not_asked_while_not_reading)
{
    char buf[16];
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_ECHO, true, false, &t, &pid), 1);
    ck_assert_int_eq(transport_read(t, buf, sizeof buf), T_AGAIN); /* nothing sent yet */
    ck_assert_int_eq(transport_poll_events(t, true), POLLIN);
    ck_assert_int_eq(transport_poll_events(t, false), 0);
    write_all(t, "ping", 4);
    read_exact(t, buf, 4); /* a read that succeeds: nothing wanted any more */
    ck_assert_int_eq(transport_poll_events(t, true), 0);
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(shutdown_tls_sends_close_notify)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_ECHO, true, false, &t, &pid), 1);
    write_all(t, "ping", 4);
    {
        char buf[4];
        read_exact(t, buf, 4);
    }
    transport_shutdown(t);
    ck_assert_int_eq(reap(pid), 0); /* the server saw close_notify (exit 3 otherwise) */
    transport_free(t);
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc;

    certs_ok = make_certs();

    tc = tcase_create("transport_start");
    tcase_add_test(tc, start_unreadable_cacert_is_config_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_progress");
    tcase_add_test(tc, progress_tls_verified_with_cacert);
    tcase_add_test(tc, progress_tls_verified_ip_literal);
    tcase_add_test(tc, progress_tls_system_store_rejects_test_ca);
    tcase_add_test(tc, progress_tls_wrong_host_name_is_verify_error);
    tcase_add_test(tc, progress_tls_wrong_ip_is_verify_error);
    tcase_add_test(tc, progress_tls_insecure_accepts_wrong_name_and_unknown_ca);
    tcase_add_test(tc, progress_tls_server_hangs_up_in_handshake_is_tls_error);
    tcase_add_test(tc, progress_tls_to_plain_server_hints_at_ws_port);
    tcase_add_test(tc, progress_tls_reset_in_handshake_keeps_the_sockets_reason);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_read");
    tcase_add_test(tc, read_tls_echo_roundtrip_large);
    tcase_add_test(tc, read_tls_fin_without_close_notify_is_eof);
    tcase_add_test(tc, read_tls_close_notify_is_eof);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_write");
    tcase_add_test(tc, write_tls_after_peer_close_is_reset_not_sigpipe);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_has_pending");
    tcase_add_test(tc, has_pending_after_partial_tls_read);
    tcase_add_test(tc, want_read_not_asked_while_not_reading);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_shutdown");
    tcase_add_test(tc, shutdown_tls_sends_close_notify);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_describe");
    tcase_add_test(tc, describe_tls_stack_names_both_layers);
    suite_add_tcase(s, tc);

    tc = tcase_create("tls_layer");
    tcase_add_test(tc, tls_layer_runs_over_any_layer_below);
    tcase_add_test(tc, tls_config_shared_by_later_layers);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(tls_suite)
