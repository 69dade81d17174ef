/*
 * proxy_wire - the bytes of the proxy protocols, pure: each request built into a caller's
 * buffer, each reply parsed from the bytes received so far (no I/O, no allocation, no globals),
 * so every rule is testable and fuzzable byte by byte. proxy.c drives them over the wire.
 *
 *   HTTP CONNECT   RFC 9110 §9.3.6 (the request), RFC 9112 (the reply head, parsed by http.c),
 *                  RFC 7617 (Basic credentials in Proxy-Authorization, RFC 9110 §11.7.2)
 *   SOCKS5         RFC 1928 (greeting, method choice, CONNECT and its reply), RFC 1929
 *                  (username/password sub-negotiation)
 *   SOCKS4a        the SOCKS 4 protocol and its 4A extension (the proxy resolves the name)
 *
 * Parsers answer like http.h's: > 0 the reply is complete and that many bytes long (bytes after
 * it belong to the tunnel), PW_NEED_MORE (call again with the same bytes and more), or a
 * PW_ERR_* code. A prefix of a valid reply is always PW_NEED_MORE, and a reply gets the same
 * answer whole or fed one byte at a time. Builders return the request's length, or
 * PW_ERR_TOO_LONG when a field exceeds what the protocol can carry or the buffer is too small.
 */
#ifndef WSC_PROXY_WIRE_H
#define WSC_PROXY_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errkind.h"

enum proxy_wire_result {
    PW_NEED_MORE = -101,
    PW_ERR_VERSION = -201,   /* SOCKS: the reply's version byte is wrong (not a SOCKS proxy?) */
    PW_ERR_MALFORMED = -202, /* SOCKS: an unknown address type in a CONNECT reply */
    PW_ERR_HTTP = -203,      /* HTTP: the reply head is invalid; see http_error */
    PW_ERR_TOO_LONG = -301,  /* a request field is too long for the protocol or the buffer */
    PW_ERR_BAD_HOST = -302,  /* the target host has bytes no request can carry (CR, SP, NUL) */
};

/* ---- HTTP CONNECT ---- */

#define PROXY_HTTP_MAX_HEAD    16384 /* all reply heads together (1xx interim ones included) */
#define PROXY_HTTP_MAX_HEADERS 64

/*
 * "CONNECT host:port HTTP/1.1", a Host field with the same authority (an IPv6 literal in
 * brackets), and with user non-NULL "Proxy-Authorization: Basic base64(user:pass)" (RFC 7617
 * §2; pass NULL is ""), then the empty line, into out[0..n). With redact the credentials are
 * written as "[redacted]" (for a log). Returns the length (out is NUL-terminated too).
 */
int proxy_http_request(char *out, size_t n, const char *host, uint16_t port, const char *user,
                       const char *pass, bool redact);

struct proxy_http_reply {
    int minor_version;  /* HTTP/1.x */
    int status;         /* the final status (1xx interim replies but 101 are skipped) */
    const char *reason; /* into buf; may be empty */
    size_t reason_len;
    const char *auth_scheme; /* 407: the first Proxy-Authenticate field's scheme, or NULL */
    size_t auth_scheme_len;
    int http_error; /* with PW_ERR_HTTP: the http.h error (HTTP_ERR_NOT_HTTP, ...) */
};

/*
 * Parse the proxy's reply from buf[0..len): interim 1xx heads are skipped (RFC 9110 §15.2),
 * then the final head. 101 (Switching Protocols) is no answer to CONNECT: it counts as final.
 * Returns the length of all heads through the final one's empty line: any status, 2xx meaning the
 * tunnel is up (a 2xx reply to CONNECT has no body, RFC 9110 §9.3.6, so the bytes after it are the
 * tunnel's); PW_NEED_MORE; or PW_ERR_HTTP (invalid head, more than PROXY_HTTP_MAX_HEADERS fields,
 * or no end within PROXY_HTTP_MAX_HEAD bytes).
 */
int proxy_http_parse(const char *buf, size_t len, struct proxy_http_reply *r);

/* ---- SOCKS5 (RFC 1928, RFC 1929) ---- */

enum {
    SOCKS5_VERSION = 0x05,
    SOCKS5_METHOD_NO_AUTH = 0x00,
    SOCKS5_METHOD_USERPASS = 0x02,
    SOCKS5_METHOD_NO_ACCEPTABLE = 0xff,
    SOCKS5_CMD_CONNECT = 0x01,
    SOCKS5_ATYP_IPV4 = 0x01,
    SOCKS5_ATYP_DOMAINNAME = 0x03,
    SOCKS5_ATYP_IPV6 = 0x04,
    SOCKS5_REP_SUCCEEDED = 0x00,
    SOCKS5_USERPASS_VERSION = 0x01, /* RFC 1929 §2 */
};

/* The greeting: version, and the methods we offer: no authentication, and with userpass also
 * username/password (RFC 1928 §3). Returns 3 or 4. */
int proxy_socks5_greeting(uint8_t *out, size_t n, bool userpass);

/* The method selection reply (2 bytes): *method is the chosen method. PW_ERR_VERSION when the
 * first byte is not 5. */
int proxy_socks5_parse_method(const uint8_t *buf, size_t len, int *method);

/* RFC 1929 §2: version 1, ULEN, UNAME, PLEN, PASSWD; each at most 255 bytes. */
int proxy_socks5_userpass(uint8_t *out, size_t n, const char *user, const char *pass);

/* RFC 1929 §2 reply (2 bytes): *status 0 is success. The version byte is 1 by the RFC; 5 is
 * also accepted (some servers echo the SOCKS version); others are PW_ERR_VERSION. */
int proxy_socks5_parse_userpass(const uint8_t *buf, size_t len, int *status);

/* CONNECT to a domain name (ATYP 3, at most 255 bytes: the proxy resolves it). */
int proxy_socks5_connect_name(uint8_t *out, size_t n, const char *host, uint16_t port);
/* CONNECT to an address: atyp SOCKS5_ATYP_IPV4 with 4 bytes or SOCKS5_ATYP_IPV6 with 16, in
 * network order. */
int proxy_socks5_connect_addr(uint8_t *out, size_t n, int atyp, const uint8_t *addr, uint16_t port);

/*
 * The CONNECT reply (RFC 1928 §6): VER REP RSV ATYP BND.ADDR BND.PORT. *rep gets REP. A
 * success is complete with its whole bound address; a failure (REP != 0) is decided after two
 * bytes (returns 2), since the proxy closes the connection and the rest does not matter.
 * PW_ERR_VERSION when VER is not 5, PW_ERR_MALFORMED when a success has an unknown ATYP.
 */
int proxy_socks5_parse_reply(const uint8_t *buf, size_t len, int *rep);

/* RFC 1928 §6's words for a REP code ("connection refused", "general SOCKS server failure");
 * "unassigned reply code" for others. Static text. */
const char *proxy_socks5_reply_text(int rep);

/* ---- SOCKS4a ---- */

enum { SOCKS4_VERSION = 0x04, SOCKS4_CMD_CONNECT = 0x01, SOCKS4_REP_GRANTED = 0x5a };

/* VN 4, CD 1, DSTPORT, DSTIP, USERID (user or ""), NUL; for a host that is not an IPv4 literal
 * DSTIP is 0.0.0.1 and the host name follows, NUL-terminated (4A). */
int proxy_socks4_request(uint8_t *out, size_t n, const char *host, uint16_t port, const char *user);

/* The 8-byte reply: *code is CD (0x5a granted). PW_ERR_VERSION when VN is not 0 (4 is accepted
 * too, as some servers send it). */
int proxy_socks4_parse_reply(const uint8_t *buf, size_t len, int *code);

/* Words for a SOCKS4 reply code ("request rejected or failed"). Static text. */
const char *proxy_socks4_reply_text(int code);

#endif
