/*
 * utf8_ref - a plain reference UTF-8 decoder (RFC 3629 §3-4) that the validator in src/utf8.c is
 * compared with: by tests/check_utf8.c over every short sequence and by fuzz/fuzz_utf8.c on
 * fuzzer input. Header-only (static inline): each user includes it once.
 */
#ifndef WSC_UTF8_REF_H
#define WSC_UTF8_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Is any code point in [lo, hi] one that a sequence of n bytes may encode (RFC 3629 §3-4)? */
static inline bool ref_feasible(uint32_t lo, uint32_t hi, int n)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (lo < min[n])
        lo = min[n];
    if (hi > 0x10FFFF)
        hi = 0x10FFFF;
    return lo <= hi && !(lo >= 0xD800 && hi <= 0xDFFF);
}

/*
 * The plain decoder: the lead byte gives the length, continuation bytes carry 6 bits each. The
 * first bad byte is the first after which no completion is a well-formed code point (overlong,
 * surrogate, above U+10FFFF) or that is not the continuation byte due. Returns its index, or len;
 * *boundary tells whether p[0..len) ends between code points.
 */
static inline size_t ref_first_bad(const uint8_t *p, size_t len, bool *boundary)
{
    size_t i = 0;
    *boundary = true;
    while (i < len) {
        uint8_t b = p[i];
        int n = b < 0x80 ? 1 : b >> 5 == 6 ? 2 : b >> 4 == 14 ? 3 : b >> 3 == 30 ? 4 : 0;
        if (n == 0)
            return i;
        uint32_t cp = n == 1 ? b : b & (0x7Fu >> n);
        for (int j = 0;; j++) {
            int rest = 6 * (n - 1 - j);
            uint32_t lo = cp << rest, hi = lo | ((UINT32_C(1) << rest) - 1);
            if (!ref_feasible(lo, hi, n))
                return i + (size_t)j;
            if (j == n - 1)
                break;
            if (i + 1 + (size_t)j == len) {
                *boundary = false;
                return len;
            }
            uint8_t c = p[i + 1 + j];
            if ((c & 0xC0) != 0x80)
                return i + 1 + (size_t)j;
            cp = cp << 6 | (c & 0x3F);
        }
        i += (size_t)n;
    }
    return len;
}

/*
 * Check p[0..n) against the reference: utf8_valid() on the whole, then utf8_feed() from *s (the
 * state after p[0..n-1), fed one byte at a time by the caller) with the last byte, which must fail
 * exactly when the first bad byte is among the bytes fed. Returns the state after p[n-1].
 */
#endif
