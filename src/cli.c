/*
 * cli - generic option parsing by argument type, the URL and credentials, and messages that
 * never show a secret; see cli.h. The rows themselves are in cli_table.c.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "cli_table.h"
#include "handshake.h"
#include "log.h"
#include "url.h"

#define NOPTIONS cli_noptions

int cli_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

/* --- secrets: what an error message may show ---------------------------------------------- */

/* name[0..len) is, or abbreviates as getopt_long allows, an option whose value may be a secret. */
static bool is_secret_long(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if ((cli_options[i].flags & CLI_SECRET) && len > 0 && len <= strlen(cli_options[i].name) &&
            strncmp(cli_options[i].name, name, len) == 0)
            return true;
    return false;
}

static bool is_secret_short(char c)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if ((cli_options[i].flags & CLI_SECRET) && c != 0 && cli_options[i].shortname == c)
            return true;
    return false;
}

/* The word names an option that takes a secret as its next argument ("--bearer", "-qH"), so
 * the word after it may be that secret even when another option swallowed this one. */
static bool names_secret_option(const char *w)
{
    if (w == NULL || w[0] != '-' || w[1] == '\0')
        return false;
    if (w[1] == '-')
        return strchr(w, '=') == NULL && is_secret_long(w + 2, strlen(w + 2));
    return is_secret_short(w[strlen(w) - 1]);
}

/* See cli_table.h. */
static const char *redact_raw(const char *s, char *buf, size_t n);

const char *cli_redact(const char *s, char *buf, size_t n)
{
    redact_raw(s, buf, n);
    for (char *p = buf; *p; p++) /* one line, no terminal controls */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return buf;
}

/* name[0..len) is exactly the name of an option whose value is no secret. */
static bool is_plain_long(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (!(cli_options[i].flags & CLI_SECRET) && strlen(cli_options[i].name) == len &&
            strncmp(cli_options[i].name, name, len) == 0)
            return true;
    return false;
}

static const char *redact_raw(const char *s, char *buf, size_t n)
{
    if (s[0] == '-' && s[1] == '-') {
        /* A secret option, or one we do not know: a mistyped "--bearerr=TOKEN" is a secret too. */
        const char *eq = strchr(s, '=');
        if (eq && !is_plain_long(s + 2, (size_t)(eq - s - 2))) {
            snprintf(buf, n, "%.*s[redacted]", (int)(eq + 1 - s), s);
            return buf;
        }
    } else if (s[0] == '-') {
        for (const char *p = s + 1; *p; p++)
            if (is_secret_short(*p) && p[1]) {
                snprintf(buf, n, "%.*s[redacted]", (int)(p + 1 - s), s);
                return buf;
            }
    }
    size_t name = strcspn(s, ": \t");
    if (s[name] == ':' && log_header_is_secret(s, name)) {
        snprintf(buf, n, "%.*s: [redacted]", (int)name, s);
        return buf;
    }
    /* A URL: the values of its query may be tokens ("?access_token=..."), its userinfo too. */
    char q[1024];
    if (url_redact_query(s, q, sizeof q) >= sizeof q) { /* too long to show whole: cut it */
        snprintf(buf, n, "%.*s...", (int)(sizeof q - 4), q);
        snprintf(q, sizeof q, "%s", buf);
    }
    s = q;
    const char *at = strrchr(s, '@'), *sep = strstr(s, "://");
    if (at) {
        int keep = sep && sep < at ? (int)(sep + 3 - s) : 0;
        snprintf(buf, n, "%.*s[redacted]%s", keep, s, at);
        return buf;
    }
    snprintf(buf, n, "%s", s);
    return buf;
}

/* An unknown or ambiguous option: only its name, never what follows '=' ("--bearerr=TOKEN",
 * "--tok=TOKEN" when --token and --to... both match), since a mistyped option may carry a
 * secret. */
static int unknown_option(char *err, size_t errlen, const char *w)
{
    char word[104], shown[160];
    size_t name = w[0] == '-' && w[1] == '-' ? strcspn(w, "=") : strlen(w);
    snprintf(word, sizeof word, "%.*s", (int)(name < 100 ? name : 100), w);
    return cli_fail(err, errlen, 2, "unknown option '%s'%s (see wsc --help)",
                    cli_redact(word, shown, sizeof shown), w[name] ? " (value not shown)" : "");
}

static bool looks_like_url(const char *v)
{
    return strncasecmp(v, "ws://", 5) == 0 || strncasecmp(v, "wss://", 6) == 0 ||
           strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0;
}

/* --- numbers ----------------------------------------------------------------------------- */

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

/* "1024" as "1K", for messages. */
static void size_text(uint64_t v, char *buf, size_t n)
{
    static const char suffix[] = "\0KMG";
    int k = 0;
    while (k < 3 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        k++;
    }
    snprintf(buf, n, "%llu%.1s", (unsigned long long)v, &suffix[k]);
}

/* --- storing a value --------------------------------------------------------------------- */

static int bad_value(struct cli_state *st, const struct cli_opt *op, const char *arg,
                     const char *what)
{
    char shown[128];
    return cli_fail(st->err, st->errlen, 2, "--%s: '%s' is not %s", op->name,
                    cli_redact(arg, shown, sizeof shown), what);
}

/* "raw, hex or base64" from "raw|hex|base64". */
static const char *values_text(const char *values, char *buf, size_t n)
{
    size_t j = 0;
    const char *last = strrchr(values, '|');
    for (const char *p = values; *p && j + 5 < n; p++) {
        if (*p != '|') {
            buf[j++] = *p;
        } else if (p == last) {
            memcpy(buf + j, " or ", 4);
            j += 4;
        } else {
            memcpy(buf + j, ", ", 2);
            j += 2;
        }
    }
    buf[j] = '\0';
    return buf;
}

static int enum_index(const char *values, const char *arg)
{
    size_t len = strlen(arg);
    int i = 0;
    for (const char *p = values;; i++) {
        size_t n = strcspn(p, "|");
        if (len > 0 && n == len && strncmp(p, arg, n) == 0)
            return i;
        if (p[n] == '\0')
            return -1;
        p += n + 1;
    }
}

/* Parse arg by the row's type and store it in the row's field. Returns 0 or an exit code. */
static int store(struct cli_state *st, const struct cli_opt *op, const char *arg)
{
    char *field = (char *)st->o + op->off;
    const char *why;
    char buf[96];
    switch (op->type) {
    case CLI_FLAG:
    case CLI_FLAG_OFF:
        *(bool *)field = op->type == CLI_FLAG;
        return 0;
    case CLI_STRING:
        if (op->check && (why = op->check(arg)) != NULL)
            return cli_fail(st->err, st->errlen, 2, "--%s: %s", op->name, why);
        *(const char **)field = arg;
        return 0;
    case CLI_SECS:
    case CLI_SECS_M1: {
        double v;
        if (cli_parse_seconds(arg, op->type == CLI_SECS_M1, &v) < 0 ||
            ((op->flags & CLI_POSITIVE) && v <= 0))
            return bad_value(st, op, arg,
                             op->type == CLI_SECS_M1    ? "a number of seconds or -1"
                             : op->flags & CLI_POSITIVE ? "a positive number of seconds"
                                                        : "a number of seconds");
        *(double *)field = v;
        return 0;
    }
    case CLI_BYTES: {
        uint64_t v;
        if (cli_parse_size(arg, &v) < 0 || v < op->min) {
            char what[128];
            size_text(op->min, buf, sizeof buf);
            if (op->min)
                snprintf(what, sizeof what, "a size of at least %s", buf);
            else
                snprintf(what, sizeof what, "a size (e.g. 1048576, 64M)");
            return bad_value(st, op, arg, what);
        }
        *(uint64_t *)field = v;
        return 0;
    }
    case CLI_COUNT: {
        char what[64];
        if (parse_long(arg, (long)op->min, 0x7fffffffL, (long *)field) == 0)
            return 0;
        snprintf(what, sizeof what, "a whole number from %llu to 2147483647",
                 (unsigned long long)op->min);
        return bad_value(st, op, arg, what);
    }
    case CLI_ENUM: {
        int i = enum_index(op->values, arg);
        if (i < 0)
            return bad_value(st, op, arg, values_text(op->values, buf, sizeof buf));
        *(int *)field = i;
        return 0;
    }
    case CLI_LIST: {
        size_t *n = (size_t *)((char *)st->o + op->off_n);
        if (op->check && (why = op->check(arg)) != NULL)
            return cli_fail(st->err, st->errlen, 2, "--%s: %s", op->name, why);
        if (*n >= CLI_MAX_LIST)
            return cli_fail(st->err, st->errlen, 2, "too many --%s options (at most %d)", op->name,
                            CLI_MAX_LIST);
        ((const char **)field)[(*n)++] = arg;
        return 0;
    }
    case CLI_CUSTOM:
        return op->custom ? op->custom(st, op, arg) : 0;
    }
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

static void options_init(struct cli_state *st)
{
    memset(st->o, 0, sizeof *st->o);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct cli_opt *op = &cli_options[i];
        if (op->type == CLI_FLAG_OFF)
            *(bool *)((char *)st->o + op->off) = true;
        if (op->def && store(st, op, op->def) != 0)
            abort(); /* a default the row's own type refuses: a bug caught by every test */
    }
}

/* --- parsing ----------------------------------------------------------------------------- */

/* A positional argument; prev is the word before it in argv (or NULL). */
static void positional(struct cli_state *st, const char *arg, const char *prev)
{
    if (st->url == NULL) {
        st->url = arg;
        st->url_suspect = names_secret_option(prev);
    } else if (st->extra == NULL) {
        st->extra = arg;
        st->extra_suspect = names_secret_option(prev);
    }
}

static const char *value(const struct cli_state *st, const char *name)
{
    return st->value[cli_opt_index(name)];
}

static int credentials(struct cli_state *st, const char *env_bearer);

/* After the options: the URL, credentials, and defaults that depend on other options. */
static int finish(struct cli_state *st, const char *env_bearer)
{
    struct options *o = st->o;
    char *err = st->err, shown[160];
    size_t errlen = st->errlen;
    const char *host = value(st, "host"), *port = value(st, "port"), *path = value(st, "path"),
               *protocol = value(st, "protocol"), *why = NULL;
    int rc;

    /* With --count the messages awaited are the point: wait for them unless told otherwise. */
    if (o->count > 0 && !st->given[cli_opt_index("wait")])
        o->wait = -1;
    if (!st->given[cli_opt_index("ping-timeout")])
        o->ping_timeout = o->ping_interval < 10 ? o->ping_interval : 10;

    if (st->extra)
        return cli_fail(err, errlen, 2, "unexpected argument '%s' (one URL only)",
                        st->extra_suspect ? "[redacted]"
                                          : cli_redact(st->extra, shown, sizeof shown));
    if (st->url) {
        if (host || port || path || protocol)
            return cli_fail(err, errlen, 2, "give either a URL or --host/--port/--path/--protocol");
        rc = url_parse(st->url, &o->url, &why);
        if (rc == URL_ERR_NOMEM)
            return cli_fail(err, errlen, 1, "out of memory");
        if (rc != URL_OK)
            return cli_fail(
                err, errlen, 3, "bad URL '%s': %s",
                st->url_suspect ? "[redacted]" : cli_redact(st->url, shown, sizeof shown), why);
    } else if (host) {
        rc = url_from_fields(host, port, path, protocol, &o->url, &why);
        if (rc == URL_ERR_NOMEM)
            return cli_fail(err, errlen, 1, "out of memory");
        if (rc != URL_OK)
            return cli_fail(err, errlen, 2, "%s", why);
    } else if (st->took_url) {
        /* "--bearer ws://h/": the token was forgotten and the URL became its value. */
        return cli_fail(err, errlen, 2,
                        "no URL given (--%s took '%s' as its value; %s is missing?)",
                        st->took_url->name, cli_redact(st->took_url_value, shown, sizeof shown),
                        st->took_url->arg);
    } else {
        return cli_fail(err, errlen, 2, "no URL given (see wsc --help)");
    }
    return credentials(st, env_bearer);
}

static int credentials(struct cli_state *st, const char *env_bearer)
{
    struct options *o = st->o;
    char *err = st->err;
    size_t errlen = st->errlen;
    const char *bearer = value(st, "bearer"), *auth = value(st, "auth"), *why = NULL;

    int nauth = (bearer != NULL) + (auth != NULL) + (o->url.user != NULL);
    if (nauth > 1)
        return cli_fail(err, errlen, 2,
                        "--bearer, --auth and credentials in the URL exclude each other");
    /* The environment's token is a default: any credentials given here win, -H too. */
    bool header_auth = false;
    for (size_t i = 0; i < o->nheaders; i++)
        header_auth |= strncasecmp(o->headers[i], "authorization:", 14) == 0;
    if (bearer == NULL && nauth == 0 && !header_auth && env_bearer && *env_bearer)
        bearer = env_bearer;
    if (bearer) {
        if (*bearer == '\0' || strpbrk(bearer, " \t\r\n"))
            return cli_fail(err, errlen, 2, "--bearer: the token must be non-empty without spaces");
        o->authorization = make_authorization("Bearer", bearer);
    } else if (auth) {
        const char *colon = strchr(auth, ':');
        if (colon == NULL)
            return cli_fail(err, errlen, 2, "--auth takes USER:PASS");
        char *user = strndup(auth, (size_t)(colon - auth));
        if (user)
            o->authorization = make_basic(user, colon + 1);
        free(user);
    } else if (o->url.user) {
        o->authorization = make_basic(o->url.user, o->url.password);
    }
    if ((bearer || auth || o->url.user) && o->authorization == NULL)
        return cli_fail(err, errlen, 1, "out of memory");
    if (o->authorization && strpbrk(o->authorization, "\r\n"))
        return cli_fail(err, errlen, 2, "credentials must not contain line breaks");

    for (size_t i = 0; i < o->nheaders; i++) {
        char name[64], shown[96];
        if (handshake_header_allowed(o->headers[i], o->authorization != NULL, &why) != 0) {
            snprintf(name, sizeof name, "%.*s", (int)strcspn(o->headers[i], ": \t"), o->headers[i]);
            return cli_fail(err, errlen, 2, "--header '%s': %s",
                            cli_redact(name, shown, sizeof shown), why);
        }
    }
    return CLI_OK;
}

int cli_parse(struct options *o, int argc, char **argv, const char *env_bearer, char *err,
              size_t errlen)
{
    struct option longopts[CLI_MAX_OPTIONS + 1];
    char shortopts[2 * CLI_MAX_OPTIONS + 3];
    size_t ns = 0;
    struct cli_state st = {.o = o, .err = err, .errlen = errlen};
    char shown[160];
    int rc;

    options_init(&st);
    /* '-': positionals come back in order (so the word before each is known); ':': missing
     * arguments are reported distinctly. */
    shortopts[ns++] = '-';
    shortopts[ns++] = ':';
    for (size_t i = 0; i < NOPTIONS; i++) {
        longopts[i].name = cli_options[i].name;
        longopts[i].has_arg = cli_options[i].arg ? required_argument : no_argument;
        longopts[i].flag = NULL;
        longopts[i].val = 256 + (int)i;
        if (cli_options[i].shortname) {
            shortopts[ns++] = cli_options[i].shortname;
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
        if (c == 1) {
            positional(&st, optarg, optind >= 2 ? argv[optind - 2] : NULL);
            continue;
        }
        if (c == ':')
            return cli_fail(err, errlen, 2, "option '%s' needs an argument",
                            cli_redact(argv[optind - 1], shown, sizeof shown));
        size_t i = NOPTIONS;
        if (c >= 256)
            i = (size_t)(c - 256);
        else
            for (size_t k = 0; k < NOPTIONS; k++)
                if (c != '?' && cli_options[k].shortname == c)
                    i = k;
        if (i >= NOPTIONS) {
            if (optopt && optopt < 256)
                return cli_fail(err, errlen, 2, "unknown option '-%c' (see wsc --help)", optopt);
            return unknown_option(err, errlen, argv[optind - 1]);
        }
        const struct cli_opt *op = &cli_options[i];
        st.given[i] = true;
        st.value[i] = optarg;
        if (optarg && !st.took_url && !(op->flags & CLI_URL_VALUE) && looks_like_url(optarg)) {
            st.took_url = op;
            st.took_url_value = optarg;
        }
        if ((rc = store(&st, op, optarg)) != 0)
            return rc;
    }
    for (int k = optind; k < argc; k++) /* after "--" */
        positional(&st, argv[k], k >= 1 ? argv[k - 1] : NULL);
    return finish(&st, env_bearer);
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
