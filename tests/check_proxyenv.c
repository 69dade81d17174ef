/* Unit tests for proxyenv: proxy URLs, which proxy a URL uses (curl's precedence) and the
 * no_proxy rules, table-driven. */
#include <stdio.h>
#include <string.h>

#include "check_common.h"
#include "proxyenv.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define SECRET   "hunter2SECRET"

/* --- proxy_parse_url --------------------------------------------------------------------- */

static const struct {
    const char *in;
    enum proxy_type type;
    const char *host;
    unsigned port;
    bool has_auth;
    const char *user, *pass;
} url_good[] = {
    /* every scheme with its default port, as curl */
    {"http://p.test", PROXY_HTTP, "p.test", 3128, false, "", ""},
    {"https://p.test", PROXY_HTTPS, "p.test", 443, false, "", ""},
    {"socks4a://p.test", PROXY_SOCKS4A, "p.test", 1080, false, "", ""},
    {"socks5://p.test", PROXY_SOCKS5, "p.test", 1080, false, "", ""},
    {"socks5h://p.test", PROXY_SOCKS5H, "p.test", 1080, false, "", ""},
    /* no scheme is http://, as curl */
    {"p.test", PROXY_HTTP, "p.test", 3128, false, "", ""},
    {"p.test:8080", PROXY_HTTP, "p.test", 8080, false, "", ""},
    {"u:pw@p.test", PROXY_HTTP, "p.test", 3128, true, "u", "pw"},
    /* schemes are case-insensitive; a trailing slash is allowed */
    {"HTTP://P.test:1/", PROXY_HTTP, "P.test", 1, false, "", ""},
    {"SOCKS5H://127.0.0.1:65535", PROXY_SOCKS5H, "127.0.0.1", 65535, false, "", ""},
    /* credentials, percent-decoded; a user alone has an empty password */
    {"http://alice:s%40cr%3At@p.test:3128", PROXY_HTTP, "p.test", 3128, true, "alice", "s@cr:t"},
    {"socks5://bob@p.test", PROXY_SOCKS5, "p.test", 1080, true, "bob", ""},
    {"socks5://:@p.test", PROXY_SOCKS5, "p.test", 1080, true, "", ""},
    {"http://u%20x:p%2Fq@p.test", PROXY_HTTP, "p.test", 3128, true, "u x", "p/q"},
    /* the last '@' ends the userinfo: an unescaped '@' in the password still works */
    {"http://u:a@b@p.test:9", PROXY_HTTP, "p.test", 9, true, "u", "a@b"},
    /* IPv6 literals in brackets, stored without them */
    {"http://[::1]:3128", PROXY_HTTP, "::1", 3128, false, "", ""},
    {"socks5h://[2001:db8::7]", PROXY_SOCKS5H, "2001:db8::7", 1080, false, "", ""},
    {"https://u:p@[::ffff:127.0.0.1]:8443/", PROXY_HTTPS, "::ffff:127.0.0.1", 8443, true, "u", "p"},
};

START_TEST(parse_good_table)
{
    struct proxy_spec s;
    char err[160] = "";
    const char *in = url_good[_i].in;
    ck_assert_msg(proxy_parse_url(in, &s, err, sizeof err) == 0, "%s: %s", in, err);
    ck_assert_msg(s.type == url_good[_i].type, "%s: type %d", in, (int)s.type);
    ck_assert_str_eq(s.host, url_good[_i].host);
    ck_assert_uint_eq(s.port, url_good[_i].port);
    ck_assert_msg(s.has_auth == url_good[_i].has_auth, "%s: has_auth", in);
    ck_assert_str_eq(s.user, url_good[_i].user);
    ck_assert_str_eq(s.pass, url_good[_i].pass);
    ck_assert_ptr_null(s.cacert);
    ck_assert(!s.insecure);
}
END_TEST

static const struct {
    const char *in;
    const char *why; /* a part of the message */
} url_bad[] = {
    {"", "empty"},
    {"ftp://p.test", "unsupported proxy scheme 'ftp'"},
    {"socks4://p.test", "unsupported proxy scheme 'socks4'"},
    {"ws://p.test", "unsupported proxy scheme 'ws'"},
    {"://p.test", "unsupported proxy scheme"},
    {"http://", "no host"},
    {"http://u:p@", "no host"},
    {"http://:3128", "no host"},
    {"http://p.test:0", "port"},
    {"http://p.test:65536", "port"},
    {"http://p.test:99999999999999999999", "port"},
    {"http://p.test:", "port"},
    {"http://p.test:80x", "port"},
    {"http://p.test/path", "no path"},
    {"http://p.test?q=1", "no path"},
    {"http://[::1", "']'"},
    {"http://[::1]x", "unexpected text"},
    {"http://[not-v6]:1", "IPv6"},
    {"http://p test", "spaces"},
    {"http://a]b:1", "host name is not valid"},
    {"http://p_x.test%41", "host name is not valid"},
    {"http://p.test/x@y", "no path"},
    {"http://p.test\r\n", "spaces"},
    {"http://u:%zz@p.test", "percent-encoding"},
    {"http://u:%00@p.test", "percent-encoding"},
    {"http://u:%4@p.test", "percent-encoding"},
};

START_TEST(parse_bad_table)
{
    struct proxy_spec s;
    char err[160] = "";
    const char *in = url_bad[_i].in;
    ck_assert_msg(proxy_parse_url(in, &s, err, sizeof err) == -1, "%s: accepted", in);
    ck_assert_msg(strstr(err, url_bad[_i].why) != NULL, "%s: \"%s\" lacks \"%s\"", in, err,
                  url_bad[_i].why);
    ck_assert_msg(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL, "%s: two lines", in);
    ck_assert_int_eq(s.type, PROXY_NONE);
}
END_TEST

/* Errors never show the credentials, wherever the URL goes wrong; nor keep them in *out. */
static const char *const secret_bad[] = {
    "ftp://u:" SECRET "@p.test", "http://u:" SECRET "@p.test:0",  "http://u:" SECRET "@p.test/x",
    "http://" SECRET "@",        "http://u:" SECRET "%zz@p.test", "http://u:" SECRET "@[::1",
    SECRET "://u@p.test",        "http://u:" SECRET "@p test",    "http://" SECRET ":x@p.test:1x",
};

START_TEST(parse_error_never_shows_secret)
{
    struct proxy_spec s;
    char err[160] = "";
    ck_assert(proxy_parse_url(secret_bad[_i], &s, err, sizeof err) == -1);
    ck_assert_msg(strstr(err, "hunter2") == NULL, "%s: \"%s\"", secret_bad[_i], err);
    ck_assert_msg(memmem(&s, sizeof s, "hunter2", 7) == NULL, "%s: left in *out", secret_bad[_i]);
}
END_TEST

START_TEST(parse_too_long_credentials_fail)
{
    char url[1200], err[160];
    struct proxy_spec s;
    snprintf(url, sizeof url, "http://u:%0300d@p.test", 7);
    ck_assert_int_eq(proxy_parse_url(url, &s, err, sizeof err), -1);
    snprintf(url, sizeof url, "http://%0300d@p.test", 7);
    ck_assert_int_eq(proxy_parse_url(url, &s, err, sizeof err), -1);
    snprintf(url, sizeof url, "http://%0300d", 7);
    ck_assert_int_eq(proxy_parse_url(url, &s, err, sizeof err), -1);
    ck_assert(strstr(err, "too long") != NULL);
}
END_TEST

START_TEST(describe_redacts_and_brackets)
{
    struct proxy_spec s;
    char err[160], buf[300];
    ck_assert_int_eq(proxy_parse_url("socks5h://u:" SECRET "@[::1]:9", &s, err, sizeof err), 0);
    ck_assert_str_eq(proxy_describe(&s, buf, sizeof buf), "socks5h://[redacted]@[::1]:9");
    ck_assert_int_eq(proxy_parse_url("p.test", &s, err, sizeof err), 0);
    ck_assert_str_eq(proxy_describe(&s, buf, sizeof buf), "http://p.test:3128");
    ck_assert_str_eq(proxy_describe(NULL, buf, sizeof buf), "none");
    ck_assert_str_eq(proxy_scheme_name(PROXY_SOCKS4A), "socks4a");
}
END_TEST

/* --- proxy_select: precedence ------------------------------------------------------------ */

#define P_OPT   "http://opt.test:1"
#define P_HTTP  "http://lower-http.test:2"
#define P_HTTPS "http://https.test:3"
#define P_ALL   "socks5h://all.test:4"

static const struct {
    const char *name;
    struct proxy_inputs in;
    bool tls;
    const char *host; /* the proxy chosen, or NULL for none */
    const char *why;  /* a part of the reason */
} sel[] = {
    {"nothing set", {0}, false, NULL, "no proxy set"},
    {"ws uses http_proxy", {.env_http_proxy = P_HTTP}, false, "lower-http.test", "from http_proxy"},
    {"wss never uses http_proxy", {.env_http_proxy = P_HTTP}, true, NULL, "no proxy set"},
    {"wss uses https_proxy", {.env_https_proxy = P_HTTPS}, true, "https.test", "from https_proxy"},
    {"wss names HTTPS_PROXY when that was read",
     {.env_https_proxy = P_HTTPS, .env_https_name = "HTTPS_PROXY"},
     true,
     "https.test",
     "from HTTPS_PROXY"},
    {"ws never uses https_proxy", {.env_https_proxy = P_HTTPS}, false, NULL, "no proxy set"},
    {"ws falls back to all_proxy",
     {.env_https_proxy = P_HTTPS, .env_all_proxy = P_ALL},
     false,
     "all.test",
     "from all_proxy"},
    {"wss falls back to ALL_PROXY",
     {.env_http_proxy = P_HTTP, .env_all_proxy = P_ALL, .env_all_name = "ALL_PROXY"},
     true,
     "all.test",
     "from ALL_PROXY"},
    {"the scheme's variable before all_proxy",
     {.env_http_proxy = P_HTTP, .env_all_proxy = P_ALL},
     false,
     "lower-http.test",
     "from http_proxy"},
    {"an empty variable is unset",
     {.env_http_proxy = "", .env_all_proxy = P_ALL},
     false,
     "all.test",
     "all_proxy"},
    {"--proxy beats the environment",
     {.proxy = P_OPT, .env_http_proxy = P_HTTP, .env_all_proxy = P_ALL},
     false,
     "opt.test",
     "--proxy"},
    {"--proxy for wss too",
     {.proxy = P_OPT, .env_https_proxy = P_HTTPS},
     true,
     "opt.test",
     "--proxy"},
    {"--proxy \"\" turns the environment off",
     {.proxy = "", .env_http_proxy = P_HTTP, .env_all_proxy = P_ALL},
     false,
     NULL,
     "--proxy \"\""},
    {"no_proxy applies to --proxy too, as curl",
     {.proxy = P_OPT, .env_no_proxy = "ws.example.test"},
     false,
     NULL,
     "host matches no_proxy entry 'ws.example.test'"},
    {"no_proxy bypasses the environment's proxy",
     {.env_http_proxy = P_HTTP, .env_no_proxy = "x.test, .example.test"},
     false,
     NULL,
     "host matches no_proxy entry '.example.test'"},
    {"NO_PROXY named when that was read",
     {.env_http_proxy = P_HTTP, .env_no_proxy = "*", .env_no_name = "NO_PROXY"},
     false,
     NULL,
     "NO_PROXY entry '*'"},
    {"--noproxy overrides no_proxy",
     {.env_http_proxy = P_HTTP, .noproxy = "other.test", .env_no_proxy = "*"},
     false,
     "lower-http.test",
     "from http_proxy"},
    {"--noproxy matches",
     {.env_http_proxy = P_HTTP, .noproxy = "example.test"},
     false,
     NULL,
     "--noproxy entry 'example.test'"},
    {"--noproxy \"\" overrides no_proxy=*",
     {.env_http_proxy = P_HTTP, .noproxy = "", .env_no_proxy = "*"},
     false,
     "lower-http.test",
     "from http_proxy"},
    {"no_proxy not matching",
     {.env_http_proxy = P_HTTP, .env_no_proxy = "notexample.test"},
     false,
     "lower-http.test",
     "from http_proxy"},
};

START_TEST(select_precedence_table)
{
    struct proxy_spec s;
    char why[256] = "";
    ck_assert_msg(
        proxy_select(&sel[_i].in, sel[_i].tls, "ws.example.test", 8080, &s, why, sizeof why) == 0,
        "%s: %s", sel[_i].name, why);
    if (sel[_i].host == NULL)
        ck_assert_msg(s.type == PROXY_NONE, "%s: got %s", sel[_i].name, s.host);
    else
        ck_assert_msg(s.type != PROXY_NONE && strcmp(s.host, sel[_i].host) == 0, "%s: got '%s'",
                      sel[_i].name, s.host);
    ck_assert_msg(strstr(why, sel[_i].why) != NULL, "%s: why \"%s\" lacks \"%s\"", sel[_i].name,
                  why, sel[_i].why);
}
END_TEST

START_TEST(select_null_inputs_is_direct)
{
    struct proxy_spec s;
    char why[64];
    ck_assert_int_eq(proxy_select(NULL, true, "h", 1, &s, why, sizeof why), 0);
    ck_assert_int_eq(s.type, PROXY_NONE);
}
END_TEST

/* As curl (lib/url.c: -U is applied first, then parse_proxy() sets the proxy URL's own user and
 * password over it): --proxy-user gives the credentials when the URL has none; the URL's win. */
START_TEST(select_proxy_user_when_url_has_no_credentials)
{
    struct proxy_inputs in = {.proxy = "http://p.test", .proxy_user = "al:ice:pw"};
    struct proxy_spec s;
    char why[256];
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert(s.has_auth);
    ck_assert_str_eq(s.user, "al");
    ck_assert_str_eq(s.pass, "ice:pw"); /* the first ':' splits, as curl */
    in.proxy_user = "justuser";
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert_str_eq(s.user, "justuser");
    ck_assert_str_eq(s.pass, "");
    in.proxy_user = "%41:p%40ss"; /* percent-decoded, as curl decodes CURLOPT_PROXYUSERPWD */
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert_str_eq(s.user, "A");
    ck_assert_str_eq(s.pass, "p@ss");
    in.proxy_user = "al:pw%zz"; /* a bad escape is an error that shows no secret */
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), -1);
    ck_assert_ptr_null(strstr(why, "pw"));
    ck_assert(!s.has_auth);
}
END_TEST

START_TEST(select_url_credentials_beat_proxy_user)
{
    struct proxy_inputs in = {.proxy = "http://u:old@p.test", .proxy_user = "al:ice"};
    struct proxy_spec s;
    char why[256];
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert(s.has_auth);
    ck_assert_str_eq(s.user, "u");
    ck_assert_str_eq(s.pass, "old");
    in.proxy = "http://u2@p.test"; /* a user alone is credentials too (empty password) */
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert_str_eq(s.user, "u2");
    ck_assert_str_eq(s.pass, "");
    in.proxy = NULL, in.env_all_proxy = "socks5h://e:v@p.test"; /* the environment's too */
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert_str_eq(s.user, "e");
    ck_assert_str_eq(s.pass, "v");
}
END_TEST

START_TEST(select_copies_cacert_and_insecure)
{
    struct proxy_inputs in = {
        .env_https_proxy = "https://p.test", .cacert = "/ca.pem", .insecure = true};
    struct proxy_spec s;
    char why[256];
    ck_assert_int_eq(proxy_select(&in, true, "h", 1, &s, why, sizeof why), 0);
    ck_assert_int_eq(s.type, PROXY_HTTPS);
    ck_assert_str_eq(s.cacert, "/ca.pem");
    ck_assert(s.insecure);
}
END_TEST

static const struct {
    struct proxy_inputs in;
    bool tls;
    const char *why;
} sel_bad[] = {
    {{.proxy = "ftp://u:" SECRET "@p.test"}, false, "--proxy: bad proxy URL"},
    {{.env_http_proxy = "http://u:" SECRET "@p.test:0"}, false, "http_proxy: bad proxy URL"},
    {{.env_https_proxy = "http://u:" SECRET "@p.test/x", .env_https_name = "HTTPS_PROXY"},
     true,
     "HTTPS_PROXY: bad proxy URL"},
    {{.env_all_proxy = "socks9://" SECRET "@p.test"}, true, "all_proxy: bad proxy URL"},
};

START_TEST(select_bad_url_names_its_source_without_secret)
{
    struct proxy_spec s;
    char why[256] = "";
    ck_assert_int_eq(proxy_select(&sel_bad[_i].in, sel_bad[_i].tls, "h", 1, &s, why, sizeof why),
                     -1);
    ck_assert_msg(strstr(why, sel_bad[_i].why) != NULL, "\"%s\" lacks \"%s\"", why,
                  sel_bad[_i].why);
    ck_assert_msg(strstr(why, "hunter2") == NULL, "\"%s\"", why);
    ck_assert_int_eq(s.type, PROXY_NONE);
    ck_assert(memmem(&s, sizeof s, "hunter2", 7) == NULL);
}
END_TEST

START_TEST(select_too_long_proxy_user_fails)
{
    char user[600];
    memset(user, 'a', sizeof user - 1);
    user[sizeof user - 1] = '\0';
    user[3] = ':';
    struct proxy_inputs in = {.proxy = "p.test", .proxy_user = user};
    struct proxy_spec s;
    char why[256];
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), -1);
    ck_assert(strstr(why, "--proxy-user") != NULL);
    ck_assert(strstr(why, "aaaa") == NULL);
}
END_TEST

START_TEST(select_bad_url_bypassed_by_noproxy_is_no_error)
{
    /* curl never looks at the proxy for a host no_proxy names */
    struct proxy_inputs in = {.env_http_proxy = "ftp://x", .env_no_proxy = "h"};
    struct proxy_spec s;
    char why[256];
    ck_assert_int_eq(proxy_select(&in, false, "h", 1, &s, why, sizeof why), 0);
    ck_assert_int_eq(s.type, PROXY_NONE);
}
END_TEST

/* --- proxy_noproxy_match ----------------------------------------------------------------- */

static const struct {
    const char *list, *host;
    bool match;
    const char *entry;
} np[] = {
    /* "*" alone matches everything; not as one entry among others (curl) */
    {"*", "anything.test", true, "*"},
    {" * ", "127.0.0.1", true, "*"},
    {"*", "::1", true, "*"},
    {"x.test,*", "anything.test", false, ""},
    {"*.example.test", "a.example.test", false, ""},
    /* a name matches itself and its subdomains, with or without a leading dot */
    {"example.test", "example.test", true, "example.test"},
    {"example.test", "a.example.test", true, "example.test"},
    {"example.test", "a.b.example.test", true, "example.test"},
    {".example.test", "a.example.test", true, ".example.test"},
    {".example.test", "example.test", true, ".example.test"},
    /* but not a name that merely ends the same, nor a longer suffix */
    {"example.test", "notexample.test", false, ""},
    {".example.test", "notexample.test", false, ""},
    {"example.test", "example.test.org", false, ""},
    {"a.example.test", "example.test", false, ""},
    {"ample.test", "example.test", false, ""},
    /* case-insensitive; trailing dots ignored on both sides */
    {"Example.TEST", "eXample.test", true, "Example.TEST"},
    {"example.test.", "a.example.test", true, "example.test."},
    {"example.test", "a.example.test.", true, "example.test"},
    /* separators: commas and spaces, several in a row, around entries */
    {"a.test, b.test", "b.test", true, "b.test"},
    {"a.test b.test", "b.test", true, "b.test"},
    {",, a.test ,,\tb.test,", "x.b.test", true, "b.test"},
    {"a.test,b.test", "c.test", false, ""},
    {"", "a.test", false, ""},
    {" , ", "a.test", false, ""},
    /* an entry with a port never matches (curl compares the whole entry) */
    {"example.test:8080", "example.test", false, ""},
    /* IPv4 literals match exactly, and CIDR networks */
    {"127.0.0.1", "127.0.0.1", true, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.10", false, ""},
    {"127.0.0.10", "127.0.0.1", false, ""},
    {"10.0.0.0/8", "10.200.3.4", true, "10.0.0.0/8"},
    {"10.0.0.0/8", "11.0.0.1", false, ""},
    {"192.168.0.0/16", "192.168.77.1", true, "192.168.0.0/16"},
    {"192.168.0.0/17", "192.168.128.1", false, ""},
    {"192.168.0.0/17", "192.168.127.1", true, "192.168.0.0/17"},
    {"0.0.0.0/0", "8.8.8.8", true, "0.0.0.0/0"},
    {"127.0.0.1/32", "127.0.0.1", true, "127.0.0.1/32"},
    {"127.0.0.1/33", "127.0.0.1", false, ""},
    {"127.0.0.1/", "127.0.0.1", false, ""},
    {"127.0.0.1/x", "127.0.0.1", false, ""},
    /* an address host is not matched as a domain suffix */
    {"0.0.1", "127.0.0.1", false, ""},
    {"1", "127.0.0.1", false, ""},
    /* a name host is not matched by an address entry */
    {"127.0.0.1", "localhost", false, ""},
    /* IPv6: exact (any spelling), CIDR, brackets tolerated, families never mix */
    {"::1", "::1", true, "::1"},
    {"0:0::1", "::1", true, "0:0::1"},
    {"[::1]", "::1", true, "[::1]"},
    {"::1/128", "::1", true, "::1/128"},
    {"::1", "::2", false, ""},
    {"2001:db8::/32", "2001:db8:ffff::1", true, "2001:db8::/32"},
    {"2001:db8::/32", "2001:db9::1", false, ""},
    {"fe80::/10", "febf::1", true, "fe80::/10"},
    {"fe80::/10", "fec0::1", false, ""},
    {"::1/129", "::1", false, ""},
    {"127.0.0.1", "::ffff:127.0.0.1", false, ""},
    {"::1", "127.0.0.1", false, ""},
    {"0.0.0.0/0", "::1", false, ""},
    {"a.test, ::1, 10.0.0.0/8", "10.1.1.1", true, "10.0.0.0/8"},
};

START_TEST(noproxy_table)
{
    char entry[128] = "x";
    bool m = proxy_noproxy_match(np[_i].list, np[_i].host, entry, sizeof entry);
    ck_assert_msg(m == np[_i].match, "'%s' vs '%s': %s", np[_i].list, np[_i].host,
                  m ? "matched" : "did not match");
    ck_assert_msg(strcmp(entry, np[_i].entry) == 0, "'%s' vs '%s': entry '%s', want '%s'",
                  np[_i].list, np[_i].host, entry, np[_i].entry);
}
END_TEST

START_TEST(noproxy_null_and_empty)
{
    ck_assert(!proxy_noproxy_match(NULL, "a.test", NULL, 0));
    ck_assert(!proxy_noproxy_match("*", "", NULL, 0));
    ck_assert(!proxy_noproxy_match("*", NULL, NULL, 0));
    ck_assert(proxy_noproxy_match("a.test", "a.test", NULL, 0));
}
END_TEST

static Suite *proxyenv_suite(void)
{
    Suite *s = suite_create("proxyenv");
    TCase *tc = tcase_create("proxy_parse_url");
    tcase_add_loop_test(tc, parse_good_table, 0, NROWS(url_good));
    tcase_add_loop_test(tc, parse_bad_table, 0, NROWS(url_bad));
    tcase_add_loop_test(tc, parse_error_never_shows_secret, 0, NROWS(secret_bad));
    tcase_add_test(tc, parse_too_long_credentials_fail);
    tcase_add_test(tc, describe_redacts_and_brackets);
    suite_add_tcase(s, tc);

    tc = tcase_create("proxy_select");
    tcase_add_loop_test(tc, select_precedence_table, 0, NROWS(sel));
    tcase_add_test(tc, select_null_inputs_is_direct);
    tcase_add_test(tc, select_proxy_user_when_url_has_no_credentials);
    tcase_add_test(tc, select_url_credentials_beat_proxy_user);
    tcase_add_test(tc, select_copies_cacert_and_insecure);
    tcase_add_loop_test(tc, select_bad_url_names_its_source_without_secret, 0, NROWS(sel_bad));
    tcase_add_test(tc, select_too_long_proxy_user_fails);
    tcase_add_test(tc, select_bad_url_bypassed_by_noproxy_is_no_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("proxy_noproxy_match");
    tcase_add_loop_test(tc, noproxy_table, 0, NROWS(np));
    tcase_add_test(tc, noproxy_null_and_empty);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(proxyenv_suite)
