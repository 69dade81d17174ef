/*
 * fuzz_http - the server's handshake reply: HTTP head parsing and the RFC 6455 §4.1 checks
 * (handshake_response_parse() and handshake_response_check() in src/handshake.h).
 *
 * Input: a config byte (bit 0: offer an extension), a 16-bit cut offset, then the bytes received.
 * Properties of the parser, which the caller feeds the whole buffer received so far:
 * - it answers a head length (at most the input), HS_NEED_MORE or an error (HS_ERR_MALFORMED);
 * - a head parses the same from exactly its own bytes, and every shorter prefix needs more
 *   (checked at the cut and one byte short); a prefix of input that needs more needs more too;
 *   an error stays the same error whatever follows, and a prefix needs more or has that error;
 * - headers point into the head, names are non-empty, values have no blanks at either end.
 * Then the check against a fixed request answers 0 or an HS_ERR_* code with an explanation,
 * fails on any status but 101, and selects only a subprotocol that was offered.
 * The same bytes also go, as a request head, to http_parse_request() (src/http.h, for a later
 * server role), with the same prefix properties; and http_head_complete() must agree with itself
 * whether it scans the input in one go or resumes at the cut, and with the parser (a head the
 * parser found is complete).
 */
#include "fuzz.h"

#include <stdbool.h>

#include "handshake.h"
#include "http.h"

static void check_head(const char *buf, int n, const struct handshake_response *r)
{
    FUZZ_REQUIRE(r->nheaders <= HANDSHAKE_MAX_HEADERS, "%zu headers", r->nheaders);
    FUZZ_REQUIRE(r->reason_len == 0 || (r->reason >= buf && r->reason + r->reason_len <= buf + n),
                 "reason outside the head");
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct handshake_header *h = &r->headers[i];
        FUZZ_REQUIRE(h->name_len > 0 && h->name >= buf && h->name + h->name_len <= buf + n,
                     "header %zu name", i);
        FUZZ_REQUIRE(h->value_len == 0 || (h->value >= buf && h->value + h->value_len <= buf + n),
                     "header %zu value outside the head", i);
        if (h->value_len > 0) {
            char a = h->value[0], z = h->value[h->value_len - 1];
            FUZZ_REQUIRE(a != ' ' && a != '\t' && z != ' ' && z != '\t', "value not trimmed");
        }
    }
}

static bool same_head(const struct handshake_response *a, const struct handshake_response *b)
{
    if (a->status != b->status || a->minor_version != b->minor_version || a->reason != b->reason ||
        a->reason_len != b->reason_len || a->nheaders != b->nheaders)
        return false;
    for (size_t i = 0; i < a->nheaders; i++)
        if (memcmp(&a->headers[i], &b->headers[i], sizeof a->headers[i]) != 0)
            return false;
    return true;
}

static void check_reply(const struct handshake_response *r, bool offer_extension)
{
    static const char *const protos[] = {"chat", "superchat"};
    struct handshake_request req = {
        .host_header = "localhost",
        .resource = "/",
        .subprotocols = protos,
        .nsubprotocols = 2,
        .extensions = offer_extension ? "permessage-deflate" : NULL,
        .key = "dGhlIHNhbXBsZSBub25jZQ==", /* RFC 6455 §1.3's example */
    };
    const char *sub = NULL, *why = NULL;
    size_t sub_len = 0;
    int rc = handshake_response_check(r, &req, &sub, &sub_len, &why);
    if (rc != 0) {
        FUZZ_REQUIRE(rc <= HS_ERR_STATUS && rc >= HS_ERR_EXTENSION, "check: %d", rc);
        FUZZ_REQUIRE(why != NULL && *why != '\0', "no explanation for %d", rc);
        return;
    }
    FUZZ_REQUIRE(r->status == 101, "accepted status %d", r->status);
    if (sub != NULL) {
        bool offered = false;
        for (size_t i = 0; i < 2; i++)
            offered |= strlen(protos[i]) == sub_len && memcmp(protos[i], sub, sub_len) == 0;
        FUZZ_REQUIRE(offered, "subprotocol not offered: %.*s", (int)sub_len, sub);
    }
}

#define REQ_MAX_HEADERS 16

/* The request parser: a head, need-more or an error, with the prefix properties above. */
static void check_request(const char *buf, size_t size, size_t cut)
{
    struct http_header h[REQ_MAX_HEADERS], h2[REQ_MAX_HEADERS];
    struct http_request r, r2;
    int n = http_parse_request(buf, size, &r, h, REQ_MAX_HEADERS, 0);
    FUZZ_REQUIRE(n == HTTP_NEED_MORE || n < -200 || (n > 0 && (size_t)n <= size),
                 "request parse answered %d for %zu bytes", n, size);
    int p = http_parse_request(buf, cut, &r2, h2, REQ_MAX_HEADERS, 0);
    if (n > 0) {
        FUZZ_REQUIRE(r.method_len > 0 && r.target_len > 0 && r.nheaders <= REQ_MAX_HEADERS,
                     "request line");
        FUZZ_REQUIRE(r.method >= buf && r.target + r.target_len <= buf + n, "request outside");
        FUZZ_REQUIRE(http_parse_request(buf, (size_t)n, &r2, h2, REQ_MAX_HEADERS, 0) == n,
                     "the request head alone parses differently");
        FUZZ_REQUIRE(http_parse_request(buf, (size_t)n - 1, &r2, h2, REQ_MAX_HEADERS, 0) ==
                         HTTP_NEED_MORE,
                     "one byte short of the request head");
        FUZZ_REQUIRE(cut >= (size_t)n || p == HTTP_NEED_MORE, "request prefix of %zu: %d", cut, p);
    } else if (n == HTTP_NEED_MORE) {
        FUZZ_REQUIRE(p == HTTP_NEED_MORE, "request prefix of %zu: %d, whole needs more", cut, p);
    } else {
        FUZZ_REQUIRE(p == HTTP_NEED_MORE || p == n, "request prefix %zu: %d, whole: %d", cut, p, n);
    }
}

/* http_head_complete(): resuming at the cut answers as one scan does; a parsed head is complete. */
static void check_complete(const char *buf, size_t size, size_t cut, int parsed)
{
    size_t once = 0, resumed = 0;
    bool whole = http_head_complete(buf, size, &once);
    bool first = http_head_complete(buf, cut, &resumed);
    bool then = http_head_complete(buf, size, &resumed);
    FUZZ_REQUIRE(once == size && resumed == size, "scanned offsets");
    FUZZ_REQUIRE(then == whole || first, "resumed at %zu: %d, one scan: %d", cut, then, whole);
    FUZZ_REQUIRE(!first || whole, "complete at %zu but not over all %zu", cut, size);
    FUZZ_REQUIRE(parsed <= 0 || whole, "parsed a head of %d that is not complete", parsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t cfg = fz_byte(&data, &size);
    size_t cut = fz_u16(&data, &size) % (size + 1);
    const char *buf = (const char *)data;
    struct handshake_response *r = malloc(sizeof *r), *r2 = malloc(sizeof *r2);
    if (r == NULL || r2 == NULL)
        abort();

    int n = handshake_response_parse(buf, size, r);
    /* Any negative answer but HS_NEED_MORE is a parse error (HS_ERR_MALFORMED, or a more
     * precise one such as too many headers); a head is never longer than the input. */
    FUZZ_REQUIRE(n < 0 || (size_t)n <= size, "parse answered %d for %zu bytes", n, size);
    int p = handshake_response_parse(buf, cut, r2);
    if (n > 0) {
        check_head(buf, n, r);
        FUZZ_REQUIRE(handshake_response_parse(buf, (size_t)n, r2) == n && same_head(r, r2),
                     "the head alone parses differently");
        FUZZ_REQUIRE(cut >= (size_t)n || p == HS_NEED_MORE, "prefix of %zu: %d", cut, p);
        FUZZ_REQUIRE(handshake_response_parse(buf, (size_t)n - 1, r2) == HS_NEED_MORE,
                     "one byte short of the head");
        check_reply(r, cfg & 1);
    } else if (n == HS_NEED_MORE) {
        FUZZ_REQUIRE(p == HS_NEED_MORE, "prefix of %zu: %d, whole needs more", cut, p);
    } else {
        FUZZ_REQUIRE(p == HS_NEED_MORE || p == n, "prefix of %zu: %d, whole: %d", cut, p, n);
        /* Nothing that follows can mend a malformed head, or change why it is. */
        char *more = malloc(size + 4);
        if (more == NULL)
            abort();
        memcpy(more, buf, size);
        memcpy(more + size, "\r\n\r\n", 4);
        int m = handshake_response_parse(more, size + 4, r2);
        FUZZ_REQUIRE(m == n, "error %d became %d with a blank line after it", n, m);
        free(more);
    }
    check_request(buf, size, cut);
    check_complete(buf, size, cut, n);
    free(r);
    free(r2);
    return 0;
}
