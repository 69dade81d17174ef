/* Unit tests for buf: the never-allocated buffer (defect 16), growth, consume and compaction. */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "check_common.h"

/* Defect 16: buf_head() on a buffer that never allocated computed NULL + 0 (UBSan). It must
 * return a valid pointer that memcpy() and write() accept with a length of 0. */
START_TEST(head_of_never_allocated_buffer_is_not_null)
{
    struct buf b;
    uint8_t dst[1] = {0x5a};

    buf_init(&b);
    ck_assert_uint_eq(b.cap, 0); /* nothing allocated */
    ck_assert_ptr_nonnull(buf_head(&b));
    ck_assert_ptr_nonnull(buf_tail(&b));
    memcpy(dst, buf_head(&b), b.len);
    ck_assert_uint_eq(dst[0], 0x5a);
    buf_free(&b);
}
END_TEST

/* buf_reserve(b, 0) succeeds without allocating; head/tail still safe. */
START_TEST(reserve_zero_does_not_allocate)
{
    struct buf b;

    buf_init(&b);
    ck_assert_int_eq(buf_reserve(&b, 0), 0);
    ck_assert_uint_eq(b.cap, 0); /* nothing allocated */
    ck_assert_ptr_eq(buf_tail(&b), buf_head(&b));
    buf_free(&b);
}
END_TEST

/* After buf_free() the buffer is back in the init state: the same rules apply. */
START_TEST(head_after_free_is_not_null)
{
    struct buf b;

    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
    buf_free(&b);
    ck_assert_uint_eq(b.cap, 0); /* nothing allocated */
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_nonnull(buf_head(&b));
    buf_free(NULL);
}
END_TEST

START_TEST(append_consume_keeps_order)
{
    struct buf b;

    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "hello ", 6), 0);
    ck_assert_int_eq(buf_append(&b, "world", 5), 0);
    buf_consume(&b, 6);
    ck_assert_uint_eq(b.len, 5);
    ck_assert_int_eq(memcmp(buf_head(&b), "world", 5), 0);
    buf_consume(&b, 5);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.off, 0);
    buf_free(&b);
}
END_TEST

/* Growing past the first 4 KiB keeps the live bytes; reserving after a consume compacts. */
START_TEST(reserve_grows_and_compacts)
{
    struct buf b;
    uint8_t big[5000];

    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, big, sizeof(big)), 0);
    ck_assert_uint_ge(b.cap, sizeof(big));
    ck_assert_int_eq(memcmp(buf_head(&b), big, sizeof(big)), 0);
    buf_consume(&b, 4000);
    size_t cap = b.cap;
    ck_assert_int_eq(buf_reserve(&b, cap - 1000), 0);
    ck_assert_uint_eq(b.cap, cap); /* slid to the front, not grown */
    ck_assert_uint_eq(b.off, 0);
    ck_assert_int_eq(memcmp(buf_head(&b), big + 4000, 1000), 0);
    buf_free(&b);
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf_head");
    tcase_add_test(tc, head_of_never_allocated_buffer_is_not_null);
    tcase_add_test(tc, reserve_zero_does_not_allocate);
    tcase_add_test(tc, head_after_free_is_not_null);
    suite_add_tcase(s, tc);
    tc = tcase_create("buf_append_consume");
    tcase_add_test(tc, append_consume_keeps_order);
    tcase_add_test(tc, reserve_grows_and_compacts);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(buf_suite)
