/*
 * tls - TLS over the layer below, with OpenSSL. See tls.h for the contract.
 *
 * - SSL_OP_IGNORE_UNEXPECTED_EOF: many WebSocket servers close the TCP connection after the
 *   closing handshake without sending close_notify. RFC 6455 §7.1.1 already ends the stream with
 *   its own Close frame, so a bare FIN is reported as end of stream (0), like close_notify,
 *   instead of an error. A truncated message is still caught by the session layer.
 * - The SSL object reads and writes through a small BIO of ours that calls the layer below. That
 *   layer never raises SIGPIPE (send(MSG_NOSIGNAL)), and when it breaks its own error text is
 *   kept ("Connection reset by peer") instead of OpenSSL's rewording of errno.
 * - The SSL_CTX (CAs, versions, client certificate, pins, key log) is made in tls_ctx.c.
 * - A refused client certificate: the server's alert says so, but some servers (Python's
 *   asyncio) hang up without one; when the server had sent a CertificateRequest and the
 *   connection ends before any application data, the error says it was about the certificate.
 */
#include "tls.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_int.h"
#include "transport.h"

static bool is_ip_literal(const char *host)
{
    unsigned char a[sizeof(struct in6_addr)];

    /* A ':' can only be an IPv6 literal (possibly with a %zone that inet_pton rejects). */
    return inet_pton(AF_INET, host, a) == 1 || strchr(host, ':') != NULL;
}

/* A fatal alert from the server (reason code SSL_AD_REASON_OFFSET + alert) about our client
 * certificate put in words, with what to do. False for any other code. */
static bool alert_text(const struct tls *s, int code, char *out, size_t n)
{
    int a = code - SSL_AD_REASON_OFFSET;
    const char *desc;

    if (a < 0 || a > 255)
        return false;
    /* OpenSSL 3.0 has no words for TLS 1.3's alert 116 (RFC 8446 §6.2) */
    desc = a == 116 ? "certificate required" : SSL_alert_desc_string_long(a);
    if (s->cert_asked && !s->has_cert)
        snprintf(out, n, "the server requires a client certificate (alert %d %s): use --cert", a,
                 desc);
    else if (s->has_cert && (a == 42 || a == 43 || a == 44 || a == 45 || a == 46 || a == 48 ||
                             a == 49 || a == 116))
        snprintf(out, n, "the server refused our client certificate (alert %d %s)", a, desc);
    else
        return false; /* OpenSSL's words ("tlsv1 alert protocol version") say it well */
    return true;
}

/* The server asked for a client certificate, and before any application data the connection
 * ended (how: "connection closed", "Connection reset by peer"): say it was about the
 * certificate (some servers send no alert first). False, and nothing set, otherwise. */
static bool cert_refused(const struct tls *s, const char *how)
{
    char h[200];

    /* A TLS 1.2 server judges our certificate within the handshake: once that is done, a close
     * is not about the certificate. With TLS 1.3 our handshake ends before the server looked
     * at it, but then no ticket comes before its verdict. Otherwise a server that merely offered
     * a certificate (nginx's "optional") and then closed is an ordinary close. */
    if (!s->cert_asked || s->got_data || !s->ssl ||
        (SSL_version(s->ssl) == TLS1_3_VERSION ? s->ticket_seen : s->ready))
        return false;
    snprintf(h, sizeof h, "%s", how);
    if (!s->has_cert)
        layer_set_err(&s->base,
                      "the server requires a client certificate (it asked for one, then: %s): "
                      "use --cert",
                      h);
    else
        layer_set_err(&s->base,
                      "the server asked for a client certificate, then: %s (was ours refused?)", h);
    return true;
}

/* "2027-01-01 12:00:00 UTC", or "?" */
static const char *asn1_date(const ASN1_TIME *t, char *out, size_t n)
{
    struct tm tm;

    if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, n, "?");
    return out;
}

/* One X509 name in RFC 2253 form into out. */
static const char *name_text(const X509_NAME *name, char *out, size_t n)
{
    BIO *m = BIO_new(BIO_s_mem());
    int k = 0;

    if (m) {
        X509_NAME_print_ex(m, name, 0, XN_FLAG_RFC2253);
        k = BIO_read(m, out, (int)n - 1);
        BIO_free(m);
    }
    out[k > 0 ? k : 0] = '\0';
    if (k <= 0)
        snprintf(out, n, "(none)");
    return out;
}

/* ---- the BIO: reads and writes go to the layer below ---- */

static int bio_read(BIO *b, char *p, int n)
{
    struct tls *s = BIO_get_data(b);
    struct layer *below = s->base.below;
    long r;

    BIO_clear_retry_flags(b);
    r = below->ops->read(below, p, (size_t)n);
    if (r > 0)
        return (int)r;
    if (r == 0) {
        s->below_eof = true;
        return 0;
    }
    if (r == T_AGAIN)
        BIO_set_retry_read(b);
    else
        s->below_err = (int)r;
    return -1;
}

static int bio_write(BIO *b, const char *p, int n)
{
    struct tls *s = BIO_get_data(b);
    struct layer *below = s->base.below;
    long r;

    BIO_clear_retry_flags(b);
    r = below->ops->write(below, p, (size_t)n);
    if (r > 0)
        return (int)r;
    if (r == T_AGAIN)
        BIO_set_retry_write(b);
    else
        s->below_err = (int)r;
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct tls *s = BIO_get_data(b);

    (void)num, (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* nothing is buffered here */
    case BIO_CTRL_EOF:
        /* OpenSSL asks this after a read of 0 to tell EOF from an error. */
        return s && s->below_eof;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* ---- connecting ---- */

static void describe_peer(struct tls *s)
{
    X509 *cert = SSL_get0_peer_certificate(s->ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s->ssl); /* the leaf first, as sent */
    char subj[200] = "(none)", iss[200] = "(none)", date[40];

    if (cert) {
        name_text(X509_get_subject_name(cert), subj, sizeof subj);
        name_text(X509_get_issuer_name(cert), iss, sizeof iss);
    }
    snprintf(s->info, sizeof s->info, "%s, %s, subject %s, issuer %s", SSL_get_version(s->ssl),
             SSL_get_cipher_name(s->ssl), subj, iss);
    layer_log(&s->base, "%s", s->info);
    for (int i = 0; chain && i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        char nb[40], when[80] = "expires ";
        /* with -k nothing else would say it */
        if (X509_cmp_current_time(X509_get0_notAfter(c)) < 0)
            snprintf(when, sizeof when, "EXPIRED on ");
        else if (X509_cmp_current_time(X509_get0_notBefore(c)) > 0)
            snprintf(when, sizeof when, "not yet valid until %s, expires ",
                     asn1_date(X509_get0_notBefore(c), nb, sizeof nb));
        layer_log(&s->base, "certificate %d: subject %s, issuer %s, %s%s", i,
                  name_text(X509_get_subject_name(c), subj, sizeof subj),
                  name_text(X509_get_issuer_name(c), iss, sizeof iss), when,
                  asn1_date(X509_get0_notAfter(c), date, sizeof date));
    }
    if (s->insecure)
        layer_log(&s->base, "server certificate not verified (insecure)");
    else
        layer_log(&s->base, "server certificate verified for '%s'", s->host);
}

/* Verification failed with vr: the text, with the date when a certificate has expired. */
static void verify_failed(struct tls *s, long vr)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s->ssl);
    char subj[200], date[40];

    /* The certificate verification stopped at (verify_cb()): one the server sent, or a local
     * CA it did not send. */
    if ((vr == X509_V_ERR_CERT_HAS_EXPIRED || vr == X509_V_ERR_CERT_NOT_YET_VALID) &&
        s->bad_time_cert) {
        X509 *c = s->bad_time_cert;
        bool expired = vr == X509_V_ERR_CERT_HAS_EXPIRED;
        layer_set_err(
            &s->base, "certificate verify failed: %s (%s, %s %s)",
            X509_verify_cert_error_string(vr),
            name_text(X509_get_subject_name(c), subj, sizeof subj),
            expired ? "notAfter" : "notBefore",
            asn1_date(expired ? X509_get0_notAfter(c) : X509_get0_notBefore(c), date, sizeof date));
        return;
    }
    if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        X509 *leaf = chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : NULL;
        layer_set_err(&s->base, "certificate verify failed: %s: '%s' is not a name of %s",
                      X509_verify_cert_error_string(vr), s->host,
                      leaf ? name_text(X509_get_subject_name(leaf), subj, sizeof subj)
                           : "the certificate");
        return;
    }
    layer_set_err(&s->base, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
}

/* Make the SSL object on the first connect step. */
static int setup(struct tls *s)
{
    char name[256];
    size_t n;
    BIO *b = NULL;

    s->ssl = SSL_new(s->ctx);
    if (s->ssl)
        b = BIO_new(s->meth);
    if (!b) {
        ERR_clear_error();
        layer_set_err(&s->base, "out of memory");
        return T_ERR_NOMEM;
    }
    BIO_set_data(b, s);
    SSL_set_app_data(s->ssl, s);
    SSL_set_bio(s->ssl, b, b); /* the SSL owns the BIO now */
    SSL_set_connect_state(s->ssl);

    /* A fully qualified "example.com." is "example.com" for SNI and certificate matching. */
    snprintf(name, sizeof name, "%s", s->host);
    n = strlen(name);
    if (n > 1 && name[n - 1] == '.')
        name[n - 1] = '\0';

    if (is_ip_literal(name)) {
        if (!s->insecure) {
            char *pct = strchr(name, '%'); /* a zone id is not part of the certificate */
            if (pct)
                *pct = '\0';
            if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), name) != 1) {
                ERR_clear_error();
                layer_set_err(&s->base, "cannot verify address '%s'", name);
                return T_ERR_CONFIG;
            }
        }
    } else if (SSL_set_tlsext_host_name(s->ssl, name) != 1 ||
               (!s->insecure && SSL_set1_host(s->ssl, name) != 1)) {
        ERR_clear_error();
        layer_set_err(&s->base, "invalid host name for TLS: '%s'", name);
        return T_ERR_CONFIG;
    }
    return 0;
}

static int tls_connect(struct layer *l, short revents)
{
    struct tls *s = (struct tls *)l;
    char eb[256];
    const char *why;
    int r, e, code;
    long vr;

    (void)revents; /* SSL_connect() finds out for itself what it can do */
    if (s->ready)
        return 1;
    if (!s->ssl && (r = setup(s)) < 0)
        return r;
    ERR_clear_error();
    r = SSL_connect(s->ssl);
    if (r == 1) {
        s->hs_events = 0;
        if ((r = tls_check_pins(s)) < 0) {
            s->dead = true;
            layer_log(l, "%s", l->env->err);
            return r;
        }
        s->ready = true;
        describe_peer(s);
        return 1;
    }
    e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        s->hs_events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return 0;
    }
    s->dead = true;
    s->hs_events = 0;
    vr = SSL_get_verify_result(s->ssl);
    if (!s->insecure && vr != X509_V_OK) {
        ERR_clear_error();
        verify_failed(s, vr);
        layer_log(l, "%s", l->env->err);
        return T_ERR_VERIFY;
    }
    why = tls_ossl_reason(eb, sizeof eb, &code);
    if (s->below_err) {
        /* the layer below broke and has said why in env->err */
        cert_refused(s, l->env->err);
    } else if (why && alert_text(s, code, eb, sizeof eb)) {
        layer_set_err(l, "%s", eb);
    } else if (why && code == SSL_R_WRONG_VERSION_NUMBER) {
        /* The bytes that came back are no TLS record: most often an HTTP reply. */
        layer_set_err(l, "%s (is this a plain ws:// port?)", why);
    } else if (why) {
        layer_set_err(l, "%s", why);
    } else if (!cert_refused(s, "connection closed")) {
        layer_set_err(l, "connection closed");
    }
    layer_log(l, "TLS handshake failed: %s", l->env->err);
    return T_ERR_TLS;
}

/* ---- I/O ---- */

/* Map a failed SSL_read/SSL_write; *events gets what to wait for. */
static long io_error(struct tls *s, int r, short *events)
{
    char eb[256];
    const char *why;
    int saved = errno, code;
    int e = SSL_get_error(s->ssl, r);

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
        why = tls_ossl_reason(eb, sizeof eb, &code);
        if (s->below_err) {
            s->dead = true;
            return T_ERR_RESET; /* the text is the layer below's */
        }
        if (!why && (saved == 0 || s->below_eof)) {
            /* EOF without close_notify where the option above is unavailable */
            return 0;
        }
        s->dead = true;
        layer_set_err(&s->base, "%s", why ? why : strerror(saved));
        return T_ERR_RESET;
    default:
        s->dead = true;
        why = tls_ossl_reason(eb, sizeof eb, &code);
        if (why && !s->got_data && alert_text(s, code, eb, sizeof eb)) {
            /* TLS 1.3: the server's verdict on our certificate comes after our handshake */
            layer_set_err(&s->base, "%s", eb);
            layer_log(&s->base, "TLS handshake failed: %s", eb);
            return T_ERR_TLS;
        }
        layer_set_err(&s->base, "TLS error: %s", why ? why : "unknown");
        return T_ERR_RESET;
    }
}

static long tls_read(struct layer *l, void *p, size_t n)
{
    struct tls *s = (struct tls *)l;
    long r;
    int k;

    ERR_clear_error();
    errno = 0;
    k = SSL_read(s->ssl, p, n > INT_MAX ? INT_MAX : (int)n);

    if (k > 0) {
        s->read_events = 0;
        s->got_data = true;
        return k;
    }
    r = io_error(s, k, &s->read_events);
    if ((r == 0 || r == T_ERR_RESET) &&
        cert_refused(s, r == 0 ? "connection closed" : l->env->err)) {
        s->dead = true;
        layer_log(l, "TLS handshake failed: %s", l->env->err);
        return T_ERR_TLS;
    }
    return r;
}

static long tls_write(struct layer *l, const void *p, size_t n)
{
    struct tls *s = (struct tls *)l;
    long r;
    int k;

    ERR_clear_error();
    errno = 0;
    k = SSL_write(s->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
    if (k > 0) {
        s->write_events = 0;
        return k;
    }
    r = io_error(s, k, &s->write_events);
    if (r == 0) {
        /* The peer closed the TLS stream: nothing more can be written. */
        layer_set_err(l, "connection closed by peer");
        return T_ERR_RESET;
    }
    return r;
}

static bool tls_pending(const struct layer *l)
{
    const struct tls *s = (const struct tls *)l;

    return s->ready && SSL_pending(s->ssl) > 0;
}

static short tls_poll_events(const struct layer *l, bool reading)
{
    const struct tls *s = (const struct tls *)l;

    if (!s->ready)
        return s->hs_events;
    return (short)((reading ? s->read_events : 0) | s->write_events);
}

static void tls_shutdown(struct layer *l)
{
    struct tls *s = (struct tls *)l;

    if (s->shut || !s->ready)
        return;
    s->shut = true;
    if (!s->dead) {
        ERR_clear_error();
        SSL_shutdown(s->ssl); /* one non-blocking attempt; the peer's close_notify is not awaited */
        ERR_clear_error();
    }
    l->below->ops->shutdown(l->below);
}

static void tls_describe(const struct layer *l, char *out, size_t n)
{
    const struct tls *s = (const struct tls *)l;

    snprintf(out, n, "%s", s->ready ? s->info : "TLS handshake");
}

static void tls_destroy(struct layer *l)
{
    struct tls *s = (struct tls *)l;

    if (s->ssl && s->ready && !s->shut && !s->dead) {
        ERR_clear_error();
        SSL_shutdown(s->ssl); /* best effort close_notify; the result does not matter now */
    }
    SSL_free(s->ssl);
    SSL_CTX_free(s->ctx);
    BIO_meth_free(s->meth);
    ERR_clear_error();
    X509_free(s->bad_time_cert);
    free(s->host);
    free(s);
}

static const struct layer_ops tls_ops = {
    .name = "tls",
    .connect = tls_connect,
    .read = tls_read,
    .write = tls_write,
    .pending = tls_pending,
    .poll_events = tls_poll_events,
    .shutdown = tls_shutdown,
    .describe = tls_describe,
    .destroy = tls_destroy,
};

static int ctx_init(struct tls *s, const struct tls_settings *ts)
{
    /* A fixed type, not BIO_get_new_index(): that index space is small and never recycled. */
    s->meth = BIO_meth_new(BIO_TYPE_SOURCE_SINK | 0x7e, "wsc layer below");
    if (!s->meth || !BIO_meth_set_read(s->meth, bio_read) ||
        !BIO_meth_set_write(s->meth, bio_write) || !BIO_meth_set_ctrl(s->meth, bio_ctrl) ||
        !BIO_meth_set_create(s->meth, bio_create)) {
        ERR_clear_error();
        layer_set_err(&s->base, "out of memory");
        return T_ERR_NOMEM;
    }
    if (ts->config) { /* made once for the run: nothing is read again */
        const struct tls *c = (const struct tls *)ts->config;
        if (SSL_CTX_up_ref(c->ctx) != 1) {
            ERR_clear_error();
            layer_set_err(&s->base, "out of memory");
            return T_ERR_NOMEM;
        }
        s->ctx = c->ctx;
        s->insecure = c->insecure;
        s->has_cert = c->has_cert;
        s->keylog_fd = c->keylog_fd;
        s->npins = c->npins;
        memcpy(s->pins, c->pins, sizeof s->pins);
        return 0;
    }
    return tls_ctx_init(s, ts);
}

int tls_new(struct layer **out, struct layer_env *env, struct layer *below, const char *host,
            const struct tls_settings *ts)
{
    struct tls *s = calloc(1, sizeof *s);
    int r;

    *out = NULL;
    if (!s || !(s->host = strdup(host))) {
        free(s);
        snprintf(env->err, sizeof env->err, "out of memory");
        return T_ERR_NOMEM;
    }
    s->base.ops = &tls_ops;
    s->base.env = env;
    s->base.below = below;
    s->insecure = ts->insecure;
    s->keylog_fd = -1;
    if ((r = ctx_init(s, ts)) < 0) {
        s->npins = 0;
        tls_destroy(&s->base);
        return r;
    }
    *out = &s->base;
    return 0;
}

const char *tls_info(const struct layer *l)
{
    return ((const struct tls *)l)->info;
}
