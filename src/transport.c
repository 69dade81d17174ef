/*
 * transport - TCP (every resolved address, non-blocking connect) and optional TLS over OpenSSL,
 * behind one non-blocking read/write/close interface. See transport.h for the contract.
 *
 * TLS notes:
 * - TLS 1.2 or later; SNI only for host names (RFC 6066 §3 forbids address literals); host name
 *   or IP address verification with OpenSSL's own matcher (RFC 6125) unless insecure.
 * - SSL_OP_IGNORE_UNEXPECTED_EOF: many WebSocket servers close the TCP connection after the
 *   closing handshake without sending close_notify. RFC 6455 §7.1.1 already ends the stream with
 *   its own Close frame, so a bare FIN is reported as end of stream (0), like close_notify,
 *   instead of an error. A truncated message is still caught by the session layer.
 * - OpenSSL's socket BIO writes with write(), which raises SIGPIPE on a closed peer. Writes go
 *   through a small BIO of ours that uses send(MSG_NOSIGNAL); reads use the stock socket BIO.
 *
 * Only this file includes OpenSSL.
 */
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

enum transport_state {
    TS_NEW,
    TS_CONNECTING, /* non-blocking connect() in flight on fd */
    TS_HANDSHAKE,  /* TCP up, SSL_connect() in progress */
    TS_READY,
    TS_FAILED, /* error code sticks in fail */
};

struct transport {
    char *host;
    uint16_t port;
    bool tls;
    char *cacert;
    bool insecure;
    void (*log)(void *ud, const char *line);
    void *ud;

    enum transport_state state;
    int fail; /* the sticky negative error once TS_FAILED */
    int fd;
    bool tcp_connected;
    bool shut;     /* transport_shutdown() done */
    bool tls_dead; /* a fatal TLS error happened: no close_notify any more */

    struct addrinfo *ai_list;
    struct addrinfo *ai_next; /* next address to try */
    char trying[64];          /* address of the connect in flight */

    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *wmeth;
    short hs_events;    /* what the handshake waits for */
    short read_events;  /* what SSL_read waits for after WANT_* (0 if nothing) */
    short write_events; /* same for SSL_write */

    char tried[256]; /* "127.0.0.1:1, [::1]:1" */
    char peer[64];
    char tls_info[512];
    char err[512];
};

static void tlog(struct transport *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tlog(struct transport *t, const char *fmt, ...)
{
    char line[640];
    va_list ap;

    if (!t->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->log(t->ud, line);
}

static void set_err(struct transport *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_err(struct transport *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    va_end(ap);
}

static int fail(struct transport *t, int code)
{
    t->state = TS_FAILED;
    t->fail = code;
    return code;
}

/* The reason text of the oldest queued OpenSSL error (then clears the queue), or NULL. */
static const char *ossl_reason(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    const char *r;

    ERR_clear_error();
    if (e == 0)
        return NULL;
#ifdef ERR_SYSTEM_ERROR
    /* OpenSSL 3 keeps errno values as "system library" errors without a reason text. */
    if (ERR_SYSTEM_ERROR(e))
        return strerror(ERR_GET_REASON(e));
#endif
    r = ERR_reason_error_string(e);
    if (r)
        return r;
    ERR_error_string_n(e, buf, n);
    return buf;
}

static void fmt_addr(const struct sockaddr *sa, char *out, size_t n)
{
    char ip[INET6_ADDRSTRLEN] = "?";

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        snprintf(out, n, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        snprintf(out, n, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
    } else {
        snprintf(out, n, "?");
    }
}

static bool is_ip_literal(const char *host)
{
    unsigned char a[sizeof(struct in6_addr)];

    /* A ':' can only be an IPv6 literal (possibly with a %zone that inet_pton rejects). */
    return inet_pton(AF_INET, host, a) == 1 || strchr(host, ':') != NULL;
}

/* ---- write BIO: send(MSG_NOSIGNAL) so that TLS writes never raise SIGPIPE ---- */

static int wbio_write(BIO *b, const char *p, int n)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    ssize_t r;

    BIO_clear_retry_flags(b);
    do
        r = send(fd, p, (size_t)n, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        BIO_set_retry_write(b);
    return (int)r;
}

static long wbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    /* The socket has no buffer of its own to flush; everything else is unsupported. */
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int wbio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* ---- lifecycle ---- */

struct transport *transport_new(const struct transport_config *cfg)
{
    struct transport *t = calloc(1, sizeof *t);

    if (!t)
        return NULL;
    t->fd = -1;
    t->port = cfg->port;
    t->tls = cfg->tls;
    t->insecure = cfg->insecure;
    t->log = cfg->log;
    t->ud = cfg->ud;
    t->host = strdup(cfg->host ? cfg->host : "");
    t->cacert = cfg->cacert ? strdup(cfg->cacert) : NULL;
    if (!t->host || (cfg->cacert && !t->cacert)) {
        transport_free(t);
        return NULL;
    }
    return t;
}

void transport_free(struct transport *t)
{
    if (!t)
        return;
    if (t->ssl && t->state == TS_READY && !t->shut && !t->tls_dead) {
        ERR_clear_error();
        SSL_shutdown(t->ssl); /* best effort close_notify; the result does not matter now */
    }
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    BIO_meth_free(t->wmeth);
    ERR_clear_error();
    if (t->fd >= 0)
        close(t->fd);
    if (t->ai_list)
        freeaddrinfo(t->ai_list);
    free(t->host);
    free(t->cacert);
    free(t);
}

/* ---- connecting ---- */

static int tls_ctx_init(struct transport *t)
{
    char eb[256];
    const char *why;

    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx) {
        ERR_clear_error();
        set_err(t, "out of memory");
        return T_ERR_NOMEM;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (t->cacert) {
        if (SSL_CTX_load_verify_locations(t->ctx, t->cacert, NULL) != 1) {
            why = ossl_reason(eb, sizeof eb);
            set_err(t, "cannot load CA certificates from '%s': %s", t->cacert,
                    why ? why : "no certificates found");
            return T_ERR_CONFIG;
        }
    } else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
        /* Not fatal by itself: verification will fail with a clear reason if it matters. */
        ERR_clear_error();
    }
    SSL_CTX_set_verify(t->ctx, t->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    return 0;
}

/* Start a non-blocking connect to the next address that does not fail at once. Returns 0 when
 * one is in flight, T_ERR_CONNECT when none remain. */
static int connect_next(struct transport *t)
{
    int saved = 0;

    while (t->ai_next) {
        struct addrinfo *ai = t->ai_next;
        size_t used = strlen(t->tried);
        int one = 1;
        int fd;

        t->ai_next = ai->ai_next;
        fmt_addr(ai->ai_addr, t->trying, sizeof t->trying);
        snprintf(t->tried + used, sizeof t->tried - used, "%s%s", used ? ", " : "", t->trying);
        tlog(t, "trying %s", t->trying);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            tlog(t, "connect to %s failed: %s", t->trying, strerror(saved));
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS ||
            errno == EINTR) {
            /* Even an immediate success goes through POLLOUT + SO_ERROR, one path for all. */
            t->fd = fd;
            t->state = TS_CONNECTING;
            return 0;
        }
        saved = errno;
        tlog(t, "connect to %s failed: %s", t->trying, strerror(saved));
        close(fd);
    }
    if (t->ai_list) {
        freeaddrinfo(t->ai_list);
        t->ai_list = NULL;
    }
    {
        char why[128];
        snprintf(why, sizeof why, "%s", strerror(saved ? saved : ECONNREFUSED));
        why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]);
        set_err(t, "%s (tried %s)", why, t->tried);
    }
    return fail(t, T_ERR_CONNECT);
}

int transport_start(struct transport *t)
{
    struct addrinfo hints, *ai;
    char port[8], list[512];
    size_t used = 0;
    int r;

    if (t->state != TS_NEW) {
        set_err(t, "transport already started");
        return T_ERR_CONFIG;
    }
    /* Configuration problems come before any network traffic. */
    if (t->tls && (r = tls_ctx_init(t)) < 0)
        return fail(t, r);

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    /* No AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on hosts without a non-loopback address. */
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", (unsigned)t->port);
    r = getaddrinfo(t->host, port, &hints, &t->ai_list);
    if (r != 0) {
        t->ai_list = NULL;
        if (r == EAI_MEMORY) {
            set_err(t, "out of memory");
            return fail(t, T_ERR_NOMEM);
        }
        set_err(t, "could not resolve host '%s': %s", t->host,
                r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        return fail(t, T_ERR_RESOLVE);
    }

    list[0] = '\0';
    for (ai = t->ai_list; ai; ai = ai->ai_next) {
        char a[64], *colon;
        fmt_addr(ai->ai_addr, a, sizeof a);
        /* The log names addresses only; the port is the same for all. */
        colon = strrchr(a, ':');
        if (colon)
            *colon = '\0';
        if (a[0] == '[') {
            memmove(a, a + 1, strlen(a));
            a[strlen(a) - 1] = '\0';
        }
        used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0, "%s%s",
                                 used ? ", " : "", a);
        if (used >= sizeof list)
            break;
    }
    tlog(t, "resolved %s to %s", t->host, list);

    t->ai_next = t->ai_list;
    return connect_next(t);
}

static void tls_describe(struct transport *t)
{
    X509 *cert = SSL_get0_peer_certificate(t->ssl);
    char subj[200] = "(none)", iss[200] = "(none)";

    if (cert) {
        BIO *m = BIO_new(BIO_s_mem());
        if (m) {
            int n;
            X509_NAME_print_ex(m, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
            n = BIO_read(m, subj, sizeof subj - 1);
            subj[n > 0 ? n : 0] = '\0';
            (void)BIO_reset(m);
            X509_NAME_print_ex(m, X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253);
            n = BIO_read(m, iss, sizeof iss - 1);
            iss[n > 0 ? n : 0] = '\0';
            BIO_free(m);
        }
    }
    snprintf(t->tls_info, sizeof t->tls_info, "%s, %s, subject %s, issuer %s",
             SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl), subj, iss);
    tlog(t, "%s", t->tls_info);
    if (t->insecure)
        tlog(t, "server certificate not verified (insecure)");
    else
        tlog(t, "server certificate verified for '%s'", t->host);
}

static int tls_handshake(struct transport *t)
{
    char eb[256];
    const char *why;
    int r, e, saved;
    long vr;

    ERR_clear_error();
    errno = 0;
    r = SSL_connect(t->ssl);
    if (r == 1) {
        t->hs_events = 0;
        t->state = TS_READY;
        tls_describe(t);
        return 1;
    }
    e = SSL_get_error(t->ssl, r);
    saved = errno;
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        t->hs_events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return 0;
    }
    t->tls_dead = true;
    vr = SSL_get_verify_result(t->ssl);
    if (!t->insecure && vr != X509_V_OK) {
        ERR_clear_error();
        set_err(t, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
        tlog(t, "%s", t->err);
        return fail(t, T_ERR_VERIFY);
    }
    why = ossl_reason(eb, sizeof eb);
    if (why)
        set_err(t, "TLS handshake failed: %s", why);
    else if (e == SSL_ERROR_SYSCALL && saved != 0)
        set_err(t, "TLS handshake failed: %s", strerror(saved));
    else
        set_err(t, "TLS handshake failed: connection closed");
    tlog(t, "%s", t->err);
    return fail(t, T_ERR_TLS);
}

static int tls_setup(struct transport *t)
{
    char name[256];
    size_t n;
    BIO *rb, *wb;

    /* A fixed type, not BIO_get_new_index(): that index space is small and never recycled. */
    t->wmeth = BIO_meth_new(BIO_TYPE_SOURCE_SINK | 0x7e, "wsc socket writer");
    t->ssl = SSL_new(t->ctx);
    rb = BIO_new_socket(t->fd, BIO_NOCLOSE);
    wb = NULL;
    if (t->wmeth && BIO_meth_set_write(t->wmeth, wbio_write) &&
        BIO_meth_set_ctrl(t->wmeth, wbio_ctrl) && BIO_meth_set_create(t->wmeth, wbio_create))
        wb = BIO_new(t->wmeth);
    if (!t->ssl || !rb || !wb) {
        BIO_free(rb);
        BIO_free(wb);
        ERR_clear_error();
        set_err(t, "out of memory");
        return fail(t, T_ERR_NOMEM);
    }
    BIO_set_data(wb, (void *)(intptr_t)t->fd);
    SSL_set_bio(t->ssl, rb, wb); /* the SSL owns both BIOs now */
    SSL_set_connect_state(t->ssl);

    /* A fully qualified "example.com." is "example.com" for SNI and certificate matching. */
    snprintf(name, sizeof name, "%s", t->host);
    n = strlen(name);
    if (n > 1 && name[n - 1] == '.')
        name[n - 1] = '\0';

    if (is_ip_literal(name)) {
        if (!t->insecure) {
            char *pct = strchr(name, '%'); /* a zone id is not part of the certificate */
            if (pct)
                *pct = '\0';
            if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), name) != 1) {
                ERR_clear_error();
                set_err(t, "cannot verify address '%s'", name);
                return fail(t, T_ERR_CONFIG);
            }
        }
    } else {
        if (SSL_set_tlsext_host_name(t->ssl, name) != 1 ||
            (!t->insecure && SSL_set1_host(t->ssl, name) != 1)) {
            ERR_clear_error();
            set_err(t, "invalid host name for TLS: '%s'", name);
            return fail(t, T_ERR_CONFIG);
        }
    }
    t->state = TS_HANDSHAKE;
    return 0;
}

int transport_progress(struct transport *t, short revents)
{
    int r;

    switch (t->state) {
    case TS_NEW:
        set_err(t, "transport not started");
        return T_ERR_CONFIG;
    case TS_FAILED:
        return t->fail;
    case TS_READY:
        return 1;
    case TS_HANDSHAKE:
        return tls_handshake(t);
    case TS_CONNECTING:
        break;
    }

    if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
        return 0;
    {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof ss;

        if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            soerr = errno;
        if (soerr == 0 && getpeername(t->fd, (struct sockaddr *)&ss, &sslen) < 0) {
            /* No error yet not connected: a spurious wakeup, unless the socket says it is dead. */
            if (!(revents & (POLLERR | POLLHUP)))
                return 0;
            soerr = ECONNREFUSED;
        }
        if (soerr != 0) {
            tlog(t, "connect to %s failed: %s", t->trying, strerror(soerr));
            close(t->fd);
            t->fd = -1;
            return connect_next(t);
        }
    }

    t->tcp_connected = true;
    snprintf(t->peer, sizeof t->peer, "%s", t->trying);
    tlog(t, "connected to %s", t->peer);
    if (t->ai_list) {
        freeaddrinfo(t->ai_list);
        t->ai_list = t->ai_next = NULL;
    }
    if (!t->tls) {
        t->state = TS_READY;
        return 1;
    }
    if ((r = tls_setup(t)) < 0)
        return r;
    return tls_handshake(t);
}

bool transport_ready(const struct transport *t)
{
    return t->state == TS_READY;
}

bool transport_tcp_connected(const struct transport *t)
{
    return t->tcp_connected;
}

int transport_fd(const struct transport *t)
{
    return t->fd;
}

short transport_poll_events(const struct transport *t)
{
    switch (t->state) {
    case TS_CONNECTING:
        return POLLOUT;
    case TS_HANDSHAKE:
        return t->hs_events;
    case TS_READY:
        return (short)(t->read_events | t->write_events);
    default:
        return 0;
    }
}

/* ---- I/O ---- */

/* Map a failed SSL_read/SSL_write; *events gets what to wait for. */
static long tls_io_error(struct transport *t, int r, short *events)
{
    char eb[256];
    const char *why;
    int saved = errno;
    int e = SSL_get_error(t->ssl, r);

    *events = 0;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *events = POLLIN;
        return T_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        *events = POLLOUT;
        return T_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
        /* close_notify, or a bare FIN thanks to SSL_OP_IGNORE_UNEXPECTED_EOF */
        ERR_clear_error();
        return 0;
    case SSL_ERROR_SYSCALL:
        why = ossl_reason(eb, sizeof eb);
        if (!why && saved == 0) {
            /* EOF without close_notify where the option above is unavailable */
            return 0;
        }
        t->tls_dead = true;
        set_err(t, "%s", why ? why : strerror(saved));
        return T_ERR_RESET;
    default:
        t->tls_dead = true;
        why = ossl_reason(eb, sizeof eb);
        set_err(t, "TLS error: %s", why ? why : "unknown");
        return T_ERR_RESET;
    }
}

static long not_ready(struct transport *t)
{
    if (t->state == TS_FAILED) {
        return T_ERR_RESET;
    }
    return T_AGAIN;
}

long transport_read(struct transport *t, void *p, size_t n)
{
    ssize_t r;

    if (t->state != TS_READY)
        return not_ready(t);
    if (n == 0)
        return T_AGAIN; /* 0 would read as end of stream */
    if (t->ssl) {
        int k;
        ERR_clear_error();
        errno = 0;
        k = SSL_read(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
        if (k > 0) {
            t->read_events = 0;
            return k;
        }
        return tls_io_error(t, k, &t->read_events);
    }
    do
        r = recv(t->fd, p, n, 0);
    while (r < 0 && errno == EINTR);
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return T_AGAIN;
    set_err(t, "%s", strerror(errno));
    return T_ERR_RESET;
}

long transport_write(struct transport *t, const void *p, size_t n)
{
    ssize_t r;

    if (t->state != TS_READY)
        return not_ready(t);
    if (n == 0)
        return 0;
    if (t->ssl) {
        int k;
        ERR_clear_error();
        errno = 0;
        k = SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
        if (k > 0) {
            t->write_events = 0;
            return k;
        }
        r = tls_io_error(t, k, &t->write_events);
        if (r == 0) {
            /* The peer closed the TLS stream: nothing more can be written. */
            set_err(t, "connection closed by peer");
            return T_ERR_RESET;
        }
        return r;
    }
    do
        r = send(t->fd, p, n, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return T_AGAIN;
    set_err(t, "%s", strerror(errno));
    return T_ERR_RESET;
}

bool transport_has_pending(const struct transport *t)
{
    return t->ssl && t->state == TS_READY && SSL_pending(t->ssl) > 0;
}

size_t transport_unsent(const struct transport *t)
{
    int n = 0;
    if (t == NULL || t->fd < 0 || !t->tcp_connected)
        return 0;
    if (ioctl(t->fd, SIOCOUTQNSD, &n) < 0 || n < 0)
        return 0;
    return (size_t)n;
}

void transport_shutdown(struct transport *t)
{
    if (t->shut || t->fd < 0 || t->state != TS_READY)
        return;
    t->shut = true;
    if (t->ssl && !t->tls_dead) {
        ERR_clear_error();
        SSL_shutdown(t->ssl); /* one non-blocking attempt; the peer's close_notify is not awaited */
        ERR_clear_error();
    }
    shutdown(t->fd, SHUT_WR);
}

/* ---- introspection ---- */

const char *transport_error(const struct transport *t)
{
    return t->err;
}

const char *transport_peer(const struct transport *t)
{
    return t->peer;
}

const char *transport_tls_info(const struct transport *t)
{
    return t->tls_info;
}
