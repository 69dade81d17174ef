/*
 * input - stdin records for pipe mode; see input.h.
 */
#include "input.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define INPUT_READ_SIZE (64 * 1024)

void input_init(struct input *in, char delim)
{
    buf_init(&in->q);
    in->delim = delim;
    in->eof = false;
    in->scanned = 0;
    in->records = 0;
}

void input_free(struct input *in)
{
    buf_free(&in->q);
}

long input_read(struct input *in, int fd)
{
    if (buf_reserve(&in->q, INPUT_READ_SIZE) < 0) {
        errno = ENOMEM;
        return -2;
    }
    ssize_t n = read(fd, buf_tail(&in->q), INPUT_READ_SIZE);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? -1 : -2;
    if (n == 0) {
        in->eof = true;
        return 0;
    }
    buf_commit(&in->q, (size_t)n);
    return n;
}

int input_push(struct input *in, const void *p, size_t n)
{
    return buf_append(&in->q, p, n);
}

/* Find the end of the first record: its length, or -1 if incomplete. */
static long record_end(struct input *in)
{
    const uint8_t *h = buf_head(&in->q);
    const uint8_t *d = memchr(h + in->scanned, in->delim, in->q.len - in->scanned);
    if (d == NULL) {
        in->scanned = in->q.len;
        return -1;
    }
    return (long)(d - h);
}

bool input_ready(struct input *in)
{
    return in->q.len > 0 && (record_end(in) >= 0 || in->eof);
}

bool input_next(struct input *in, const uint8_t **rec, size_t *len)
{
    if (in->q.len == 0)
        return false;
    const uint8_t *h = buf_head(&in->q);
    long end = record_end(in);
    size_t n, used;
    if (end >= 0) {
        n = (size_t)end;
        used = n + 1;
    } else if (in->eof) {
        n = used = in->q.len; /* last record without a terminator */
    } else {
        return false;
    }
    if (in->delim == '\n' && n > 0 && h[n - 1] == '\r')
        n--;
    *rec = h;
    *len = n;
    /* Consuming only moves the offset: *rec stays valid until the next read or push. */
    buf_consume(&in->q, used);
    in->scanned = 0;
    in->records++;
    return true;
}
