/*
 * utf8 - an incremental UTF-8 validator (RFC 3629; RFC 6455 §8.1).
 *
 * State is carried across calls, so a message may be fed in arbitrary slices (fragments, partial
 * reads) and a code point split between slices is accepted. It fails fast: the first byte that
 * can no longer start or continue a valid sequence makes utf8_feed() return UTF8_INVALID,
 * including overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
 * ASCII runs are checked a word at a time.
 */
#ifndef WSC_UTF8_H
#define WSC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { UTF8_OK = 0, UTF8_INVALID = -1 };

struct utf8_state {
    uint32_t state; /* 0 = between code points; opaque otherwise */
};

static inline void utf8_init(struct utf8_state *s)
{
    s->state = 0;
}

/* Validate the next len bytes. Returns UTF8_OK or UTF8_INVALID (sticky). */
int utf8_feed(struct utf8_state *s, const uint8_t *p, size_t len);

/* True when the bytes fed so far end on a code point boundary (and none was invalid). */
bool utf8_complete(const struct utf8_state *s);

/* Convenience: whole-buffer check. */
bool utf8_valid(const uint8_t *p, size_t len);

#endif
