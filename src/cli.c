/*
 * cli - option table, getopt_long() parsing and --help; see cli.h.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "handshake.h"

enum {
    OPT_HOST = 256,
    OPT_PORT,
    OPT_PATH,
    OPT_PROTOCOL,
    OPT_BEARER,
    OPT_AUTH,
    OPT_CONNECT_TIMEOUT,
    OPT_CACERT,
    OPT_MAX_MESSAGE_SIZE,
    OPT_BINARY_FORMAT,
    OPT_JSON,
    OPT_TIMEOUT,
    OPT_LOG_COMMS,
    OPT_COLOR,
    OPT_NO_HISTORY,
    OPT_TIMESTAMPS,
    OPT_PING_INTERVAL,
    OPT_NO_KEEPALIVE,
    OPT_PING_TIMEOUT,
    OPT_RECONNECT,
    OPT_RECONNECT_DELAY,
    OPT_RECONNECT_MAX,
    OPT_QUEUE_SIZE,
};

struct cli_option {
    const char *group; /* heading printed before this option, or NULL */
    const char *name;
    int val;         /* short option letter, or OPT_* */
    const char *arg; /* argument name, or NULL for a flag */
    const char *help;
};

/* The one list of options: --help, getopt and the docs test all derive from it. */
static const struct cli_option cli_options[] = {
    {"Server (instead of URL; the seed module's fields)", "host", OPT_HOST, "HOST",
     "server host name or address"},
    {NULL, "port", OPT_PORT, "N", "server port; 0 or absent = 80 (ws) / 443 (wss)"},
    {NULL, "path", OPT_PATH, "PATH", "request path and query (default /)"},
    {NULL, "protocol", OPT_PROTOCOL, "ws|wss", "ws (default) or wss (TLS)"},
    {"Handshake", "subprotocol", 's', "NAME", "offer a subprotocol (repeatable)"},
    {NULL, "origin", 'o', "ORIGIN", "send an Origin header"},
    {NULL, "header", 'H', "'NAME: VALUE'", "add a request header (repeatable)"},
    {NULL, "bearer", OPT_BEARER, "TOKEN",
     "Authorization: Bearer TOKEN (RFC 6750; or set WSC_BEARER_TOKEN)"},
    {NULL, "auth", OPT_AUTH, "USER:PASS", "HTTP Basic authentication"},
    {"Connection", "connect-timeout", OPT_CONNECT_TIMEOUT, "SECS",
     "limit for TCP, TLS and WebSocket handshakes (default 10)"},
    {NULL, "cacert", OPT_CACERT, "FILE", "trust the CA certificates in this PEM file"},
    {NULL, "insecure", 'k', NULL, "do not verify the server certificate"},
    {NULL, "max-message-size", OPT_MAX_MESSAGE_SIZE, "BYTES",
     "largest message accepted, K/M/G suffixes (default 64M)"},
    {NULL, "timeout", OPT_TIMEOUT, "SECS", "give up after SECS in all (exit 28)"},
    {"Staying up", "ping-interval", OPT_PING_INTERVAL, "SECS",
     "ping after SECS with nothing received (default 30)"},
    {NULL, "no-keepalive", OPT_NO_KEEPALIVE, NULL, "never send keep-alive pings"},
    {NULL, "ping-timeout", OPT_PING_TIMEOUT, "SECS",
     "dead if silent SECS after a ping (default 10 or less)"},
    {NULL, "reconnect", OPT_RECONNECT, NULL, "reconnect after the connection is lost"},
    {NULL, "reconnect-delay", OPT_RECONNECT_DELAY, "MIN[:MAX]",
     "backoff between attempts (default 1:60)"},
    {NULL, "reconnect-max", OPT_RECONNECT_MAX, "N", "give up after N attempts (default no limit)"},
    {NULL, "queue-size", OPT_QUEUE_SIZE, "BYTES", "input held while disconnected (default 4M)"},
    {"Input", "binary", 'b', NULL, "send input records as binary messages"},
    {NULL, "null", '0', NULL, "records are separated by NUL, not newline (input and output)"},
    {NULL, "execute", 'x', "MSG", "send MSG first (repeatable)"},
    {NULL, "wait", 'w', "SECS",
     "after end of input, receive for SECS (default 2, or -1 with --count; -1 = until closed)"},
    {"Output", "match", 'm', "STRING", "only write messages that contain STRING"},
    {NULL, "count", 'n', "N", "exit 0 after writing N messages"},
    {NULL, "binary-format", OPT_BINARY_FORMAT, "hex|base64|raw",
     "how binary messages are written (default raw)"},
    {NULL, "json", OPT_JSON, NULL, "write one JSON object per message and event"},
    {NULL, "show-ping-pong", 'P', NULL, "show pings and pongs received"},
    {NULL, "timestamps", OPT_TIMESTAMPS, NULL, "prefix human output with the time"},
    {NULL, "color", OPT_COLOR, "WHEN", "auto (default), always or never"},
    {NULL, "no-history", OPT_NO_HISTORY, NULL, "do not load or save the REPL history"},
    {"Diagnostics (stderr)", "quiet", 'q', NULL, "only print errors"},
    {NULL, "verbose", 'v', NULL, "extended logging: addresses, TLS, headers, state changes"},
    {NULL, "log-comms", OPT_LOG_COMMS, NULL, "log every frame sent and received"},
    {NULL, "help", 'h', NULL, "show this help and exit"},
    {NULL, "version", 'V', NULL, "show the version and exit"},
};
#define NOPTIONS (sizeof cli_options / sizeof cli_options[0])

void cli_usage(FILE *f)
{
    fputs("Usage: wsc [options] URL\n"
          "       wsc [options] --host HOST [--port N] [--path PATH] [--protocol ws|wss]\n"
          "\n"
          "A WebSocket client. URL is ws://[user:pass@]host[:port][/path][?query] or wss://...\n"
          "Lines of standard input are sent as messages; messages received go to standard\n"
          "output, one per line.\n",
          f);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct cli_option *op = &cli_options[i];
        char left[64];
        if (op->group)
            fprintf(f, "\n%s:\n", op->group);
        if (op->val < 256)
            snprintf(left, sizeof left, "-%c, --%s%s%s", op->val, op->name, op->arg ? " " : "",
                     op->arg ? op->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", op->name, op->arg ? " " : "",
                     op->arg ? op->arg : "");
        if (strlen(left) > 28)
            fprintf(f, "  %s\n  %-28s  %s\n", left, "", op->help);
        else
            fprintf(f, "  %-28s  %s\n", left, op->help);
    }
    fputs("\nExit status: 0 ok, 2 usage, 3 bad URL, 6 resolve, 7 connect, 8 bad handshake,\n"
          "22 upgrade refused, 23 stdout, 28 timeout, 35 TLS, 40 server broke the protocol,\n"
          "41 server closed with an error, 42 closed without close frame, 43 --count not met,\n"
          "56 connection broke, 60 certificate not verified. See wsc(1).\n",
          f);
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

int cli_parse_seconds(const char *s, bool allow_negative_one, double *out)
{
    char *end;
    if (s == NULL || *s == '\0')
        return -1;
    if (allow_negative_one && strcmp(s, "-1") == 0) {
        *out = -1;
        return 0;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v) || v < 0 || v > 31536000.0)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    default:
        return -1;
    }
    if (*end != '\0' && end[1] != '\0')
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static char *make_authorization(const char *scheme, const char *credentials)
{
    size_t n = strlen(scheme) + 1 + strlen(credentials) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s %s", scheme, credentials);
    return s;
}

static char *make_basic(const char *user, const char *pass)
{
    size_t ul = strlen(user), pl = pass ? strlen(pass) : 0;
    uint8_t *raw = malloc(ul + 1 + pl + 1);
    char *b64 = malloc(base64_encoded_len(ul + 1 + pl) + 1);
    char *out = NULL;
    if (raw && b64) {
        memcpy(raw, user, ul);
        raw[ul] = ':';
        if (pl)
            memcpy(raw + ul + 1, pass, pl);
        base64_encode(raw, ul + 1 + pl, b64);
        out = make_authorization("Basic", b64);
        explicit_bzero(raw, ul + 1 + pl);
    }
    free(raw);
    free(b64);
    return out;
}

static int add_list(const char **list, size_t *n, const char *v, const char *what, char *err,
                    size_t errlen)
{
    if (*n >= CLI_MAX_LIST)
        return fail(err, errlen, 2, "too many %s options (at most %d)", what, CLI_MAX_LIST);
    list[(*n)++] = v;
    return 0;
}

static void options_init(struct options *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout = 10;
    o->max_message_size = 64ull << 20;
    o->wait = 2;
    o->binary_format = BINFMT_RAW;
    o->keepalive = true;
    o->ping_interval = 30;
    o->ping_timeout = -1; /* resolved after parsing: min(10, interval) */
    o->reconnect_delay_min = 1;
    o->reconnect_delay_max = 60;
    o->queue_size = 4u << 20;
}

int cli_parse(struct options *o, int argc, char **argv, const char *env_bearer, char *err,
              size_t errlen)
{
    struct option longopts[NOPTIONS + 1];
    char shortopts[2 * NOPTIONS + 2];
    size_t ns = 0;
    const char *host = NULL, *port = NULL, *path = NULL, *protocol = NULL;
    const char *bearer = NULL, *auth = NULL;
    bool wait_set = false;
    int rc;

    options_init(o);
    shortopts[ns++] = ':'; /* report missing arguments distinctly */
    for (size_t i = 0; i < NOPTIONS; i++) {
        longopts[i].name = cli_options[i].name;
        longopts[i].has_arg = cli_options[i].arg ? required_argument : no_argument;
        longopts[i].flag = NULL;
        longopts[i].val = cli_options[i].val;
        if (cli_options[i].val < 256) {
            shortopts[ns++] = (char)cli_options[i].val;
            if (cli_options[i].arg)
                shortopts[ns++] = ':';
        }
    }
    memset(&longopts[NOPTIONS], 0, sizeof longopts[NOPTIONS]);
    shortopts[ns] = '\0';

    optind = 0; /* full reset, so cli_parse can run more than once (tests) */
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_PORT:
            port = optarg;
            break;
        case OPT_PATH:
            path = optarg;
            break;
        case OPT_PROTOCOL:
            protocol = optarg;
            break;
        case 's':
            if (*optarg == '\0' || strpbrk(optarg, " ,\t\r\n"))
                return fail(err, errlen, 2, "--subprotocol: '%s' is not a valid token", optarg);
            if ((rc = add_list(o->subprotocols, &o->nsubprotocols, optarg, "--subprotocol", err,
                               errlen)))
                return rc;
            break;
        case 'o':
            if (strpbrk(optarg, "\r\n"))
                return fail(err, errlen, 2, "--origin: must not contain line breaks");
            o->origin = optarg;
            break;
        case 'H':
            if ((rc = add_list(o->headers, &o->nheaders, optarg, "--header", err, errlen)))
                return rc;
            break;
        case OPT_BEARER:
            bearer = optarg;
            break;
        case OPT_AUTH:
            auth = optarg;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (cli_parse_seconds(optarg, false, &o->connect_timeout) < 0 ||
                o->connect_timeout <= 0)
                return fail(err, errlen, 2, "--connect-timeout: '%s' is not a positive number",
                            optarg);
            break;
        case OPT_CACERT:
            o->cacert = optarg;
            break;
        case 'k':
            o->insecure = true;
            break;
        case OPT_MAX_MESSAGE_SIZE:
            if (cli_parse_size(optarg, &o->max_message_size) < 0)
                return fail(err, errlen, 2,
                            "--max-message-size: '%s' is not a size (e.g. 1048576, 64M)", optarg);
            break;
        case OPT_TIMEOUT:
            if (cli_parse_seconds(optarg, false, &o->timeout) < 0)
                return fail(err, errlen, 2, "--timeout: '%s' is not a number of seconds", optarg);
            break;
        case 'b':
            o->binary = true;
            break;
        case '0':
            o->null_delim = true;
            break;
        case 'x':
            if ((rc = add_list(o->execute, &o->nexecute, optarg, "--execute", err, errlen)))
                return rc;
            break;
        case 'w':
            if (cli_parse_seconds(optarg, true, &o->wait) < 0)
                return fail(err, errlen, 2, "--wait: '%s' is not a number of seconds or -1",
                            optarg);
            wait_set = true;
            break;
        case 'm':
            o->match = optarg;
            break;
        case 'n':
            if (parse_long(optarg, 1, 0x7fffffffL, &o->count) < 0)
                return fail(err, errlen, 2, "--count: '%s' is not a positive number", optarg);
            break;
        case OPT_BINARY_FORMAT:
            if (strcmp(optarg, "raw") == 0)
                o->binary_format = BINFMT_RAW;
            else if (strcmp(optarg, "hex") == 0)
                o->binary_format = BINFMT_HEX;
            else if (strcmp(optarg, "base64") == 0)
                o->binary_format = BINFMT_BASE64;
            else
                return fail(err, errlen, 2, "--binary-format: '%s' is not hex, base64 or raw",
                            optarg);
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case 'q':
            o->verbosity = -1;
            break;
        case 'v':
            o->verbosity = o->verbosity < 0 ? 1 : o->verbosity + 1;
            break;
        case OPT_LOG_COMMS:
            o->log_comms = true;
            break;
        case 'P':
            o->show_ping_pong = true;
            break;
        case OPT_TIMESTAMPS:
            o->timestamps = true;
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                o->color = COLOR_AUTO;
            else if (strcmp(optarg, "always") == 0)
                o->color = COLOR_ALWAYS;
            else if (strcmp(optarg, "never") == 0)
                o->color = COLOR_NEVER;
            else
                return fail(err, errlen, 2, "--color: '%s' is not auto, always or never", optarg);
            break;
        case OPT_NO_HISTORY:
            o->no_history = true;
            break;
        case OPT_PING_INTERVAL:
            if (cli_parse_seconds(optarg, false, &o->ping_interval) < 0 || o->ping_interval <= 0)
                return fail(err, errlen, 2, "--ping-interval: '%s' is not a positive number",
                            optarg);
            break;
        case OPT_NO_KEEPALIVE:
            o->keepalive = false;
            break;
        case OPT_PING_TIMEOUT:
            if (cli_parse_seconds(optarg, false, &o->ping_timeout) < 0 || o->ping_timeout <= 0)
                return fail(err, errlen, 2, "--ping-timeout: '%s' is not a positive number",
                            optarg);
            break;
        case OPT_RECONNECT:
            o->reconnect = true;
            break;
        case OPT_RECONNECT_DELAY: {
            char minbuf[32];
            const char *colon = strchr(optarg, ':');
            size_t ml = colon ? (size_t)(colon - optarg) : strlen(optarg);
            if (ml >= sizeof minbuf)
                ml = sizeof minbuf - 1;
            memcpy(minbuf, optarg, ml);
            minbuf[ml] = '\0';
            if (cli_parse_seconds(minbuf, false, &o->reconnect_delay_min) < 0 ||
                (colon && cli_parse_seconds(colon + 1, false, &o->reconnect_delay_max) < 0))
                return fail(err, errlen, 2, "--reconnect-delay: '%s' is not MIN or MIN:MAX seconds",
                            optarg);
            if (!colon && o->reconnect_delay_max < o->reconnect_delay_min)
                o->reconnect_delay_max = o->reconnect_delay_min;
            if (o->reconnect_delay_max < o->reconnect_delay_min)
                return fail(err, errlen, 2, "--reconnect-delay: MAX is smaller than MIN");
            break;
        }
        case OPT_RECONNECT_MAX:
            if (parse_long(optarg, 1, 0x7fffffffL, &o->reconnect_max) < 0)
                return fail(err, errlen, 2, "--reconnect-max: '%s' is not a positive number",
                            optarg);
            break;
        case OPT_QUEUE_SIZE:
            if (cli_parse_size(optarg, &o->queue_size) < 0 || o->queue_size < 1024)
                return fail(err, errlen, 2, "--queue-size: '%s' is not a size of at least 1K",
                            optarg);
            break;
        case 'h':
            return CLI_HELP;
        case 'V':
            return CLI_VERSION;
        case ':':
            return fail(err, errlen, 2, "option '%s' needs an argument", argv[optind - 1]);
        default:
            if (optopt && optopt < 256)
                return fail(err, errlen, 2, "unknown option '-%c' (see wsc --help)", optopt);
            return fail(err, errlen, 2, "unknown option '%s' (see wsc --help)", argv[optind - 1]);
        }
    }

    /* With --count the messages awaited are the point: wait for them unless told otherwise. */
    if (o->count > 0 && !wait_set)
        o->wait = -1;
    if (o->ping_timeout < 0)
        o->ping_timeout = o->ping_interval < 10 ? o->ping_interval : 10;

    const char *why = NULL;
    if (optind < argc - 1)
        return fail(err, errlen, 2, "unexpected argument '%s' (one URL only)", argv[optind + 1]);
    if (optind == argc - 1) {
        if (host || port || path || protocol)
            return fail(err, errlen, 2, "give either a URL or --host/--port/--path/--protocol");
        rc = url_parse(argv[optind], &o->url, &why);
        if (rc == URL_ERR_NOMEM)
            return fail(err, errlen, 1, "out of memory");
        if (rc != URL_OK) {
            /* Never echo credentials: whatever stands before the last '@' may hold a password. */
            const char *u = argv[optind], *at = strrchr(u, '@'), *sep = strstr(u, "://");
            if (at) {
                int keep = sep && sep < at ? (int)(sep + 3 - u) : 0;
                return fail(err, errlen, 3, "bad URL '%.*s[redacted]%s': %s", keep, u, at, why);
            }
            return fail(err, errlen, 3, "bad URL '%s': %s", u, why);
        }
    } else {
        if (!host)
            return fail(err, errlen, 2, "no URL given (see wsc --help)");
        rc = url_from_fields(host, port, path, protocol, &o->url, &why);
        if (rc == URL_ERR_NOMEM)
            return fail(err, errlen, 1, "out of memory");
        if (rc != URL_OK)
            return fail(err, errlen, 2, "%s", why);
    }

    int nauth = (bearer != NULL) + (auth != NULL) + (o->url.user != NULL);
    if (nauth > 1)
        return fail(err, errlen, 2,
                    "--bearer, --auth and credentials in the URL exclude each other");
    /* The environment's token is a default: any credentials given here win, -H too. */
    bool header_auth = false;
    for (size_t i = 0; i < o->nheaders; i++)
        header_auth |= strncasecmp(o->headers[i], "authorization:", 14) == 0;
    if (bearer == NULL && nauth == 0 && !header_auth && env_bearer && *env_bearer)
        bearer = env_bearer;
    if (bearer) {
        if (*bearer == '\0' || strpbrk(bearer, " \t\r\n"))
            return fail(err, errlen, 2, "--bearer: the token must be non-empty without spaces");
        o->authorization = make_authorization("Bearer", bearer);
    } else if (auth) {
        const char *colon = strchr(auth, ':');
        if (colon == NULL)
            return fail(err, errlen, 2, "--auth takes USER:PASS");
        char *user = strndup(auth, (size_t)(colon - auth));
        if (user)
            o->authorization = make_basic(user, colon + 1);
        free(user);
    } else if (o->url.user) {
        o->authorization = make_basic(o->url.user, o->url.password);
    }
    if ((bearer || auth || o->url.user) && o->authorization == NULL)
        return fail(err, errlen, 1, "out of memory");
    if (o->authorization && strpbrk(o->authorization, "\r\n"))
        return fail(err, errlen, 2, "credentials must not contain line breaks");

    for (size_t i = 0; i < o->nheaders; i++) {
        if (handshake_header_allowed(o->headers[i], o->authorization != NULL, &why) != 0)
            return fail(err, errlen, 2, "--header '%.*s': %s", (int)strcspn(o->headers[i], ": \t"),
                        o->headers[i], why);
    }
    return CLI_OK;
}

void cli_free(struct options *o)
{
    if (o == NULL)
        return;
    url_free(&o->url);
    if (o->authorization) {
        explicit_bzero(o->authorization, strlen(o->authorization));
        free(o->authorization);
    }
    o->authorization = NULL;
}
