/*
 * proxy_wire - requests and replies of HTTP CONNECT (RFC 9110 §9.3.6, RFC 7617), SOCKS5
 * (RFC 1928, RFC 1929) and SOCKS4a, as pure functions; see proxy_wire.h for the contract.
 *
 * Like http.c, the parsers look at all bytes received so far on every call and keep no state,
 * so their answer depends on the bytes alone: whole or byte by byte, the same.
 */
#include "proxy_wire.h"

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "base64.h"
#include "http.h"

/* ---- HTTP CONNECT ---- */

static bool host_ok(const char *host)
{
    const unsigned char *p = (const unsigned char *)host;

    if (*p == '\0')
        return false;
    for (; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

int proxy_http_request(char *out, size_t n, const char *host, uint16_t port, const char *user,
                       const char *pass, bool redact)
{
    char cred[1024], b64[1400], auth[1500] = "";
    bool v6 = strchr(host, ':') != NULL;
    int len;

    if (!host_ok(host) || strchr(host, '[') || strchr(host, ']'))
        return PW_ERR_BAD_HOST;
    if (user) {
        int cl = snprintf(cred, sizeof cred, "%s:%s", user, pass ? pass : "");
        if (cl < 0 || (size_t)cl >= sizeof cred)
            return PW_ERR_TOO_LONG;
        if (redact)
            snprintf(b64, sizeof b64, "[redacted]");
        else
            base64_encode((const uint8_t *)cred, (size_t)cl, b64);
        explicit_bzero(cred, sizeof cred); /* a secret: leave no copy on the stack */
        snprintf(auth, sizeof auth, "Proxy-Authorization: Basic %s\r\n", b64);
        explicit_bzero(b64, sizeof b64);
    }
    len = snprintf(out, n, "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n%s\r\n", v6 ? "[" : "",
                   host, v6 ? "]" : "", (unsigned)port, v6 ? "[" : "", host, v6 ? "]" : "",
                   (unsigned)port, auth);
    explicit_bzero(auth, sizeof auth);
    if (len < 0 || (size_t)len >= n) {
        if (n > 0)
            explicit_bzero(out, n);
        return PW_ERR_TOO_LONG;
    }
    return len;
}

int proxy_http_parse(const char *buf, size_t len, struct proxy_http_reply *r)
{
    struct http_header h[PROXY_HTTP_MAX_HEADERS];
    size_t off = 0;

    memset(r, 0, sizeof *r);
    for (;;) {
        struct http_response resp;
        const struct http_header *auth;
        int k;

        if (off >= PROXY_HTTP_MAX_HEAD) {
            r->http_error = HTTP_ERR_TOO_LONG;
            return PW_ERR_HTTP;
        }
        if (off == len)
            return PW_NEED_MORE;
        k = http_parse_response(buf + off, len - off, &resp, h, PROXY_HTTP_MAX_HEADERS,
                                PROXY_HTTP_MAX_HEAD - off);
        if (k == HTTP_NEED_MORE)
            return PW_NEED_MORE;
        if (k < 0) {
            r->http_error = k;
            return PW_ERR_HTTP;
        }
        off += (size_t)k;
        /* interim: 100 Continue, 103 Early Hints; the final reply follows. 101 Switching
         * Protocols is no answer to CONNECT: it is final, and not 2xx. */
        if (resp.status >= 100 && resp.status <= 199 && resp.status != 101)
            continue;
        r->minor_version = resp.minor_version;
        r->status = resp.status;
        r->reason = resp.reason;
        r->reason_len = resp.reason_len;
        auth = http_header_find(h, resp.nheaders, "Proxy-Authenticate");
        if (auth && auth->value_len > 0) {
            size_t s = 0;
            while (s < auth->value_len && http_is_tchar((unsigned char)auth->value[s]))
                s++;
            if (s > 0) {
                r->auth_scheme = auth->value;
                r->auth_scheme_len = s;
            }
        }
        return (int)off;
    }
}

/* ---- SOCKS5 ---- */

int proxy_socks5_greeting(uint8_t *out, size_t n, bool userpass)
{
    if (n < 4)
        return PW_ERR_TOO_LONG;
    out[0] = SOCKS5_VERSION;
    out[1] = userpass ? 2 : 1;
    out[2] = SOCKS5_METHOD_NO_AUTH;
    if (!userpass)
        return 3;
    out[3] = SOCKS5_METHOD_USERPASS;
    return 4;
}

int proxy_socks5_parse_method(const uint8_t *buf, size_t len, int *method)
{
    if (len >= 1 && buf[0] != SOCKS5_VERSION)
        return PW_ERR_VERSION;
    if (len < 2)
        return PW_NEED_MORE;
    *method = buf[1];
    return 2;
}

int proxy_socks5_userpass(uint8_t *out, size_t n, const char *user, const char *pass)
{
    size_t ul = strlen(user), pl = strlen(pass ? pass : "");

    if (ul > 255 || pl > 255 || n < 3 + ul + pl)
        return PW_ERR_TOO_LONG;
    out[0] = SOCKS5_USERPASS_VERSION;
    out[1] = (uint8_t)ul;
    memcpy(out + 2, user, ul);
    out[2 + ul] = (uint8_t)pl;
    memcpy(out + 3 + ul, pass ? pass : "", pl);
    return (int)(3 + ul + pl);
}

int proxy_socks5_parse_userpass(const uint8_t *buf, size_t len, int *status)
{
    if (len >= 1 && buf[0] != SOCKS5_USERPASS_VERSION && buf[0] != SOCKS5_VERSION)
        return PW_ERR_VERSION;
    if (len < 2)
        return PW_NEED_MORE;
    *status = buf[1];
    return 2;
}

static int socks5_connect(uint8_t *out, size_t n, int atyp, const uint8_t *addr, size_t alen,
                          uint16_t port)
{
    size_t head = atyp == SOCKS5_ATYP_DOMAINNAME ? 5 : 4;

    if (n < head + alen + 2)
        return PW_ERR_TOO_LONG;
    out[0] = SOCKS5_VERSION;
    out[1] = SOCKS5_CMD_CONNECT;
    out[2] = 0x00; /* RSV */
    out[3] = (uint8_t)atyp;
    if (atyp == SOCKS5_ATYP_DOMAINNAME)
        out[4] = (uint8_t)alen;
    memcpy(out + head, addr, alen);
    out[head + alen] = (uint8_t)(port >> 8);
    out[head + alen + 1] = (uint8_t)port;
    return (int)(head + alen + 2);
}

int proxy_socks5_connect_name(uint8_t *out, size_t n, const char *host, uint16_t port)
{
    size_t hl = strlen(host);

    if (!host_ok(host))
        return PW_ERR_BAD_HOST;
    if (hl > 255)
        return PW_ERR_TOO_LONG;
    return socks5_connect(out, n, SOCKS5_ATYP_DOMAINNAME, (const uint8_t *)host, hl, port);
}

int proxy_socks5_connect_addr(uint8_t *out, size_t n, int atyp, const uint8_t *addr, uint16_t port)
{
    if (atyp != SOCKS5_ATYP_IPV4 && atyp != SOCKS5_ATYP_IPV6)
        return PW_ERR_BAD_HOST;
    return socks5_connect(out, n, atyp, addr, atyp == SOCKS5_ATYP_IPV4 ? 4 : 16, port);
}

int proxy_socks5_parse_reply(const uint8_t *buf, size_t len, int *rep)
{
    size_t need;

    if (len >= 1 && buf[0] != SOCKS5_VERSION)
        return PW_ERR_VERSION;
    if (len < 2)
        return PW_NEED_MORE;
    *rep = buf[1];
    if (buf[1] != SOCKS5_REP_SUCCEEDED)
        return 2;
    if (len < 4)
        return PW_NEED_MORE;
    /* RSV (buf[2]) is 0 by the RFC; it is not checked, as curl does not either. */
    switch (buf[3]) {
    case SOCKS5_ATYP_IPV4:
        need = 4 + 4 + 2;
        break;
    case SOCKS5_ATYP_IPV6:
        need = 4 + 16 + 2;
        break;
    case SOCKS5_ATYP_DOMAINNAME:
        if (len < 5)
            return PW_NEED_MORE;
        need = 5 + (size_t)buf[4] + 2;
        break;
    default:
        return PW_ERR_MALFORMED;
    }
    return len < need ? PW_NEED_MORE : (int)need;
}

const char *proxy_socks5_reply_text(int rep)
{
    /* RFC 1928 §6 */
    static const char *const text[] = {
        "succeeded",
        "general SOCKS server failure",
        "connection not allowed by ruleset",
        "network unreachable",
        "host unreachable",
        "connection refused",
        "TTL expired",
        "command not supported",
        "address type not supported",
    };

    if (rep >= 0 && (size_t)rep < sizeof text / sizeof text[0])
        return text[rep];
    return "unassigned reply code";
}

/* ---- SOCKS4a ---- */

int proxy_socks4_request(uint8_t *out, size_t n, const char *host, uint16_t port, const char *user)
{
    struct in_addr a4;
    size_t ul = strlen(user ? user : ""), hl = strlen(host), len;
    bool literal = inet_pton(AF_INET, host, &a4) == 1;

    if (!host_ok(host))
        return PW_ERR_BAD_HOST;
    if (ul > 255 || hl > 255)
        return PW_ERR_TOO_LONG;
    len = 8 + ul + 1 + (literal ? 0 : hl + 1);
    if (n < len)
        return PW_ERR_TOO_LONG;
    out[0] = SOCKS4_VERSION;
    out[1] = SOCKS4_CMD_CONNECT;
    out[2] = (uint8_t)(port >> 8);
    out[3] = (uint8_t)port;
    if (literal) {
        memcpy(out + 4, &a4, 4);
    } else {
        static const uint8_t invalid_ip[4] = {0, 0, 0, 1}; /* 4A: "resolve the name below" */
        memcpy(out + 4, invalid_ip, 4);
    }
    memcpy(out + 8, user ? user : "", ul);
    out[8 + ul] = 0;
    if (!literal) {
        memcpy(out + 9 + ul, host, hl);
        out[9 + ul + hl] = 0;
    }
    return (int)len;
}

int proxy_socks4_parse_reply(const uint8_t *buf, size_t len, int *code)
{
    if (len >= 1 && buf[0] != 0x00 && buf[0] != SOCKS4_VERSION)
        return PW_ERR_VERSION;
    if (len < 8)
        return PW_NEED_MORE;
    *code = buf[1];
    return 8;
}

const char *proxy_socks4_reply_text(int code)
{
    switch (code) {
    case 0x5a:
        return "request granted";
    case 0x5b:
        return "request rejected or failed";
    case 0x5c:
        return "request rejected: the proxy cannot reach our identd";
    case 0x5d:
        return "request rejected: identd reports a different user id";
    default:
        return "unknown reply code";
    }
}
