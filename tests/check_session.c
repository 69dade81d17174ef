/*
 * Unit tests for session, receiving data: RFC 6455 §5.4-§5.6 and §8 on scripted server byte
 * streams (messages, fragmentation, UTF-8, size limits, frame-level errors). Control frames,
 * closing and sending are in check_session_control.c; RSV bits, pong coalescing and error kinds
 * in check_session_ext.c.
 */
#include "check_session.h"

/* ---- session_feed: data messages --------------------------------------------------------- */

START_TEST(feed_single_text_frame_delivered)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* FIN+TEXT, len 5, "Hello" (RFC 6455 §5.7) */
    static const uint8_t in[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_int_eq(r.last_op, WS_OP_TEXT);
    ck_assert_uint_eq(r.last_len, 5);
    ck_assert_mem_eq(r.last, "Hello", 5);
    ck_assert_int_eq(r.nframes_in, 1);
    ck_assert_uint_eq(session_output(s)->len, 0);
    ck_assert_int_eq(session_state(s), SESSION_OPEN);
    done(&r);
}
END_TEST

START_TEST(feed_zero_copy_pointer_lies_within_fed_buffer)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* FIN+BINARY, len 4 */
    static const uint8_t in[] = {0x82, 0x04, 1, 2, 3, 4};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_ptr_eq(r.last_ptr, in + 2);
    ck_assert_uint_eq(r.last_len, 4);
    done(&r);
}
END_TEST

START_TEST(feed_frame_split_across_reads_is_reassembled_copy)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* FIN+BINARY, len 4, arriving as header+2 bytes, then 2 bytes */
    static const uint8_t in[] = {0x82, 0x04, 1, 2, 3, 4};
    ck_assert_int_eq(session_feed(s, in, 4), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(session_feed(s, in + 4, 2), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_eq(r.last_len, 4);
    ck_assert_mem_eq(r.last, "\x01\x02\x03\x04", 4);
    /* It cannot point into either input slice: it was reassembled. */
    ck_assert(r.last_ptr < in || r.last_ptr >= in + sizeof(in));
    done(&r);
}
END_TEST

START_TEST(feed_empty_text_message_delivered)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x81, 0x00}; /* FIN+TEXT, len 0 */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_eq(r.last_len, 0);
    ck_assert_int_eq(r.last_op, WS_OP_TEXT);
    done(&r);
}
END_TEST

START_TEST(feed_fragmented_text_reassembled_with_per_frame_log)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {
        0x01, 0x03, 'H', 'e', 'l', /* TEXT, no FIN: "Hel" */
        0x00, 0x00,                /* CONT, no FIN, empty */
        0x80, 0x02, 'l', 'o',      /* CONT+FIN: "lo" */
    };
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_int_eq(r.last_op, WS_OP_TEXT);
    ck_assert_uint_eq(r.last_len, 5);
    ck_assert_mem_eq(r.last, "Hello", 5);
    ck_assert_int_eq(r.nframes_in, 3);
    /* on_frame got the last frame's own part of the reassembled message. */
    ck_assert_uint_eq(r.frame_in_op, WS_OP_CONT);
    ck_assert_uint_eq(r.frame_in_len, 2);
    ck_assert_mem_eq(r.frame_in, "lo", 2);
    done(&r);
}
END_TEST

START_TEST(feed_len_126_and_64bit_lengths_delivered)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* FIN+BINARY with 16-bit length 300, then with 64-bit length 65536 */
    size_t n = 4 + 300 + 10 + 65536;
    uint8_t *in = calloc(1, n);
    in[0] = 0x82;
    in[1] = 126;
    in[2] = 300 >> 8;
    in[3] = 300 & 0xFF;
    memset(in + 4, 'a', 300);
    uint8_t *h = in + 4 + 300;
    static const uint8_t h64[] = {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0};
    memcpy(h, h64, sizeof(h64));
    memset(h + 10, 'b', 65536);
    ck_assert_int_eq(session_feed(s, in, n), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 2);
    ck_assert_uint_eq(r.last_len, 65536);
    ck_assert_ptr_eq(r.last_ptr, h + 10);
    ck_assert_uint_eq(r.last[0], 'b');
    free(in);
    done(&r);
}
END_TEST

/* A script with every kind of frame: the observable results must not depend on how it is cut. */
/* clang-format off */
static const uint8_t script[] = {
    0x81, 0x02, 'h', 'i',             /* text "hi" */
    0x01, 0x02, 0xE2, 0x82,           /* text fragment: first 2 bytes of U+20AC */
    0x89, 0x03, 'p', '-', '1',        /* ping "p-1" between fragments */
    0x80, 0x01, 0xAC,                 /* final fragment: last byte of U+20AC */
    0x82, 0x00,                       /* empty binary */
    0x8A, 0x01, 'x',                  /* unsolicited pong "x" */
    0x02, 0x7E, 0x00, 0x7E,           /* binary fragment, 16-bit length 126 ... */
    [25 ... 150] = 0x5A,              /* ... of 'Z' */
    0x80, 0x03, 1, 2, 3,              /* final fragment */
    0x88, 0x04, 0x03, 0xE8, 'b', 'y', /* close 1000 "by" */
    0x81, 0x01, '!',                  /* after the close: ignored */
};
/* clang-format on */

static void run_script(struct rec *r, const size_t *cuts, size_t ncuts)
{
    struct session *s = mk(r, 0, false);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : sizeof(script);
        ck_assert_int_eq(feed(s, script + at, end - at), SESSION_OK);
        at = end;
    }
    ck_assert_int_eq(session_state(s), SESSION_CLOSED);
}

static void check_script_result(const struct rec *r)
{
    ck_assert_int_eq(r->nmsg, 4);
    ck_assert_int_eq(r->nping, 1);
    ck_assert_int_eq(r->npong, 1);
    ck_assert_int_eq(r->nclose, 1);
    ck_assert_int_eq(r->close_code, 1000);
    ck_assert_str_eq(r->close_reason, "by");
    ck_assert_int_eq(r->last_op, WS_OP_BINARY);
    ck_assert_uint_eq(r->last_len, 129);
    ck_assert_uint_eq(r->last[0], 0x5A);
    ck_assert_uint_eq(r->last[128], 3);
    ck_assert_int_eq(r->nframes_in, 9);
    ck_assert_int_eq(r->nframes_out, 2); /* pong, close */
}

START_TEST(feed_whole_bytewise_and_every_cut_give_same_results)
{
    struct rec whole;
    run_script(&whole, NULL, 0);
    check_script_result(&whole);
    /* The pong and our close echo are on the wire. */
    static struct out_frame f;
    ck_assert_int_eq(out_count(whole.s), 2);
    ck_assert(out_frame(whole.s, 0, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    ck_assert_mem_eq(f.payload, "p-1", 3);
    assert_close_out(whole.s, 1, 1000);

    /* One byte at a time. */
    size_t cuts[sizeof(script)];
    for (size_t i = 0; i < sizeof(script); i++)
        cuts[i] = i;
    struct rec bytes;
    run_script(&bytes, cuts, sizeof(script));
    check_script_result(&bytes);
    ck_assert_uint_eq(bytes.log.len, whole.log.len);
    ck_assert_mem_eq(buf_head(&bytes.log), buf_head(&whole.log), whole.log.len);
    done(&bytes);

    /* Cut in two at every offset. */
    for (size_t cut = 0; cut <= sizeof(script); cut++) {
        struct rec r;
        run_script(&r, &cut, 1);
        check_script_result(&r);
        ck_assert_uint_eq(r.log.len, whole.log.len);
        ck_assert_mem_eq(buf_head(&r.log), buf_head(&whole.log), whole.log.len);
        done(&r);
    }
    done(&whole);
}
END_TEST

START_TEST(feed_100000_small_frames_in_one_buffer_in_order_zero_copy)
{
    enum { N = 100000 };
    size_t n = (size_t)N * 6;
    uint8_t *in = malloc(n);
    for (uint32_t i = 0; i < N; i++) {
        uint8_t *p = in + (size_t)i * 6;
        p[0] = 0x82; /* FIN+BINARY, len 4: big-endian counter */
        p[1] = 0x04;
        p[2] = (uint8_t)(i >> 24);
        p[3] = (uint8_t)(i >> 16);
        p[4] = (uint8_t)(i >> 8);
        p[5] = (uint8_t)i;
    }
    struct rec r;
    struct session *s = mk(&r, 0, false);
    r.nolog = true;
    r.seq = true;
    r.lo = in;
    r.hi = in + n;
    ck_assert_int_eq(session_feed(s, in, n), SESSION_OK);
    ck_assert_int_eq(r.nmsg, N);
    ck_assert_int_eq(r.seq_errors, 0);
    ck_assert_int_eq(r.outside, 0); /* every message handed over from the input itself */
    ck_assert_uint_eq(session_output(s)->len, 0);
    free(in);
    done(&r);
}
END_TEST

/* ---- UTF-8 (§8.1) -------------------------------------------------------------------------- */

START_TEST(utf8_invalid_mid_fragment_fails_before_final_fragment)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* TEXT, no FIN: "ok" then 0xC0 (never valid) */
    static const uint8_t first[] = {0x01, 0x03, 'o', 'k', 0xC0};
    ck_assert_int_eq(session_feed(s, first, sizeof(first)), SESSION_ERR_UTF8);
    ck_assert_int_eq(session_state(s), SESSION_FAILED);
    ck_assert_int_eq(r.nmsg, 0);
    assert_close_out(s, 0, 1007);
    ck_assert_str_eq(session_error_text(s), "invalid UTF-8 in text message");
    ck_assert_int_eq(session_close_code_sent(s), 1007);
    /* The final fragment is ignored; the error sticks. */
    static const uint8_t last[] = {0x80, 0x01, 'x'};
    ck_assert_int_eq(session_feed(s, last, sizeof(last)), SESSION_ERR_UTF8);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

START_TEST(utf8_invalid_fails_in_first_slice_of_partial_frame)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* FIN+TEXT len 10, only "a" 0xED 0xA0 (a surrogate) arrived so far */
    static const uint8_t in[] = {0x81, 0x0A, 'a', 0xED, 0xA0};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_UTF8);
    assert_close_out(s, 0, 1007);
    done(&r);
}
END_TEST

START_TEST(utf8_code_point_split_across_fragments_ok)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* U+1F600 = F0 9F 98 80 split 1 / 2 / 1 across three frames */
    static const uint8_t in[] = {0x01, 0x01, 0xF0, 0x00, 0x02, 0x9F, 0x98, 0x80, 0x01, 0x80};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_eq(r.last_len, 4);
    ck_assert_mem_eq(r.last, "\xF0\x9F\x98\x80", 4);
    done(&r);
}
END_TEST

START_TEST(utf8_truncated_code_point_at_message_end_fails_1007)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* FIN+TEXT "a" E2 82: valid so far, but the message ends inside U+20AC */
    static const uint8_t in[] = {0x81, 0x03, 'a', 0xE2, 0x82};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_UTF8);
    ck_assert_int_eq(r.nmsg, 0);
    assert_close_out(s, 0, 1007);
    done(&r);
}
END_TEST

/* Found by fuzz_session: the same truncated message fed whole (fast path) and split (reassembly
 * path) must look the same to --log-comms: the failing frame is not shown as received. */
START_TEST(utf8_truncated_at_end_logs_no_frame_however_fed)
{
    static const uint8_t in[] = {0x81, 0x03, 'a', 0xE2, 0x82};
    for (size_t cut = 0; cut <= sizeof in; cut++) {
        struct rec r;
        struct session *s = mk(&r, 0, false);
        int rc = session_feed(s, in, cut);
        if (rc == SESSION_OK)
            rc = session_feed(s, in + cut, sizeof in - cut);
        ck_assert_int_eq(rc, SESSION_ERR_UTF8);
        ck_assert_int_eq(r.nframes_in, 0);
        ck_assert_int_eq(r.nmsg, 0);
        done(&r);
    }
}
END_TEST

START_TEST(utf8_invalid_bytes_in_binary_message_accepted)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x82, 0x02, 0xC0, 0xFF}; /* FIN+BINARY */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    done(&r);
}
END_TEST

/* ---- max_message_size ---------------------------------------------------------------------- */

START_TEST(max_size_exceeded_fails_1009_at_header_nothing_delivered)
{
    struct rec r;
    struct session *s = mk(&r, 67108864, false);
    /* FIN+BINARY with 64-bit length 70000000: only the header is fed */
    static const uint8_t in[] = {0x82, 127, 0, 0, 0, 0, 0x04, 0x2C, 0x1D, 0x80};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_TOO_BIG);
    ck_assert_int_eq(session_state(s), SESSION_FAILED);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(r.nframes_in, 0);
    ck_assert_str_eq(session_error_text(s),
                     "message of 70000000 bytes exceeds --max-message-size 67108864");
    assert_close_out(s, 0, 1009);
    done(&r);
}
END_TEST

START_TEST(max_size_cumulative_over_fragments_fails_at_second_header)
{
    struct rec r;
    struct session *s = mk(&r, 5, false);
    /* BINARY no FIN, 3 bytes; then CONT+FIN announcing 3 more: 6 > 5 */
    static const uint8_t in[] = {0x02, 0x03, 1, 2, 3, 0x80, 0x03};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_TOO_BIG);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_str_eq(session_error_text(s), "message of 6 bytes exceeds --max-message-size 5");
    assert_close_out(s, 0, 1009);
    done(&r);
}
END_TEST

START_TEST(max_size_exactly_at_limit_accepted)
{
    struct rec r;
    struct session *s = mk(&r, 5, false);
    static const uint8_t in[] = {0x02, 0x03, 1, 2, 3, 0x80, 0x02, 4, 5};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_eq(r.last_len, 5);
    /* The next message starts counting from zero again. */
    static const uint8_t again[] = {0x82, 0x05, 1, 2, 3, 4, 5};
    ck_assert_int_eq(session_feed(s, again, sizeof(again)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 2);
    done(&r);
}
END_TEST

/* ---- frame-level errors -------------------------------------------------------------------- */

START_TEST(frame_reserved_opcode_fails_1002_sticky)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x83, 0x00}; /* FIN + opcode 3 */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(session_state(s), SESSION_FAILED);
    ck_assert_str_eq(session_error_text(s), "reserved opcode");
    ck_assert_int_eq(out_count(s), 1);
    assert_close_out(s, 0, 1002);
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.len, 2 + strlen("reserved opcode"));
    ck_assert_mem_eq(f.payload + 2, "reserved opcode", f.len - 2);
    /* A valid frame afterwards is ignored and the error returned again. */
    static const uint8_t text[] = {0x81, 0x01, 'a'};
    ck_assert_int_eq(session_feed(s, text, sizeof(text)), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

START_TEST(frame_masked_from_server_fails_1002)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x81, 0x81, 1, 2, 3, 4, 'a' ^ 1}; /* masked text to a client */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    assert_close_out(s, 0, 1002);
    ck_assert_int_eq(r.nmsg, 0);
    done(&r);
}
END_TEST

START_TEST(frame_continuation_without_start_fails_1002)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x80, 0x01, 'a'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    assert_close_out(s, 0, 1002);
    done(&r);
}
END_TEST

static Suite *session_suite(void)
{
    Suite *su = suite_create("session");
    TCase *tc = tcase_create("session_feed");
    tcase_add_test(tc, feed_single_text_frame_delivered);
    tcase_add_test(tc, feed_zero_copy_pointer_lies_within_fed_buffer);
    tcase_add_test(tc, feed_frame_split_across_reads_is_reassembled_copy);
    tcase_add_test(tc, feed_empty_text_message_delivered);
    tcase_add_test(tc, feed_fragmented_text_reassembled_with_per_frame_log);
    tcase_add_test(tc, feed_len_126_and_64bit_lengths_delivered);
    tcase_add_test(tc, feed_whole_bytewise_and_every_cut_give_same_results);
    tcase_add_test(tc, feed_100000_small_frames_in_one_buffer_in_order_zero_copy);
    tcase_add_test(tc, utf8_invalid_mid_fragment_fails_before_final_fragment);
    tcase_add_test(tc, utf8_invalid_fails_in_first_slice_of_partial_frame);
    tcase_add_test(tc, utf8_code_point_split_across_fragments_ok);
    tcase_add_test(tc, utf8_truncated_code_point_at_message_end_fails_1007);
    tcase_add_test(tc, utf8_truncated_at_end_logs_no_frame_however_fed);
    tcase_add_test(tc, utf8_invalid_bytes_in_binary_message_accepted);
    tcase_add_test(tc, max_size_exceeded_fails_1009_at_header_nothing_delivered);
    tcase_add_test(tc, max_size_cumulative_over_fragments_fails_at_second_header);
    tcase_add_test(tc, max_size_exactly_at_limit_accepted);
    tcase_add_test(tc, frame_reserved_opcode_fails_1002_sticky);
    tcase_add_test(tc, frame_masked_from_server_fails_1002);
    tcase_add_test(tc, frame_continuation_without_start_fails_1002);
    suite_add_tcase(su, tc);
    return su;
}

CHECK_MAIN(session_suite)
