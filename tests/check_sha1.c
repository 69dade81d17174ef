/* Unit tests for sha1 (FIPS 180-4): the FIPS example vectors and RFC 6455's accept example. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "check_common.h"
#include "sha1.h"

static void sha1_hex(const void *p, size_t n, char hex[2 * SHA1_DIGEST_SIZE + 1])
{
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1(p, n, d);
    for (int i = 0; i < SHA1_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-2 Appendix A.1: one block. */
START_TEST(sha1_abc_one_block)
{
    char hex[41];
    sha1_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}
END_TEST

/* FIPS 180-2 Appendix A.2: 448 bits, so the length needs a second padding block. */
START_TEST(sha1_448_bit_message_two_blocks)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char hex[41];
    ck_assert_uint_eq(strlen(m), 56);
    sha1_hex(m, strlen(m), hex);
    ck_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}
END_TEST

/* FIPS 180-2 Appendix A.3: one million 'a'. */
START_TEST(sha1_million_a)
{
    size_t n = 1000000;
    char *m = malloc(n);
    ck_assert_ptr_nonnull(m);
    memset(m, 'a', n);
    char hex[41];
    sha1_hex(m, n, hex);
    free(m);
    ck_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
END_TEST

START_TEST(sha1_empty_message)
{
    char hex[41];
    sha1_hex("", 0, hex);
    ck_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
END_TEST

/* Lengths 55, 56, 63, 64 and 65 sit on the padding boundaries. */
START_TEST(sha1_padding_boundary_lengths)
{
    static const struct {
        size_t n;
        const char *hex;
    } v[] = {
        {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
        {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
        {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
        {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
        {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
    };
    char m[65];
    memset(m, 'a', sizeof(m));
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char hex[41];
        sha1_hex(m, v[i].n, hex);
        ck_assert_msg(strcmp(hex, v[i].hex) == 0, "length %zu: got %s", v[i].n, hex);
    }
}
END_TEST

/* RFC 6455 §1.3: key "dGhlIHNhbXBsZSBub25jZQ==" + GUID hashes to "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=". */
START_TEST(sha1_rfc6455_accept_example)
{
    const char *m = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t d[SHA1_DIGEST_SIZE];
    char b64[29];
    sha1(m, strlen(m), d);
    base64_encode(d, sizeof(d), b64);
    ck_assert_str_eq(b64, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

static Suite *sha1_suite(void)
{
    Suite *s = suite_create("sha1");
    TCase *tc = tcase_create("sha1");
    tcase_add_test(tc, sha1_abc_one_block);
    tcase_add_test(tc, sha1_448_bit_message_two_blocks);
    tcase_add_test(tc, sha1_million_a);
    tcase_add_test(tc, sha1_empty_message);
    tcase_add_test(tc, sha1_padding_boundary_lengths);
    tcase_add_test(tc, sha1_rfc6455_accept_example);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(sha1_suite)
