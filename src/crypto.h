/*
 * crypto - the two primitives wsc needs from OpenSSL's libcrypto: SHA-1 for Sec-WebSocket-Accept
 * (RFC 6455 §4.2.2) and CSPRNG bytes for frame masks and the handshake nonce (§5.3, §4.1).
 *
 * tls.c and crypto.c are the only files that include OpenSSL (tests/it_docs.sh checks it); the
 * rest of wsc goes through this header (and rand.h, which pools crypto_random() for masks).
 */
#ifndef WSC_CRYPTO_H
#define WSC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA1_SIZE 20

/* out = SHA-1(p[0..n)). Returns 0, or -1 if OpenSSL failed (out is then zeroed). */
int crypto_sha1(const void *p, size_t n, uint8_t out[CRYPTO_SHA1_SIZE]);

/* Fill p with n bytes from OpenSSL's CSPRNG (RAND_bytes). Returns 0, or -1 if it failed. */
int crypto_random(void *p, size_t n);

#endif
