/*
 * Unit tests for session: control frames (§5.5), the closing handshake (§7), server mode and
 * the lifecycle, on scripted byte streams. See check_session.c for receiving data and
 * check_session_send.c for sending and session_close.
 */
#include "check_session.h"

/* ---- control frames ------------------------------------------------------------------------ */

START_TEST(ping_answered_with_masked_pong_same_payload)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in1[] = {0x89, 0x04, 'a', 'b', 'c', 'd'}; /* ping "abcd" */
    static const uint8_t in2[] = {0x89, 0x00};                     /* empty ping */
    ck_assert_int_eq(session_feed(s, in1, sizeof(in1)), SESSION_OK);
    /* A writer took the first pong (else the second ping would replace it, §5.5.3). */
    session_output_hold(s, session_output_pending(s));
    ck_assert_int_eq(session_feed(s, in2, sizeof(in2)), SESSION_OK);
    ck_assert_int_eq(r.nping, 2);
    ck_assert_int_eq(out_count(s), 2);
    static struct out_frame a, b;
    ck_assert(out_frame(s, 0, &a));
    ck_assert(out_frame(s, 1, &b));
    ck_assert_uint_eq(a.opcode, WS_OP_PONG);
    ck_assert(a.fin && a.masked);
    ck_assert_uint_eq(a.rsv, 0);
    ck_assert_uint_eq(a.len, 4);
    ck_assert_mem_eq(a.payload, "abcd", 4);
    ck_assert_uint_eq(b.opcode, WS_OP_PONG);
    ck_assert(b.masked);
    ck_assert_uint_eq(b.len, 0);
    /* The masked bytes on the wire differ from the payload (unless the mask is zero). */
    if (memcmp(a.mask, "\0\0\0\0", 4) != 0)
        ck_assert_mem_ne(buf_head(session_output(s)) + a.hlen, "abcd", 4);
    done(&r);
}
END_TEST

START_TEST(ping_between_fragments_answered_before_message_completes)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* TEXT no FIN "ab", then ping "P" */
    static const uint8_t part[] = {0x01, 0x02, 'a', 'b', 0x89, 0x01, 'P'};
    ck_assert_int_eq(session_feed(s, part, sizeof(part)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(r.nping, 1);
    static struct out_frame f;
    ck_assert_int_eq(out_count(s), 1);
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    ck_assert_mem_eq(f.payload, "P", 1);
    static const uint8_t last[] = {0x80, 0x01, 'c'};
    ck_assert_int_eq(session_feed(s, last, sizeof(last)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_mem_eq(r.last, "abc", 3);
    done(&r);
}
END_TEST

START_TEST(ping_in_same_buffer_queued_before_message_delivered)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x01, 0x01, 'a', 0x89, 0x00, 0x80, 0x01, 'b'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_gt(r.out_len_at_msg, 0);
    done(&r);
}
END_TEST

START_TEST(pong_unsolicited_only_reported)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x8A, 0x02, 'h', 'b'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.npong, 1);
    ck_assert_uint_eq(r.pong_len, 2);
    ck_assert_mem_eq(r.pong, "hb", 2);
    ck_assert_uint_eq(session_output(s)->len, 0);
    ck_assert_int_eq(session_state(s), SESSION_OPEN);
    done(&r);
}
END_TEST

START_TEST(ping_with_125_byte_payload_echoed)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    uint8_t in[2 + 125];
    in[0] = 0x89;
    in[1] = 125;
    for (int i = 0; i < 125; i++)
        in[2 + i] = (uint8_t)i;
    ck_assert_int_eq(feed(s, in, sizeof(in)), SESSION_OK);
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.len, 125);
    ck_assert_mem_eq(f.payload, in + 2, 125);
    done(&r);
}
END_TEST

/* ---- closing handshake (§7) ------------------------------------------------------------- */

START_TEST(close_code_echoed_and_reported)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* close 1001 "going" */
    static const uint8_t in[] = {0x88, 0x07, 0x03, 0xE9, 'g', 'o', 'i', 'n', 'g'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(session_state(s), SESSION_CLOSED);
    ck_assert_int_eq(r.nclose, 1);
    ck_assert_int_eq(r.close_code, 1001);
    ck_assert_str_eq(r.close_reason, "going");
    ck_assert_int_eq(session_close_code_received(s), 1001);
    ck_assert_str_eq(session_close_reason_received(s), "going");
    ck_assert_int_eq(out_count(s), 1);
    assert_close_out(s, 0, 1001);
    ck_assert_int_eq(session_close_code_sent(s), 1001);
    done(&r);
}
END_TEST

START_TEST(close_4000_application_code_echoed)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x02, 0x0F, 0xA0}; /* close 4000 */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    assert_close_out(s, 0, 4000);
    done(&r);
}
END_TEST

START_TEST(close_without_code_reported_1005_answered_1000)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x00};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.close_code, 1005);
    ck_assert_str_eq(session_close_reason_received(s), "");
    ck_assert_int_eq(session_close_code_received(s), 1005);
    assert_close_out(s, 0, 1000);
    ck_assert_int_eq(session_state(s), SESSION_CLOSED);
    done(&r);
}
END_TEST

START_TEST(close_one_byte_payload_fails_1002)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x01, 0x03};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(session_state(s), SESSION_FAILED);
    ck_assert_int_eq(r.nclose, 0);
    assert_close_out(s, 0, 1002);
    done(&r);
}
END_TEST

static const int bad_codes[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535};

START_TEST(close_invalid_code_fails_1002)
{
    int code = bad_codes[_i];
    struct rec r;
    struct session *s = mk(&r, 0, false);
    uint8_t in[] = {0x88, 0x02, (uint8_t)(code >> 8), (uint8_t)code};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(r.nclose, 0);
    ck_assert_int_eq(session_close_code_received(s), 0);
    assert_close_out(s, 0, 1002);
    done(&r);
}
END_TEST

static const int good_codes[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                 1010, 1011, 1012, 1013, 1014, 3000, 4999};

START_TEST(close_valid_code_accepted_and_echoed)
{
    int code = good_codes[_i];
    struct rec r;
    struct session *s = mk(&r, 0, false);
    uint8_t in[] = {0x88, 0x02, (uint8_t)(code >> 8), (uint8_t)code};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.close_code, code);
    assert_close_out(s, 0, code);
    done(&r);
}
END_TEST

START_TEST(close_reason_invalid_utf8_fails_1007)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x04, 0x03, 0xE8, 0xCE, 0x28}; /* 1000, bad 2-byte seq */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_UTF8);
    ck_assert_int_eq(r.nclose, 0);
    assert_close_out(s, 0, 1007);
    done(&r);
}
END_TEST

START_TEST(close_reason_truncated_utf8_fails_1007)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x03, 0x03, 0xE8, 0xE2}; /* reason ends mid code point */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_UTF8);
    assert_close_out(s, 0, 1007);
    done(&r);
}
END_TEST

START_TEST(close_data_after_close_ignored)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    /* close 1000, then text "a" and a ping in the same read */
    static const uint8_t in[] = {0x88, 0x02, 0x03, 0xE8, 0x81, 0x01, 'a', 0x89, 0x00};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(r.nping, 0);
    /* Later reads, even garbage, are ignored too. */
    static const uint8_t more[] = {0x81, 0x01, 'b', 0x83, 0x00};
    ck_assert_int_eq(session_feed(s, more, sizeof(more)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 0);
    ck_assert_int_eq(out_count(s), 1); /* just our close */
    done(&r);
}
END_TEST

START_TEST(close_after_our_close_completes_without_second_close)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_close(s, 1000, "bye", 3), SESSION_OK);
    ck_assert_int_eq(session_state(s), SESSION_CLOSE_SENT);
    /* The peer may still finish sending data before its close (§7.1.2). */
    static const uint8_t in[] = {0x81, 0x01, 'a', 0x88, 0x02, 0x03, 0xE8};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_int_eq(r.nclose, 1);
    ck_assert_int_eq(session_state(s), SESSION_CLOSED);
    ck_assert_int_eq(out_count(s), 1);
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.len, 5);
    ck_assert_mem_eq(f.payload,
                     "\x03\xE8"
                     "bye",
                     5);
    done(&r);
}
END_TEST

START_TEST(close_ping_after_our_close_still_answered)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_close(s, 0, NULL, 0), SESSION_OK);
    static const uint8_t in[] = {0x89, 0x01, 'q'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(out_count(s), 2);
    assert_close_out(s, 0, 0);
    static struct out_frame f;
    ck_assert(out_frame(s, 1, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    done(&r);
}
END_TEST

START_TEST(close_error_after_our_close_sends_no_second_close)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_close(s, 1001, NULL, 0), SESSION_OK);
    static const uint8_t in[] = {0x83, 0x00}; /* reserved opcode */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(session_state(s), SESSION_FAILED);
    ck_assert_int_eq(out_count(s), 1);
    ck_assert_int_eq(session_close_code_sent(s), 1001);
    done(&r);
}
END_TEST

/* ---- server mode ----------------------------------------------------------------------------- */

START_TEST(server_mode_unmasks_input_and_sends_unmasked)
{
    struct rec r;
    struct session *s = mk(&r, 0, true);
    /* Masked TEXT no FIN "He" (mask 37 fa 21 3d as in RFC §5.7), masked ping "p", masked
     * CONT+FIN "llo" with another mask. */
    static const uint8_t in[] = {
        /* clang-format off */
        0x01, 0x82, 0x37, 0xFA, 0x21, 0x3D, 'H' ^ 0x37, 'e' ^ 0xFA,             /* TEXT "He" */
        0x89, 0x81, 0x01, 0x02, 0x03, 0x04, 'p' ^ 0x01,                         /* ping "p" */
        0x80, 0x83, 0xA0, 0xB0, 0xC0, 0xD0, 'l' ^ 0xA0, 'l' ^ 0xB0, 'o' ^ 0xC0, /* CONT "llo" */
        /* clang-format on */
    };
    /* Byte by byte, so unmasking must follow the payload offset across slices. */
    for (size_t i = 0; i < sizeof(in); i++)
        ck_assert_int_eq(feed(s, in + i, 1), SESSION_OK);
    ck_assert_int_eq(r.nmsg, 1);
    ck_assert_uint_eq(r.last_len, 5);
    ck_assert_mem_eq(r.last, "Hello", 5);
    ck_assert_uint_eq(r.ping_len, 1);
    ck_assert_uint_eq(r.ping[0], 'p');
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_PONG);
    ck_assert(!f.masked);
    ck_assert_uint_eq(f.payload[0], 'p');

    /* A single masked frame in one read is unmasked too (no zero-copy through a mask). */
    static const uint8_t one[] = {0x81, 0x82, 9, 8, 7, 6, 'o' ^ 9, 'k' ^ 8};
    ck_assert_int_eq(session_feed(s, one, sizeof(one)), SESSION_OK);
    ck_assert_mem_eq(r.last, "ok", 2);

    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"hi", 2), SESSION_OK);
    ck_assert(out_frame(s, 1, &f));
    ck_assert(!f.masked);
    ck_assert_uint_eq(f.hlen, 2);
    ck_assert_mem_eq(f.payload, "hi", 2);
    done(&r);
}
END_TEST

START_TEST(server_mode_unmasked_client_frame_fails_1002)
{
    struct rec r;
    struct session *s = mk(&r, 0, true);
    static const uint8_t in[] = {0x81, 0x01, 'a'};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    static struct out_frame f;
    ck_assert(out_frame(s, 0, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_CLOSE);
    ck_assert(!f.masked);
    ck_assert_int_eq((f.payload[0] << 8) | f.payload[1], 1002);
    done(&r);
}
END_TEST

/* ---- lifecycle ------------------------------------------------------------------------------- */

START_TEST(new_starts_open_and_free_null_is_noop)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_state(s), SESSION_OPEN);
    ck_assert_int_eq(session_close_code_received(s), 0);
    ck_assert_int_eq(session_close_code_sent(s), 0);
    ck_assert_str_eq(session_close_reason_received(s), "");
    ck_assert_str_eq(session_error_text(s), "");
    ck_assert_int_eq(session_feed(s, NULL, 0), SESSION_OK);
    session_free(NULL);
    done(&r);
}
END_TEST

START_TEST(callbacks_may_all_be_null)
{
    struct session_config cfg = {0};
    struct session *s = session_new(&cfg);
    ck_assert_ptr_nonnull(s);
    static const uint8_t in[] = {0x81, 0x01, 'a', 0x89, 0x00, 0x8A, 0x00, 0x88, 0x00};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    ck_assert_int_eq(session_state(s), SESSION_CLOSED);
    session_free(s);
}
END_TEST

static Suite *session_control_suite(void)
{
    Suite *su = suite_create("session_control");

    TCase *tc = tcase_create("session_new");
    tcase_add_test(tc, new_starts_open_and_free_null_is_noop);
    tcase_add_test(tc, callbacks_may_all_be_null);
    suite_add_tcase(su, tc);

    tc = tcase_create("session_feed");
    tcase_add_test(tc, ping_answered_with_masked_pong_same_payload);
    tcase_add_test(tc, ping_between_fragments_answered_before_message_completes);
    tcase_add_test(tc, ping_in_same_buffer_queued_before_message_delivered);
    tcase_add_test(tc, pong_unsolicited_only_reported);
    tcase_add_test(tc, ping_with_125_byte_payload_echoed);
    tcase_add_test(tc, close_code_echoed_and_reported);
    tcase_add_test(tc, close_4000_application_code_echoed);
    tcase_add_test(tc, close_without_code_reported_1005_answered_1000);
    tcase_add_test(tc, close_one_byte_payload_fails_1002);
    tcase_add_loop_test(tc, close_invalid_code_fails_1002, 0,
                        (int)(sizeof(bad_codes) / sizeof(bad_codes[0])));
    tcase_add_loop_test(tc, close_valid_code_accepted_and_echoed, 0,
                        (int)(sizeof(good_codes) / sizeof(good_codes[0])));
    tcase_add_test(tc, close_reason_invalid_utf8_fails_1007);
    tcase_add_test(tc, close_reason_truncated_utf8_fails_1007);
    tcase_add_test(tc, close_data_after_close_ignored);
    tcase_add_test(tc, close_after_our_close_completes_without_second_close);
    tcase_add_test(tc, close_ping_after_our_close_still_answered);
    tcase_add_test(tc, close_error_after_our_close_sends_no_second_close);
    tcase_add_test(tc, server_mode_unmasks_input_and_sends_unmasked);
    tcase_add_test(tc, server_mode_unmasked_client_frame_fails_1002);
    suite_add_tcase(su, tc);

    return su;
}

CHECK_MAIN(session_control_suite)
