/*
 * input - pipe-mode standard input split into records (one message each), kept until the kernel
 * has taken them.
 *
 * Records end with '\n' (a '\r' before it is dropped too) or, with -0, with NUL; at end of input
 * a final record without terminator is a record too. Bytes stay queued until a whole record is
 * there, so nothing is lost or split, however the reads fall.
 *
 * A record goes through three stages: queued -> in flight (turned into a frame, not yet all
 * written to the socket) -> done (every byte of its frame was handed to the kernel; it is then
 * dropped). When a connection breaks, input_rewind() puts the records in flight back in the
 * queue, so they are sent again on the next connection; done records never are. The caller
 * bounds the queue and stops reading stdin while it is full (backpressure).
 */
#ifndef WSC_INPUT_H
#define WSC_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct input {
    struct buf q;      /* raw bytes: in-flight records, then queued ones, then a partial one */
    struct buf flight; /* FIFO of struct input_flight, one per record in flight */
    size_t sent;       /* bytes of q that are in flight */
    size_t scanned;    /* bytes after `sent` already searched for a delimiter */
    size_t last_raw;   /* bytes the record last returned by input_next() used */
    char delim;
    bool eof;
    uint64_t records; /* records taken by input_next() so far (for messages) */
};

void input_init(struct input *in, char delim);
void input_free(struct input *in);

/* Read once from fd into the queue. Returns bytes read (> 0), 0 at end of input (sets eof),
 * -1 on EAGAIN/EINTR (try later), -2 on a read error (errno set). */
long input_read(struct input *in, int fd);

/* The next queued record, without its terminator. *rec stays valid until the next call to
 * input_read(). Returns false when no complete record is queued. The record is in flight
 * afterwards: call input_sent() with the stream position where its frame ends. */
bool input_next(struct input *in, const uint8_t **rec, size_t *len);
int input_sent(struct input *in, uint64_t frame_end); /* 0, or -1 when out of memory */

/* The connection wrote its stream up to position written: records whose frames end there or
 * before are done and dropped. */
void input_written(struct input *in, uint64_t written);

/* The connection broke: records in flight are queued again (in order, ahead of the rest). */
void input_rewind(struct input *in);

/* True when a complete record is queued (input_next() would succeed). */
bool input_ready(struct input *in);

/* Bytes held (in flight, queued and partial). */
static inline size_t input_queued(const struct input *in)
{
    return in->q.len;
}

/* Bytes queued and not yet in flight (complete records and a partial one). */
static inline size_t input_unsent(const struct input *in)
{
    return in->q.len - in->sent;
}

/* Records in flight. */
size_t input_in_flight(const struct input *in);

#endif
