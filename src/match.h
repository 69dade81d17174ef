/*
 * match - the message filter chain of -m/--match, -E/--match-regex, -i/--ignore-case and --jq:
 * decides for each received data message whether it is kept (written, counted by --count), and
 * counts what arrived, what matched and what --jq skipped as not JSON.
 *
 * Several match options: a message must pass all of them (-m and -E and --jq). With none, every
 * message is kept and match_test() is one branch.
 */
#ifndef WSC_MATCH_H
#define WSC_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct match_spec {
    const char *substr; /* -m: plain substring; NULL or "" = none */
    const char *regex;  /* -E: POSIX extended regex; NULL = none */
    const char *jq;     /* --jq program; NULL = none */
    bool icase;         /* -i: -m and -E ignore ASCII case */
    bool jq_output;     /* --jq-output: the program's results are written, not the message */
};

struct match;

enum match_result {
    MATCH_DROP = 0,      /* filtered out */
    MATCH_KEEP = 1,      /* passes every option */
    MATCH_NOT_JSON = -1, /* --jq: not one JSON text, skipped (counted in not_json) */
};

struct match_counts {
    unsigned long received; /* data messages seen by match_test() */
    unsigned long matched;  /* of them, kept */
    unsigned long not_json; /* of them, skipped by --jq as not JSON */
};

/* Build the chain. Returns 0 with *out set (NULL when no option is given: keep everything), or
 * -1 with a one-line message naming the option and the regerror()/jq text in err (a usage
 * error, exit 2) or "out of memory". Free with match_free(); match_free(NULL) is a no-op. */
int match_new(const struct match_spec *spec, struct match **out, char *err, size_t errlen);
void match_free(struct match *m);

/* Decide one data message (opcode WS_OP_TEXT or WS_OP_BINARY, data[0..len), any bytes, NUL
 * included) and count it. m == NULL keeps it. -m and -E test binary messages too; --jq treats a
 * binary message as not JSON (MATCH_NOT_JSON). With --jq-output and jqout non-NULL, the program's
 * results (one JSON value a line) are appended to jqout; on MATCH_KEEP they are what should be
 * written. */
int match_test(struct match *m, int opcode, const uint8_t *data, size_t len, struct buf *jqout);
/* Why --jq dropped or skipped the last message given to match_test(): jq's error text, "not
 * JSON" or "binary, not JSON"; "" when it was kept or another option dropped it (or m == NULL). */
const char *match_why(const struct match *m);

/* The counters (all 0 for m == NULL). */
struct match_counts match_counts(const struct match *m);
/* True when --jq-output is in effect. */
bool match_jq_output(const struct match *m);
/* The options given, as "--match/--match-regex/--jq" (those present, in that order). */
const char *match_names(const struct match *m);

#endif
