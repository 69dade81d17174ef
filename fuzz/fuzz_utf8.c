/*
 * fuzz_utf8 - the incremental UTF-8 validator (src/utf8.h) against a reference decoder.
 *
 * Input: a 16-bit cut offset, then the bytes. The reference below decodes RFC 3629 §3-4 the
 * plain way (lead byte gives the length, continuation bytes carry 6 bits each) and knows the
 * first byte after which no well-formed completion exists: a sequence is refused there when the
 * code points it could still become all lie below its length's minimum (overlong), inside
 * U+D800..U+DFFF or above U+10FFFF. Properties: utf8_valid() agrees with it; utf8_feed() fails
 * exactly when the bytes fed so far contain that first bad byte, fed whole, cut at the offset
 * or one byte at a time, and stays failed; utf8_complete() is true exactly at code point
 * boundaries.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "utf8.h"

/* Is any code point in [lo, hi] one that a sequence of n bytes may encode? */
static bool feasible(uint32_t lo, uint32_t hi, int n)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (lo < min[n])
        lo = min[n];
    if (hi > 0x10FFFF)
        hi = 0x10FFFF;
    if (lo > hi)
        return false;
    /* Only surrogates left? */
    return !(lo >= 0xD800 && hi <= 0xDFFF);
}

/*
 * Scan p[0..len): returns the index of the first byte that cannot be part of well-formed UTF-8
 * given the bytes before it, or len when there is none; *boundary tells whether the bytes end
 * between code points.
 */
static size_t ref_first_bad(const uint8_t *p, size_t len, bool *boundary)
{
    size_t i = 0;
    *boundary = true;
    while (i < len) {
        uint8_t b = p[i];
        int n = b < 0x80 ? 1 : b >> 5 == 6 ? 2 : b >> 4 == 14 ? 3 : b >> 3 == 30 ? 4 : 0;
        if (n == 0)
            return i;
        uint32_t cp = n == 1 ? b : b & (0x7F >> n);
        for (int j = 0;; j++) {
            /* j continuation bytes taken: the code point is cp followed by n-1-j unknown 6-bit
             * groups. */
            int rest = 6 * (n - 1 - j);
            uint32_t lo = cp << rest, hi = lo | ((UINT32_C(1) << rest) - 1);
            if (!feasible(lo, hi, n))
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cut = fz_u16(&data, &size);
    cut %= size + 1;
    bool boundary;
    size_t bad = ref_first_bad(data, size, &boundary);

    FUZZ_REQUIRE(utf8_valid(data, size) == (bad == size && boundary), "utf8_valid (bad at %zu)",
                 bad);

    struct utf8_state s;
    utf8_init(&s);
    int r = utf8_feed(&s, data, size);
    FUZZ_REQUIRE((r == UTF8_INVALID) == (bad < size), "whole: %d, bad at %zu", r, bad);
    FUZZ_REQUIRE(utf8_complete(&s) == (bad == size && boundary), "whole: complete");

    /* Cut in two: the first part fails iff it holds the bad byte. */
    utf8_init(&s);
    r = utf8_feed(&s, data, cut);
    FUZZ_REQUIRE((r == UTF8_INVALID) == (bad < cut), "first %zu bytes: %d, bad at %zu", cut, r,
                 bad);
    bool pb;
    size_t pbad = ref_first_bad(data, cut, &pb);
    FUZZ_REQUIRE(pbad == (bad < cut ? bad : cut), "reference not prefix-stable");
    FUZZ_REQUIRE(utf8_complete(&s) == (pbad == cut && pb), "complete after %zu bytes", cut);
    r = utf8_feed(&s, data + cut, size - cut);
    FUZZ_REQUIRE((r == UTF8_INVALID) == (bad < size), "cut at %zu: %d, bad at %zu", cut, r, bad);
    FUZZ_REQUIRE(utf8_complete(&s) == (bad == size && boundary), "cut: complete");

    /* One byte at a time: fails at exactly the bad byte, and stays failed. */
    utf8_init(&s);
    for (size_t i = 0; i < size; i++) {
        r = utf8_feed(&s, data + i, 1);
        FUZZ_REQUIRE((r == UTF8_INVALID) == (i >= bad), "byte %zu: %d, bad at %zu", i, r, bad);
    }
    FUZZ_REQUIRE(utf8_complete(&s) == (bad == size && boundary), "bytewise: complete");
    return 0;
}
