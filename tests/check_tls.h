/*
 * The TLS peer for check_tls.c: a CA and server certificates made with the openssl CLI into a
 * temporary directory (removed at exit), and a small OpenSSL server in a forked child on
 * 127.0.0.1 that plays one scripted part (enum srv_mode).
 */
#ifndef WSC_CHECK_TLS_H
#define WSC_CHECK_TLS_H

#include "check_transport.h"

#include <signal.h>
#include <sys/socket.h>
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
    SRV_CLOSE_AT_ONCE, /* close the socket right after the handshake, without close_notify */
    SRV_RESET          /* read the ClientHello, then reset the connection (RST) */
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
    if (mode == SRV_RESET) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        if (read(fd, buf, sizeof buf) <= 0)
            _exit(11);
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
        _exit(0);
    }
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

#endif
