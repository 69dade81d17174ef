/*
 * frame - the RFC 6455 §5.2 frame codec.
 *
 * Parsing is a push parser that can be resumed at any byte boundary: feed it whatever arrived and
 * it reports, one at a time, the events it found (a complete header, a slice of payload, the end of
 * a frame). It does no I/O, never allocates and never prints; payload slices point into the
 * caller's buffer. It enforces every rule that can be checked from the frame sequence alone:
 * RSV bits not negotiated (or set on a frame other than a message's first), reserved opcodes,
 * control frames that are fragmented or longer than 125 bytes, masking in the wrong direction,
 * 64-bit lengths with the top bit set, a continuation with nothing to continue and a new data frame
 * inside a fragmented message (§5.4).
 *
 * Building writes a header into a caller buffer; frame_mask() applies the §5.3 mask a machine word
 * at a time.
 */
#ifndef WSC_FRAME_H
#define WSC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errkind.h"

/* Opcodes, RFC 6455 §5.2 / §11.8. */
enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Close status codes, RFC 6455 §7.4.1 (and the IANA registry for 1012-1014). */
enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL_ERROR = 1002,
    WS_CLOSE_UNSUPPORTED_DATA = 1003,
    WS_CLOSE_NO_STATUS = 1005, /* never sent */
    WS_CLOSE_ABNORMAL = 1006,  /* never sent */
    WS_CLOSE_INVALID_PAYLOAD = 1007,
    WS_CLOSE_POLICY_VIOLATION = 1008,
    WS_CLOSE_MESSAGE_TOO_BIG = 1009,
    WS_CLOSE_MANDATORY_EXT = 1010,
    WS_CLOSE_INTERNAL_ERROR = 1011,
    WS_CLOSE_SERVICE_RESTART = 1012,
    WS_CLOSE_TRY_AGAIN_LATER = 1013,
    WS_CLOSE_BAD_GATEWAY = 1014,
    WS_CLOSE_TLS_HANDSHAKE = 1015, /* never sent */
};

#define WS_MAX_CONTROL_PAYLOAD 125
#define WS_MAX_HEADER_SIZE     14 /* 2 + 8 (length) + 4 (mask) */

/* RSV bit masks as they sit in the first header byte's high nibble, shifted down: RSV1 = 4. */
#define WS_RSV1 0x4
#define WS_RSV2 0x2
#define WS_RSV3 0x1

static inline bool ws_opcode_is_control(unsigned op)
{
    return (op & 0x8) != 0;
}

struct frame_header {
    bool fin;
    uint8_t rsv; /* 3 bits, RSV1 = 0x4 */
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];
    uint64_t len; /* payload length */
};

enum frame_event_type {
    FRAME_EV_NONE = 0, /* nothing more in this input; feed more bytes */
    FRAME_EV_HEADER,   /* ev.hdr is complete and valid */
    FRAME_EV_PAYLOAD,  /* ev.data/ev.len: next slice of payload, never empty. The input is
                        * const, so a masked frame's slice is still masked: the caller unmasks
                        * it with frame_mask(dst, ev.data, ev.len, ev.hdr.mask,
                        * ev.payload_offset). Frames from a server are unmasked (the hot path). */
    FRAME_EV_END,      /* the frame's payload is complete (follows HEADER directly if len==0) */
    FRAME_EV_WHOLE,    /* frame_parse_whole(): a whole frame, ev.data/ev.len its entire payload */
};

struct frame_event {
    enum frame_event_type type;
    struct frame_header hdr; /* valid on HEADER, PAYLOAD and END */
    const uint8_t *data;     /* PAYLOAD: points into the caller's input buffer ... */
    size_t len;              /* ... for this many bytes */
    uint64_t payload_offset; /* PAYLOAD: offset of data[0] within the frame's payload */
};

/* Error codes are grouped by kind in ranges of 100: see errkind.h. */
/* Frame errors, each a protocol violation (the caller fails the connection with close 1002). */
enum frame_error {
    FRAME_ERR_RSV = -201,    /* RSV bit set that was not negotiated, or on a frame it may not be */
    FRAME_ERR_OPCODE = -202, /* reserved opcode 3-7 or 0xB-0xF */
    FRAME_ERR_CONTROL_FRAGMENTED = -203,
    FRAME_ERR_CONTROL_TOO_LONG = -204, /* control payload > 125 */
    FRAME_ERR_MASK = -205,             /* masked when it must not be, or unmasked when it must */
    FRAME_ERR_LENGTH = -206,           /* 64-bit length with the most significant bit set */
    FRAME_ERR_CONT_UNEXPECTED = -207,  /* continuation frame with no message to continue */
    FRAME_ERR_DATA_IN_FRAGMENT = -208, /* text/binary frame while a fragmented message is open */
};

/* Parser state. Treat as opaque; initialise with frame_parser_init(). */
struct frame_parser {
    int state;
    uint8_t hbuf[WS_MAX_HEADER_SIZE];
    size_t hlen;  /* header bytes collected so far */
    size_t hneed; /* header bytes needed (known after byte 2) */
    struct frame_header hdr;
    uint64_t done;       /* payload bytes delivered so far in this frame */
    bool in_message;     /* a fragmented data message is open (§5.4) */
    bool expect_masked;  /* true in a server, false in a client */
    uint8_t rsv_allowed; /* RSV bits negotiated by extensions (0 without any) */
    int error;           /* sticky: once set, every call returns it */
};

/*
 * Initialise a parser. A client passes expect_masked = false (server frames must not be masked);
 * rsv_allowed is the set of RSV bits that extensions negotiated (0 for none). Those bits are
 * accepted on the first frame of a data message (text or binary) only; on a continuation or a
 * control frame any RSV bit is FRAME_ERR_RSV (RFC 7692 §6's rule for permessage-deflate).
 */
void frame_parser_init(struct frame_parser *p, bool expect_masked, uint8_t rsv_allowed);

/*
 * Parse from buf[0..len). Returns the number of bytes consumed (0..len) and fills *ev with one
 * event, or a negative enum frame_error (sticky; *ev is then FRAME_EV_NONE).
 * Call again with buf+consumed, len-consumed while ev->type != FRAME_EV_NONE. When it returns with
 * FRAME_EV_NONE it has consumed all of the input (kept internally if part of a header).
 * Payload slices point into buf and are valid as long as the caller's buffer is.
 * A header is checked as soon as its length field is complete (before the masking key), in the
 * order enum frame_error lists the errors, so the error does not depend on how input was split.
 * Non-minimal length encodings are accepted; control frames are judged by the decoded length.
 */
long frame_parse(struct frame_parser *p, const uint8_t *buf, size_t len, struct frame_event *ev);

/*
 * Fast path for the common case, equivalent to HEADER + PAYLOAD + END from frame_parse(): at a
 * frame boundary with the whole frame in buf[0..len), returns the frame's size (header and
 * payload) with ev->type FRAME_EV_WHOLE, ev->data/ev->len the entire payload (still masked if
 * masked). Returns 0 when the parser is inside a frame or the frame is not wholly in buf (then
 * call frame_parse(), which starts from the same byte), or a negative enum frame_error.
 */
long frame_parse_whole(struct frame_parser *p, const uint8_t *buf, size_t len,
                       struct frame_event *ev);

/* A short static text for an error code (e.g. "reserved opcode"). */
const char *frame_strerror(int err);

/*
 * Write a frame header into out (at least WS_MAX_HEADER_SIZE bytes) with the minimal length
 * encoding. mask may be NULL for an unmasked frame. Returns the header size (2..14).
 */
size_t frame_build_header(uint8_t *out, bool fin, uint8_t rsv, uint8_t opcode, const uint8_t *mask,
                          uint64_t len);

/*
 * dst[i] = src[i] ^ mask[(offset + i) % 4] for i in [0, len). dst may equal src. Works a machine
 * word at a time on any alignment; offset is the position of src[0] in the payload.
 */
void frame_mask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t mask[4],
                uint64_t offset);

#endif
