/*
 * errkind - error codes grouped by kind, shared by every layer.
 *
 * Every library layer (http, handshake, transport, frame, session, conn) returns negative error
 * codes in ranges of 100, as wslay does, so a code that crosses layers still says what it is:
 *   -1xx  need more: not an error yet; call again with more bytes or when poll() says so
 *   -2xx  protocol: the peer's fault (bad bytes, a refused handshake, a limit the peer exceeded
 *         such as too many header fields or a head too long) or the network's (the name does not
 *         resolve, the connection was refused or reset, TLS failed)
 *   -3xx  argument or state: the caller asked for something invalid or too late
 *   -4xx  resource: ours ran out (memory, the random generator)
 * A limit exceeded by the peer is protocol, not resource: the peer sent too much, our resources
 * are fine (the session's message over max_message_size is -2xx and closes with 1009 likewise).
 * Code that tests what kind of failure it has calls ws_error_kind() rather than listing codes.
 */
#ifndef WSC_ERRKIND_H
#define WSC_ERRKIND_H

enum ws_error_kind {
    WS_ERRKIND_NONE = 0, /* not an error (>= 0) */
    WS_ERRKIND_NEED_MORE = 1,
    WS_ERRKIND_PROTOCOL = 2,
    WS_ERRKIND_ARGUMENT = 3,
    WS_ERRKIND_RESOURCE = 4,
    WS_ERRKIND_UNKNOWN = 5, /* negative but outside the ranges above */
};

static inline enum ws_error_kind ws_error_kind(long err)
{
    if (err >= 0)
        return WS_ERRKIND_NONE;
    if (err <= -100 && err > -500)
        return (enum ws_error_kind)(-err / 100);
    return WS_ERRKIND_UNKNOWN;
}

#endif
