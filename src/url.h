/*
 * url - ws:// and wss:// URLs (RFC 6455 §3; http:// and https:// are taken as ws:// and wss://)
 * and the separate host/port/path/protocol fields of --host/--port/--path/--protocol.
 *
 * The path and query are kept byte for byte as given (an empty path becomes "/"). A host in
 * brackets is an IPv6 literal. userinfo ("user:pass@") is percent-decoded for Basic auth.
 * A fragment ("#...") is refused: RFC 6455 §3 forbids it in WebSocket URIs.
 */
#ifndef WSC_URL_H
#define WSC_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URL_HOST_MAX 253 /* longest host name (RFC 1035 §2.3.4) */

struct url {
    bool tls;        /* wss */
    char *host;      /* without brackets; heap */
    bool ipv6;       /* host is an IPv6 literal (needs brackets in Host: and in display) */
    uint16_t port;   /* effective port: the given one, or 80/443 */
    bool port_given; /* port appeared in the URL (or was non-zero in --port) */
    char *resource;  /* path + optional "?query", starts with '/'; heap */
    char *user;      /* decoded, or NULL; heap */
    char *password;  /* decoded, or NULL; heap */
};

enum url_error {
    URL_OK = 0,
    URL_ERR_SCHEME = -1,   /* not ws://, wss://, http:// or https:// */
    URL_ERR_HOST = -2,     /* empty or malformed host */
    URL_ERR_PORT = -3,     /* not a number in 1..65535 (":0" is refused; ":" is the default) */
    URL_ERR_FRAGMENT = -4, /* contains '#' */
    URL_ERR_SYNTAX = -5,   /* anything else (bad percent-encoding, control bytes, spaces) */
    URL_ERR_NOMEM = -6,
    /* Field errors from url_from_fields(): wrong use of an option (exit 2). */
    URL_ERR_OPT_HOST = -10,     /* --host contains "://", a path, or is empty */
    URL_ERR_OPT_PORT = -11,     /* --port not in 0..65535 */
    URL_ERR_OPT_PROTOCOL = -12, /* --protocol not ws or wss */
    URL_ERR_OPT_PATH = -13,     /* --path has a fragment or control bytes */
};

/*
 * Parse s into *u (fields heap-allocated; release with url_free()). Returns URL_OK or an error;
 * on error *why (if not NULL) points to a static one-line explanation and *u is left freed.
 */
int url_parse(const char *s, struct url *u, const char **why);

/*
 * Build *u from the separate fields: host (required; may be a bracketed or bare IPv6 literal),
 * port (NULL or "0" = default), path (NULL = "/"; a missing leading '/' is added), protocol
 * (NULL = "ws"; "ws" or "wss", case-insensitive). Same error contract as url_parse().
 */
int url_from_fields(const char *host, const char *port, const char *path, const char *protocol,
                    struct url *u, const char **why);

/*
 * Resolve ref, a redirect's Location value, against the URL base (RFC 3986 §5.2, as RFC 9110
 * §10.2.2 asks) into *out, as url_parse() would parse the result. ref may be an absolute URL
 * ("wss://h/x"; http:// and https:// are taken as ws:// and wss://), a network-path reference
 * ("//h:8080/x": base's scheme), an absolute path ("/x?q"), a relative path ("x", "../x": merged
 * with base's directory), a query alone ("?q": base's path) or empty (base itself). Dot segments
 * are removed from the path (§5.2.4), never from the query. A fragment ("#f") is dropped: it is
 * never sent. base's user and password are not carried over; a userinfo in ref is parsed into
 * out as url_parse() does (the caller decides what to do with it). Returns URL_OK or one of
 * url_parse()'s errors, with *why (if not NULL) a static explanation: URL_ERR_SCHEME for any
 * other scheme ("ftp:", "javascript:"), URL_ERR_SYNTAX for control bytes, URL_ERR_HOST for a
 * host with a space or a byte >= 0x80. Elsewhere in the result (path, query, userinfo) each
 * space and each byte >= 0x80 is percent-encoded ("/a b/é" gives "/a%20b/%C3%A9", as curl
 * sends it); '%' and the escapes already there are kept as they are.
 */
int url_resolve(const struct url *base, const char *ref, struct url *out, const char **why);

/* Release the fields; url_free(NULL) is a no-op. */
void url_free(struct url *u);

/*
 * The value for the Host: header (RFC 7230 §5.4): host, bracketed if IPv6, with ":port" when
 * the port is not the scheme's default. Returns a heap string, or NULL when out of memory.
 */
char *url_host_header(const struct url *u);

/* The URL for display, never with the password nor a query value (url_redact_query()):
 * "wss://host:port/path?token=[redacted]". Heap, or NULL. */
char *url_display(const struct url *u);

/*
 * s (a URL, a resource "/path?query" or a request line) with the value of every query and
 * fragment parameter replaced by "[redacted]", names kept: "/p?access_token=x&v=2#sig=y" shows
 * as "/p?access_token=[redacted]&v=[redacted]#sig=[redacted]". The query is everything after
 * the first '?' or '#' up to a space; a value runs from its '=' to the next '&', ';', '#',
 * space or the end; a name
 * with no '=' is kept. Writes into buf (n bytes, NUL-terminated, truncated if need be; n may be
 * 0 with buf NULL) and returns the length the whole result needs, as snprintf() does. Every
 * place that shows a URL to the user (errors, -v logs) goes through this; the request itself
 * is sent unchanged.
 */
size_t url_redact_query(const char *s, char *buf, size_t n);

/* Percent-decode s[0..n) into out (outlen bytes, always NUL-terminated when outlen > 0).
 * Returns the decoded length, or -1 for a bad escape, an escaped NUL (which cannot live in a C
 * string) or no room. On -1, what was written is wiped (it may be a password). */
long url_pct_decode_buf(const char *s, size_t n, char *out, size_t outlen);

#endif
