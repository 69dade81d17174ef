/*
 * session - one WebSocket connection after the opening handshake: RFC 6455 §5.4-§5.6 (messages
 * and fragmentation), §5.5 (control frames), §7 (closing) and §8 (errors, UTF-8).
 *
 * Pure: it is fed the bytes that arrived and calls back with messages and control frames; the
 * frames it wants sent accumulate in an output buffer that the caller drains to the transport.
 * It knows nothing of sockets, terminals or TLS.
 *
 * Receiving: messages are reassembled (up to max_message_size, else close 1009); text is
 * validated as it arrives and fails fast (close 1007); frame-level violations fail with 1002.
 * A ping is answered at once with a pong of the same payload, also between the fragments of a
 * message; while that pong is still unwritten a newer ping replaces it (§5.5.3), so a peer that
 * floods pings without reading gets one pong, not a queue. Unsolicited pongs are only reported. The
 * server's close is validated (code, reason UTF-8, 1-byte payload) and echoed. After a close has
 * been received or sent with an error, further input is ignored and nothing more is sent.
 *
 * Sending: each message is one frame with FIN set, a fresh random mask and minimal length.
 *
 * Extensions (RFC 6455 §9, RSV bits §5.2): session_config.rsv_allowed holds the RSV bits the
 * negotiated extensions use. A received message's first frame may carry them (not a continuation
 * frame, never a control frame: RFC 7692 §6), anything else fails the connection with 1002. Each
 * message reaches on_message with the RSV bits of its first frame; session_send_rsv() sets them on
 * a message we send. A message with RSV bits set is extension-encoded, so the session does not
 * check its UTF-8 (on receive or send) and max_message_size counts its bytes as they travel.
 *
 * Where permessage-deflate (RFC 7692) plugs in, later: a transform in session_config, e.g.
 *     struct session_ext { uint8_t rsv;  // RSV1 for deflate
 *         int (*decode)(void *ud, const uint8_t *in, size_t n, struct buf *out);  // inflate
 *         int (*encode)(void *ud, const uint8_t *in, size_t n, struct buf *out);  // deflate
 *         void *ud; };
 * On receive, in on_end() where a message is complete: if its RSV bits include ext->rsv, decode
 * it into a buffer, then check UTF-8 and max_message_size on the decoded bytes (the checks skipped
 * above move here) and call on_message with rsv 0 for the decoded message. On send, session_send()
 * encodes through ext->encode and queues the result with session_send_rsv()'s path and ext->rsv.
 * Control frames never pass through it. Decode errors fail the connection (1007 for bad data,
 * 1009 over the limit); errors keep the kinds of enum ws_error_kind.
 */
#ifndef WSC_SESSION_H
#define WSC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "frame.h"

/* SESSION_OUT_REPLACED: an outgoing pong that takes the place of the unsent one reported before
 * (§5.5.3): that earlier frame never goes out. */
enum session_dir { SESSION_IN = 0, SESSION_OUT = 1, SESSION_OUT_REPLACED = 2 };

struct session_callbacks {
    /* A complete text or binary message. rsv: the RSV bits of its first frame (WS_RSV1..3),
     * always within rsv_allowed; 0 without extensions. data is valid only during the call. */
    void (*on_message)(void *ud, int opcode, uint8_t rsv, const uint8_t *data, size_t len);
    /* A ping arrived; the pong is already queued. May be NULL. */
    void (*on_ping)(void *ud, const uint8_t *data, size_t len);
    /* A pong arrived. May be NULL. */
    void (*on_pong)(void *ud, const uint8_t *data, size_t len);
    /* The peer's valid close frame arrived: code is 1005 when it carried none. Our answering
     * close is already queued unless we had sent one first. May be NULL. */
    void (*on_close)(void *ud, int code, const uint8_t *reason, size_t reason_len);
    /* Every frame both ways, for --log-comms: header and the unmasked payload (for incoming
     * frames the whole payload, delivered when the frame is complete). May be NULL. */
    void (*on_frame)(void *ud, enum session_dir dir, const struct frame_header *h,
                     const uint8_t *payload, size_t len);
};

struct session_config {
    uint64_t max_message_size; /* 0 = unlimited */
    uint8_t rsv_allowed;       /* RSV bits negotiated by extensions (WS_RSV1...), 0 for none */
    bool server;               /* future listen mode: expect masked frames, send unmasked */
    struct session_callbacks cb;
    void *ud;
};

enum session_state {
    SESSION_OPEN = 0,   /* messages flow both ways */
    SESSION_CLOSE_SENT, /* we sent a normal close and wait for the peer's */
    SESSION_CLOSED,     /* closes exchanged (either side first): done, wait for TCP close */
    SESSION_FAILED,     /* we failed the connection (close with an error code queued) */
};

/* Grouped by kind like the frame codec's errors (see errkind.h). */
enum session_error {
    SESSION_OK = 0,
    /* -2xx protocol: the peer's fault; the connection failed with the close code named. */
    SESSION_ERR_PROTOCOL = -250, /* peer broke the protocol; we sent 1002 */
    SESSION_ERR_UTF8 = -251,     /* invalid UTF-8 in a text message or close reason; we sent 1007 */
    SESSION_ERR_TOO_BIG = -252,  /* message over max_message_size; we sent 1009 */
    /* -3xx argument or state: the caller's request was refused, nothing was queued. */
    SESSION_ERR_ARG = -301,   /* bad argument: control payload > 125, invalid close code/reason,
                               * text not UTF-8, RSV bits not allowed */
    SESSION_ERR_STATE = -302, /* send after close */
    /* -4xx resource. */
    SESSION_ERR_NOMEM = -401,
    SESSION_ERR_RANDOM = -402, /* the random generator failed */
};

struct session;

/* Allocate a session in the OPEN state. Returns NULL when out of memory. */
struct session *session_new(const struct session_config *cfg);
/* Free it and everything it owns. session_free(NULL) is a no-op. */
void session_free(struct session *s);

/*
 * Process bytes received from the peer. Callbacks run from inside this call. Returns SESSION_OK
 * or the (sticky) error that failed the connection; in that case a close frame with the matching
 * code (1002/1007/1009) is already queued and the state is SESSION_FAILED. Input after the
 * connection is closed or failed is ignored.
 */
int session_feed(struct session *s, const uint8_t *data, size_t len);

/*
 * Queue a text or binary message as one frame. SESSION_ERR_ARG for another opcode or text that
 * is not valid UTF-8; SESSION_ERR_STATE unless OPEN.
 */
int session_send(struct session *s, int opcode, const uint8_t *data, size_t len);
/*
 * The same with RSV bits set on the frame (an extension's encoded payload). SESSION_ERR_ARG when
 * rsv has a bit outside session_config.rsv_allowed; with rsv != 0 the payload is not checked for
 * UTF-8. session_send() is session_send_rsv() with rsv 0.
 */
int session_send_rsv(struct session *s, int opcode, unsigned rsv, const uint8_t *data, size_t len);
/* Queue a ping / an unsolicited pong (len <= 125). SESSION_ERR_STATE unless OPEN. */
int session_ping(struct session *s, const uint8_t *data, size_t len);
int session_pong(struct session *s, const uint8_t *data, size_t len);
/*
 * Start the closing handshake. code 0 sends no status code (reason must then be empty);
 * otherwise code must satisfy session_close_code_sendable() and the reason be valid UTF-8 of at
 * most 123 bytes (SESSION_ERR_ARG). SESSION_ERR_STATE when not OPEN.
 */
int session_close(struct session *s, int code, const char *reason, size_t reason_len);

/*
 * Bytes waiting to be written to the peer; the caller writes them from buf_head() and
 * buf_consume()s what was written, and does nothing else to the buffer. The pointer stays valid
 * until session_free(); the bytes may move on any session call that queues a frame.
 *
 * Only bytes that have not started to be written are ever rewritten (an unsent pong replaced by
 * a newer one): the session counts what was consumed. A writer that may keep a copy of bytes it
 * did not report as written (TLS: after SSL_write() wants to be retried, OpenSSL has already
 * encrypted them) must call session_output_hold(s, n) for the n bytes it offered, before the
 * session is fed again; consuming past them releases the hold. A plain send() needs no call.
 */
struct buf *session_output(struct session *s);
void session_output_hold(struct session *s, size_t n);
/*
 * Bytes queued and not yet consumed (session_output()->len). With pongs coalesced, the queue only
 * grows with what the caller sends and one pong, plus the close: the loop bounds it by not
 * reading (or not accepting input) while this is above its high-water mark.
 */
size_t session_output_pending(const struct session *s);

enum session_state session_state(const struct session *s);
/* The peer's close code (1005 when its close had none), or 0 if none received yet. */
int session_close_code_received(const struct session *s);
/* The peer's close reason (NUL-terminated, valid UTF-8, <= 123 bytes); "" when none. */
const char *session_close_reason_received(const struct session *s);
/* The code we sent (0 if none yet or sent without a code). */
int session_close_code_sent(const struct session *s);
/* One line about the error that failed the connection ("reserved opcode 0x3"), or "". */
const char *session_error_text(const struct session *s);

/* Codes we may send: 1000-1003, 1007-1014, 3000-4999. */
bool session_close_code_sendable(int code);
/* Codes a peer may send us: the same set (1004-1006, 1015, 1016-2999 and >= 5000 are invalid). */
bool session_close_code_receivable(int code);

#endif
