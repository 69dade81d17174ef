/*
 * jqfilter - --jq: one compiled jq program (libjq, Debian libjq-dev) run on each text message.
 *
 * One jq_state serves every message: jq_start() resets it and pushes the parsed message, so a
 * message costs one parse, the program and (with out) one dump per result; nothing is compiled
 * again. Every jv is owned by exactly one holder and consumed once (jv is reference counted):
 * jq_start() takes the input, each jq_next() result is freed or handed on here.
 *
 * libjq 1.6 defects kept away (each has a unit test):
 * - jv_parse_sized() prints the input with "%s" into its error text, reading up to a NUL: the
 *   message is copied into a NUL-terminated scratch buffer first.
 * - its parser leaks a string that follows a value with no separator: refused first.
 * - jq_start() aborts (assertion) resetting a run left inside a path expression: runs drain.
 * - compiling an import with no search path aborts: ~/.jq is set, as jq(1) does (modules are
 *   refused first now; kept in case a directive slips past starts_with_module()).
 * - jq_reset() frees the exit code and message that halt/halt_error stored but does not clear
 *   them, so the next jq_start() would free them again: after a halt the state is torn down (one
 *   free, correct) and the program compiled again.
 * - implode asserts (aborts) on an element that is not a number or not a code point (jq 1.6
 *   lets NaN through), and fromjson reaches the leaking parser: the program is compiled after a
 *   prelude (PRELUDE, on the same line, so jq's line numbers stay the user's) that shadows both.
 *   Modules are refused: jq takes import/include only at the start of a program, and a
 *   module's code would not see the prelude.
 */
#include "jqfilter.h"

#include <jq.h>
#include <jv.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Put in front of the user's program. Surrogates (0xD800-0xDFFF) do not assert in implode. */
#define PRELUDE                                                                                \
    "def _wsc_implode: implode; "                                                              \
    "def implode: if type == \"array\" and all(.[]; type == \"number\" and (isnan | not) and " \
    ". >= 0 and . <= 1114111 and . == floor) then _wsc_implode "                               \
    "else error(\"implode input must be an array of code points\") end; "                      \
    "def fromjson: error(\"fromjson is not available: libjq 1.6 leaks on malformed input\"); "

struct jqfilter {
    jq_state *jq;
    char *prog;    /* PRELUDE and the program, kept to compile again after a halt */
    char *scratch; /* the message, NUL-terminated, for jv_parse_sized() */
    size_t scratch_cap;
    char *err; /* where the error callback writes (compile errors) */
    size_t errlen;
    FILE *dumpf;         /* results written with jv_dumpf() land in dump_to (--jq-output) */
    struct buf *dump_to; /* the run's out while it runs, else NULL */
    int dump_oom;
};

/* Copy src (n bytes) into dst as one line: newlines and tabs become spaces, runs of them one
 * space, no trailing space. */
static void one_line(char *dst, size_t dstlen, const char *src, size_t n)
{
    size_t o = 0;
    int space = 0;

    if (dstlen == 0)
        return;
    for (size_t i = 0; i < n && o + 1 < dstlen; i++) {
        char c = src[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < dstlen)
            dst[o++] = ' ';
        space = 0;
        dst[o++] = c;
    }
    dst[o] = '\0';
}

/* A jv error value (a string, or anything else that error/1 was given) as text; consumes msg. */
static void msg_text(jv msg, char *err, size_t errlen)
{
    if (err == NULL || errlen == 0) {
        jv_free(msg);
        return;
    }
    if (jv_get_kind(msg) == JV_KIND_STRING) {
        one_line(err, errlen, jv_string_value(msg), (size_t)jv_string_length_bytes(jv_copy(msg)));
        jv_free(msg);
        return;
    }
    jv s = jv_dump_string(msg, 0); /* consumes msg */
    const char *p = jv_string_value(s);
    one_line(err, errlen, p, strlen(p));
    jv_free(s);
}

/* jq's error callback: keep the first message (a compile error; later ones are the count). */
static void on_error(void *data, jv msg)
{
    struct jqfilter *f = data;

    if (f->err == NULL || f->err[0] != '\0' || jv_get_kind(msg) != JV_KIND_STRING) {
        jv_free(msg);
        return;
    }
    const char *p = jv_string_value(msg);
    if (strncmp(p, "jq: error: ", 11) == 0) {
        jv rest = jv_string(p + 11);
        jv_free(msg);
        msg = rest;
    }
    /* A syntax error quotes the program: without the prelude, as the user wrote it. */
    p = jv_string_value(msg);
    const char *pre = strstr(p, PRELUDE);
    if (pre != NULL) {
        jv cut = jv_string_fmt("%.*s%s", (int)(pre - p), p, pre + strlen(PRELUDE));
        jv_free(msg);
        msg = cut;
    }
    msg_text(msg, f->err, f->errlen);
}

/* 1 when prog starts (after blanks and # comments) with a module directive: import, include or
 * module. */
static int starts_with_module(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p != '#')
            break;
        while (*p != '\0' && *p != '\n')
            p++;
    }
    static const char *const words[] = {"import", "include", "module"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if (strncmp(p, words[i], n) == 0) {
            char c = p[n];
            if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9')))
                return 1;
        }
    }
    return 0;
}

/* debug/0 writes as jq(1) does: ["DEBUG:",value] on stderr. */
static void on_debug(void *data, jv msg)
{
    (void)data;
    jv s = jv_dump_string(JV_ARRAY(jv_string("DEBUG:"), msg), 0);
    fprintf(stderr, "%s\n", jv_string_value(s));
    jv_free(s);
}

/* A fresh jq_state with f->prog compiled. 0, or -1 with the reason in err. */
static int compile(struct jqfilter *f, char *err, size_t errlen)
{
    char none[1];

    f->err = err != NULL && errlen > 0 ? err : none;
    f->errlen = err != NULL && errlen > 0 ? errlen : sizeof none;
    f->err[0] = '\0';
    f->jq = jq_init();
    if (f->jq == NULL) {
        snprintf(f->err, f->errlen, "out of memory");
        f->err = NULL;
        return -1;
    }
    jq_set_error_cb(f->jq, on_error, f);
    jq_set_debug_cb(f->jq, on_debug, NULL);
    /* jq(1) always sets a module search path; without one, libjq 1.6 aborts compiling an
     * `import` or `include` (an assertion in jv_array_concat). Modules are looked up in ~/.jq,
     * the first entry of jq(1)'s default path. */
    jq_set_attr(f->jq, jv_string("JQ_LIBRARY_PATH"), JV_ARRAY(jv_string("~/.jq")));
    int ok = jq_compile(f->jq, f->prog);
    if (!ok && f->err[0] == '\0')
        snprintf(f->err, f->errlen, "the program does not compile");
    f->err = NULL;
    if (!ok) {
        jq_teardown(&f->jq);
        return -1;
    }
    return 0;
}

struct jqfilter *jqfilter_new(const char *prog, char *err, size_t errlen)
{
    if (starts_with_module(prog)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "modules are not supported");
        return NULL;
    }
    struct jqfilter *f = calloc(1, sizeof *f);
    size_t n = strlen(PRELUDE) + strlen(prog) + 1;

    if (f == NULL || (f->prog = malloc(n)) == NULL) {
        free(f);
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(f->prog, n, "%s%s", PRELUDE, prog);
    if (compile(f, err, errlen) < 0) {
        jqfilter_free(f);
        return NULL;
    }
    return f;
}

void jqfilter_free(struct jqfilter *f)
{
    if (f == NULL)
        return;
    jq_teardown(&f->jq);
    if (f->dumpf != NULL)
        fclose(f->dumpf); /* nothing is left in it: every run flushes */
    free(f->prog);
    free(f->scratch);
    free(f);
}

/*
 * libjq 1.6's parser leaks on some malformed texts (a string right after a value inside a
 * container, `[1"abc"]`; a stray closing bracket before an object, `]{"a":1}`; ...): a hostile
 * peer could grow wsc by a message's size per message. So a message goes to jv_parse_sized()
 * only once it is known to be one JSON text (RFC 8259: one value, surrounded by whitespace),
 * checked here without allocating; anything else is "not JSON", which is what jq would say too.
 * Nesting deeper than JSON_MAX_DEPTH is refused as well (jq's parser stops at 256).
 */
#define JSON_MAX_DEPTH 256

struct json_scan {
    const uint8_t *p, *end;
};

static void json_ws(struct json_scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int json_digits(struct json_scan *s)
{
    const uint8_t *start = s->p;

    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > start ? 0 : -1;
}

static int json_number(struct json_scan *s)
{
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else if (json_digits(s) < 0)
        return -1;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (json_digits(s) < 0)
            return -1;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (json_digits(s) < 0)
            return -1;
    }
    return 0;
}

/* A string; s->p is on its opening quote. The bytes are valid UTF-8 already (a text message). */
static int json_string(struct json_scan *s)
{
    for (s->p++; s->p < s->end; s->p++) {
        uint8_t c = *s->p;
        if (c == '"') {
            s->p++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (++s->p >= s->end)
                return -1;
            if (*s->p == 'u') {
                for (int k = 0; k < 4; k++)
                    if (++s->p >= s->end || !isxdigit(*s->p))
                        return -1;
            } else if (!strchr("\"\\/bfnrt", *s->p) || *s->p == '\0') {
                return -1;
            }
        }
    }
    return -1;
}

static int json_literal(struct json_scan *s, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

static int json_value(struct json_scan *s, int depth)
{
    json_ws(s);
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '"':
        return json_string(s);
    case 't':
        return json_literal(s, "true");
    case 'f':
        return json_literal(s, "false");
    case 'n':
        return json_literal(s, "null");
    case '[':
    case '{': {
        uint8_t close = *s->p == '[' ? ']' : '}';
        if (depth >= JSON_MAX_DEPTH)
            return -1;
        s->p++;
        json_ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        for (;;) {
            if (close == '}') {
                json_ws(s);
                if (s->p >= s->end || *s->p != '"' || json_string(s) < 0)
                    return -1;
                json_ws(s);
                if (s->p >= s->end || *s->p++ != ':')
                    return -1;
            }
            if (json_value(s, depth + 1) < 0)
                return -1;
            json_ws(s);
            if (s->p >= s->end)
                return -1;
            if (*s->p == close) {
                s->p++;
                return 0;
            }
            if (*s->p++ != ',')
                return -1;
        }
    }
    default:
        return json_number(s);
    }
}

/* 1 when p[0..n) is exactly one JSON text. */
static int is_one_json_text(const uint8_t *p, size_t n)
{
    struct json_scan s = {p, p + n};

    if (json_value(&s, 0) < 0)
        return 0;
    json_ws(&s);
    return s.p == s.end;
}

/* The write function of f->dumpf: into the current run's out. Always "writes" everything, so
 * the FILE never sees an error; a failed append is remembered in dump_oom. */
static ssize_t dump_write(void *cookie, const char *p, size_t n)
{
    struct jqfilter *f = cookie;

    if (f->dump_to != NULL && buf_append(f->dump_to, p, n) < 0)
        f->dump_oom = 1;
    return (ssize_t)n;
}

/* Results are dumped with jv_dumpf() into a FILE whose bytes go to out, as jq(1) writes to
 * stdout: faster than building each result as a jv string first. */
static FILE *dump_file(struct jqfilter *f)
{
    if (f->dumpf == NULL) {
        cookie_io_functions_t io = {.write = dump_write};
        f->dumpf = fopencookie(f, "w", io);
    }
    return f->dumpf;
}

int jqfilter_run(struct jqfilter *f, const uint8_t *data, size_t len, struct buf *out, char *err,
                 size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (f->jq == NULL && compile(f, err, errlen) < 0)
        return JQF_ERROR; /* could not build the state again after a halt */
    if (len >= INT_MAX)
        return JQF_NOT_JSON; /* jv_parse_sized() takes an int */
    if (len > 0 && memchr(data, '\0', len) != NULL)
        return JQF_NOT_JSON; /* JSON has no raw NUL, and jq 1.6's parser stops reading at one */
    if (!is_one_json_text(data, len))
        return JQF_NOT_JSON; /* and libjq's parser never sees a malformed text */
    if (len + 1 > f->scratch_cap) {
        char *p = realloc(f->scratch, len + 1);
        if (p == NULL) {
            if (err != NULL && errlen > 0)
                snprintf(err, errlen, "out of memory");
            return JQF_ERROR;
        }
        f->scratch = p;
        f->scratch_cap = len + 1;
    }
    if (len > 0)
        memcpy(f->scratch, data, len);
    f->scratch[len] = '\0';

    jv in = jv_parse_sized(f->scratch, (int)len);
    if (!jv_is_valid(in)) {
        jv_free(in);
        return JQF_NOT_JSON;
    }

    size_t out0 = out != NULL ? out->len : 0;
    int result = JQF_DROP, oom = 0;
    FILE *dumpf = NULL;
    if (out != NULL) {
        if ((dumpf = dump_file(f)) == NULL) {
            jv_free(in);
            if (err != NULL && errlen > 0)
                snprintf(err, errlen, "out of memory");
            return JQF_ERROR;
        }
        f->dump_to = out;
        f->dump_oom = 0;
    }
    jq_start(f->jq, in, 0); /* consumes in */
    for (;;) {
        jv v = jq_next(f->jq);
        if (!jv_is_valid(v)) {
            if (jv_invalid_has_msg(jv_copy(v))) {
                msg_text(jv_invalid_get_msg(v), err, errlen); /* consumes v */
                result = JQF_ERROR;
            } else {
                jv_free(v);
            }
            break;
        }
        jv_kind k = jv_get_kind(v);
        if (k != JV_KIND_FALSE && k != JV_KIND_NULL)
            result = JQF_KEEP;
        /* No stop at the first true result: libjq 1.6 asserts (aborts) when jq_start() resets
         * a run left inside a path expression (`..`, `paths`, `.[]?`), so every run is drained,
         * as jq(1) does. */
        if (dumpf == NULL) {
            jv_free(v);
        } else {
            jv_dumpf(v, dumpf, 0); /* consumes v */
            putc('\n', dumpf);
        }
    }
    if (dumpf != NULL) {
        fflush(dumpf);
        f->dump_to = NULL;
        oom = f->dump_oom;
    }
    if (oom && result != JQF_ERROR) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "out of memory");
        result = JQF_ERROR;
    }
    if (jq_halted(f->jq)) {
        /* halt ends the results; halt_error with a non-zero code is an error */
        jv code = jq_get_exit_code(f->jq);
        if (jv_get_kind(code) == JV_KIND_NUMBER && jv_number_value(code) != 0) {
            result = JQF_ERROR;
            msg_text(jq_get_error_message(f->jq), err, errlen);
        }
        jv_free(code);
        jq_teardown(&f->jq); /* see the top of the file; compiled again on the next run */
    }
    if (result == JQF_ERROR && out != NULL)
        out->len = out0; /* an error drops the message: none of its results are written */
    return result;
}
