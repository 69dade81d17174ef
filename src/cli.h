/*
 * cli - the command line: one option table that drives getopt_long(), --help, the hidden
 * --dump-options listing and, through it, the tests that keep the man page and completions in
 * step with it.
 *
 * Each option is one row (struct cli_opt in cli.c's table): names, argument type, the field of
 * struct options it fills (offsetof), its default, help group and text. Typed options are parsed
 * and stored generically; only the URL fields, credentials, -q/-v, --reconnect-delay and
 * help/version have a small handler. Adding an option is one row (plus its field here).
 *
 * cli_parse() never prints or exits: it fills struct options or returns the exit code with a
 * one-line message, so option parsing is testable table by table. No message ever shows a
 * secret: URL passwords, --auth/--bearer values and anything that may be one are redacted.
 */
#ifndef WSC_CLI_H
#define WSC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proxyenv.h"
#include "url.h"

enum binary_format { BINFMT_RAW = 0, BINFMT_HEX, BINFMT_BASE64 };
enum color_mode { COLOR_AUTO = 0, COLOR_ALWAYS, COLOR_NEVER };

#define CLI_MAX_LIST 64 /* -s, -H, -x may each be given this many times */

struct options {
    struct url url; /* from URL or --host/--port/--path/--protocol */
    /* Where to connect */
    const char *unix_socket; /* --unix-socket / --abstract-unix-socket (the last one wins) */
    bool abstract_unix;      /* unix_socket came from --abstract-unix-socket */
    int ip_family;           /* 0, 4 (-4) or 6 (-6): the last one wins */
    const char *resolve[CLI_MAX_LIST]; /* --resolve HOST:PORT:ADDR[,ADDR]... */
    size_t nresolve;
    const char *connect_to[CLI_MAX_LIST]; /* --connect-to HOST:PORT:HOST2:PORT2 */
    size_t nconnect_to;
    const char *subprotocols[CLI_MAX_LIST];
    size_t nsubprotocols;
    const char *headers[CLI_MAX_LIST];
    size_t nheaders;
    const char *execute[CLI_MAX_LIST];
    size_t nexecute;
    const char *origin;
    char *authorization;    /* heap: "Bearer ..." or "Basic ...", or NULL */
    bool location;          /* -L: follow redirects of the upgrade request */
    long max_redirs;        /* with -L: at most this many (default 10), -1 = no limit */
    bool location_trusted;  /* -L, and credentials to other hosts too */
    double connect_timeout; /* seconds, > 0 */
    const char *cacert;
    bool insecure;
    const char *capath;        /* hashed CA directory (openssl rehash) */
    const char *cert;          /* client certificate: "FILE" or "FILE:PASSWORD" (a secret) */
    const char *key;           /* its key when not in the cert file */
    const char *pass;          /* pass phrase of the key (a secret) */
    int tls_max;               /* index in "default|1.2|1.3": enum tls_version */
    int tls_min;               /* lowest TLS version, enum tls_version: the last of --tlsv1.2
                                * (1) and --tlsv1.3 (2) wins, as in curl; 0 = default (1.2) */
    const char *ciphers;       /* TLS 1.2 cipher list */
    const char *tls13_ciphers; /* TLS 1.3 cipher suites */
    const char *pinned_pubkey; /* sha256//BASE64[;...] or a public key file */
    uint64_t max_message_size; /* 0 = unlimited */
    bool binary;               /* -b: stdin records are sent as binary */
    bool null_delim;           /* -0 */
    double wait;               /* -w: seconds after EOF; < 0 = until the server closes */
    enum binary_format binary_format;
    bool json;
    const char *write_out; /* --write-out FORMAT or @FILE (writeout.h), NULL = none */
    const char *match; /* NULL = every message */
    /* The match chain (match.h): a message must pass every one given */
    const char *match_regex; /* -E: POSIX extended regex */
    bool ignore_case;        /* -i: for -m and -E */
    const char *jq;          /* --jq program */
    bool jq_output;          /* --jq-output: write the program's results */
    bool expect_first;       /* --expect-first: the first message must match, or exit 44 */
    long count;        /* 0 = unlimited */
    double timeout;    /* overall deadline in seconds, 0 = none */
    /* Proxy (proxyenv.h): the options as given, and proxy_in, which main() fills from them and
     * the environment once, for every connection of the run (conn_config.proxy points at it). */
    const char *proxy;      /* --proxy URL; NULL = from the environment, "" = none */
    const char *proxy_user; /* --proxy-user USER:PASS (secret) */
    const char *noproxy;    /* --noproxy LIST */
    const char *proxy_cacert;
    bool proxy_insecure;
    struct proxy_inputs proxy_in;
    int verbosity; /* -1 quiet, 0 normal, 1 verbose (-v), 2 (-vv) */
    bool log_comms;
    /* Interactive use */
    enum color_mode color;
    bool no_history;
    bool show_ping_pong; /* -P */
    bool timestamps;
    /* Staying up */
    bool keepalive;       /* false with --no-keepalive */
    double ping_interval; /* seconds of silence before a ping (default 30) */
    double ping_timeout;  /* seconds to wait for any byte after a ping */
    bool reconnect;
    double reconnect_delay_min; /* seconds (default 1) */
    double reconnect_delay_max; /* seconds (default 60) */
    long reconnect_max;         /* attempts, 0 = unlimited */
    uint64_t queue_size;        /* bytes of stdin held while disconnected (default 4M) */
};

enum cli_result {
    CLI_OK = 0,
    CLI_HELP = -1,    /* --help: print cli_usage() and exit 0 */
    CLI_VERSION = -2, /* --version */
    CLI_DUMP = -3,    /* hidden --dump-options: print cli_dump_options() and exit 0 */
    /* positive values are exit codes (2 usage, 3 bad URL) */
};

/*
 * Parse argv into *o (which it initialises with the defaults). env_bearer is the value of
 * WSC_BEARER_TOKEN (or NULL). Returns CLI_OK, CLI_HELP, CLI_VERSION, or an exit code with a
 * one-line message (no "wsc: " prefix, no newline) in err. Release with cli_free().
 */
int cli_parse(struct options *o, int argc, char **argv, const char *env_bearer, char *err,
              size_t errlen);
void cli_free(struct options *o);

/* Print --help. */
void cli_usage(FILE *f);

/*
 * Print the option table for tests/it_docs.sh, one visible option a line, tab-separated:
 * short option ("-s" or "-"), long option ("--subprotocol"), type (flag, string, seconds,
 * seconds|-1, bytes, count, enum, list, custom), argument name ("-" for flags) and the values
 * the argument takes, space-separated ("-" when any).
 */
void cli_dump_options(FILE *f);

/* Parse a number of seconds ("2", "0.5"); allow_negative_one admits "-1". 0 or -1 on error. */
int cli_parse_seconds(const char *s, bool allow_negative_one, double *out);
/* Parse a byte size with an optional K, M or G suffix (powers of 1024). */
int cli_parse_size(const char *s, uint64_t *out);

#endif
