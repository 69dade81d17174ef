/*
 * Unit tests for the RFC 6455 §5.2 frame codec (src/frame.c).
 *
 * Every parser vector is a literal byte string with the frames (header, reassembled payload,
 * whether the frame ended) and the final result it must produce. run_vector() feeds it whole,
 * then one byte at a time, then cut in two at every offset, and checks that each way yields the
 * same frames and the same error.
 */
#include "check_common.h"
#include "frame.h"

#include <stdio.h>
#include <string.h>

/* ---- scripted feeding ---- */

struct exp_frame {
    bool fin;
    uint8_t rsv;
    uint8_t opcode;
    bool masked;
    uint64_t len;
    const uint8_t *payload; /* the unmasked payload bytes expected to arrive */
    size_t plen;
    bool ended; /* FRAME_EV_END seen */
};

struct vector {
    bool server; /* expect_masked */
    uint8_t rsv_allowed;
    const uint8_t *in;
    size_t len;
    const struct exp_frame *frames;
    size_t nframes;
    int err; /* 0, or the frame_error the input ends with */
};

/* Like ck_assert_msg, but silent on success: Check records the location of every passing
 * ck_assert, which costs a write per call in the tight feeding loops below. */
#define REQUIRE(cond, ...)             \
    do {                               \
        if (!(cond))                   \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)

#define MAX_FRAMES 16

struct got_frame {
    struct frame_header hdr;
    uint8_t *payload; /* unmasked */
    size_t plen;
    bool ended;
};

struct trace {
    struct got_frame f[MAX_FRAMES];
    size_t n;
    size_t cap; /* payload capacity per frame */
    bool open;  /* last frame has had HEADER but not END */
};

static void trace_init(struct trace *t, size_t cap)
{
    memset(t, 0, sizeof(*t));
    t->cap = cap;
    for (size_t i = 0; i < MAX_FRAMES; i++) {
        t->f[i].payload = malloc(cap ? cap : 1);
        ck_assert_ptr_nonnull(t->f[i].payload);
    }
}

/* Forget the recorded frames, keeping the buffers. */
static void trace_reset(struct trace *t)
{
    for (size_t i = 0; i < MAX_FRAMES; i++) {
        t->f[i].plen = 0;
        t->f[i].ended = false;
    }
    t->n = 0;
    t->open = false;
}

static void trace_free(struct trace *t)
{
    for (size_t i = 0; i < MAX_FRAMES; i++)
        free(t->f[i].payload);
}

static bool hdr_equal(const struct frame_header *a, const struct frame_header *b)
{
    return a->fin == b->fin && a->rsv == b->rsv && a->opcode == b->opcode &&
           a->masked == b->masked && a->len == b->len && memcmp(a->mask, b->mask, 4) == 0;
}

static void trace_event(struct trace *t, const struct frame_event *ev)
{
    struct got_frame *g;

    switch (ev->type) {
    case FRAME_EV_HEADER:
        REQUIRE(!t->open, "HEADER before the previous frame's END");
        REQUIRE(t->n < MAX_FRAMES, "t->n < MAX_FRAMES");
        g = &t->f[t->n++];
        g->hdr = ev->hdr;
        g->plen = 0;
        g->ended = false;
        t->open = true;
        break;
    case FRAME_EV_PAYLOAD:
        REQUIRE(t->open, "t->open");
        g = &t->f[t->n - 1];
        REQUIRE(hdr_equal(&g->hdr, &ev->hdr), "hdr_equal(&g->hdr, &ev->hdr)");
        REQUIRE(ev->len > 0, "ev->len > 0");
        REQUIRE(ev->data != NULL, "ev->data is NULL");
        REQUIRE(ev->payload_offset == g->plen, "ev->payload_offset == g->plen");
        REQUIRE(ev->payload_offset + ev->len <= g->hdr.len,
                "ev->payload_offset + ev->len <= g->hdr.len");
        REQUIRE(g->plen + ev->len <= t->cap, "g->plen + ev->len <= t->cap");
        if (ev->hdr.masked)
            frame_mask(g->payload + g->plen, ev->data, ev->len, ev->hdr.mask, ev->payload_offset);
        else
            memcpy(g->payload + g->plen, ev->data, ev->len);
        g->plen += ev->len;
        break;
    case FRAME_EV_END:
        REQUIRE(t->open, "t->open");
        g = &t->f[t->n - 1];
        REQUIRE(hdr_equal(&g->hdr, &ev->hdr), "hdr_equal(&g->hdr, &ev->hdr)");
        REQUIRE(g->plen == g->hdr.len, "g->plen == g->hdr.len");
        g->ended = true;
        t->open = false;
        break;
    default:
        ck_abort_msg("unexpected event type %d", (int)ev->type);
    }
}

/* Feed one chunk, draining every event. Returns 0 or the (negative) error. */
static int feed(struct frame_parser *p, const uint8_t *b, size_t n, struct trace *t)
{
    for (;;) {
        struct frame_event ev;
        long r = frame_parse(p, b, n, &ev);

        if (r < 0) {
            REQUIRE(ev.type == FRAME_EV_NONE, "ev.type == FRAME_EV_NONE");
            return (int)r;
        }
        REQUIRE((size_t)r <= n, "(size_t)r <= n");
        b += r;
        n -= (size_t)r;
        if (ev.type == FRAME_EV_NONE) {
            REQUIRE(n == 0, "FRAME_EV_NONE with %zu bytes left unconsumed", n);
            return 0;
        }
        trace_event(t, &ev);
    }
}

static void trace_check(const struct trace *t, const struct vector *v, const char *how)
{
    REQUIRE(t->n == v->nframes, "%s: %zu frames, expected %zu", how, t->n, v->nframes);
    for (size_t i = 0; i < v->nframes; i++) {
        const struct exp_frame *e = &v->frames[i];
        const struct got_frame *g = &t->f[i];

        REQUIRE(g->hdr.fin == e->fin, "%s: frame %zu fin", how, i);
        REQUIRE(g->hdr.rsv == e->rsv, "%s: frame %zu rsv", how, i);
        REQUIRE(g->hdr.opcode == e->opcode, "%s: frame %zu opcode", how, i);
        REQUIRE(g->hdr.masked == e->masked, "%s: frame %zu masked", how, i);
        REQUIRE(g->hdr.len == e->len, "%s: frame %zu len %llu", how, i,
                (unsigned long long)g->hdr.len);
        REQUIRE(g->plen == e->plen, "%s: frame %zu got %zu payload bytes", how, i, g->plen);
        REQUIRE(e->plen == 0 || memcmp(g->payload, e->payload, e->plen) == 0,
                "%s: frame %zu payload differs", how, i);
        REQUIRE(g->ended == e->ended, "%s: frame %zu ended", how, i);
    }
}

/* Cut offsets for the two-feed pass: all of them, except in inputs over 4 KiB, where cuts inside
 * the payload all take the same path: there every offset near either end and every 997th. */
static bool want_cut(size_t cut, size_t len)
{
    return len <= 4096 || cut < 64 || len - cut < 64 || cut % 997 == 0;
}

static void run_vector(const struct vector *v)
{
    size_t cap = 0;
    struct trace t;
    struct frame_parser p;
    char how[64];
    int r;

    for (size_t i = 0; i < v->nframes; i++)
        if (v->frames[i].plen > cap)
            cap = v->frames[i].plen;
    trace_init(&t, cap);

    /* Whole. */
    frame_parser_init(&p, v->server, v->rsv_allowed);
    r = feed(&p, v->in, v->len, &t);
    REQUIRE(r == v->err, "whole: result %d, expected %d", r, v->err);
    trace_check(&t, v, "whole");

    /* One byte at a time, stopping at the error. */
    trace_reset(&t);
    frame_parser_init(&p, v->server, v->rsv_allowed);
    r = 0;
    for (size_t i = 0; i < v->len && r == 0; i++)
        r = feed(&p, v->in + i, 1, &t);
    REQUIRE(r == v->err, "bytewise: result %d, expected %d", r, v->err);
    trace_check(&t, v, "bytewise");

    /* Two feeds, cut at every offset. */
    for (size_t cut = 0; cut <= v->len; cut++) {
        if (!want_cut(cut, v->len))
            continue;
        trace_reset(&t);
        frame_parser_init(&p, v->server, v->rsv_allowed);
        r = feed(&p, v->in, cut, &t);
        if (r == 0)
            r = feed(&p, v->in + cut, v->len - cut, &t);
        snprintf(how, sizeof(how), "cut at %zu", cut);
        REQUIRE(r == v->err, "%s: result %d, expected %d", how, r, v->err);
        trace_check(&t, v, how);
    }
    trace_free(&t);
}

#define RUN(server_, rsv_, in_, frames_, err_)                                              \
    do {                                                                                    \
        struct vector v_ = {(server_),   (rsv_),    (in_),                                  \
                            sizeof(in_), (frames_), sizeof(frames_) / sizeof((frames_)[0]), \
                            (err_)};                                                        \
        run_vector(&v_);                                                                    \
    } while (0)

/* For vectors that must produce no frame at all. */
static const struct exp_frame no_frames[1];
#define RUN_NOFRAME(server_, rsv_, in_, err_)                                             \
    do {                                                                                  \
        struct vector v_ = {(server_), (rsv_), (in_), sizeof(in_), no_frames, 0, (err_)}; \
        run_vector(&v_);                                                                  \
    } while (0)

#define P(s) ((const uint8_t *)(s))

/* A buffer of header + len payload bytes with a recognisable pattern. */
static uint8_t *make_frame(const uint8_t *hdr, size_t hlen, size_t len, size_t *total)
{
    uint8_t *b = malloc(hlen + len + 1);

    ck_assert_ptr_nonnull(b);
    memcpy(b, hdr, hlen);
    for (size_t i = 0; i < len; i++)
        b[hlen + i] = (uint8_t)(i * 7 + (i >> 8));
    *total = hlen + len;
    return b;
}

static void run_binary_len(const uint8_t *hdr, size_t hlen, size_t len)
{
    size_t total;
    uint8_t *b = make_frame(hdr, hlen, len, &total);
    struct exp_frame f = {true, 0, WS_OP_BINARY, false, len, b + hlen, len, true};
    struct vector v = {false, 0, b, total, &f, 1, 0};

    run_vector(&v);
    free(b);
}

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

/* ---- frame_build_header ---- */

static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};

static void check_header(uint64_t len, const uint8_t *mask, const uint8_t *exp, size_t elen)
{
    uint8_t out[WS_MAX_HEADER_SIZE + 1];

    memset(out, 0xEE, sizeof(out));
    ck_assert_uint_eq(frame_build_header(out, true, 0, WS_OP_BINARY, mask, len), elen);
    ck_assert_mem_eq(out, exp, elen);
    ck_assert_uint_eq(out[WS_MAX_HEADER_SIZE], 0xEE);
}

START_TEST(build_len_0)
{
    static const uint8_t e[] = {0x82, 0x00}, em[] = {0x82, 0x80, 0x37, 0xfa, 0x21, 0x3d};

    check_header(0, NULL, e, sizeof(e));
    check_header(0, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_125_7bit)
{
    static const uint8_t e[] = {0x82, 0x7D}, em[] = {0x82, 0xFD, 0x37, 0xfa, 0x21, 0x3d};

    check_header(125, NULL, e, sizeof(e));
    check_header(125, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_126_16bit)
{
    static const uint8_t e[] = {0x82, 0x7E, 0x00, 0x7E};
    static const uint8_t em[] = {0x82, 0xFE, 0x00, 0x7E, 0x37, 0xfa, 0x21, 0x3d};

    check_header(126, NULL, e, sizeof(e));
    check_header(126, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_65535_16bit)
{
    static const uint8_t e[] = {0x82, 0x7E, 0xFF, 0xFF};
    static const uint8_t em[] = {0x82, 0xFE, 0xFF, 0xFF, 0x37, 0xfa, 0x21, 0x3d};

    check_header(65535, NULL, e, sizeof(e));
    check_header(65535, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_65536_64bit)
{
    static const uint8_t e[] = {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    static const uint8_t em[] = {0x82, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x01, 0x00, 0x00, 0x37, 0xfa, 0x21, 0x3d};

    check_header(65536, NULL, e, sizeof(e));
    check_header(65536, key, em, sizeof(em));
}
END_TEST

START_TEST(build_len_2pow63_minus_1)
{
    static const uint8_t e[] = {0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

    check_header(UINT64_C(0x7FFFFFFFFFFFFFFF), NULL, e, sizeof(e));
}
END_TEST

START_TEST(build_fin_rsv_opcode_bits)
{
    uint8_t out[WS_MAX_HEADER_SIZE];

    ck_assert_uint_eq(frame_build_header(out, false, WS_RSV1 | WS_RSV3, WS_OP_TEXT, NULL, 3), 2);
    ck_assert_uint_eq(out[0], 0x51);
    ck_assert_uint_eq(out[1], 0x03);
    ck_assert_uint_eq(frame_build_header(out, true, 0, WS_OP_CLOSE, NULL, 2), 2);
    ck_assert_uint_eq(out[0], 0x88);
    ck_assert_uint_eq(frame_build_header(out, false, 0, WS_OP_CONT, NULL, 0), 2);
    ck_assert_uint_eq(out[0], 0x00);
}
END_TEST

/* Build a frame, mask it if asked, parse it whole and bytewise, and compare. */
static void round_trip(bool masked, bool fin, uint8_t opcode, size_t len)
{
    uint8_t *buf = malloc(WS_MAX_HEADER_SIZE + len + 1);
    uint8_t *plain = malloc(len + 1);
    size_t h;

    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_nonnull(plain);
    for (size_t i = 0; i < len; i++)
        plain[i] = (uint8_t)(i * 31 + 5);
    h = frame_build_header(buf, fin, 0, opcode, masked ? key : NULL, len);
    if (masked)
        frame_mask(buf + h, plain, len, key, 0);
    else
        memcpy(buf + h, plain, len);

    struct exp_frame f = {fin, 0, opcode, masked, len, plain, len, true};
    struct vector v = {masked, 0, buf, h + len, &f, 1, 0};
    run_vector(&v);
    free(plain);
    free(buf);
}

START_TEST(build_round_trip_parse)
{
    static const size_t lens[] = {0, 1, 125, 126, 127, 1000, 65535, 65536};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        round_trip(false, true, WS_OP_BINARY, lens[i]);
        round_trip(true, true, WS_OP_TEXT, lens[i]);
    }
    round_trip(false, true, WS_OP_PING, 125);
    round_trip(true, true, WS_OP_CLOSE, 2);
    round_trip(false, false, WS_OP_TEXT, 10);
}
END_TEST

/* ---- frame_mask ---- */

static void mask_ref(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t m[4], uint64_t o)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ m[(o + i) % 4];
}

#define MASK_MAX 70000
#define GUARD    16

static void check_mask(size_t da, size_t sa, uint64_t off, size_t len)
{
    static uint8_t srcbuf[MASK_MAX + 64], got[MASK_MAX + 64], want[MASK_MAX + 64];
    static const uint8_t m[4] = {0x12, 0x9a, 0xc5, 0x7e};
    /* 16-byte aligned bases, so da/sa are the real alignments mod 16. */
    uint8_t *s = (uint8_t *)(((uintptr_t)srcbuf + 15) & ~(uintptr_t)15) + sa;
    uint8_t *d = (uint8_t *)(((uintptr_t)got + 15) & ~(uintptr_t)15) + GUARD + da;

    for (size_t i = 0; i < len; i++)
        s[i] = (uint8_t)(i * 13 + sa + 1);
    memset(got, 0xA5, sizeof(got));
    memset(want, 0xA5, sizeof(want));
    mask_ref(want + (d - got), s, len, m, off);
    frame_mask(d, s, len, m, off);
    /* Compares the guard bytes too: nothing written outside dst[0..len). */
    REQUIRE(memcmp(got, want, (size_t)(d - got) + len + GUARD) == 0,
            "dst align %zu src align %zu offset %llu len %zu", da, sa, (unsigned long long)off,
            len);
}

START_TEST(mask_matches_byte_loop_all_alignments)
{
    for (size_t da = 0; da < 16; da++)
        for (size_t sa = 0; sa < 16; sa++)
            for (uint64_t off = 0; off < 4; off++)
                for (size_t len = 0; len <= 70; len++)
                    check_mask(da, sa, off, len);
}
END_TEST

START_TEST(mask_matches_byte_loop_large)
{
    static const size_t lens[] = {255, 256, 1000, 4099, 65536, 65541};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        for (size_t a = 0; a < 16; a += 3)
            for (uint64_t off = 0; off < 4; off++)
                check_mask(a, (a * 5) % 16, off, lens[i]);
}
END_TEST

START_TEST(mask_large_offset_uses_offset_mod_4)
{
    /* An offset past 2^32 still selects the key byte by offset % 4. */
    check_mask(3, 1, UINT64_C(0x100000003), 40);
    check_mask(0, 0, UINT64_C(0xFFFFFFFFFFFFFFFD), 40);
}
END_TEST

START_TEST(mask_in_place)
{
    static uint8_t buf[256], want[256];
    static const uint8_t m[4] = {0xde, 0xad, 0xbe, 0xef};

    for (size_t a = 0; a < 16; a++)
        for (uint64_t off = 0; off < 4; off++)
            for (size_t len = 0; len <= 100; len++) {
                for (size_t i = 0; i < sizeof(buf); i++)
                    buf[i] = want[i] = (uint8_t)(i * 3 + len);
                mask_ref(want + a, want + a, len, m, off);
                frame_mask(buf + a, buf + a, len, m, off);
                REQUIRE(memcmp(buf, want, sizeof(buf)) == 0, "align %zu off %llu len %zu", a,
                        (unsigned long long)off, len);
            }
}
END_TEST

START_TEST(mask_twice_is_identity)
{
    uint8_t a[300], b[300];

    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (uint8_t)i;
    frame_mask(b, a, sizeof(a), key, 1);
    ck_assert_mem_ne(a, b, sizeof(a));
    frame_mask(b, b, sizeof(b), key, 1);
    ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

START_TEST(mask_rfc_hello_example)
{
    /* RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d. */
    static const uint8_t masked[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    uint8_t out[5];

    frame_mask(out, P("Hello"), 5, key, 0);
    ck_assert_mem_eq(out, masked, 5);
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

    tc = tcase_create("frame_build_header");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, build_len_0);
    tcase_add_test(tc, build_len_125_7bit);
    tcase_add_test(tc, build_len_126_16bit);
    tcase_add_test(tc, build_len_65535_16bit);
    tcase_add_test(tc, build_len_65536_64bit);
    tcase_add_test(tc, build_len_2pow63_minus_1);
    tcase_add_test(tc, build_fin_rsv_opcode_bits);
    tcase_add_test(tc, build_round_trip_parse);
    suite_add_tcase(s, tc);

    tc = tcase_create("frame_mask");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, mask_matches_byte_loop_all_alignments);
    tcase_add_test(tc, mask_matches_byte_loop_large);
    tcase_add_test(tc, mask_large_offset_uses_offset_mod_4);
    tcase_add_test(tc, mask_in_place);
    tcase_add_test(tc, mask_twice_is_identity);
    tcase_add_test(tc, mask_rfc_hello_example);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(frame_suite)
