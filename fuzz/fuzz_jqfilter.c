/*
 * fuzz_jqfilter - --jq (src/jqfilter.h) on fuzzed messages, with fixed programs.
 *
 * Input: one byte picks the program, the rest is the message. Properties: the result is one of
 * the four codes; the message is judged not-JSON the same way with and without output; without
 * an error, keep/drop agree with and without output (an error with output may follow a true
 * result that the filter alone stops at); an error writes nothing; every output line is one JSON
 * text, and the identity program's output, run through it again, comes back byte for byte.
 */
#include "fuzz.h"

#include "buf.h"
#include "jqfilter.h"

static const char *const progs[] = {
    ".",
    "select(.n % 2 == 0)",
    ".[]?",
    ".a.b",
    "..",
    "tostring",
    "tojson | fromjson",
    "paths",
    "keys?",
    "if type == \"object\" then to_entries else . end",
    "strings | test(\"a.*b\")",
    "numbers | . * 2",
    "[.. | scalars] | length",
    /* Not "first(...)"/"limit(...)": libjq 1.6 leaks on label/break, which both use (fixed in
     * jq 1.7); that is the user's program, not the server's input. See wsc(1), --jq. */
    "[.[]?][:2], [..][:2]",
    "try error catch .",
    "if type == \"number\" then halt_error(1) elif type == \"string\" then halt else . end",
};
#define NPROGS (sizeof progs / sizeof progs[0])

static struct jqfilter *filters[NPROGS];
static struct jqfilter *ident;

/* The filters live across inputs (compiling is slow: libjq 1.6 compiles its builtins each time)
 * and are freed at exit, before LeakSanitizer looks: jq's stack keeps only a one-past-the-end
 * pointer to its block, which the leak checker does not count as a reference. */
static void free_filters(void)
{
    for (size_t i = 0; i < NPROGS; i++)
        jqfilter_free(filters[i]);
    jqfilter_free(ident);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ident == NULL) {
        atexit(free_filters);
        char err[256];
        for (size_t i = 0; i < NPROGS; i++) {
            filters[i] = jqfilter_new(progs[i], err, sizeof err);
            FUZZ_REQUIRE(filters[i] != NULL, "%s: %s", progs[i], err);
        }
        ident = jqfilter_new(".", err, sizeof err);
        FUZZ_REQUIRE(ident != NULL, "%s", err);
    }
    size_t pi = fz_byte(&data, &size) % NPROGS;
    struct jqfilter *f = filters[pi];

    char err[128];
    int plain = jqfilter_run(f, data, size, NULL, err, sizeof err);
    FUZZ_REQUIRE(plain >= JQF_ERROR && plain <= JQF_KEEP, "result %d", plain);

    struct buf out;
    buf_init(&out);
    FUZZ_REQUIRE(buf_append(&out, "x", 1) == 0, "oom");
    int r = jqfilter_run(f, data, size, &out, err, sizeof err);
    FUZZ_REQUIRE((r == JQF_NOT_JSON) == (plain == JQF_NOT_JSON), "%s: not-JSON %d vs %d", progs[pi],
                 r, plain);
    if (r == JQF_KEEP || r == JQF_DROP)
        FUZZ_REQUIRE(r == plain, "%s: %d with output, %d without", progs[pi], r, plain);
    if (r == JQF_ERROR)
        FUZZ_REQUIRE(plain == JQF_ERROR || plain == JQF_KEEP, "%s: error, %d without", progs[pi],
                     plain);
    if (r < 0)
        FUZZ_REQUIRE(out.len == 1, "%s: %d wrote %zu bytes", progs[pi], r, out.len - 1);

    /* every line of output is one JSON text */
    const uint8_t *p = buf_head(&out) + 1, *end = buf_head(&out) + out.len;
    FUZZ_REQUIRE(p == end || end[-1] == '\n', "output does not end in a newline");
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_REQUIRE(nl != NULL, "unterminated line");
        int rl = jqfilter_run(ident, p, (size_t)(nl - p), NULL, NULL, 0);
        FUZZ_REQUIRE(rl == JQF_KEEP || rl == JQF_DROP, "%s: output line is not JSON (%d): %.*s",
                     progs[pi], rl, (int)(nl - p), (const char *)p);
        p = nl + 1;
    }

    /* the identity's output is stable: dumping what it dumped gives the same bytes */
    if (pi == 0 && r >= 0) {
        struct buf again;
        buf_init(&again);
        int r2 = jqfilter_run(ident, buf_head(&out) + 1, out.len - 2, &again, NULL, 0);
        /* r2 may differ from r: jq 1.6 reads nan as a number (true) and writes it as null */
        FUZZ_REQUIRE(r2 >= 0, "identity again: %d, first %d", r2, r);
        FUZZ_REQUIRE(again.len == out.len - 1 &&
                         memcmp(buf_head(&again), buf_head(&out) + 1, again.len) == 0,
                     "identity not stable: %.*s vs %.*s", (int)(out.len - 1),
                     (const char *)buf_head(&out) + 1, (int)again.len,
                     (const char *)buf_head(&again));
        buf_free(&again);
    }
    buf_free(&out);
    return 0;
}
