/*
 * Tests for the socket layer's rules and connecting (sock.h): --resolve and --connect-to entries
 * (syntax, which entry applies), numeric address lists and the Happy Eyeballs order (RFC 8305
 * §4), from tables; and how the options reach struct sock_settings (conn_options.c). The layer
 * connecting on loopback is in check_sock_connect.c.
 */
#include "check_common.h"

#include "cli.h"
#include "conn_options.h"
#include "sock.h"

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

/* ---- sock_check_resolve / sock_check_connect_to ---- */

static const struct {
    const char *entry;
    bool ok;
} resolve_cases[] = {
    {"example.test:443:127.0.0.1", true},
    {"example.test:443:[::1],127.0.0.1", true},     /* both families, IPv6 in brackets */
    {"example.test:443:::1", true},                 /* a bare IPv6 address is fine at the end */
    {"+example.test:443:127.0.0.1", true},          /* curl's "time out" prefix */
    {"-example.test:443", true},                    /* forget earlier entries */
    {"*:443:127.0.0.1", true},                      /* any host */
    {"[::1]:443:127.0.0.1", true},                  /* an IPv6 HOST in brackets */
    {"EXAMPLE.test:65535:10.0.0.1,10.0.0.2", true}, /* parsed, never connected to */
    {"", false},
    {"example.test", false},
    {"example.test:443", false},
    {"example.test:443:", false},
    {":443:127.0.0.1", false},           /* empty HOST */
    {"example.test::127.0.0.1", false},  /* empty PORT */
    {"example.test:0:127.0.0.1", false}, /* port 0 */
    {"example.test:65536:127.0.0.1", false},
    {"example.test:44x:127.0.0.1", false},
    {"example.test:443:localhost", false}, /* names are not addresses */
    {"example.test:443:127.0.0.1,", false},
    {"example.test:443:,127.0.0.1", false},
    {"example.test:443:[::1", false},
    {"example.test:443:127.0.0.256", false},
    {"-example.test:443:127.0.0.1", false}, /* a removal has no addresses */
    {"[::1:443:127.0.0.1", false},
    {"[::1]x:443:127.0.0.1", false},
};

START_TEST(check_resolve_table)
{
    const char *why = sock_check_resolve(resolve_cases[_i].entry);

    ck_assert_msg((why == NULL) == resolve_cases[_i].ok, "'%s': %s", resolve_cases[_i].entry,
                  why ? why : "accepted");
}
END_TEST

static const struct {
    const char *entry;
    bool ok;
} connect_to_cases[] = {
    {"example.test:443:backend.test:8443", true},
    {"::backend.test:", true}, /* any host, any port, keep the port */
    {":::", true},             /* everything empty: matches, changes nothing */
    {"example.test::127.0.0.1:1", true},
    {"[::1]:443:[::2]:444", true},
    {"example.test:443:backend.test", false}, /* three fields */
    {"example.test:443:backend.test:1:2", false},
    {"example.test:x:backend.test:1", false},
    {"example.test:443:backend.test:0", false},
    {"example.test:443:backend.test:70000", false},
    {"::1:443:backend.test:1", false}, /* IPv6 without brackets */
    {"[::1:443:backend.test:1", false},
    {"", false},
};

START_TEST(check_connect_to_table)
{
    const char *why = sock_check_connect_to(connect_to_cases[_i].entry);

    ck_assert_msg((why == NULL) == connect_to_cases[_i].ok, "'%s': %s", connect_to_cases[_i].entry,
                  why ? why : "accepted");
}
END_TEST

START_TEST(check_messages_say_what_is_wrong)
{
    ck_assert_str_eq(sock_check_resolve("h:80:"), "no address after HOST:PORT:");
    ck_assert_str_eq(sock_check_resolve("h:0:1.2.3.4"), "PORT must be a number from 1 to 65535");
    ck_assert_ptr_nonnull(strstr(sock_check_resolve("h:80:name"), "numeric"));
    ck_assert_ptr_nonnull(strstr(sock_check_connect_to("a:1:b"), "HOST:PORT:HOST2:PORT2"));
}
END_TEST

/* ---- sock_resolve_find ---- */

#define SETTINGS_RESOLVE(...)                                                          \
    (struct sock_settings)                                                             \
    {                                                                                  \
        .resolve = (const char *const[]){__VA_ARGS__},                                 \
        .nresolve = sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), \
    }

START_TEST(resolve_find_matches_host_and_port_only)
{
    struct sock_settings s =
        SETTINGS_RESOLVE("a.test:80:127.0.0.1", "b.test:443:127.0.0.2", "a.test:8080:127.0.0.3");

    ck_assert_str_eq(sock_resolve_find(&s, "a.test", 80), "127.0.0.1");
    ck_assert_str_eq(sock_resolve_find(&s, "A.TEST", 8080), "127.0.0.3"); /* names ignore case */
    ck_assert_ptr_null(sock_resolve_find(&s, "a.test", 443));             /* other port */
    ck_assert_ptr_null(sock_resolve_find(&s, "c.test", 80));              /* other host */
    ck_assert_ptr_null(sock_resolve_find(NULL, "a.test", 80));
}
END_TEST

START_TEST(resolve_find_last_entry_wins_and_wildcard_comes_last)
{
    struct sock_settings s = SETTINGS_RESOLVE("*:80:127.0.0.9", "a.test:80:127.0.0.1",
                                              "a.test:80:[::1],127.0.0.2", "*:80:127.0.0.8");

    ck_assert_str_eq(sock_resolve_find(&s, "a.test", 80), "[::1],127.0.0.2");
    ck_assert_str_eq(sock_resolve_find(&s, "other.test", 80), "127.0.0.8");
    ck_assert_ptr_null(sock_resolve_find(&s, "other.test", 81));
}
END_TEST

START_TEST(resolve_find_removal_forgets_earlier_entries)
{
    struct sock_settings s =
        SETTINGS_RESOLVE("a.test:80:127.0.0.1", "-a.test:80", "*:80:127.0.0.8",
                         "b.test:80:127.0.0.2", "-b.test:80", "b.test:80:127.0.0.3");

    ck_assert_str_eq(sock_resolve_find(&s, "a.test", 80), "127.0.0.8"); /* falls to the wildcard */
    ck_assert_str_eq(sock_resolve_find(&s, "b.test", 80), "127.0.0.3"); /* added again after */
}
END_TEST

START_TEST(resolve_find_ipv6_host_in_brackets_and_skips_malformed)
{
    struct sock_settings s = SETTINGS_RESOLVE("[::1]:80:127.0.0.1", "a.test:80:nonsense");

    ck_assert_str_eq(sock_resolve_find(&s, "::1", 80), "127.0.0.1");
    ck_assert_ptr_null(sock_resolve_find(&s, "a.test", 80));
}
END_TEST

/* ---- sock_parse_addrs ---- */

static const char *addr_text(const struct sock_addr *a, char *buf, size_t n)
{
    char ip[INET6_ADDRSTRLEN];

    if (a->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->sa;
        ck_assert_uint_eq(a->len, sizeof *s6);
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        snprintf(buf, n, "[%s]:%u", ip, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->sa;
        ck_assert_int_eq(a->sa.ss_family, AF_INET);
        ck_assert_uint_eq(a->len, sizeof *s4);
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        snprintf(buf, n, "%s:%u", ip, ntohs(s4->sin_port));
    }
    return buf;
}

START_TEST(parse_addrs_both_families_with_port)
{
    struct sock_addr a[4];
    char buf[64];

    ck_assert_int_eq(sock_parse_addrs("[::1],127.0.0.1,::2", 8080, a, 4), 3);
    ck_assert_str_eq(addr_text(&a[0], buf, sizeof buf), "[::1]:8080");
    ck_assert_str_eq(addr_text(&a[1], buf, sizeof buf), "127.0.0.1:8080");
    ck_assert_str_eq(addr_text(&a[2], buf, sizeof buf), "[::2]:8080");
}
END_TEST

START_TEST(parse_addrs_stores_at_most_max_but_checks_all)
{
    struct sock_addr a[1];
    char buf[64];

    ck_assert_int_eq(sock_parse_addrs("127.0.0.1,127.0.0.2", 1, a, 1), 1);
    ck_assert_str_eq(addr_text(&a[0], buf, sizeof buf), "127.0.0.1:1");
    ck_assert_int_eq(sock_parse_addrs("127.0.0.1,bad", 1, a, 1), -1);
    ck_assert_int_eq(sock_parse_addrs("127.0.0.1", 1, NULL, 0), 0);
    ck_assert_int_eq(sock_parse_addrs("", 1, a, 1), -1);
    ck_assert_int_eq(sock_parse_addrs("[]", 1, a, 1), -1);
}
END_TEST

/* ---- sock_connect_to ---- */

static const struct {
    const char *rules[3];
    const char *host;
    uint16_t port;
    bool matched;
    const char *out_host;
    uint16_t out_port;
} connect_to_matches[] = {
    {{"a.test:443:b.test:8443"}, "a.test", 443, true, "b.test", 8443},
    {{"a.test:443:b.test:8443"}, "a.test", 444, false, "a.test", 444}, /* other port */
    {{"a.test:443:b.test:8443"}, "c.test", 443, false, "c.test", 443}, /* other host */
    {{":443:b.test:"}, "any.test", 443, true, "b.test", 443},          /* any host, same port */
    {{"a.test::127.0.0.1:"}, "A.Test", 9, true, "127.0.0.1", 9},       /* any port; case */
    {{"a.test:80::8080"}, "a.test", 80, true, "a.test", 8080},         /* host unchanged */
    {{"[::1]:80:[::2]:81"}, "::1", 80, true, "::2", 81},               /* brackets go */
    {{"a.test:80:first.test:1", "a.test:80:second.test:2"}, "a.test", 80, true, "first.test", 1},
    {{"bad", "a.test:80:ok.test:2"}, "a.test", 80, true, "ok.test", 2}, /* malformed skipped */
    {{"b.test:80:x.test:1", "::y.test:2"}, "a.test", 80, true, "y.test", 2},
};

START_TEST(connect_to_table)
{
    struct sock_settings s = {.connect_to = connect_to_matches[_i].rules};
    char host[256];
    uint16_t port = 0;
    bool m;

    while (s.nconnect_to < 3 && connect_to_matches[_i].rules[s.nconnect_to])
        s.nconnect_to++;
    m = sock_connect_to(&s, connect_to_matches[_i].host, connect_to_matches[_i].port, host,
                        sizeof host, &port);
    ck_assert_msg(m == connect_to_matches[_i].matched, "case %d", _i);
    ck_assert_str_eq(host, connect_to_matches[_i].out_host);
    ck_assert_uint_eq(port, connect_to_matches[_i].out_port);
}
END_TEST

/* ---- sock_interleave / sock_mixed_families ---- */

/* Addresses from "6a 4a ...": family and a distinguishing last byte. */
static size_t make_addrs(const char *spec, struct sock_addr *a)
{
    size_t n = 0;

    for (const char *p = spec; *p; p++) {
        if (*p == ' ')
            continue;
        memset(&a[n], 0, sizeof a[n]);
        if (*p == '6') {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a[n].sa;
            s6->sin6_family = AF_INET6;
            s6->sin6_addr.s6_addr[15] = (uint8_t)p[1];
            a[n].len = sizeof *s6;
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&a[n].sa;
            s4->sin_family = AF_INET;
            s4->sin_addr.s_addr = htonl((uint32_t)(uint8_t)p[1]);
            a[n].len = sizeof *s4;
        }
        n++;
        p++;
    }
    return n;
}

static void addrs_spec(const struct sock_addr *a, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        bool v6 = a[i].sa.ss_family == AF_INET6;
        char id = v6 ? (char)((const struct sockaddr_in6 *)&a[i].sa)->sin6_addr.s6_addr[15]
                     : (char)ntohl(((const struct sockaddr_in *)&a[i].sa)->sin_addr.s_addr);
        out += sprintf(out, "%s%c%c", i ? " " : "", v6 ? '6' : '4', id);
    }
    *out = '\0';
}

static const struct {
    const char *in, *out;
    bool mixed;
} interleave_cases[] = {
    {"6a 6b 4a 4b", "6a 4a 6b 4b", true}, /* the usual AAAA-then-A answer */
    {"4a 4b 6a 6b", "4a 6a 4b 6b", true}, /* IPv4 first stays first */
    {"6a 4a 4b 4c 4d", "6a 4a 4b 4c 4d", true},
    {"4a 4b 4c 6a", "4a 6a 4b 4c", true}, /* the lone IPv6 moves up to second */
    {"6a 6b 6c 4a", "6a 4a 6b 6c", true},
    {"6a 4a", "6a 4a", true},
    {"4a 4b 4c", "4a 4b 4c", false}, /* one family: unchanged */
    {"6a", "6a", false},
};

START_TEST(interleave_table)
{
    struct sock_addr a[8] = {0};
    char got[64];
    size_t n = make_addrs(interleave_cases[_i].in, a);

    ck_assert(sock_mixed_families(a, n) == interleave_cases[_i].mixed);
    sock_interleave(a, n);
    addrs_spec(a, n, got);
    ck_assert_str_eq(got, interleave_cases[_i].out);
}
END_TEST

/* ---- the options: cli_parse() and conn_options_config() fill struct sock_settings ---- */

static int parse_net(struct options *o, struct conn_config *cfg, char *err, size_t n,
                     const char *const *args)
{
    static char *argv[16];
    int argc = 0, rc;

    argv[argc++] = (char *)"wsc";
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    rc = cli_parse(o, argc, argv, NULL, err, n);
    if (rc == CLI_OK)
        conn_options_config(o, NULL, cfg);
    return rc;
}

START_TEST(options_last_family_and_last_socket_win)
{
    struct options o;
    struct conn_config cfg;
    char err[256];

    ck_assert_int_eq(
        parse_net(&o, &cfg, err, sizeof err,
                  (const char *const[]){"-4", "--ipv6", "--abstract-unix-socket", "name",
                                        "--unix-socket", "/run/s", "ws://h/", NULL}),
        CLI_OK);
    ck_assert_int_eq(cfg.net.family, 6);
    ck_assert_str_eq(cfg.net.unix_path, "/run/s");
    ck_assert(!cfg.net.abstract);
    cli_free(&o);
    ck_assert_int_eq(
        parse_net(&o, &cfg, err, sizeof err,
                  (const char *const[]){"-6", "-4", "--unix-socket", "/run/s",
                                        "--abstract-unix-socket", "name", "ws://h/", NULL}),
        CLI_OK);
    ck_assert_int_eq(cfg.net.family, 4);
    ck_assert_str_eq(cfg.net.unix_path, "name");
    ck_assert(cfg.net.abstract);
    cli_free(&o);
    ck_assert_int_eq(parse_net(&o, &cfg, err, sizeof err, (const char *const[]){"ws://h/", NULL}),
                     CLI_OK);
    ck_assert_int_eq(cfg.net.family, 0);
    ck_assert_ptr_null(cfg.net.unix_path);
    ck_assert_uint_eq(cfg.net.nresolve + cfg.net.nconnect_to, 0);
    cli_free(&o);
}
END_TEST

START_TEST(options_resolve_and_connect_to_are_kept_in_order)
{
    struct options o;
    struct conn_config cfg;
    char err[256];

    ck_assert_int_eq(
        parse_net(&o, &cfg, err, sizeof err,
                  (const char *const[]){"--resolve", "a:1:127.0.0.1", "--connect-to", "a:1:b:2",
                                        "--resolve", "b:2:[::1]", "ws://a:1/", NULL}),
        CLI_OK);
    ck_assert_uint_eq(cfg.net.nresolve, 2);
    ck_assert_str_eq(cfg.net.resolve[0], "a:1:127.0.0.1");
    ck_assert_str_eq(cfg.net.resolve[1], "b:2:[::1]");
    ck_assert_uint_eq(cfg.net.nconnect_to, 1);
    ck_assert_str_eq(cfg.net.connect_to[0], "a:1:b:2");
    cli_free(&o);
}
END_TEST

START_TEST(options_malformed_entries_are_usage_errors)
{
    struct options o;
    struct conn_config cfg;
    char err[256];

    ck_assert_int_eq(
        parse_net(&o, &cfg, err, sizeof err,
                  (const char *const[]){"--resolve", "a:1:name.test", "ws://a/", NULL}),
        2);
    ck_assert_msg(strstr(err, "--resolve: ") == err, "%s", err);
    cli_free(&o);
    ck_assert_int_eq(parse_net(&o, &cfg, err, sizeof err,
                               (const char *const[]){"--connect-to", "a:1:b", "ws://a/", NULL}),
                     2);
    ck_assert_msg(strstr(err, "--connect-to: ") == err, "%s", err);
    cli_free(&o);
    ck_assert_int_eq(parse_net(&o, &cfg, err, sizeof err,
                               (const char *const[]){"--unix-socket", "", "ws://a/", NULL}),
                     2);
    cli_free(&o);
}
END_TEST

static Suite *sock_suite(void)
{
    Suite *s = suite_create("sock");
    TCase *tc;

    tc = tcase_create("sock_check_resolve");
    tcase_add_loop_test(tc, check_resolve_table, 0, sizeof resolve_cases / sizeof resolve_cases[0]);
    tcase_add_test(tc, check_messages_say_what_is_wrong);
    suite_add_tcase(s, tc);

    tc = tcase_create("sock_check_connect_to");
    tcase_add_loop_test(tc, check_connect_to_table, 0,
                        sizeof connect_to_cases / sizeof connect_to_cases[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("sock_resolve_find");
    tcase_add_test(tc, resolve_find_matches_host_and_port_only);
    tcase_add_test(tc, resolve_find_last_entry_wins_and_wildcard_comes_last);
    tcase_add_test(tc, resolve_find_removal_forgets_earlier_entries);
    tcase_add_test(tc, resolve_find_ipv6_host_in_brackets_and_skips_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("sock_parse_addrs");
    tcase_add_test(tc, parse_addrs_both_families_with_port);
    tcase_add_test(tc, parse_addrs_stores_at_most_max_but_checks_all);
    suite_add_tcase(s, tc);

    tc = tcase_create("sock_connect_to");
    tcase_add_loop_test(tc, connect_to_table, 0,
                        sizeof connect_to_matches / sizeof connect_to_matches[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("sock_interleave");
    tcase_add_loop_test(tc, interleave_table, 0,
                        sizeof interleave_cases / sizeof interleave_cases[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("conn_options_net");
    tcase_add_test(tc, options_last_family_and_last_socket_win);
    tcase_add_test(tc, options_resolve_and_connect_to_are_kept_in_order);
    tcase_add_test(tc, options_malformed_entries_are_usage_errors);
    suite_add_tcase(s, tc);

    return s;
}

CHECK_MAIN(sock_suite)
