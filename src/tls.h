/*
 * tls - the TLS layer of the transport stack (layer.h), over OpenSSL. tls.c, tls_ctx.c (its
 * configuration half) and crypto.c (SHA-1 and the CSPRNG) are the only files that include
 * OpenSSL. It reads and writes through the layer below it (a socket today, a proxy tunnel later)
 * with a BIO of its own, so it never touches a file descriptor.
 *
 * TLS 1.2 or later (RFC 5246, RFC 8446); SNI for host names only (RFC 6066 §3 forbids address
 * literals); host name or IP address verification with OpenSSL's own matcher (RFC 6125)
 * against the system CA store or --cacert/--capath, unless insecure; client certificates;
 * public key pinning (curl's --pinnedpubkey); the NSS key log for SSLKEYLOGFILE.
 */
#ifndef WSC_TLS_H
#define WSC_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "layer.h"

/* The lowest / highest TLS version to offer (curl's --tlsv1.2, --tlsv1.3, --tls-max). The order
 * is the one of the --tls-max values "default|1.2|1.3". */
enum tls_version { TLS_VERSION_DEFAULT = 0, TLS_VERSION_1_2, TLS_VERSION_1_3 };

/* What a TLS layer is asked to do. Pointers are borrowed for tls_new() only (it loads the
 * files then). A zeroed struct means every default: system CA store, verification on, TLS 1.2
 * to 1.3, OpenSSL's cipher lists, no client certificate, no pinning, no key log. */
struct tls_settings {
    const char *cacert; /* PEM file of trusted CAs instead of the system store, or NULL */
    bool insecure;      /* skip certificate and host name verification */
    const char *capath; /* directory of hashed CA certificates (openssl rehash), or NULL; with
                         * cacert and/or capath the system store is not used */
    const char *cert;   /* client certificate chain, PEM: "FILE" or curl's "FILE:PASSWORD"
                         * (tls_split_cert()); NULL for none */
    const char *key;    /* PEM private key; NULL: the key is in the cert file */
    const char *pass;   /* pass phrase of an encrypted key (wins over cert's ":PASSWORD") */
    enum tls_version min_version, max_version; /* DEFAULT: 1.2 / 1.3 */
    const char *ciphers;                       /* TLS 1.2 cipher list (OpenSSL syntax), or NULL */
    const char *tls13_ciphers;                 /* TLS 1.3 cipher suites, or NULL */
    const char *pinned_pubkey; /* "sha256//B64[;sha256//B64...]" or a PEM/DER public key file */
    int keylog_fd; /* > 2: append NSS key log lines to it (borrowed, from tls_keylog_open());
                    * else no key log */
    const struct tls_config *config; /* made once by tls_config_new(): when set, tls_new() takes
                                      * it (a reference to its SSL_CTX) instead of the fields
                                      * above, and reads no file again */
};

struct tls_config;

/* Build the configuration ts describes once (CAs, certificate and key, pins, ciphers, key log),
 * for every TLS layer of the run (tls_settings.config): 0 with *out set, or T_ERR_CONFIG /
 * T_ERR_NOMEM with the same text as tls_new() would give in err (n bytes). */
int tls_config_new(struct tls_config **out, const struct tls_settings *ts, char *err, size_t n);
/* Drop the caller's reference; layers made from it keep theirs. NULL is fine. */
void tls_config_free(struct tls_config *c);

/* Open the key log file path (SSLKEYLOGFILE) once for the whole run: never blocks (O_NONBLOCK:
 * a FIFO nobody reads would freeze us), created 0600, and only a regular file is taken.
 * Returns an fd > 2 for tls_settings.keylog_fd, or -1 with why (n bytes) set. */
int tls_keylog_open(const char *path, char *why, size_t n);

/* Split curl's --cert argument "FILE[:PASSWORD]" into file (a copy, with "\:" read as ':' and
 * "\\" as '\') and *pass (pointing into arg after the first unescaped ':', or NULL).
 * Returns 0, or -1 if file (n bytes) is too small. */
int tls_split_cert(const char *arg, char *file, size_t n, const char **pass);

/* Parse curl's --pinnedpubkey hashes "sha256//BASE64[;sha256//BASE64...]" (each BASE64 the
 * SHA-256 of a SubjectPublicKeyInfo in DER) into out[0..max). Returns how many, or -1 if the
 * text is not of that form (empty, another hash, not 32 bytes, more than max). */
int tls_parse_pins(const char *spec, unsigned char out[][32], int max);

/*
 * Make a TLS layer over below for host (copied; used for SNI and verification). Loads the CA
 * file, the client certificate and key, the pins and opens the key log now, so that
 * configuration errors come before any traffic. Returns 0 with *out set, or T_ERR_CONFIG (the
 * CA file cannot be read, "the key in FILE is encrypted: give --pass", a wrong pass phrase, a key
 * that does not match the certificate, a bad cipher list or pin) / T_ERR_NOMEM with the text in
 * env->err. Pass phrases never appear in a text. An encrypted key without a pass phrase never
 * prompts. A key log file that cannot be opened is only said on the -v log.
 * The handshake starts on the layer's first connect step, once below is connected.
 *
 * Handshake errors: T_ERR_VERIFY with "certificate verify failed: <why>" (an expired certificate:
 * "certificate has expired (CN=..., notAfter 2020-01-01 00:00:00 UTC)"); T_ERR_PINNED when the
 * server's public key matches no pin (checked with insecure too); T_ERR_TLS with the reason alone
 * ("wrong version number (is this a plain ws:// port?)", "connection closed", "the server
 * requires a client certificate (alert 116 certificate required): use --cert"), or the text of
 * the layer below when that one broke. The caller names the step.
 *
 * Reads: a fatal alert before the first byte of application data is T_ERR_TLS (with TLS 1.3 the
 * server refuses a client certificate only after our handshake is done, on our first read);
 * later, as every other broken read, T_ERR_RESET.
 *
 * -v: after the handshake, the summary, then one line per certificate the server sent:
 * "certificate 0: subject CN=localhost, issuer CN=Test CA, expires 2027-01-01 12:00:00 UTC".
 */
int tls_new(struct layer **out, struct layer_env *env, struct layer *below, const char *host,
            const struct tls_settings *ts);

/* After the handshake: "TLSv1.3, TLS_AES_256_GCM_SHA384, subject CN=localhost, issuer CN=Test
 * CA"; "" before. Valid as long as the layer. */
const char *tls_info(const struct layer *l);

#endif
