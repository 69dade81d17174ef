/*
 * proxyenv - which proxy a URL goes through, as curl chooses it; see proxyenv.h.
 */
#include "proxyenv.h"
#include "url.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- proxy URLs -------------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum proxy_type type;
    uint16_t port;
} schemes[] = {
    {"http", PROXY_HTTP, 3128},       {"https", PROXY_HTTPS, 443},
    {"socks4a", PROXY_SOCKS4A, 1080}, {"socks5", PROXY_SOCKS5, 1080},
    {"socks5h", PROXY_SOCKS5H, 1080},
};

const char *proxy_scheme_name(enum proxy_type t)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (schemes[i].type == t)
            return schemes[i].name;
    return "none";
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool has_bad_byte(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

static int parse_url(const char *url, struct proxy_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (url == NULL || *url == '\0')
        return fail(err, errlen, "the proxy URL is empty");
    const char *p = url, *sep = strstr(url, "://");
    size_t i = 0, ns = sizeof schemes / sizeof schemes[0];
    if (sep) {
        size_t len = (size_t)(sep - url);
        for (i = 0; i < ns; i++)
            if (strlen(schemes[i].name) == len && strncasecmp(schemes[i].name, url, len) == 0)
                break;
        if (i == ns) {
            /* Name it when it looks like one: a short word (not a pasted secret). */
            char scheme[12];
            bool plain = len > 0 && len < sizeof scheme;
            for (size_t k = 0; plain && k < len; k++)
                plain = (url[k] >= 'a' && url[k] <= 'z') || (url[k] >= 'A' && url[k] <= 'Z') ||
                        (url[k] >= '0' && url[k] <= '9') || url[k] == '+' || url[k] == '-';
            snprintf(scheme, sizeof scheme, "%.*s", plain ? (int)len : 0, url);
            return fail(err, errlen,
                        plain ? "unsupported proxy scheme '%s' (http, https, socks4a, socks5 or "
                                "socks5h)"
                              : "unsupported proxy scheme%s (http, https, socks4a, socks5 or "
                                "socks5h)",
                        scheme);
        }
        p = sep + 3;
    }
    out->type = schemes[i].type;
    out->port = schemes[i].port;

    /* The authority ends at the first '/', '?' or '#' (escape them in a password); its last
     * '@' ends the userinfo, so an unescaped '@' in a password still works. */
    const char *end = p + strcspn(p, "/?#"), *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    const char *hp = at ? at + 1 : p;
    if (*end != '\0' && strcmp(end, "/") != 0)
        return fail(err, errlen, "a proxy URL has no path, query or fragment");
    if (has_bad_byte(p, (size_t)(end - p)))
        return fail(err, errlen, "the proxy URL contains spaces or control characters");

    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
        if (url_pct_decode_buf(p, ulen, out->user, sizeof out->user) < 0 ||
            (colon && url_pct_decode_buf(colon + 1, (size_t)(at - colon - 1), out->pass,
                                         sizeof out->pass) < 0)) {
            explicit_bzero(out, sizeof *out);
            return fail(err, errlen,
                        "bad percent-encoding in the proxy's user name or password, or too long");
        }
        out->has_auth = true;
    }

    const char *h = hp, *hend, *rest;
    if (*h == '[') {
        hend = memchr(h, ']', (size_t)(end - h));
        if (hend == NULL)
            return fail(err, errlen, "the proxy's IPv6 address lacks its ']'");
        h++;
        rest = hend + 1;
        char lit[64];
        struct in6_addr a6;
        if ((size_t)(hend - h) >= sizeof lit)
            return fail(err, errlen, "the proxy's IPv6 address is not valid");
        snprintf(lit, sizeof lit, "%.*s", (int)(hend - h), h);
        if (inet_pton(AF_INET6, lit, &a6) != 1)
            return fail(err, errlen, "the proxy's IPv6 address is not valid");
    } else {
        hend = h + strcspn(h, ":/?#");
        if (hend > end)
            hend = end;
        rest = hend;
    }
    if (hend == h)
        return fail(err, errlen, "the proxy URL has no host");
    if ((size_t)(hend - h) >= sizeof out->host)
        return fail(err, errlen, "the proxy's host name is too long");
    memcpy(out->host, h, (size_t)(hend - h));
    out->host[hend - h] = '\0';
    for (const char *q = out->host; *hp != '[' && *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '-' || *q == '.' || *q == '_' || *q == '~'))
            return fail(err, errlen, "the proxy's host name is not valid");

    if (rest < end) {
        if (*rest != ':')
            return fail(err, errlen, "unexpected text after the proxy's host");
        rest++;
        unsigned long v = 0;
        const char *d = rest;
        while (d < end && *d >= '0' && *d <= '9' && v <= 65535)
            v = v * 10 + (unsigned long)(*d++ - '0');
        if (d == rest || d != end || v == 0 || v > 65535)
            return fail(err, errlen, "the proxy's port is not a number from 1 to 65535");
        out->port = (uint16_t)v;
    }
    return 0;
}

int proxy_parse_url(const char *url, struct proxy_spec *out, char *err, size_t errlen)
{
    int rc = parse_url(url, out, err, errlen);
    if (rc < 0)
        explicit_bzero(out, sizeof *out); /* no half-parsed credentials left behind */
    return rc;
}

const char *proxy_describe(const struct proxy_spec *p, char *buf, size_t n)
{
    if (p == NULL || p->type == PROXY_NONE) {
        snprintf(buf, n, "none");
        return buf;
    }
    bool v6 = strchr(p->host, ':') != NULL;
    snprintf(buf, n, "%s://%s%s%s%s:%u", proxy_scheme_name(p->type),
             p->has_auth ? "[redacted]@" : "", v6 ? "[" : "", p->host, v6 ? "]" : "",
             (unsigned)p->port);
    return buf;
}

/* --- no_proxy ---------------------------------------------------------------------------- */

/* An address literal: family (4 or 6) and its bytes; 0 when s[0..n) is none. */
static int parse_addr(const char *s, size_t n, unsigned char addr[16])
{
    char lit[64];
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
        s++, n -= 2;
    if (n == 0 || n >= sizeof lit)
        return 0;
    memcpy(lit, s, n);
    lit[n] = '\0';
    if (inet_pton(AF_INET, lit, addr) == 1)
        return 4;
    if (inet_pton(AF_INET6, lit, addr) == 1)
        return 6;
    return 0;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, bytes) != 0)
        return false;
    return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* The entry tok[0..n) matches the address host (family fam). */
static bool match_addr(const char *tok, size_t n, int fam, const unsigned char *host)
{
    unsigned char net[16];
    const char *slash = memchr(tok, '/', n);
    size_t alen = slash ? (size_t)(slash - tok) : n;
    unsigned bits = fam == 4 ? 32 : 128;
    if (slash) {
        const char *d = slash + 1;
        if (d == tok + n)
            return false;
        unsigned v = 0;
        for (; d < tok + n; d++) {
            if (*d < '0' || *d > '9' || v > 128)
                return false;
            v = v * 10 + (unsigned)(*d - '0');
        }
        if (v > bits)
            return false;
        bits = v;
    }
    return parse_addr(tok, alen, net) == fam && prefix_equal(net, host, bits);
}

/* The entry tok[0..n) matches the name host[0..hn) or one of its subdomains. */
static bool match_name(const char *tok, size_t n, const char *host, size_t hn)
{
    if (n > 0 && tok[0] == '.')
        tok++, n--;
    if (n > 0 && tok[n - 1] == '.')
        n--;
    if (n == 0 || n > hn)
        return false;
    if (n == hn)
        return strncasecmp(tok, host, n) == 0;
    return host[hn - n - 1] == '.' && strncasecmp(tok, host + hn - n, n) == 0;
}

bool proxy_noproxy_match(const char *list, const char *host, char *entry, size_t entrylen)
{
    if (entry && entrylen)
        entry[0] = '\0';
    if (list == NULL || host == NULL || *host == '\0')
        return false;
    const char *l = list + strspn(list, " \t");
    size_t ll = strlen(l);
    while (ll > 0 && (l[ll - 1] == ' ' || l[ll - 1] == '\t'))
        ll--;
    if (ll == 1 && l[0] == '*') {
        if (entry && entrylen)
            snprintf(entry, entrylen, "*");
        return true;
    }
    unsigned char addr[16];
    size_t hn = strlen(host);
    int fam = parse_addr(host, hn, addr);
    if (fam == 0 && host[hn - 1] == '.')
        hn--; /* "example.test." is "example.test" */
    for (const char *p = list; *p;) {
        p += strspn(p, ", \t");
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            break;
        bool m = fam ? match_addr(p, n, fam, addr) : match_name(p, n, host, hn);
        if (m) {
            if (entry && entrylen)
                snprintf(entry, entrylen, "%.*s", (int)n, p);
            return true;
        }
        p += n;
    }
    return false;
}

/* --- choosing ---------------------------------------------------------------------------- */

static bool set(const char *s)
{
    return s != NULL && *s != '\0';
}

int proxy_select(const struct proxy_inputs *in, bool tls, const char *host, uint16_t port,
                 struct proxy_spec *out, char *why, size_t whylen)
{
    (void)port; /* curl's no_proxy entries carry no port */
    char err[160];
    memset(out, 0, sizeof *out);
    out->type = PROXY_NONE;
    if (in == NULL) {
        snprintf(why, whylen, "no proxy set");
        return 0;
    }
    const char *url = NULL, *src = NULL;
    if (in->proxy != NULL) {
        if (*in->proxy == '\0') {
            snprintf(why, whylen, "--proxy \"\" turns proxies off");
            return 0;
        }
        url = in->proxy, src = "--proxy";
    } else if (tls && set(in->env_https_proxy)) {
        url = in->env_https_proxy, src = in->env_https_name ? in->env_https_name : "https_proxy";
    } else if (!tls && set(in->env_http_proxy)) {
        url = in->env_http_proxy, src = "http_proxy";
    } else if (set(in->env_all_proxy)) {
        url = in->env_all_proxy, src = in->env_all_name ? in->env_all_name : "all_proxy";
    }
    if (url == NULL) {
        snprintf(why, whylen, "no proxy set (%s, all_proxy)", tls ? "https_proxy" : "http_proxy");
        return 0;
    }
    const char *list = in->noproxy ? in->noproxy : in->env_no_proxy;
    const char *listname = in->noproxy       ? "--noproxy"
                           : in->env_no_name ? in->env_no_name
                                             : "no_proxy";
    char entry[128];
    if (proxy_noproxy_match(list, host, entry, sizeof entry)) {
        snprintf(why, whylen, "host matches %s entry '%s'", listname, entry);
        return 0;
    }
    if (proxy_parse_url(url, out, err, sizeof err) < 0) {
        snprintf(why, whylen, "%s: bad proxy URL: %s", src, err);
        explicit_bzero(out, sizeof *out);
        return -1;
    }
    if (in->proxy_user != NULL && !out->has_auth) { /* the URL's own credentials win, as curl */
        const char *colon = strchr(in->proxy_user, ':');
        size_t ulen = colon ? (size_t)(colon - in->proxy_user) : strlen(in->proxy_user);
        const char *pass = colon ? colon + 1 : "";
        /* Percent-decoded, as curl decodes CURLOPT_PROXYUSERPWD ("p%40ss" is "p@ss"). */
        if (url_pct_decode_buf(in->proxy_user, ulen, out->user, sizeof out->user) < 0 ||
            url_pct_decode_buf(pass, strlen(pass), out->pass, sizeof out->pass) < 0) {
            explicit_bzero(out, sizeof *out);
            snprintf(why, whylen,
                     "--proxy-user: bad percent-encoding in the user name or password, or too "
                     "long");
            return -1;
        }
        out->has_auth = true;
    }
    out->cacert = in->cacert;
    out->insecure = in->insecure;
    snprintf(why, whylen, src[0] == '-' ? "%s" : "from %s", src);
    return 0;
}
