/* buf - growable byte buffer; see buf.h. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

uint8_t buf_none_[1];

void buf_init(struct buf *b)
{
    b->data = buf_none_;
    b->off = b->len = b->cap = 0;
}

void buf_free(struct buf *b)
{
    if (b == NULL)
        return;
    if (b->cap > 0) /* else data is buf_none_ (or NULL: zero-initialised) */
        free(b->data);
    buf_init(b);
}

int buf_reserve(struct buf *b, size_t n)
{
    if (b->cap - b->off - b->len >= n)
        return 0;
    /* Slide live bytes to the front first when that makes room: cheaper than growing. */
    if (b->off > 0 && b->cap - b->len >= n && b->off >= b->len) {
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
        return 0;
    }
    if (n > SIZE_MAX - b->len)
        return -1;
    size_t need = b->len + n;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    uint8_t *p = malloc(cap);
    if (p == NULL)
        return -1;
    if (b->len)
        memcpy(p, b->data + b->off, b->len);
    if (b->cap > 0)
        free(b->data);
    b->data = p;
    b->off = 0;
    b->cap = cap;
    return 0;
}

int buf_append_slow(struct buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(buf_tail(b), p, n);
    b->len += n;
    return 0;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->off = b->len = 0;
        return;
    }
    b->off += n;
    b->len -= n;
}

void buf_clear(struct buf *b)
{
    b->off = b->len = 0;
}
