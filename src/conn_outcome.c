/*
 * conn_outcome - the one table that turns how a connection ended into the exit code and the
 * message wsc prints (as tmux's client_exit_message() does); see conn.h.
 */
#include <signal.h>
#include <stdio.h>

#include "conn.h"
#include "exitcode.h"

/* Each outcome once: its exit code, and the words before the detail (NULL: the detail is the
 * whole message), joined by ": " unless the words end a phrase the detail continues (' '). */
static const struct {
    const char *name;
    int exit;
    const char *what;
    char sep;
} outcomes[CONN_OUTCOME_COUNT] = {
    [CONN_OK_CLOSED] = {"ok-closed", EXIT_OK, NULL, 0},
    [CONN_OK_SERVER_CLOSED] = {"ok-server-closed", EXIT_OK, "server closed the connection with",
                               ' '},
    [CONN_ABORTED] = {"aborted", EXIT_OK, NULL, 0},
    [CONN_ERR_RESOLVE] = {"err-resolve", EXIT_RESOLVE, NULL, 0},
    [CONN_ERR_CONNECT] = {"err-connect", EXIT_CONNECT, "cannot connect", ':'},
    [CONN_ERR_PROXY_RESOLVE] = {"err-proxy-resolve", EXIT_PROXY_RESOLVE, NULL, 0},
    [CONN_ERR_PROXY_CONNECT] = {"err-proxy-connect", EXIT_CONNECT, "cannot connect to proxy", ' '},
    [CONN_ERR_PROXY] = {"err-proxy", EXIT_PROXY, "proxy handshake failed", ':'},
    [CONN_ERR_PROXY_AUTH] = {"err-proxy-auth", EXIT_PROXY, "proxy handshake failed", ':'},
    [CONN_ERR_PROXY_CONFIG] = {"err-proxy-config", EXIT_USAGE, "bad proxy configuration", ':'},
    [CONN_ERR_TLS] = {"err-tls", EXIT_TLS, "TLS handshake failed", ':'},
    [CONN_ERR_CERT] = {"err-cert", EXIT_CERT, "server certificate not verified", ':'},
    [CONN_ERR_PINNED] = {"err-pinned", EXIT_PINNED, "server public key not pinned", ':'},
    [CONN_ERR_TLS_CONFIG] = {"err-tls-config", EXIT_USAGE, "bad TLS configuration", ':'},
    [CONN_ERR_TIMEOUT] = {"err-timeout", EXIT_TIMEOUT, "timed out", ' '},
    [CONN_ERR_PING_TIMEOUT] = {"err-ping-timeout", EXIT_TIMEOUT, NULL, 0},
    [CONN_ERR_HANDSHAKE] = {"err-handshake", EXIT_HANDSHAKE, "bad handshake reply", ':'},
    [CONN_ERR_REFUSED] = {"err-refused", EXIT_UPGRADE_REFUSED, "server refused the upgrade", ':'},
    [CONN_ERR_REDIRECT] = {"err-redirect", EXIT_REDIRECT, "cannot follow the redirect", ':'},
    [CONN_ERR_PROTOCOL] = {"err-protocol", EXIT_PROTOCOL, "server broke the protocol", ':'},
    [CONN_ERR_SERVER_CLOSE] = {"err-server-close", EXIT_SERVER_CLOSE,
                               "server closed the connection with", ' '},
    [CONN_ERR_ABNORMAL] = {"err-abnormal", EXIT_ABNORMAL,
                           "server closed the connection without a close frame (1006)", ':'},
    [CONN_ERR_RESET] = {"err-reset", EXIT_BROKEN, "connection broke", ':'},
    [CONN_ERR_SEND] = {"err-send", EXIT_BROKEN, "connection broke while sending", ':'},
    [CONN_ERR_INTERNAL] = {"err-internal", EXIT_INTERNAL, NULL, 0},
    [CONN_INTERRUPTED] = {"interrupted", 128 + SIGINT, "interrupted", ':'},
    [CONN_TERMINATED] = {"terminated", 128 + SIGTERM, "interrupted", ':'},
    [CONN_HANGUP] = {"hangup", 128 + SIGHUP, "interrupted", ':'},
};

int conn_outcome_exit(enum conn_outcome o)
{
    return (unsigned)o < CONN_OUTCOME_COUNT ? outcomes[o].exit : EXIT_INTERNAL;
}

const char *conn_outcome_name(enum conn_outcome o)
{
    return (unsigned)o < CONN_OUTCOME_COUNT ? outcomes[o].name : "?";
}

char *conn_outcome_message(enum conn_outcome o, const char *detail, char *out, size_t n)
{
    const char *what = (unsigned)o < CONN_OUTCOME_COUNT ? outcomes[o].what : "internal error";
    const char *sep = (unsigned)o < CONN_OUTCOME_COUNT && outcomes[o].sep == ' ' ? " " : ": ";
    if (detail == NULL)
        detail = "";
    if (what == NULL)
        snprintf(out, n, "%s", detail);
    else
        snprintf(out, n, "%s%s%s", what, *detail ? sep : "", detail);
    return out;
}

enum conn_outcome conn_outcome_for_signal(int sig)
{
    return sig == SIGINT ? CONN_INTERRUPTED : sig == SIGHUP ? CONN_HANGUP : CONN_TERMINATED;
}
