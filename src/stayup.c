/*
 * stayup - staying up: keep-alive pings and reconnecting with backoff, the decisions taken by
 * the pure functions of policy.c and carried out here on the connection; see app.h.
 */
#include <stdio.h>

#include "app.h"
#include "output.h"
#include "rand.h"

void stayup_init(struct app *a)
{
    const struct options *o = a->o;
    keepalive_init(&a->up.ka, o->keepalive, o->ping_interval, o->ping_timeout);
    a->up.reconnect_at = -1;
}

void stayup_established(struct app *a, int64_t now)
{
    a->up.established_at = now;
    keepalive_start(&a->up.ka, now);
}

void stayup_start(struct app *a)
{
    a->up.reconnect_at = -1;
    a->up.user_closed = false;
    a->pipe.wait_deadline = -1;
    conn_start(a->c);
    events_prompt(a);
}

/* What keep-alive needs to know about the connection now. */
static struct keepalive_view view(const struct app *a, int64_t now)
{
    return (struct keepalive_view){
        .now = now,
        .last_rx = conn_last_rx(a->c),
        .gone = a->up.ka.ping_out ? conn_out_gone(a->c) : 0, /* an ioctl: only when needed */
        .rx_paused = a->mode == MODE_PIPE && output_over(),
    };
}

static void keepalive(struct app *a, int64_t now)
{
    struct stayup *up = &a->up;
    if (conn_state(a->c) != CONN_OPEN)
        return;
    struct keepalive_view v = view(a, now);
    if (v.rx_paused) {
        keepalive_check(&up->ka, &v); /* forgets a ping whose pong we cannot read now */
        up->rx_paused = true;
        return;
    }
    if (up->rx_paused) { /* reading again: silence counts from now */
        up->rx_paused = false;
        keepalive_start(&up->ka, now);
    }
    static const uint8_t payload[] = "wsc keep-alive";
    switch (keepalive_check(&up->ka, &v)) {
    case KEEPALIVE_NONE:
        break;
    case KEEPALIVE_PING:
        if (conn_ping(a->c, payload, sizeof payload - 1) == 0) {
            uint64_t end = conn_out_end(a->c);
            conn_flush(a->c);
            keepalive_ping_sent(&up->ka, now, end, conn_out_gone(a->c));
        }
        break;
    case KEEPALIVE_DEAD: {
        char why[200];
        snprintf(why, sizeof why, "no reply from the server within %g s of a ping (--ping-timeout)",
                 up->ka.timeout_s);
        conn_abort(a->c, CONN_ERR_PING_TIMEOUT, why);
        break;
    }
    case KEEPALIVE_DEAD_QUEUED: {
        char why[200];
        snprintf(why, sizeof why,
                 "the server took and sent nothing for %g s after a ping "
                 "(--ping-interval + --ping-timeout)",
                 up->ka.interval_s + up->ka.timeout_s);
        conn_abort(a->c, CONN_ERR_PING_TIMEOUT, why);
        break;
    }
    }
}

void stayup_tick(struct app *a, int64_t now)
{
    keepalive(a, now);
}

void stayup_reconnect(struct app *a, int64_t now)
{
    if (a->up.reconnect_at >= 0 && now >= a->up.reconnect_at && !a->end.done)
        stayup_start(a);
}

int64_t stayup_deadline(const struct app *a)
{
    int64_t ka = -1;
    if (conn_state(a->c) == CONN_OPEN) {
        struct keepalive_view v = view(a, conn_now());
        ka = keepalive_next(&a->up.ka, &v);
    }
    int64_t r = a->up.reconnect_at;
    if (ka < 0)
        return r;
    return r < 0 || ka < r ? ka : r;
}

bool stayup_ended(struct app *a, int result, const char *err)
{
    struct stayup *up = &a->up;
    const struct options *o = a->o;
    int64_t now = conn_now();
    if (policy_stable(up->established_at, now))
        up->attempts = 0;
    up->established_at = 0;
    if (!o->reconnect || up->user_closed)
        return false;
    switch (policy_retry_check(result, conn_http_status(a->c), up->attempts, o->reconnect_max)) {
    case POLICY_FATAL:
        events_errorf(a, "not reconnecting: %s", *err ? err : "fatal error");
        return false;
    case POLICY_GIVE_UP:
        events_errorf(a, "giving up after %u reconnect attempt%s (--reconnect-max)", up->attempts,
                      up->attempts == 1 ? "" : "s");
        return false;
    case POLICY_RETRY:
        break;
    }
    up->attempts++;
    uint32_t r = 0;
    rand_bytes(&r, sizeof r);
    double d = policy_backoff(up->attempts, o->reconnect_delay_min, o->reconnect_delay_max, r,
                              conn_retry_after(a->c));
    up->reconnect_at = now + (int64_t)(d * 1000);
    events_reconnecting(a, d, up->attempts);
    events_prompt(a);
    return true;
}
