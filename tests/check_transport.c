/*
 * Tests for transport: real sockets on loopback only. Plain TCP peers are listeners opened by the
 * test itself; TLS peers are a small OpenSSL server in a forked child, using a CA and server
 * certificates made with the openssl CLI into a temporary directory when the suite is built.
 */
#include "check_common.h"

#include "transport.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define TIMEOUT_MS 3000
#define TIMED_OUT  99 /* drive() result when nothing happened in time */

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

/* ---- helpers ---- */

static char logbuf[4096];

static void log_line(void *ud, const char *line)
{
    size_t used = strlen(logbuf);

    (void)ud;
    snprintf(logbuf + used, sizeof logbuf - used, "%s\n", line);
}

static struct transport *new_transport(const char *host, uint16_t port, bool tls,
                                       const char *cacert, bool insecure)
{
    struct transport_config cfg = {
        .host = host,
        .port = port,
        .tls = tls,
        .cacert = cacert,
        .insecure = insecure,
        .log = log_line,
    };
    struct transport *t;

    logbuf[0] = '\0';
    t = transport_new(&cfg);
    ck_assert_ptr_nonnull(t);
    return t;
}

static long ms_left(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static void deadline_in(struct timespec *d, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, d);
    d->tv_sec += ms / 1000;
    d->tv_nsec += (long)(ms % 1000) * 1000000;
    if (d->tv_nsec >= 1000000000) {
        d->tv_sec++;
        d->tv_nsec -= 1000000000;
    }
}

/* Start and poll until transport_progress() decides: 1, a negative error, or TIMED_OUT. */
static int drive(struct transport *t)
{
    struct timespec deadline;
    int r = transport_start(t);

    if (r < 0)
        return r;
    ck_assert_int_eq(r, 0);
    deadline_in(&deadline, TIMEOUT_MS);
    for (;;) {
        struct pollfd p = {.fd = transport_fd(t), .events = transport_poll_events(t)};
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

/* Read once some bytes arrive (or EOF/error), polling as the transport asks. */
static long read_some(struct transport *t, void *p, size_t n)
{
    struct timespec deadline;

    deadline_in(&deadline, TIMEOUT_MS);
    for (;;) {
        long r = transport_read(t, p, n);
        struct pollfd pf = {.fd = transport_fd(t),
                            .events = (short)(POLLIN | transport_poll_events(t))};
        if (r != T_AGAIN)
            return r;
        if (ms_left(&deadline) <= 0)
            return TIMED_OUT;
        poll(&pf, 1, (int)ms_left(&deadline));
    }
}

static void read_exact(struct transport *t, char *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        long r = read_some(t, p + got, n - got);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
}

static void write_all(struct transport *t, const char *p, size_t n)
{
    struct timespec deadline;
    size_t done = 0;

    deadline_in(&deadline, TIMEOUT_MS);
    while (done < n) {
        long r = transport_write(t, p + done, n - done);
        struct pollfd pf = {.fd = transport_fd(t),
                            .events = (short)(POLLOUT | transport_poll_events(t))};
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
static int loopback_socket(int family, bool do_listen, uint16_t *port)
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

static int accept_timed(int lfd)
{
    struct timeval tv = {.tv_sec = 3};
    int fd;

    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fd = accept(lfd, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
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

START_TEST(start_unknown_host_is_resolve_error)
{
    struct transport *t = new_transport("nonexistent.invalid", 80, false, NULL, false);

    ck_assert_int_eq(transport_start(t), T_ERR_RESOLVE);
    ck_assert_msg(
        strncmp(transport_error(t), "could not resolve host 'nonexistent.invalid': ", 46) == 0,
        "got '%s'", transport_error(t));
    ck_assert_int_eq(transport_fd(t), -1);
    ck_assert_int_eq(transport_progress(t, POLLOUT), T_ERR_RESOLVE); /* the error sticks */
    transport_free(t);
}
END_TEST

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

static Suite *transport_suite(void)
{
    Suite *s = suite_create("transport");
    TCase *tc;

    certs_ok = make_certs();

    tc = tcase_create("transport_new");
    tcase_add_test(tc, new_is_idle_until_started);
    tcase_add_test(tc, new_copies_config_strings);
    tcase_add_test(tc, free_null_is_noop);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_start");
    tcase_add_test(tc, start_unknown_host_is_resolve_error);
    tcase_add_test(tc, start_unreadable_cacert_is_config_error);
    tcase_add_test(tc, start_logs_resolved_address_and_attempt);
    tcase_add_test(tc, start_twice_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_progress");
    tcase_add_test(tc, progress_refused_port_is_connect_error);
    tcase_add_test(tc, progress_refused_ipv6_names_bracketed_address);
    tcase_add_test(tc, progress_plain_connect_sets_peer);
    tcase_add_test(tc, progress_spurious_wakeup_keeps_connecting);
    tcase_add_test(tc, progress_tls_verified_with_cacert);
    tcase_add_test(tc, progress_tls_verified_ip_literal);
    tcase_add_test(tc, progress_tls_system_store_rejects_test_ca);
    tcase_add_test(tc, progress_tls_wrong_host_name_is_verify_error);
    tcase_add_test(tc, progress_tls_wrong_ip_is_verify_error);
    tcase_add_test(tc, progress_tls_insecure_accepts_wrong_name_and_unknown_ca);
    tcase_add_test(tc, progress_tls_server_hangs_up_in_handshake_is_tls_error);
    tcase_add_test(tc, progress_tls_to_plain_server_is_tls_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_read");
    tcase_add_test(tc, read_plain_echo_ipv4);
    tcase_add_test(tc, read_plain_echo_ipv6);
    tcase_add_test(tc, read_tls_echo_roundtrip_large);
    tcase_add_test(tc, read_tls_fin_without_close_notify_is_eof);
    tcase_add_test(tc, read_tls_close_notify_is_eof);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_write");
    tcase_add_test(tc, write_plain_after_peer_close_is_reset_not_sigpipe);
    tcase_add_test(tc, write_tls_after_peer_close_is_reset_not_sigpipe);
    tcase_add_test(tc, write_before_connected_is_again);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_has_pending");
    tcase_add_test(tc, has_pending_after_partial_tls_read);
    suite_add_tcase(s, tc);

    tc = tcase_create("transport_shutdown");
    tcase_add_test(tc, shutdown_plain_sends_fin_and_still_reads);
    tcase_add_test(tc, shutdown_tls_sends_close_notify);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(transport_suite)
