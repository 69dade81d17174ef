/*
 * conn_handshake - the client's side of the opening handshake (RFC 6455 §4.1, §4.2.2): send the
 * upgrade request, read the reply, and report a refusal with the start of its body. Everything
 * the server wrote is escaped before it reaches the user (log or message). See conn_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conn_int.h"
#include "log.h"
#include "status.h"

#define CONN_SHOWN_REASON 200 /* bytes of a reason phrase shown */
#define CONN_SHOWN_BODY   200 /* bytes of a refusal's body shown (after folding white space) */

/* Peer-controlled text for a message to the user: control bytes escaped, never raw. Written
 * straight into out: escaping makes at most 4 bytes of 1 ("\\xNN"), so with the input cut to
 * (n - 1) / 4 bytes the buffer over out never has to grow (no allocation). Callers size out as
 * 4 * shown + 1. */
void conn_escape(char *out, size_t n, const uint8_t *p, size_t len)
{
    if (n == 0)
        return;
    size_t max = (n - 1) / 4;
    struct buf b = {.data = (uint8_t *)out, .off = 0, .len = 0, .cap = n - 1};
    if (status_escape(&b, p, len < max ? len : max, len < max ? len : max) < 0 ||
        b.data != (uint8_t *)out)
        b.len = 0; /* cannot happen: the bound above keeps it within out */
    out[b.len] = '\0';
}

/* -v's header log: each line escaped (a header value may carry ESC or C1 controls), then
 * log_http_head(), which redacts credentials. */
static void log_head(const char *prefix, const char *head, size_t len)
{
    if (!log_enabled(LOG_VERBOSE))
        return;
    struct buf b;
    buf_init(&b);
    const char *p = head, *end = head + len;
    int rc = 0;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the blank line that ends the head */
        if (n >= 9 && strncasecmp(p, "location:", 9) == 0) {
            /* A redirect's target may carry a token in its query: shown redacted. */
            char shown[4 * 200 + 8];
            size_t skip = 9;
            while (skip < n && (p[skip] == ' ' || p[skip] == '\t'))
                skip++;
            conn_hop_location_shown(p + skip, n - skip, shown, sizeof shown);
            rc = buf_append(&b, p, 9);
            if (rc == 0)
                rc = buf_append(&b, " ", 1);
            if (rc == 0)
                rc = buf_append(&b, shown, strlen(shown));
        } else {
            rc = status_escape(&b, (const uint8_t *)p, n, n);
        }
        if (rc == 0)
            rc = buf_append(&b, "\r\n", 2);
        p = nl ? nl + 1 : end;
    }
    if (rc == 0)
        log_http_head(prefix, (const char *)buf_head(&b), b.len);
    buf_free(&b);
}

void conn_hs_refused(struct conn *c)
{
    struct handshake_response r;
    const char *head = (const char *)buf_head(&c->hs_in);
    int n = handshake_response_parse(head, c->hs_in.len, &r);
    if (n < 0) {
        conn_finish(c, CONN_ERR_REFUSED, "HTTP %d", c->http_status);
        return;
    }
    /* The start of the body on one line: line breaks and tabs become one space. */
    char body[CONN_SHOWN_BODY + 1];
    size_t bl = c->hs_in.len - (size_t)n, k = 0;
    for (size_t i = 0; i < bl && k < sizeof body - 1; i++) {
        unsigned char ch = (unsigned char)head[n + i];
        if (ch == '\r' || ch == '\n' || ch == '\t')
            ch = ' ';
        if (ch == ' ' && (k == 0 || body[k - 1] == ' '))
            continue;
        body[k++] = (char)ch;
    }
    while (k > 0 && body[k - 1] == ' ')
        k--;
    char reason[4 * CONN_SHOWN_REASON + 1], shown[4 * CONN_SHOWN_BODY + 1];
    conn_escape(reason, sizeof reason, (const uint8_t *)r.reason,
                r.reason_len < CONN_SHOWN_REASON ? r.reason_len : CONN_SHOWN_REASON);
    if (c->location != NULL) {
        /* A redirect not followed: where it points says more than its body. */
        bool hint = !c->cfg.follow_redirects && conn_hop_followable(r.status);
        conn_hop_location_text(c, shown, sizeof shown);
        conn_finish(c, CONN_ERR_REFUSED, "HTTP/1.%d %d %s, Location: %s%s", r.minor_version,
                    r.status, reason, shown, hint ? "; use -L to follow" : "");
        return;
    }
    conn_escape(shown, sizeof shown, (const uint8_t *)body, k);
    conn_finish(c, CONN_ERR_REFUSED, "HTTP/1.%d %d %s%s%s", r.minor_version, r.status, reason,
                k ? ": " : "", shown);
}

/* Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. -1 when absent or bad. */
static long parse_retry_after(const struct handshake_header *h)
{
    char v[64];
    if (h == NULL || h->value_len == 0 || h->value_len >= sizeof v)
        return -1;
    memcpy(v, h->value, h->value_len);
    v[h->value_len] = '\0';
    char *end;
    long secs = strtol(v, &end, 10);
    if (*end == '\0' && secs >= 0)
        return secs;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    time_t when = timegm(&tm), now = time(NULL);
    return when > now ? (long)(when - now) : 0;
}

/* A refusal's body is complete at its Content-Length, or once we hold all we keep of it. */
static bool refusal_complete(const struct conn *c)
{
    size_t have = c->hs_in.len - c->head_len;
    return have >= CONN_REFUSAL_BODY_MAX || (c->body_want >= 0 && have >= (size_t)c->body_want);
}

static void handshake_reply(struct conn *c)
{
    struct handshake_response r;
    const char *head = (const char *)buf_head(&c->hs_in);
    size_t len = c->hs_in.len;
    /* Parse in full only once the head has ended, at the length limit, or when the bytes held
     * have doubled since the last parse (so garbage is still caught early): a server sending
     * its head a byte at a time costs linear time, not a parse of everything on each read. */
    if (!http_head_complete(head, len, &c->hs_scanned) && len < HANDSHAKE_MAX_HEAD &&
        len < 2 * c->hs_parsed)
        return;
    c->hs_parsed = len;
    int n = handshake_response_parse(head, len, &r);
    if (n == HS_NEED_MORE)
        return;
    if (n == HS_ERR_TOO_MANY_HEADERS || n == HS_ERR_HEAD_TOO_LONG) {
        conn_finish(c, CONN_ERR_HANDSHAKE, "%s", handshake_parse_error(n));
        return;
    }
    if (n < 0) {
        /* hs_in has no terminating NUL: scan it by length, and show it escaped. */
        const char *nl = memchr(head, '\n', c->hs_in.len);
        size_t l = nl ? (size_t)(nl - head) : c->hs_in.len;
        char shown[256];
        conn_escape(shown, sizeof shown, (const uint8_t *)head, l > 60 ? 60 : l);
        conn_finish(c, CONN_ERR_HANDSHAKE, "not an HTTP response ('%s')", shown);
        return;
    }
    log_head("< ", head, (size_t)n);
    const char *sub = NULL, *why = NULL;
    size_t sublen = 0;
    int rc = handshake_response_check(&r, &c->req, &sub, &sublen, &why);
    if (rc == HS_ERR_STATUS) {
        /* Wait briefly for the body too (up to Content-Length, EOF, CONN_REFUSAL_BODY_MAX
         * bytes or 1 s): it says why. */
        const struct handshake_header *cl = handshake_response_header(&r, "Content-Length");
        c->body_want = cl ? strtol(cl->value, NULL, 10) : -1;
        c->http_status = r.status;
        c->retry_after = parse_retry_after(handshake_response_header(&r, "Retry-After"));
        if (conn_hop_reply(c, &r)) /* -L followed it, or refused to */
            return;
        c->head_len = (size_t)n;
        c->refusing = true;
        c->deadline = conn_now() + CONN_REFUSAL_WAIT_MS;
        if (refusal_complete(c))
            conn_hs_refused(c);
        return;
    }
    if (rc < 0) {
        conn_finish(c, CONN_ERR_HANDSHAKE, "%s", why);
        return;
    }
    if (sub) {
        size_t l = sublen < sizeof c->subprotocol - 1 ? sublen : sizeof c->subprotocol - 1;
        memcpy(c->subprotocol, sub, l);
        c->subprotocol[l] = '\0';
    }
    conn_hop_elapsed(c, "upgraded (HTTP 101)");
    conn_hop_mark(c, &c->tm.upgrade_us);
    conn_open_session(c, (size_t)n);
}

void conn_hs_input(struct conn *c, const uint8_t *data, size_t len)
{
    if (c->refusing) {
        /* Keep only what is shown; a server streaming its body must not fill our memory. */
        size_t room = c->head_len + CONN_REFUSAL_BODY_MAX - c->hs_in.len;
        if (buf_append(&c->hs_in, data, len < room ? len : room) < 0) {
            conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
            return;
        }
        if (refusal_complete(c))
            conn_hs_refused(c);
        return;
    }
    if (buf_append(&c->hs_in, data, len) < 0) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    handshake_reply(c);
}

void conn_hs_send(struct conn *c)
{
    const struct conn_config *cfg = &c->cfg;
    c->req.host_header = c->host_header;
    c->req.resource = cfg->resource;
    c->req.origin = cfg->origin;
    c->req.subprotocols = cfg->subprotocols;
    c->req.nsubprotocols = cfg->nsubprotocols;
    c->req.headers = cfg->headers;
    c->req.nheaders = cfg->nheaders;
    c->req.authorization = cfg->authorization;
    c->req.extensions = NULL;
    if (handshake_key_new(&c->req) < 0) {
        conn_finish(c, CONN_ERR_INTERNAL, "the random generator failed");
        return;
    }
    buf_clear(&c->hs_out);
    if (handshake_request_build(&c->req, &c->hs_out) < 0) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    log_head("> ", (const char *)buf_head(&c->hs_out), c->hs_out.len);
    conn_set_state(c, CONN_HANDSHAKE);
    conn_flush_out(c);
}
