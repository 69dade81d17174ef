/*
 * Unit tests for session: RFC 6455 §5.4-§5.6, §7 and §8 on scripted server (and client) byte
 * streams. Frames from the peer are literal byte vectors; what the session queues for sending is
 * decoded here by hand (not with frame_parse) so the two sides check each other.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_common.h"
#include "session.h"

/* ---- recording callbacks ---------------------------------------------------------------- */

struct rec {
    struct session *s;
    struct buf log; /* transcript of every callback, compared across feeding patterns */
    bool nolog;

    int nmsg;
    int last_op;
    const uint8_t *last_ptr;
    size_t last_len;
    uint8_t last[512];
    size_t out_len_at_msg; /* bytes queued for sending when the last message was delivered */

    /* When lo is set: count messages whose data lies outside [lo, hi). */
    const uint8_t *lo, *hi;
    int outside;
    /* When seq is set: each message is a 4-byte big-endian counter starting at 0. */
    bool seq;
    uint32_t next_seq;
    int seq_errors;

    int nping, npong, nclose;
    uint8_t ping[126], pong[126];
    size_t ping_len, pong_len;
    int close_code;
    char close_reason[128];

    int nframes_in, nframes_out;
    uint8_t frame_in[512];
    size_t frame_in_len;
    uint8_t frame_in_op;
};

static void log_entry(struct rec *r, char tag, unsigned num, const uint8_t *p, size_t n)
{
    if (r->nolog)
        return;
    uint8_t h[9] = {(uint8_t)tag, (uint8_t)(num >> 8), (uint8_t)num};
    for (int i = 0; i < 6; i++)
        h[3 + i] = (uint8_t)((uint64_t)n >> (40 - 8 * i));
    ck_assert_int_eq(buf_append(&r->log, h, sizeof(h)), 0);
    ck_assert_int_eq(buf_append(&r->log, p, n), 0);
}

static void cb_message(void *ud, int opcode, const uint8_t *data, size_t len)
{
    struct rec *r = ud;
    ck_assert_ptr_nonnull(data);
    r->nmsg++;
    r->last_op = opcode;
    r->last_ptr = data;
    r->last_len = len;
    memcpy(r->last, data, len < sizeof(r->last) ? len : sizeof(r->last));
    r->out_len_at_msg = session_output(r->s)->len;
    if (r->lo != NULL && (data < r->lo || data + len > r->hi))
        r->outside++;
    if (r->seq) {
        if (len != 4 || (((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) |
                         ((uint32_t)data[2] << 8) | data[3]) != r->next_seq)
            r->seq_errors++;
        r->next_seq++;
    }
    log_entry(r, 'M', (unsigned)opcode, data, len);
}

static void cb_ping(void *ud, const uint8_t *data, size_t len)
{
    struct rec *r = ud;
    r->nping++;
    memcpy(r->ping, data, len);
    r->ping_len = len;
    log_entry(r, 'I', 0, data, len);
}

static void cb_pong(void *ud, const uint8_t *data, size_t len)
{
    struct rec *r = ud;
    r->npong++;
    memcpy(r->pong, data, len);
    r->pong_len = len;
    log_entry(r, 'O', 0, data, len);
}

static void cb_close(void *ud, int code, const uint8_t *reason, size_t len)
{
    struct rec *r = ud;
    r->nclose++;
    r->close_code = code;
    ck_assert_uint_lt(len, sizeof(r->close_reason));
    memcpy(r->close_reason, reason, len);
    r->close_reason[len] = '\0';
    log_entry(r, 'C', (unsigned)code, reason, len);
}

static void cb_frame(void *ud, enum session_dir dir, const struct frame_header *h,
                     const uint8_t *payload, size_t len)
{
    struct rec *r = ud;
    ck_assert_uint_eq(h->len, len);
    if (dir == SESSION_IN) {
        r->nframes_in++;
        r->frame_in_op = h->opcode;
        r->frame_in_len = len;
        memcpy(r->frame_in, payload, len < sizeof(r->frame_in) ? len : sizeof(r->frame_in));
    } else {
        r->nframes_out++;
    }
    log_entry(r, dir == SESSION_IN ? 'F' : 'S', (unsigned)(h->opcode | (h->fin ? 0x80 : 0)),
              payload, len);
}

static struct session *mk(struct rec *r, uint64_t max, bool server)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->log);
    struct session_config cfg = {
        .max_message_size = max,
        .server = server,
        .cb = {cb_message, cb_ping, cb_pong, cb_close, cb_frame},
        .ud = r,
    };
    r->s = session_new(&cfg);
    ck_assert_ptr_nonnull(r->s);
    return r->s;
}

static void done(struct rec *r)
{
    session_free(r->s);
    buf_free(&r->log);
}

/* Feed through a heap copy of exactly n bytes, so reads past the slice trip ASan. */
static int feed(struct session *s, const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(copy);
    if (n)
        memcpy(copy, p, n);
    int rc = session_feed(s, copy, n);
    free(copy);
    return rc;
}

/* ---- decoding what the session queued ---------------------------------------------------- */

struct out_frame {
    bool fin;
    uint8_t rsv;
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];
    size_t hlen;
    size_t len;
    uint8_t payload[70000]; /* unmasked */
};

/* Decode the idx-th frame in the session's output. Returns false when there are fewer. */
static bool out_frame(struct session *s, int idx, struct out_frame *f)
{
    struct buf *o = session_output(s);
    const uint8_t *p = buf_head(o);
    size_t n = o->len, at = 0;
    for (int i = 0;; i++) {
        if (n - at < 2)
            return false;
        const uint8_t *h = p + at;
        f->fin = h[0] & 0x80;
        f->rsv = (h[0] >> 4) & 7;
        f->opcode = h[0] & 0x0F;
        f->masked = h[1] & 0x80;
        uint64_t len = h[1] & 0x7F;
        size_t hl = 2;
        if (len == 126) {
            len = ((uint64_t)h[2] << 8) | h[3];
            hl = 4;
        } else if (len == 127) {
            len = 0;
            for (int k = 0; k < 8; k++)
                len = (len << 8) | h[2 + k];
            hl = 10;
        }
        if (f->masked) {
            memcpy(f->mask, h + hl, 4);
            hl += 4;
        }
        ck_assert_uint_le(at + hl + len, n);
        if (i == idx) {
            ck_assert_uint_le(len, sizeof(f->payload));
            f->hlen = hl;
            f->len = (size_t)len;
            for (size_t k = 0; k < len; k++)
                f->payload[k] = h[hl + k] ^ (f->masked ? f->mask[k % 4] : 0);
            return true;
        }
        at += hl + (size_t)len;
    }
}

static int out_count(struct session *s)
{
    static struct out_frame f;
    int i = 0;
    while (out_frame(s, i, &f))
        i++;
    return i;
}

/* Assert that output frame idx is a masked close with the given code (0: empty payload). */
static void assert_close_out(struct session *s, int idx, int code)
{
    static struct out_frame f;
    ck_assert(out_frame(s, idx, &f));
    ck_assert_uint_eq(f.opcode, WS_OP_CLOSE);
    ck_assert(f.fin);
    ck_assert(f.masked);
    if (code == 0) {
        ck_assert_uint_eq(f.len, 0);
    } else {
        ck_assert_uint_ge(f.len, 2);
        ck_assert_int_eq((f.payload[0] << 8) | f.payload[1], code);
    }
}

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

/* ---- control frames ------------------------------------------------------------------------ */

START_TEST(ping_answered_with_masked_pong_same_payload)
{
    struct rec r;
    struct session *s = mk(&r, 0, false);
    static const uint8_t in[] = {0x89, 0x04, 'a', 'b', 'c', 'd', 0x89, 0x00}; /* 2 pings */
    ck_assert_int_eq(session_feed(s, in, sizeof(in)), SESSION_OK);
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

static Suite *session_suite(void)
{
    Suite *su = suite_create("session");

    TCase *tc = tcase_create("session_new");
    tcase_add_test(tc, new_starts_open_and_free_null_is_noop);
    tcase_add_test(tc, callbacks_may_all_be_null);
    suite_add_tcase(su, tc);

    tc = tcase_create("session_feed");
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
    tcase_add_test(tc, utf8_invalid_bytes_in_binary_message_accepted);
    tcase_add_test(tc, max_size_exceeded_fails_1009_at_header_nothing_delivered);
    tcase_add_test(tc, max_size_cumulative_over_fragments_fails_at_second_header);
    tcase_add_test(tc, max_size_exactly_at_limit_accepted);
    tcase_add_test(tc, frame_reserved_opcode_fails_1002_sticky);
    tcase_add_test(tc, frame_masked_from_server_fails_1002);
    tcase_add_test(tc, frame_continuation_without_start_fails_1002);
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

CHECK_MAIN(session_suite)
