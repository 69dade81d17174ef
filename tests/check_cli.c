/* Unit tests for cli: table-driven cli_parse() return codes, messages and fields (the number
 * parsers and the per-type tests of every option row are in check_cli_types.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "cli.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define MAXARGS  16

/* Run cli_parse on a NULL-terminated list (argv[0] "wsc" is added). getopt may permute argv, so
 * the pointers are copied into a mutable array; the strings live as long as the table. */
static int run(struct options *o, const char *const *args, const char *env, char *err, size_t n)
{
    static char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"wsc";
    for (size_t i = 0; args[i] != NULL; i++) {
        ck_assert_int_lt(argc, 63);
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    err[0] = '\0';
    return cli_parse(o, argc, argv, env, err, n);
}

static const char *show(const char *const *args, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; args[i] != NULL && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s'%s'", i ? " " : "", args[i]);
    return out;
}

/* --- return codes and messages --- */

static const struct {
    const char *args[MAXARGS];
    const char *env; /* WSC_BEARER_TOKEN */
    int rc;
    const char *err; /* substring of the message, or NULL */
} rc_table[] = {
    {{"ws://h/"}, NULL, CLI_OK, NULL},
    {{"--help"}, NULL, CLI_HELP, NULL},
    {{"-h", "ws://h/"}, NULL, CLI_HELP, NULL},
    {{"--version"}, NULL, CLI_VERSION, NULL},
    {{"-V"}, NULL, CLI_VERSION, NULL},
    /* no URL and no --host */
    {{NULL}, NULL, 2, "no URL"},
    {{"-q"}, NULL, 2, "no URL"},
    {{"--port", "81"}, NULL, 2, NULL},
    /* bad URLs are exit 3, naming the URL */
    {{"ftp://h/"}, NULL, 3, "ftp://h/"},
    {{"http://h/"}, NULL, CLI_OK, NULL},
    {{"ws://h:0/"}, NULL, 3, "port"},
    {{"ws://h/#frag"}, NULL, 3, "ws://h/#frag"},
    {{"ws://h:65536/"}, NULL, 3, NULL},
    /* two URLs */
    {{"ws://a/", "ws://b/"}, NULL, 2, "ws://b/"},
    /* seed fields */
    {{"--host", "h", "--port", "65536"}, NULL, 2, NULL},
    {{"--host", "h", "--port", "-1"}, NULL, 2, NULL},
    {{"--host", "h", "--port", "x"}, NULL, 2, NULL},
    {{"--host", "h", "--protocol", "ftp"}, NULL, 2, "--protocol"},
    {{"--host", "ws://h"}, NULL, 2, "--host"},
    {{"--host", "h/x"}, NULL, 2, "--host"},
    {{"--host", ""}, NULL, 2, "--host"},
    {{"ws://h/", "--host", "h"}, NULL, 2, "URL"},
    {{"ws://h/", "--port", "80"}, NULL, 2, NULL},
    {{"ws://h/", "--path", "/x"}, NULL, 2, NULL},
    {{"ws://h/", "--protocol", "ws"}, NULL, 2, NULL},
    /* credentials exclude each other */
    {{"--bearer", "T", "--auth", "u:p", "ws://h/"}, NULL, 2, "--bearer"},
    {{"--bearer", "T", "ws://u:p@h/"}, NULL, 2, NULL},
    {{"--auth", "u:p", "ws://u:p@h/"}, NULL, 2, NULL},
    {{"--auth", "nocolon", "ws://h/"}, NULL, 2, "--auth"},
    {{"--bearer", "", "ws://h/"}, NULL, 2, "--bearer"},
    {{"--bearer", "a b", "ws://h/"}, NULL, 2, "--bearer"},
    /* the environment token never conflicts: it is simply not used */
    {{"--auth", "u:p", "ws://h/"}, "ENV", CLI_OK, NULL},
    {{"--bearer", "T", "ws://h/"}, "ENV", CLI_OK, NULL},
    {{"ws://u:p@h/"}, "ENV", CLI_OK, NULL},
    /* headers the handshake owns, and Authorization next to credentials */
    {{"-H", "Sec-WebSocket-Key: x", "ws://h/"}, NULL, 2, "Sec-WebSocket-Key"},
    {{"-H", "sec-websocket-key: x", "ws://h/"}, NULL, 2, NULL},
    {{"-H", "Upgrade: x", "ws://h/"}, NULL, 2, NULL},
    {{"-H", "Host: x", "ws://h/"}, NULL, 2, NULL},
    {{"-H", "Authorization: Basic x", "--bearer", "T", "ws://h/"}, NULL, 2, "Authorization"},
    {{"-H", "Authorization: Basic x", "--auth", "u:p", "ws://h/"}, NULL, 2, NULL},
    {{"-H", "Authorization: Basic x", "ws://u:p@h/"}, NULL, 2, NULL},
    {{"-H", "Authorization: Basic x", "ws://h/"}, NULL, CLI_OK, NULL},
    {{"-H", "no colon", "ws://h/"}, NULL, 2, NULL},
    {{"-H", "X-A: ok", "ws://h/"}, NULL, CLI_OK, NULL},
    /* sizes */
    {{"--max-message-size", "16X", "ws://h/"}, NULL, 2, "--max-message-size"},
    {{"--max-message-size", "-1", "ws://h/"}, NULL, 2, "--max-message-size"},
    {{"--max-message-size", "", "ws://h/"}, NULL, 2, "--max-message-size"},
    {{"--max-message-size", "1.5M", "ws://h/"}, NULL, 2, "--max-message-size"},
    {{"--queue-size", "1023", "ws://h/"}, NULL, 2, "--queue-size"},
    {{"--queue-size", "1K", "ws://h/"}, NULL, CLI_OK, NULL},
    {{"--queue-size", "lots", "ws://h/"}, NULL, 2, "--queue-size"},
    /* times */
    {{"--wait", "-1", "ws://h/"}, NULL, CLI_OK, NULL},
    {{"-w", "-2", "ws://h/"}, NULL, 2, "--wait"},
    {{"-w", "x", "ws://h/"}, NULL, 2, "--wait"},
    {{"--connect-timeout", "0", "ws://h/"}, NULL, 2, "--connect-timeout"},
    {{"--connect-timeout", "-1", "ws://h/"}, NULL, 2, "--connect-timeout"},
    {{"--timeout", "-1", "ws://h/"}, NULL, 2, "--timeout"},
    {{"--ping-interval", "0", "ws://h/"}, NULL, 2, "--ping-interval"},
    {{"--ping-timeout", "0", "ws://h/"}, NULL, 2, "--ping-timeout"},
    {{"--reconnect-delay", "5:1", "ws://h/"}, NULL, 2, "--reconnect-delay"},
    {{"--reconnect-delay", "x", "ws://h/"}, NULL, 2, "--reconnect-delay"},
    {{"--reconnect-delay", "1:", "ws://h/"}, NULL, 2, "--reconnect-delay"},
    {{"--reconnect-delay", ":5", "ws://h/"}, NULL, 2, "--reconnect-delay"},
    {{"--reconnect-max", "0", "ws://h/"}, NULL, 2, "--reconnect-max"},
    /* redirects: -1 (no limit) and up */
    {{"--max-redirs", "-2", "ws://h/"}, NULL, 2, "--max-redirs"},
    {{"--max-redirs", "x", "ws://h/"}, NULL, 2, "--max-redirs"},
    {{"--max-redirs", "", "ws://h/"}, NULL, 2, "--max-redirs"},
    {{"--max-redirs", "2147483648", "ws://h/"}, NULL, 2, "--max-redirs"},
    {{"--max-redirs", "-1", "ws://h/"}, NULL, CLI_OK, NULL},
    {{"--max-redirs", "0", "-L", "ws://h/"}, NULL, CLI_OK, NULL},
    /* counts */
    {{"--count", "0", "ws://h/"}, NULL, 2, "--count"},
    {{"-n", "-1", "ws://h/"}, NULL, 2, "--count"},
    {{"-n", "3x", "ws://h/"}, NULL, 2, "--count"},
    /* enumerations */
    {{"--binary-format", "octal", "ws://h/"}, NULL, 2, "--binary-format"},
    {{"--binary-format", "HEX", "ws://h/"}, NULL, 2, "--binary-format"},
    {{"--color", "sometimes", "ws://h/"}, NULL, 2, "--color"},
    {{"-s", "a b", "ws://h/"}, NULL, 2, "--subprotocol"},
    {{"-s", "", "ws://h/"}, NULL, 2, "--subprotocol"},
    {{"-o", "http://x\r\nEvil: 1", "ws://h/"}, NULL, 2, "--origin"},
    /* unknown options and missing arguments name the option */
    {{"--bogus", "ws://h/"}, NULL, 2, "--bogus"},
    {{"-Z", "ws://h/"}, NULL, 2, "-Z"},
    {{"-qZ", "ws://h/"}, NULL, 2, "-Z"},
    {{"--json=yes", "ws://h/"}, NULL, 2, "--json"},
    {{"ws://h/", "--wait"}, NULL, 2, "--wait"},
    {{"ws://h/", "-w"}, NULL, 2, "-w"},
    {{"ws://h/", "--header"}, NULL, 2, "--header"},
    {{"ws://h/", "-H"}, NULL, 2, "-H"},
};

START_TEST(parse_return_code_table)
{
    struct options o;
    char err[256], shown[512];
    int rc = run(&o, rc_table[_i].args, rc_table[_i].env, err, sizeof err);
    cli_free(&o); /* before any assertion: nothing leaks when one fails without fork */
    show(rc_table[_i].args, shown, sizeof shown);
    ck_assert_msg(rc == rc_table[_i].rc, "%s: returned %d, want %d (err \"%s\")", shown, rc,
                  rc_table[_i].rc, err);
    if (rc > 0) {
        ck_assert_msg(err[0] != '\0', "%s: no message", shown);
        ck_assert_msg(strchr(err, '\n') == NULL, "%s: message has a newline: \"%s\"", shown, err);
        ck_assert_msg(strncmp(err, "wsc:", 4) != 0, "%s: message has the prefix: \"%s\"", shown,
                      err);
    }
    if (rc_table[_i].err)
        ck_assert_msg(strstr(err, rc_table[_i].err) != NULL, "%s: message \"%s\" lacks \"%s\"",
                      shown, err, rc_table[_i].err);
}
END_TEST

/* --- URL and seed fields --- */

static const struct {
    const char *args[MAXARGS];
    bool tls;
    const char *host;
    unsigned port;
    bool port_given;
    const char *resource;
} url_table[] = {
    {{"ws://example.com/chat?x=1"}, false, "example.com", 80, false, "/chat?x=1"},
    {{"wss://example.com:8443"}, true, "example.com", 8443, true, "/"},
    {{"ws://[::1]:9/p"}, false, "::1", 9, true, "/p"},
    /* options may come after the URL (getopt permutes) */
    {{"ws://h/a", "-q"}, false, "h", 80, false, "/a"},
    {{"--host", "h"}, false, "h", 80, false, "/"},
    {{"--host", "h", "--protocol", "wss"}, true, "h", 443, false, "/"},
    {{"--host", "h", "--protocol", "WSS"}, true, "h", 443, false, "/"},
    {{"--host", "h", "--port", "0"}, false, "h", 80, false, "/"},
    {{"--host", "h", "--port", "0", "--protocol", "wss"}, true, "h", 443, false, "/"},
    {{"--host", "h", "--port", "65535"}, false, "h", 65535, true, "/"},
    {{"--host", "h", "--port", "8080", "--path", "/a?b=c"}, false, "h", 8080, true, "/a?b=c"},
    {{"--host", "h", "--path", "x"}, false, "h", 80, false, "/x"},
    {{"--host", "::1"}, false, "::1", 80, false, "/"},
    {{"--host", "[::1]", "--port", "9"}, false, "::1", 9, true, "/"},
};

START_TEST(parse_url_and_seed_fields_table)
{
    struct options o;
    char err[256], shown[512];
    int rc = run(&o, url_table[_i].args, NULL, err, sizeof err);
    show(url_table[_i].args, shown, sizeof shown);
    ck_assert_msg(rc == CLI_OK, "%s: returned %d (%s)", shown, rc, err);
    ck_assert_msg(o.url.tls == url_table[_i].tls, "%s: tls %d", shown, o.url.tls);
    ck_assert_msg(o.url.host && strcmp(o.url.host, url_table[_i].host) == 0, "%s: host \"%s\"",
                  shown, o.url.host ? o.url.host : "(null)");
    ck_assert_msg(o.url.port == url_table[_i].port, "%s: port %u", shown, o.url.port);
    ck_assert_msg(o.url.port_given == url_table[_i].port_given, "%s: port_given %d", shown,
                  o.url.port_given);
    ck_assert_msg(o.url.resource && strcmp(o.url.resource, url_table[_i].resource) == 0,
                  "%s: resource \"%s\"", shown, o.url.resource ? o.url.resource : "(null)");
    cli_free(&o);
}
END_TEST

/* --- credentials --- */

static const struct {
    const char *args[MAXARGS];
    const char *env;
    const char *authorization; /* NULL = none */
} auth_table[] = {
    {{"ws://h/"}, NULL, NULL},
    {{"--bearer", "T", "ws://h/"}, NULL, "Bearer T"},
    {{"--bearer", "abc.def-ghi", "ws://h/"}, NULL, "Bearer abc.def-ghi"},
    {{"--auth", "u:p", "ws://h/"}, NULL, "Basic dTpw"},
    /* only the first colon splits: the password may hold colons */
    {{"--auth", "u:p:q", "ws://h/"}, NULL, "Basic dTpwOnE="},
    {{"--auth", "u:", "ws://h/"}, NULL, "Basic dTo="},
    {{"ws://u:p@h/"}, NULL, "Basic dTpw"},
    /* percent-decoded userinfo: "a b:c@d" */
    {{"ws://a%20b:c%40d@h/"}, NULL, "Basic YSBiOmNAZA=="},
    {{"ws://u@h/"}, NULL, "Basic dTo="},
    /* the environment token is used only without other credentials */
    {{"ws://h/"}, "ENV", "Bearer ENV"},
    {{"--host", "h"}, "ENV", "Bearer ENV"},
    {{"ws://h/"}, "", NULL},
    {{"--bearer", "T", "ws://h/"}, "ENV", "Bearer T"},
    {{"--auth", "u:p", "ws://h/"}, "ENV", "Basic dTpw"},
    {{"ws://u:p@h/"}, "ENV", "Basic dTpw"},
    /* a hand-written Authorization header is credentials too: the environment stays out */
    {{"-H", "Authorization: Basic eDp5", "ws://h/"}, "ENV", NULL},
};

START_TEST(parse_credentials_table)
{
    struct options o;
    char err[256], shown[512];
    int rc = run(&o, auth_table[_i].args, auth_table[_i].env, err, sizeof err);
    char got[128];
    snprintf(got, sizeof got, "%s", o.authorization ? o.authorization : "(none)");
    cli_free(&o);
    show(auth_table[_i].args, shown, sizeof shown);
    ck_assert_msg(rc == CLI_OK, "%s (env %s): returned %d (%s)", shown,
                  auth_table[_i].env ? auth_table[_i].env : "unset", rc, err);
    const char *want = auth_table[_i].authorization ? auth_table[_i].authorization : "(none)";
    ck_assert_msg(strcmp(got, want) == 0, "%s: authorization \"%s\", want \"%s\"", shown, got,
                  want);
}
END_TEST

/* --- lists --- */

START_TEST(parse_lists_repeatable_and_ordered)
{
    struct options o;
    char err[256];
    const char *args[] = {
        "-s", "chat",     "-H",     "X-A: 1",    "-x",     "first", "ws://h/", "--subprotocol",
        "v2", "--header", "X-B: 2", "--execute", "second", "-s",    "v3",      NULL};
    ck_assert_int_eq(run(&o, args, NULL, err, sizeof err), CLI_OK);
    ck_assert_uint_eq(o.nsubprotocols, 3);
    ck_assert_str_eq(o.subprotocols[0], "chat");
    ck_assert_str_eq(o.subprotocols[1], "v2");
    ck_assert_str_eq(o.subprotocols[2], "v3");
    ck_assert_uint_eq(o.nheaders, 2);
    ck_assert_str_eq(o.headers[0], "X-A: 1");
    ck_assert_str_eq(o.headers[1], "X-B: 2");
    ck_assert_uint_eq(o.nexecute, 2);
    ck_assert_str_eq(o.execute[0], "first");
    ck_assert_str_eq(o.execute[1], "second");
    cli_free(&o);
}
END_TEST

START_TEST(parse_list_limit_is_an_error_not_an_overflow)
{
    struct options o;
    char err[256];
    static char *argv[2 * CLI_MAX_LIST + 8];
    int argc = 0;
    argv[argc++] = (char *)"wsc";
    for (int i = 0; i < CLI_MAX_LIST + 1; i++) {
        argv[argc++] = (char *)"-x";
        argv[argc++] = (char *)"m";
    }
    argv[argc++] = (char *)"ws://h/";
    argv[argc] = NULL;
    ck_assert_int_eq(cli_parse(&o, argc, argv, NULL, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "--execute") != NULL, "message \"%s\"", err);
    cli_free(&o);
    /* exactly CLI_MAX_LIST is fine */
    argc -= 3;
    argv[argc++] = (char *)"ws://h/";
    argv[argc] = NULL;
    ck_assert_int_eq(cli_parse(&o, argc, argv, NULL, err, sizeof err), CLI_OK);
    ck_assert_uint_eq(o.nexecute, CLI_MAX_LIST);
    cli_free(&o);
}
END_TEST

/* --- defaults and values --- */

START_TEST(parse_defaults)
{
    struct options o;
    char err[256];
    const char *args[] = {"ws://h/", NULL};
    ck_assert_int_eq(run(&o, args, NULL, err, sizeof err), CLI_OK);
    ck_assert_double_eq(o.connect_timeout, 10);
    ck_assert_uint_eq(o.max_message_size, 64ull << 20);
    ck_assert_double_eq(o.wait, 2);
    ck_assert_int_eq(o.binary_format, BINFMT_RAW);
    ck_assert_int_eq(o.color, COLOR_AUTO);
    ck_assert(o.keepalive);
    ck_assert_double_eq(o.ping_interval, 30);
    ck_assert_double_eq(o.ping_timeout, 10);
    ck_assert_double_eq(o.reconnect_delay_min, 1);
    ck_assert_double_eq(o.reconnect_delay_max, 60);
    ck_assert_int_eq(o.reconnect_max, 0);
    ck_assert_uint_eq(o.queue_size, 4u << 20);
    ck_assert_int_eq(o.count, 0);
    ck_assert_double_eq(o.timeout, 0);
    ck_assert_int_eq(o.verbosity, 0);
    ck_assert_uint_eq(o.nsubprotocols + o.nheaders + o.nexecute, 0);
    ck_assert_ptr_null(o.authorization);
    ck_assert_ptr_null(o.match);
    ck_assert_ptr_null(o.origin);
    ck_assert(!o.binary && !o.null_delim && !o.json && !o.insecure && !o.reconnect);
    cli_free(&o);
}
END_TEST

/* Which struct options field a value row checks. */
enum field {
    F_MAXSIZE,
    F_QUEUE,
    F_WAIT,
    F_COUNT,
    F_BINFMT,
    F_COLOR,
    F_VERBOSITY,
    F_PING_INTERVAL,
    F_PING_TIMEOUT,
    F_RDELAY_MIN,
    F_RDELAY_MAX,
    F_RMAX,
    F_CONNECT_TIMEOUT,
    F_TIMEOUT,
};

static const struct {
    const char *args[MAXARGS];
    enum field field;
    double want;
} value_table[] = {
    {{"--max-message-size", "16M"}, F_MAXSIZE, 16777216},
    {{"--max-message-size", "16m"}, F_MAXSIZE, 16777216},
    {{"--max-message-size", "1K"}, F_MAXSIZE, 1024},
    {{"--max-message-size", "2G"}, F_MAXSIZE, 2147483648.0},
    {{"--max-message-size", "0"}, F_MAXSIZE, 0},
    {{"--max-message-size", "1000"}, F_MAXSIZE, 1000},
    {{"--queue-size", "8M"}, F_QUEUE, 8388608},
    {{"--wait", "-1"}, F_WAIT, -1},
    {{"-w", "0"}, F_WAIT, 0},
    {{"-w", "0.25"}, F_WAIT, 0.25},
    /* --count implies waiting until the server closes, unless -w is given (either order) */
    {{"--count", "3"}, F_COUNT, 3},
    {{"--count", "3"}, F_WAIT, -1},
    {{"-n", "1", "-w", "5"}, F_WAIT, 5},
    {{"-w", "5", "-n", "1"}, F_WAIT, 5},
    {{"-w", "2", "-n", "1"}, F_WAIT, 2},
    {{"--binary-format", "raw"}, F_BINFMT, BINFMT_RAW},
    {{"--binary-format", "hex"}, F_BINFMT, BINFMT_HEX},
    {{"--binary-format", "base64"}, F_BINFMT, BINFMT_BASE64},
    {{"--binary-format", "hex", "--binary-format", "raw"}, F_BINFMT, BINFMT_RAW},
    {{"--color", "auto"}, F_COLOR, COLOR_AUTO},
    {{"--color", "always"}, F_COLOR, COLOR_ALWAYS},
    {{"--color", "never"}, F_COLOR, COLOR_NEVER},
    {{"-q"}, F_VERBOSITY, -1},
    {{"--quiet"}, F_VERBOSITY, -1},
    {{"-v"}, F_VERBOSITY, 1},
    {{"-vv"}, F_VERBOSITY, 2},
    {{"-v", "--verbose"}, F_VERBOSITY, 2},
    {{"-q", "-v"}, F_VERBOSITY, 1},
    {{"-v", "-q"}, F_VERBOSITY, -1},
    {{"--ping-interval", "5"}, F_PING_INTERVAL, 5},
    /* the ping timeout defaults to min(10, interval) */
    {{"--ping-interval", "5"}, F_PING_TIMEOUT, 5},
    {{"--ping-interval", "0.5"}, F_PING_TIMEOUT, 0.5},
    {{"--ping-interval", "60"}, F_PING_TIMEOUT, 10},
    {{"--ping-interval", "60", "--ping-timeout", "20"}, F_PING_TIMEOUT, 20},
    {{"--ping-timeout", "3", "--ping-interval", "1"}, F_PING_TIMEOUT, 3},
    {{"--reconnect-delay", "0.5:10"}, F_RDELAY_MIN, 0.5},
    {{"--reconnect-delay", "0.5:10"}, F_RDELAY_MAX, 10},
    {{"--reconnect-delay", "2"}, F_RDELAY_MIN, 2},
    {{"--reconnect-delay", "2"}, F_RDELAY_MAX, 60},
    /* a MIN above the default MAX raises MAX to MIN */
    {{"--reconnect-delay", "100"}, F_RDELAY_MIN, 100},
    {{"--reconnect-delay", "100"}, F_RDELAY_MAX, 100},
    {{"--reconnect-delay", "3:3"}, F_RDELAY_MAX, 3},
    {{"--reconnect-max", "4"}, F_RMAX, 4},
    {{"--connect-timeout", "2.5"}, F_CONNECT_TIMEOUT, 2.5},
    {{"--timeout", "0"}, F_TIMEOUT, 0},
    {{"--timeout", "7"}, F_TIMEOUT, 7},
};

static double field_value(const struct options *o, enum field f)
{
    switch (f) {
    case F_MAXSIZE:
        return (double)o->max_message_size;
    case F_QUEUE:
        return (double)o->queue_size;
    case F_WAIT:
        return o->wait;
    case F_COUNT:
        return (double)o->count;
    case F_BINFMT:
        return o->binary_format;
    case F_COLOR:
        return o->color;
    case F_VERBOSITY:
        return o->verbosity;
    case F_PING_INTERVAL:
        return o->ping_interval;
    case F_PING_TIMEOUT:
        return o->ping_timeout;
    case F_RDELAY_MIN:
        return o->reconnect_delay_min;
    case F_RDELAY_MAX:
        return o->reconnect_delay_max;
    case F_RMAX:
        return (double)o->reconnect_max;
    case F_CONNECT_TIMEOUT:
        return o->connect_timeout;
    case F_TIMEOUT:
        return o->timeout;
    }
    return -12345;
}

START_TEST(parse_option_values_table)
{
    struct options o;
    char err[256], shown[512];
    const char *args[MAXARGS + 1];
    size_t n = 0;
    while (value_table[_i].args[n] != NULL) {
        args[n] = value_table[_i].args[n];
        n++;
    }
    args[n++] = "ws://h/";
    args[n] = NULL;
    show(args, shown, sizeof shown);
    int rc = run(&o, args, NULL, err, sizeof err);
    ck_assert_msg(rc == CLI_OK, "%s: returned %d (%s)", shown, rc, err);
    double got = field_value(&o, value_table[_i].field);
    ck_assert_msg(got == value_table[_i].want, "%s: field %d is %g, want %g", shown,
                  (int)value_table[_i].field, got, value_table[_i].want);
    cli_free(&o);
}
END_TEST

START_TEST(parse_flags_set_fields)
{
    struct options o;
    char err[256];
    const char *args[] = {
        "-b",           "-0",           "-k",          "--json",         "-P",
        "--timestamps", "--no-history", "--log-comms", "--no-keepalive", "--reconnect",
        "-m",           "needle",       "-o",          "http://o",       "--cacert",
        "/ca.pem",      "ws://h/",      NULL};
    ck_assert_int_eq(run(&o, args, NULL, err, sizeof err), CLI_OK);
    ck_assert(o.binary);
    ck_assert(o.null_delim);
    ck_assert(o.insecure);
    ck_assert(o.json);
    ck_assert(o.show_ping_pong);
    ck_assert(o.timestamps);
    ck_assert(o.no_history);
    ck_assert(o.log_comms);
    ck_assert(!o.keepalive);
    ck_assert(o.reconnect);
    ck_assert_str_eq(o.match, "needle");
    ck_assert_str_eq(o.origin, "http://o");
    ck_assert_str_eq(o.cacert, "/ca.pem");
    cli_free(&o);
}
END_TEST

/* --tlsv1.2 and --tlsv1.3 set one lowest version: the last given wins, as in curl. */
START_TEST(parse_tls_min_version_last_wins)
{
    static const struct {
        const char *a, *b;
        int want;
    } rows[] = {{NULL, NULL, 0},
                {"--tlsv1.2", NULL, 1},
                {"--tlsv1.3", NULL, 2},
                {"--tlsv1.2", "--tlsv1.3", 2},
                {"--tlsv1.3", "--tlsv1.2", 1}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct options o;
        char err[256];
        const char *args[4];
        size_t n = 0;
        if (rows[i].a)
            args[n++] = rows[i].a;
        if (rows[i].b)
            args[n++] = rows[i].b;
        args[n++] = "wss://h/";
        args[n] = NULL;
        ck_assert_int_eq(run(&o, args, NULL, err, sizeof err), CLI_OK);
        ck_assert_msg(o.tls_min == rows[i].want, "row %zu: tls_min %d, want %d", i, o.tls_min,
                      rows[i].want);
        cli_free(&o);
    }
}
END_TEST

/* The proxy options (proxyenv.h): stored as given; a bad --proxy is a usage error at once,
 * named, without its credentials; "" is allowed (no proxy). */
START_TEST(parse_proxy_options)
{
    struct options o;
    char err[256];
    const char *none[] = {"ws://h/", NULL};
    ck_assert_int_eq(run(&o, none, NULL, err, sizeof err), CLI_OK);
    ck_assert_ptr_null(o.proxy);
    ck_assert_ptr_null(o.noproxy);
    ck_assert(!o.proxy_insecure);
    cli_free(&o);
    const char *args[] = {"--proxy",
                          "socks5h://u:p@[::1]:1080",
                          "--proxy-user",
                          "a:b",
                          "--noproxy",
                          "a.test,::1",
                          "--proxy-cacert",
                          "/p.pem",
                          "--proxy-insecure",
                          "ws://h/",
                          NULL};
    ck_assert_int_eq(run(&o, args, NULL, err, sizeof err), CLI_OK);
    ck_assert_str_eq(o.proxy, "socks5h://u:p@[::1]:1080");
    ck_assert_str_eq(o.proxy_user, "a:b");
    ck_assert_str_eq(o.noproxy, "a.test,::1");
    ck_assert_str_eq(o.proxy_cacert, "/p.pem");
    ck_assert(o.proxy_insecure);
    cli_free(&o);
    const char *off[] = {"--proxy", "", "ws://h/", NULL};
    ck_assert_int_eq(run(&o, off, NULL, err, sizeof err), CLI_OK);
    ck_assert_str_eq(o.proxy, "");
    cli_free(&o);
    const char *bad[] = {"--proxy", "ftp://u:hunter2SECRET@p.test", "ws://h/", NULL};
    ck_assert_int_eq(run(&o, bad, NULL, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "--proxy: bad proxy URL: unsupported proxy scheme 'ftp'") != NULL,
                  "%s", err);
    ck_assert_msg(strstr(err, "hunter2") == NULL, "%s", err);
    cli_free(&o);
    const char *badport[] = {"--proxy=http://u:hunter2SECRET@p.test:0", "ws://h/", NULL};
    ck_assert_int_eq(run(&o, badport, NULL, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "port") != NULL && strstr(err, "hunter2") == NULL, "%s", err);
    cli_free(&o);
}
END_TEST

START_TEST(parse_twice_resets_getopt_and_options)
{
    struct options o;
    char err[256];
    const char *first[] = {"-v", "-s", "a", "--bearer", "T", "--count", "2", "ws://a/x", NULL};
    const char *second[] = {"wss://b/y", NULL};
    const char *bad[] = {"--bogus", "ws://h/", NULL};
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(run(&o, first, NULL, err, sizeof err), CLI_OK);
        ck_assert_int_eq(o.verbosity, 1);
        ck_assert_uint_eq(o.nsubprotocols, 1);
        ck_assert_str_eq(o.url.host, "a");
        cli_free(&o);
        /* a failing parse in between leaves getopt in the middle of argv */
        ck_assert_int_eq(run(&o, bad, NULL, err, sizeof err), 2);
        cli_free(&o);
        ck_assert_int_eq(run(&o, second, NULL, err, sizeof err), CLI_OK);
        ck_assert_int_eq(o.verbosity, 0);
        ck_assert_uint_eq(o.nsubprotocols, 0);
        ck_assert_ptr_null(o.authorization);
        ck_assert_int_eq(o.count, 0);
        ck_assert_double_eq(o.wait, 2);
        ck_assert_str_eq(o.url.host, "b");
        ck_assert(o.url.tls);
        ck_assert_str_eq(o.url.resource, "/y");
        cli_free(&o);
    }
}
END_TEST

START_TEST(free_twice_is_harmless)
{
    struct options o;
    char err[256];
    const char *args[] = {"--bearer", "T", "ws://h/", NULL};
    ck_assert_int_eq(run(&o, args, NULL, err, sizeof err), CLI_OK);
    cli_free(&o);
    cli_free(&o);
    cli_free(NULL);
}
END_TEST

START_TEST(usage_lists_every_long_option_used_here)
{
    /* every long option, separated by spaces */
    static const char names[] =
        "--host --port --path --protocol --subprotocol --origin --header --bearer --auth "
        "--connect-timeout --cacert --insecure --max-message-size --timeout --ping-interval "
        "--no-keepalive --ping-timeout --reconnect --reconnect-delay --reconnect-max --queue-size "
        "--binary --null --execute --wait --match --count --binary-format --json "
        "--show-ping-pong --timestamps --color --no-history --quiet --verbose --log-comms --help "
        "--version";
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    cli_usage(f);
    fclose(f);
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, " ");
        char name[40];
        snprintf(name, sizeof name, "%.*s ", (int)n, p);
        /* followed by a space or newline: "--reconnect" must not match "--reconnect-max" */
        bool found = strstr(text, name) != NULL;
        name[n] = '\n';
        found = found || strstr(text, name) != NULL;
        ck_assert_msg(found, "--help lacks %.*s", (int)n, p);
        p += n;
        p += strspn(p, " ");
    }
    free(text);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli_parse");
    tcase_add_loop_test(tc, parse_return_code_table, 0, NROWS(rc_table));
    tcase_add_loop_test(tc, parse_url_and_seed_fields_table, 0, NROWS(url_table));
    tcase_add_loop_test(tc, parse_credentials_table, 0, NROWS(auth_table));
    tcase_add_test(tc, parse_lists_repeatable_and_ordered);
    tcase_add_test(tc, parse_list_limit_is_an_error_not_an_overflow);
    tcase_add_test(tc, parse_defaults);
    tcase_add_loop_test(tc, parse_option_values_table, 0, NROWS(value_table));
    tcase_add_test(tc, parse_flags_set_fields);
    tcase_add_test(tc, parse_proxy_options);
    tcase_add_test(tc, parse_tls_min_version_last_wins);
    tcase_add_test(tc, parse_twice_resets_getopt_and_options);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli_free");
    tcase_add_test(tc, free_twice_is_harmless);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli_usage");
    tcase_add_test(tc, usage_lists_every_long_option_used_here);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(cli_suite)
