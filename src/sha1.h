/*
 * sha1 - SHA-1 (FIPS 180-4), used only for Sec-WebSocket-Accept (RFC 6455 §4.2.2).
 */
#ifndef WSC_SHA1_H
#define WSC_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_SIZE 20

/* out = SHA-1(p[0..n)). */
void sha1(const void *p, size_t n, uint8_t out[SHA1_DIGEST_SIZE]);

#endif
