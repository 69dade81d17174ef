/*
 * session - one WebSocket connection after the handshake: RFC 6455 §5.4-§5.6 (messages and
 * fragmentation), §5.5 (control frames), §7 (closing handshake) and §8 (error handling, UTF-8).
 * See session.h for the contract.
 *
 * Receiving: frame_parse() events drive a small state machine. An unfragmented data frame whose
 * payload arrives in one slice is handed to on_message straight from the caller's buffer (no copy,
 * no allocation); everything else is reassembled in s->msg. Size limits are checked from the
 * header, before anything is buffered; text is validated slice by slice so a bad byte fails the
 * connection even in the middle of a fragmented message.
 *
 * Sending: every frame is built in place in the output buffer: header, then the payload masked
 * while it is copied from the caller (one copy, no temporary).
 */
#include "session.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rand.h"
#include "utf8.h"

#define SESSION_MAX_REASON 123 /* 125 - 2 bytes of status code, §5.5.1 */

struct session {
    struct session_config cfg;
    struct frame_parser parser;
    enum session_state state;
    int error; /* sticky enum session_error */
    char errtext[160];

    struct buf out;     /* frames waiting to be written */
    uint64_t out_total; /* bytes ever appended to out: stream position of its tail */
    uint64_t out_hold;  /* stream position up to which a writer may hold bytes (never rewrite) */
    /* The last automatic pong queued (§5.5.3: a newer ping may replace it while unsent). */
    bool pong_queued;
    uint64_t pong_pos; /* stream position of its first byte */
    size_t pong_size;  /* header + payload */

    /* The frame being parsed (its HEADER arrived, its END not yet). */
    struct frame_header cur;
    bool cur_direct;            /* unfragmented data frame: may skip the reassembly buffer */
    const uint8_t *direct_data; /* its whole payload, in the caller's buffer, or NULL */
    size_t frame_start;         /* data frames: offset of this frame's payload in msg */
    uint8_t ctl[WS_MAX_CONTROL_PAYLOAD];

    /* The data message being received. */
    struct buf msg;
    uint8_t msg_opcode; /* WS_OP_TEXT/BINARY, or 0 when no message is open */
    uint8_t msg_rsv;    /* RSV bits of its first frame (extension-encoded when not 0) */
    uint64_t msg_len;   /* announced length of its frames so far (headers seen) */
    struct utf8_state utf8;

    int close_recv;
    char close_reason[SESSION_MAX_REASON + 1];
    int close_sent;
};

/* An empty payload still gets a valid pointer, so callbacks never see NULL. */
static const uint8_t empty_payload[1];

bool session_close_code_sendable(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

bool session_close_code_receivable(int code)
{
    return session_close_code_sendable(code);
}

struct session *session_new(const struct session_config *cfg)
{
    struct session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    /* A server expects masked frames from its clients; a client expects them unmasked. */
    frame_parser_init(&s->parser, cfg->server, cfg->rsv_allowed);
    s->state = SESSION_OPEN;
    buf_init(&s->out);
    buf_init(&s->msg);
    utf8_init(&s->utf8);
    return s;
}

void session_free(struct session *s)
{
    if (s == NULL)
        return;
    buf_free(&s->out);
    buf_free(&s->msg);
    free(s);
}

struct buf *session_output(struct session *s)
{
    return &s->out;
}

size_t session_output_pending(const struct session *s)
{
    return s->out.len;
}

/* Stream position of the first unwritten byte: everything before it was buf_consume()d. */
static uint64_t out_head_pos(const struct session *s)
{
    return s->out_total - s->out.len;
}

void session_output_hold(struct session *s, size_t n)
{
    if (n > s->out.len)
        n = s->out.len;
    uint64_t end = out_head_pos(s) + n;
    if (end > s->out_hold)
        s->out_hold = end;
}

enum session_state session_state(const struct session *s)
{
    return s->state;
}

int session_close_code_received(const struct session *s)
{
    return s->close_recv;
}

const char *session_close_reason_received(const struct session *s)
{
    return s->close_reason;
}

int session_close_code_sent(const struct session *s)
{
    return s->close_sent;
}

const char *session_error_text(const struct session *s)
{
    return s->errtext;
}

/* Size of a complete frame we send with len bytes of payload (minimal length encoding). */
static size_t frame_size(const struct session *s, size_t len)
{
    size_t hl = 2 + (len <= 125 ? 0 : len <= 0xFFFF ? 2 : 8) + (s->cfg.server ? 0 : 4);
    return hl + len;
}

/*
 * Write one complete frame (FIN set) at p, which has room for frame_size(len): header, then the
 * payload masked on its way from the caller's memory. Clients mask every frame with a fresh key
 * (§5.3). Returns the frame's size, or SESSION_ERR_RANDOM.
 */
static long build_frame(struct session *s, uint8_t *p, uint8_t opcode, uint8_t rsv,
                        const uint8_t *data, size_t len, enum session_dir dir)
{
    struct frame_header h = {.fin = true, .rsv = rsv, .opcode = opcode, .len = len};
    if (!s->cfg.server) {
        if (rand_bytes(h.mask, sizeof(h.mask)) < 0)
            return SESSION_ERR_RANDOM;
        h.masked = true;
    }
    size_t hl = frame_build_header(p, true, rsv, opcode, h.masked ? h.mask : NULL, len);
    if (len > 0) {
        if (h.masked)
            frame_mask(p + hl, data, len, h.mask, 0);
        else
            memcpy(p + hl, data, len);
    }
    if (s->cfg.cb.on_frame)
        s->cfg.cb.on_frame(s->cfg.ud, dir, &h, len ? data : empty_payload, len);
    return (long)(hl + len);
}

/* Append one complete frame to the output (dir: how on_frame hears of it). */
static int queue_frame_rsv(struct session *s, uint8_t opcode, uint8_t rsv, const uint8_t *data,
                           size_t len, enum session_dir dir)
{
    if (len > SIZE_MAX - WS_MAX_HEADER_SIZE)
        return SESSION_ERR_NOMEM;
    if (buf_reserve(&s->out, WS_MAX_HEADER_SIZE + len) < 0)
        return SESSION_ERR_NOMEM;
    long n = build_frame(s, buf_tail(&s->out), opcode, rsv, data, len, dir);
    if (n < 0)
        return (int)n;
    buf_commit(&s->out, (size_t)n);
    s->out_total += (uint64_t)n;
    return SESSION_OK;
}

static int queue_frame(struct session *s, uint8_t opcode, const uint8_t *data, size_t len)
{
    return queue_frame_rsv(s, opcode, 0, data, len, SESSION_OUT);
}

/*
 * Answer a ping (§5.5.2). While our previous automatic pong has not started to be written, a
 * newer ping replaces it (§5.5.3 lets us answer only the most recent ping), so a peer that floods
 * pings and does not read gets one pong, not one per ping. The old pong is rewritten in place when
 * the new one has the same size or is the last frame queued; otherwise the new one is appended
 * (and becomes the replaceable one), so at most one extra pong stays per frame queued after it.
 * Bytes a writer may hold (session_output_hold()) or has written are never touched.
 */
static int queue_pong_reply(struct session *s, const uint8_t *data, size_t len)
{
    uint64_t head = out_head_pos(s);
    uint64_t frozen = s->out_hold > head ? s->out_hold : head;
    enum session_dir dir = SESSION_OUT;
    if (s->pong_queued && s->pong_pos >= frozen) {
        size_t off = (size_t)(s->pong_pos - head);
        size_t size = frame_size(s, len);
        if (off + s->pong_size == s->out.len) {
            /* The last frame: drop it and queue the new one in its place. */
            s->out.len -= s->pong_size;
            s->out_total -= s->pong_size;
            dir = SESSION_OUT_REPLACED;
        } else if (size == s->pong_size) {
            long n = build_frame(s, buf_head(&s->out) + off, WS_OP_PONG, 0, data, len,
                                 SESSION_OUT_REPLACED);
            return n < 0 ? (int)n : SESSION_OK;
        }
    }
    uint64_t pos = s->out_total;
    int rc = queue_frame_rsv(s, WS_OP_PONG, 0, data, len, dir);
    if (rc < 0)
        return rc;
    s->pong_queued = true;
    s->pong_pos = pos;
    s->pong_size = (size_t)(s->out_total - pos);
    return SESSION_OK;
}

/* Close payload: 2-byte status code in network order, then the reason (§5.5.1). */
static int queue_close(struct session *s, int code, const char *reason, size_t reason_len)
{
    uint8_t payload[WS_MAX_CONTROL_PAYLOAD];
    size_t n = 0;
    if (code != 0) {
        payload[0] = (uint8_t)(code >> 8);
        payload[1] = (uint8_t)code;
        if (reason_len > 0)
            memcpy(payload + 2, reason, reason_len);
        n = 2 + reason_len;
    }
    int rc = queue_frame(s, WS_OP_CLOSE, payload, n);
    if (rc == SESSION_OK)
        s->close_sent = code;
    return rc;
}

/*
 * Fail the connection (§7.1.7): remember the first error and its text, and send a close with the
 * matching code unless we already sent one. Returns err for the caller to pass up.
 */
__attribute__((format(printf, 4, 5))) static int fail(struct session *s, int err, int code,
                                                      const char *fmt, ...)
{
    if (s->state == SESSION_FAILED)
        return s->error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errtext, sizeof(s->errtext), fmt, ap);
    va_end(ap);
    s->error = err;
    if (s->state == SESSION_OPEN) {
        size_t rlen = strlen(s->errtext);
        if (rlen > SESSION_MAX_REASON)
            rlen = SESSION_MAX_REASON;
        /* Best effort: if even this cannot be queued the caller closes TCP anyway. */
        (void)queue_close(s, code, s->errtext, rlen);
    }
    s->state = SESSION_FAILED;
    buf_free(&s->msg);
    return err;
}

static int fail_nomem(struct session *s)
{
    return fail(s, SESSION_ERR_NOMEM, WS_CLOSE_INTERNAL_ERROR, "out of memory");
}

/* Fail with 1009: a message of total bytes is over --max-message-size. */
static int too_big(struct session *s, uint64_t total)
{
    return fail(s, SESSION_ERR_TOO_BIG, WS_CLOSE_MESSAGE_TOO_BIG,
                "message of %" PRIu64 " bytes exceeds --max-message-size %" PRIu64, total,
                s->cfg.max_message_size);
}

static int on_header(struct session *s, const struct frame_header *h)
{
    s->cur = *h;
    s->direct_data = NULL;
    if (ws_opcode_is_control(h->opcode))
        return SESSION_OK;

    if (h->opcode != WS_OP_CONT) {
        s->msg_opcode = h->opcode;
        s->msg_rsv = h->rsv;
        s->msg_len = 0;
        buf_clear(&s->msg);
        utf8_init(&s->utf8);
    }
    /* The parser caps h->len below 2^63, and msg_len is bounded by what we agreed to buffer, so
     * the sum cannot wrap. */
    uint64_t total = s->msg_len + h->len;
    uint64_t max = s->cfg.max_message_size;
    if (max != 0 && total > max)
        return too_big(s, total);
    if (total > SIZE_MAX)
        return fail(s, SESSION_ERR_TOO_BIG, WS_CLOSE_MESSAGE_TOO_BIG,
                    "message of %" PRIu64 " bytes does not fit in memory", total);
    s->msg_len = total;
    s->cur_direct = h->fin && h->opcode != WS_OP_CONT;
    s->frame_start = s->msg.len;
    return SESSION_OK;
}

static int on_payload(struct session *s, const struct frame_event *ev)
{
    const struct frame_header *h = &s->cur;
    if (ws_opcode_is_control(h->opcode)) {
        /* The parser refuses control payloads over 125 bytes, so this fits. */
        uint8_t *dst = s->ctl + ev->payload_offset;
        if (h->masked)
            frame_mask(dst, ev->data, ev->len, h->mask, ev->payload_offset);
        else
            memcpy(dst, ev->data, ev->len);
        return SESSION_OK;
    }

    const uint8_t *p;
    if (h->masked) {
        /* The input is const, so unmasking means copying: always into the reassembly buffer. */
        if (buf_reserve(&s->msg, ev->len) < 0)
            return fail_nomem(s);
        uint8_t *dst = buf_tail(&s->msg);
        frame_mask(dst, ev->data, ev->len, h->mask, ev->payload_offset);
        buf_commit(&s->msg, ev->len);
        p = dst;
    } else if (s->cur_direct && ev->payload_offset == 0 && ev->len == h->len) {
        /* Hot path: the whole message is in the caller's buffer; hand it over from there. */
        s->direct_data = ev->data;
        p = ev->data;
    } else {
        if (buf_reserve(&s->msg, ev->len) < 0)
            return fail_nomem(s);
        uint8_t *dst = buf_tail(&s->msg);
        memcpy(dst, ev->data, ev->len);
        buf_commit(&s->msg, ev->len);
        p = dst;
    }
    if (s->msg_opcode == WS_OP_TEXT && s->msg_rsv == 0 &&
        utf8_feed(&s->utf8, p, ev->len) != UTF8_OK)
        return fail(s, SESSION_ERR_UTF8, WS_CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in text message");
    return SESSION_OK;
}

static int on_close_frame(struct session *s, const uint8_t *p, size_t len)
{
    int code = WS_CLOSE_NO_STATUS;
    const uint8_t *reason = p + (len >= 2 ? 2 : len);
    size_t reason_len = 0;
    if (len == 1)
        return fail(s, SESSION_ERR_PROTOCOL, WS_CLOSE_PROTOCOL_ERROR,
                    "close frame with a 1-byte payload");
    if (len >= 2) {
        code = (p[0] << 8) | p[1];
        if (!session_close_code_receivable(code))
            return fail(s, SESSION_ERR_PROTOCOL, WS_CLOSE_PROTOCOL_ERROR, "invalid close code %d",
                        code);
        reason_len = len - 2;
        if (!utf8_valid(reason, reason_len))
            return fail(s, SESSION_ERR_UTF8, WS_CLOSE_INVALID_PAYLOAD,
                        "invalid UTF-8 in close reason");
    }
    s->close_recv = code;
    memcpy(s->close_reason, reason, reason_len);
    s->close_reason[reason_len] = '\0';

    int rc = SESSION_OK;
    if (s->state == SESSION_OPEN) {
        /* §5.5.1: echo the status code; a close without one is answered with 1000, because
         * 1005 may not appear on the wire. */
        rc = queue_close(s, code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : code, NULL, 0);
    }
    s->state = SESSION_CLOSED;
    buf_free(&s->msg);
    if (s->cfg.cb.on_close)
        s->cfg.cb.on_close(s->cfg.ud, code, (const uint8_t *)s->close_reason, reason_len);
    if (rc < 0) {
        s->error = rc;
        snprintf(s->errtext, sizeof(s->errtext), "cannot queue the closing frame");
    }
    return rc;
}

static int on_end(struct session *s)
{
    const struct frame_header *h = &s->cur;
    size_t len = (size_t)h->len;

    if (ws_opcode_is_control(h->opcode)) {
        const uint8_t *p = len ? s->ctl : empty_payload;
        if (s->cfg.cb.on_frame)
            s->cfg.cb.on_frame(s->cfg.ud, SESSION_IN, h, p, len);
        switch (h->opcode) {
        case WS_OP_PING: {
            /* §5.5.2: answer at once, even between fragments and after we sent our close (only
             * a received close ends the duty to reply). */
            int rc = queue_pong_reply(s, p, len);
            if (rc == SESSION_ERR_NOMEM)
                return fail_nomem(s);
            if (rc < 0)
                return fail(s, rc, WS_CLOSE_INTERNAL_ERROR, "random generator failed");
            if (s->cfg.cb.on_ping)
                s->cfg.cb.on_ping(s->cfg.ud, p, len);
            return SESSION_OK;
        }
        case WS_OP_PONG:
            if (s->cfg.cb.on_pong)
                s->cfg.cb.on_pong(s->cfg.ud, p, len);
            return SESSION_OK;
        case WS_OP_CLOSE:
            return on_close_frame(s, p, len);
        default:
            /* The parser only lets the three defined control opcodes through. */
            return fail(s, SESSION_ERR_PROTOCOL, WS_CLOSE_PROTOCOL_ERROR,
                        "unexpected control opcode 0x%x", (unsigned)h->opcode);
        }
    }

    const uint8_t *frame_data;
    if (s->direct_data != NULL)
        frame_data = s->direct_data;
    else if (len == 0)
        frame_data = empty_payload;
    else
        frame_data = buf_head(&s->msg) + s->frame_start;
    /* A message that ends inside a code point fails before its last frame is shown, as the
     * fast path does for a whole frame: --log-comms then looks the same however it arrived. */
    if (h->fin && s->msg_opcode == WS_OP_TEXT && s->msg_rsv == 0 && !utf8_complete(&s->utf8))
        return fail(s, SESSION_ERR_UTF8, WS_CLOSE_INVALID_PAYLOAD,
                    "invalid UTF-8 in text message (truncated sequence)");
    if (s->cfg.cb.on_frame)
        s->cfg.cb.on_frame(s->cfg.ud, SESSION_IN, h, frame_data, len);
    if (!h->fin)
        return SESSION_OK;
    const uint8_t *msg_data;
    size_t msg_len;
    if (s->direct_data != NULL) {
        msg_data = s->direct_data;
        msg_len = len;
    } else {
        msg_data = s->msg.len ? buf_head(&s->msg) : empty_payload;
        msg_len = s->msg.len;
    }
    uint8_t op = s->msg_opcode, rsv = s->msg_rsv;
    s->msg_opcode = 0;
    s->msg_rsv = 0;
    s->msg_len = 0;
    if (s->cfg.cb.on_message)
        s->cfg.cb.on_message(s->cfg.ud, op, rsv, msg_data, msg_len);
    /* Keep the allocation for the next fragmented message. */
    buf_clear(&s->msg);
    return SESSION_OK;
}

int session_feed(struct session *s, const uint8_t *data, size_t len)
{
    /* §7.1.1/§7.1.7: once closed or failed, whatever else arrives is discarded. */
    while (s->state != SESSION_CLOSED && s->state != SESSION_FAILED) {
        struct frame_event ev;
        long n = frame_parse_whole(&s->parser, data, len, &ev);
        if (n > 0) {
            /* Hot path: a whole frame in the buffer, one parser call instead of three. */
            data += n;
            len -= (size_t)n;
            const struct frame_header *h = &ev.hdr;
            if (h->fin && !h->masked && (h->opcode == WS_OP_TEXT || h->opcode == WS_OP_BINARY)) {
                /* A whole unfragmented message (the parser refuses one inside a fragmented
                 * message): straight from the caller's buffer to the callback. */
                const uint8_t *p = ev.len ? ev.data : empty_payload;
                if (s->cfg.max_message_size != 0 && h->len > s->cfg.max_message_size)
                    return too_big(s, h->len);
                if (h->opcode == WS_OP_TEXT && h->rsv == 0 && !utf8_valid(p, ev.len))
                    return fail(s, SESSION_ERR_UTF8, WS_CLOSE_INVALID_PAYLOAD,
                                "invalid UTF-8 in text message");
                if (s->cfg.cb.on_frame)
                    s->cfg.cb.on_frame(s->cfg.ud, SESSION_IN, h, p, ev.len);
                if (s->cfg.cb.on_message)
                    s->cfg.cb.on_message(s->cfg.ud, h->opcode, h->rsv, p, ev.len);
                continue;
            }
            int rc = on_header(s, &ev.hdr);
            if (rc == SESSION_OK && ev.len > 0) {
                ev.type = FRAME_EV_PAYLOAD;
                rc = on_payload(s, &ev);
            }
            if (rc == SESSION_OK)
                rc = on_end(s);
            if (rc < 0)
                return rc;
            continue;
        }
        if (n == 0)
            n = frame_parse(&s->parser, data, len, &ev);
        if (n < 0)
            return fail(s, SESSION_ERR_PROTOCOL, WS_CLOSE_PROTOCOL_ERROR, "%s",
                        frame_strerror((int)n));
        if (n > 0) { /* data may be NULL with len 0: no NULL + 0 */
            data += n;
            len -= (size_t)n;
        }

        int rc = SESSION_OK;
        switch (ev.type) {
        case FRAME_EV_NONE:
            return SESSION_OK;
        case FRAME_EV_HEADER:
            rc = on_header(s, &ev.hdr);
            break;
        case FRAME_EV_PAYLOAD:
            rc = on_payload(s, &ev);
            break;
        case FRAME_EV_END:
            rc = on_end(s);
            break;
        case FRAME_EV_WHOLE: /* only frame_parse_whole() returns it, handled above */
            break;
        }
        if (rc < 0)
            return rc;
    }
    return s->error;
}

static bool sending_allowed(const struct session *s)
{
    return s->state == SESSION_OPEN;
}

int session_send_rsv(struct session *s, int opcode, unsigned rsv, const uint8_t *data, size_t len)
{
    if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
        return SESSION_ERR_ARG;
    if (rsv > 7 || (rsv & ~(unsigned)s->cfg.rsv_allowed) != 0)
        return SESSION_ERR_ARG;
    if (!sending_allowed(s))
        return SESSION_ERR_STATE;
    /* §5.6: a text message must be valid UTF-8; refuse rather than make the peer fail us. With
     * RSV bits the payload is extension-encoded: the extension checked the text before. */
    if (opcode == WS_OP_TEXT && rsv == 0 && len > 0 && !utf8_valid(data, len))
        return SESSION_ERR_ARG;
    return queue_frame_rsv(s, (uint8_t)opcode, (uint8_t)rsv, data, len, SESSION_OUT);
}

int session_send(struct session *s, int opcode, const uint8_t *data, size_t len)
{
    return session_send_rsv(s, opcode, 0, data, len);
}

int session_ping(struct session *s, const uint8_t *data, size_t len)
{
    if (len > WS_MAX_CONTROL_PAYLOAD)
        return SESSION_ERR_ARG;
    if (!sending_allowed(s))
        return SESSION_ERR_STATE;
    return queue_frame(s, WS_OP_PING, data, len);
}

int session_pong(struct session *s, const uint8_t *data, size_t len)
{
    if (len > WS_MAX_CONTROL_PAYLOAD)
        return SESSION_ERR_ARG;
    if (!sending_allowed(s))
        return SESSION_ERR_STATE;
    return queue_frame(s, WS_OP_PONG, data, len);
}

int session_close(struct session *s, int code, const char *reason, size_t reason_len)
{
    if (!sending_allowed(s))
        return SESSION_ERR_STATE;
    if (code == 0) {
        if (reason_len != 0)
            return SESSION_ERR_ARG;
    } else {
        if (!session_close_code_sendable(code))
            return SESSION_ERR_ARG;
        if (reason_len > SESSION_MAX_REASON)
            return SESSION_ERR_ARG;
        if (reason_len > 0 && !utf8_valid((const uint8_t *)reason, reason_len))
            return SESSION_ERR_ARG;
    }
    int rc = queue_close(s, code, reason, reason_len);
    if (rc < 0)
        return rc;
    s->state = SESSION_CLOSE_SENT;
    return SESSION_OK;
}
