/*
 * log - diagnostics on stderr: errors, notes, -v "extended logging" and --log-comms frame dumps.
 *
 * Every line goes through one writer (stderr by default; the REPL installs one that redraws the
 * prompt). Secrets never pass through here in clear: HTTP heads are logged with the values of
 * Authorization, Proxy-Authorization and Cookie replaced by "[redacted]".
 */
#ifndef WSC_LOG_H
#define WSC_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

enum log_level { LOG_ERROR = 0, LOG_NOTE = 1, LOG_VERBOSE = 2, LOG_DEBUG = 3 };

/* verbosity: -1 quiet (errors only), 0 normal, 1 -v, 2 -vv. timestamps (--timestamps): prefix
 * every line, errors included, with "[HH:MM:SS.mmm] " (-v alone prefixes all but errors). */
void log_init(int verbosity, bool log_comms, bool timestamps);
/* Replace the line writer (NULL restores stderr). line has no trailing newline. */
void log_set_writer(void (*writer)(enum log_level level, const char *line));

bool log_enabled(enum log_level level);
bool log_comms_enabled(void);

/* "wsc: ..." on stderr, always ("[HH:MM:SS.mmm] wsc: ..." with timestamps). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational lines: shown unless -q (LOG_NOTE) or only with -v (LOG_VERBOSE). */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log an HTTP head (request or response) line by line with a prefix ("> " / "< "), redacting
 * credential headers. */
void log_http_head(const char *prefix, const char *head, size_t len);

/* True for header names whose values must never be shown (case-insensitive). */
bool log_header_is_secret(const char *name, size_t len);

/* --log-comms: one line per frame: direction, opcode, FIN, RSV, mask, length, then a hex and
 * ASCII preview of the first bytes of the payload. */
void log_frame(bool outgoing, const struct frame_header *h, const uint8_t *payload, size_t len);

/* Current wall-clock time as "HH:MM:SS.mmm" (buf >= 16) or ISO 8601 with milliseconds and
 * offset (iso, buf >= 32). Returns buf. */
char *log_time(char *buf, size_t n, bool iso);

#endif
