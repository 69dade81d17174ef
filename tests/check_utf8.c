/*
 * Unit tests for the incremental UTF-8 validator (src/utf8.c): RFC 3629 well-formed sequences,
 * fail-fast positions, and state carried across feeds.
 */
#include "check_common.h"
#include "utf8.h"
#include "utf8_ref.h"

#include <string.h>

/* Like ck_assert_msg, but silent on success (Check logs every passing assertion). */
#define REQUIRE(cond, ...)             \
    do {                               \
        if (!(cond))                   \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)

#define P(s) ((const uint8_t *)(s))

/* Independent encoder used to generate test input (RFC 3629 §3). */
static size_t encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Feed p[0..len) one byte at a time and return the index of the first byte for which utf8_feed()
 * returned UTF8_INVALID, or -1. Every later byte must keep returning UTF8_INVALID (sticky).
 */
static long first_invalid_bytewise(const uint8_t *p, size_t len)
{
    struct utf8_state s;
    long bad = -1;

    utf8_init(&s);
    for (size_t i = 0; i < len; i++) {
        int r = utf8_feed(&s, p + i, 1);

        if (bad >= 0)
            REQUIRE(r == UTF8_INVALID, "not sticky at byte %zu", i);
        else if (r == UTF8_INVALID)
            bad = (long)i;
    }
    if (bad >= 0)
        REQUIRE(!utf8_complete(&s), "complete after an invalid byte");
    return bad;
}

/* Same verdict (valid and complete, or not) for whole, bytewise and every two-way cut. */
static void check_all_splits(const uint8_t *p, size_t len, bool valid)
{
    struct utf8_state s;
    bool ok;

    REQUIRE(utf8_valid(p, len) == valid, "utf8_valid whole, len %zu", len);
    if (valid)
        REQUIRE(first_invalid_bytewise(p, len) < 0, "valid input rejected bytewise");
    for (size_t cut = 0; cut <= len; cut++) {
        utf8_init(&s);
        ok = utf8_feed(&s, p, cut) == UTF8_OK;
        ok = utf8_feed(&s, p + cut, len - cut) == UTF8_OK && ok;
        ok = ok && utf8_complete(&s);
        REQUIRE(ok == valid, "cut at %zu of %zu: got %d", cut, len, ok);
    }
}

/* Expect p to be invalid, with bad_at the first byte that fails, however it is fed. */
static void check_invalid_at(const uint8_t *p, size_t len, long bad_at)
{
    struct utf8_state s;

    ck_assert_int_eq(first_invalid_bytewise(p, len), bad_at);
    /* Whole: fails, and so does the prefix that ends at the bad byte... */
    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, p, len), UTF8_INVALID);
    ck_assert(!utf8_valid(p, len));
    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, p, (size_t)bad_at + 1), UTF8_INVALID);
    /* ...while the prefix before it is still acceptable. */
    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, p, (size_t)bad_at), UTF8_OK);
    check_all_splits(p, len, false);
}

/* ---- utf8_feed ---- */

START_TEST(feed_valid_ascii)
{
    /* All of 0x00..0x7F, long enough for the word-at-a-time path, NUL included. */
    uint8_t b[128];

    for (size_t i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)i;
    check_all_splits(b, sizeof(b), true);
    ck_assert_int_eq(first_invalid_bytewise(b, sizeof(b)), -1);
}
END_TEST

START_TEST(feed_valid_2_3_4_byte)
{
    /* "é" C3 A9, "€" E2 82 AC, "𝄞" F0 9D 84 9E, mixed with ASCII. */
    static const uint8_t in[] = {'a',  0xC3, 0xA9, 'b',  0xE2, 0x82, 0xAC,
                                 0xF0, 0x9D, 0x84, 0x9E, 'c',  'd'};

    check_all_splits(in, sizeof(in), true);
    ck_assert_int_eq(first_invalid_bytewise(in, sizeof(in)), -1);
}
END_TEST

START_TEST(feed_boundary_code_points)
{
    /* Markus Kuhn's boundary cases: first and last code point of each sequence length, plus the
     * code points around the surrogate block and U+FFFE/FFFF (noncharacters are valid UTF-8). */
    static const uint32_t cps[] = {0x0000, 0x007F, 0x0080, 0x07FF,  0x0800,  0xD7FF,   0xE000,
                                   0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0xFFFFF, 0x100000, 0x10FFFF};
    static const uint8_t exp[][4] = {{0x00},
                                     {0x7F},
                                     {0xC2, 0x80},
                                     {0xDF, 0xBF},
                                     {0xE0, 0xA0, 0x80},
                                     {0xED, 0x9F, 0xBF},
                                     {0xEE, 0x80, 0x80},
                                     {0xEF, 0xBF, 0xBD},
                                     {0xEF, 0xBF, 0xBE},
                                     {0xEF, 0xBF, 0xBF},
                                     {0xF0, 0x90, 0x80, 0x80},
                                     {0xF3, 0xBF, 0xBF, 0xBF},
                                     {0xF4, 0x80, 0x80, 0x80},
                                     {0xF4, 0x8F, 0xBF, 0xBF}};

    for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
        uint8_t b[4];
        size_t n = encode(cps[i], b);

        /* The encoder agrees with the literal bytes, so the test input is what it claims. */
        ck_assert_mem_eq(b, exp[i], n);
        check_all_splits(b, n, true);
    }
}
END_TEST

START_TEST(feed_every_code_point_split_across_two_feeds)
{
    /* Every scalar value, each fed as "x" + code point + "y" cut at every offset. */
    uint8_t b[6];
    struct utf8_state s;

    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        b[0] = 'x';
        size_t n = encode(cp, b + 1) + 2;
        b[n - 1] = 'y';
        for (size_t cut = 0; cut <= n; cut++) {
            utf8_init(&s);
            REQUIRE(utf8_feed(&s, b, cut) == UTF8_OK, "U+%04X first part", (unsigned)cp);
            /* Inside the code point the state is mid-sequence. */
            REQUIRE(utf8_complete(&s) == (cut <= 1 || cut >= n - 1), "U+%04X complete at %zu",
                    (unsigned)cp, cut);
            REQUIRE(utf8_feed(&s, b + cut, n - cut) == UTF8_OK, "U+%04X cut %zu", (unsigned)cp,
                    cut);
            REQUIRE(utf8_complete(&s), "U+%04X incomplete", (unsigned)cp);
        }
    }
}
END_TEST

START_TEST(feed_every_surrogate_rejected_at_second_byte)
{
    /* U+D800..U+DFFF encoded as ED A0 80 .. ED BF BF: the second byte is the bad one. */
    for (uint32_t cp = 0xD800; cp <= 0xDFFF; cp++) {
        uint8_t b[3];

        encode(cp, b);
        ck_assert_uint_eq(b[0], 0xED);
        REQUIRE(first_invalid_bytewise(b, 3) == 1, "U+%04X", (unsigned)cp);
        REQUIRE(!utf8_valid(b, 3), "U+%04X valid", (unsigned)cp);
    }
    static const uint8_t lo[] = {0xED, 0xA0, 0x80}, hi[] = {0xED, 0xBF, 0xBF};
    check_invalid_at(lo, sizeof(lo), 1);
    check_invalid_at(hi, sizeof(hi), 1);
}
END_TEST

START_TEST(feed_overlong_rejected)
{
    /* Overlong NUL in 2, 3 and 4 bytes, and the largest overlongs of each length. */
    static const uint8_t c0[] = {0xC0, 0x80};                /* fails at C0 */
    static const uint8_t c1[] = {0xC1, 0xBF};                /* fails at C1 */
    static const uint8_t e0[] = {0xE0, 0x80, 0x80};          /* fails at the 80 */
    static const uint8_t e0max[] = {0xE0, 0x9F, 0xBF};       /* U+07FF in 3 bytes */
    static const uint8_t f0[] = {0xF0, 0x80, 0x80, 0x80};    /* fails at the 80 */
    static const uint8_t f0max[] = {0xF0, 0x8F, 0xBF, 0xBF}; /* U+FFFF in 4 bytes */
    static const uint8_t slash[] = {'a', 0xC0, 0xAF, 'b'};   /* overlong '/' mid-text */

    check_invalid_at(c0, sizeof(c0), 0);
    check_invalid_at(c1, sizeof(c1), 0);
    check_invalid_at(e0, sizeof(e0), 1);
    check_invalid_at(e0max, sizeof(e0max), 1);
    check_invalid_at(f0, sizeof(f0), 1);
    check_invalid_at(f0max, sizeof(f0max), 1);
    check_invalid_at(slash, sizeof(slash), 1);
}
END_TEST

START_TEST(feed_above_10ffff_rejected)
{
    /* U+110000 as F4 90 80 80 fails at the 90; F5..FF fail at once. */
    static const uint8_t f4[] = {0xF4, 0x90, 0x80, 0x80};

    check_invalid_at(f4, sizeof(f4), 1);
    for (unsigned b = 0xF5; b <= 0xFF; b++) {
        uint8_t in[] = {'o', 'k', (uint8_t)b, 0x80, 0x80, 0x80};

        check_invalid_at(in, sizeof(in), 2);
    }
}
END_TEST

START_TEST(feed_lone_continuation_rejected)
{
    /* Each of 80..BF on its own, and after a complete 2-byte sequence. */
    for (unsigned b = 0x80; b <= 0xBF; b++) {
        uint8_t alone[] = {'a', (uint8_t)b};
        uint8_t extra[] = {0xC3, 0xA9, (uint8_t)b};

        check_invalid_at(alone, sizeof(alone), 1);
        check_invalid_at(extra, sizeof(extra), 2);
    }
}
END_TEST

START_TEST(feed_lead_followed_by_non_continuation_rejected)
{
    /* A lead byte cut short by ASCII or by another lead byte fails at the intruder. */
    static const uint8_t two[] = {0xC3, 'a'};
    static const uint8_t three[] = {0xE2, 0x82, 'a'};
    static const uint8_t four[] = {0xF0, 0x9D, 0x84, 0xC3, 0xA9};

    check_invalid_at(two, sizeof(two), 1);
    check_invalid_at(three, sizeof(three), 2);
    check_invalid_at(four, sizeof(four), 3);
}
END_TEST

START_TEST(feed_fail_fast_in_ascii_word)
{
    /* A bad byte inside the word-at-a-time ASCII run is found at its exact position. */
    for (size_t pos = 0; pos < 40; pos++) {
        uint8_t b[40];

        memset(b, 'a', sizeof(b));
        b[pos] = 0xFF;
        check_invalid_at(b, sizeof(b), (long)pos);
    }
}
END_TEST

START_TEST(feed_invalid_is_sticky)
{
    struct utf8_state s;

    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, P("\xC0"), 1), UTF8_INVALID);
    ck_assert_int_eq(utf8_feed(&s, P("abc"), 3), UTF8_INVALID);
    ck_assert_int_eq(utf8_feed(&s, P(""), 0), UTF8_INVALID);
    ck_assert(!utf8_complete(&s));
}
END_TEST

START_TEST(feed_empty_keeps_state)
{
    struct utf8_state s;

    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, NULL, 0), UTF8_OK);
    ck_assert(utf8_complete(&s));
    ck_assert_int_eq(utf8_feed(&s, P("\xE2"), 1), UTF8_OK);
    ck_assert_int_eq(utf8_feed(&s, NULL, 0), UTF8_OK);
    ck_assert(!utf8_complete(&s));
    ck_assert_int_eq(utf8_feed(&s, P("\x82\xAC"), 2), UTF8_OK);
    ck_assert(utf8_complete(&s));
}
END_TEST

START_TEST(feed_long_mixed_text_word_path)
{
    /* Long ASCII runs between multibyte characters, at every alignment of the word loads. */
    static const uint8_t euro[] = {0xE2, 0x82, 0xAC};
    uint8_t b[200];

    for (size_t a = 0; a < 16; a++) {
        size_t n = 0;

        memset(b, 'z', sizeof(b));
        n += a + 17;
        memcpy(b + n, euro, 3);
        n += 3 + 9;
        memcpy(b + n, euro, 3);
        n += 3 + 20;
        check_all_splits(b, n, true);
        b[n - 5] = 0x80;
        check_invalid_at(b, n, (long)(n - 5));
    }
}
END_TEST

/* ---- utf8_complete ---- */

START_TEST(complete_false_on_truncated_sequence)
{
    /* Every proper prefix of a 2, 3 and 4 byte sequence is OK so far but not complete. */
    static const uint8_t seq[] = {0xF0, 0x9D, 0x84, 0x9E};
    static const uint8_t seq3[] = {0xE2, 0x82, 0xAC};
    struct utf8_state s;

    for (size_t n = 1; n < 4; n++) {
        utf8_init(&s);
        ck_assert_int_eq(utf8_feed(&s, seq, n), UTF8_OK);
        ck_assert(!utf8_complete(&s));
        ck_assert(!utf8_valid(seq, n));
    }
    for (size_t n = 1; n < 3; n++) {
        utf8_init(&s);
        ck_assert_int_eq(utf8_feed(&s, seq3, n), UTF8_OK);
        ck_assert(!utf8_complete(&s));
    }
    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, P("\xC3"), 1), UTF8_OK);
    ck_assert(!utf8_complete(&s));
    ck_assert_int_eq(utf8_feed(&s, P("\xA9"), 1), UTF8_OK);
    ck_assert(utf8_complete(&s));
}
END_TEST

START_TEST(complete_true_initially)
{
    struct utf8_state s;

    utf8_init(&s);
    ck_assert(utf8_complete(&s));
}
END_TEST

/* ---- utf8_valid ---- */

START_TEST(valid_whole_buffers)
{
    ck_assert(utf8_valid(P(""), 0));
    ck_assert(utf8_valid(P("hello, world"), 12));
    ck_assert(utf8_valid(P("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"), 11)); /* "κόσμε" */
    ck_assert(!utf8_valid(P("\xCE\xBA\xE1\xBD"), 4));                             /* truncated */
    ck_assert(!utf8_valid(P("\xED\xA0\x80"), 3));                                 /* surrogate */
    ck_assert(!utf8_valid(P("\xFE"), 1));
}
END_TEST

START_TEST(valid_every_byte_pair)
{
    /* Two-byte inputs checked against the RFC 3629 rules applied independently. */
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++) {
            uint8_t in[2] = {(uint8_t)a, (uint8_t)b};
            bool want;

            if (a < 0x80)
                want = b < 0x80;
            else if (a >= 0xC2 && a <= 0xDF)
                want = b >= 0x80 && b <= 0xBF;
            else
                want = false;
            REQUIRE(utf8_valid(in, 2) == want, "%02X %02X", a, b);
        }
}
END_TEST

/* ---- against a reference decoder, every short sequence ---- */

static struct utf8_state ref_check(const uint8_t *p, size_t n, struct utf8_state s)
{
    bool boundary;
    size_t bad = ref_first_bad(p, n, &boundary);
    bool ok = bad == n && boundary;
    int r = utf8_feed(&s, p + n - 1, 1);
    if (utf8_valid(p, n) != ok || (r == UTF8_INVALID) != (bad < n) || utf8_complete(&s) != ok)
        ck_abort_msg("%zu bytes %02X %02X %02X %02X: reference says bad at %zu, boundary %d", n,
                     p[0], n > 1 ? p[1] : 0, n > 2 ? p[2] : 0, n > 3 ? p[3] : 0, bad, boundary);
    return s;
}

/*
 * Every 1-, 2- and 3-byte sequence, then 4-byte sequences: every first and second byte with the
 * third and fourth from every byte class's edges (make check), or all 2^32 of them
 * (WSC_UTF8_EXHAUSTIVE=1, `make check-utf8-full`, about a minute and a half).
 */
static const uint8_t edges[] = {0x00, 0x01, 0x41, 0x7E, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F,
                                0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                                0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};

static void ref_all_sequences(bool full)
{
    uint8_t p[4];
    struct utf8_state s0, s1, s2, s3;
    utf8_init(&s0);
    for (unsigned a = 0; a < 256; a++) {
        p[0] = (uint8_t)a;
        s1 = ref_check(p, 1, s0);
        for (unsigned b = 0; b < 256; b++) {
            p[1] = (uint8_t)b;
            s2 = ref_check(p, 2, s1);
            size_t nc = full ? 256 : sizeof edges;
            for (unsigned c = 0; c < 256; c++) {
                p[2] = (uint8_t)c;
                s3 = ref_check(p, 3, s2);
                if (!full && memchr(edges, c, sizeof edges) == NULL)
                    continue;
                for (size_t d = 0; d < nc; d++) {
                    p[3] = full ? (uint8_t)d : edges[d];
                    ref_check(p, 4, s3);
                }
            }
        }
    }
}

START_TEST(reference_every_sequence_up_to_3_bytes_and_4_byte_edges)
{
    ref_all_sequences(false);
}
END_TEST

START_TEST(reference_every_sequence_up_to_4_bytes)
{
    ref_all_sequences(true);
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc;

    tc = tcase_create("utf8_feed");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, feed_valid_ascii);
    tcase_add_test(tc, feed_valid_2_3_4_byte);
    tcase_add_test(tc, feed_boundary_code_points);
    tcase_add_test(tc, feed_every_code_point_split_across_two_feeds);
    tcase_add_test(tc, feed_every_surrogate_rejected_at_second_byte);
    tcase_add_test(tc, feed_overlong_rejected);
    tcase_add_test(tc, feed_above_10ffff_rejected);
    tcase_add_test(tc, feed_lone_continuation_rejected);
    tcase_add_test(tc, feed_lead_followed_by_non_continuation_rejected);
    tcase_add_test(tc, feed_fail_fast_in_ascii_word);
    tcase_add_test(tc, feed_invalid_is_sticky);
    tcase_add_test(tc, feed_empty_keeps_state);
    tcase_add_test(tc, feed_long_mixed_text_word_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8_complete");
    tcase_add_test(tc, complete_false_on_truncated_sequence);
    tcase_add_test(tc, complete_true_initially);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8_valid");
    tcase_add_test(tc, valid_whole_buffers);
    tcase_add_test(tc, valid_every_byte_pair);
    suite_add_tcase(s, tc);

    tc = tcase_create("reference");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, reference_every_sequence_up_to_3_bytes_and_4_byte_edges);
    suite_add_tcase(s, tc);

    /* All 2^32 four-byte sequences: only when asked (make check-utf8-full; CI runs it). */
    const char *full = getenv("WSC_UTF8_EXHAUSTIVE");
    if (full != NULL && *full == '1') {
        tc = tcase_create("exhaustive");
        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, reference_every_sequence_up_to_4_bytes);
        suite_add_tcase(s, tc);
    }

    return s;
}

CHECK_MAIN(utf8_suite)
