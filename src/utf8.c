/*
 * utf8 - an incremental UTF-8 validator (RFC 3629 §4, the well-formed byte sequences of Unicode
 * Table 3-7; RFC 6455 §8.1).
 *
 * A small DFA: each byte is mapped to a class, and (state, class) gives the next state. The
 * states remember exactly which range the next byte must fall in, so a sequence is rejected at
 * the first byte that cannot belong to any well-formed sequence (0xC0, 0xC1 and 0xF5..0xFF at
 * once; ED A0 at the A0; F4 90 at the 90; E0 80 at the 80).
 */
#include "utf8.h"

#include <string.h>

enum {
    S_ACCEPT = 0, /* between code points */
    S_TAIL1,      /* 1 more byte in 80..BF */
    S_TAIL2,      /* 2 more bytes in 80..BF */
    S_TAIL3,      /* 3 more bytes in 80..BF */
    S_E0,         /* after E0: A0..BF (no overlongs), then 1 */
    S_ED,         /* after ED: 80..9F (no surrogates), then 1 */
    S_F0,         /* after F0: 90..BF (no overlongs), then 2 */
    S_F4,         /* after F4: 80..8F (nothing above U+10FFFF), then 2 */
    S_REJECT,     /* sticky */
    S_COUNT
};

enum {
    C_ASCII, /* 00..7F */
    C_80_8F, /* continuation, low */
    C_90_9F, /* continuation, middle */
    C_A0_BF, /* continuation, high */
    C_BAD,   /* C0, C1, F5..FF: never valid */
    C_LEAD2, /* C2..DF */
    C_E0,    /* E0 */
    C_LEAD3, /* E1..EC, EE, EF */
    C_ED,    /* ED */
    C_F0,    /* F0 */
    C_LEAD4, /* F1..F3 */
    C_F4,    /* F4 */
    C_COUNT
};

static const uint8_t byte_class[256] = {
    [0x00 ... 0x7F] = C_ASCII,
    [0x80 ... 0x8F] = C_80_8F,
    [0x90 ... 0x9F] = C_90_9F,
    [0xA0 ... 0xBF] = C_A0_BF,
    [0xC0 ... 0xC1] = C_BAD,
    [0xC2 ... 0xDF] = C_LEAD2,
    [0xE0] = C_E0,
    [0xE1 ... 0xEC] = C_LEAD3,
    [0xED] = C_ED,
    [0xEE ... 0xEF] = C_LEAD3,
    [0xF0] = C_F0,
    [0xF1 ... 0xF3] = C_LEAD4,
    [0xF4] = C_F4,
    [0xF5 ... 0xFF] = C_BAD,
};

/* Short names for the table only. */
#define A  S_ACCEPT
#define T1 S_TAIL1
#define T2 S_TAIL2
#define T3 S_TAIL3
#define R  S_REJECT
/* clang-format off */
static const uint8_t next_state[S_COUNT][C_COUNT] = {
    /*           ASCII 80-8F 90-9F A0-BF bad  C2-DF E0    lead3 ED    F0    F1-F3 F4 */
    [S_ACCEPT] = {A,   R,    R,    R,    R,   T1,   S_E0, T2,   S_ED, S_F0, T3,   S_F4},
    [S_TAIL1]  = {R,   A,    A,    A,    R,   R,    R,    R,    R,    R,    R,    R},
    [S_TAIL2]  = {R,   T1,   T1,   T1,   R,   R,    R,    R,    R,    R,    R,    R},
    [S_TAIL3]  = {R,   T2,   T2,   T2,   R,   R,    R,    R,    R,    R,    R,    R},
    [S_E0]     = {R,   R,    R,    T1,   R,   R,    R,    R,    R,    R,    R,    R},
    [S_ED]     = {R,   T1,   T1,   R,    R,   R,    R,    R,    R,    R,    R,    R},
    [S_F0]     = {R,   R,    T2,   T2,   R,   R,    R,    R,    R,    R,    R,    R},
    [S_F4]     = {R,   T2,   R,    R,    R,   R,    R,    R,    R,    R,    R,    R},
    [S_REJECT] = {R,   R,    R,    R,    R,   R,    R,    R,    R,    R,    R,    R},
};
/* clang-format on */
#undef A
#undef T1
#undef T2
#undef T3
#undef R

int utf8_feed(struct utf8_state *s, const uint8_t *p, size_t len)
{
    uint32_t st = s->state;
    size_t i = 0;

    if (st == S_REJECT)
        return UTF8_INVALID;
    while (i < len) {
        if (st == S_ACCEPT && p[i] < 0x80) {
            /* Skip ASCII a word at a time (no byte with its top bit set), then bytewise. */
            while (len - i >= 8) {
                uint64_t w;

                memcpy(&w, p + i, 8);
                if (w & UINT64_C(0x8080808080808080))
                    break;
                i += 8;
            }
            while (i < len && p[i] < 0x80)
                i++;
            continue;
        }
        st = next_state[st][byte_class[p[i]]];
        i++;
        if (st == S_REJECT) {
            s->state = st;
            return UTF8_INVALID;
        }
    }
    s->state = st;
    return UTF8_OK;
}

bool utf8_complete(const struct utf8_state *s)
{
    return s->state == S_ACCEPT;
}

bool utf8_valid(const uint8_t *p, size_t len)
{
    struct utf8_state s;

    utf8_init(&s);
    return utf8_feed(&s, p, len) == UTF8_OK && utf8_complete(&s);
}
