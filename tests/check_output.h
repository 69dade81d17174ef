/* Shared helpers for the output unit tests (check_output*.c). */
#ifndef WSC_CHECK_OUTPUT_H
#define WSC_CHECK_OUTPUT_H

#include <string.h>

#include "output.h"

/* Options as cli_parse would leave them for these few fields. */
static inline void opts(struct options *o, enum binary_format fmt, bool json, bool nul,
                        const char *match)
{
    memset(o, 0, sizeof *o);
    o->binary_format = fmt;
    o->json = json;
    o->null_delim = nul;
    o->match = match;
}

#endif
