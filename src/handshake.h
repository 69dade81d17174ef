/*
 * handshake - the opening handshake of RFC 6455 §4.1 (client side).
 *
 * Builds the HTTP/1.1 upgrade request and parses and checks the server's response in place with
 * http.h's parser: it is fed the whole buffer received so far and answers "need more", an error
 * or "the head is N bytes long"; header names and values point into that buffer. Bytes after
 * the head are the first WebSocket frames and belong to the caller. No sockets here.
 */
#ifndef WSC_HANDSHAKE_H
#define WSC_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errkind.h"
#include "http.h"

#define HANDSHAKE_KEY_LEN     24 /* base64 of 16 bytes */
#define HANDSHAKE_ACCEPT_LEN  28 /* base64 of 20 bytes */
#define HANDSHAKE_MAX_HEADERS 64
#define HANDSHAKE_MAX_HEAD    HTTP_MAX_HEAD /* 64 KiB; a longer response head is refused */

struct handshake_request {
    const char *host_header;         /* value of Host:, from url_host_header() */
    const char *resource;            /* path and query, starts with '/' */
    const char *origin;              /* NULL: no Origin header */
    const char *const *subprotocols; /* offered, in order of preference */
    size_t nsubprotocols;
    const char *const *headers; /* extra "Name: value" lines, as given by -H */
    size_t nheaders;
    const char *authorization;       /* whole Authorization value ("Bearer x"), or NULL */
    const char *extensions;          /* Sec-WebSocket-Extensions offer, or NULL */
    char key[HANDSHAKE_KEY_LEN + 1]; /* filled by handshake_key_new() */
};

/* The header fields of a response are http.h's. (The old name stays until conn.c uses the new.) */
#define handshake_header http_header

struct handshake_response {
    int minor_version; /* HTTP/1.x */
    int status;
    const char *reason;
    size_t reason_len;
    struct http_header headers[HANDSHAKE_MAX_HEADERS];
    size_t nheaders;
};

/* Grouped by kind (errkind.h). Limits the peer's head exceeds are protocol: the peer's fault. */
enum handshake_error {
    /* -1xx need more */
    HS_NEED_MORE = -101, /* parse: the head is incomplete; call again with more bytes */
    /* -2xx protocol: the server's reply is not a valid 101 */
    HS_ERR_MALFORMED = -201,        /* parse: not HTTP/1.x, or a malformed status or header line */
    HS_ERR_STATUS = -202,           /* check: status is not 101 */
    HS_ERR_UPGRADE = -203,          /* check: Upgrade is missing or not "websocket" */
    HS_ERR_CONNECTION = -204,       /* check: Connection lacks the "upgrade" token */
    HS_ERR_ACCEPT = -205,           /* check: Sec-WebSocket-Accept missing or wrong */
    HS_ERR_SUBPROTOCOL = -206,      /* check: a subprotocol we did not offer, or more than one */
    HS_ERR_EXTENSION = -207,        /* check: an extension we did not offer */
    HS_ERR_TOO_MANY_HEADERS = -208, /* parse: more than HANDSHAKE_MAX_HEADERS header fields */
    HS_ERR_HEAD_TOO_LONG = -209,    /* parse: the head does not end within HANDSHAKE_MAX_HEAD */
    /* -3xx argument */
    HS_ERR_HEADER = -301,      /* header_allowed: a header the handshake owns */
    HS_ERR_HEADER_FORM = -302, /* header_allowed: a -H line not of the form "Name: value" */
    /* -4xx resource */
    HS_ERR_NOMEM = -401,
    HS_ERR_RANDOM = -402, /* the random generator failed */
};

/* Fill req->key with a fresh random nonce (16 CSPRNG bytes, base64). Returns 0 or HS_ERR_RANDOM. */
int handshake_key_new(struct handshake_request *req);

/* The Sec-WebSocket-Accept value for key: base64(SHA-1(key + GUID)), NUL-terminated. */
void handshake_accept_for(const char *key, char out[HANDSHAKE_ACCEPT_LEN + 1]);

/*
 * Check one -H argument. Returns 0 when it is a well-formed "Name: value" that the user may set,
 * HS_ERR_HEADER_FORM when it is not of that form (or contains CR/LF), HS_ERR_HEADER when it names a
 * header the handshake owns (Host, Upgrade, Connection, Sec-WebSocket-*; and Authorization when
 * authorization_set). *why gets a static explanation.
 */
int handshake_header_allowed(const char *line, bool authorization_set, const char **why);

/* Append the request head ("GET ... \r\n\r\n") to out. Returns 0 or HS_ERR_NOMEM. */
int handshake_request_build(const struct handshake_request *req, struct buf *out);

/*
 * Parse a response head from buf[0..len) with http_parse_response() (its syntax: bare LF line
 * ends accepted, obs-fold refused). Returns the head length (> 0, including the final empty
 * line), HS_NEED_MORE, HS_ERR_MALFORMED (not HTTP/1.x at all, reported from the first bytes, or
 * a malformed line), HS_ERR_TOO_MANY_HEADERS, or HS_ERR_HEAD_TOO_LONG (as soon as len reaches
 * HANDSHAKE_MAX_HEAD without the head ending). *resp points into buf.
 */
int handshake_response_parse(const char *buf, size_t len, struct handshake_response *resp);

/*
 * What a handshake_response_parse() error means, as a static phrase for "bad handshake reply:
 * ...": "too many header fields (over 64)", "response head longer than 64 KiB",
 * "not an HTTP response".
 */
const char *handshake_parse_error(int err);

/* The first header named name (case-insensitive), or NULL. */
const struct http_header *handshake_response_header(const struct handshake_response *resp,
                                                    const char *name);

/*
 * Check a parsed response against the request (RFC 6455 §4.1, client steps 1-6): status 101,
 * Upgrade: websocket and Connection: upgrade (case-insensitive, comma-separated lists),
 * the exact Sec-WebSocket-Accept, a subprotocol only from those offered, no extension unless
 * offered. Returns 0 or an HS_ERR_* code with *why set to a static explanation. On success
 * *subprotocol and *subprotocol_len give the selected subprotocol (NULL/0 when none).
 */
int handshake_response_check(const struct handshake_response *resp,
                             const struct handshake_request *req, const char **subprotocol,
                             size_t *subprotocol_len, const char **why);

#endif
