/*
 * jqfilter - --jq: a jq program run on each text message with libjq (Debian libjq-dev). wsc
 * writes no JSON query language of its own. jqfilter.c is the only file that includes jq.h.
 *
 * A message is kept when the program yields at least one value that is not false or null
 * (jq's own truthiness, as `select(...)` uses it). With --jq-output the program's results are
 * what gets written, one compact JSON value per line, instead of the message.
 */
#ifndef WSC_JQFILTER_H
#define WSC_JQFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct jqfilter;

enum jqfilter_result {
    JQF_DROP = 0,      /* JSON, but the program yielded nothing, or only false/null */
    JQF_KEEP = 1,      /* JSON, and the program yielded a value that is not false/null */
    JQF_NOT_JSON = -1, /* the message is not one JSON text: skipped, and counted by the caller */
    JQF_ERROR = -2,    /* the program raised an error on this message (text in err): dropped */
};

/* Compile prog behind a prelude that shadows implode (checked: an error, not libjq's abort, on
 * what is not an array of code points) and fromjson (an error: libjq 1.6's parser leaks on
 * malformed input). NULL with jq's message (one line, without the prelude) in err when it does
 * not compile, "modules are not supported" when it starts with import/include/module, or when
 * out of memory. */
struct jqfilter *jqfilter_new(const char *prog, char *err, size_t errlen);
void jqfilter_free(struct jqfilter *f);

/* Run the program on one message (UTF-8 text, data[0..len)). With out non-NULL, every result
 * the program yields is appended to *out as compact JSON followed by '\n' (for --jq-output),
 * whether or not it is false/null. err (may be NULL) gets jq's error text for JQF_ERROR.
 * Every result is asked for (as jq(1) does), so an error after a true result is JQF_ERROR, and
 * then nothing is appended to *out (it is left as it was). `halt` ends the results; `halt_error`
 * with a non-zero code is JQF_ERROR with its message. Not one JSON text (JQF_NOT_JSON): empty,
 * trailing bytes, two texts, a NUL byte, nesting deeper than libjq's 256, over INT_MAX bytes. */
int jqfilter_run(struct jqfilter *f, const uint8_t *data, size_t len, struct buf *out, char *err,
                 size_t errlen);

#endif
