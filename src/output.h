/*
 * output - received messages on stdout, in pipe mode.
 *
 * Each message is written whole and alone: text followed by the record separator ("\n", or NUL
 * with -0); binary as raw bytes (exactly the payload, no separator), or as a hex or base64 line;
 * or, with --json, one JSON object per line ({"type":"text","data":"..."}, binary data in
 * base64). Writes are buffered and flushed by the loop before it waits, so a message is never
 * split or interleaved, and the buffering never delays output while wsc is idle.
 */
#ifndef WSC_OUTPUT_H
#define WSC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"

/* Configure from the options (format, separator, match string) and the fd to write (stdout). */
void output_init(const struct options *o, int fd);
void output_free(void);

/* True when the message passes --match (plain, case-sensitive substring; always without it). */
bool output_matches(const uint8_t *data, size_t len);

/* Write one message (opcode WS_OP_TEXT or WS_OP_BINARY) if it matches. Returns 1 if written,
 * 0 if filtered out, -1 when stdout failed (errno set; EPIPE when the reader went away). */
int output_message(int opcode, const uint8_t *data, size_t len);

/* Write a ready-made line (used for JSON events); a newline is added. Same returns. */
int output_line(const char *line, size_t len);

/* Write what is buffered. Returns 0 or -1 (errno set). */
int output_flush(void);

/* Append the JSON object for a message ({"type":"text","data":...}, binary as base64), no
 * newline. Returns 0 or -1 when out of memory. */
int output_format_json(struct buf *b, int opcode, const uint8_t *data, size_t len);

/* Append a JSON string literal for data (valid UTF-8 expected; control bytes escaped). */
int output_json_string(struct buf *b, const uint8_t *data, size_t len);

#endif
