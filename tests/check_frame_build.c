/*
 * Unit tests for the RFC 6455 §5.2 frame builder and masking (src/frame.c): frame_build_header,
 * frame_mask. Built frames are parsed back through run_vector() (check_frame.h). The parser:
 * check_frame.c.
 */
#include <stdint.h>

#include "check_frame.h"

/* ---- frame_build_header ---- */

static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};

static void check_header(uint64_t len, const uint8_t *mask, const uint8_t *exp, size_t elen)
{
    uint8_t out[WS_MAX_HEADER_SIZE + 1];

    memset(out, 0xEE, sizeof(out));
    ck_assert_uint_eq(frame_build_header(out, true, 0, WS_OP_BINARY, mask, len), elen);
    ck_assert_mem_eq(out, exp, elen);
    ck_assert_uint_eq(out[WS_MAX_HEADER_SIZE], 0xEE);
}

START_TEST(build_len_0)
{
    static const uint8_t e[] = {0x82, 0x00}, em[] = {0x82, 0x80, 0x37, 0xfa, 0x21, 0x3d};

    check_header(0, NULL, e, sizeof(e));
    check_header(0, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_125_7bit)
{
    static const uint8_t e[] = {0x82, 0x7D}, em[] = {0x82, 0xFD, 0x37, 0xfa, 0x21, 0x3d};

    check_header(125, NULL, e, sizeof(e));
    check_header(125, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_126_16bit)
{
    static const uint8_t e[] = {0x82, 0x7E, 0x00, 0x7E};
    static const uint8_t em[] = {0x82, 0xFE, 0x00, 0x7E, 0x37, 0xfa, 0x21, 0x3d};

    check_header(126, NULL, e, sizeof(e));
    check_header(126, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_65535_16bit)
{
    static const uint8_t e[] = {0x82, 0x7E, 0xFF, 0xFF};
    static const uint8_t em[] = {0x82, 0xFE, 0xFF, 0xFF, 0x37, 0xfa, 0x21, 0x3d};

    check_header(65535, NULL, e, sizeof(e));
    check_header(65535, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_65536_64bit)
{
    static const uint8_t e[] = {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    static const uint8_t em[] = {0x82, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x01, 0x00, 0x00, 0x37, 0xfa, 0x21, 0x3d};

    check_header(65536, NULL, e, sizeof(e));
    check_header(65536, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_2pow63_minus_1)
{
    static const uint8_t e[] = {0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

    check_header(UINT64_C(0x7FFFFFFFFFFFFFFF), NULL, e, sizeof(e));
}
END_TEST

START_TEST(build_fin_rsv_opcode_bits)
{
    uint8_t out[WS_MAX_HEADER_SIZE];

    ck_assert_uint_eq(frame_build_header(out, false, WS_RSV1 | WS_RSV3, WS_OP_TEXT, NULL, 3), 2);
    ck_assert_uint_eq(out[0], 0x51);
    ck_assert_uint_eq(out[1], 0x03);
    ck_assert_uint_eq(frame_build_header(out, true, 0, WS_OP_CLOSE, NULL, 2), 2);
    ck_assert_uint_eq(out[0], 0x88);
    ck_assert_uint_eq(frame_build_header(out, false, 0, WS_OP_CONT, NULL, 0), 2);
    ck_assert_uint_eq(out[0], 0x00);
}
END_TEST

/* Build a frame, mask it if asked, parse it whole and bytewise, and compare. */
static void round_trip(bool masked, bool fin, uint8_t opcode, size_t len)
{
    uint8_t *buf = malloc(WS_MAX_HEADER_SIZE + len + 1);
    uint8_t *plain = malloc(len + 1);
    size_t h;

    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_nonnull(plain);
    for (size_t i = 0; i < len; i++)
        plain[i] = (uint8_t)(i * 31 + 5);
    h = frame_build_header(buf, fin, 0, opcode, masked ? key : NULL, len);
    if (masked)
        frame_mask(buf + h, plain, len, key, 0);
    else
        memcpy(buf + h, plain, len);

    struct exp_frame f = {fin, 0, opcode, masked, len, plain, len, true};
    struct vector v = {masked, 0, buf, h + len, &f, 1, 0};
    run_vector(&v);
    free(plain);
    free(buf);
}

START_TEST(build_round_trip_parse)
{
    static const size_t lens[] = {0, 1, 125, 126, 127, 1000, 65535, 65536};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        round_trip(false, true, WS_OP_BINARY, lens[i]);
        round_trip(true, true, WS_OP_TEXT, lens[i]);
    }
    round_trip(false, true, WS_OP_PING, 125);
    round_trip(true, true, WS_OP_CLOSE, 2);
    round_trip(false, false, WS_OP_TEXT, 10);
}
END_TEST

/* ---- frame_mask ---- */

static void mask_ref(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t m[4], uint64_t o)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ m[(o + i) % 4];
}

#define MASK_MAX 70000
#define GUARD    16

static void check_mask(size_t da, size_t sa, uint64_t off, size_t len)
{
    static uint8_t srcbuf[MASK_MAX + 64], got[MASK_MAX + 64], want[MASK_MAX + 64];
    static const uint8_t m[4] = {0x12, 0x9a, 0xc5, 0x7e};
    /* 16-byte aligned bases, so da/sa are the real alignments mod 16. */
    uint8_t *s = (uint8_t *)(((uintptr_t)srcbuf + 15) & ~(uintptr_t)15) + sa;
    uint8_t *d = (uint8_t *)(((uintptr_t)got + 15) & ~(uintptr_t)15) + GUARD + da;

    for (size_t i = 0; i < len; i++)
        s[i] = (uint8_t)(i * 13 + sa + 1);
    memset(got, 0xA5, sizeof(got));
    memset(want, 0xA5, sizeof(want));
    mask_ref(want + (d - got), s, len, m, off);
    frame_mask(d, s, len, m, off);
    /* Compares the guard bytes too: nothing written outside dst[0..len). */
    REQUIRE(memcmp(got, want, (size_t)(d - got) + len + GUARD) == 0,
            "dst align %zu src align %zu offset %llu len %zu", da, sa, (unsigned long long)off,
            len);
}

START_TEST(mask_matches_byte_loop_all_alignments)
{
    for (size_t da = 0; da < 16; da++)
        for (size_t sa = 0; sa < 16; sa++)
            for (uint64_t off = 0; off < 4; off++)
                for (size_t len = 0; len <= 70; len++)
                    check_mask(da, sa, off, len);
}
END_TEST

START_TEST(mask_matches_byte_loop_large)
{
    static const size_t lens[] = {255, 256, 1000, 4099, 65536, 65541};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        for (size_t a = 0; a < 16; a += 3)
            for (uint64_t off = 0; off < 4; off++)
                check_mask(a, (a * 5) % 16, off, lens[i]);
}
END_TEST

START_TEST(mask_large_offset_uses_offset_mod_4)
{
    /* An offset past 2^32 still selects the key byte by offset % 4. */
    check_mask(3, 1, UINT64_C(0x100000003), 40);
    check_mask(0, 0, UINT64_C(0xFFFFFFFFFFFFFFFD), 40);
}
END_TEST

START_TEST(mask_in_place)
{
    static uint8_t buf[256], want[256];
    static const uint8_t m[4] = {0xde, 0xad, 0xbe, 0xef};

    for (size_t a = 0; a < 16; a++)
        for (uint64_t off = 0; off < 4; off++)
            for (size_t len = 0; len <= 100; len++) {
                for (size_t i = 0; i < sizeof(buf); i++)
                    buf[i] = want[i] = (uint8_t)(i * 3 + len);
                mask_ref(want + a, want + a, len, m, off);
                frame_mask(buf + a, buf + a, len, m, off);
                REQUIRE(memcmp(buf, want, sizeof(buf)) == 0, "align %zu off %llu len %zu", a,
                        (unsigned long long)off, len);
            }
}
END_TEST

START_TEST(mask_twice_is_identity)
{
    uint8_t a[300], b[300];

    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (uint8_t)i;
    frame_mask(b, a, sizeof(a), key, 1);
    ck_assert_mem_ne(a, b, sizeof(a));
    frame_mask(b, b, sizeof(b), key, 1);
    ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

START_TEST(mask_rfc_hello_example)
{
    /* RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d. */
    static const uint8_t masked[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    uint8_t out[5];

    frame_mask(out, P("Hello"), 5, key, 0);
    ck_assert_mem_eq(out, masked, 5);
}
END_TEST

static Suite *frame_build_suite(void)
{
    Suite *s = suite_create("frame_build");
    TCase *tc;

    tc = tcase_create("frame_build_header");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, build_len_0);
    tcase_add_test(tc, build_len_125_7bit);
    tcase_add_test(tc, build_len_126_16bit);
    tcase_add_test(tc, build_len_65535_16bit);
    tcase_add_test(tc, build_len_65536_64bit);
    tcase_add_test(tc, build_len_2pow63_minus_1);
    tcase_add_test(tc, build_fin_rsv_opcode_bits);
    tcase_add_test(tc, build_round_trip_parse);
    suite_add_tcase(s, tc);

    tc = tcase_create("frame_mask");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, mask_matches_byte_loop_all_alignments);
    tcase_add_test(tc, mask_matches_byte_loop_large);
    tcase_add_test(tc, mask_large_offset_uses_offset_mod_4);
    tcase_add_test(tc, mask_in_place);
    tcase_add_test(tc, mask_twice_is_identity);
    tcase_add_test(tc, mask_rfc_hello_example);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(frame_build_suite)
