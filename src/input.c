/*
 * input - stdin records for pipe mode; see input.h.
 */
#include "input.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define INPUT_READ_SIZE (64 * 1024)

struct input_flight {
    uint64_t frame_end; /* stream position after the record's frame */
    size_t raw;         /* bytes of q the record used, terminator included */
};

void input_init(struct input *in, char delim)
{
    memset(in, 0, sizeof *in);
    buf_init(&in->q);
    buf_init(&in->flight);
    in->delim = delim;
}

void input_free(struct input *in)
{
    buf_free(&in->q);
    buf_free(&in->flight);
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

/* Length of the first queued record (terminator excluded), or -1 if incomplete. */
static long record_end(struct input *in)
{
    const uint8_t *start = buf_head(&in->q) + in->sent;
    size_t avail = in->q.len - in->sent;
    const uint8_t *d = memchr(start + in->scanned, in->delim, avail - in->scanned);
    if (d == NULL) {
        in->scanned = avail;
        return -1;
    }
    return (long)(d - start);
}

bool input_ready(struct input *in)
{
    return in->q.len > in->sent && (in->eof || record_end(in) >= 0);
}

bool input_next(struct input *in, const uint8_t **rec, size_t *len)
{
    if (in->q.len <= in->sent)
        return false;
    const uint8_t *start = buf_head(&in->q) + in->sent;
    long end = record_end(in);
    size_t n, used;
    if (end >= 0) {
        n = (size_t)end;
        used = n + 1;
    } else if (in->eof) {
        n = used = in->q.len - in->sent; /* last record without a terminator */
    } else {
        return false;
    }
    if (in->delim == '\n' && n > 0 && start[n - 1] == '\r')
        n--;
    *rec = start;
    *len = n;
    in->sent += used;
    in->scanned = 0;
    in->records++;
    in->last_raw = used;
    return true;
}

int input_sent(struct input *in, uint64_t frame_end)
{
    struct input_flight f = {frame_end, in->last_raw};
    return buf_append(&in->flight, &f, sizeof f);
}

void input_written(struct input *in, uint64_t written)
{
    size_t drop = 0, n = 0;
    const struct input_flight *f = (const struct input_flight *)buf_head(&in->flight);
    size_t count = in->flight.len / sizeof *f;
    while (n < count && f[n].frame_end <= written)
        drop += f[n++].raw;
    if (n == 0)
        return;
    buf_consume(&in->flight, n * sizeof *f);
    buf_consume(&in->q, drop);
    in->sent -= drop;
}

void input_rewind(struct input *in)
{
    buf_clear(&in->flight);
    in->sent = 0;
    in->scanned = 0;
}

size_t input_in_flight(const struct input *in)
{
    return in->flight.len / sizeof(struct input_flight);
}
