/*
 * cli_table - the option table of cli.c, private to cli.c and cli_table.c.
 *
 * One row per option (struct cli_opt): its names, argument type, the struct options field it
 * fills, default, help group and text. cli.c parses and stores by type; cli_table.c holds the
 * rows, the few handlers of CLI_CUSTOM rows, --help and --dump-options.
 *
 * Adding an option: its field in struct options (cli.h) and one row in cli_table.c; parsing,
 * its default, --help, --dump-options and the docs test (tests/it_docs.sh) follow, and
 * tests/check_cli_types.c tests it by its type. Then document it in man/wsc.1, the three
 * completions and README.md: it_docs.sh fails until they agree with the row.
 */
#ifndef WSC_CLI_TABLE_H
#define WSC_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define CLI_MAX_OPTIONS 128

/* How a row's argument is parsed and stored at its offset in struct options. */
enum cli_type {
    CLI_FLAG,     /* no argument; bool set to true */
    CLI_FLAG_OFF, /* no argument; bool that starts true, set to false */
    CLI_STRING,   /* const char *, the argv string itself */
    CLI_SECS,     /* double seconds, 0 to a year (> 0 with CLI_POSITIVE) */
    CLI_SECS_M1,  /* double seconds, or -1 */
    CLI_BYTES,    /* uint64_t, digits with an optional K/M/G suffix, at least .min */
    CLI_COUNT,    /* long, .min to 2147483647 */
    CLI_ENUM,     /* int: the index of the argument in .values ("a|b|c") */
    CLI_LIST,     /* repeatable: const char *[CLI_MAX_LIST] at .off, size_t count at .off_n */
    CLI_CUSTOM,   /* .custom handles it; with none, the value is only kept (st->value) for
                   * cli.c's final step: the URL fields and the credentials */
};

enum {
    CLI_POSITIVE = 1 << 0,  /* CLI_SECS: 0 is refused */
    CLI_HIDDEN = 1 << 1,    /* not in --help nor --dump-options */
    CLI_SECRET = 1 << 2,    /* the value may be a secret: never shown */
    CLI_URL_VALUE = 1 << 3, /* the value is a URL by nature (no "took the URL" hint) */
};

struct cli_state;
struct cli_opt;
typedef int cli_handler(struct cli_state *st, const struct cli_opt *op, const char *arg);

struct cli_opt {
    const char *group; /* heading printed before this option in --help, or NULL */
    const char *name;  /* long option, without "--" */
    char shortname;    /* short option letter, or 0 */
    const char *arg;   /* argument name in --help, or NULL for a flag */
    enum cli_type type;
    size_t off;         /* offsetof(struct options, field) */
    size_t off_n;       /* CLI_LIST: offsetof the count */
    const char *def;    /* default, parsed like a given argument; NULL = zero */
    const char *values; /* CLI_ENUM (and completions): the allowed values, '|'-separated */
    unsigned flags;     /* CLI_POSITIVE, ... */
    uint64_t min;       /* CLI_BYTES, CLI_COUNT: smallest value accepted */
    const char *(*check)(const char *v); /* CLI_STRING, CLI_LIST: NULL or why v is refused */
    cli_handler *custom;                 /* CLI_CUSTOM */
    const char *help;
};

/* Parse state: the last argument of each option, which ones were given, the positionals. */
struct cli_state {
    struct options *o;
    const char *value[CLI_MAX_OPTIONS];
    bool given[CLI_MAX_OPTIONS];
    const char *url, *extra;         /* first and second positional argument */
    bool url_suspect, extra_suspect; /* they follow an option name that may carry a secret */
    const struct cli_opt *took_url;  /* first option whose argument looks like a URL */
    const char *took_url_value;
    char *err;
    size_t errlen;
};

extern const struct cli_opt cli_options[];
extern const size_t cli_noptions;

/* The row index of a long option name; aborts when there is none (a bug every test catches). */
size_t cli_opt_index(const char *name);

/* Write a message into err and return code. */
int cli_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Copy s into buf (size n) for an error message, one line (control bytes as '?'), with whatever
 * may be a secret replaced by "[redacted]": the value glued to a secret option ("--bearer=T",
 * "-HX"), the value of a credential header ("Authorization: x"), and everything before the
 * last '@' of a URL (its userinfo). Returns buf.
 */
const char *cli_redact(const char *s, char *buf, size_t n);

#endif
