/* Unit tests for crypto (OpenSSL's SHA-1 and CSPRNG) and the rand pool on top of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "crypto.h"
#include "handshake.h"
#include "rand.h"

static void sha1_hex(const void *p, size_t n, char hex[2 * CRYPTO_SHA1_SIZE + 1])
{
    uint8_t d[CRYPTO_SHA1_SIZE];
    ck_assert_int_eq(crypto_sha1(p, n, d), 0);
    for (int i = 0; i < CRYPTO_SHA1_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-2 Appendix A.1, and the empty message: the wrapper passes bytes and length through. */
START_TEST(sha1_fips_abc_and_empty)
{
    char hex[41];
    sha1_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1_hex("", 0, hex);
    ck_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
END_TEST

/* RFC 6455 §1.3: the key "dGhlIHNhbXBsZSBub25jZQ==" is answered with
 * "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=". */
START_TEST(accept_value_rfc6455_example)
{
    char out[HANDSHAKE_ACCEPT_LEN + 1];
    handshake_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
    ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* Two draws of 32 bytes are neither zero nor equal (a chance of 2^-256 to fail spuriously). */
START_TEST(random_bytes_differ)
{
    uint8_t a[32] = {0}, b[32] = {0};
    ck_assert_int_eq(crypto_random(a, sizeof(a)), 0);
    ck_assert_int_eq(crypto_random(b, sizeof(b)), 0);
    ck_assert(!all_zero(a, sizeof(a)));
    ck_assert_int_ne(memcmp(a, b, sizeof(a)), 0);
    ck_assert_int_eq(crypto_random(a, 0), 0);
}
END_TEST

/* The pool: many 4-byte masks across several refills, then a request larger than the pool and
 * one that straddles a refill; no 16-byte window repeats (a pool handing out a byte twice would
 * repeat them). */
START_TEST(rand_pool_across_refills)
{
    enum { N = 3 * 4096 / 4 + 7 };
    uint8_t *masks = malloc(4 * N);
    ck_assert_ptr_nonnull(masks);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(rand_bytes(masks + 4 * i, 4), 0);
    for (size_t i = 16; i + 16 <= 4 * N; i += 16)
        ck_assert_int_ne(memcmp(masks, masks + i, 16), 0);
    free(masks);

    uint8_t big[10000] = {0};
    ck_assert_int_eq(rand_bytes(big, sizeof(big)), 0);
    ck_assert(!all_zero(big + sizeof(big) - 32, 32));
    uint8_t mid[3000] = {0};
    ck_assert_int_eq(rand_bytes(mid, sizeof(mid)), 0);
    ck_assert_int_eq(rand_bytes(mid, sizeof(mid)), 0); /* crosses a refill */
    ck_assert(!all_zero(mid + sizeof(mid) - 32, 32));
}
END_TEST

static Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("crypto_sha1");
    tcase_add_test(tc, sha1_fips_abc_and_empty);
    tcase_add_test(tc, accept_value_rfc6455_example);
    suite_add_tcase(s, tc);
    tc = tcase_create("crypto_random");
    tcase_add_test(tc, random_bytes_differ);
    tcase_add_test(tc, rand_pool_across_refills);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(crypto_suite)
