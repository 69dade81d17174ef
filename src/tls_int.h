/*
 * tls_int - what tls.c (the layer) and tls_ctx.c (its configuration) share; not for others.
 */
#ifndef WSC_TLS_INT_H
#define WSC_TLS_INT_H

#include <openssl/ssl.h>

#include "tls.h"

struct tls {
    struct layer base;
    char *host;
    bool insecure;
    bool has_cert;       /* --cert given */
    bool cert_asked;     /* the server sent a CertificateRequest */
    bool ticket_seen;    /* the server sent a NewSessionTicket (TLS 1.3): it took our certificate */
    X509 *bad_time_cert; /* the first certificate verification found expired or not yet valid */
    bool got_data;       /* application data has been read */
    bool pass_missing;   /* the key is encrypted and there is no --pass */
    const char *pass;    /* during tls_new() only */
    int keylog_fd;       /* -1: none; borrowed (tls_settings.keylog_fd) */
    int npins;           /* 0: no pinning */
    unsigned char pins[16][32];
    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *meth;
    bool ready; /* handshake done */
    bool shut;  /* shutdown done */
    bool dead;  /* a fatal TLS error happened: no close_notify any more */
    bool below_eof;
    int below_err;      /* the error the layer below returned through the BIO, or 0 */
    short hs_events;    /* what the handshake waits for */
    short read_events;  /* what SSL_read waits for after WANT_* (0 if nothing) */
    short write_events; /* same for SSL_write */
    char info[512];
};

/* The reason of the oldest queued OpenSSL error (then clears the queue), or NULL; *code gets
 * its reason code (0 if none). buf (n bytes) may hold the text. */
const char *tls_ossl_reason(char *buf, size_t n, int *code);

/* Make s->ctx from ts (s->insecure set): T_ERR_CONFIG / T_ERR_NOMEM with the text set. */
int tls_ctx_init(struct tls *s, const struct tls_settings *ts);

/* After the handshake: 0 if there are no pins or the server's key matches one, else
 * T_ERR_PINNED with the text set. */
int tls_check_pins(struct tls *s);

#endif
