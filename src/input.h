/*
 * input - pipe-mode standard input split into records (one message each).
 *
 * Records end with '\n' (a '\r' before it is dropped too) or, with -0, with NUL. Bytes are kept
 * until a whole record is there, so nothing is lost or split, however the reads fall; at end of
 * input a final record without terminator is a record too. The queue is bounded by the caller,
 * who stops reading (backpressure) while it is full.
 */
#ifndef WSC_INPUT_H
#define WSC_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct input {
    struct buf q;
    char delim;
    bool eof;
    size_t scanned; /* bytes of q already searched for a delimiter */
    uint64_t records; /* records handed out so far */
};

void input_init(struct input *in, char delim);
void input_free(struct input *in);

/* Read once from fd into the queue. Returns bytes read (> 0), 0 at end of input (sets eof),
 * -1 on EAGAIN/EINTR (try later), -2 on a read error (errno set). */
long input_read(struct input *in, int fd);

/* Append bytes as if read (used for -x and tests). Returns 0 or -1 when out of memory. */
int input_push(struct input *in, const void *p, size_t n);

/* The next complete record, without its terminator. *rec stays valid until the next call to any
 * input_* function. Returns false when no complete record is queued. */
bool input_next(struct input *in, const uint8_t **rec, size_t *len);

/* True when a complete record is queued (input_next() would succeed). */
bool input_ready(struct input *in);

/* Bytes waiting in the queue. */
static inline size_t input_queued(const struct input *in)
{
    return in->q.len;
}

#endif
