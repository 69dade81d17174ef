/*
 * fuzz.h - small helpers shared by the libFuzzer targets in fuzz/fuzz_*.c.
 *
 * Each target defines LLVMFuzzerTestOneInput() and checks properties, not only "no crash": a
 * failed property calls FUZZ_REQUIRE(), which prints why and aborts, so libFuzzer saves the input.
 * An event log (struct fz_log) records what a parser reported, so two ways of feeding the same
 * bytes can be compared byte for byte.
 */
#ifndef WSC_FUZZ_H
#define WSC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REQUIRE(cond, ...)                                                         \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                               \
            fputc('\n', stderr);                                                        \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* A growable byte log; malloc failure aborts (this is a test harness). */
struct fz_log {
    uint8_t *p;
    size_t len, cap;
};

static inline void fz_log_add(struct fz_log *l, const void *p, size_t n)
{
    if (l->len + n > l->cap) {
        size_t cap = l->cap ? l->cap : 256;
        while (cap < l->len + n)
            cap *= 2;
        l->p = realloc(l->p, cap);
        if (l->p == NULL)
            abort();
        l->cap = cap;
    }
    if (n)
        memcpy(l->p + l->len, p, n);
    l->len += n;
}

static inline void fz_log_u64(struct fz_log *l, uint64_t v)
{
    fz_log_add(l, &v, sizeof v);
}

static inline void fz_log_free(struct fz_log *l)
{
    free(l->p);
    memset(l, 0, sizeof *l);
}

static inline int fz_log_equal(const struct fz_log *a, const struct fz_log *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* Take one byte from the front of the input (0 when it is exhausted). */
static inline uint8_t fz_byte(const uint8_t **data, size_t *size)
{
    if (*size == 0)
        return 0;
    uint8_t b = **data;
    (*data)++;
    (*size)--;
    return b;
}

/* Take a 16-bit value from the front of the input. */
static inline unsigned fz_u16(const uint8_t **data, size_t *size)
{
    unsigned hi = fz_byte(data, size);
    return hi << 8 | fz_byte(data, size);
}

#endif
