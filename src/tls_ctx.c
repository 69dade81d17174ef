/*
 * tls_ctx - the configuration half of the TLS layer: the SSL_CTX that tls_new() (or, once for the
 * run, tls_config_new()) builds from a struct tls_settings (CAs, versions, ciphers, client
 * certificate and key, pins, key log), the key log file, and the pin check after the handshake. See
 * tls.h for the contract, tls_int.h for the shared state.
 *
 * - An encrypted key never prompts: OpenSSL's default pass phrase callback would read the
 *   terminal and hang a script. Ours hands over --pass or fails, and the error says so.
 * - A server that wants a client certificate we do not have is noticed by the client
 *   certificate callback (it runs only then), so its alert can be told as "use --cert".
 * - Pins are the SHA-256 of the server's SubjectPublicKeyInfo (RFC 7469 §2.4), as curl's
 *   --pinnedpubkey; checked after verification, with --insecure too.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls_int.h"
#include "transport.h"

/* The reason of the oldest queued OpenSSL error (then clears the queue), or NULL; *code gets
 * its reason code (0 if none). */
const char *tls_ossl_reason(char *buf, size_t n, int *code)
{
    unsigned long e = ERR_get_error();
    const char *r;

    ERR_clear_error();
    *code = 0;
    if (e == 0)
        return NULL;
    *code = ERR_GET_REASON(e);
#ifdef ERR_SYSTEM_ERROR
    /* OpenSSL 3 keeps errno values as "system library" errors without a reason text. */
    if (ERR_SYSTEM_ERROR(e)) {
        *code = 0;
        return strerror(ERR_GET_REASON(e));
    }
#endif
    r = ERR_reason_error_string(e);
    if (r)
        return r;
    ERR_error_string_n(e, buf, n);
    return buf;
}

/* ---- configuration ---- */

int tls_split_cert(const char *arg, char *file, size_t n, const char **pass)
{
    size_t j = 0;

    *pass = NULL;
    for (const char *p = arg; *p; p++) {
        char c = *p;
        if (c == '\\' && (p[1] == ':' || p[1] == '\\')) {
            c = *++p;
        } else if (c == ':') {
            *pass = p + 1;
            break;
        }
        if (j + 1 >= n)
            return -1;
        file[j++] = c;
    }
    if (n == 0)
        return -1;
    file[j] = '\0';
    return 0;
}

int tls_parse_pins(const char *spec, unsigned char out[][32], int max)
{
    int n = 0;

    for (const char *p = spec;; n++) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned char raw[48];

        /* sha256// and 44 characters of base64 for 32 bytes ("...=" pads one byte) */
        if (n == max || len != 8 + 44 || strncmp(p, "sha256//", 8) != 0 || p[len - 1] != '=' ||
            p[len - 2] == '=' || EVP_DecodeBlock(raw, (const unsigned char *)p + 8, 44) != 33)
            return -1;
        for (size_t i = 8; i < len - 1; i++) /* EVP_DecodeBlock skips blanks */
            if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
                  (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/'))
                return -1;
        memcpy(out[n], raw, 32);
        if (!end)
            return n + 1;
        p = end + 1;
    }
}

/* A PEM or DER public key file for --pinnedpubkey: its SHA-256 as the one pin. */
static int pin_file(struct tls *s, const char *file)
{
    BIO *b = BIO_new_file(file, "rb");
    EVP_PKEY *k = NULL;
    unsigned char *der = NULL;
    int len = -1;

    if (b) {
        k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
        if (!k && BIO_reset(b) == 0)
            k = d2i_PUBKEY_bio(b, NULL);
        BIO_free(b);
    }
    if (k)
        len = i2d_PUBKEY(k, &der);
    EVP_PKEY_free(k);
    if (len <= 0 || !EVP_Digest(der, (size_t)len, s->pins[0], NULL, EVP_sha256(), NULL)) {
        OPENSSL_free(der);
        ERR_clear_error();
        layer_set_err(&s->base,
                      "--pinnedpubkey: '%s' is neither sha256//BASE64[;...] nor a readable "
                      "public key file",
                      file);
        return T_ERR_CONFIG;
    }
    OPENSSL_free(der);
    s->npins = 1;
    return 0;
}

/* OpenSSL's pass phrase callback: --pass, or fail (never the terminal). */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    struct tls *s = u;
    size_t n;

    (void)rwflag;
    if (!s)
        return -1; /* outside tls_ctx_init(): nothing to hand over */
    if (!s->pass) {
        s->pass_missing = true;
        return -1;
    }
    n = strlen(s->pass);
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, s->pass, n);
    return (int)n;
}

/* Notes a CertificateRequest from the server (RFC 8446 §4.3.2, RFC 5246 §7.4.4): when the
 * server then hangs up without a word (some send no alert), the error can say why. Notes a
 * NewSessionTicket too (RFC 8446 §4.6.1): OpenSSL and Python servers send one only once they
 * accepted our certificate (or its absence), so a later close is not about the certificate. */
static void msg_cb(int write_p, int version, int type, const void *buf, size_t len, SSL *ssl,
                   void *arg)
{
    struct tls *s = SSL_get_app_data(ssl);

    (void)version, (void)arg;
    if (!s || write_p || type != SSL3_RT_HANDSHAKE || len == 0)
        return;
    if (((const unsigned char *)buf)[0] == SSL3_MT_CERTIFICATE_REQUEST)
        s->cert_asked = true;
    else if (((const unsigned char *)buf)[0] == SSL3_MT_NEWSESSION_TICKET)
        s->ticket_seen = true;
}

/* Keeps the subject and dates of the certificate that failed for being out of its validity
 * period, which may be a local CA the server did not send (verify_failed() in tls.c). */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls *s = ssl ? SSL_get_app_data(ssl) : NULL;
    int e = X509_STORE_CTX_get_error(x);
    X509 *c = X509_STORE_CTX_get_current_cert(x);

    if (!ok && s && c && !s->bad_time_cert &&
        (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID) &&
        X509_up_ref(c) == 1)
        s->bad_time_cert = c;
    return ok;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
    struct tls *s = SSL_get_app_data(ssl);
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s\n", line);

    /* One write per line: O_APPEND keeps lines of parallel runs whole; O_NONBLOCK (a regular
     * file never blocks anyway) so that nothing here can stop the loop. */
    if (s && s->keylog_fd >= 0 && n > 0 && (size_t)n < sizeof buf &&
        write(s->keylog_fd, buf, (size_t)n) < 0)
        layer_log(&s->base, "cannot write to SSLKEYLOGFILE: %s", strerror(errno));
}

/* T_ERR_CONFIG with the text "<fmt...>: <OpenSSL's reason>" (the reason when there is one). */
static int conf_err(struct tls *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int conf_err(struct tls *s, const char *fmt, ...)
{
    char eb[256], what[400];
    const char *why;
    va_list ap;
    int code;

    why = tls_ossl_reason(eb, sizeof eb, &code);
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    layer_set_err(&s->base, "%s%s%s", what, why ? ": " : "", why ? why : "");
    return T_ERR_CONFIG;
}

/* The client certificate and its key, checked against each other. */
static int load_client_cert(struct tls *s, const struct tls_settings *ts)
{
    char file[4096];
    const char *cpass, *key;

    if (tls_split_cert(ts->cert, file, sizeof file, &cpass) < 0)
        return conf_err(s, "--cert: the file name is too long");
    s->has_cert = true;
    s->pass = ts->pass ? ts->pass : cpass;
    key = ts->key ? ts->key : file;
    SSL_CTX_set_default_passwd_cb(s->ctx, pass_cb);
    SSL_CTX_set_default_passwd_cb_userdata(s->ctx, s);
    if (SSL_CTX_use_certificate_chain_file(s->ctx, file) != 1)
        return conf_err(s, "cannot load the client certificate from '%s'", file);
    if (SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM) != 1) {
        if (s->pass_missing) {
            ERR_clear_error();
            layer_set_err(&s->base, "the key in '%s' is encrypted: give --pass", key);
            return T_ERR_CONFIG;
        }
        if (s->pass)
            return conf_err(s, "cannot load the key from '%s' (wrong pass phrase?)", key);
        return conf_err(s, "cannot load the key from '%s'", key);
    }
    if (SSL_CTX_check_private_key(s->ctx) != 1) {
        ERR_clear_error();
        layer_set_err(&s->base, "the key in '%s' does not match the certificate in '%s'", key,
                      file);
        return T_ERR_CONFIG;
    }
    return 0;
}

/* The server's public key against the pins (RFC 7469's SPKI SHA-256, as curl's). 0 if it
 * matches one (or there are none), T_ERR_PINNED. */
int tls_check_pins(struct tls *s)
{
    X509 *cert = SSL_get0_peer_certificate(s->ssl);
    unsigned char *der = NULL, md[32];
    char b64[48];
    int len, i;

    if (s->npins == 0)
        return 0;
    len = cert ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der) : -1;
    if (len <= 0 || !EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL)) {
        OPENSSL_free(der);
        ERR_clear_error();
        layer_set_err(&s->base, "cannot read the server's public key");
        return T_ERR_PINNED;
    }
    OPENSSL_free(der);
    for (i = 0; i < s->npins; i++)
        if (memcmp(md, s->pins[i], sizeof md) == 0) {
            layer_log(&s->base, "server public key matches --pinnedpubkey");
            return 0;
        }
    EVP_EncodeBlock((unsigned char *)b64, md, sizeof md);
    layer_set_err(&s->base, "the server's key sha256//%s matches no --pinnedpubkey", b64);
    return T_ERR_PINNED;
}

int tls_ctx_init(struct tls *s, const struct tls_settings *ts)
{
    static const int versions[] = {0, TLS1_2_VERSION, TLS1_3_VERSION};
    struct stat st;
    int r = 0;

    s->ctx = SSL_CTX_new(TLS_client_method());
    if (!s->ctx) {
        ERR_clear_error();
        layer_set_err(&s->base, "out of memory");
        return T_ERR_NOMEM;
    }
    SSL_CTX_set_min_proto_version(s->ctx, ts->min_version == TLS_VERSION_1_3 ? TLS1_3_VERSION
                                                                             : TLS1_2_VERSION);
    if (ts->max_version != TLS_VERSION_DEFAULT)
        SSL_CTX_set_max_proto_version(s->ctx, versions[ts->max_version]);
    if (ts->max_version != TLS_VERSION_DEFAULT && ts->max_version < ts->min_version) {
        layer_set_err(&s->base, "--tls-max is below the minimum version asked for");
        return T_ERR_CONFIG;
    }
    SSL_CTX_set_mode(s->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(s->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (ts->ciphers && SSL_CTX_set_cipher_list(s->ctx, ts->ciphers) != 1)
        return conf_err(s, "--ciphers '%s'", ts->ciphers);
    if (ts->tls13_ciphers && SSL_CTX_set_ciphersuites(s->ctx, ts->tls13_ciphers) != 1)
        return conf_err(s, "--tls13-ciphers '%s'", ts->tls13_ciphers);
    if (ts->capath && (stat(ts->capath, &st) != 0 || !S_ISDIR(st.st_mode))) {
        layer_set_err(&s->base, "--capath '%s' is not a directory", ts->capath);
        return T_ERR_CONFIG;
    }
    if (ts->cacert || ts->capath) {
        if (SSL_CTX_load_verify_locations(s->ctx, ts->cacert, ts->capath) != 1) {
            if (ts->cacert)
                return conf_err(s, "cannot load CA certificates from '%s'", ts->cacert);
            return conf_err(s, "cannot use the CA directory '%s'", ts->capath);
        }
    } else if (SSL_CTX_set_default_verify_paths(s->ctx) != 1) {
        /* Not fatal by itself: verification will fail with a clear reason if it matters. */
        ERR_clear_error();
    }
    SSL_CTX_set_verify(s->ctx, s->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, verify_cb);
    if (ts->cert && (r = load_client_cert(s, ts)) < 0)
        return r;
    SSL_CTX_set_msg_callback(s->ctx, msg_cb);
    s->pass = NULL; /* borrowed for the load only */
    SSL_CTX_set_default_passwd_cb_userdata(s->ctx, NULL);
    if (ts->pinned_pubkey) {
        if (strncmp(ts->pinned_pubkey, "sha256//", 8) != 0)
            r = pin_file(s, ts->pinned_pubkey);
        else if ((s->npins = tls_parse_pins(ts->pinned_pubkey, s->pins, 16)) < 0) {
            layer_set_err(&s->base, "--pinnedpubkey: expected sha256//BASE64[;sha256//BASE64...] "
                                    "(the SHA-256 of the public key, 16 at most)");
            r = T_ERR_CONFIG;
        }
        if (r < 0)
            return r;
    }
    if (ts->keylog_fd > 2) {
        s->keylog_fd = ts->keylog_fd;
        SSL_CTX_set_keylog_callback(s->ctx, keylog_cb);
    }
    return 0;
}

int tls_keylog_open(const char *path, char *why, size_t n)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0600);

    if (fd < 0) {
        /* ENXIO: a FIFO nobody reads (or a socket) */
        snprintf(why, n, "%s", errno == ENXIO ? "not a regular file" : strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, n, "not a regular file");
        close(fd);
        return -1;
    }
    if (fd <= 2) { /* 0..2 are the standard streams' (closed at start): keep clear of them */
        int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        int e = errno;
        close(fd);
        if (fd2 < 0) {
            snprintf(why, n, "%s", strerror(e));
            return -1;
        }
        fd = fd2;
    }
    return fd;
}

/* A tls_config is a struct tls that never connects: layers copy its settings and share its
 * SSL_CTX (its callbacks find their layer through the SSL's app data). */
int tls_config_new(struct tls_config **out, const struct tls_settings *ts, char *err, size_t n)
{
    static struct layer_env quiet; /* a config logs nothing and fails no more once made */
    struct layer_env env = {0};
    struct tls_settings own = *ts;
    struct layer *l;
    int r;

    *out = NULL;
    own.config = NULL;
    if ((r = tls_new(&l, &env, NULL, "localhost", &own)) < 0) {
        snprintf(err, n, "%s", env.err);
        return r;
    }
    l->env = &quiet;
    *out = (struct tls_config *)l;
    return 0;
}

void tls_config_free(struct tls_config *c)
{
    if (c)
        ((struct layer *)c)->ops->destroy((struct layer *)c);
}
