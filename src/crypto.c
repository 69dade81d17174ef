/* crypto - OpenSSL's SHA-1 and CSPRNG behind two functions; see crypto.h. */
#include "crypto.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

int crypto_sha1(const void *p, size_t n, uint8_t out[CRYPTO_SHA1_SIZE])
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha1(), NULL) != 1 || len != CRYPTO_SHA1_SIZE) {
        memset(out, 0, CRYPTO_SHA1_SIZE);
        return -1;
    }
    return 0;
}

int crypto_random(void *p, size_t n)
{
    uint8_t *out = p;
    /* RAND_bytes takes an int count. */
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(out, chunk) != 1)
            return -1;
        out += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}
