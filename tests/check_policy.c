/* Unit tests for policy: keep-alive, backoff and the retry decision driven by a fake clock, one
 * scenario per row of the README's fault table that these functions decide. */
#include <stdint.h>
#include <stdio.h>

#include "check_common.h"
#include "conn.h"
#include "exitcode.h"
#include "policy.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* A fake connection as keep-alive sees it: a clock, the last byte received, and a send queue
 * that the peer's kernel takes at some rate. */
struct fake {
    struct keepalive k;
    int64_t now;
    int64_t last_rx;
    uint64_t queued; /* stream position after everything queued */
    uint64_t gone;   /* stream position that has left */
    bool paused;
    int pings;
};

static struct keepalive_view view(const struct fake *f)
{
    return (struct keepalive_view){
        .now = f->now, .last_rx = f->last_rx, .gone = f->gone, .rx_paused = f->paused};
}

static void fake_start(struct fake *f, double interval, double timeout)
{
    *f = (struct fake){.now = 1000, .last_rx = 0};
    keepalive_init(&f->k, true, interval, timeout);
    keepalive_start(&f->k, f->now);
}

/* Run the loop's keep-alive step at f->now; a ping is 16 bytes queued after the rest. */
static enum keepalive_action step(struct fake *f)
{
    struct keepalive_view v = view(f);
    enum keepalive_action a = keepalive_check(&f->k, &v);
    if (a == KEEPALIVE_PING) {
        f->pings++;
        f->queued += 16;
        keepalive_ping_sent(&f->k, f->now, f->queued, f->gone);
    }
    return a;
}

/* Advance the clock to the next deadline keep-alive asks for (never past limit), step there. */
static enum keepalive_action advance(struct fake *f, int64_t limit)
{
    struct keepalive_view v = view(f);
    int64_t next = keepalive_next(&f->k, &v);
    ck_assert_int_ge(next, 0);
    f->now = next < f->now ? f->now : next > limit ? limit : next;
    return step(f);
}

START_TEST(keepalive_ping_after_interval_of_silence)
{
    struct fake f;
    fake_start(&f, 30, 10);
    struct keepalive_view v = view(&f);
    ck_assert_int_eq(keepalive_next(&f.k, &v), 1000 + 30000);
    f.now = 1000 + 29999;
    ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    f.now = 1000 + 30000;
    ck_assert_int_eq(step(&f), KEEPALIVE_PING);
    ck_assert(f.k.ping_out);
}
END_TEST

START_TEST(keepalive_byte_received_postpones_ping)
{
    struct fake f;
    fake_start(&f, 30, 10);
    f.now = 20000;
    f.last_rx = 20000;
    ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    struct keepalive_view v = view(&f);
    ck_assert_int_eq(keepalive_next(&f.k, &v), 20000 + 30000);
    f.now = 49999;
    ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    f.now = 50000;
    ck_assert_int_eq(step(&f), KEEPALIVE_PING);
}
END_TEST

/* Server frozen (SIGSTOP) with --ping-interval 1 --ping-timeout 1: the ping leaves at once and
 * nothing comes back; dead after interval + timeout from the last byte, not before. */
START_TEST(keepalive_silent_peer_dead_within_interval_plus_timeout)
{
    struct fake f;
    fake_start(&f, 1, 1);
    f.last_rx = f.now;
    int64_t t0 = f.now;
    enum keepalive_action a;
    while ((a = advance(&f, t0 + 10000)) != KEEPALIVE_DEAD) {
        ck_assert_int_ne(a, KEEPALIVE_DEAD_QUEUED);
        f.gone = f.queued; /* the kernel takes the ping at once */
        ck_assert_int_lt(f.now, t0 + 10000);
    }
    ck_assert_int_eq(f.pings, 1);
    ck_assert_int_ge(f.now - t0, 2000);
    ck_assert_int_le(f.now - t0, 2000 + POLICY_WATCH_MS);
}
END_TEST

/* A slow reader that never answers pings while megabytes go out: data keeps leaving, so the
 * peer is alive however long the ping waits behind it; once nothing moves any more for
 * interval + timeout, it is dead (the ping never left). */
START_TEST(keepalive_busy_upload_is_no_false_alarm)
{
    struct fake f;
    fake_start(&f, 1, 1);
    f.queued = 4000000; /* 4 MB waiting to go */
    f.gone = 0;
    f.now = 2000;
    ck_assert_int_eq(step(&f), KEEPALIVE_PING);
    ck_assert_uint_gt(f.k.ping_end, f.gone);
    /* 60 s of the queue draining 60 KB every 100 ms: never dead */
    for (int i = 0; i < 600; i++) {
        f.now += 100;
        f.gone += 6000;
        ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    }
    /* the peer stops reading: dead after interval + timeout of no movement */
    int64_t stopped = f.now;
    enum keepalive_action a;
    while ((a = advance(&f, stopped + 10000)) == KEEPALIVE_NONE)
        ck_assert_int_lt(f.now, stopped + 10000);
    ck_assert_int_eq(a, KEEPALIVE_DEAD_QUEUED);
    ck_assert_int_ge(f.now - stopped, 2000);
    ck_assert_int_le(f.now - stopped, 2000 + POLICY_WATCH_MS);
}
END_TEST

/* Server SIGSTOPped with data queued: after the ping has left, --ping-timeout counts from the
 * last byte that left. */
START_TEST(keepalive_timeout_counts_from_last_byte_leaving)
{
    struct fake f;
    fake_start(&f, 1, 1);
    f.now = 2000;
    ck_assert_int_eq(step(&f), KEEPALIVE_PING);
    f.now = 2500;
    f.gone = f.queued; /* the ping has left at 2.5 s */
    ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    f.now = 3499;
    ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    f.now = 3500;
    ck_assert_int_eq(step(&f), KEEPALIVE_DEAD);
}
END_TEST

/* An 8 MB message arriving over 3 s while the ping goes unanswered: each read is life. */
START_TEST(keepalive_large_message_arriving_counts_as_life)
{
    struct fake f;
    fake_start(&f, 1, 1);
    f.now = 2000;
    ck_assert_int_eq(step(&f), KEEPALIVE_PING);
    f.gone = f.queued;
    for (int i = 0; i < 30; i++) {
        f.now += 100;
        f.last_rx = f.now; /* part of the message arrived */
        ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
        ck_assert(!f.k.ping_out);
    }
    /* the next ping comes an interval after the last byte */
    struct keepalive_view v = view(&f);
    ck_assert_int_eq(keepalive_next(&f.k, &v), f.last_rx + 1000);
}
END_TEST

START_TEST(keepalive_disabled_never_acts)
{
    struct keepalive k;
    keepalive_init(&k, false, 1, 1);
    keepalive_start(&k, 0);
    struct keepalive_view v = {.now = 1000000};
    ck_assert_int_eq(keepalive_next(&k, &v), -1);
    ck_assert_int_eq(keepalive_check(&k, &v), KEEPALIVE_NONE);
}
END_TEST

/* stdout backpressure: wsc stops reading the socket itself; that is not the peer's silence. */
START_TEST(keepalive_paused_reading_is_not_silence)
{
    struct fake f;
    fake_start(&f, 1, 1);
    f.now = 2000;
    ck_assert_int_eq(step(&f), KEEPALIVE_PING);
    f.gone = f.queued;
    f.paused = true;
    for (int i = 0; i < 100; i++) {
        f.now += 100;
        struct keepalive_view v = view(&f);
        ck_assert_int_eq(keepalive_next(&f.k, &v), -1);
        ck_assert_int_eq(step(&f), KEEPALIVE_NONE);
    }
    ck_assert(!f.k.ping_out);
    /* reading resumes: the quiet clock starts again there */
    f.paused = false;
    keepalive_start(&f.k, f.now);
    struct keepalive_view v = view(&f);
    ck_assert_int_eq(keepalive_next(&f.k, &v), f.now + 1000);
}
END_TEST

/* --- backoff --- */

START_TEST(backoff_ceiling_doubles_up_to_max)
{
    /* r at the top of its range gives (nearly) the ceiling; at 0 always MIN. */
    static const double want[] = {1, 2, 4, 8, 16, 32, 60, 60, 60};
    for (unsigned i = 0; i < NROWS(want); i++) {
        double top = policy_backoff(i + 1, 1, 60, UINT32_MAX, -1);
        ck_assert_double_eq_tol(top, want[i], 1e-6);
        ck_assert_double_eq(policy_backoff(i + 1, 1, 60, 0, -1), 1);
        double mid = policy_backoff(i + 1, 1, 60, 1u << 31, -1);
        ck_assert_double_eq_tol(mid, 1 + (want[i] - 1) / 2, 1e-9);
    }
    /* a huge attempt count neither overflows nor passes MAX */
    ck_assert_double_le(policy_backoff(UINT32_MAX, 0.5, 7, UINT32_MAX, -1), 7);
    /* MIN == MAX: a fixed delay */
    ck_assert_double_eq(policy_backoff(5, 3, 3, 12345, -1), 3);
}
END_TEST

START_TEST(backoff_retry_after_is_a_floor)
{
    ck_assert_double_eq(policy_backoff(1, 1, 60, 0, 2), 2);
    ck_assert_double_eq(policy_backoff(1, 1, 60, 0, 0), 1);
    /* a larger jittered delay stays */
    ck_assert_double_eq_tol(policy_backoff(4, 1, 60, UINT32_MAX, 2), 8, 1e-6);
    /* Retry-After beyond MAX still wins: the server asked for it */
    ck_assert_double_eq(policy_backoff(1, 1, 5, 0, 120), 120);
}
END_TEST

START_TEST(backoff_attempts_reset_after_stable_connection)
{
    ck_assert(!policy_stable(0, 100000)); /* never established */
    ck_assert(!policy_stable(1000, 1000 + 29999));
    ck_assert(policy_stable(1000, 1000 + 30000));
    ck_assert(policy_stable(1000, 1000 + 3600000));
}
END_TEST

/* --- retry decision --- */

static const struct {
    int result;
    int http;
    bool fatal;
} fatal_table[] = {
    {EXIT_USAGE, 0, true},
    {EXIT_URL, 0, true},
    {EXIT_INPUT, 0, true},
    {EXIT_HANDSHAKE, 0, true},
    {EXIT_WRITE, 0, true},
    {EXIT_CERT, 0, true},
    {EXIT_PINNED, 0, true},
    {EXIT_REDIRECT, 302, true},
    {EXIT_INTERNAL, 0, true},
    {EXIT_OK, 0, false},
    {EXIT_RESOLVE, 0, false},
    {EXIT_CONNECT, 0, false},
    {EXIT_TIMEOUT, 0, false},
    {EXIT_TLS, 0, false},
    {EXIT_PROTOCOL, 0, false},
    {EXIT_SERVER_CLOSE, 0, false},
    {EXIT_ABNORMAL, 0, false},
    {EXIT_BROKEN, 0, false},
    /* refused upgrades: any 4xx but 408 and 429 is fatal */
    {EXIT_UPGRADE_REFUSED, 400, true},
    {EXIT_UPGRADE_REFUSED, 401, true},
    {EXIT_UPGRADE_REFUSED, 403, true},
    {EXIT_UPGRADE_REFUSED, 404, true},
    {EXIT_UPGRADE_REFUSED, 405, true},
    {EXIT_UPGRADE_REFUSED, 426, true},
    {EXIT_UPGRADE_REFUSED, 499, true},
    {EXIT_UPGRADE_REFUSED, 408, false},
    {EXIT_UPGRADE_REFUSED, 429, false},
    {EXIT_UPGRADE_REFUSED, 500, false},
    {EXIT_UPGRADE_REFUSED, 503, false},
    {EXIT_UPGRADE_REFUSED, 302, false},
    /* a 4xx status does not make another failure fatal */
    {EXIT_CONNECT, 404, false},
    /* proxies: 407 (credentials wanted or rejected, SOCKS5's too) is fatal; the rest retried */
    {EXIT_PROXY, 407, true},
    {EXIT_PROXY, 0, false},
    {EXIT_PROXY, 403, false},
    {EXIT_PROXY, 502, false},
    {EXIT_PROXY_RESOLVE, 0, false},
};

START_TEST(fatal_by_result_and_status)
{
    ck_assert_msg(policy_fatal(fatal_table[_i].result, fatal_table[_i].http) ==
                      fatal_table[_i].fatal,
                  "exit %d, HTTP %d", fatal_table[_i].result, fatal_table[_i].http);
}
END_TEST

START_TEST(retry_check_fatal_first_then_max)
{
    ck_assert_int_eq(policy_retry_check(EXIT_CONNECT, 0, 0, 0), POLICY_RETRY);
    ck_assert_int_eq(policy_retry_check(EXIT_CONNECT, 0, 1000, 0), POLICY_RETRY);
    ck_assert_int_eq(policy_retry_check(EXIT_CONNECT, 0, 1, 2), POLICY_RETRY);
    ck_assert_int_eq(policy_retry_check(EXIT_CONNECT, 0, 2, 2), POLICY_GIVE_UP);
    ck_assert_int_eq(policy_retry_check(EXIT_UPGRADE_REFUSED, 401, 0, 2), POLICY_FATAL);
    ck_assert_int_eq(policy_retry_check(EXIT_CERT, 0, 5, 2), POLICY_FATAL);
    ck_assert_int_eq(policy_retry_check(EXIT_UPGRADE_REFUSED, 503, 2, 2), POLICY_GIVE_UP);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("keepalive");
    tcase_add_test(tc, keepalive_ping_after_interval_of_silence);
    tcase_add_test(tc, keepalive_byte_received_postpones_ping);
    tcase_add_test(tc, keepalive_silent_peer_dead_within_interval_plus_timeout);
    tcase_add_test(tc, keepalive_busy_upload_is_no_false_alarm);
    tcase_add_test(tc, keepalive_timeout_counts_from_last_byte_leaving);
    tcase_add_test(tc, keepalive_large_message_arriving_counts_as_life);
    tcase_add_test(tc, keepalive_disabled_never_acts);
    tcase_add_test(tc, keepalive_paused_reading_is_not_silence);
    suite_add_tcase(s, tc);
    tc = tcase_create("backoff");
    tcase_add_test(tc, backoff_ceiling_doubles_up_to_max);
    tcase_add_test(tc, backoff_retry_after_is_a_floor);
    tcase_add_test(tc, backoff_attempts_reset_after_stable_connection);
    suite_add_tcase(s, tc);
    tc = tcase_create("retry");
    tcase_add_loop_test(tc, fatal_by_result_and_status, 0, NROWS(fatal_table));
    tcase_add_test(tc, retry_check_fatal_first_then_max);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(policy_suite)
