/*
 * Unit tests for session: sending (session_send, masking, length encoding, refusals) and
 * session_close argument validation. Control frames received: check_session_control.c.
 */
#include "check_session.h"

/* ---- sending --------------------------------------------------------------------------------- */

START_TEST(send_frames_masked_with_fresh_masks)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"hello", 5), SESSION_OK);
    ck_assert_int_eq(session_send(s, WS_OP_BINARY, (const uint8_t *)"\x00\x01", 2), SESSION_OK);
    ck_assert_int_eq(session_ping(s, (const uint8_t *)"pi", 2), SESSION_OK);
    ck_assert_int_eq(session_pong(s, NULL, 0), SESSION_OK);
    ck_assert_int_eq(out_count(s), 4);
    static struct out_frame f[4];
    static const uint8_t ops[] = {WS_OP_TEXT, WS_OP_BINARY, WS_OP_PING, WS_OP_PONG};
    for (int i = 0; i < 4; i++) {
        ck_assert(out_frame(s, i, &f[i]));
        ck_assert(f[i].fin);
        ck_assert(f[i].masked);
        ck_assert_uint_eq(f[i].rsv, 0);
        ck_assert_uint_eq(f[i].opcode, ops[i]);
    }
    ck_assert_mem_eq(f[0].payload, "hello", 5);
    ck_assert_mem_eq(f[1].payload, "\x00\x01", 2);
    ck_assert_mem_eq(f[2].payload, "pi", 2);
    ck_assert_uint_eq(f[3].len, 0);
    /* Four random 32-bit masks: all equal would mean the mask is not fresh per frame. */
    ck_assert(memcmp(f[0].mask, f[1].mask, 4) != 0 || memcmp(f[1].mask, f[2].mask, 4) != 0 ||
              memcmp(f[2].mask, f[3].mask, 4) != 0);
    ck_assert_mem_ne(f[0].mask, f[1].mask, 4);
    ck_assert_int_eq(r.nframes_out, 4);
    done(&r);
}
END_TEST

START_TEST(send_minimal_length_encoding_at_boundaries)
{
    static const size_t lens[] = {125, 126, 65535, 65536};
    static const size_t hlens[] = {6, 8, 8, 14};
    uint8_t *data = malloc(65536);
    for (size_t i = 0; i < 65536; i++)
        data[i] = (uint8_t)(i * 7);
    for (int k = 0; k < 4; k++) {
        struct rec r;
        struct session *s = mk(&r, 0, false);
        ck_assert_int_eq(session_send(s, WS_OP_BINARY, data, lens[k]), SESSION_OK);
        static struct out_frame f;
        ck_assert(out_frame(s, 0, &f));
        ck_assert_uint_eq(f.hlen, hlens[k]);
        ck_assert_uint_eq(f.len, lens[k]);
        ck_assert_mem_eq(f.payload, data, lens[k]);
        ck_assert_uint_eq(session_output(s)->len, hlens[k] + lens[k]);
        done(&r);
    }
    free(data);
}
END_TEST

START_TEST(send_on_frame_sees_unmasked_payload)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"xyz", 3), SESSION_OK);
    /* The transcript holds tag 'S', opcode|FIN, length 3 and the plain payload. */
    ck_assert_uint_eq(r.log.len, 9 + 3);
    const uint8_t *l = buf_head(&r.log);
    ck_assert_uint_eq(l[0], 'S');
    ck_assert_uint_eq(l[2], 0x81);
    ck_assert_mem_eq(l + 9, "xyz", 3);
    done(&r);
}
END_TEST

START_TEST(send_text_invalid_utf8_refused)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"\xC0\xAF", 2), SESSION_ERR_ARG);
    ck_assert_int_eq(session_send(s, WS_OP_BINARY, (const uint8_t *)"\xC0\xAF", 2), SESSION_OK);
    ck_assert_int_eq(session_send(s, WS_OP_PING, (const uint8_t *)"a", 1), SESSION_ERR_ARG);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

START_TEST(send_control_payload_over_125_refused)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    uint8_t p[126] = {0};
    ck_assert_int_eq(session_ping(s, p, 126), SESSION_ERR_ARG);
    ck_assert_int_eq(session_pong(s, p, 126), SESSION_ERR_ARG);
    ck_assert_int_eq(session_ping(s, p, 125), SESSION_OK);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

START_TEST(send_after_received_close_refused)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x02, 0x03, 0xE8};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
    size_t before = session_output(s)->len;
    ck_assert_int_eq(session_send(s, WS_OP_TEXT, (const uint8_t *)"a", 1), SESSION_ERR_STATE);
    ck_assert_int_eq(session_ping(s, NULL, 0), SESSION_ERR_STATE);
    ck_assert_int_eq(session_pong(s, NULL, 0), SESSION_ERR_STATE);
    ck_assert_int_eq(session_close(s, 1000, NULL, 0), SESSION_ERR_STATE);
    ck_assert_uint_eq(session_output(s)->len, before);
    done(&r);
}
END_TEST

START_TEST(send_after_our_close_refused)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    ck_assert_int_eq(session_close(s, 1000, NULL, 0), SESSION_OK);
    ck_assert_int_eq(session_send(s, WS_OP_BINARY, (const uint8_t *)"a", 1), SESSION_ERR_STATE);
    ck_assert_int_eq(session_close(s, 1000, NULL, 0), SESSION_ERR_STATE);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

START_TEST(send_after_failure_refused)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x88, 0x01, 0x03};
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_ERR_PROTOCOL);
    ck_assert_int_eq(session_send(s, WS_OP_BINARY, (const uint8_t *)"a", 1), SESSION_ERR_STATE);
    ck_assert_int_eq(session_close(s, 1000, NULL, 0), SESSION_ERR_STATE);
    ck_assert_int_eq(out_count(s), 1);
    done(&r);
}
END_TEST

/* ---- session_close validation table ----------------------------------------------------- */

static const struct {
    int code;
    const char *reason;
    size_t len;
    int want;
} close_table[] = {
    {0, "", 0, SESSION_OK},                 /* no status code, empty payload */
    {0, "x", 1, SESSION_ERR_ARG},           /* a reason needs a code */
    {1000, "", 0, SESSION_OK},              /* normal */
    {1003, "bye", 3, SESSION_OK},           /* unsupported data */
    {1007, "", 0, SESSION_OK},              /* first of 1007-1014 */
    {1014, "", 0, SESSION_OK},              /* last of 1007-1014 */
    {3000, "", 0, SESSION_OK},              /* registered range */
    {4999, "", 0, SESSION_OK},              /* private range end */
    {999, "", 0, SESSION_ERR_ARG},          /* below the range */
    {1004, "", 0, SESSION_ERR_ARG},         /* reserved */
    {1005, "", 0, SESSION_ERR_ARG},         /* never on the wire */
    {1006, "", 0, SESSION_ERR_ARG},         /* never on the wire */
    {1015, "", 0, SESSION_ERR_ARG},         /* never on the wire */
    {1016, "", 0, SESSION_ERR_ARG},         /* unassigned */
    {2999, "", 0, SESSION_ERR_ARG},         /* unassigned */
    {5000, "", 0, SESSION_ERR_ARG},         /* out of range */
    {-1, "", 0, SESSION_ERR_ARG},           /* negative */
    {1000, "\xE2\x82", 2, SESSION_ERR_ARG}, /* truncated UTF-8 */
    {1000, "\xFF", 1, SESSION_ERR_ARG},     /* invalid UTF-8 */
    {1000, "\xE2\x82\xAC", 3, SESSION_OK},  /* U+20AC */
    {1000, NULL, 123, SESSION_OK},          /* reason at the 123-byte limit */
    {1000, NULL, 124, SESSION_ERR_ARG},     /* one over */
};

START_TEST(close_validation_table)
{
    char longreason[124];
    memset(longreason, 'r', sizeof(longreason));
    struct rec r;
    struct session *s = mk(&r, 0, false);
    const char *reason = close_table[_i].reason ? close_table[_i].reason : longreason;
    int rc = session_close(s, close_table[_i].code, reason, close_table[_i].len);
    ck_assert_msg(rc == close_table[_i].want, "code %d len %zu: got %d want %d",
                  close_table[_i].code, close_table[_i].len, rc, close_table[_i].want);
    if (rc == SESSION_OK) {
        ck_assert_int_eq(session_state(s), SESSION_CLOSE_SENT);
        ck_assert_int_eq(session_close_code_sent(s), close_table[_i].code);
        static struct out_frame f;
        ck_assert(out_frame(s, 0, &f));
        ck_assert_uint_eq(f.opcode, WS_OP_CLOSE);
        size_t want_len = close_table[_i].code ? 2 + close_table[_i].len : 0;
        ck_assert_uint_eq(f.len, want_len);
        if (want_len)
            ck_assert_mem_eq(f.payload + 2, reason, close_table[_i].len);
    } else {
        ck_assert_int_eq(session_state(s), SESSION_OPEN);
        ck_assert_uint_eq(session_output(s)->len, 0);
    }
    done(&r);
}
END_TEST

START_TEST(close_code_sets_sendable_equals_receivable)
{
    for (int code = -5; code < 70000; code++) {
        bool want = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                    (code >= 3000 && code <= 4999);
        ck_assert_msg(session_close_code_sendable(code) == want, "sendable %d", code);
        ck_assert_msg(session_close_code_receivable(code) == want, "receivable %d", code);
    }
}
END_TEST

static Suite *session_send_suite(void)
{
    Suite *su = suite_create("session_send");
    TCase *tc;

    tc = tcase_create("session_send");
    tcase_add_test(tc, send_frames_masked_with_fresh_masks);
    tcase_add_test(tc, send_minimal_length_encoding_at_boundaries);
    tcase_add_test(tc, send_on_frame_sees_unmasked_payload);
    tcase_add_test(tc, send_text_invalid_utf8_refused);
    tcase_add_test(tc, send_control_payload_over_125_refused);
    tcase_add_test(tc, send_after_received_close_refused);
    tcase_add_test(tc, send_after_our_close_refused);
    tcase_add_test(tc, send_after_failure_refused);
    suite_add_tcase(su, tc);

    tc = tcase_create("session_close");
    tcase_add_loop_test(tc, close_validation_table, 0,
                        (int)(sizeof(close_table) / sizeof(close_table[0])));
    suite_add_tcase(su, tc);

    tc = tcase_create("session_close_code_sendable");
    tcase_add_test(tc, close_code_sets_sendable_equals_receivable);
    suite_add_tcase(su, tc);

    return su;
}

CHECK_MAIN(session_send_suite)
