/*
 * fuzz_frame - the RFC 6455 §5.2 frame codec (src/frame.h).
 *
 * Input: a config byte (bit 0 expect masked frames, bits 1-3 the RSV bits allowed), a 16-bit cut
 * offset, then the byte stream. Properties:
 * - the stream gives the same events (headers, payload bytes, ends, the error) fed whole (with
 *   and without the frame_parse_whole() fast path), one byte at a time, and cut in two at the
 *   offset; payload slices are never empty and their offsets are contiguous;
 * - every header reported obeys the rules the codec enforces, and an error is sticky;
 * - frame_mask() at any offset and alignment agrees with a byte-by-byte XOR;
 * - frame_build_header() round-trips: the first 14 bytes, read as header fields, build a header
 *   that frame_parse() reads back field for field (or refuses with the error the fields call for).
 */
#include "fuzz.h"

#include "frame.h"

struct feed_ctx {
    struct frame_parser p;
    struct fz_log log;
    const uint8_t *base; /* the whole input, to check slices point into it */
    size_t base_len;
    struct frame_header cur;
    uint64_t next_off; /* payload offset the next slice must have */
    int error;
};

static void check_header(const struct feed_ctx *c, const struct frame_header *h)
{
    FUZZ_REQUIRE((h->rsv & ~c->p.rsv_allowed) == 0, "rsv %u not allowed", h->rsv);
    FUZZ_REQUIRE(h->opcode <= 2 || (h->opcode >= 8 && h->opcode <= 10), "opcode %u", h->opcode);
    FUZZ_REQUIRE(h->masked == c->p.expect_masked, "masking");
    FUZZ_REQUIRE(h->len >> 63 == 0, "length");
    if (ws_opcode_is_control(h->opcode))
        FUZZ_REQUIRE(h->fin && h->len <= WS_MAX_CONTROL_PAYLOAD, "control frame rules");
}

static void log_header(struct feed_ctx *c, const struct frame_header *h)
{
    uint8_t rec[8] = {'H', h->fin, h->rsv, h->opcode, h->masked};
    check_header(c, h);
    fz_log_add(&c->log, rec, sizeof rec);
    fz_log_add(&c->log, h->mask, 4);
    fz_log_u64(&c->log, h->len);
    c->cur = *h;
    c->next_off = 0;
}

/* Log payload bytes unmasked; frame_mask() is checked against a plain XOR on the way. */
static void log_payload(struct feed_ctx *c, const uint8_t *data, size_t len, uint64_t off)
{
    FUZZ_REQUIRE(data >= c->base && data + len <= c->base + c->base_len, "slice outside input");
    FUZZ_REQUIRE(off == c->next_off, "payload offset %llu, expected %llu", (unsigned long long)off,
                 (unsigned long long)c->next_off);
    FUZZ_REQUIRE(off + len <= c->cur.len, "payload beyond the frame");
    uint8_t *tmp = malloc(len + 8);
    if (tmp == NULL)
        abort();
    /* An odd destination address exercises the unaligned head of frame_mask(). */
    uint8_t *dst = tmp + (off & 7);
    frame_mask(dst, data, len, c->cur.mask, off);
    for (size_t i = 0; i < len; i++)
        FUZZ_REQUIRE(dst[i] == (data[i] ^ c->cur.mask[(off + i) % 4]), "frame_mask at %zu", i);
    fz_log_add(&c->log, dst, len);
    free(tmp);
    c->next_off = off + len;
}

static void log_end(struct feed_ctx *c)
{
    FUZZ_REQUIRE(c->next_off == c->cur.len, "END after %llu of %llu bytes",
                 (unsigned long long)c->next_off, (unsigned long long)c->cur.len);
    fz_log_add(&c->log, "E", 1);
}

static void log_error(struct feed_ctx *c, long err)
{
    uint8_t rec[2] = {'X', (uint8_t)-err};
    struct frame_event ev;
    FUZZ_REQUIRE(err < 0 && *frame_strerror((int)err) != '\0', "error %ld", err);
    FUZZ_REQUIRE(frame_parse(&c->p, c->base, c->base_len, &ev) == err, "error not sticky");
    FUZZ_REQUIRE(ev.type == FRAME_EV_NONE, "event after error");
    fz_log_add(&c->log, rec, sizeof rec);
    c->error = (int)err;
}

/* Feed buf[0..len); whole_path tries frame_parse_whole() at each frame boundary first. */
static void feed(struct feed_ctx *c, const uint8_t *buf, size_t len, bool whole_path)
{
    while (!c->error) {
        struct frame_event ev;
        long r = 0;
        if (whole_path) {
            r = frame_parse_whole(&c->p, buf, len, &ev);
            if (r > 0) {
                FUZZ_REQUIRE(ev.type == FRAME_EV_WHOLE && (size_t)r <= len, "whole frame");
                FUZZ_REQUIRE(ev.data + ev.len == buf + r && ev.len == ev.hdr.len, "whole payload");
                log_header(c, &ev.hdr);
                if (ev.len)
                    log_payload(c, ev.data, ev.len, 0);
                log_end(c);
                buf += r;
                len -= (size_t)r;
                continue;
            }
        }
        if (r == 0)
            r = frame_parse(&c->p, buf, len, &ev);
        if (r < 0) {
            log_error(c, r);
            return;
        }
        FUZZ_REQUIRE((size_t)r <= len, "consumed %ld of %zu", r, len);
        buf += r;
        len -= (size_t)r;
        switch (ev.type) {
        case FRAME_EV_NONE:
            FUZZ_REQUIRE(len == 0, "NONE with %zu bytes left", len);
            return;
        case FRAME_EV_HEADER:
            log_header(c, &ev.hdr);
            break;
        case FRAME_EV_PAYLOAD:
            FUZZ_REQUIRE(ev.len > 0 && (size_t)r == ev.len, "payload slice");
            log_payload(c, ev.data, ev.len, ev.payload_offset);
            break;
        case FRAME_EV_END:
            FUZZ_REQUIRE(r == 0, "END consumed input");
            log_end(c);
            break;
        default:
            FUZZ_REQUIRE(0, "event %d from frame_parse", (int)ev.type);
        }
    }
}

static void ctx_init(struct feed_ctx *c, uint8_t cfg, const uint8_t *base, size_t len)
{
    memset(c, 0, sizeof *c);
    frame_parser_init(&c->p, cfg & 1, (cfg >> 1) & 7);
    c->base = base;
    c->base_len = len;
}

/* The reference of what frame_parse() must say about a freshly built header. */
static int expected_error(bool fin, uint8_t opcode, uint64_t len)
{
    if (!(opcode <= 2 || (opcode >= 8 && opcode <= 10)))
        return FRAME_ERR_OPCODE;
    if (ws_opcode_is_control(opcode) && !fin)
        return FRAME_ERR_CONTROL_FRAGMENTED;
    if (ws_opcode_is_control(opcode) && len > WS_MAX_CONTROL_PAYLOAD)
        return FRAME_ERR_CONTROL_TOO_LONG;
    if (len >> 63)
        return FRAME_ERR_LENGTH;
    return 0;
}

static void check_builder(const uint8_t *d)
{
    bool fin = d[0] & 0x80, masked = d[0] & 0x40;
    uint8_t rsv = (d[0] >> 3) & 7, opcode = d[1] & 0x0F;
    /* RSV bits only on a message's first frame: whether a parser may refuse them elsewhere is
     * not the builder's business. */
    if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
        rsv = 0;
    uint64_t len = 0;
    for (int i = 0; i < 8; i++)
        len = len << 8 | d[2 + i];
    /* Spread lengths over the three encodings and their boundaries. */
    switch (d[1] >> 6) {
    case 0:
        len %= 128;
        break;
    case 1:
        len = 120 + len % 65536;
        break;
    case 2:
        len = 65530 + len % 1024;
        break;
    default:
        break;
    }
    const uint8_t *mask = masked ? d + 10 : NULL;
    uint8_t hdr[WS_MAX_HEADER_SIZE + 2] = {0x01, masked ? 0x80 : 0x00}; /* 2 bytes slack */
    size_t n = frame_build_header(hdr + 2, fin, rsv, opcode, mask, len);
    size_t want = 2 + (len > 0xFFFF ? 8 : len > 125 ? 2 : 0) + (masked ? 4 : 0);
    FUZZ_REQUIRE(n == want, "header size %zu, expected %zu", n, want);

    struct frame_parser p;
    struct frame_event ev;
    frame_parser_init(&p, masked, 7);
    if (opcode == WS_OP_CONT) {
        /* Open a fragmented message first, so a continuation is legal: 0x01 0x00 (+ mask). */
        uint8_t open[6] = {0x01, masked ? 0x80 : 0x00, 1, 2, 3, 4};
        FUZZ_REQUIRE(frame_parse(&p, open, masked ? 6 : 2, &ev) == (masked ? 6 : 2) &&
                         ev.type == FRAME_EV_HEADER,
                     "opening frame");
        FUZZ_REQUIRE(frame_parse(&p, open, 0, &ev) == 0 && ev.type == FRAME_EV_END, "its end");
    }
    long r = frame_parse(&p, hdr + 2, n, &ev);
    int err = expected_error(fin, opcode, len);
    if (err) {
        FUZZ_REQUIRE(r == err, "built header parsed as %ld, expected %d", r, err);
        return;
    }
    FUZZ_REQUIRE(r == (long)n && ev.type == FRAME_EV_HEADER, "built header: %ld", r);
    FUZZ_REQUIRE(ev.hdr.fin == fin && ev.hdr.rsv == rsv && ev.hdr.opcode == opcode &&
                     ev.hdr.masked == masked && ev.hdr.len == len,
                 "fields differ after the round trip");
    FUZZ_REQUIRE(!masked || memcmp(ev.hdr.mask, mask, 4) == 0, "mask differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 14)
        check_builder(data);
    uint8_t cfg = fz_byte(&data, &size);
    size_t cut = fz_u16(&data, &size);
    if (size == 0)
        return 0;
    cut %= size + 1;

    struct feed_ctx whole, fast, bytes, split;
    ctx_init(&whole, cfg, data, size);
    feed(&whole, data, size, false);
    ctx_init(&fast, cfg, data, size);
    feed(&fast, data, size, true);
    ctx_init(&bytes, cfg, data, size);
    for (size_t i = 0; i < size && !bytes.error; i++)
        feed(&bytes, data + i, 1, false);
    ctx_init(&split, cfg, data, size);
    feed(&split, data, cut, (cfg & 0x10) != 0);
    if (!split.error)
        feed(&split, data + cut, size - cut, (cfg & 0x10) != 0);

    FUZZ_REQUIRE(fz_log_equal(&whole.log, &fast.log), "whole and fast path differ");
    FUZZ_REQUIRE(fz_log_equal(&whole.log, &bytes.log), "whole and byte by byte differ");
    FUZZ_REQUIRE(fz_log_equal(&whole.log, &split.log), "whole and cut at %zu differ", cut);
    fz_log_free(&whole.log);
    fz_log_free(&fast.log);
    fz_log_free(&bytes.log);
    fz_log_free(&split.log);
    return 0;
}
