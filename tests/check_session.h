/*
 * Shared helpers for the session unit tests (check_session*.c): recording callbacks, a session
 * made with them, and a hand decoder for what the session queued (not frame_parse, so the two
 * sides check each other). Static inline so each test binary takes what it uses.
 */
#ifndef WSC_CHECK_SESSION_H
#define WSC_CHECK_SESSION_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
    uint8_t last_rsv;
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

    int nframes_in, nframes_out, nframes_replaced;
    uint8_t frame_in[512];
    size_t frame_in_len;
    uint8_t frame_in_op;
};

static inline void log_entry(struct rec *r, char tag, unsigned num, const uint8_t *p, size_t n)
{
    if (r->nolog)
        return;
    uint8_t h[9] = {(uint8_t)tag, (uint8_t)(num >> 8), (uint8_t)num};
    for (int i = 0; i < 6; i++)
        h[3 + i] = (uint8_t)((uint64_t)n >> (40 - 8 * i));
    ck_assert_int_eq(buf_append(&r->log, h, sizeof(h)), 0);
    ck_assert_int_eq(buf_append(&r->log, p, n), 0);
}

static inline void cb_message(void *ud, int opcode, uint8_t rsv, const uint8_t *data, size_t len)
{
    struct rec *r = ud;
    ck_assert_ptr_nonnull(data);
    r->nmsg++;
    r->last_op = opcode;
    r->last_rsv = rsv;
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

static inline void cb_ping(void *ud, const uint8_t *data, size_t len)
{
    struct rec *r = ud;
    r->nping++;
    memcpy(r->ping, data, len);
    r->ping_len = len;
    log_entry(r, 'I', 0, data, len);
}

static inline void cb_pong(void *ud, const uint8_t *data, size_t len)
{
    struct rec *r = ud;
    r->npong++;
    memcpy(r->pong, data, len);
    r->pong_len = len;
    log_entry(r, 'O', 0, data, len);
}

static inline void cb_close(void *ud, int code, const uint8_t *reason, size_t len)
{
    struct rec *r = ud;
    r->nclose++;
    r->close_code = code;
    ck_assert_uint_lt(len, sizeof(r->close_reason));
    memcpy(r->close_reason, reason, len);
    r->close_reason[len] = '\0';
    log_entry(r, 'C', (unsigned)code, reason, len);
}

static inline void cb_frame(void *ud, enum session_dir dir, const struct frame_header *h,
                            const uint8_t *payload, size_t len)
{
    struct rec *r = ud;
    ck_assert_uint_eq(h->len, len);
    if (dir == SESSION_IN) {
        r->nframes_in++;
        r->frame_in_op = h->opcode;
        r->frame_in_len = len;
        memcpy(r->frame_in, payload, len < sizeof(r->frame_in) ? len : sizeof(r->frame_in));
    } else if (dir == SESSION_OUT) {
        r->nframes_out++;
    } else {
        ck_assert_int_eq(dir, SESSION_OUT_REPLACED);
        ck_assert_uint_eq(h->opcode, WS_OP_PONG);
        r->nframes_replaced++;
    }
    log_entry(r, dir == SESSION_IN ? 'F' : 'S', (unsigned)(h->opcode | (h->fin ? 0x80 : 0)),
              payload, len);
}

static inline struct session *mk(struct rec *r, uint64_t max, bool server)
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

static inline void done(struct rec *r)
{
    session_free(r->s);
    buf_free(&r->log);
}

/* Feed through a heap copy of exactly n bytes, so reads past the slice trip ASan. */
static inline int feed(struct session *s, const uint8_t *p, size_t n)
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
static inline bool out_frame(struct session *s, int idx, struct out_frame *f)
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

static inline int out_count(struct session *s)
{
    static struct out_frame f;
    int i = 0;
    while (out_frame(s, i, &f))
        i++;
    return i;
}

/* Assert that output frame idx is a masked close with the given code (0: empty payload). */
static inline void assert_close_out(struct session *s, int idx, int code)
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

#endif
