/*
 * http - one HTTP/1.x message-head parser (RFC 9112 §2-§5, field syntax RFC 9110 §5), in the
 * picohttpparser style: pure, in place, no allocation, no globals.
 *
 * The caller passes everything received so far (buf, len) and an array of struct http_header.
 * A parse answers one of:
 *   > 0              the head is complete and that many bytes long (up to and including the
 *                    empty line); bytes after it are the body or another protocol's data
 *   HTTP_NEED_MORE   every byte so far could start a valid head: call again with more bytes
 *                    (the same buffer, longer; parsing restarts from byte 0)
 *   HTTP_ERR_*       the head is invalid or over a limit
 * A prefix of a valid head is always HTTP_NEED_MORE, never an error, and an invalid head gives
 * the same error whether it is parsed whole or one byte at a time: a caller may parse on each
 * read. Pointers in the results point into buf and are valid as long as buf is.
 *
 * Syntax accepted (decisions where the RFCs allow a choice):
 * - A line ends with CRLF or a bare LF (RFC 9112 §2.2 allows a recipient to accept bare LF);
 *   a CR anywhere else is an error.
 * - Nothing before the start line (the empty lines §2.2 lets a server skip are an error).
 * - Only HTTP/1.0 and HTTP/1.1. Another "HTTP/" version is HTTP_ERR_VERSION.
 * - Status line: "HTTP/1.x" SP 3DIGIT [SP reason]; the reason may be empty or, leniently,
 *   absent with its SP. Request line: token SP target SP "HTTP/1.x", single spaces, the target
 *   visible ASCII.
 * - Header fields: token ":" OWS value OWS. No white space before the colon (§5.1); a line
 *   starting with SP or HTAB (obsolete line folding, §5.2) is an error rather than being
 *   unfolded, because the buffer is not ours to rewrite. Values may hold SP, HTAB, visible ASCII
 *   and bytes >= 0x80 (obs-text); any other control byte (NUL, ESC, DEL...) is an error. Values
 *   are returned with leading and trailing SP/HTAB trimmed.
 * Not interpreted here: field semantics, Transfer-Encoding, bodies.
 */
#ifndef WSC_HTTP_H
#define WSC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "errkind.h"

#define HTTP_MAX_HEAD (64 * 1024) /* the head length limit when the caller passes 0 */

/*
 * Results, grouped by kind (errkind.h): -1xx need more; -2xx protocol, the peer's bytes are wrong
 * or over a limit the caller set (the peer's fault too: our resources are fine).
 */
enum http_error {
    HTTP_NEED_MORE = -101,
    HTTP_ERR_NOT_HTTP = -201,         /* the first bytes cannot begin an HTTP/1.x start line */
    HTTP_ERR_VERSION = -202,          /* HTTP, but not version 1.0 or 1.1 ("HTTP/2", "HTTP/1.2") */
    HTTP_ERR_LINE = -203,             /* a malformed start line or header field line */
    HTTP_ERR_TOO_MANY_HEADERS = -210, /* more header fields than the caller's array holds */
    HTTP_ERR_TOO_LONG = -211,         /* the head does not end within max_head bytes */
};

struct http_header {
    const char *name; /* not NUL-terminated */
    size_t name_len;
    const char *value; /* leading and trailing SP/HTAB trimmed; may be empty */
    size_t value_len;
};

struct http_response {
    int minor_version; /* HTTP/1.x: 0 or 1 */
    int status;        /* 000-999, as sent */
    const char *reason;
    size_t reason_len;
    size_t nheaders; /* entries filled in the caller's header array */
};

struct http_request {
    const char *method;
    size_t method_len;
    const char *target; /* as sent: origin-form, absolute-form, authority-form or "*" */
    size_t target_len;
    int minor_version;
    size_t nheaders;
};

/*
 * Parse a response head (status line, header fields, empty line) from buf[0..len).
 * headers[0..max_headers) receives the fields in order; more than max_headers fields is
 * HTTP_ERR_TOO_MANY_HEADERS. A head longer than max_head bytes (0: HTTP_MAX_HEAD; at most
 * INT_MAX) is HTTP_ERR_TOO_LONG, reported as soon as len reaches max_head without the head
 * ending, so a caller that stops reading on an error buffers at most max_head bytes plus one
 * read. The first bytes are checked as they arrive: "SSH-2.0" is HTTP_ERR_NOT_HTTP at once.
 * Returns the head length, HTTP_NEED_MORE or an HTTP_ERR_* code; *resp is filled only in part
 * on an error.
 */
int http_parse_response(const char *buf, size_t len, struct http_response *resp,
                        struct http_header *headers, size_t max_headers, size_t max_head);

/*
 * Parse a request head (request line, header fields, empty line) from buf[0..len); as
 * http_parse_response() otherwise. The method is checked as it arrives: a byte that is not a
 * token character before the first SP (a TLS ClientHello, say) is HTTP_ERR_NOT_HTTP.
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req,
                       struct http_header *headers, size_t max_headers, size_t max_head);

/*
 * Whether buf[0..len) holds the end of a head (an empty line: "\n\r\n" or "\n\n"), looking only
 * at the bytes after *scanned (less 3 of overlap) and then setting *scanned to len: a caller that
 * receives a head in small pieces checks each byte about once and runs the full parser only when
 * this says true (or at its limit), not on every read (picohttpparser's last_len). Start with
 * *scanned = 0; the same buffer must only grow between calls.
 */
bool http_head_complete(const char *buf, size_t len, size_t *scanned);

/* RFC 9110 §5.6.2 tchar: the characters of a token (a method, a field name). */
bool http_is_tchar(unsigned char c);

/* RFC 9110 §5.5 field-vchar, SP or HTAB (obs-text included): a field value's (or a reason
 * phrase's) characters. */
bool http_is_field_char(unsigned char c);

/* Whether name[0..len) equals want, ASCII case-insensitively (field names, tokens). */
bool http_name_is(const char *name, size_t len, const char *want);

/* The first of headers[0..n) named name (case-insensitive), or NULL. */
const struct http_header *http_header_find(const struct http_header *headers, size_t n,
                                           const char *name);

/* How many of headers[0..n) are named name (case-insensitive). */
size_t http_header_count(const struct http_header *headers, size_t n, const char *name);

/*
 * Whether the fields named name, read as one comma-separated list (RFC 9110 §5.3, §5.6.1:
 * repeated lines join into one list, elements are trimmed of OWS, empty ones ignored), have an
 * element equal to token case-insensitively. For "Connection: keep-alive, Upgrade".
 */
bool http_header_has_token(const struct http_header *headers, size_t n, const char *name,
                           const char *token);

#endif
