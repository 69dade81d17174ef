/*
 * fuzz_url - ws:// and wss:// URLs and the --host/--port/--path/--protocol fields (src/url.h).
 *
 * Input: a mode byte, then text. Mode bit 0 clear: the text is one URL for url_parse(); set: it
 * is split on NUL into host, port, path and protocol for url_from_fields() (a missing field is
 * NULL). Properties: an error comes with its explanation and leaves the struct freed (all NULL;
 * the explanation is a static text, so it cannot hold the password: fuzz_cli checks the messages
 * built around it); a parsed URL is sane (resource starts with '/', port
 * set, no control bytes); url_display() never shows the password nor a query value and parses
 * back to the same scheme, host, port and (redacted) resource, and displaying that again gives the
 * same text (stable).
 */
#include "fuzz.h"

#include <stdbool.h>

#include "url.h"

static void check_error(int rc, const struct url *u, const char *why)
{
    FUZZ_REQUIRE(rc < 0, "rc %d", rc);
    FUZZ_REQUIRE(why != NULL && *why != '\0', "no explanation for %d", rc);
    FUZZ_REQUIRE(u->host == NULL && u->resource == NULL && u->user == NULL && u->password == NULL,
                 "fields left after an error");
}

static void check_parsed(const struct url *u)
{
    FUZZ_REQUIRE(u->host != NULL && u->resource != NULL && u->resource[0] == '/', "fields");
    FUZZ_REQUIRE(u->port != 0, "port 0");
    FUZZ_REQUIRE(u->port_given || u->port == (u->tls ? 443 : 80), "default port");
    for (const char *q = u->resource; *q; q++)
        FUZZ_REQUIRE((unsigned char)*q > 0x20 && *q != 0x7f && *q != '#', "resource byte");
    FUZZ_REQUIRE(u->password == NULL || u->user != NULL, "password without user");

    char *d = url_display(u);
    FUZZ_REQUIRE(d != NULL, "url_display");
    FUZZ_REQUIRE(strchr(d, '@') == NULL || strchr(u->resource, '@') != NULL, "userinfo shown: %s",
                 d);

    struct url v;
    const char *why = NULL;
    int rc = url_parse(d, &v, &why);
    FUZZ_REQUIRE(rc == URL_OK, "display '%s' does not parse: %s", d, why);
    /* The display hides query values: it parses back to the redacted resource. */
    size_t rl = url_redact_query(u->resource, NULL, 0);
    char *redacted = malloc(rl + 1);
    if (redacted == NULL)
        abort();
    url_redact_query(u->resource, redacted, rl + 1);
    FUZZ_REQUIRE(strstr(d, "[redacted]") != NULL || strcmp(redacted, u->resource) == 0,
                 "query value shown: %s", d);
    FUZZ_REQUIRE(v.tls == u->tls && v.ipv6 == u->ipv6 && v.port == u->port &&
                     strcmp(v.host, u->host) == 0 && strcmp(v.resource, redacted) == 0,
                 "display '%s' parses to something else", d);
    free(redacted);
    FUZZ_REQUIRE(v.user == NULL && v.password == NULL, "credentials from a display");
    char *d2 = url_display(&v);
    FUZZ_REQUIRE(d2 != NULL && strcmp(d, d2) == 0, "display not stable: '%s' then '%s'", d, d2);
    free(d);
    free(d2);
    url_free(&v);

    char *hh = url_host_header(u);
    FUZZ_REQUIRE(hh != NULL && strpbrk(hh, "/@ \r\n") == NULL, "Host header");
    free(hh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode = fz_byte(&data, &size);
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';

    struct url u;
    const char *why = NULL;
    int rc;
    if (!(mode & 1)) {
        rc = url_parse(s, &u, &why);
    } else {
        /* Up to four NUL-separated fields; missing ones are NULL. */
        const char *f[4] = {NULL, NULL, NULL, NULL};
        size_t n = 0, start = 0;
        for (size_t i = 0; i <= size && n < 4; i++)
            if (i == size || s[i] == '\0') {
                f[n++] = s + start;
                start = i + 1;
            }
        rc = url_from_fields(f[0], f[1], f[2], f[3], &u, &why);
    }
    if (rc != URL_OK) {
        check_error(rc, &u, why);
    } else {
        check_parsed(&u);
        url_free(&u);
        FUZZ_REQUIRE(u.host == NULL && u.password == NULL, "url_free leaves fields");
    }
    free(s);
    return 0;
}
