/* Unit tests for url: table-driven url_parse() and url_from_fields(), Host: and display forms. */
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "url.h"

/* Compare a possibly-NULL string. */
static void assert_str_or_null(const char *got, const char *want, const char *what,
                               const char *input)
{
    if (want == NULL)
        ck_assert_msg(got == NULL, "%s: %s is \"%s\", want NULL", input, what, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: %s is \"%s\", want \"%s\"", input,
                      what, got ? got : "(null)", want);
}

static const struct {
    const char *in;
    bool tls;
    const char *host;
    bool ipv6;
    unsigned port;
    bool port_given;
    const char *resource;
    const char *user;
    const char *password;
} url_good[] = {
    {"ws://example.com", false, "example.com", false, 80, false, "/", NULL, NULL},
    {"wss://example.com", true, "example.com", false, 443, false, "/", NULL, NULL},
    {"WS://Example.COM/Chat", false, "Example.COM", false, 80, false, "/Chat", NULL, NULL},
    {"WsS://h:8443/a/b?c=d&e", true, "h", false, 8443, true, "/a/b?c=d&e", NULL, NULL},
    /* an empty port means the default (port 0 is refused: see url_bad) */
    {"ws://h:", false, "h", false, 80, false, "/", NULL, NULL},
    {"ws://h:1/x", false, "h", false, 1, true, "/x", NULL, NULL},
    /* http:// and https:// are taken as ws:// and wss://, as wscat does */
    {"http://h/x?y", false, "h", false, 80, false, "/x?y", NULL, NULL},
    {"https://h", true, "h", false, 443, false, "/", NULL, NULL},
    {"HTTPS://u:p@h:8443/", true, "h", false, 8443, true, "/", "u", "p"},
    {"http://[::1]:9/", false, "::1", true, 9, true, "/", NULL, NULL},
    {"ws://h:65535", false, "h", false, 65535, true, "/", NULL, NULL},
    {"ws://h:00080", false, "h", false, 80, true, "/", NULL, NULL},
    {"wss://h:80", true, "h", false, 80, true, "/", NULL, NULL},
    /* a query with no path gets a '/' */
    {"ws://h?x=1", false, "h", false, 80, false, "/?x=1", NULL, NULL},
    {"ws://h:81?x=1", false, "h", false, 81, true, "/?x=1", NULL, NULL},
    {"ws://h/?x=1", false, "h", false, 80, false, "/?x=1", NULL, NULL},
    {"ws://h/", false, "h", false, 80, false, "/", NULL, NULL},
    /* the resource is kept byte for byte, escapes and all */
    {"ws://h/a%20b/%2F?q=%41", false, "h", false, 80, false, "/a%20b/%2F?q=%41", NULL, NULL},
    {"ws://h//double//slash/", false, "h", false, 80, false, "//double//slash/", NULL, NULL},
    {"ws://h/caf\xc3\xa9", false, "h", false, 80, false, "/caf\xc3\xa9", NULL, NULL},
    {"ws://h/p/@/x:y", false, "h", false, 80, false, "/p/@/x:y", NULL, NULL},
    {"ws://h?q=/a@b:c", false, "h", false, 80, false, "/?q=/a@b:c", NULL, NULL},
    /* IPv4 and IPv6 literals */
    {"ws://127.0.0.1:8080", false, "127.0.0.1", false, 8080, true, "/", NULL, NULL},
    {"ws://[::1]:9000/x", false, "::1", true, 9000, true, "/x", NULL, NULL},
    {"ws://[2001:db8::1]", false, "2001:db8::1", true, 80, false, "/", NULL, NULL},
    {"wss://[::ffff:127.0.0.1]:443/", true, "::ffff:127.0.0.1", true, 443, true, "/", NULL, NULL},
    {"ws://[::1]?q", false, "::1", true, 80, false, "/?q", NULL, NULL},
    {"ws://my_host-1.example~x", false, "my_host-1.example~x", false, 80, false, "/", NULL, NULL},
    /* userinfo, percent-decoded */
    {"ws://user:pass@h/", false, "h", false, 80, false, "/", "user", "pass"},
    {"ws://user@h", false, "h", false, 80, false, "/", "user", NULL},
    {"ws://us%65r:p%40ss%3Aw@h:1", false, "h", false, 1, true, "/", "user", "p@ss:w"},
    {"ws://:secret@h", false, "h", false, 80, false, "/", "", "secret"},
    {"ws://user:@h", false, "h", false, 80, false, "/", "user", ""},
    {"ws://@h", false, "h", false, 80, false, "/", NULL, NULL},
    {"ws://a:b@c@h", false, "h", false, 80, false, "/", "a", "b@c"},
    {"wss://u:p@[::1]:8443/s", true, "::1", true, 8443, true, "/s", "u", "p"},
    {"ws://%C3%A9:%e2%82%ac@h", false, "h", false, 80, false, "/", "\xc3\xa9", "\xe2\x82\xac"},
};

START_TEST(parse_good_url_table)
{
    struct url u;
    const char *why = "unset";
    const char *in = url_good[_i].in;
    int rc = url_parse(in, &u, &why);
    ck_assert_msg(rc == URL_OK, "%s: rc %d (%s)", in, rc, why);
    ck_assert_msg(u.tls == url_good[_i].tls, "%s: tls", in);
    assert_str_or_null(u.host, url_good[_i].host, "host", in);
    ck_assert_msg(u.ipv6 == url_good[_i].ipv6, "%s: ipv6", in);
    ck_assert_msg(u.port == url_good[_i].port, "%s: port %u", in, (unsigned)u.port);
    ck_assert_msg(u.port_given == url_good[_i].port_given, "%s: port_given", in);
    assert_str_or_null(u.resource, url_good[_i].resource, "resource", in);
    assert_str_or_null(u.user, url_good[_i].user, "user", in);
    assert_str_or_null(u.password, url_good[_i].password, "password", in);
    url_free(&u);
    ck_assert_ptr_null(u.host);
}
END_TEST

static const struct {
    const char *in;
    int err;
} url_bad[] = {
    {"", URL_ERR_SCHEME},
    {"example.com", URL_ERR_SCHEME},
    {"ftp://h/", URL_ERR_SCHEME},
    {"httpx://h/", URL_ERR_SCHEME},
    {"http:/h", URL_ERR_SCHEME},
    {"https:h", URL_ERR_SCHEME},
    {"ws:/h", URL_ERR_SCHEME},
    {"wss:h", URL_ERR_SCHEME},
    {"ws//h", URL_ERR_SCHEME},
    {"wsx://h", URL_ERR_SCHEME},
    {" ws://h", URL_ERR_SCHEME},
    {"ws://", URL_ERR_HOST},
    {"ws:///path", URL_ERR_HOST},
    {"ws://?q", URL_ERR_HOST},
    {"ws://:80", URL_ERR_HOST},
    {"ws://user@", URL_ERR_HOST},
    {"ws://u:p@/x", URL_ERR_HOST},
    {"ws://::1/", URL_ERR_HOST},
    {"ws://[::1", URL_ERR_HOST},
    {"ws://[::1]x", URL_ERR_HOST},
    {"ws://[::1]x:80", URL_ERR_HOST},
    {"ws://[]", URL_ERR_HOST},
    {"ws://[zz::1]", URL_ERR_HOST},
    {"ws://[127.0.0.1]", URL_ERR_HOST},
    {"ws://[fe80::1%25eth0]", URL_ERR_HOST},
    {"ws://ex%41mple.com", URL_ERR_HOST},
    {"ws://bad!host", URL_ERR_HOST},
    {"ws://h,x", URL_ERR_HOST},
    {"ws://999.1.1.1", URL_ERR_HOST},
    {"ws://1.2.3", URL_ERR_HOST},
    {"ws://h\xc3\xa9", URL_ERR_HOST},
    {"ws://h:65536", URL_ERR_PORT},
    {"ws://h:-1", URL_ERR_PORT},
    {"ws://h:+80", URL_ERR_PORT},
    {"ws://h:8a", URL_ERR_PORT},
    {"ws://h:80:90", URL_ERR_PORT},
    {"ws://h:99999999999999999999999", URL_ERR_PORT},
    {"ws://[::1]:x", URL_ERR_PORT},
    /* port 0 in a URL is an error, not the default port (only --port 0 means that) */
    {"ws://h:0", URL_ERR_PORT},
    {"ws://h:0/x", URL_ERR_PORT},
    {"wss://h:0", URL_ERR_PORT},
    {"ws://127.0.0.1:0/", URL_ERR_PORT},
    {"ws://h:00000", URL_ERR_PORT},
    {"ws://[::1]:0/", URL_ERR_PORT},
    {"https://h:0", URL_ERR_PORT},
    {"ws://h/#x", URL_ERR_FRAGMENT},
    {"ws://h#", URL_ERR_FRAGMENT},
    {"ws://h/a?b#c", URL_ERR_FRAGMENT},
    {"ws://h/a b", URL_ERR_SYNTAX},
    {"ws://h/a\tb", URL_ERR_SYNTAX},
    {"ws://h/\x7f", URL_ERR_SYNTAX},
    {"ws://h/\x01", URL_ERR_SYNTAX},
    {"ws://h/a\r\nHost: evil", URL_ERR_SYNTAX},
    {"ws://h /", URL_ERR_SYNTAX},
    {"ws://u%zz@h", URL_ERR_SYNTAX},
    {"ws://u%4@h", URL_ERR_SYNTAX},
    {"ws://u:%@h", URL_ERR_SYNTAX},
    {"ws://u:p%4@h", URL_ERR_SYNTAX},
    {"ws://u%00@h", URL_ERR_SYNTAX},
};

START_TEST(parse_bad_url_table)
{
    struct url u;
    const char *why = NULL;
    const char *in = url_bad[_i].in;
    int rc = url_parse(in, &u, &why);
    ck_assert_msg(rc == url_bad[_i].err, "\"%s\": rc %d, want %d", in, rc, url_bad[_i].err);
    ck_assert_msg(why != NULL && *why != '\0', "%s: no why", in);
    /* on error *u is left freed */
    ck_assert_ptr_null(u.host);
    ck_assert_ptr_null(u.resource);
    ck_assert_ptr_null(u.user);
    ck_assert_ptr_null(u.password);
}
END_TEST

START_TEST(parse_null_why_is_allowed)
{
    struct url u;
    ck_assert_int_eq(url_parse("ftp://x", &u, NULL), URL_ERR_SCHEME);
    ck_assert_int_eq(url_parse("ws://x", &u, NULL), URL_OK);
    url_free(&u);
}
END_TEST

/* RFC 1035 §2.3.4: 253 bytes is the longest host name; one more is URL_ERR_HOST, never cut. */
START_TEST(parse_host_length_limit)
{
    char url[300], *host = url + 5;
    struct url u;
    const char *why = NULL;

    memcpy(url, "ws://", 5);
    memset(host, 'a', URL_HOST_MAX);
    snprintf(host + URL_HOST_MAX, sizeof url - 5 - URL_HOST_MAX, "/p");
    ck_assert_int_eq(url_parse(url, &u, &why), URL_OK);
    ck_assert_uint_eq(strlen(u.host), URL_HOST_MAX);
    url_free(&u);
    memset(host, 'a', URL_HOST_MAX + 1);
    snprintf(host + URL_HOST_MAX + 1, sizeof url - 6 - URL_HOST_MAX, "/p");
    ck_assert_int_eq(url_parse(url, &u, &why), URL_ERR_HOST);
    ck_assert_str_eq(why, "the host name is longer than 253 bytes");
}
END_TEST

START_TEST(free_null_and_twice_is_noop)
{
    struct url u;
    url_free(NULL);
    ck_assert_int_eq(url_parse("ws://u:p@x/y", &u, NULL), URL_OK);
    url_free(&u);
    url_free(&u);
    ck_assert_ptr_null(u.password);
}
END_TEST

static const struct {
    const char *host, *port, *path, *protocol;
    int err;
    bool tls;
    const char *want_host;
    bool ipv6;
    unsigned want_port;
    bool port_given;
    const char *resource;
} url_fields[] = {
/* An error row: the expected fields do not matter. */
#define FIELD_BAD(h, p, pa, pr, e)                                 \
    {                                                              \
        .host = h, .port = p, .path = pa, .protocol = pr, .err = e \
    }
    {"example.com", NULL, NULL, NULL, URL_OK, false, "example.com", false, 80, false, "/"},
    {"example.com", "0", "chat", "wss", URL_OK, true, "example.com", false, 443, false, "/chat"},
    {"example.com", "8080", "/a?b=c", "WSS", URL_OK, true, "example.com", false, 8080, true,
     "/a?b=c"},
    {"h", "80", "/", "Ws", URL_OK, false, "h", false, 80, true, "/"},
    {"h", "65535", NULL, NULL, URL_OK, false, "h", false, 65535, true, "/"},
    {"h", "00443", NULL, "wss", URL_OK, true, "h", false, 443, true, "/"},
    {"h", NULL, "?x", NULL, URL_OK, false, "h", false, 80, false, "/?x"},
    {"h", NULL, "", NULL, URL_OK, false, "h", false, 80, false, "/"},
    {"h", NULL, "a/b%20c", NULL, URL_OK, false, "h", false, 80, false, "/a/b%20c"},
    {"127.0.0.1", "9001", NULL, NULL, URL_OK, false, "127.0.0.1", false, 9001, true, "/"},
    {"::1", "9000", "/", "ws", URL_OK, false, "::1", true, 9000, true, "/"},
    {"[::1]", NULL, NULL, NULL, URL_OK, false, "::1", true, 80, false, "/"},
    {"2001:db8::7", NULL, NULL, "wss", URL_OK, true, "2001:db8::7", true, 443, false, "/"},
    /* --host errors */
    FIELD_BAD(NULL, NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("ws://h", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("wss://h/x", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("h/path", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("h?x", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("h#x", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("u@h", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("h x", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("h\n", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("h:8080", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("[::1]:80", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("[::1", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("[zz]", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("fe80::1%eth0", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("bad!host", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    FIELD_BAD("300.1.1.1", NULL, NULL, NULL, URL_ERR_OPT_HOST),
    /* --port errors */
    FIELD_BAD("h", "65536", NULL, NULL, URL_ERR_OPT_PORT),
    FIELD_BAD("h", "-1", NULL, NULL, URL_ERR_OPT_PORT),
    FIELD_BAD("h", "", NULL, NULL, URL_ERR_OPT_PORT),
    FIELD_BAD("h", "80a", NULL, NULL, URL_ERR_OPT_PORT),
    FIELD_BAD("h", " 80", NULL, NULL, URL_ERR_OPT_PORT),
    FIELD_BAD("h", "0x50", NULL, NULL, URL_ERR_OPT_PORT),
    /* --protocol errors */
    FIELD_BAD("h", NULL, NULL, "http", URL_ERR_OPT_PROTOCOL),
    FIELD_BAD("h", NULL, NULL, "", URL_ERR_OPT_PROTOCOL),
    FIELD_BAD("h", NULL, NULL, "wss ", URL_ERR_OPT_PROTOCOL),
    FIELD_BAD("h", NULL, NULL, "ws://", URL_ERR_OPT_PROTOCOL),
    /* --path errors */
    FIELD_BAD("h", NULL, "/a#b", NULL, URL_ERR_OPT_PATH),
    FIELD_BAD("h", NULL, "#", NULL, URL_ERR_OPT_PATH),
    FIELD_BAD("h", NULL, "/a b", NULL, URL_ERR_OPT_PATH),
    FIELD_BAD("h", NULL, "/a\r\nX: y", NULL, URL_ERR_OPT_PATH),
    FIELD_BAD("h", NULL, "/\x7f", NULL, URL_ERR_OPT_PATH),
};

#undef FIELD_BAD

START_TEST(from_fields_table)
{
    struct url u;
    const char *why = NULL;
    const char *in = url_fields[_i].host ? url_fields[_i].host : "(null)";
    int rc = url_from_fields(url_fields[_i].host, url_fields[_i].port, url_fields[_i].path,
                             url_fields[_i].protocol, &u, &why);
    ck_assert_msg(rc == url_fields[_i].err, "row %d (%s): rc %d, want %d (%s)", _i, in, rc,
                  url_fields[_i].err, why ? why : "");
    if (rc != URL_OK) {
        ck_assert_msg(why != NULL && *why != '\0', "row %d: no why", _i);
        ck_assert_ptr_null(u.host);
        ck_assert_ptr_null(u.resource);
        return;
    }
    ck_assert(u.tls == url_fields[_i].tls);
    assert_str_or_null(u.host, url_fields[_i].want_host, "host", in);
    ck_assert(u.ipv6 == url_fields[_i].ipv6);
    ck_assert_uint_eq(u.port, url_fields[_i].want_port);
    ck_assert(u.port_given == url_fields[_i].port_given);
    assert_str_or_null(u.resource, url_fields[_i].resource, "resource", in);
    ck_assert_ptr_null(u.user);
    ck_assert_ptr_null(u.password);
    url_free(&u);
}
END_TEST

/* The why for a URL given to --host points the user at the right option. */
START_TEST(from_fields_host_is_url_says_so)
{
    struct url u;
    const char *why = NULL;
    ck_assert_int_eq(url_from_fields("wss://example.com/x", NULL, NULL, NULL, &u, &why),
                     URL_ERR_OPT_HOST);
    ck_assert_ptr_nonnull(strstr(why, "not a URL"));
    ck_assert_ptr_nonnull(strstr(why, "--path"));
}
END_TEST

static const struct {
    const char *in;
    const char *host_header;
    const char *display;
} url_forms[] = {
    {"ws://h", "h", "ws://h/"},
    {"ws://h:80/x", "h", "ws://h/x"},
    {"wss://h:443/x", "h", "wss://h/x"},
    {"ws://h:443", "h:443", "ws://h:443/"},
    {"wss://h:80", "h:80", "wss://h:80/"},
    {"ws://h:8080/a?b", "h:8080", "ws://h:8080/a?b"},
    {"ws://[::1]", "[::1]", "ws://[::1]/"},
    {"wss://[2001:db8::1]:8443/s", "[2001:db8::1]:8443", "wss://[2001:db8::1]:8443/s"},
    /* display never shows credentials */
    {"wss://user:secret@h:8443/x?y", "h:8443", "wss://h:8443/x?y"},
    {"ws://user@h", "h", "ws://h/"},
    /* nor a query value */
    {"wss://h/x?access_token=secret&v=2", "h", "wss://h/x?access_token=[redacted]&v=[redacted]"},
};

/* url_redact_query(): names kept, every value gone, the length needed returned as snprintf's. */
static const struct {
    const char *in, *out;
} redact_forms[] = {
    {"ws://h/", "ws://h/"},
    {"ws://h/p=x", "ws://h/p=x"}, /* '=' before the query is the path's */
    {"/?token=secret", "/?token=[redacted]"},
    {"/?a=1&b=secret;c=x=y", "/?a=[redacted]&b=[redacted];c=[redacted]"},
    {"/?flag&key=secret", "/?flag&key=[redacted]"},
    {"/?x=1#sig=secret", "/?x=[redacted]#sig=[redacted]"},
    {"/#access_token=secret&t=2", "/#access_token=[redacted]&t=[redacted]"},
    {"GET /s?api_key=secret HTTP/1.1", "GET /s?api_key=[redacted] HTTP/1.1"},
    {"GET /a=b HTTP/1.1", "GET /a=b HTTP/1.1"},
    {"/?empty=&x=secret", "/?empty=[redacted]&x=[redacted]"},
};

START_TEST(redact_query_forms)
{
    char buf[128];
    size_t n = url_redact_query(redact_forms[_i].in, buf, sizeof buf);
    ck_assert_str_eq(buf, redact_forms[_i].out);
    ck_assert_uint_eq(n, strlen(redact_forms[_i].out));
    ck_assert_uint_eq(url_redact_query(redact_forms[_i].in, NULL, 0), n);
    char small[8];
    ck_assert_uint_eq(url_redact_query(redact_forms[_i].in, small, sizeof small), n);
    ck_assert_uint_eq(strlen(small), n < 7 ? n : 7);
    ck_assert_ptr_null(strstr(buf, "secret"));
}
END_TEST

START_TEST(host_header_and_display_forms)
{
    struct url u;
    ck_assert_int_eq(url_parse(url_forms[_i].in, &u, NULL), URL_OK);
    char *hh = url_host_header(&u);
    char *d = url_display(&u);
    ck_assert_str_eq(hh, url_forms[_i].host_header);
    ck_assert_str_eq(d, url_forms[_i].display);
    ck_assert_ptr_null(strstr(d, "secret"));
    free(hh);
    free(d);
    url_free(&u);
}
END_TEST

START_TEST(host_header_from_fields_bare_ipv6_is_bracketed)
{
    struct url u;
    ck_assert_int_eq(url_from_fields("::1", "9000", NULL, NULL, &u, NULL), URL_OK);
    char *hh = url_host_header(&u);
    ck_assert_str_eq(hh, "[::1]:9000");
    free(hh);
    url_free(&u);
}
END_TEST

/* url_resolve(): RFC 3986 §5.4's examples against its base "http://a/b/c/d;p?q" (here ws://),
 * then what a WebSocket redirect adds. want is url_display()'s form of the result, or NULL for
 * an error (err). */
static const struct {
    const char *base, *ref, *want;
    int err;
} resolve_rows[] = {
    /* §5.4.1 normal examples ("g:h" is another scheme: refused, see below) */
    {"ws://a/b/c/d;p?q", "g", "ws://a/b/c/g", 0},
    {"ws://a/b/c/d;p?q", "./g", "ws://a/b/c/g", 0},
    {"ws://a/b/c/d;p?q", "g/", "ws://a/b/c/g/", 0},
    {"ws://a/b/c/d;p?q", "/g", "ws://a/g", 0},
    {"ws://a/b/c/d;p?q", "//g", "ws://g/", 0},
    {"ws://a/b/c/d;p?q", "?y", "ws://a/b/c/d;p?y", 0},
    {"ws://a/b/c/d;p?q", "g?y", "ws://a/b/c/g?y", 0},
    {"ws://a/b/c/d;p?q", "#s", "ws://a/b/c/d;p?q", 0},
    {"ws://a/b/c/d;p?q", "g#s", "ws://a/b/c/g", 0},
    {"ws://a/b/c/d;p?q", "g?y#s", "ws://a/b/c/g?y", 0},
    {"ws://a/b/c/d;p?q", ";x", "ws://a/b/c/;x", 0},
    {"ws://a/b/c/d;p?q", "g;x", "ws://a/b/c/g;x", 0},
    {"ws://a/b/c/d;p?q", "g;x?y#s", "ws://a/b/c/g;x?y", 0},
    {"ws://a/b/c/d;p?q", "", "ws://a/b/c/d;p?q", 0},
    {"ws://a/b/c/d;p?q", ".", "ws://a/b/c/", 0},
    {"ws://a/b/c/d;p?q", "./", "ws://a/b/c/", 0},
    {"ws://a/b/c/d;p?q", "..", "ws://a/b/", 0},
    {"ws://a/b/c/d;p?q", "../", "ws://a/b/", 0},
    {"ws://a/b/c/d;p?q", "../g", "ws://a/b/g", 0},
    {"ws://a/b/c/d;p?q", "../..", "ws://a/", 0},
    {"ws://a/b/c/d;p?q", "../../", "ws://a/", 0},
    {"ws://a/b/c/d;p?q", "../../g", "ws://a/g", 0},
    /* §5.4.2 abnormal examples */
    {"ws://a/b/c/d;p?q", "../../../g", "ws://a/g", 0},
    {"ws://a/b/c/d;p?q", "../../../../g", "ws://a/g", 0},
    {"ws://a/b/c/d;p?q", "/./g", "ws://a/g", 0},
    {"ws://a/b/c/d;p?q", "/../g", "ws://a/g", 0},
    {"ws://a/b/c/d;p?q", "g.", "ws://a/b/c/g.", 0},
    {"ws://a/b/c/d;p?q", ".g", "ws://a/b/c/.g", 0},
    {"ws://a/b/c/d;p?q", "g..", "ws://a/b/c/g..", 0},
    {"ws://a/b/c/d;p?q", "..g", "ws://a/b/c/..g", 0},
    {"ws://a/b/c/d;p?q", "./../g", "ws://a/b/g", 0},
    {"ws://a/b/c/d;p?q", "./g/.", "ws://a/b/c/g/", 0},
    {"ws://a/b/c/d;p?q", "g/./h", "ws://a/b/c/g/h", 0},
    {"ws://a/b/c/d;p?q", "g/../h", "ws://a/b/c/h", 0},
    {"ws://a/b/c/d;p?q", "g;x=1/./y", "ws://a/b/c/g;x=1/y", 0},
    {"ws://a/b/c/d;p?q", "g;x=1/../y", "ws://a/b/c/y", 0},
    /* the query keeps its dots (shown redacted: the value is "y/./x") */
    {"ws://a/b/c/d;p?q", "g?y/./x", "ws://a/b/c/g?y/./x", 0},
    {"ws://a/b/c/d;p?q", "g?y=/../x", "ws://a/b/c/g?y=[redacted]", 0},
    /* absolute: http(s) map to ws(s), dot segments go, the port is the scheme's default */
    {"ws://a/x", "http://h:81/p/../q?r", "ws://h:81/q?r", 0},
    {"ws://a/x", "https://h/x", "wss://h/x", 0},
    {"wss://a/x", "WS://H:8080", "ws://H:8080/", 0},
    {"ws://a:1/x", "wss://[::1]:9/s", "wss://[::1]:9/s", 0},
    {"ws://a/x", "ws://h?x=1", "ws://h/?x=[redacted]", 0},
    /* network-path: base's scheme */
    {"wss://a:8443/x", "//b:9443/y", "wss://b:9443/y", 0},
    {"ws://a/x", "//127.0.0.1:5/", "ws://127.0.0.1:5/", 0},
    /* base's port and IPv6 brackets are kept; its credentials are not carried over */
    {"ws://u:secret@a:8080/d/e", "f", "ws://a:8080/d/f", 0},
    {"ws://[::1]:9000/a/b", "c?d=1", "ws://[::1]:9000/a/c?d=[redacted]", 0},
    {"ws://[::1]:9000/a/b", "/", "ws://[::1]:9000/", 0},
    {"wss://a/", "?t=1", "wss://a/?t=[redacted]", 0},
    {"ws://a/p?q", "?", "ws://a/p?", 0},
    /* spaces and bytes >= 0x80 go out percent-encoded (as curl sends them), in the path, the
     * query and a path merged from base; escapes already there are kept as they are */
    {"ws://a/b", "/a b", "ws://a/a%20b", 0},
    {"ws://a/b", "/caf\xc3\xa9?\xc3\xbc x", "ws://a/caf%C3%A9?%C3%BC%20x", 0},
    {"ws://a/d/b", "x y/../z \xff", "ws://a/d/z%20%FF", 0},
    {"ws://a/b", "ws://h:1/%41%2f b%20?%e2%82%ac\xe2\x82\xac",
     "ws://h:1/%41%2f%20b%20?%e2%82%ac%E2%82%AC", 0},
    {"ws://a/b", "/100%", "ws://a/100%", 0},
    {"ws://a/caf\xc3\xa9/b", "?q", "ws://a/caf%C3%A9/b?q", 0},
    /* errors: another scheme, no host, bad bytes, bad port */
    {"ws://a/b", "g:h", NULL, URL_ERR_SCHEME},
    {"ws://a/b", "ftp://h/x", NULL, URL_ERR_SCHEME},
    {"ws://a/b", "javascript:alert(1)", NULL, URL_ERR_SCHEME},
    {"ws://a/b", "file:///etc/passwd", NULL, URL_ERR_SCHEME},
    {"ws://a/b", "http:g", NULL, URL_ERR_SCHEME},
    {"ws://a/b", "ws://", NULL, URL_ERR_HOST},
    {"ws://a/b", "//", NULL, URL_ERR_HOST},
    {"ws://a/b", "///x", NULL, URL_ERR_HOST},
    {"ws://a/b", "ws://h:0/", NULL, URL_ERR_PORT},
    {"ws://a/b", "/a\tb", NULL, URL_ERR_SYNTAX},
    {"ws://a/b", "ws://h\xc3\xa9/x", NULL, URL_ERR_HOST},
    {"ws://a/b", "ws://h j/x", NULL, URL_ERR_HOST},
    {"ws://a/b", "/x\r\nSet-Cookie: y", NULL, URL_ERR_SYNTAX},
    {"ws://a/b", "ws://h/\x1b[2J", NULL, URL_ERR_SYNTAX},
};

START_TEST(resolve_table)
{
    struct url base, out;
    const char *why = NULL;
    ck_assert_int_eq(url_parse(resolve_rows[_i].base, &base, NULL), URL_OK);
    int rc = url_resolve(&base, resolve_rows[_i].ref, &out, &why);
    if (resolve_rows[_i].want == NULL) {
        ck_assert_msg(rc == resolve_rows[_i].err, "row %d \"%s\": rc %d, want %d", _i,
                      resolve_rows[_i].ref, rc, resolve_rows[_i].err);
        ck_assert_msg(why != NULL && *why != '\0', "row %d: no why", _i);
        ck_assert_ptr_null(out.host);
        ck_assert_ptr_null(out.resource);
    } else {
        ck_assert_msg(rc == URL_OK, "row %d \"%s\": rc %d (%s)", _i, resolve_rows[_i].ref, rc,
                      why ? why : "");
        char *d = url_display(&out);
        ck_assert_msg(strcmp(d, resolve_rows[_i].want) == 0, "row %d \"%s\": \"%s\", want \"%s\"",
                      _i, resolve_rows[_i].ref, d, resolve_rows[_i].want);
        free(d);
        ck_assert_ptr_null(out.password);
    }
    url_free(&out);
    url_free(&base);
}
END_TEST

/* http:// and https:// locations become ws:// and wss:// with their own default ports. */
START_TEST(resolve_http_maps_to_ws_fields)
{
    struct url base, out;
    ck_assert_int_eq(url_parse("wss://a:8443/x", &base, NULL), URL_OK);
    ck_assert_int_eq(url_resolve(&base, "http://b/y", &out, NULL), URL_OK);
    ck_assert(!out.tls);
    ck_assert_uint_eq(out.port, 80);
    ck_assert_str_eq(out.host, "b");
    ck_assert_str_eq(out.resource, "/y");
    url_free(&out);
    ck_assert_int_eq(url_resolve(&base, "https://b", &out, NULL), URL_OK);
    ck_assert(out.tls);
    ck_assert_uint_eq(out.port, 443);
    ck_assert_str_eq(out.resource, "/");
    url_free(&out);
    url_free(&base);
}
END_TEST

/* A userinfo in the Location is parsed (the caller decides); base's is never carried over. */
START_TEST(resolve_userinfo_only_from_ref)
{
    struct url base, out;
    ck_assert_int_eq(url_parse("ws://u:p@a/x", &base, NULL), URL_OK);
    ck_assert_int_eq(url_resolve(&base, "/y", &out, NULL), URL_OK);
    ck_assert_ptr_null(out.user);
    ck_assert_ptr_null(out.password);
    url_free(&out);
    ck_assert_int_eq(url_resolve(&base, "ws://v:w@b/", &out, NULL), URL_OK);
    ck_assert_str_eq(out.user, "v");
    ck_assert_str_eq(out.password, "w");
    url_free(&out);
    url_free(&base);
}
END_TEST

/* A long relative path climbs no higher than the root, whatever the number of "..". */
START_TEST(resolve_many_dot_dot_segments)
{
    struct url base, out;
    char ref[3 * 200 + 2];
    size_t n = 0;
    for (int i = 0; i < 200; i++) {
        memcpy(ref + n, "../", 3);
        n += 3;
    }
    ref[n++] = 'z';
    ref[n] = '\0';
    ck_assert_int_eq(url_parse("ws://a/b/c/d", &base, NULL), URL_OK);
    ck_assert_int_eq(url_resolve(&base, ref, &out, NULL), URL_OK);
    ck_assert_str_eq(out.resource, "/z");
    url_free(&out);
    url_free(&base);
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("url_parse");
    tcase_add_loop_test(tc, parse_good_url_table, 0, NROWS(url_good));
    tcase_add_loop_test(tc, parse_bad_url_table, 0, NROWS(url_bad));
    tcase_add_test(tc, parse_null_why_is_allowed);
    suite_add_tcase(s, tc);

    tc = tcase_create("url_free");
    tcase_add_test(tc, parse_host_length_limit);
    tcase_add_test(tc, free_null_and_twice_is_noop);
    suite_add_tcase(s, tc);

    tc = tcase_create("url_from_fields");
    tcase_add_loop_test(tc, from_fields_table, 0, NROWS(url_fields));
    tcase_add_test(tc, from_fields_host_is_url_says_so);
    suite_add_tcase(s, tc);

    tc = tcase_create("url_resolve");
    tcase_add_loop_test(tc, resolve_table, 0, NROWS(resolve_rows));
    tcase_add_test(tc, resolve_http_maps_to_ws_fields);
    tcase_add_test(tc, resolve_userinfo_only_from_ref);
    tcase_add_test(tc, resolve_many_dot_dot_segments);
    suite_add_tcase(s, tc);

    tc = tcase_create("url_host_header");
    tcase_add_loop_test(tc, host_header_and_display_forms, 0, NROWS(url_forms));
    tcase_add_test(tc, host_header_from_fields_bare_ipv6_is_bracketed);
    tcase_add_loop_test(tc, redact_query_forms, 0, NROWS(redact_forms));
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(url_suite)
