/*
 * policy - keep-alive, reconnect backoff and "is this failure worth retrying", as small pure
 * functions: fed the clock (monotonic milliseconds) and counters, they return the next deadline
 * and the action to take. They do no I/O and read no clock, so tests drive them with a fake one.
 *
 * Keep-alive (README "Staying up"): after `interval_s` in which nothing arrived, send a ping.
 * The peer is dead when, after that ping, nothing arrives and nothing we send moves on for
 * `timeout_s` once the ping has left the machine (or interval + timeout while it is still
 * queued behind other data). Data leaving means the peer's kernel takes it, so a slow reader is
 * alive, and a busy upload or a large message still arriving never looks like silence.
 */
#ifndef WSC_POLICY_H
#define WSC_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define POLICY_STABLE_MS 30000 /* a connection up this long resets the backoff count */
#define POLICY_WATCH_MS  100   /* while a ping is out, look at the stream this often */

/* --- keep-alive --- */

struct keepalive {
    /* configuration */
    bool enabled;
    double interval_s;
    double timeout_s;
    /* state (keepalive_start() resets it) */
    int64_t since;      /* established, or reading resumed: silence counts from here */
    bool ping_out;      /* a keep-alive ping is outstanding */
    uint64_t ping_end;  /* stream position after it */
    int64_t ping_sent;  /* when it was queued */
    int64_t ping_moved; /* when data last left the machine since then */
    uint64_t ping_gone; /* stream position that had left when last looked at */
};

/* What the connection looks like now. */
struct keepalive_view {
    int64_t now;
    int64_t last_rx; /* when the last byte was received (any byte: a message still arriving) */
    uint64_t gone;   /* stream position that has left this machine (conn_out_gone()) */
    bool rx_paused;  /* we stopped reading the socket ourselves (stdout backpressure) */
};

enum keepalive_action {
    KEEPALIVE_NONE,
    KEEPALIVE_PING,        /* send a ping now, then call keepalive_ping_sent() */
    KEEPALIVE_DEAD,        /* nothing within timeout of the ping leaving */
    KEEPALIVE_DEAD_QUEUED, /* the ping never left: nothing moved for interval + timeout */
};

void keepalive_init(struct keepalive *k, bool enabled, double interval_s, double timeout_s);
/* The connection is established (or reading resumed) at now: silence is counted from here. */
void keepalive_start(struct keepalive *k, int64_t now);
/* When keepalive_check() must next be called (monotonic ms), or -1 for never. */
int64_t keepalive_next(const struct keepalive *k, const struct keepalive_view *v);
/* Decide at v->now. KEEPALIVE_PING: the caller queues a ping and reports it with
 * keepalive_ping_sent(). KEEPALIVE_DEAD*: the caller ends the connection (exit 28). While
 * v->rx_paused, nothing is decided: an outstanding ping is forgotten (its pong cannot be read),
 * and the caller calls keepalive_start() when reading resumes. */
enum keepalive_action keepalive_check(struct keepalive *k, const struct keepalive_view *v);
/* The ping was queued at now; its frame ends at stream position end; gone as in the view
 * (taken after the queue was flushed). */
void keepalive_ping_sent(struct keepalive *k, int64_t now, uint64_t end, uint64_t gone);

/* --- reconnect --- */

/*
 * The delay before reconnect attempt `attempt` (1 for the first): a random point (r / 2^32)
 * between min_s and a ceiling that starts at min_s and doubles per attempt up to max_s ("full
 * jitter"); at least retry_after_s when that is >= 0 (Retry-After on 429 and 503). Seconds.
 */
double policy_backoff(unsigned attempt, double min_s, double max_s, uint32_t r, long retry_after_s);

/* A connection established at established_at (0 = never) that ended at now was stable: the
 * attempt count starts again. */
bool policy_stable(int64_t established_at, int64_t now);

/* True for a failure that trying again cannot fix (exit code, and the HTTP status of a refused
 * upgrade): a bad URL or option, bad input, a malformed handshake reply, stdout gone, a
 * certificate that does not verify or a public key that is not pinned, a redirect -L cannot
 * follow, an internal error, any 4xx but 408 and 429, and a proxy's 407 (exit 97 with
 * http_status 407: credentials it wants or rejected, SOCKS5's too; retrying could lock the
 * account). Other proxy failures (403, 5xx, a SOCKS reply) are worth retrying. */
bool policy_fatal(int result, int http_status);

enum policy_retry {
    POLICY_RETRY,   /* schedule attempt + 1 */
    POLICY_FATAL,   /* policy_fatal(): not reconnecting */
    POLICY_GIVE_UP, /* --reconnect-max attempts made in a row */
};

/* After a connection ended with result (and http_status), with `attempts` reconnect attempts
 * made since the last stable connection; max_attempts <= 0 means no limit. */
enum policy_retry policy_retry_check(int result, int http_status, unsigned attempts,
                                     long max_attempts);

#endif
