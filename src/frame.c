/*
 * frame - the RFC 6455 §5.2 frame codec: a resumable push parser, a header builder and the §5.3
 * masking transform.
 *
 * The parser collects the (at most 14) header bytes in p->hbuf, a stage at a time: the first two
 * bytes, then the extended length, then the masking key. Once the length is known the header is
 * validated in one place, in the order the errors are listed in frame.h, so the error reported for
 * a given byte stream does not depend on how it was split into reads. Payload is never copied:
 * each call hands out the largest slice of the caller's buffer that belongs to the current frame.
 */
#include "frame.h"

#include <limits.h>
#include <string.h>

enum {
    ST_HDR_BASE, /* collecting the first two header bytes */
    ST_HDR_LEN,  /* collecting the 16- or 64-bit extended length */
    ST_HDR_MASK, /* collecting the masking key */
    ST_PAYLOAD,  /* handing out payload slices */
    ST_END,      /* payload complete; FRAME_EV_END is due */
};

void frame_parser_init(struct frame_parser *p, bool expect_masked, uint8_t rsv_allowed)
{
    memset(p, 0, sizeof(*p));
    p->state = ST_HDR_BASE;
    p->hneed = 2;
    p->expect_masked = expect_masked;
    p->rsv_allowed = rsv_allowed & 0x7;
}

static uint64_t load_be(const uint8_t *b, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | b[i];
    return v;
}

/*
 * Check the header in p->hdr against §5.2, §5.4 and §5.5 and the fragmentation state. The length
 * is the decoded value: non-minimal encodings (say 5 written in the 16-bit field) are accepted,
 * as RFC 6455 only says the minimal encoding "MUST be used" by the sender and gives the receiver
 * no duty to reject anything else, and a control frame is judged by its actual length.
 */
static int validate(const struct frame_parser *p)
{
    const struct frame_header *h = &p->hdr;

    /* Extensions may set their RSV bits on the first frame of a message only (RFC 7692 §6: not
     * on continuation frames, never on control frames). */
    if (h->rsv & ~p->rsv_allowed)
        return FRAME_ERR_RSV;
    if (h->rsv != 0 && h->opcode != WS_OP_TEXT && h->opcode != WS_OP_BINARY)
        return FRAME_ERR_RSV;
    switch (h->opcode) {
    case WS_OP_CONT:
    case WS_OP_TEXT:
    case WS_OP_BINARY:
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        break;
    default:
        return FRAME_ERR_OPCODE;
    }
    if (ws_opcode_is_control(h->opcode)) {
        if (!h->fin)
            return FRAME_ERR_CONTROL_FRAGMENTED;
        if (h->len > WS_MAX_CONTROL_PAYLOAD)
            return FRAME_ERR_CONTROL_TOO_LONG;
    }
    if (h->masked != p->expect_masked)
        return FRAME_ERR_MASK;
    if (h->len >> 63)
        return FRAME_ERR_LENGTH;
    if (h->opcode == WS_OP_CONT && !p->in_message)
        return FRAME_ERR_CONT_UNEXPECTED;
    if ((h->opcode == WS_OP_TEXT || h->opcode == WS_OP_BINARY) && p->in_message)
        return FRAME_ERR_DATA_IN_FRAGMENT;
    return 0;
}

static long fail(struct frame_parser *p, int err, struct frame_event *ev)
{
    p->error = err;
    ev->type = FRAME_EV_NONE;
    return err;
}

long frame_parse(struct frame_parser *p, const uint8_t *buf, size_t len, struct frame_event *ev)
{
    size_t used = 0;

    ev->type = FRAME_EV_NONE;
    ev->data = NULL;
    ev->len = 0;
    ev->payload_offset = 0;
    if (p->error)
        return p->error;

    switch (p->state) {
    case ST_PAYLOAD: {
        uint64_t left = p->hdr.len - p->done;
        size_t n = left < len ? (size_t)left : len;

        if (n == 0)
            return 0;
        if (n > LONG_MAX) /* the count must fit the return type (32-bit long) */
            n = LONG_MAX;
        ev->type = FRAME_EV_PAYLOAD;
        ev->hdr = p->hdr;
        ev->data = buf;
        ev->len = n;
        ev->payload_offset = p->done;
        p->done += n;
        if (p->done == p->hdr.len)
            p->state = ST_END;
        return (long)n;
    }
    case ST_END:
        ev->type = FRAME_EV_END;
        ev->hdr = p->hdr;
        p->state = ST_HDR_BASE;
        p->hlen = 0;
        p->hneed = 2;
        return 0;
    default:
        break;
    }

    /* Header: fill hbuf up to hneed, then move to the next stage; each stage may need 0 bytes. */
    for (;;) {
        if (p->hlen < p->hneed) {
            size_t take = p->hneed - p->hlen;

            if (used == len)
                return (long)used; /* all input kept; FRAME_EV_NONE */
            if (take > len - used)
                take = len - used;
            memcpy(p->hbuf + p->hlen, buf + used, take);
            p->hlen += take;
            used += take;
            if (p->hlen < p->hneed)
                return (long)used; /* all input kept; FRAME_EV_NONE */
        }

        switch (p->state) {
        case ST_HDR_BASE: {
            uint8_t len7 = p->hbuf[1] & 0x7F;

            p->hdr.fin = (p->hbuf[0] & 0x80) != 0;
            p->hdr.rsv = (p->hbuf[0] >> 4) & 0x7;
            p->hdr.opcode = p->hbuf[0] & 0x0F;
            p->hdr.masked = (p->hbuf[1] & 0x80) != 0;
            p->hneed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
            p->state = ST_HDR_LEN;
            break;
        }
        case ST_HDR_LEN: {
            uint8_t len7 = p->hbuf[1] & 0x7F;
            int err;

            p->hdr.len = len7 < 126 ? len7 : load_be(p->hbuf + 2, p->hneed - 2);
            err = validate(p);
            if (err)
                return fail(p, err, ev);
            if (p->hdr.masked)
                p->hneed += 4;
            p->state = ST_HDR_MASK;
            break;
        }
        default: /* ST_HDR_MASK: header complete */
            if (p->hdr.masked)
                memcpy(p->hdr.mask, p->hbuf + p->hneed - 4, 4);
            else
                memset(p->hdr.mask, 0, 4);
            /* Control frames sit between fragments without touching the message (§5.4). */
            if (!ws_opcode_is_control(p->hdr.opcode)) {
                if (p->hdr.opcode != WS_OP_CONT && !p->hdr.fin)
                    p->in_message = true;
                else if (p->hdr.opcode == WS_OP_CONT && p->hdr.fin)
                    p->in_message = false;
            }
            p->done = 0;
            p->state = p->hdr.len ? ST_PAYLOAD : ST_END;
            ev->type = FRAME_EV_HEADER;
            ev->hdr = p->hdr;
            return (long)used;
        }
    }
}

long frame_parse_whole(struct frame_parser *p, const uint8_t *buf, size_t len,
                       struct frame_event *ev)
{
    if (p->error)
        return p->error;
    if (p->state != ST_HDR_BASE || p->hlen != 0 || len < 2)
        return 0;
    uint8_t len7 = buf[1] & 0x7F;
    bool masked = (buf[1] & 0x80) != 0;
    size_t lenbytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    size_t hsize = 2 + lenbytes + (masked ? 4 : 0);
    if (len < hsize)
        return 0;
    struct frame_header *h = &p->hdr;
    h->fin = (buf[0] & 0x80) != 0;
    h->rsv = (buf[0] >> 4) & 0x7;
    h->opcode = buf[0] & 0x0F;
    h->masked = masked;
    h->len = lenbytes ? load_be(buf + 2, lenbytes) : len7;
    /* Same checks, same order as frame_parse(): the error does not depend on the path. */
    int err = validate(p);
    if (err)
        return fail(p, err, ev);
    if (h->len > len - hsize)
        return 0; /* not all here: the incremental path takes it from the start */
    if (masked)
        memcpy(h->mask, buf + hsize - 4, 4);
    else
        memset(h->mask, 0, 4);
    if (!ws_opcode_is_control(h->opcode)) {
        if (h->opcode != WS_OP_CONT && !h->fin)
            p->in_message = true;
        else if (h->opcode == WS_OP_CONT && h->fin)
            p->in_message = false;
    }
    ev->type = FRAME_EV_WHOLE;
    ev->hdr = *h;
    ev->data = buf + hsize;
    ev->len = (size_t)h->len;
    ev->payload_offset = 0;
    return (long)(hsize + (size_t)h->len);
}

const char *frame_strerror(int err)
{
    switch (err) {
    case 0:
        return "no error";
    case FRAME_ERR_RSV:
        return "reserved bit set without a negotiated extension";
    case FRAME_ERR_OPCODE:
        return "reserved opcode";
    case FRAME_ERR_CONTROL_FRAGMENTED:
        return "fragmented control frame";
    case FRAME_ERR_CONTROL_TOO_LONG:
        return "control frame payload longer than 125 bytes";
    case FRAME_ERR_MASK:
        return "frame masking does not match the direction";
    case FRAME_ERR_LENGTH:
        return "payload length with the most significant bit set";
    case FRAME_ERR_CONT_UNEXPECTED:
        return "continuation frame without a message to continue";
    case FRAME_ERR_DATA_IN_FRAGMENT:
        return "new data frame inside a fragmented message";
    default:
        return "unknown frame error";
    }
}

size_t frame_build_header(uint8_t *out, bool fin, uint8_t rsv, uint8_t opcode, const uint8_t *mask,
                          uint64_t len)
{
    size_t n = 2;
    uint8_t mbit = mask ? 0x80 : 0;

    out[0] = (uint8_t)((fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0F));
    if (len <= 125) {
        out[1] = (uint8_t)(mbit | len);
    } else if (len <= 0xFFFF) {
        out[1] = mbit | 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        n = 4;
    } else {
        out[1] = mbit | 127;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        n = 10;
    }
    if (mask) {
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}

void frame_mask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t mask[4],
                uint64_t offset)
{
    unsigned k = (unsigned)(offset & 3);
    uint8_t pat[8];
    uint64_t m;

    /* Bytes up to an 8-byte boundary of dst, so the stores below are aligned. */
    while (len > 0 && ((uintptr_t)dst & 7) != 0) {
        *dst++ = *src++ ^ mask[k];
        k = (k + 1) & 3;
        len--;
    }
    /* The mask rotated to the current phase, laid out in memory order: no endianness concerns. */
    for (unsigned i = 0; i < 8; i++)
        pat[i] = mask[(k + i) & 3];
    memcpy(&m, pat, 8);
    /* Each word advances 8 bytes, a multiple of 4, so the phase stays put. memcpy keeps the
     * loads and stores alias-safe and legal for an unaligned src; compilers emit plain moves. */
    while (len >= 32) {
        uint64_t w[4];

        memcpy(w, src, 32);
        w[0] ^= m;
        w[1] ^= m;
        w[2] ^= m;
        w[3] ^= m;
        memcpy(dst, w, 32);
        dst += 32;
        src += 32;
        len -= 32;
    }
    while (len >= 8) {
        uint64_t w;

        memcpy(&w, src, 8);
        w ^= m;
        memcpy(dst, &w, 8);
        dst += 8;
        src += 8;
        len -= 8;
    }
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ pat[i];
}
