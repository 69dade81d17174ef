/*
 * rand - cryptographically secure random bytes for masks and handshake nonces
 * (RFC 6455 §5.3 and §4.1 require unpredictable values).
 *
 * Backed by OpenSSL's CSPRNG (crypto_random()) through a 4 KiB pool, so a 4-byte mask per frame
 * costs a memcpy, not a call into the generator. Not thread-safe (wsc is single-threaded).
 */
#ifndef WSC_RAND_H
#define WSC_RAND_H

#include <stddef.h>

/* Fill p with n random bytes. Returns 0, or -1 if the generator failed. */
int rand_bytes(void *p, size_t n);

#endif
