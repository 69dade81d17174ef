/*
 * fuzz_url_resolve - a redirect's Location resolved against the current URL (url_resolve() in
 * src/url.h, RFC 3986 §5.2): the Location is the server's, so any bytes may come.
 *
 * Input: the base URL, a NUL, then the Location (no NUL: the base alone is resolved against an
 * empty reference). A base that does not parse is skipped. Properties: an error comes with its
 * explanation and leaves the struct freed; a result is a URL url_parse() accepts as it stands
 * (resource starts with '/', a port, no control bytes, no fragment, no space nor byte >= 0x80:
 * those are percent-encoded), a path the Location gave
 * has no "." or ".." segment left, credentials come only from the Location (never base's), and
 * resolving the result's own resource against it gives it back (the result is a fixed point, unless
 * the resource starts with "//", which would read as a host; a Location without a path keeps base's
 * as it is, §5.2.2).
 */
#include "fuzz.h"

#include <stdbool.h>

#include "url.h"

/* True when the path part of resource has a "." or ".." segment. */
static bool has_dot_segment(const char *resource)
{
    size_t plen = strcspn(resource, "?");
    for (size_t i = 0; i < plen; i++) {
        if (resource[i] != '/')
            continue;
        size_t n = strcspn(resource + i + 1, "/?");
        if (i + 1 + n > plen)
            n = plen - i - 1;
        if ((n == 1 && resource[i + 1] == '.') ||
            (n == 2 && resource[i + 1] == '.' && resource[i + 2] == '.'))
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 2);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = s[size + 1] = '\0';
    size_t blen = strlen(s);
    const char *ref = blen < size ? s + blen + 1 : s + size; /* no NUL: an empty reference */

    struct url base, out;
    if (url_parse(s, &base, NULL) != URL_OK) {
        free(s);
        return 0;
    }
    const char *why = NULL;
    int rc = url_resolve(&base, ref, &out, &why);
    if (rc != URL_OK) {
        FUZZ_REQUIRE(rc < 0 && why != NULL && *why != '\0', "rc %d without an explanation", rc);
        FUZZ_REQUIRE(out.host == NULL && out.resource == NULL && out.password == NULL,
                     "fields left after an error");
    } else {
        FUZZ_REQUIRE(out.host != NULL && out.resource != NULL && out.resource[0] == '/', "fields");
        FUZZ_REQUIRE(out.port != 0, "port 0");
        for (const char *q = out.resource; *q; q++)
            FUZZ_REQUIRE((unsigned char)*q > 0x20 && (unsigned char)*q < 0x7f && *q != '#',
                         "resource byte 0x%02x (a space or byte >= 0x80 not percent-encoded?)",
                         (unsigned char)*q);
        /* A reference without a path keeps base's path as it is (§5.2.2): only a path of the
         * reference's own is merged and cleaned. */
        bool own_path = *ref != '\0' && *ref != '?' && *ref != '#';
        FUZZ_REQUIRE(!own_path || !has_dot_segment(out.resource), "dot segment left in '%s'",
                     out.resource);
        FUZZ_REQUIRE(strchr(ref, '@') != NULL || (out.user == NULL && out.password == NULL),
                     "credentials from nowhere (base's carried over?)");
        if (own_path && strncmp(out.resource, "//", 2) != 0) {
            struct url again;
            FUZZ_REQUIRE(url_resolve(&out, out.resource, &again, &why) == URL_OK,
                         "the result's resource '%s' does not resolve: %s", out.resource, why);
            FUZZ_REQUIRE(strcmp(again.resource, out.resource) == 0 &&
                             strcmp(again.host, out.host) == 0 && again.port == out.port &&
                             again.tls == out.tls,
                         "not a fixed point: '%s' then '%s'", out.resource, again.resource);
            url_free(&again);
        }
        url_free(&out);
    }
    url_free(&base);
    free(s);
    return 0;
}
