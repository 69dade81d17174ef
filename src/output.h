/*
 * output - received messages on stdout, in pipe mode.
 *
 * Each message is written whole and alone: text followed by the record separator ("\n", or NUL
 * with -0); binary as raw bytes (exactly the payload, no separator), or as a hex or base64 line;
 * or, with --json, one JSON object per line ({"type":"text","data":"..."}, binary data in
 * base64). Bytes go out in order, so a message is never interleaved with another.
 *
 * Nothing here ever waits for the reader. Writes are batched (64 KiB) and flushed by the loop
 * before it waits, so the buffering never delays output while wsc is idle; large messages go out
 * with writev() straight from the caller's memory. Whatever stdout does not take at once stays
 * in a buffer (a message may go out in parts; the reader sees the same bytes): the loop polls
 * output_fd() for POLLOUT while output_pending() is not 0, calls output_flush() when it is
 * writable, and stops reading the socket while output_over() (backpressure), even between two
 * reads of one wake (conn's rx_paused). The buffer is so bounded by one batch plus one message.
 */
#ifndef WSC_OUTPUT_H
#define WSC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"
#include "match.h"

/* Configure from the options (format, separator, match string) and the fd to write (stdout).
 * A pipe, FIFO or terminal is opened again with O_NONBLOCK (its own open file description: the
 * flags shared with other processes stay untouched); a socket is written with MSG_DONTWAIT.
 * When a pipe cannot be opened again (no /proc), O_NONBLOCK is set on fd itself until
 * output_free() or output_restore(). Other character devices (/dev/null) are written as they
 * are. */
void output_init(const struct options *o, int fd);
/* Release the buffer (what is still in it is dropped) and the descriptor opened by init, and
 * give fd back its flags. */
void output_free(void);
/* Give fd back the flags it had before output_init() (only those): for every way out, including
 * a signal handler about to _exit() (async-signal-safe). */
void output_restore(void);
/* For tests only: how a pipe or terminal is opened again (fd, open() flags; returns the new
 * descriptor or -1). By default through /proc/self/fd. */
extern int (*output_reopen)(int fd, int flags);

/* The descriptor to poll for POLLOUT (and POLLERR: the reader went away). */
int output_fd(void);
/* Bytes formatted and not yet taken by stdout: poll for POLLOUT while this is not 0. */
size_t output_pending(void);
/* True while stdout refused some of what waits (any at all: a message that does not fit has to
 * wait in memory, and the next one should not join it): stop reading the socket until POLLOUT
 * lets output_flush() empty it. Bytes only batched, not yet offered to stdout, do not count. */
bool output_over(void);

/* Build the match chain (match.h) from -m, -E, -i, --jq, --jq-output; output_free() releases it.
 * Returns 0, or -1 with the usage message (exit 2) in err. Without it every message is kept. */
int output_match_setup(const struct options *o, char *err, size_t errlen);
/* The chain (NULL when no match option is given), for its counters. */
struct match *output_match(void);
/* Test (and count) one message against the chain: enum match_result (MATCH_KEEP without one). */
int output_matches(int opcode, const uint8_t *data, size_t len);

/* Write one message (opcode WS_OP_TEXT or WS_OP_BINARY) if it passes the match chain (with
 * --jq-output: the program's results instead); never waits. Returns 1
 * if written or kept to write, 0 if filtered out, -1 when stdout failed (errno set; EPIPE when
 * the reader went away; errors stick: every later call fails the same way). */
int output_message(int opcode, const uint8_t *data, size_t len);

/* Write a ready-made line (used for JSON events); a newline is added. Same returns. */
int output_line(const char *line, size_t len);

/* Write what stdout takes now of what is buffered, without waiting. Returns 0 (see
 * output_pending() for what is left) or -1 (errno set; what was buffered is dropped). */
int output_flush(void);

/* Append the JSON object for a message ({"type":"text","data":...}, binary as base64), no
 * newline. Returns 0 or -1 when out of memory. */
int output_format_json(struct buf *b, int opcode, const uint8_t *data, size_t len);

/* Append a JSON string literal for data (valid UTF-8 expected; control bytes escaped). */
int output_json_string(struct buf *b, const uint8_t *data, size_t len);

#endif
