/*
 * Tests for the TLS layer (tls.c) through the transport, and over a layer of the test's own to
 * show that TLS only talks to the layer below it. The TLS peer is a small OpenSSL server in a
 * forked child on 127.0.0.1, using a CA and server certificates made with the openssl CLI into
 * a temporary directory when the suite is built.
 */
#include "check_transport.h"

#include "layer.h"
#include "sock.h"
#include "tls.h"

#include <signal.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* ---- certificates, made once per run ---- */

static char certdir[64];
static pid_t creator_pid;
static bool certs_ok;

static void cert_path(char *out, size_t n, const char *file)
{
    snprintf(out, n, "%s/%s", certdir, file);
}

static void remove_certdir(void)
{
    char cmd[128];

    if (getpid() != creator_pid || !certdir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", certdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", certdir);
}

/* CA "wsc Test CA"; good.pem for DNS:localhost + IP:127.0.0.1; other.pem for DNS:other.test. */
static bool make_certs(void)
{
    char cmd[2048];
    FILE *f;
    const char *key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

    snprintf(certdir, sizeof certdir, "/tmp/wsc-transport-XXXXXX");
    if (!mkdtemp(certdir))
        return false;
    creator_pid = getpid();
    atexit(remove_certdir);

    snprintf(cmd, sizeof cmd, "%s/good.ext", certdir);
    if (!(f = fopen(cmd, "w")))
        return false;
    fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s/other.ext", certdir);
    if (!(f = fopen(cmd, "w")))
        return false;
    fputs("subjectAltName=DNS:other.test\nbasicConstraints=CA:FALSE\n", f);
    fclose(f);

    snprintf(cmd, sizeof cmd,
             "cd '%s' && exec >openssl.log 2>&1 && "
             "openssl req -x509 %s -keyout ca.key -out ca.pem -days 2 -subj '/CN=wsc Test CA' "
             "-addext basicConstraints=critical,CA:TRUE "
             "-addext keyUsage=critical,keyCertSign,cRLSign && "
             "openssl req -new %s -keyout good.key -out good.csr -subj /CN=localhost && "
             "openssl x509 -req -in good.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 "
             "-extfile good.ext -out good.pem && "
             "openssl req -new %s -keyout other.key -out other.csr -subj /CN=other.test && "
             "openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -set_serial 3 -days 2 "
             "-extfile other.ext -out other.pem",
             certdir, key, key, key);
    return system(cmd) == 0;
}

/* ---- the TLS peer: a forked child with OpenSSL's server API ---- */

enum srv_mode {
    SRV_ECHO,         /* echo until the client's close_notify (exit 0) or anything else (exit 3) */
    SRV_HANGUP,       /* read the ClientHello, then close the socket */
    SRV_PLAINTEXT,    /* answer the ClientHello with an HTTP error, as a plain server would */
    SRV_SEND_100_FIN, /* send 100 bytes in one record, wait for the client's EOF, then a bare FIN */
    SRV_NOTIFY_ONLY,  /* send close_notify right after the handshake, keep the socket open */
    SRV_CLOSE_AT_ONCE /* close the socket right after the handshake, without close_notify */
};

static void server_child(int lfd, const char *name, enum srv_mode mode)
{
    char cert[128], key[128], buf[4096];
    SSL_CTX *ctx;
    SSL *ssl;
    int fd, n;

    alarm(5);
    signal(SIGPIPE, SIG_IGN);
    fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        _exit(10);
    if (mode == SRV_HANGUP || mode == SRV_PLAINTEXT) {
        if (read(fd, buf, sizeof buf) <= 0)
            _exit(11);
        if (mode == SRV_PLAINTEXT && write(fd, "HTTP/1.1 400 Bad Request\r\n\r\n", 28) < 0)
            _exit(12);
        shutdown(fd, SHUT_WR);
        while (read(fd, buf, sizeof buf) > 0)
            ;
        _exit(0);
    }
    snprintf(cert, sizeof cert, "%s/%s.pem", certdir, name);
    snprintf(key, sizeof key, "%s/%s.key", certdir, name);
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        _exit(13);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1)
        _exit(14);
    switch (mode) {
    case SRV_ECHO:
        while ((n = SSL_read(ssl, buf, sizeof buf)) > 0)
            if (SSL_write(ssl, buf, n) != n)
                _exit(15);
        if (SSL_get_error(ssl, n) != SSL_ERROR_ZERO_RETURN)
            _exit(3);
        SSL_shutdown(ssl);
        _exit(0);
    case SRV_SEND_100_FIN:
        memset(buf, 'x', 100);
        if (SSL_write(ssl, buf, 100) != 100)
            _exit(16);
        while (read(fd, buf, sizeof buf) > 0)
            ;
        close(fd);
        _exit(0);
    case SRV_NOTIFY_ONLY:
        SSL_shutdown(ssl);
        while (read(fd, buf, sizeof buf) > 0)
            ;
        _exit(0);
    default:
        close(fd);
        _exit(0);
    }
}

/* Listen on 127.0.0.1, fork the server, return its pid; *port gets the port. */
static pid_t start_server(const char *name, enum srv_mode mode, uint16_t *port)
{
    int lfd;
    pid_t pid;

    ck_assert_msg(certs_ok, "certificates could not be made (see %s/openssl.log)", certdir);
    lfd = loopback_socket(AF_INET, true, port);
    ck_assert_int_ge(lfd, 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        server_child(lfd, name, mode);
    close(lfd);
    return pid;
}

/* Wait for the server and return its exit status (-1 when it had to be killed). */
static int reap(pid_t pid)
{
    int st, i;

    for (i = 0; i < 300; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

/* Connect a TLS transport to a fresh server; returns drive()'s result. */
static int tls_attempt(const char *host, const char *srv_cert, enum srv_mode mode, bool cacert,
                       bool insecure, struct transport **out, pid_t *pid)
{
    char ca[128];
    uint16_t port;

    cert_path(ca, sizeof ca, "ca.pem");
    *pid = start_server(srv_cert, mode, &port);
    *out = new_transport(host, port, true, cacert ? ca : NULL, insecure);
    return drive(*out);
}

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
    ck_assert_str_eq(transport_error(t), "certificate verify failed: hostname mismatch");
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
    ck_assert_str_eq(transport_error(t), "certificate verify failed: IP address mismatch");
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
    ck_assert_msg(strncmp(transport_error(t), "TLS handshake failed: ", 22) == 0, "got '%s'",
                  transport_error(t));
    transport_free(t);
    reap(pid);
}
END_TEST

START_TEST(progress_tls_to_plain_server_is_tls_error)
{
    struct transport *t;
    pid_t pid;

    ck_assert_int_eq(tls_attempt("localhost", "good", SRV_PLAINTEXT, true, false, &t, &pid),
                     T_ERR_TLS);
    ck_assert_msg(strncmp(transport_error(t), "TLS handshake failed: ", 22) == 0, "got '%s'",
                  transport_error(t));
    transport_free(t);
    reap(pid);
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
        struct pollfd p = {.fd = transport_fd(t), .events = POLLIN | transport_poll_events(t)};
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

