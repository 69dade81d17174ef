/*
 * Shared helpers for the frame codec unit tests (check_frame*.c): the scripted feeder.
 *
 * Every parser vector is a literal byte string with the frames (header, reassembled payload,
 * whether the frame ended) and the final result it must produce. run_vector() feeds it whole,
 * then one byte at a time, then cut in two at every offset, and checks that each way yields the
 * same frames and the same error. Static inline so each test binary takes what it uses.
 */
#ifndef WSC_CHECK_FRAME_H
#define WSC_CHECK_FRAME_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "frame.h"

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

static inline void trace_init(struct trace *t, size_t cap)
{
    memset(t, 0, sizeof(*t));
    t->cap = cap;
    for (size_t i = 0; i < MAX_FRAMES; i++) {
        t->f[i].payload = malloc(cap ? cap : 1);
        ck_assert_ptr_nonnull(t->f[i].payload);
    }
}

/* Forget the recorded frames, keeping the buffers. */
static inline void trace_reset(struct trace *t)
{
    for (size_t i = 0; i < MAX_FRAMES; i++) {
        t->f[i].plen = 0;
        t->f[i].ended = false;
    }
    t->n = 0;
    t->open = false;
}

static inline void trace_free(struct trace *t)
{
    for (size_t i = 0; i < MAX_FRAMES; i++)
        free(t->f[i].payload);
}

static inline bool hdr_equal(const struct frame_header *a, const struct frame_header *b)
{
    return a->fin == b->fin && a->rsv == b->rsv && a->opcode == b->opcode &&
           a->masked == b->masked && a->len == b->len && memcmp(a->mask, b->mask, 4) == 0;
}

static inline void trace_event(struct trace *t, const struct frame_event *ev)
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
static inline int feed(struct frame_parser *p, const uint8_t *b, size_t n, struct trace *t)
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

static inline void trace_check(const struct trace *t, const struct vector *v, const char *how)
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
static inline bool want_cut(size_t cut, size_t len)
{
    return len <= 4096 || cut < 64 || len - cut < 64 || cut % 997 == 0;
}

static inline void run_vector(const struct vector *v)
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
static inline uint8_t *make_frame(const uint8_t *hdr, size_t hlen, size_t len, size_t *total)
{
    uint8_t *b = malloc(hlen + len + 1);

    ck_assert_ptr_nonnull(b);
    memcpy(b, hdr, hlen);
    for (size_t i = 0; i < len; i++)
        b[hlen + i] = (uint8_t)(i * 7 + (i >> 8));
    *total = hlen + len;
    return b;
}

static inline void run_binary_len(const uint8_t *hdr, size_t hlen, size_t len)
{
    size_t total;
    uint8_t *b = make_frame(hdr, hlen, len, &total);
    struct exp_frame f = {true, 0, WS_OP_BINARY, false, len, b + hlen, len, true};
    struct vector v = {false, 0, b, total, &f, 1, 0};

    run_vector(&v);
    free(b);
}

#endif
