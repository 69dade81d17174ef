/* Unit tests for base64 (RFC 4648 §4 encoding). */
#include <string.h>

#include "base64.h"
#include "check_common.h"

/* RFC 4648 §10 test vectors. */
static const struct {
    const char *in;
    const char *out;
} base64_rfc4648_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

START_TEST(encode_rfc4648_vectors)
{
    const char *in = base64_rfc4648_vectors[_i].in;
    const char *want = base64_rfc4648_vectors[_i].out;
    char out[16];
    memset(out, 'X', sizeof(out));
    size_t n = base64_encode((const uint8_t *)in, strlen(in), out);
    ck_assert_uint_eq(n, strlen(want));
    ck_assert_uint_eq(n, base64_encoded_len(strlen(in)));
    ck_assert_str_eq(out, want);
}
END_TEST

/* Each single byte encodes to two alphabet characters and "==". */
START_TEST(encode_every_single_byte_value)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int b = 0; b < 256; b++) {
        uint8_t in = (uint8_t)b;
        char out[5];
        char want[5] = {alphabet[b >> 2], alphabet[(b & 3) << 4], '=', '=', '\0'};
        ck_assert_uint_eq(base64_encode(&in, 1, out), 4);
        ck_assert_str_eq(out, want);
    }
}
END_TEST

/* Bytes 0x00..0xff in order; expected text made with an independent encoder. */
START_TEST(encode_all_256_bytes_in_one_buffer)
{
    static const char want[] =
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQk"
        "NERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWG"
        "h4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIyc"
        "rLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
    uint8_t in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    char out[sizeof(want) + 8];
    ck_assert_uint_eq(base64_encoded_len(256), sizeof(want) - 1);
    ck_assert_uint_eq(base64_encode(in, sizeof(in), out), sizeof(want) - 1);
    ck_assert_str_eq(out, want);
}
END_TEST

/* The encoder writes exactly base64_encoded_len(n) + 1 bytes, never past. */
START_TEST(encode_writes_no_byte_past_the_nul)
{
    uint8_t in[7] = {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9};
    for (size_t n = 0; n <= sizeof(in); n++) {
        char out[32];
        memset(out, 'X', sizeof(out));
        size_t len = base64_encode(in, n, out);
        ck_assert_uint_eq(len, base64_encoded_len(n));
        ck_assert_int_eq(out[len], '\0');
        ck_assert_int_eq(out[len + 1], 'X');
    }
}
END_TEST

static Suite *base64_suite(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("base64_encode");
    tcase_add_loop_test(tc, encode_rfc4648_vectors, 0,
                        sizeof(base64_rfc4648_vectors) / sizeof(base64_rfc4648_vectors[0]));
    tcase_add_test(tc, encode_every_single_byte_value);
    tcase_add_test(tc, encode_all_256_bytes_in_one_buffer);
    tcase_add_test(tc, encode_writes_no_byte_past_the_nul);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(base64_suite)
