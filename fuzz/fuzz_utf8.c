/*
 * fuzz_utf8 - the incremental UTF-8 validator (src/utf8.h) against a reference decoder.
 *
 * Input: a 16-bit cut offset, then the bytes. The reference (tests/utf8_ref.h) decodes RFC 3629
 * §3-4 the plain way (lead byte gives the length, continuation bytes carry 6 bits each) and knows
 * the first byte after which no well-formed completion exists: a sequence is refused there when the
 * code points it could still become all lie below its length's minimum (overlong), inside
 * U+D800..U+DFFF or above U+10FFFF. Properties: utf8_valid() agrees with it; utf8_feed() fails
 * exactly when the bytes fed so far contain that first bad byte, fed whole, cut at the offset
 * or one byte at a time, and stays failed; utf8_complete() is true exactly at code point
 * boundaries.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "utf8.h"
#include "utf8_ref.h" /* tests/: the reference decoder */

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
