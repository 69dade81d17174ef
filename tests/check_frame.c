/*
 * Unit tests for the RFC 6455 §5.2 frame parser (src/frame.c): frame_parse, frame_parser_init,
 * frame_strerror. Vectors go through run_vector() (check_frame.h): whole, bytewise, cut at every
 * offset. The builder and masking: check_frame_build.c.
 */
#include "check_frame.h"

/* ---- frame_parse ---- */

START_TEST(parse_small_text_frame)
{
    /* RFC 6455 §5.7: a single-frame unmasked text message "Hello". */
    static const uint8_t in[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    static const struct exp_frame f[] = {{true, 0, WS_OP_TEXT, false, 5, P("Hello"), 5, true}};

    RUN(false, 0, in, f, 0);
}
END_TEST

START_TEST(parse_masked_text_frame_in_server_mode)
{
    /* RFC 6455 §5.7: masked "Hello" from a client; the slices come out masked and the trace
     * unmasks them with frame_mask() at ev.payload_offset, as frame.h tells callers to. */
    static const uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const struct exp_frame f[] = {{true, 0, WS_OP_TEXT, true, 5, P("Hello"), 5, true}};

    RUN(true, 0, in, f, 0);
}
END_TEST

START_TEST(parse_masked_slices_are_not_unmasked_in_place)
{
    /* Same frame as above: the parser must hand out the masked bytes untouched. */
    static const uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct frame_parser p;
    struct frame_event ev;
    long r;

    frame_parser_init(&p, true, 0);
    r = frame_parse(&p, in, sizeof(in), &ev);
    ck_assert_int_eq(r, 6);
    ck_assert_int_eq(ev.type, FRAME_EV_HEADER);
    ck_assert_mem_eq(ev.hdr.mask, in + 2, 4);
    r = frame_parse(&p, in + 6, 5, &ev);
    ck_assert_int_eq(r, 5);
    ck_assert_int_eq(ev.type, FRAME_EV_PAYLOAD);
    ck_assert_ptr_eq(ev.data, in + 6);
    ck_assert_uint_eq(ev.len, 5);
}
END_TEST

START_TEST(parse_empty_frame)
{
    /* Empty text frame, then empty ping: HEADER is followed directly by END. */
    static const uint8_t in[] = {0x81, 0x00, 0x89, 0x00};
    static const struct exp_frame f[] = {
        {true, 0, WS_OP_TEXT, false, 0, NULL, 0, true},
        {true, 0, WS_OP_PING, false, 0, NULL, 0, true},
    };

    RUN(false, 0, in, f, 0);
}
END_TEST

START_TEST(parse_event_sequence_exact)
{
    /* "Hi" whole: HEADER consumes 2 bytes, PAYLOAD the rest, END consumes 0, then NONE. */
    static const uint8_t in[] = {0x82, 0x02, 'H', 'i'};
    struct frame_parser p;
    struct frame_event ev;

    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(frame_parse(&p, in, 4, &ev), 2);
    ck_assert_int_eq(ev.type, FRAME_EV_HEADER);
    ck_assert_uint_eq(ev.hdr.len, 2);
    ck_assert_int_eq(frame_parse(&p, in + 2, 2, &ev), 2);
    ck_assert_int_eq(ev.type, FRAME_EV_PAYLOAD);
    ck_assert_ptr_eq(ev.data, in + 2);
    ck_assert_uint_eq(ev.payload_offset, 0);
    ck_assert_int_eq(frame_parse(&p, in + 4, 0, &ev), 0);
    ck_assert_int_eq(ev.type, FRAME_EV_END);
    ck_assert_int_eq(frame_parse(&p, in + 4, 0, &ev), 0);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
}
END_TEST

START_TEST(parse_partial_header_kept_internally)
{
    /* 16-bit length header fed 1 + 2 bytes: nothing until byte 4 arrives, all input consumed. */
    static const uint8_t in[] = {0x82, 0x7E, 0x00, 0x80};
    struct frame_parser p;
    struct frame_event ev;

    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(frame_parse(&p, in, 1, &ev), 1);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
    ck_assert_int_eq(frame_parse(&p, in + 1, 2, &ev), 2);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
    ck_assert_int_eq(frame_parse(&p, in + 3, 1, &ev), 1);
    ck_assert_int_eq(ev.type, FRAME_EV_HEADER);
    ck_assert_uint_eq(ev.hdr.len, 128);
}
END_TEST

START_TEST(parse_len_125_boundary)
{
    /* 125: the largest 7-bit length. */
    static const uint8_t h[] = {0x82, 0x7D};
    run_binary_len(h, sizeof(h), 125);
}
END_TEST

START_TEST(parse_len_126_boundary)
{
    /* 126: the smallest 16-bit length. */
    static const uint8_t h[] = {0x82, 0x7E, 0x00, 0x7E};
    run_binary_len(h, sizeof(h), 126);
}
END_TEST

START_TEST(parse_len_65535_16bit)
{
    /* 65535: the largest 16-bit length. */
    static const uint8_t h[] = {0x82, 0x7E, 0xFF, 0xFF};
    run_binary_len(h, sizeof(h), 65535);
}
END_TEST

START_TEST(parse_len_65536_64bit)
{
    /* 65536: the smallest 64-bit length. */
    static const uint8_t h[] = {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    run_binary_len(h, sizeof(h), 65536);
}
END_TEST

START_TEST(parse_len_nonminimal_accepted)
{
    /* "abc" with its length 3 written in the 16-bit field, then in the 64-bit field, then a
     * ping whose length 4 sits in the 16-bit field (judged by the value, so accepted). */
    static const uint8_t in[] = {0x81, 0x7E, 0x00, 0x03, 'a',  'b',  'c',  0x81, 0x7F, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 'a',  'b',  'c',
                                 0x89, 0x7E, 0x00, 0x04, 'p',  'i',  'n',  'g'};
    static const struct exp_frame f[] = {
        {true, 0, WS_OP_TEXT, false, 3, P("abc"), 3, true},
        {true, 0, WS_OP_TEXT, false, 3, P("abc"), 3, true},
        {true, 0, WS_OP_PING, false, 4, P("ping"), 4, true},
    };

    RUN(false, 0, in, f, 0);
}
END_TEST

START_TEST(parse_len_2pow63_rejected)
{
    /* 64-bit length 0x8000000000000000: the most significant bit must be 0. */
    static const uint8_t in[] = {0x82, 0x7F, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_LENGTH);
}
END_TEST

START_TEST(parse_len_2pow63_minus_1_header_accepted)
{
    /* 64-bit length 0x7FFFFFFFFFFFFFFF: a valid header; two payload bytes follow. */
    static const uint8_t in[] = {0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF,
                                 0xFF, 0xFF, 0xFF, 0xFF, 'x',  'y'};
    static const struct exp_frame f[] = {
        {true, 0, WS_OP_BINARY, false, UINT64_C(0x7FFFFFFFFFFFFFFF), P("xy"), 2, false}};

    RUN(false, 0, in, f, 0);
}
END_TEST

START_TEST(parse_rsv1_rejected)
{
    /* FIN + RSV1 + text, empty. */
    static const uint8_t in[] = {0xC1, 0x00};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_rsv2_rejected)
{
    /* FIN + RSV2 + text, empty. */
    static const uint8_t in[] = {0xA1, 0x00};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_rsv3_rejected)
{
    /* FIN + RSV3 + text, empty. */
    static const uint8_t in[] = {0x91, 0x00};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_rsv1_allowed_when_negotiated)
{
    /* RSV1 text "a" with RSV1 negotiated (as permessage-deflate would), then RSV2: rejected. */
    static const uint8_t in[] = {0xC1, 0x01, 'a', 0xA1, 0x00};
    static const struct exp_frame f[] = {{true, WS_RSV1, WS_OP_TEXT, false, 1, P("a"), 1, true}};

    RUN(false, WS_RSV1, in, f, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_rsv1_negotiated_rejected_on_continuation)
{
    /* RSV1 negotiated: a fragment with RSV1 starts a message; RSV1 on its continuation is an
     * error (RFC 7692 §6: only the first frame of a message carries it). */
    static const uint8_t in[] = {0x41, 0x01, 'a', 0xC0, 0x01, 'b'};
    static const struct exp_frame f[] = {{false, WS_RSV1, WS_OP_TEXT, false, 1, P("a"), 1, true}};

    RUN(false, WS_RSV1, in, f, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_rsv1_negotiated_rejected_on_control)
{
    /* RSV1 negotiated, yet a ping, a pong or a close with RSV1 is an error; so is RSV1 on a
     * reserved opcode (the RSV check comes first). */
    static const uint8_t ping[] = {0xC9, 0x00}, pong[] = {0xCA, 0x00}, cl[] = {0xC8, 0x00};
    static const uint8_t resv[] = {0xC3, 0x00};

    RUN_NOFRAME(false, WS_RSV1, ping, FRAME_ERR_RSV);
    RUN_NOFRAME(false, WS_RSV1, pong, FRAME_ERR_RSV);
    RUN_NOFRAME(false, WS_RSV1, cl, FRAME_ERR_RSV);
    RUN_NOFRAME(false, WS_RSV1, resv, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_reserved_opcode_rejected)
{
    /* FIN + opcode _i (3-7 and 0xB-0xF), empty. */
    static const uint8_t ops[] = {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF};
    uint8_t in[2] = {(uint8_t)(0x80 | ops[_i]), 0x00};
    struct vector v = {false, 0, in, sizeof(in), no_frames, 0, FRAME_ERR_OPCODE};

    run_vector(&v);
}
END_TEST

START_TEST(parse_error_order_rsv_before_opcode)
{
    /* RSV1 and reserved opcode 3 together: RSV is checked first. */
    static const uint8_t in[] = {0xC3, 0x00};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_RSV);
}
END_TEST

START_TEST(parse_fragmented_ping_rejected)
{
    /* Ping without FIN. */
    static const uint8_t in[] = {0x09, 0x00};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_CONTROL_FRAGMENTED);
}
END_TEST

START_TEST(parse_ping_len_126_rejected)
{
    /* Ping with a 126-byte payload (16-bit length): control frames carry at most 125. */
    static const uint8_t in[] = {0x89, 0x7E, 0x00, 0x7E};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_CONTROL_TOO_LONG);
}
END_TEST

START_TEST(parse_close_len_125_accepted)
{
    /* Close with the largest allowed control payload, 125 bytes. */
    static const uint8_t h[] = {0x88, 0x7D};
    size_t total;
    uint8_t *b = make_frame(h, sizeof(h), 125, &total);
    struct exp_frame f = {true, 0, WS_OP_CLOSE, false, 125, b + 2, 125, true};
    struct vector v = {false, 0, b, total, &f, 1, 0};

    run_vector(&v);
    free(b);
}
END_TEST

START_TEST(parse_masked_frame_in_client_mode_rejected)
{
    /* A server must not mask: masked "Hello" arriving at a client. */
    static const uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_MASK);
}
END_TEST

START_TEST(parse_unmasked_frame_in_server_mode_rejected)
{
    /* A client must mask: unmasked "Hello" arriving at a server. */
    static const uint8_t in[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};

    RUN_NOFRAME(true, 0, in, FRAME_ERR_MASK);
}
END_TEST

START_TEST(parse_cont_without_start_rejected)
{
    /* A final continuation frame with no message open. */
    static const uint8_t in[] = {0x80, 0x01, 'x'};

    RUN_NOFRAME(false, 0, in, FRAME_ERR_CONT_UNEXPECTED);
}
END_TEST

START_TEST(parse_cont_after_message_finished_rejected)
{
    /* TEXT(fin=0) "a", CONT(fin=1) "b" closes the message, so CONT "c" has nothing to continue. */
    static const uint8_t in[] = {0x01, 0x01, 'a', 0x80, 0x01, 'b', 0x80, 0x01, 'c'};
    static const struct exp_frame f[] = {
        {false, 0, WS_OP_TEXT, false, 1, P("a"), 1, true},
        {true, 0, WS_OP_CONT, false, 1, P("b"), 1, true},
    };

    RUN(false, 0, in, f, FRAME_ERR_CONT_UNEXPECTED);
}
END_TEST

START_TEST(parse_text_inside_fragmented_message_rejected)
{
    /* TEXT(fin=0) "a" then a new TEXT "b" before the message is finished. */
    static const uint8_t in[] = {0x01, 0x01, 'a', 0x81, 0x01, 'b'};
    static const struct exp_frame f[] = {{false, 0, WS_OP_TEXT, false, 1, P("a"), 1, true}};

    RUN(false, 0, in, f, FRAME_ERR_DATA_IN_FRAGMENT);
}
END_TEST

START_TEST(parse_binary_inside_fragmented_message_rejected)
{
    /* BINARY(fin=0) "a", CONT(fin=0) "b", then BINARY(fin=0) "c". */
    static const uint8_t in[] = {0x02, 0x01, 'a', 0x00, 0x01, 'b', 0x02, 0x01, 'c'};
    static const struct exp_frame f[] = {
        {false, 0, WS_OP_BINARY, false, 1, P("a"), 1, true},
        {false, 0, WS_OP_CONT, false, 1, P("b"), 1, true},
    };

    RUN(false, 0, in, f, FRAME_ERR_DATA_IN_FRAGMENT);
}
END_TEST

START_TEST(parse_ping_between_fragments_allowed)
{
    /* RFC 6455 §5.4: TEXT(fin=0) "Hel", PING "p", PONG, CONT(fin=1) "lo", then a new TEXT "!". */
    static const uint8_t in[] = {0x01, 0x03, 'H',  'e', 'l', 0x89, 0x01, 'p', 0x8A,
                                 0x00, 0x80, 0x02, 'l', 'o', 0x81, 0x01, '!'};
    static const struct exp_frame f[] = {
        {false, 0, WS_OP_TEXT, false, 3, P("Hel"), 3, true},
        {true, 0, WS_OP_PING, false, 1, P("p"), 1, true},
        {true, 0, WS_OP_PONG, false, 0, NULL, 0, true},
        {true, 0, WS_OP_CONT, false, 2, P("lo"), 2, true},
        {true, 0, WS_OP_TEXT, false, 1, P("!"), 1, true},
    };

    RUN(false, 0, in, f, 0);
}
END_TEST

START_TEST(parse_ping_does_not_open_message)
{
    /* A final ping, then a continuation: still nothing to continue. */
    static const uint8_t in[] = {0x89, 0x00, 0x80, 0x00};
    static const struct exp_frame f[] = {{true, 0, WS_OP_PING, false, 0, NULL, 0, true}};

    RUN(false, 0, in, f, FRAME_ERR_CONT_UNEXPECTED);
}
END_TEST

START_TEST(parse_fragments_text_cont_cont)
{
    /* TEXT(fin=0) "ab", CONT(fin=0) "", CONT(fin=0) "cd", CONT(fin=1) "e", then BINARY "z". */
    static const uint8_t in[] = {0x01, 0x02, 'a',  'b',  0x00, 0x00, 0x00, 0x02,
                                 'c',  'd',  0x80, 0x01, 'e',  0x82, 0x01, 'z'};
    static const struct exp_frame f[] = {
        {false, 0, WS_OP_TEXT, false, 2, P("ab"), 2, true},
        {false, 0, WS_OP_CONT, false, 0, NULL, 0, true},
        {false, 0, WS_OP_CONT, false, 2, P("cd"), 2, true},
        {true, 0, WS_OP_CONT, false, 1, P("e"), 1, true},
        {true, 0, WS_OP_BINARY, false, 1, P("z"), 1, true},
    };

    RUN(false, 0, in, f, 0);
}
END_TEST

START_TEST(parse_masked_fragments_in_server_mode)
{
    /* Masked TEXT(fin=0) "Hel" and masked CONT(fin=1) "lo" with different keys. */
    static const uint8_t in[] = {0x01,       0x83,       0x01,       0x02,       0x03,      0x04,
                                 'H' ^ 0x01, 'e' ^ 0x02, 'l' ^ 0x03, 0x80,       0x82,      0xA0,
                                 0xB0,       0xC0,       0xD0,       'l' ^ 0xA0, 'o' ^ 0xB0};
    static const struct exp_frame f[] = {
        {false, 0, WS_OP_TEXT, true, 3, P("Hel"), 3, true},
        {true, 0, WS_OP_CONT, true, 2, P("lo"), 2, true},
    };

    RUN(true, 0, in, f, 0);
}
END_TEST

START_TEST(parse_error_is_sticky)
{
    /* After a reserved opcode, even a valid frame and empty input report the same error. */
    static const uint8_t bad[] = {0x83, 0x00};
    static const uint8_t good[] = {0x81, 0x01, 'a'};
    struct frame_parser p;
    struct frame_event ev;

    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(frame_parse(&p, bad, sizeof(bad), &ev), FRAME_ERR_OPCODE);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
    ck_assert_int_eq(frame_parse(&p, good, sizeof(good), &ev), FRAME_ERR_OPCODE);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
    ck_assert_int_eq(frame_parse(&p, good, 0, &ev), FRAME_ERR_OPCODE);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
}
END_TEST

START_TEST(parse_error_is_sticky_mid_payload)
{
    /* An error cannot arise mid-payload, but one raised after frames were delivered sticks. */
    static const uint8_t in[] = {0x81, 0x01, 'a', 0x80, 0x00};
    static const uint8_t more[] = {0x81, 0x00};
    struct frame_parser p;
    struct trace t;

    trace_init(&t, 8);
    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(feed(&p, in, sizeof(in), &t), FRAME_ERR_CONT_UNEXPECTED);
    ck_assert_uint_eq(t.n, 1);
    ck_assert_int_eq(feed(&p, more, sizeof(more), &t), FRAME_ERR_CONT_UNEXPECTED);
    ck_assert_uint_eq(t.n, 1);
    trace_free(&t);
}
END_TEST

START_TEST(parse_empty_input_gives_none)
{
    struct frame_parser p;
    struct frame_event ev;

    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(frame_parse(&p, NULL, 0, &ev), 0);
    ck_assert_int_eq(ev.type, FRAME_EV_NONE);
}
END_TEST

START_TEST(parse_payload_slice_is_whole_available_input)
{
    /* 1000-byte frame followed by another frame in one buffer: the payload comes out as one
     * slice that stops exactly at the frame boundary. */
    static const uint8_t h[] = {0x82, 0x7E, 0x03, 0xE8};
    size_t total;
    uint8_t *b = make_frame(h, sizeof(h), 1000, &total);
    uint8_t *in = malloc(total + 2);
    struct frame_parser p;
    struct frame_event ev;

    ck_assert_ptr_nonnull(in);
    memcpy(in, b, total);
    in[total] = 0x8A;
    in[total + 1] = 0x00;
    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(frame_parse(&p, in, total + 2, &ev), 4);
    ck_assert_int_eq(frame_parse(&p, in + 4, total - 2, &ev), 1000);
    ck_assert_int_eq(ev.type, FRAME_EV_PAYLOAD);
    ck_assert_uint_eq(ev.len, 1000);
    ck_assert_int_eq(frame_parse(&p, in + total, 2, &ev), 0);
    ck_assert_int_eq(ev.type, FRAME_EV_END);
    ck_assert_int_eq(frame_parse(&p, in + total, 2, &ev), 2);
    ck_assert_int_eq(ev.type, FRAME_EV_HEADER);
    ck_assert_int_eq(ev.hdr.opcode, WS_OP_PONG);
    free(in);
    free(b);
}
END_TEST

/* ---- frame_parser_init ---- */

START_TEST(init_clears_sticky_error_and_fragment_state)
{
    static const uint8_t open[] = {0x01, 0x00};
    static const uint8_t bad[] = {0x83, 0x00};
    static const uint8_t cont[] = {0x80, 0x00};
    struct frame_parser p;
    struct trace t;

    trace_init(&t, 1);
    frame_parser_init(&p, false, 0);
    ck_assert_int_eq(feed(&p, open, sizeof(open), &t), 0);
    ck_assert(p.in_message);
    ck_assert_int_eq(feed(&p, bad, sizeof(bad), &t), FRAME_ERR_OPCODE);
    frame_parser_init(&p, false, 0);
    ck_assert(!p.in_message);
    ck_assert_int_eq(feed(&p, cont, sizeof(cont), &t), FRAME_ERR_CONT_UNEXPECTED);
    trace_free(&t);
}
END_TEST

/* ---- frame_strerror ---- */

START_TEST(strerror_every_code_distinct)
{
    static const int codes[] = {
        FRAME_ERR_RSV,  FRAME_ERR_OPCODE, FRAME_ERR_CONTROL_FRAGMENTED, FRAME_ERR_CONTROL_TOO_LONG,
        FRAME_ERR_MASK, FRAME_ERR_LENGTH, FRAME_ERR_CONT_UNEXPECTED,    FRAME_ERR_DATA_IN_FRAGMENT};
    const size_t n = sizeof(codes) / sizeof(codes[0]);
    const char *unknown = frame_strerror(-1000);

    ck_assert_ptr_nonnull(unknown);
    ck_assert_str_eq(frame_strerror(FRAME_ERR_OPCODE), "reserved opcode");
    for (size_t i = 0; i < n; i++) {
        const char *s = frame_strerror(codes[i]);

        ck_assert_ptr_nonnull(s);
        ck_assert_uint_gt(strlen(s), 0);
        ck_assert_str_ne(s, unknown);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(s, frame_strerror(codes[j]));
    }
}
END_TEST
static Suite *frame_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *tc;

    tc = tcase_create("frame_parse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, parse_small_text_frame);
    tcase_add_test(tc, parse_masked_text_frame_in_server_mode);
    tcase_add_test(tc, parse_masked_slices_are_not_unmasked_in_place);
    tcase_add_test(tc, parse_empty_frame);
    tcase_add_test(tc, parse_event_sequence_exact);
    tcase_add_test(tc, parse_partial_header_kept_internally);
    tcase_add_test(tc, parse_len_125_boundary);
    tcase_add_test(tc, parse_len_126_boundary);
    tcase_add_test(tc, parse_len_65535_16bit);
    tcase_add_test(tc, parse_len_65536_64bit);
    tcase_add_test(tc, parse_len_nonminimal_accepted);
    tcase_add_test(tc, parse_len_2pow63_rejected);
    tcase_add_test(tc, parse_len_2pow63_minus_1_header_accepted);
    tcase_add_test(tc, parse_rsv1_rejected);
    tcase_add_test(tc, parse_rsv2_rejected);
    tcase_add_test(tc, parse_rsv3_rejected);
    tcase_add_test(tc, parse_rsv1_allowed_when_negotiated);
    tcase_add_test(tc, parse_rsv1_negotiated_rejected_on_continuation);
    tcase_add_test(tc, parse_rsv1_negotiated_rejected_on_control);
    tcase_add_loop_test(tc, parse_reserved_opcode_rejected, 0, 10);
    tcase_add_test(tc, parse_error_order_rsv_before_opcode);
    tcase_add_test(tc, parse_fragmented_ping_rejected);
    tcase_add_test(tc, parse_ping_len_126_rejected);
    tcase_add_test(tc, parse_close_len_125_accepted);
    tcase_add_test(tc, parse_masked_frame_in_client_mode_rejected);
    tcase_add_test(tc, parse_unmasked_frame_in_server_mode_rejected);
    tcase_add_test(tc, parse_cont_without_start_rejected);
    tcase_add_test(tc, parse_cont_after_message_finished_rejected);
    tcase_add_test(tc, parse_text_inside_fragmented_message_rejected);
    tcase_add_test(tc, parse_binary_inside_fragmented_message_rejected);
    tcase_add_test(tc, parse_ping_between_fragments_allowed);
    tcase_add_test(tc, parse_ping_does_not_open_message);
    tcase_add_test(tc, parse_fragments_text_cont_cont);
    tcase_add_test(tc, parse_masked_fragments_in_server_mode);
    tcase_add_test(tc, parse_error_is_sticky);
    tcase_add_test(tc, parse_error_is_sticky_mid_payload);
    tcase_add_test(tc, parse_empty_input_gives_none);
    tcase_add_test(tc, parse_payload_slice_is_whole_available_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("frame_parser_init");
    tcase_add_test(tc, init_clears_sticky_error_and_fragment_state);
    suite_add_tcase(s, tc);

    tc = tcase_create("frame_strerror");
    tcase_add_test(tc, strerror_every_code_distinct);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(frame_suite)
