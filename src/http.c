/*
 * http - HTTP/1.x message heads parsed in place: status line (RFC 9112 §4), request line (§3),
 * header field lines (§5, RFC 9110 §5.1, §5.5, §5.6.2) and the empty line that ends the head;
 * see http.h for the contract and the syntax decisions.
 *
 * Both parsers reparse from byte 0 on every call. A head is at most max_head bytes and every
 * step is linear, so that costs little, and it keeps the parser free of state: the result for
 * a buffer depends on its bytes alone, which is what makes the "same answer whole, byte by byte
 * or cut anywhere" property hold by construction.
 */
#include "http.h"

#include <limits.h>
#include <string.h>

bool http_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool http_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static char http_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool http_name_is(const char *name, size_t len, const char *want)
{
    for (size_t i = 0; i < len; i++)
        if (want[i] == '\0' || http_lower(name[i]) != http_lower(want[i]))
            return false;
    return want[len] == '\0';
}

/* The version in s[0..n): 0 or 1 for "HTTP/1.0" and "HTTP/1.1", HTTP_ERR_VERSION for another
 * "HTTP/" DIGIT "." DIGIT, HTTP_ERR_LINE for anything else. */
static int http_version(const char *s, size_t n)
{
    if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.' || s[5] < '0' || s[5] > '9' ||
        s[7] < '0' || s[7] > '9')
        return HTTP_ERR_LINE;
    if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
        return HTTP_ERR_VERSION;
    return s[7] - '0';
}

/*
 * The first bytes of a response, checked before its first line is complete so that a peer
 * that is not speaking HTTP is found at once. Only buf[0..n) is looked at, and the same bytes
 * are checked whether the line is complete or not, so the verdict never depends on the cut.
 */
static int http_response_start(const char *buf, size_t n)
{
    static const char want[] = "HTTP/1.x ";
    if (n > sizeof(want) - 1)
        n = sizeof(want) - 1;
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (i == 7 ? c == '0' || c == '1' : c == want[i])
            continue;
        if (i < 5)
            return HTTP_ERR_NOT_HTTP;
        return i < 8 ? HTTP_ERR_VERSION : HTTP_ERR_LINE;
    }
    return 0;
}

/* The same for a request: token characters up to the first SP (the method). */
static int http_request_start(const char *buf, size_t n)
{
    size_t i = 0;
    while (i < n && http_is_tchar((unsigned char)buf[i]))
        i++;
    if (i < n && (i == 0 || buf[i] != ' '))
        return HTTP_ERR_NOT_HTTP;
    return 0;
}

/* The status line s[0..n), line end removed; its first 9 bytes passed http_response_start. */
static int http_status_line(const char *s, size_t n, struct http_response *resp)
{
    if (n < 12)
        return HTTP_ERR_LINE;
    for (size_t i = 9; i < 12; i++)
        if (s[i] < '0' || s[i] > '9')
            return HTTP_ERR_LINE;
    resp->minor_version = s[7] - '0';
    resp->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    resp->reason = s + n;
    resp->reason_len = 0;
    if (n == 12)
        return 0;
    if (s[12] != ' ')
        return HTTP_ERR_LINE;
    for (size_t i = 13; i < n; i++)
        if (!http_is_field_char((unsigned char)s[i]))
            return HTTP_ERR_LINE;
    resp->reason = s + 13;
    resp->reason_len = n - 13;
    return 0;
}

/* The request line s[0..n), line end removed; its method passed http_request_start. */
static int http_request_line(const char *s, size_t n, struct http_request *req)
{
    const char *sp = memchr(s, ' ', n);
    if (sp == NULL)
        return HTTP_ERR_LINE;
    size_t m = (size_t)(sp - s), t = m + 1, te = t;
    while (te < n && (unsigned char)s[te] > 0x20 && (unsigned char)s[te] < 0x7f)
        te++;
    if (te == t || te == n || s[te] != ' ')
        return HTTP_ERR_LINE;
    int v = http_version(s + te + 1, n - te - 1);
    if (v < 0)
        return v;
    req->method = s;
    req->method_len = m;
    req->target = s + t;
    req->target_len = te - t;
    req->minor_version = v;
    return 0;
}

/* One header field line s[0..n), line end removed, into *h. */
static int http_field_line(const char *s, size_t n, struct http_header *h)
{
    size_t nlen = 0;
    while (nlen < n && http_is_tchar((unsigned char)s[nlen]))
        nlen++;
    /* Also refuses obs-fold: a line that starts with SP or HTAB has an empty name. */
    if (nlen == 0 || nlen == n || s[nlen] != ':')
        return HTTP_ERR_LINE;
    size_t vs = nlen + 1, ve = n;
    for (size_t i = vs; i < n; i++)
        if (!http_is_field_char((unsigned char)s[i]))
            return HTTP_ERR_LINE;
    while (vs < ve && http_is_ows(s[vs]))
        vs++;
    while (ve > vs && http_is_ows(s[ve - 1]))
        ve--;
    h->name = s;
    h->name_len = nlen;
    h->value = s + vs;
    h->value_len = ve - vs;
    return 0;
}

/* The shared part: start line (into *start, a struct http_request when request, else a struct
 * http_response), header field lines, empty line. */
static int http_parse_head(const char *buf, size_t len, bool request, void *start,
                           struct http_header *headers, size_t max_headers, size_t *nheaders,
                           size_t max_head)
{
    *nheaders = 0;
    if (max_head == 0)
        max_head = HTTP_MAX_HEAD;
    if (max_head > INT_MAX)
        max_head = INT_MAX;
    /* Only bytes below max_head count: past it the answer is "too long" whatever they are. */
    size_t limit = len < max_head ? len : max_head;
    int rc = request ? http_request_start(buf, limit) : http_response_start(buf, limit);
    if (rc < 0)
        return rc;
    size_t pos = 0;
    for (bool first = true;; first = false) {
        const char *nl = pos < limit ? memchr(buf + pos, '\n', limit - pos) : NULL;
        if (nl == NULL)
            return len >= max_head ? HTTP_ERR_TOO_LONG : HTTP_NEED_MORE;
        size_t end = (size_t)(nl - buf), next = end + 1;
        if (end > pos && buf[end - 1] == '\r')
            end--;
        /* A stray CR fails below as a control byte in a name, target, reason or value. */
        if (first) {
            rc = request ? http_request_line(buf + pos, end - pos, start)
                         : http_status_line(buf + pos, end - pos, start);
        } else if (end == pos) {
            return (int)next;
        } else {
            struct http_header h;
            rc = http_field_line(buf + pos, end - pos, &h);
            if (rc == 0 && *nheaders == max_headers)
                rc = HTTP_ERR_TOO_MANY_HEADERS;
            if (rc == 0)
                headers[(*nheaders)++] = h;
        }
        if (rc < 0)
            return rc;
        pos = next;
    }
}

int http_parse_response(const char *buf, size_t len, struct http_response *resp,
                        struct http_header *headers, size_t max_headers, size_t max_head)
{
    memset(resp, 0, sizeof(*resp));
    return http_parse_head(buf, len, false, resp, headers, max_headers, &resp->nheaders, max_head);
}

int http_parse_request(const char *buf, size_t len, struct http_request *req,
                       struct http_header *headers, size_t max_headers, size_t max_head)
{
    memset(req, 0, sizeof(*req));
    return http_parse_head(buf, len, true, req, headers, max_headers, &req->nheaders, max_head);
}

const struct http_header *http_header_find(const struct http_header *headers, size_t n,
                                           const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (http_name_is(headers[i].name, headers[i].name_len, name))
            return &headers[i];
    return NULL;
}

size_t http_header_count(const struct http_header *headers, size_t n, const char *name)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (http_name_is(headers[i].name, headers[i].name_len, name))
            count++;
    return count;
}

bool http_header_has_token(const struct http_header *headers, size_t n, const char *name,
                           const char *token)
{
    for (size_t i = 0; i < n; i++) {
        const struct http_header *h = &headers[i];
        if (!http_name_is(h->name, h->name_len, name))
            continue;
        size_t p = 0;
        while (p <= h->value_len) {
            size_t e = p;
            while (e < h->value_len && h->value[e] != ',')
                e++;
            size_t s = p, t = e;
            while (s < t && http_is_ows(h->value[s]))
                s++;
            while (t > s && http_is_ows(h->value[t - 1]))
                t--;
            if (t > s && http_name_is(h->value + s, t - s, token))
                return true;
            p = e + 1;
        }
    }
    return false;
}

bool http_head_complete(const char *buf, size_t len, size_t *scanned)
{
    size_t i = *scanned > 3 ? *scanned - 3 : 0;
    *scanned = len;
    for (; i + 1 < len; i++) {
        const char *nl = memchr(buf + i, '\n', len - i - 1);
        if (nl == NULL)
            break;
        i = (size_t)(nl - buf);
        if (buf[i + 1] == '\n' || (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n'))
            return true;
    }
    return false;
}
