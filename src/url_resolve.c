/*
 * url_resolve - a redirect's Location resolved against the current URL (RFC 3986 §5.2, as
 * RFC 9110 §10.2.2 asks); see url_resolve() in url.h. The result is built as a URL string and
 * parsed by url_parse(), so it meets every rule a URL the user gives does.
 *
 * Deliberate choices:
 * - Dot segments go from the path (§5.2.4), never from the query.
 * - Spaces and bytes >= 0x80 are percent-encoded in the result (as curl does): a server's
 *   Location may carry them raw, and they must not reach the request line so. Escapes already
 *   there are kept; control bytes are left for url_parse() to refuse.
 */
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int url_fail(struct url *u, int err, const char *msg, const char **why)
{
    url_free(u);
    if (why != NULL)
        *why = msg;
    return err;
}

static bool url_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The length of ref's scheme (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"),
 * or 0 when ref has none (it is a relative reference). */
static size_t url_scheme_len(const char *s, size_t n)
{
    if (n == 0 || !url_is_alpha(s[0]))
        return 0;
    size_t i = 1;
    while (i < n && (url_is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
                     s[i] == '-' || s[i] == '.'))
        i++;
    return i < n && s[i] == ':' ? i : 0;
}

/* RFC 3986 §5.2.4 remove_dot_segments, in place on the NUL-terminated path p: the output never
 * gets ahead of the input, so one buffer holds both. */
static void url_remove_dots(char *p)
{
    size_t i = 0, o = 0, n = strlen(p);
    while (i < n) {
        const char *r = p + i;
        size_t left = n - i;
        if (left >= 3 && memcmp(r, "../", 3) == 0) {
            i += 3; /* A */
        } else if (left >= 2 && memcmp(r, "./", 2) == 0) {
            i += 2;
        } else if (left >= 3 && memcmp(r, "/./", 3) == 0) {
            i += 2; /* B: "/./" becomes "/" */
        } else if (left == 2 && memcmp(r, "/.", 2) == 0) {
            p[++i] = '/'; /* "/." at the end becomes "/" (overwrites the '.', i >= o) */
            n = i + 1;
        } else if ((left >= 4 && memcmp(r, "/../", 4) == 0) ||
                   (left == 3 && memcmp(r, "/..", 3) == 0)) {
            /* C: drop the last output segment and its '/' */
            if (left == 3) {
                i += 2;
                p[i] = '/';
                n = i + 1;
            } else {
                i += 3;
            }
            while (o > 0 && p[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else if ((left == 1 && r[0] == '.') || (left == 2 && memcmp(r, "..", 2) == 0)) {
            i = n; /* D */
        } else {
            /* E: the first segment, with its leading '/', moves to the output */
            if (p[i] == '/')
                p[o++] = p[i++];
            while (i < n && p[i] != '/')
                p[o++] = p[i++];
        }
    }
    p[o] = '\0';
}

/* Append s[0..n) to the heap string *dst of length *len; -1 when out of memory. */
static int url_cat(char **dst, size_t *len, const char *s, size_t n)
{
    char *p = realloc(*dst, *len + n + 1);
    if (p == NULL)
        return -1;
    memcpy(p + *len, s, n);
    *len += n;
    p[*len] = '\0';
    *dst = p;
    return 0;
}

/* Append path[0..n), dot segments removed, to *dst. */
static int url_cat_path(char **dst, size_t *len, const char *path, size_t n)
{
    char *p = strndup(path, n);
    if (p == NULL)
        return -1;
    url_remove_dots(p);
    int rc = url_cat(dst, len, p, strlen(p));
    free(p);
    return rc;
}

/* s[0..n) with each space and each byte >= 0x80 as "%XX" (upper-case hex, as curl writes them),
 * into a new heap string; every other byte, '%' and escapes included, is kept. NULL when out of
 * memory. */
static char *url_encode_loose(const char *s, size_t n, size_t *outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || (unsigned char)s[i] >= 0x80)
            extra += 2;
    char *p = malloc(n + extra + 1);
    if (p == NULL)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c >= 0x80) {
            p[j++] = '%';
            p[j++] = hex[c >> 4];
            p[j++] = hex[c & 15];
        } else {
            p[j++] = (char)c;
        }
    }
    p[j] = '\0';
    *outlen = j;
    return p;
}

int url_resolve(const struct url *base, const char *ref, struct url *out, const char **why)
{
    memset(out, 0, sizeof *out);
    size_t rlen = strcspn(ref, "#"); /* the fragment is never sent */
    size_t sl = url_scheme_len(ref, rlen);
    char *s = NULL;
    size_t len = 0;
    int rc = 0;
    const char *rest = ref; /* ref after its scheme */
    if (sl > 0) {
        static const char *const ok[] = {"ws", "wss", "http", "https"};
        bool known = false;
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            known |= strlen(ok[i]) == sl && strncasecmp(ref, ok[i], sl) == 0;
        if (!known)
            return url_fail(out, URL_ERR_SCHEME,
                            "a redirect may only lead to ws://, wss://, http:// or https://", why);
        rc = url_cat(&s, &len, ref, sl + 1);
        rest = ref + sl + 1;
    } else {
        rc = url_cat(&s, &len, base->tls ? "wss:" : "ws:", base->tls ? 4 : 3);
    }
    size_t restlen = rlen - (size_t)(rest - ref);
    if (rc == 0 && (sl > 0 || (restlen >= 2 && memcmp(rest, "//", 2) == 0))) {
        /* An authority of its own: "//" authority, then the path (dots removed) and query. */
        size_t alen = restlen >= 2 && memcmp(rest, "//", 2) == 0 ? 2 + strcspn(rest + 2, "/?#") : 0;
        if (alen > restlen)
            alen = restlen;
        size_t plen = strcspn(rest + alen, "?#");
        if (alen + plen > restlen)
            plen = restlen - alen;
        rc = url_cat(&s, &len, rest, alen);
        if (rc == 0)
            rc = url_cat_path(&s, &len, rest + alen, plen);
        if (rc == 0)
            rc = url_cat(&s, &len, rest + alen + plen, restlen - alen - plen);
    } else if (rc == 0) {
        /* base's authority (never its userinfo) with a path and query from ref or base */
        char port[8];
        snprintf(port, sizeof port, ":%u", (unsigned)base->port);
        rc = url_cat(&s, &len, "//", 2);
        if (rc == 0 && base->ipv6)
            rc = url_cat(&s, &len, "[", 1);
        if (rc == 0)
            rc = url_cat(&s, &len, base->host, strlen(base->host));
        if (rc == 0 && base->ipv6)
            rc = url_cat(&s, &len, "]", 1);
        if (rc == 0)
            rc = url_cat(&s, &len, port, strlen(port));
        const char *bq = strchr(base->resource, '?');
        size_t bplen = bq ? (size_t)(bq - base->resource) : strlen(base->resource);
        size_t plen = strcspn(ref, "?#");
        if (plen > rlen)
            plen = rlen;
        if (rc == 0 && plen == 0) {
            /* empty path: base's path, and ref's query if it has one, else base's */
            rc = url_cat(&s, &len, base->resource, bplen);
            if (rc == 0 && rlen > 0)
                rc = url_cat(&s, &len, ref, rlen);
            else if (rc == 0 && bq)
                rc = url_cat(&s, &len, bq, strlen(bq));
        } else if (rc == 0) {
            /* §5.2.3 merge: an absolute path as is, a relative one after base's directory */
            char *path = NULL;
            size_t pl = 0;
            if (ref[0] != '/') {
                const char *slash = memrchr(base->resource, '/', bplen);
                rc = url_cat(&path, &pl, base->resource,
                             slash ? (size_t)(slash - base->resource) + 1 : 0);
            }
            if (rc == 0)
                rc = url_cat(&path, &pl, ref, plen);
            if (rc == 0)
                rc = url_cat_path(&s, &len, path ? path : "", pl);
            free(path);
            if (rc == 0)
                rc = url_cat(&s, &len, ref + plen, rlen - plen);
        }
    }
    if (rc < 0) {
        free(s);
        return url_fail(out, URL_ERR_NOMEM, "out of memory", why);
    }
    /* A server's Location may hold spaces or raw UTF-8: they must not go raw into the request
     * line. Control bytes stay, for url_parse() to refuse; a space in the host becomes "%20",
     * which it refuses too. */
    size_t elen = 0;
    char *e = url_encode_loose(s, len, &elen);
    /* The result may carry a password from ref: wipe the copies. */
    explicit_bzero(s, len);
    free(s);
    if (e == NULL)
        return url_fail(out, URL_ERR_NOMEM, "out of memory", why);
    rc = url_parse(e, out, why);
    explicit_bzero(e, elen);
    free(e);
    return rc;
}
