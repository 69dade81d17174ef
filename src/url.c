/*
 * url - ws:// and wss:// URLs (RFC 6455 §3, RFC 3986 §3) and the separate
 * host/port/path/protocol fields of --host/--port/--path/--protocol; see url.h.
 *
 * Deliberate choices:
 * - Port 0 in a URL (":0") is refused: nothing listens there, and taking it as the default
 *   port would connect somewhere the user did not name. An empty port (":" alone, RFC 3986
 *   §3.2.3) means the default; so does --port 0 (the separate field's "not set").
 * - http:// and https:// are taken as ws:// and wss:// (as wscat does): the WebSocket
 *   handshake is an HTTP request to the same host, port and resource (RFC 6455 §3).
 * - A host made only of digits and dots must be a dotted-quad IPv4 address.
 * - IPv6 zone identifiers ("[fe80::1%eth0]") are refused.
 * - The resource is copied byte for byte; wsc does not normalise or re-encode it. A redirect's
 *   Location is the exception (url_resolve.c): spaces and bytes >= 0x80 are percent-encoded,
 *   as curl does, since a server's header may carry them raw.
 */
#include "url.h"

#include "hex.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void url_zero(struct url *u)
{
    memset(u, 0, sizeof(*u));
}

void url_free(struct url *u)
{
    if (u == NULL)
        return;
    free(u->host);
    free(u->resource);
    free(u->user);
    /* The password is a secret: wipe it before giving the memory back. */
    if (u->password != NULL)
        explicit_bzero(u->password, strlen(u->password));
    free(u->password);
    url_zero(u);
}

static int url_fail(struct url *u, int err, const char *msg, const char **why)
{
    url_free(u);
    if (why != NULL)
        *why = msg;
    return err;
}

static char *url_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Percent-decode s[0..n) into a new string. Returns URL_OK, URL_ERR_SYNTAX (bad escape or
 * an escaped NUL, which cannot live in a C string) or URL_ERR_NOMEM. */
long url_pct_decode_buf(const char *s, size_t n, char *out, size_t outlen)
{
    size_t j = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                goto bad;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (j + 1 >= outlen)
            goto bad;
        out[j++] = c;
    }
    out[j] = '\0';
    return (long)j;
bad:
    explicit_bzero(out, j);
    if (outlen > 0)
        out[0] = '\0';
    return -1;
}

static int url_pct_decode(const char *s, size_t n, char **out)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return URL_ERR_NOMEM;
    if (url_pct_decode_buf(s, n, p, n + 1) < 0) {
        free(p);
        return URL_ERR_SYNTAX;
    }
    *out = p;
    return URL_OK;
}

static bool url_is_regname_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Validate a reg-name or IPv4 host s[0..n). Returns NULL when fine, or why not. */
static const char *url_check_regname(const char *s, size_t n)
{
    if (n == 0)
        return "the host is empty";
    if (n > URL_HOST_MAX) /* RFC 1035 §2.3.4: a name's text is at most 253 bytes */
        return "the host name is longer than 253 bytes";
    bool numeric = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!url_is_regname_char(c))
            return "the host may only contain letters, digits, '-', '.', '_' and '~'";
        if (!(c == '.' || (c >= '0' && c <= '9')))
            numeric = false;
    }
    if (numeric) {
        char tmp[INET_ADDRSTRLEN];
        struct in_addr a4;
        if (n >= sizeof(tmp))
            return "the host looks like an IPv4 address but is not a valid one";
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET, tmp, &a4) != 1)
            return "the host looks like an IPv4 address but is not a valid one";
    }
    return NULL;
}

/* Validate an IPv6 literal s[0..n) (no brackets). Returns NULL when fine, or why not. */
static const char *url_check_ipv6(const char *s, size_t n)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    struct in6_addr a6;
    if (memchr(s, '%', n) != NULL)
        return "IPv6 zone identifiers are not supported";
    if (n == 0 || n >= sizeof(tmp))
        return "not a valid IPv6 address";
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET6, tmp, &a6) != 1)
        return "not a valid IPv6 address";
    return NULL;
}

/* Parse a decimal port s[0..n) (digits only, 0..65535). Returns 0 or -1. */
static int url_parse_port(const char *s, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
        if (v > 65535)
            return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

static uint16_t url_default_port(bool tls)
{
    return tls ? 443 : 80;
}

/* Copy a resource: a leading '/' is added when missing, so "?q" becomes "/?q" and "" "/". */
static char *url_make_resource(const char *s, size_t n)
{
    bool slash = n > 0 && s[0] == '/';
    char *p = malloc(n + 2);
    if (p == NULL)
        return NULL;
    size_t j = 0;
    if (!slash)
        p[j++] = '/';
    memcpy(p + j, s, n);
    p[j + n] = '\0';
    return p;
}

int url_parse(const char *s, struct url *u, const char **why)
{
    url_zero(u);
    if (s == NULL)
        return url_fail(u, URL_ERR_SCHEME, "no URL", why);

    const char *p;
    if (strncasecmp(s, "ws://", 5) == 0) {
        p = s + 5;
    } else if (strncasecmp(s, "wss://", 6) == 0) {
        u->tls = true;
        p = s + 6;
    } else if (strncasecmp(s, "http://", 7) == 0) {
        p = s + 7;
    } else if (strncasecmp(s, "https://", 8) == 0) {
        u->tls = true;
        p = s + 8;
    } else {
        return url_fail(u, URL_ERR_SCHEME,
                        "the URL must start with ws:// or wss:// (or http://, https://)", why);
    }

    for (const char *q = s; *q != '\0'; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c == 0x7f)
            return url_fail(u, URL_ERR_SYNTAX,
                            "the URL contains a space or control character (write a space as %20)",
                            why);
    }
    if (strchr(s, '#') != NULL)
        return url_fail(u, URL_ERR_FRAGMENT,
                        "WebSocket URLs cannot have a fragment ('#'; RFC 6455 §3): write it as %23",
                        why);

    /* The authority runs to the first '/' or '?'; the rest is the resource, as given. */
    size_t alen = strcspn(p, "/?");
    const char *aend = p + alen;

    /* userinfo: up to the last '@', so an unescaped '@' in a password still works. */
    const char *at = NULL;
    for (const char *q = p; q < aend; q++)
        if (*q == '@')
            at = q;
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon != NULL ? (size_t)(colon - p) : (size_t)(at - p);
        if (at > p) { /* "@host" (empty userinfo) gives no credentials */
            int rc = url_pct_decode(p, ulen, &u->user);
            if (rc == URL_OK && colon != NULL)
                rc = url_pct_decode(colon + 1, (size_t)(at - colon - 1), &u->password);
            if (rc == URL_ERR_NOMEM)
                return url_fail(u, rc, "out of memory", why);
            if (rc != URL_OK)
                return url_fail(u, rc, "bad percent-encoding in the user name or password", why);
        }
        p = at + 1;
    }

    /* host */
    const char *hend;
    const char *msg;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(aend - p));
        if (close == NULL)
            return url_fail(u, URL_ERR_HOST, "missing ']' after the IPv6 address", why);
        if ((msg = url_check_ipv6(p + 1, (size_t)(close - p - 1))) != NULL)
            return url_fail(u, URL_ERR_HOST, msg, why);
        u->ipv6 = true;
        u->host = url_strndup(p + 1, (size_t)(close - p - 1));
        hend = close + 1;
        if (hend < aend && *hend != ':')
            return url_fail(u, URL_ERR_HOST, "unexpected characters after the IPv6 address", why);
    } else {
        hend = memchr(p, ':', (size_t)(aend - p));
        if (hend == NULL)
            hend = aend;
        if ((msg = url_check_regname(p, (size_t)(hend - p))) != NULL)
            return url_fail(u, URL_ERR_HOST, msg, why);
        u->host = url_strndup(p, (size_t)(hend - p));
    }
    if (u->host == NULL)
        return url_fail(u, URL_ERR_NOMEM, "out of memory", why);

    /* port: ":" alone means the default; ":0" is refused */
    u->port = url_default_port(u->tls);
    if (hend < aend) {
        const char *ps = hend + 1;
        size_t plen = (size_t)(aend - ps);
        uint16_t port;
        if (plen > 0) {
            if (url_parse_port(ps, plen, &port) < 0 || port == 0)
                return url_fail(u, URL_ERR_PORT, "the port must be a number from 1 to 65535", why);
            u->port = port;
            u->port_given = true;
        }
    }

    u->resource = url_make_resource(aend, strlen(aend));
    if (u->resource == NULL)
        return url_fail(u, URL_ERR_NOMEM, "out of memory", why);
    return URL_OK;
}

int url_from_fields(const char *host, const char *port, const char *path, const char *protocol,
                    struct url *u, const char **why)
{
    url_zero(u);

    if (protocol == NULL || strcasecmp(protocol, "ws") == 0)
        u->tls = false;
    else if (strcasecmp(protocol, "wss") == 0)
        u->tls = true;
    else
        return url_fail(u, URL_ERR_OPT_PROTOCOL, "--protocol must be ws or wss", why);

    if (host == NULL || *host == '\0')
        return url_fail(u, URL_ERR_OPT_HOST, "--host is empty", why);
    if (strstr(host, "://") != NULL)
        return url_fail(u, URL_ERR_OPT_HOST,
                        "--host takes a host name, not a URL: use wsc URL or --path", why);
    for (const char *q = host; *q != '\0'; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c == 0x7f)
            return url_fail(u, URL_ERR_OPT_HOST, "--host contains a space or control character",
                            why);
    }
    if (strpbrk(host, "/?#") != NULL)
        return url_fail(u, URL_ERR_OPT_HOST, "--host takes a host name, not a path: use --path",
                        why);
    if (strchr(host, '@') != NULL)
        return url_fail(u, URL_ERR_OPT_HOST,
                        "--host takes a host name without credentials: use --auth", why);

    size_t hlen = strlen(host);
    const char *msg;
    if (host[0] == '[') {
        if (hlen < 2 || host[hlen - 1] != ']')
            return url_fail(u, URL_ERR_OPT_HOST,
                            "--host: a bracketed IPv6 address must end with ']' (give the port "
                            "with --port)",
                            why);
        if ((msg = url_check_ipv6(host + 1, hlen - 2)) != NULL)
            return url_fail(u, URL_ERR_OPT_HOST, "--host is not a valid IPv6 address", why);
        u->ipv6 = true;
        u->host = url_strndup(host + 1, hlen - 2);
    } else if (strchr(host, ':') != NULL) {
        if ((msg = url_check_ipv6(host, hlen)) != NULL)
            return url_fail(u, URL_ERR_OPT_HOST,
                            "--host has a ':' but is not an IPv6 address: give the port with "
                            "--port",
                            why);
        u->ipv6 = true;
        u->host = url_strndup(host, hlen);
    } else {
        if ((msg = url_check_regname(host, hlen)) != NULL)
            return url_fail(u, URL_ERR_OPT_HOST,
                            "--host may only contain letters, digits, '-', '.', '_' and '~' or "
                            "be an IP address",
                            why);
        u->host = url_strndup(host, hlen);
    }
    if (u->host == NULL)
        return url_fail(u, URL_ERR_NOMEM, "out of memory", why);

    u->port = url_default_port(u->tls);
    if (port != NULL) {
        uint16_t v;
        if (url_parse_port(port, strlen(port), &v) < 0)
            return url_fail(u, URL_ERR_OPT_PORT, "--port must be a number from 0 to 65535", why);
        if (v != 0) {
            u->port = v;
            u->port_given = true;
        }
    }

    if (path == NULL)
        path = "/";
    for (const char *q = path; *q != '\0'; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c == 0x7f)
            return url_fail(u, URL_ERR_OPT_PATH,
                            "--path contains a space or control character (write a space as %20)",
                            why);
        if (c == '#')
            return url_fail(u, URL_ERR_OPT_PATH,
                            "--path cannot have a fragment ('#'; RFC 6455 §3): write it as %23",
                            why);
    }
    u->resource = url_make_resource(path, strlen(path));
    if (u->resource == NULL)
        return url_fail(u, URL_ERR_NOMEM, "out of memory", why);
    return URL_OK;
}

char *url_host_header(const struct url *u)
{
    char *s = NULL;
    const char *l = u->ipv6 ? "[" : "";
    const char *r = u->ipv6 ? "]" : "";
    int n;
    if (u->port == url_default_port(u->tls))
        n = asprintf(&s, "%s%s%s", l, u->host, r);
    else
        n = asprintf(&s, "%s%s%s:%u", l, u->host, r, (unsigned)u->port);
    return n < 0 ? NULL : s;
}

char *url_display(const struct url *u)
{
    char *hh = url_host_header(u);
    if (hh == NULL)
        return NULL;
    char *s = NULL;
    int n = asprintf(&s, "%s://%s%s", u->tls ? "wss" : "ws", hh, u->resource);
    free(hh);
    if (n < 0)
        return NULL;
    size_t need = url_redact_query(s, NULL, 0) + 1;
    char *shown = malloc(need);
    if (shown != NULL)
        url_redact_query(s, shown, need);
    free(s);
    return shown;
}

size_t url_redact_query(const char *s, char *buf, size_t n)
{
    static const char mark[] = "[redacted]";
    size_t len = 0;
    bool in_query = false, in_value = false;
#define PUT(ch)              \
    do {                     \
        if (len + 1 < n)     \
            buf[len] = (ch); \
        len++;               \
    } while (0)
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == ' ') {
            in_query = in_value = false; /* a request line: " HTTP/1.1" follows the target */
        } else if (!in_query) {
            in_query = c == '?' || c == '#';
        } else if (in_value) {
            if (c != '&' && c != ';' && c != '#')
                continue; /* the value is not shown */
            in_value = false;
        } else if (c == '=') {
            PUT(c);
            for (const char *m = mark; *m; m++)
                PUT(*m);
            in_value = true;
            continue;
        }
        PUT(c);
    }
#undef PUT
    if (n > 0)
        buf[len < n ? len : n - 1] = '\0';
    return len;
}
