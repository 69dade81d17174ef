/*
 * writeout - --write-out FORMAT, after curl's -w: a format with %{variable}s and \-escapes,
 * parsed once at start-up into a list of pieces, rendered once when the run ends.
 *
 * Format: text is copied; "%{name}" is a variable's value; "%%" is '%'; "\n", "\t", "\r" and
 * "\\" are escapes. "%{stdout}" and "%{stderr}" switch where the following text goes (stdout at
 * first). A '%' or '\' not followed by one of those is copied as is, as is a "%{" without its
 * '}'. An unknown variable is reported once per name (the warn callback) and renders as nothing.
 * Strings (%{close_reason}, %{subprotocol}, %{errormsg}, %{url}) are shown with control bytes
 * escaped (status_escape()), as JSON strings inside %{json}.
 *
 * Pure: no I/O, no printing. Rendering appends to two caller buffers.
 */
#ifndef WSC_WRITEOUT_H
#define WSC_WRITEOUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* What the variables show. Times are seconds (shown with microseconds, "0.001234"); strings
 * are NUL-terminated, NULL counts as "". */
struct writeout_values {
    double time_namelookup, time_connect, time_appconnect, time_upgrade, time_first_message,
        time_total;
    int http_code;
    const char *subprotocol;
    int close_code;
    const char *close_reason;
    uint64_t messages_sent, messages_received, messages_matched, bytes_sent, bytes_received;
    int exitcode;
    const char *errormsg;
    double ping_rtt;
    const char *url; /* the URL given (redacted), not a redirect's: curl's %{url} */
    long num_redirects;
};

struct writeout;

/*
 * Parse fmt (len bytes, may hold NUL bytes, which are copied). warn (may be NULL) is called
 * once with each unknown variable's name (NUL-terminated, valid during the call). Returns the
 * parsed format (free with writeout_free()), or NULL when out of memory.
 */
struct writeout *writeout_parse(const char *fmt, size_t len,
                                void (*warn)(void *ud, const char *name), void *ud);
void writeout_free(struct writeout *w);

/* Append the rendered format to out (stdout's part) and err (after %{stderr}). Returns 0, or
 * -1 when out of memory (what was appended stays). */
int writeout_render(const struct writeout *w, const struct writeout_values *v, struct buf *out,
                    struct buf *err);

/* The whole set as one JSON object (%{json}), appended to b. Returns 0 or -1. */
int writeout_json(const struct writeout_values *v, struct buf *b);

#endif
