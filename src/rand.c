/*
 * rand - CSPRNG bytes from getrandom(2) for frame masks and handshake nonces (RFC 6455 §5.3,
 * §4.1). A small pool amortises the system call over many 4-byte masks; used bytes are wiped
 * so the pool never hands out the same byte twice.
 */
#include "rand.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#define RAND_POOL_SIZE 256

static uint8_t rand_pool[RAND_POOL_SIZE];
static size_t rand_avail; /* unused bytes at the end of rand_pool */

/* Fill p[0..n) from the kernel, retrying on EINTR and short reads. */
static int rand_fill(uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int rand_bytes(void *p, size_t n)
{
    uint8_t *out = p;
    while (n > 0) {
        if (rand_avail == 0) {
            if (rand_fill(rand_pool, RAND_POOL_SIZE) < 0)
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
