/*
 * rand - cryptographically secure random bytes for masks and handshake nonces
 * (RFC 6455 §5.3 and §4.1 require unpredictable values).
 *
 * Backed by getrandom(2) with a small refillable pool, so a 4-byte mask per frame does not cost a
 * system call per frame. Not thread-safe (wsc is single-threaded).
 */
#ifndef WSC_RAND_H
#define WSC_RAND_H

#include <stddef.h>

/* Fill p with n random bytes. Returns 0, or -1 if the kernel's generator failed (errno set). */
int rand_bytes(void *p, size_t n);

#endif
