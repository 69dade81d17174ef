/*
 * cli_table - the option rows, the handlers of the few CLI_CUSTOM ones, --help and
 * --dump-options; see cli_table.h.
 *
 * Adding an option: add its field to struct options (cli.h) and one row here; parsing, the
 * default, --help, --dump-options and tests/it_docs.sh (man page, completions) follow from it.
 */
#include "cli_table.h"
#include "sock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cli_handler verbosity_handler, reconnect_delay_handler, return_handler;
static cli_handler unix_socket_handler, ip_family_handler;
static cli_handler max_redirs_handler;
static cli_handler tls_min_handler;
static const char *check_token(const char *v);
static const char *check_no_line_breaks(const char *v);
static const char *check_proxy_url(const char *v);

#define OFF(f) offsetof(struct options, f)

/*
 * Row macros: each sets a row's type and field, and fails to compile when the field's type is
 * not the one store() in cli.c writes for that row type (it writes through a cast). Every row
 * uses one (tests/it_docs.sh checks that no row sets .type or .off by hand).
 */
#define CLI_FIELD_IS(f, ok, what)                                           \
    (OFF(f) + 0 * sizeof(struct {                                           \
                  _Static_assert(ok, "option field '" #f "' is not " what); \
                  int unused;                                               \
              }))
#define FIELD_TYPE(f, T) _Generic(((struct options *)0)->f, T : 1, default : 0)
#define OPT_FLAG(f)      .type = CLI_FLAG, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, bool), "bool")
#define OPT_FLAG_OFF(f)  .type = CLI_FLAG_OFF, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, bool), "bool")
#define OPT_STRING(f) \
    .type = CLI_STRING, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, const char *), "const char *")
#define OPT_SECS(f)    .type = CLI_SECS, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, double), "double")
#define OPT_SECS_M1(f) .type = CLI_SECS_M1, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, double), "double")
#define OPT_BYTES(f)   .type = CLI_BYTES, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, uint64_t), "uint64_t")
#define OPT_COUNT(f)   .type = CLI_COUNT, .off = CLI_FIELD_IS(f, FIELD_TYPE(f, long), "long")
/* An enum field is stored as an int: any int-sized integer (an enum promotes to int or
 * unsigned int; a bool or a long does not pass). */
#define OPT_ENUM(f)                                                                                \
    .type = CLI_ENUM,                                                                              \
    .off = CLI_FIELD_IS(f,                                                                         \
                        _Generic(+((struct options *)0)->f, int : 1, unsigned : 1, default : 0) && \
                            sizeof(((struct options *)0)->f) == sizeof(int),                       \
                        "an enum (int-sized)")
/* A list: an array of const char * (CLI_MAX_LIST of them) and its size_t count. */
#define OPT_LIST(f, n)                                                                         \
    .type = CLI_LIST,                                                                          \
    .off = CLI_FIELD_IS(f,                                                                     \
                        FIELD_TYPE(f, const char **) &&                                        \
                            sizeof(((struct options *)0)->f) == CLI_MAX_LIST * sizeof(char *), \
                        "const char *[CLI_MAX_LIST]"),                                         \
    .off_n = CLI_FIELD_IS(n, FIELD_TYPE(n, size_t), "size_t")
#define OPT_CUSTOM .type = CLI_CUSTOM

/* The one list of options: parsing, defaults, --help, --dump-options and the docs test. */
/* clang-format off */
const struct cli_opt cli_options[] = {
    {.group = "Server (instead of URL)", .name = "host", .arg = "HOST", OPT_CUSTOM,
     .help = "server host name or address"},
    {.name = "port", .arg = "N", OPT_CUSTOM,
     .help = "server port; 0 or absent = 80 (ws) / 443 (wss)"},
    {.name = "path", .arg = "PATH", OPT_CUSTOM,
     .help = "request path and query (default /)"},
    {.name = "protocol", .arg = "ws|wss", OPT_CUSTOM, .values = "ws|wss",
     .help = "ws (default) or wss (TLS)"},
    {.group = "Where to connect", .name = "unix-socket", .arg = "PATH", OPT_CUSTOM,
     .custom = unix_socket_handler,
     .help = "connect to this unix socket; the URL still gives Host and path"},
    {.name = "abstract-unix-socket", .arg = "NAME", OPT_CUSTOM, .custom = unix_socket_handler,
     .help = "connect to this abstract unix socket (Linux)"},
    {.name = "ipv4", .shortname = '4', OPT_CUSTOM, .custom = ip_family_handler,
     .help = "use IPv4 addresses only"},
    {.name = "ipv6", .shortname = '6', OPT_CUSTOM, .custom = ip_family_handler,
     .help = "use IPv6 addresses only"},
    {.name = "resolve", .arg = "HOST:PORT:ADDR[,ADDR]", OPT_LIST(resolve, nresolve),
     .check = sock_check_resolve,
     .help = "use these addresses for HOST:PORT, no lookup (repeatable)"},
    {.name = "connect-to", .arg = "HOST:PORT:HOST2:PORT2", OPT_LIST(connect_to, nconnect_to),
     .check = sock_check_connect_to,
     .help = "connect to HOST2:PORT2 instead of HOST:PORT (repeatable)"},
    {.group = "Handshake", .name = "subprotocol", .shortname = 's',
     .arg = "NAME", OPT_LIST(subprotocols, nsubprotocols), .check = check_token,
     .help = "offer a subprotocol (repeatable)"},
    {.name = "origin", .shortname = 'o', .arg = "ORIGIN", OPT_STRING(origin),
     .flags = CLI_URL_VALUE, .check = check_no_line_breaks, .help = "send an Origin header"},
    {.name = "header", .shortname = 'H', .arg = "'NAME: VALUE'", OPT_LIST(headers, nheaders),
     .flags = CLI_SECRET,
     .help = "add a request header (repeatable)"},
    {.name = "bearer", .arg = "TOKEN", OPT_CUSTOM, .flags = CLI_SECRET,
     .help = "Authorization: Bearer TOKEN (RFC 6750; or set WSC_BEARER_TOKEN)"},
    {.name = "auth", .arg = "USER:PASS", OPT_CUSTOM, .flags = CLI_SECRET,
     .help = "HTTP Basic authentication"},
    {.name = "location", .shortname = 'L', OPT_FLAG(location),
     .help = "follow redirects (301, 302, 303, 307, 308) of the upgrade request"},
    {.name = "max-redirs", .arg = "N", OPT_CUSTOM, .def = "10", .custom = max_redirs_handler,
     .help = "with -L: follow N redirects at most, -1 = no limit (default 10)"},
    {.name = "location-trusted", OPT_FLAG(location_trusted),
     .help = "like -L, and send credentials to other hosts too"},
    {.group = "Connection", .name = "connect-timeout", .arg = "SECS", OPT_SECS(connect_timeout),
     .def = "10", .flags = CLI_POSITIVE,
     .help = "limit for the lookup, TCP, TLS and WebSocket handshakes (default 10)"},
    {.name = "max-message-size", .arg = "BYTES", OPT_BYTES(max_message_size),
     .def = "64M", .help = "largest message accepted, K/M/G suffixes (default 64M)"},
    {.name = "timeout", .arg = "SECS", OPT_SECS(timeout),
     .help = "give up after SECS in all (exit 28)"},
    {.group = "TLS", .name = "cacert", .arg = "FILE", OPT_STRING(cacert),
     .help = "trust the CA certificates in this PEM file"},
    {.name = "insecure", .shortname = 'k', OPT_FLAG(insecure),
     .help = "do not verify the server certificate"},
    {.name = "capath", .arg = "DIR", OPT_STRING(capath),
     .help = "trust the CA certificates in this hashed directory"},
    {.name = "cert", .arg = "FILE[:PASS]", OPT_STRING(cert), .flags = CLI_SECRET,
     .help = "client certificate (PEM; key too unless --key)"},
    {.name = "key", .arg = "FILE", OPT_STRING(key),
     .help = "private key of the client certificate (PEM)"},
    {.name = "pass", .arg = "PHRASE", OPT_STRING(pass), .flags = CLI_SECRET,
     .help = "pass phrase of the key (never prompted)"},
    {.name = "tls-max", .arg = "VERSION", OPT_ENUM(tls_max), .values = "default|1.2|1.3",
     .help = "highest TLS version: 1.2 or 1.3 (default)"},
    {.name = "tlsv1.2", OPT_CUSTOM, .custom = tls_min_handler,
     .help = "use TLS 1.2 or later (the default)"},
    {.name = "tlsv1.3", OPT_CUSTOM, .custom = tls_min_handler,
     .help = "use TLS 1.3 or later"},
    {.name = "ciphers", .arg = "LIST", OPT_STRING(ciphers),
     .help = "TLS 1.2 cipher list (OpenSSL names)"},
    {.name = "tls13-ciphers", .arg = "LIST", OPT_STRING(tls13_ciphers),
     .help = "TLS 1.3 cipher suites"},
    {.name = "pinnedpubkey", .arg = "HASHES", OPT_STRING(pinned_pubkey),
     .help = "sha256//BASE64[;...] or key file the server key must match (exit 90)"},
    {.group = "Proxy", .name = "proxy", .arg = "URL", OPT_STRING(proxy), .flags = CLI_URL_VALUE,
     .check = check_proxy_url,
     .help = "connect through this proxy (http, https, socks4a, socks5, socks5h); \"\" = none"},
    {.name = "proxy-user", .arg = "USER:PASS", OPT_STRING(proxy_user), .flags = CLI_SECRET,
     .help = "credentials for the proxy (replace the URL's)"},
    {.name = "noproxy", .arg = "LIST", OPT_STRING(noproxy),
     .help = "hosts to reach directly (names, addresses, CIDR; * = all)"},
    {.name = "proxy-cacert", .arg = "FILE", OPT_STRING(proxy_cacert),
     .help = "trust these CA certificates for an https:// proxy"},
    {.name = "proxy-insecure", OPT_FLAG(proxy_insecure),
     .help = "do not verify an https:// proxy's certificate"},
    {.group = "Staying up", .name = "ping-interval", .arg = "SECS", OPT_SECS(ping_interval),
     .def = "30", .flags = CLI_POSITIVE,
     .help = "ping after SECS with nothing received (default 30)"},
    {.name = "no-keepalive", OPT_FLAG_OFF(keepalive),
     .help = "never send keep-alive pings"},
    {.name = "ping-timeout", .arg = "SECS", OPT_SECS(ping_timeout),
     .flags = CLI_POSITIVE, .help = "dead if silent SECS after a ping (default 10 or less)"},
    {.name = "reconnect", OPT_FLAG(reconnect),
     .help = "reconnect after the connection is lost"},
    {.name = "reconnect-delay", .arg = "MIN[:MAX]", OPT_CUSTOM, .def = "1:60",
     .custom = reconnect_delay_handler, .help = "backoff between attempts (default 1:60)"},
    {.name = "reconnect-max", .arg = "N", OPT_COUNT(reconnect_max), .min = 1,
     .help = "give up after N attempts (default no limit)"},
    {.name = "queue-size", .arg = "BYTES", OPT_BYTES(queue_size), .def = "4M",
     .min = 1024, .help = "input held while disconnected (default 4M)"},
    {.group = "Input", .name = "binary", .shortname = 'b', OPT_FLAG(binary),
     .help = "send input records as binary messages"},
    {.name = "null", .shortname = '0', OPT_FLAG(null_delim),
     .help = "records are separated by NUL, not newline (input and output)"},
    {.name = "execute", .shortname = 'x', .arg = "MSG", OPT_LIST(execute, nexecute),
     .help = "send MSG first (repeatable)"},
    {.name = "wait", .shortname = 'w', .arg = "SECS", OPT_SECS_M1(wait),
     .def = "2",
     .help = "after end of input, receive for SECS (default 2, or -1 with --count; -1 = until "
             "closed)"},
    {.group = "Output", .name = "match", .shortname = 'm', .arg = "STRING", OPT_STRING(match),
     .help = "only write messages that contain STRING"},
    {.name = "match-regex", .shortname = 'E', .arg = "REGEX", OPT_STRING(match_regex),
     .help = "only write messages matching POSIX extended REGEX"},
    {.name = "ignore-case", .shortname = 'i', OPT_FLAG(ignore_case),
     .help = "-m and -E ignore ASCII case"},
    {.name = "jq", .arg = "FILTER", OPT_STRING(jq),
     .help = "keep JSON messages where jq FILTER yields not false/null"},
    {.name = "jq-output", OPT_FLAG(jq_output),
     .help = "write the --jq results, one per line, not the message"},
    {.name = "expect-first", OPT_FLAG(expect_first),
     .help = "the first message must match, or exit 44 at once"},
    {.name = "count", .shortname = 'n', .arg = "N", OPT_COUNT(count), .min = 1,
     .help = "exit 0 after writing N messages"},
    {.name = "binary-format", .arg = "hex|base64|raw", OPT_ENUM(binary_format),
     .values = "raw|hex|base64",
     .help = "hex or base64 one per line, or raw (default: no separator)"},
    {.name = "json", OPT_FLAG(json),
     .help = "write one JSON object per message and event"},
    {.name = "write-out", .arg = "FORMAT", OPT_STRING(write_out),
     .help = "after the run, write FORMAT with %{variables} expanded (@FILE: from FILE)"},
    {.name = "show-ping-pong", .shortname = 'P', OPT_FLAG(show_ping_pong),
     .help = "show pings and pongs received"},
    {.name = "timestamps", OPT_FLAG(timestamps),
     .help = "prefix human lines (REPL, log, errors) with the time"},
    {.name = "color", .arg = "WHEN", OPT_ENUM(color),
     .values = "auto|always|never", .help = "auto (default), always or never"},
    {.name = "no-history", OPT_FLAG(no_history),
     .help = "do not load or save the REPL history"},
    {.group = "Diagnostics (stderr)", .name = "quiet", .shortname = 'q', OPT_CUSTOM,
     .custom = verbosity_handler, .help = "only print errors"},
    {.name = "verbose", .shortname = 'v', OPT_CUSTOM, .custom = verbosity_handler,
     .help = "extended logging: addresses, TLS, headers, state changes"},
    {.name = "log-comms", OPT_FLAG(log_comms),
     .help = "log every frame sent and received"},
    {.name = "help", .shortname = 'h', OPT_CUSTOM, .custom = return_handler,
     .help = "show this help and exit"},
    {.name = "version", .shortname = 'V', OPT_CUSTOM, .custom = return_handler,
     .help = "show the version and exit"},
    {.name = "dump-options", OPT_CUSTOM, .custom = return_handler, .flags = CLI_HIDDEN,
     .help = "list the option table for the docs test"},
};
/* clang-format on */
const size_t cli_noptions = sizeof cli_options / sizeof cli_options[0];
#define NOPTIONS (sizeof cli_options / sizeof cli_options[0])
_Static_assert(NOPTIONS <= CLI_MAX_OPTIONS, "struct cli_state holds CLI_MAX_OPTIONS options");
_Static_assert(sizeof(enum binary_format) == sizeof(int) && sizeof(enum color_mode) == sizeof(int),
               "CLI_ENUM fields are stored as int");

static const char *check_token(const char *v)
{
    return *v == '\0' || strpbrk(v, " ,\t\r\n") ? "not a valid token (empty, or a space or comma)"
                                                : NULL;
}

static const char *check_no_line_breaks(const char *v)
{
    return strpbrk(v, "\r\n") ? "must not contain line breaks" : NULL;
}

/* --proxy: "" (no proxy) or a URL proxy_parse_url() takes; its reason never shows a secret. */
static const char *check_proxy_url(const char *v)
{
    static char why[200];
    struct proxy_spec spec;
    char err[160];
    if (*v == '\0')
        return NULL;
    if (proxy_parse_url(v, &spec, err, sizeof err) == 0) {
        explicit_bzero(&spec, sizeof spec);
        return NULL;
    }
    snprintf(why, sizeof why, "bad proxy URL: %s", err);
    return why;
}

/* --- the options with a handler ---------------------------------------------------------- */

static int verbosity_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    (void)arg;
    int *v = &st->o->verbosity;
    *v = op->shortname == 'q' ? -1 : *v < 0 ? 1 : *v + 1;
    return 0;
}

/* --unix-socket and --abstract-unix-socket set the same thing: the last one wins, as in curl. */
static int unix_socket_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    if (*arg == '\0')
        return cli_fail(st->err, st->errlen, 2, "--%s: the %s is empty", op->name,
                        op->arg[0] == 'P' ? "path" : "name");
    st->o->unix_socket = arg;
    st->o->abstract_unix = op->arg[0] == 'N';
    return 0;
}

/* -4 and -6: the last one wins, as in curl. */
static int ip_family_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    (void)arg;
    st->o->ip_family = op->shortname == '4' ? 4 : 6;
    return 0;
}

/* --tlsv1.2 and --tlsv1.3: the last one wins, as in curl. */
static int tls_min_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    (void)arg;
    st->o->tls_min = strcmp(op->name, "tlsv1.3") == 0 ? 2 : 1;
    return 0;
}

static int return_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    (void)st, (void)arg;
    return op->shortname == 'h' ? CLI_HELP : op->shortname == 'V' ? CLI_VERSION : CLI_DUMP;
}

/* --max-redirs N: 0 to 2147483647, or -1 for no limit (as curl). */
static int max_redirs_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    char *end, shown[128];
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < -1 || v > 0x7fffffffL)
        return cli_fail(st->err, st->errlen, 2, "--%s: '%s' is not a whole number from -1 up",
                        op->name, cli_redact(arg, shown, sizeof shown));
    st->o->max_redirs = v;
    return 0;
}

static int reconnect_delay_handler(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    struct options *o = st->o;
    char minbuf[32], shown[128];
    const char *colon = strchr(arg, ':');
    size_t ml = colon ? (size_t)(colon - arg) : strlen(arg);
    if (ml >= sizeof minbuf)
        ml = sizeof minbuf - 1;
    memcpy(minbuf, arg, ml);
    minbuf[ml] = '\0';
    if (cli_parse_seconds(minbuf, false, &o->reconnect_delay_min) < 0 ||
        (colon && cli_parse_seconds(colon + 1, false, &o->reconnect_delay_max) < 0))
        return cli_fail(st->err, st->errlen, 2, "--%s: '%s' is not MIN or MIN:MAX seconds",
                        op->name, cli_redact(arg, shown, sizeof shown));
    if (!colon && o->reconnect_delay_max < o->reconnect_delay_min)
        o->reconnect_delay_max = o->reconnect_delay_min;
    if (o->reconnect_delay_max < o->reconnect_delay_min)
        return cli_fail(st->err, st->errlen, 2, "--%s: MAX is smaller than MIN", op->name);
    return 0;
}

size_t cli_opt_index(const char *name)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(cli_options[i].name, name) == 0)
            return i;
    abort(); /* a name used below is missing from the table: a bug caught by every test */
}

static void print_left(const struct cli_opt *op, char *left, size_t n)
{
    const char *sp = op->arg ? " " : "", *arg = op->arg ? op->arg : "";
    if (op->shortname)
        snprintf(left, n, "-%c, --%s%s%s", op->shortname, op->name, sp, arg);
    else
        snprintf(left, n, "    --%s%s%s", op->name, sp, arg);
}

void cli_usage(FILE *f)
{
    fputs("Usage: wsc [options] URL\n"
          "       wsc [options] --host HOST [--port N] [--path PATH] [--protocol ws|wss]\n"
          "\n"
          "A WebSocket client. URL is ws://[user:pass@]host[:port][/path][?query] or wss://...\n"
          "(http:// and https:// are taken as ws:// and wss://). Lines of standard input are\n"
          "sent as messages; messages received go to standard output, text one per line.\n",
          f);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct cli_opt *op = &cli_options[i];
        char left[64];
        if (op->flags & CLI_HIDDEN)
            continue;
        if (op->group)
            fprintf(f, "\n%s:\n", op->group);
        print_left(op, left, sizeof left);
        if (strlen(left) > 28)
            fprintf(f, "  %s\n  %-28s  %s\n", left, "", op->help);
        else
            fprintf(f, "  %-28s  %s\n", left, op->help);
    }
    fputs("\nExit status: 0 ok, 2 usage, 3 bad URL, 6 resolve, 7 connect, 8 bad handshake,\n"
          "22 upgrade refused, 23 stdout, 28 timeout, 35 TLS, 40 server broke the protocol,\n"
          "41 server closed with an error, 42 closed without close frame, 43 --count not met,\n"
          "44 messages arrived but did not match (a wrong reply; 28 is no reply),\n"
          "56 connection broke, 60 certificate not verified, 90 public key not pinned.\n"
          "See wsc(1).\n",
          f);
}

void cli_dump_options(FILE *f)
{
    static const char *const type_names[] = {
        [CLI_FLAG] = "flag",    [CLI_FLAG_OFF] = "flag",      [CLI_STRING] = "string",
        [CLI_SECS] = "seconds", [CLI_SECS_M1] = "seconds|-1", [CLI_BYTES] = "bytes",
        [CLI_COUNT] = "count",  [CLI_ENUM] = "enum",          [CLI_LIST] = "list",
        [CLI_CUSTOM] = "custom"};
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct cli_opt *op = &cli_options[i];
        if (op->flags & CLI_HIDDEN)
            continue;
        char values[128] = "-";
        if (op->values) {
            snprintf(values, sizeof values, "%s", op->values);
            for (char *p = values; (p = strchr(p, '|')) != NULL;)
                *p = ' ';
        }
        fprintf(f, "%s%c\t--%s\t%s\t%s\t%s\n", op->shortname ? "-" : "",
                op->shortname ? op->shortname : '-', op->name, type_names[op->type],
                op->arg ? op->arg : "-", values);
    }
}
