/*
 * buf - a growable byte buffer with a read offset.
 *
 * Live bytes are data[off .. off+len). Appending grows the buffer (it may move data, so pointers
 * into it are valid only until the next append/reserve). Consuming advances off; the buffer is
 * compacted lazily when room is needed at the tail.
 *
 * A buffer that never allocated (cap == 0) points at a static empty byte, never NULL, so
 * buf_head() and buf_tail() need no branch and never compute NULL + 0 (undefined behaviour in C):
 * callers may pass them to memcpy()/write() with a length of 0. A buffer must be set up with
 * buf_init() (not merely zeroed) before buf_head()/buf_tail().
 */
#ifndef WSC_BUF_H
#define WSC_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
    uint8_t *data;
    size_t off; /* first live byte */
    size_t len; /* number of live bytes */
    size_t cap; /* allocated size of data */
};

/* Zero-initialise; no allocation happens until the first append. */
void buf_init(struct buf *b);
/* Release memory and reset to the init state. buf_free(NULL) is a no-op. */
void buf_free(struct buf *b);
/* Ensure at least n writable bytes after the live data. Returns 0, or -1 when out of memory. */
int buf_reserve(struct buf *b, size_t n);
/* Append n bytes. Returns 0, or -1 when out of memory (b unchanged). */
int buf_append_slow(struct buf *b, const void *p, size_t n);
static inline int buf_append(struct buf *b, const void *p, size_t n)
{
    /* Fast path, inline: there is room already (the common case in per-message output). */
    if (b->cap - b->off - b->len >= n && n > 0) {
        memcpy(b->data + b->off + b->len, p, n);
        b->len += n;
        return 0;
    }
    return buf_append_slow(b, p, n);
}
/* Not to be written: where a buffer with no allocation points (cap 0: nothing is written). */
extern uint8_t buf_none_[1];
/* Writable tail after buf_reserve(); call buf_commit(b, n) after writing n bytes there. */
static inline uint8_t *buf_tail(struct buf *b)
{
    return b->data + b->off + b->len;
}
static inline void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
}
/* First live byte; valid until the next append/reserve/consume. Never NULL. */
static inline uint8_t *buf_head(const struct buf *b)
{
    return b->data + b->off;
}
/* Drop n bytes (n <= len) from the front. */
void buf_consume(struct buf *b, size_t n);
/* Drop everything (keeps the allocation). */
void buf_clear(struct buf *b);

#endif
