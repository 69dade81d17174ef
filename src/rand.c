/*
 * rand - CSPRNG bytes for frame masks and handshake nonces (RFC 6455 §5.3, §4.1), drawn from
 * OpenSSL (crypto.c) into a pool. Each refill costs about as much as a few hundred single
 * RAND_bytes() calls for 4-byte masks would; used bytes are wiped so the pool never hands out the
 * same byte twice. Requests larger than the pool go straight to the generator.
 */
#include "rand.h"

#include <stdint.h>
#include <string.h>

#include "crypto.h"

#define RAND_POOL_SIZE 4096

static uint8_t rand_pool[RAND_POOL_SIZE];
static size_t rand_avail; /* unused bytes at the end of rand_pool */

int rand_bytes(void *p, size_t n)
{
    uint8_t *out = p;
    if (n >= RAND_POOL_SIZE)
        return crypto_random(out, n);
    while (n > 0) {
        if (rand_avail == 0) {
            if (crypto_random(rand_pool, RAND_POOL_SIZE) < 0)
                return -1;
            rand_avail = RAND_POOL_SIZE;
        }
        size_t take = n < rand_avail ? n : rand_avail;
        uint8_t *src = rand_pool + RAND_POOL_SIZE - rand_avail;
        memcpy(out, src, take);
        memset(src, 0, take);
        rand_avail -= take;
        out += take;
        n -= take;
    }
    return 0;
}
