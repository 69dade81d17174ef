/*
 * status - the seed module's status variables, and what a user wants besides: connection status
 * with the time of its last change, last message sent and received with their times, messages
 * and bytes each way, the last ping round-trip time and the negotiated subprotocol.
 *
 * Updated by the loop; shown by /status in the REPL and by SIGUSR1 in pipe mode (like dd).
 */
#ifndef WSC_STATUS_H
#define WSC_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define STATUS_PREVIEW 200 /* bytes of the last messages kept for display */

struct status_msg {
    bool set;
    bool binary;
    size_t len;                   /* full length of the message */
    size_t kept;                  /* bytes of it kept in head (escaped only when shown) */
    uint8_t head[STATUS_PREVIEW]; /* its first bytes, raw */
    struct timespec when;         /* wall clock */
};

struct status {
    const char *state; /* "disconnected", "connecting", "TCP connected", ... */
    struct timespec state_since;
    char peer[80];
    char subprotocol[256];
    struct status_msg sent, received;
    uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
    double rtt_ms;       /* last ping round trip in ms (as /ping showed it), < 0 if none */
    unsigned connects;   /* established connections so far */
    struct timespec now; /* the loop's clock for this wake: status_tick() */
};

void status_init(struct status *s);
void status_set_state(struct status *s, const char *state);
/* Read the wall clock once per loop wake; messages recorded until the next tick get this time,
 * so recording a message costs no system call (1,000,000 small messages a second). */
void status_tick(struct status *s);
void status_sent(struct status *s, bool binary, const uint8_t *data, size_t len);
void status_received(struct status *s, bool binary, const uint8_t *data, size_t len);

/* Multi-line human-readable report (no trailing newline), appended to out. Returns 0 or -1. */
int status_format(const struct status *s, struct buf *out);

/* Append data to out with control bytes escaped (\n, \t, \xNN, \e ...) so a terminal shows them
 * harmlessly; valid UTF-8 sequences pass through, invalid bytes are escaped. At most max input
 * bytes are shown ("..." after). Returns 0 or -1. */
int status_escape(struct buf *out, const uint8_t *data, size_t len, size_t max);

/* "2026-11-25T11:52:03.120+00:00" for a struct timespec (buf >= 40). */
char *status_time(const struct timespec *ts, char *buf, size_t n);

#endif
