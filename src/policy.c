/*
 * policy - keep-alive, backoff and retry decisions as pure functions; see policy.h.
 */
#include "policy.h"

#include "exitcode.h"

void keepalive_init(struct keepalive *k, bool enabled, double interval_s, double timeout_s)
{
    *k = (struct keepalive){.enabled = enabled, .interval_s = interval_s, .timeout_s = timeout_s};
}

void keepalive_start(struct keepalive *k, int64_t now)
{
    k->since = now;
    k->ping_out = false;
}

int64_t keepalive_next(const struct keepalive *k, const struct keepalive_view *v)
{
    if (!k->enabled || v->rx_paused)
        return -1;
    if (k->ping_out)
        return v->now + POLICY_WATCH_MS; /* watch the ping leave and the data move */
    int64_t quiet_since = v->last_rx > k->since ? v->last_rx : k->since;
    return quiet_since + (int64_t)(k->interval_s * 1000);
}

enum keepalive_action keepalive_check(struct keepalive *k, const struct keepalive_view *v)
{
    if (!k->enabled)
        return KEEPALIVE_NONE;
    if (v->rx_paused) {
        k->ping_out = false; /* its pong cannot be read until we read again */
        return KEEPALIVE_NONE;
    }
    if (!k->ping_out)
        return v->now >= keepalive_next(k, v) ? KEEPALIVE_PING : KEEPALIVE_NONE;
    if (v->last_rx >= k->ping_sent) {
        k->ping_out = false; /* anything at all proves the peer alive */
        return KEEPALIVE_NONE;
    }
    if (v->gone != k->ping_gone) {
        k->ping_gone = v->gone;
        k->ping_moved = v->now;
    }
    bool left = v->gone >= k->ping_end;
    double limit = left ? k->timeout_s : k->interval_s + k->timeout_s;
    if (v->now - k->ping_moved < (int64_t)(limit * 1000))
        return KEEPALIVE_NONE;
    return left ? KEEPALIVE_DEAD : KEEPALIVE_DEAD_QUEUED;
}

void keepalive_ping_sent(struct keepalive *k, int64_t now, uint64_t end, uint64_t gone)
{
    k->ping_out = true;
    k->ping_sent = k->ping_moved = now;
    k->ping_end = end;
    k->ping_gone = gone;
}

double policy_backoff(unsigned attempt, double min_s, double max_s, uint32_t r, long retry_after_s)
{
    double ceiling = min_s;
    for (unsigned i = 1; i < attempt && ceiling < max_s; i++)
        ceiling *= 2;
    if (ceiling > max_s)
        ceiling = max_s;
    /* Full jitter between MIN and the current ceiling. */
    double d = min_s + (ceiling - min_s) * (r / 4294967296.0);
    if (retry_after_s >= 0 && d < (double)retry_after_s)
        d = (double)retry_after_s;
    return d;
}

bool policy_stable(int64_t established_at, int64_t now)
{
    return established_at > 0 && now - established_at >= POLICY_STABLE_MS;
}

bool policy_fatal(int result, int http_status)
{
    switch (result) {
    case EXIT_USAGE:
    case EXIT_URL:
    case EXIT_INPUT:
    case EXIT_HANDSHAKE:
    case EXIT_WRITE:
    case EXIT_CERT:
    case EXIT_PINNED:
    case EXIT_REDIRECT: /* -L: a redirect loop, a bad Location, a downgrade */
    case EXIT_INTERNAL:
        return true;
    case EXIT_PROXY: /* credentials the proxy wants or rejected: retries could lock the account */
        return http_status == 407;
    case EXIT_UPGRADE_REFUSED:
        return http_status >= 400 && http_status < 500 && http_status != 408 && http_status != 429;
    default:
        return false;
    }
}

enum policy_retry policy_retry_check(int result, int http_status, unsigned attempts,
                                     long max_attempts)
{
    if (policy_fatal(result, http_status))
        return POLICY_FATAL;
    if (max_attempts > 0 && attempts >= (unsigned long)max_attempts)
        return POLICY_GIVE_UP;
    return POLICY_RETRY;
}
