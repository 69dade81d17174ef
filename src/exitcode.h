/*
 * exitcode - the exit codes of wsc, as documented in wsc(1). Shared by the outcome table
 * (conn_outcome.c), the policies and the loop, none of which need the others' types for it.
 */
#ifndef WSC_EXITCODE_H
#define WSC_EXITCODE_H

/* Exit codes, as documented in wsc(1). */
enum wsc_exit {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1,
    EXIT_USAGE = 2,
    EXIT_URL = 3,
    EXIT_INPUT = 4, /* a stdin record is not valid UTF-8 (send it with -b) */
    /* the proxy's name does not resolve (curl's 5) */
    EXIT_PROXY_RESOLVE = 5,
    EXIT_RESOLVE = 6,
    EXIT_CONNECT = 7,
    EXIT_HANDSHAKE = 8,
    EXIT_UPGRADE_REFUSED = 22,
    EXIT_WRITE = 23,
    EXIT_TIMEOUT = 28,
    EXIT_TLS = 35,
    EXIT_PROTOCOL = 40,     /* we failed the connection: 1002, 1007, 1009 */
    EXIT_SERVER_CLOSE = 41, /* the server closed with an error code */
    EXIT_ABNORMAL = 42,     /* closed without a close frame (1006) */
    EXIT_COUNT = 43,        /* the server closed before --count was met */
    EXIT_NO_MATCH = 44,     /* messages arrived, but none (or fewer than --count) matched the
                               match options before the deadline or the close: a wrong reply,
                               where 28 is no reply at all */
    EXIT_REDIRECT = 47,     /* -L: too many redirects, a bad Location, a refused downgrade */
    EXIT_BROKEN = 56,       /* connection reset / I/O error */
    EXIT_CERT = 60,
    EXIT_PINNED = 90, /* the server's public key is not the pinned one (--pinnedpubkey) */
    /* the proxy handshake failed: refused CONNECT, SOCKS error (curl's 97) */
    EXIT_PROXY = 97,
};

#endif
