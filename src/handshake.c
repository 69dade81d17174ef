/*
 * handshake - client side of the RFC 6455 opening handshake: the upgrade request (§4.1) and
 * the checks on the server's response (§4.1 client steps 1-6, §4.2.2 for the accept value).
 * The response head is parsed in place per RFC 7230 §3 (status line §3.1.2, header fields
 * §3.2, no obsolete line folding §3.2.4); see handshake.h.
 */
#include "handshake.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "crypto.h"
#include "rand.h"

#ifndef WSC_VERSION
#define WSC_VERSION "0"
#endif

/* RFC 6455 §1.3: appended to the key before hashing. */
static const char handshake_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int handshake_key_new(struct handshake_request *req)
{
    uint8_t nonce[16];
    if (rand_bytes(nonce, sizeof(nonce)) < 0)
        return HS_ERR_RANDOM;
    base64_encode(nonce, sizeof(nonce), req->key);
    return 0;
}

void handshake_accept_for(const char *key, char out[HANDSHAKE_ACCEPT_LEN + 1])
{
    char small[128];
    size_t klen = strlen(key);
    size_t glen = sizeof(handshake_guid) - 1;
    char *cat = small;
    /* Our own keys are 24 bytes; a longer one only comes from a caller's test. */
    if (klen + glen > sizeof(small)) {
        cat = malloc(klen + glen);
        if (cat == NULL) {
            out[0] = '\0'; /* matches no server's answer, so the check fails safely */
            return;
        }
    }
    memcpy(cat, key, klen);
    memcpy(cat + klen, handshake_guid, glen);
    uint8_t digest[CRYPTO_SHA1_SIZE];
    int rc = crypto_sha1(cat, klen + glen, digest);
    if (cat != small)
        free(cat);
    if (rc < 0) {
        out[0] = '\0'; /* as above: no answer matches */
        return;
    }
    base64_encode(digest, sizeof(digest), out);
}

/* RFC 7230 §3.2.6 tchar. */
static bool hs_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 7230 §3.2 field-vchar / SP / HTAB: anything but controls (HTAB allowed) and DEL. */
static bool hs_is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool hs_name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* Headers the handshake writes itself (or that make no sense on a GET upgrade). */
static const struct {
    const char *name;
    const char *why;
} hs_owned[] = {
    {"Host", "Host is set from the URL"},
    {"Upgrade", "wsc sets Upgrade itself"},
    {"Connection", "wsc sets Connection itself"},
    {"Sec-WebSocket-Key", "wsc generates Sec-WebSocket-Key itself"},
    {"Sec-WebSocket-Version", "wsc sets Sec-WebSocket-Version itself"},
    {"Sec-WebSocket-Accept", "Sec-WebSocket-Accept is a response header"},
    {"Sec-WebSocket-Protocol", "use -s/--subprotocol to offer subprotocols"},
    {"Sec-WebSocket-Extensions", "wsc negotiates Sec-WebSocket-Extensions itself"},
    {"Content-Length", "the upgrade request has no body"},
    {"Transfer-Encoding", "the upgrade request has no body"},
};

int handshake_header_allowed(const char *line, bool authorization_set, const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if (line == NULL) {
        *why = "expected \"Name: value\"";
        return HS_ERR_MALFORMED;
    }
    for (const char *p = line; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n') {
            *why = "a header cannot contain a line break";
            return HS_ERR_MALFORMED;
        }
    }
    size_t nlen = 0;
    while (hs_is_tchar((unsigned char)line[nlen]))
        nlen++;
    if (nlen == 0 || line[nlen] != ':') {
        *why = "expected \"Name: value\" (a name made of token characters, then ':')";
        return HS_ERR_MALFORMED;
    }
    for (const char *p = line + nlen + 1; *p != '\0'; p++) {
        if (!hs_is_value_char((unsigned char)*p)) {
            *why = "a header value cannot contain control characters";
            return HS_ERR_MALFORMED;
        }
    }
    for (size_t i = 0; i < sizeof(hs_owned) / sizeof(hs_owned[0]); i++) {
        if (hs_name_is(line, nlen, hs_owned[i].name)) {
            *why = hs_owned[i].why;
            return HS_ERR_HEADER;
        }
    }
    if (authorization_set && hs_name_is(line, nlen, "Authorization")) {
        *why = "Authorization conflicts with --bearer/--auth/URL credentials";
        return HS_ERR_HEADER;
    }
    *why = NULL;
    return 0;
}

static int hs_put(struct buf *out, const char *s)
{
    return buf_append(out, s, strlen(s));
}

/* Append "name: value\r\n". */
static int hs_put_header(struct buf *out, const char *name, const char *value)
{
    if (hs_put(out, name) < 0 || hs_put(out, ": ") < 0 || hs_put(out, value) < 0 ||
        hs_put(out, "\r\n") < 0)
        return -1;
    return 0;
}

/* Whether a "Name: value" line names the header name. */
static bool hs_line_names(const char *line, const char *name)
{
    const char *colon = strchr(line, ':');
    return colon != NULL && hs_name_is(line, (size_t)(colon - line), name);
}

int handshake_request_build(const struct handshake_request *req, struct buf *out)
{
    size_t start = out->len;
    if (hs_put(out, "GET ") < 0 || hs_put(out, req->resource) < 0 ||
        hs_put(out, " HTTP/1.1\r\n") < 0 || hs_put_header(out, "Host", req->host_header) < 0 ||
        hs_put_header(out, "Upgrade", "websocket") < 0 ||
        hs_put_header(out, "Connection", "Upgrade") < 0 ||
        hs_put_header(out, "Sec-WebSocket-Key", req->key) < 0 ||
        hs_put_header(out, "Sec-WebSocket-Version", "13") < 0)
        goto nomem;
    if (req->origin != NULL && hs_put_header(out, "Origin", req->origin) < 0)
        goto nomem;
    if (req->nsubprotocols > 0) {
        if (hs_put(out, "Sec-WebSocket-Protocol: ") < 0)
            goto nomem;
        for (size_t i = 0; i < req->nsubprotocols; i++) {
            if ((i > 0 && hs_put(out, ", ") < 0) || hs_put(out, req->subprotocols[i]) < 0)
                goto nomem;
        }
        if (hs_put(out, "\r\n") < 0)
            goto nomem;
    }
    if (req->extensions != NULL &&
        hs_put_header(out, "Sec-WebSocket-Extensions", req->extensions) < 0)
        goto nomem;
    if (req->authorization != NULL && hs_put_header(out, "Authorization", req->authorization) < 0)
        goto nomem;
    bool user_agent = false;
    for (size_t i = 0; i < req->nheaders; i++)
        if (hs_line_names(req->headers[i], "User-Agent"))
            user_agent = true;
    if (!user_agent && hs_put_header(out, "User-Agent", "wsc/" WSC_VERSION) < 0)
        goto nomem;
    for (size_t i = 0; i < req->nheaders; i++) {
        if (hs_put(out, req->headers[i]) < 0 || hs_put(out, "\r\n") < 0)
            goto nomem;
    }
    if (hs_put(out, "\r\n") < 0)
        goto nomem;
    return 0;
nomem:
    /* Leave out as it was: a half-written request must never reach the wire. */
    out->len = start;
    return HS_ERR_NOMEM;
}

/* Parse the status line s[0..n) (line end removed). */
static int hs_parse_status(const char *s, size_t n, struct handshake_response *resp)
{
    /* "HTTP/1.x" SP 3DIGIT [SP reason]; the reason may be empty or (leniently) absent. */
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
        return HS_ERR_MALFORMED;
    for (int i = 9; i < 12; i++)
        if (s[i] < '0' || s[i] > '9')
            return HS_ERR_MALFORMED;
    resp->minor_version = s[7] - '0';
    resp->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (n == 12) {
        resp->reason = s + 12;
        resp->reason_len = 0;
        return 0;
    }
    if (s[12] != ' ')
        return HS_ERR_MALFORMED;
    for (size_t i = 13; i < n; i++)
        if (!hs_is_value_char((unsigned char)s[i]))
            return HS_ERR_MALFORMED;
    resp->reason = s + 13;
    resp->reason_len = n - 13;
    return 0;
}

static bool hs_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse one header line s[0..n) (line end removed) into resp. */
static int hs_parse_header(const char *s, size_t n, struct handshake_response *resp)
{
    /* A line starting with white space is obsolete line folding (RFC 7230 §3.2.4): refuse. */
    size_t nlen = 0;
    while (nlen < n && hs_is_tchar((unsigned char)s[nlen]))
        nlen++;
    if (nlen == 0 || nlen == n || s[nlen] != ':')
        return HS_ERR_MALFORMED;
    size_t vs = nlen + 1, ve = n;
    for (size_t i = vs; i < n; i++)
        if (!hs_is_value_char((unsigned char)s[i]))
            return HS_ERR_MALFORMED;
    while (vs < ve && hs_is_ows(s[vs]))
        vs++;
    while (ve > vs && hs_is_ows(s[ve - 1]))
        ve--;
    if (resp->nheaders == HANDSHAKE_MAX_HEADERS)
        return HS_ERR_MALFORMED;
    struct handshake_header *h = &resp->headers[resp->nheaders++];
    h->name = s;
    h->name_len = nlen;
    h->value = s + vs;
    h->value_len = ve - vs;
    return 0;
}

int handshake_response_parse(const char *buf, size_t len, struct handshake_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    if (len == 0)
        return HS_NEED_MORE;
    /* Fail early on something that is not HTTP at all rather than waiting for a blank line
     * that may never come. */
    static const char prefix[] = "HTTP/1.";
    size_t cmp = len < sizeof(prefix) - 1 ? len : sizeof(prefix) - 1;
    if (memcmp(buf, prefix, cmp) != 0)
        return HS_ERR_MALFORMED;

    size_t pos = 0;
    bool first = true;
    for (;;) {
        size_t limit = len < HANDSHAKE_MAX_HEAD ? len : HANDSHAKE_MAX_HEAD;
        const char *nl = pos < limit ? memchr(buf + pos, '\n', limit - pos) : NULL;
        if (nl == NULL)
            return len >= HANDSHAKE_MAX_HEAD ? HS_ERR_MALFORMED : HS_NEED_MORE;
        size_t end = (size_t)(nl - buf);
        size_t next = end + 1;
        if (end > pos && buf[end - 1] == '\r')
            end--;
        /* A CR anywhere but right before LF, or any NUL, is not HTTP. */
        if (memchr(buf + pos, '\r', end - pos) != NULL || memchr(buf + pos, '\0', end - pos))
            return HS_ERR_MALFORMED;
        int rc;
        if (first) {
            rc = hs_parse_status(buf + pos, end - pos, resp);
            first = false;
        } else if (end == pos) {
            return (int)next;
        } else {
            rc = hs_parse_header(buf + pos, end - pos, resp);
        }
        if (rc < 0)
            return rc;
        pos = next;
    }
}

const struct handshake_header *handshake_response_header(const struct handshake_response *resp,
                                                         const char *name)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (hs_name_is(resp->headers[i].name, resp->headers[i].name_len, name))
            return &resp->headers[i];
    return NULL;
}

static size_t hs_count(const struct handshake_response *resp, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < resp->nheaders; i++)
        if (hs_name_is(resp->headers[i].name, resp->headers[i].name_len, name))
            n++;
    return n;
}

/* Whether any header named name, read as a comma-separated list (RFC 7230 §7), has an
 * element equal to token, case-insensitively. Repeated lines form one list (§3.2.2). */
static bool hs_list_has(const struct handshake_response *resp, const char *name, const char *token)
{
    for (size_t i = 0; i < resp->nheaders; i++) {
        const struct handshake_header *h = &resp->headers[i];
        if (!hs_name_is(h->name, h->name_len, name))
            continue;
        size_t p = 0;
        while (p <= h->value_len) {
            size_t e = p;
            while (e < h->value_len && h->value[e] != ',')
                e++;
            size_t s = p, t = e;
            while (s < t && hs_is_ows(h->value[s]))
                s++;
            while (t > s && hs_is_ows(h->value[t - 1]))
                t--;
            if (hs_name_is(h->value + s, t - s, token))
                return true;
            p = e + 1;
        }
    }
    return false;
}

static int hs_fail(int err, const char *msg, const char **why)
{
    if (why != NULL)
        *why = msg;
    return err;
}

int handshake_response_check(const struct handshake_response *resp,
                             const struct handshake_request *req, const char **subprotocol,
                             size_t *subprotocol_len, const char **why)
{
    if (subprotocol != NULL)
        *subprotocol = NULL;
    if (subprotocol_len != NULL)
        *subprotocol_len = 0;

    if (resp->status != 101)
        return hs_fail(HS_ERR_STATUS, "the server did not switch protocols (status is not 101)",
                       why);
    if (!hs_list_has(resp, "Upgrade", "websocket"))
        return hs_fail(HS_ERR_UPGRADE, "the response has no \"Upgrade: websocket\" header", why);
    if (!hs_list_has(resp, "Connection", "upgrade"))
        return hs_fail(HS_ERR_CONNECTION, "the response's Connection header lacks \"upgrade\"",
                       why);

    size_t naccept = hs_count(resp, "Sec-WebSocket-Accept");
    if (naccept == 0)
        return hs_fail(HS_ERR_ACCEPT, "the response has no Sec-WebSocket-Accept header", why);
    if (naccept > 1)
        return hs_fail(HS_ERR_ACCEPT, "the response has more than one Sec-WebSocket-Accept", why);
    const struct handshake_header *h = handshake_response_header(resp, "Sec-WebSocket-Accept");
    char want[HANDSHAKE_ACCEPT_LEN + 1];
    handshake_accept_for(req->key, want);
    if (h->value_len != strlen(want) || memcmp(h->value, want, h->value_len) != 0)
        return hs_fail(HS_ERR_ACCEPT, "Sec-WebSocket-Accept does not match the key we sent", why);

    size_t nproto = hs_count(resp, "Sec-WebSocket-Protocol");
    if (nproto > 1)
        return hs_fail(HS_ERR_SUBPROTOCOL, "the server selected more than one subprotocol", why);
    if (nproto == 1) {
        h = handshake_response_header(resp, "Sec-WebSocket-Protocol");
        if (req->nsubprotocols == 0)
            return hs_fail(HS_ERR_SUBPROTOCOL,
                           "the server selected a subprotocol but none was offered", why);
        size_t i;
        for (i = 0; i < req->nsubprotocols; i++) {
            const char *o = req->subprotocols[i];
            if (strlen(o) == h->value_len && memcmp(o, h->value, h->value_len) == 0)
                break;
        }
        if (i == req->nsubprotocols)
            return hs_fail(HS_ERR_SUBPROTOCOL,
                           "the server selected a subprotocol that was not offered", why);
        if (subprotocol != NULL)
            *subprotocol = h->value;
        if (subprotocol_len != NULL)
            *subprotocol_len = h->value_len;
    }

    if (req->extensions == NULL && hs_count(resp, "Sec-WebSocket-Extensions") > 0)
        return hs_fail(HS_ERR_EXTENSION, "the server selected an extension that was not offered",
                       why);
    if (why != NULL)
        *why = NULL;
    return 0;
}
