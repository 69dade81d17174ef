/*
 * tls - the TLS layer of the transport stack (layer.h), over OpenSSL. tls.c and crypto.c are the
 * only files that include OpenSSL (crypto.c for SHA-1 and the CSPRNG). It reads and writes
 * through the layer below it (a socket today, a proxy tunnel later) with a BIO of its own, so it
 * never touches a file descriptor.
 *
 * TLS 1.2 or later; SNI for host names only (RFC 6066 §3 forbids address literals); host name
 * or IP address verification with OpenSSL's own matcher (RFC 6125) against the system CA store
 * or a --cacert file, unless insecure.
 */
#ifndef WSC_TLS_H
#define WSC_TLS_H

#include <stdbool.h>

#include "layer.h"

/* What a TLS layer is asked to do. Pointers are borrowed for tls_new() only (it loads the
 * files then). Only cacert and insecure exist today; the rest of curl's TLS options join here. */
struct tls_settings {
    const char *cacert; /* PEM file of trusted CAs instead of the system store, or NULL */
    bool insecure;      /* skip certificate and host name verification */
};

/*
 * Make a TLS layer over below for host (copied; used for SNI and verification). Loads the CA
 * file now, so that configuration errors come before any traffic. Returns 0 with *out set, or
 * T_ERR_CONFIG (e.g. the CA file cannot be read) / T_ERR_NOMEM with the text in env->err.
 * The handshake starts on the layer's first connect step, once below is connected.
 *
 * Handshake errors: T_ERR_VERIFY with "certificate verify failed: <why>"; T_ERR_TLS with the
 * reason alone ("wrong version number (is this a plain ws:// port?)", "connection closed"), or
 * the text of the layer below when that one broke. The caller names the step.
 */
int tls_new(struct layer **out, struct layer_env *env, struct layer *below, const char *host,
            const struct tls_settings *ts);

/* After the handshake: "TLSv1.3, TLS_AES_256_GCM_SHA384, subject CN=localhost, issuer CN=Test
 * CA"; "" before. Valid as long as the layer. */
const char *tls_info(const struct layer *l);

#endif
