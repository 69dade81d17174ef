/*
 * handshake - client side of the RFC 6455 opening handshake: the upgrade request (§4.1) and
 * the checks on the server's response (§4.1 client steps 1-6, §4.2.2 for the accept value).
 * The response head is parsed in place by http.c; see handshake.h.
 */
#include "handshake.h"

#include <stdlib.h>
#include <string.h>

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
        return HS_ERR_HEADER_FORM;
    }
    for (const char *p = line; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n') {
            *why = "a header cannot contain a line break";
            return HS_ERR_HEADER_FORM;
        }
    }
    size_t nlen = 0;
    while (http_is_tchar((unsigned char)line[nlen]))
        nlen++;
    if (nlen == 0 || line[nlen] != ':') {
        *why = "expected \"Name: value\" (a name made of token characters, then ':')";
        return HS_ERR_HEADER_FORM;
    }
    for (const char *p = line + nlen + 1; *p != '\0'; p++) {
        if (!http_is_field_char((unsigned char)*p)) {
            *why = "a header value cannot contain control characters";
            return HS_ERR_HEADER_FORM;
        }
    }
    for (size_t i = 0; i < sizeof(hs_owned) / sizeof(hs_owned[0]); i++) {
        if (http_name_is(line, nlen, hs_owned[i].name)) {
            *why = hs_owned[i].why;
            return HS_ERR_HEADER;
        }
    }
    if (authorization_set && http_name_is(line, nlen, "Authorization")) {
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
    return colon != NULL && http_name_is(line, (size_t)(colon - line), name);
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

int handshake_response_parse(const char *buf, size_t len, struct handshake_response *resp)
{
    struct http_response r;
    int n =
        http_parse_response(buf, len, &r, resp->headers, HANDSHAKE_MAX_HEADERS, HANDSHAKE_MAX_HEAD);
    resp->minor_version = r.minor_version;
    resp->status = r.status;
    resp->reason = r.reason;
    resp->reason_len = r.reason_len;
    resp->nheaders = r.nheaders;
    switch (n) {
    case HTTP_NEED_MORE:
        return HS_NEED_MORE;
    case HTTP_ERR_TOO_MANY_HEADERS:
        return HS_ERR_TOO_MANY_HEADERS;
    case HTTP_ERR_TOO_LONG:
        return HS_ERR_HEAD_TOO_LONG;
    default:
        return n < 0 ? HS_ERR_MALFORMED : n;
    }
}

#define HS_STR_(x) #x
#define HS_STR(x)  HS_STR_(x)
_Static_assert(HANDSHAKE_MAX_HEAD == 64 * 1024, "the message below says 64 KiB");

const char *handshake_parse_error(int err)
{
    switch (err) {
    case HS_ERR_TOO_MANY_HEADERS:
        return "too many header fields (over " HS_STR(HANDSHAKE_MAX_HEADERS) ")";
    case HS_ERR_HEAD_TOO_LONG:
        return "response head longer than 64 KiB";
    default:
        return "not an HTTP response";
    }
}

const struct http_header *handshake_response_header(const struct handshake_response *resp,
                                                    const char *name)
{
    return http_header_find(resp->headers, resp->nheaders, name);
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
    if (!http_header_has_token(resp->headers, resp->nheaders, "Upgrade", "websocket"))
        return hs_fail(HS_ERR_UPGRADE, "the response has no \"Upgrade: websocket\" header", why);
    if (!http_header_has_token(resp->headers, resp->nheaders, "Connection", "upgrade"))
        return hs_fail(HS_ERR_CONNECTION, "the response's Connection header lacks \"upgrade\"",
                       why);

    size_t naccept = http_header_count(resp->headers, resp->nheaders, "Sec-WebSocket-Accept");
    if (naccept == 0)
        return hs_fail(HS_ERR_ACCEPT, "the response has no Sec-WebSocket-Accept header", why);
    if (naccept > 1)
        return hs_fail(HS_ERR_ACCEPT, "the response has more than one Sec-WebSocket-Accept", why);
    const struct http_header *h = handshake_response_header(resp, "Sec-WebSocket-Accept");
    char want[HANDSHAKE_ACCEPT_LEN + 1];
    handshake_accept_for(req->key, want);
    if (h->value_len != strlen(want) || memcmp(h->value, want, h->value_len) != 0)
        return hs_fail(HS_ERR_ACCEPT, "Sec-WebSocket-Accept does not match the key we sent", why);

    size_t nproto = http_header_count(resp->headers, resp->nheaders, "Sec-WebSocket-Protocol");
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

    if (req->extensions == NULL &&
        http_header_count(resp->headers, resp->nheaders, "Sec-WebSocket-Extensions") > 0)
        return hs_fail(HS_ERR_EXTENSION, "the server selected an extension that was not offered",
                       why);
    if (why != NULL)
        *why = NULL;
    return 0;
}
