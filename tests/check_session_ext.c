/*
 * Unit tests for session: RSV bits for extensions (RFC 6455 §5.2, RFC 7692 §6), answering only
 * the latest ping while a pong is unsent (§5.5.3, defect 12) and the error kinds.
 */
#include "check_session.h"

/* A client session whose config allows the RSV bits rsv. */
static struct session *mk_rsv(struct rec *r, uint8_t rsv)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->log);
    struct session_config cfg = {
        .rsv_allowed = rsv,
        .cb = {cb_message, cb_ping, cb_pong, cb_close, cb_frame},
        .ud = r,
    };
    r->s = session_new(&cfg);
    ck_assert_ptr_nonnull(r->s);
    return r->s;
}

/* Feed in whole (how == 0) or one byte at a time (how == 1); returns the last result. */
static int feed_how(struct session *s, const uint8_t *p, size_t n, int how)
{
    if (how == 0)
        return feed(s, p, n);
    int rc = SESSION_OK;
    for (size_t i = 0; i < n && rc == SESSION_OK; i++)
        rc = feed(s, p + i, 1);
    return rc;
}

/* ---- RSV bits ------------------------------------------------------------------------------ */

/* RSV1 allowed: a one-frame text message with RSV1 and (deflated, so not UTF-8) payload reaches
 * on_message with rsv WS_RSV1; a fragmented one carries its first frame's bits. */
START_TEST(rsv_allowed_on_first_frame_delivered_with_message)
{
    struct rec r;
    struct session *s = mk_rsv(&r, WS_RSV1);
    static const uint8_t one[] = {0xC1, 0x02, 0xF2, 0xFF}; /* FIN RSV1 text, not UTF-8 */
    ck_assert_int_eq(feed_how(s, one, sizeof(one), _i), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_eq(r.last_rsv, WS_RSV1);
    ck_assert_int_eq(r.last_op, WS_OP_TEXT);
    ck_assert_uint_eq(r.last_len, 2);
    ck_assert_uint_eq(r.last[1], 0xFF);
    /* RSV1 binary fragment, continuation without RSV: one message with RSV1. */
    static const uint8_t frag[] = {0x42, 0x01, 'a', 0x80, 0x01, 'b'};
    ck_assert_int_eq(feed_how(s, frag, sizeof(frag), _i), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 2);
    ck_assert_uint_eq(r.last_rsv, WS_RSV1);
    ck_assert_uint_eq(r.last_len, 2);
    ck_assert_mem_eq(r.last, "ab", 2);
    /* Without RSV1 the next message is plain again, and its text is checked. */
    static const uint8_t plain[] = {0x81, 0x01, 'c'};
    ck_assert_int_eq(feed_how(s, plain, sizeof(plain), _i), SESSION_OK);
    ck_assert_uint_eq(r.last_rsv, 0);
    ck_assert_int_eq(out_count(s), 0);
    done(&r);
}
END_TEST

/* Fed input that must fail with 1002 whatever the split; nothing delivered after it. */
static void expect_1002(uint8_t allowed, const uint8_t *in, size_t n, int how, int nmsg)
{
    struct rec r;
    struct session *s = mk_rsv(&r, allowed);
    ck_assert_int_eq(feed_how(s, in, n, how), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(session_state(s), SESSION_FAILED);
    ck_assert_int_eq(r.nmsg, nmsg);
    ck_assert_int_eq(r.nping + r.npong + r.nclose, 0);
    assert_close_out(s, out_count(s) - 1, WS_CLOSE_PROTOCOL_ERROR);
    done(&r);
}

START_TEST(rsv_on_continuation_frame_fails_1002)
{
    static const uint8_t in[] = {0x41, 0x01, 'a', 0xC0, 0x01, 'b'}; /* RSV1 again on CONT */
    expect_1002(WS_RSV1, in, sizeof(in), _i, 0);
}
END_TEST

START_TEST(rsv_on_control_frames_fails_1002)
{
    static const uint8_t ping[] = {0xC9, 0x00}, pong[] = {0xCA, 0x00}, cl[] = {0xC8, 0x00};
    expect_1002(WS_RSV1, ping, sizeof(ping), _i, 0);
    expect_1002(WS_RSV1, pong, sizeof(pong), _i, 0);
    expect_1002(WS_RSV1, cl, sizeof(cl), _i, 0);
    /* Between the fragments of an RSV1 message too. */
    static const uint8_t mid[] = {0x41, 0x01, 'a', 0xC9, 0x00, 0x80, 0x00};
    expect_1002(WS_RSV1, mid, sizeof(mid), _i, 0);
}
END_TEST

START_TEST(rsv_bits_not_allowed_fail_1002)
{
    static const uint8_t rsv2[] = {0x81, 0x01, 'a', 0xA1, 0x00}; /* RSV2 with RSV1 allowed */
    expect_1002(WS_RSV1, rsv2, sizeof(rsv2), _i, 1);
    static const uint8_t rsv1[] = {0xC1, 0x00}; /* RSV1 with nothing allowed */
    expect_1002(0, rsv1, sizeof(rsv1), _i, 0);
    static const uint8_t rsv3[] = {0x92, 0x00};
    expect_1002(WS_RSV1 | WS_RSV2, rsv3, sizeof(rsv3), _i, 0);
}
END_TEST

START_TEST(send_rsv_only_when_allowed)
{
    struct rec r;
    struct session *s = mk_rsv(&r, WS_RSV1);
    static const uint8_t z[] = {0xF2, 0xFF}; /* not UTF-8: fine, it is extension-encoded */
    ck_assert_int_eq(session_send_rsv(s, WS_OP_TEXT, WS_RSV1, z, sizeof(z)), SESSION_OK);
    ck_assert_int_eq(session_send_rsv(s, WS_OP_BINARY, WS_RSV2, z, 1), SESSION_ERR_ARG);
    ck_assert_int_eq(session_send_rsv(s, WS_OP_BINARY, 8, z, 1), SESSION_ERR_ARG);
    ck_assert_int_eq(session_send_rsv(s, WS_OP_PING, WS_RSV1, z, 1), SESSION_ERR_ARG);
    ck_assert_int_eq(session_send_rsv(s, WS_OP_TEXT, 0, z, sizeof(z)), SESSION_ERR_ARG);
    ck_assert_int_eq(session_send(s, WS_OP_BINARY, z, 1), SESSION_OK);
    ck_assert_int_eq(out_count(s), 2);
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.rsv, WS_RSV1);
    ck_assert_uint_eq(f.opcode, WS_OP_TEXT);
    ck_assert_mem_eq(f.payload, z, 2);
    ck_assert(out_frame(s, 1, &f));
    ck_assert_uint_eq(f.rsv, 0);
    done(&r);

    /* Without extensions no RSV bit may be sent. */
    s = mk_rsv(&r, 0);
    ck_assert_int_eq(session_send_rsv(s, WS_OP_BINARY, WS_RSV1, z, 1), SESSION_ERR_ARG);
    ck_assert_int_eq(session_output_pending(s), 0);
    done(&r);
}
END_TEST

/* ---- pongs: only the latest ping is answered while a pong is unsent (§5.5.3) --------------- */

/* n pings in one buffer, the i-th with payload "%05d"-like 4-byte counter (or len i % 126). */
static uint8_t *ping_flood(size_t n, bool varying, size_t *len)
{
    uint8_t *in = malloc(n * 127);
    ck_assert_ptr_nonnull(in);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pl = varying ? i % 126 : 4;
        in[at++] = 0x89;
        in[at++] = (uint8_t)pl;
        for (size_t k = 0; k < pl; k++)
            in[at++] = (uint8_t)(i >> (8 * (k % 4)));
    }
    *len = at;
    return in;
}

START_TEST(ping_flood_without_drain_keeps_one_pong)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    r.nolog = true;
    size_t n = 100000, len;
    uint8_t *in = ping_flood(n, _i == 1, &len);
    /* Whole, then in 1000-byte reads (pings split across reads). */
    ck_assert_int_eq(feed(s, in, len / 2), SESSION_OK);
    for (size_t at = len / 2; at < len; at += 1000)
        ck_assert_int_eq(feed(s, in + at, len - at < 1000 ? len - at : 1000), SESSION_OK);
    ck_assert_int_eq(r.nping, (int)n);
    ck_assert_int_eq(out_count(s), 1);
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    ck_assert_uint_eq(f.len, r.ping_len); /* the latest ping's payload */
    ck_assert_mem_eq(f.payload, r.ping, r.ping_len);
    ck_assert_uint_eq(session_output_pending(s), f.hlen + f.len);
    ck_assert_uint_le(session_output(s)->cap, 4096);
    free(in);
    done(&r);
}
END_TEST

/* --log-comms (on_frame) reports as sent only frames that go out: a pong that takes the place of
 * an unsent one comes as SESSION_OUT_REPLACED, so reports minus replacements = frames on the
 * wire. Both ways of replacing: the last frame dropped (any size), and rewritten in place behind
 * a message (same size). */
START_TEST(log_comms_reports_replaced_pong_not_as_sent)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t three[] = {0x89, 0x01, 'a', 0x89, 0x02, 'b', 'b', 0x89, 0x01, 'c'};
    ck_assert_int_eq(feed(s, three, sizeof three), SESSION_OK);
    ck_assert_int_eq(out_count(s), 1);
    ck_assert_int_eq(r.nframes_out, 1);
    ck_assert_int_eq(r.nframes_replaced, 2);
    /* A message behind the pong, then a same-size ping: the pong is rewritten in place. */
    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"m", 1), SESSION_OK);
    static const uint8_t d[] = {0x89, 0x01, 'd'};
    ck_assert_int_eq(feed(s, d, sizeof d), SESSION_OK);
    ck_assert_int_eq(out_count(s), 2);
    ck_assert_int_eq(r.nframes_out, 2);
    ck_assert_int_eq(r.nframes_replaced, 3);
    /* Once the pong has started to go out, a new one is a frame of its own. */
    buf_consume(session_output(s), 1);
    ck_assert_int_eq(feed(s, d, sizeof d), SESSION_OK);
    ck_assert_int_eq(r.nframes_out, 3);
    ck_assert_int_eq(r.nframes_replaced, 3);
    done(&r);
}
END_TEST

/* A pong behind a queued message: same size is rewritten in place, another size is appended and
 * then replaced while it is the last frame. */
START_TEST(pong_behind_data_replaced_in_place_or_appended)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t p1[] = {0x89, 0x02, 'a', '1'}, p2[] = {0x89, 0x02, 'b', '2'};
    static const uint8_t p3[] = {0x89, 0x03, 'c', '3', '3'}, p4[] = {0x89, 0x00};
    ck_assert_int_eq(feed(s, p1, sizeof(p1)), SESSION_OK);
    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"msg", 3), SESSION_OK);
    ck_assert_int_eq(feed(s, p2, sizeof(p2)), SESSION_OK);
    static struct out_frame f;
    ck_assert_int_eq(out_count(s), 2);
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    ck_assert_mem_eq(f.payload, "b2", 2);
    ck_assert(out_frame(s, 1, &f));
    ck_assert_mem_eq(f.payload, "msg", 3);
    ck_assert_int_eq(feed(s, p3, sizeof(p3)), SESSION_OK);
    ck_assert_int_eq(out_count(s), 3);
    ck_assert_int_eq(feed(s, p4, sizeof(p4)), SESSION_OK);
    ck_assert_int_eq(out_count(s), 3);
    ck_assert(out_frame(s, 0, &f));
    ck_assert_mem_eq(f.payload, "b2", 2);
    ck_assert(out_frame(s, 2, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    ck_assert_uint_eq(f.len, 0);
    done(&r);
}
END_TEST

/* A pong a writer has started (consumed a byte of) or holds is never rewritten; once everything
 * is consumed the hold is gone and pongs coalesce again. */
START_TEST(pong_started_or_held_is_not_rewritten)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t p1[] = {0x89, 0x01, 'x'}, p2[] = {0x89, 0x01, 'y'};
    ck_assert_int_eq(feed(s, p1, sizeof(p1)), SESSION_OK);
    uint8_t first[7];
    ck_assert_uint_eq(session_output_pending(s), 7);
    memcpy(first, buf_head(session_output(s)), 7);
    buf_consume(session_output(s), 1); /* the writer sent one byte */
    ck_assert_int_eq(feed(s, p2, sizeof(p2)), SESSION_OK);
    ck_assert_uint_eq(session_output_pending(s), 6 + 7);
    ck_assert_mem_eq(buf_head(session_output(s)), first + 1, 6);

    buf_consume(session_output(s), 13);
    ck_assert_int_eq(feed(s, p1, sizeof(p1)), SESSION_OK);
    session_output_hold(s, 3); /* TLS took the first 3 bytes for a retry */
    ck_assert_int_eq(feed(s, p2, sizeof(p2)), SESSION_OK);
    ck_assert_int_eq(out_count(s), 2);
    buf_consume(session_output(s), 14);
    ck_assert_int_eq(feed(s, p1, sizeof(p1)), SESSION_OK);
    ck_assert_int_eq(feed(s, p2, sizeof(p2)), SESSION_OK);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

/* Pings of every size with messages in between, drained a pseudo-random number of bytes at a
 * time: the bytes written form valid frames only, every pong answers some ping in order, the
 * messages all arrive, and the last pong answers the last ping. */
START_TEST(partial_drains_never_corrupt_the_frame_being_written)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    r.nolog = true;
    struct buf wire;
    buf_init(&wire);
    uint32_t seed = 12345;
    size_t npings = 20000;
    for (size_t i = 0; i < npings; i++) {
        uint8_t ping[2 + 125];
        size_t pl = (i * 7) % 126;
        ping[0] = 0x89;
        ping[1] = (uint8_t)pl;
        for (size_t k = 0; k < pl; k++)
            ping[2 + k] = (uint8_t)(i >> (8 * (k % 3)));
        ck_assert_int_eq(feed(s, ping, 2 + pl), SESSION_OK);
        if (i % 97 == 0) {
            uint8_t m[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
            ck_assert_int_eq(session_send(s, WS_OP_BINARY, m, 4), SESSION_OK);
        }
        seed = seed * 1103515245 + 12345;
        struct buf *o = session_output(s);
        size_t take = (seed >> 16) % 40;
        if (take > o->len)
            take = o->len;
        ck_assert_int_eq(buf_append(&wire, buf_head(o), take), 0);
        buf_consume(o, take);
    }
    struct buf *o = session_output(s);
    ck_assert_int_eq(buf_append(&wire, buf_head(o), o->len), 0);
    buf_consume(o, o->len);

    /* Parse what was "written" as the server would. */
    struct frame_parser p;
    frame_parser_init(&p, true, 0);
    const uint8_t *w = buf_head(&wire);
    size_t left = wire.len, npongs = 0, nmsgs = 0;
    uint8_t payload[126];
    long last_ping = -1;
    for (;;) {
        struct frame_event ev;
        long n = frame_parse(&p, w, left, &ev);
        ck_assert_int_ge(n, 0);
        if (ev.type == FRAME_EV_NONE)
            break; /* all consumed (an END is reported even after the last byte) */
        w += n;
        left -= (size_t)n;
        if (ev.type == FRAME_EV_PAYLOAD) {
            ck_assert_uint_le(ev.payload_offset + ev.len, sizeof(payload));
            frame_mask(payload + ev.payload_offset, ev.data, ev.len, ev.hdr.mask,
                       ev.payload_offset);
        } else if (ev.type == FRAME_EV_END && ev.hdr.opcode == WS_OP_PONG) {
            /* Which ping does it answer? Search forward from the last one answered. */
            long found = -1;
            for (size_t i = (size_t)(last_ping + 1); i < npings && found < 0; i++) {
                size_t pl = (i * 7) % 126;
                bool eq = pl == ev.hdr.len;
                for (size_t k = 0; eq && k < pl; k++)
                    eq = payload[k] == (uint8_t)(i >> (8 * (k % 3)));
                if (eq)
                    found = (long)i;
            }
            ck_assert_int_ge(found, 0);
            last_ping = found;
            npongs++;
        } else if (ev.type == FRAME_EV_END) {
            ck_assert_uint_eq(ev.hdr.opcode, WS_OP_BINARY);
            uint32_t v = ((uint32_t)payload[0] << 24) | ((uint32_t)payload[1] << 16) |
                         ((uint32_t)payload[2] << 8) | payload[3];
            ck_assert_uint_eq(v, nmsgs * 97);
            nmsgs++;
        }
    }
    ck_assert_uint_eq(left, 0);
    ck_assert_uint_eq(nmsgs, (npings + 96) / 97);
    ck_assert_int_eq(last_ping, (long)npings - 1);
    ck_assert_uint_lt(npongs, npings); /* some were coalesced */
    ck_assert_uint_gt(npongs, 0);
    buf_free(&wire);
    done(&r);
}
END_TEST

/* ---- error kinds --------------------------------------------------------------------------- */

START_TEST(error_codes_grouped_by_kind)
{
    static const struct {
        long err;
        enum ws_error_kind kind;
    } t[] = {
        {SESSION_OK, WS_ERRKIND_NONE},
        {5, WS_ERRKIND_NONE},
        {SESSION_ERR_PROTOCOL, WS_ERRKIND_PROTOCOL},
        {SESSION_ERR_UTF8, WS_ERRKIND_PROTOCOL},
        {SESSION_ERR_TOO_BIG, WS_ERRKIND_PROTOCOL},
        {SESSION_ERR_ARG, WS_ERRKIND_ARGUMENT},
        {SESSION_ERR_STATE, WS_ERRKIND_ARGUMENT},
        {SESSION_ERR_NOMEM, WS_ERRKIND_RESOURCE},
        {SESSION_ERR_RANDOM, WS_ERRKIND_RESOURCE},
        {FRAME_ERR_RSV, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_OPCODE, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_CONTROL_FRAGMENTED, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_CONTROL_TOO_LONG, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_MASK, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_LENGTH, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_CONT_UNEXPECTED, WS_ERRKIND_PROTOCOL},
        {FRAME_ERR_DATA_IN_FRAGMENT, WS_ERRKIND_PROTOCOL},
        {-100, WS_ERRKIND_NEED_MORE},
        {-1, WS_ERRKIND_UNKNOWN},
        {-99, WS_ERRKIND_UNKNOWN},
        {-500, WS_ERRKIND_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(ws_error_kind(t[i].err) == t[i].kind, "error %ld", t[i].err);
}
END_TEST

/* A session protocol failure caused by the frame codec reports a protocol-kind error. */
START_TEST(frame_error_fails_with_protocol_kind)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x83, 0x00}; /* reserved opcode */
    int rc = feed(s, in, sizeof(in));
    ck_assert_int_eq(ws_error_kind(rc), WS_ERRKIND_PROTOCOL);
    ck_assert_int_eq(ws_error_kind(session_send(s, WS_OP_TEXT, NULL, 0)), WS_ERRKIND_ARGUMENT);
    done(&r);
}
END_TEST

static Suite *session_ext_suite(void)
{
    Suite *su = suite_create("session_ext");
    TCase *tc = tcase_create("session_rsv");
    tcase_add_loop_test(tc, rsv_allowed_on_first_frame_delivered_with_message, 0, 2);
    tcase_add_loop_test(tc, rsv_on_continuation_frame_fails_1002, 0, 2);
    tcase_add_loop_test(tc, rsv_on_control_frames_fails_1002, 0, 2);
    tcase_add_loop_test(tc, rsv_bits_not_allowed_fail_1002, 0, 2);
    tcase_add_test(tc, send_rsv_only_when_allowed);
    suite_add_tcase(su, tc);

    tc = tcase_create("session_pong_coalescing");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, ping_flood_without_drain_keeps_one_pong, 0, 2);
    tcase_add_test(tc, pong_behind_data_replaced_in_place_or_appended);
    tcase_add_test(tc, log_comms_reports_replaced_pong_not_as_sent);
    tcase_add_test(tc, pong_started_or_held_is_not_rewritten);
    tcase_add_test(tc, partial_drains_never_corrupt_the_frame_being_written);
    suite_add_tcase(su, tc);

    tc = tcase_create("ws_error_kind");
    tcase_add_test(tc, error_codes_grouped_by_kind);
    tcase_add_test(tc, frame_error_fails_with_protocol_kind);
    suite_add_tcase(su, tc);
    return su;
}

CHECK_MAIN(session_ext_suite)
