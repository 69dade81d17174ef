/*
 * match - the message filter chain: -m (substring, memmem; with -i an ASCII case-insensitive
 * search), -E (POSIX extended regex, regexec() with REG_STARTEND so NUL bytes are searched too),
 * --jq (jqfilter.h); see match.h.
 */
#include "match.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "jqfilter.h"

struct match {
    const char *substr;
    size_t substr_len;
    bool icase;
    bool has_regex;
    regex_t re;
    struct buf scratch; /* the message, NUL-terminated, for regexec() */
    struct jqfilter *jq;
    bool jq_output;
    struct match_counts n;
    char names[48];
    char why[256]; /* why --jq dropped the last message (match_why()), else "" */
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* memmem() ignoring ASCII case (other bytes compared as they are). */
static bool icase_contains(const uint8_t *h, size_t hlen, const uint8_t *n, size_t nlen)
{
    if (nlen > hlen)
        return false;
    int first = lower(n[0]);
    for (size_t i = 0; i + nlen <= hlen; i++) {
        if (lower(h[i]) != first)
            continue;
        size_t j = 1;
        while (j < nlen && lower(h[i + j]) == lower(n[j]))
            j++;
        if (j == nlen)
            return true;
    }
    return false;
}

static void add_name(struct match *m, const char *name)
{
    size_t used = strlen(m->names);
    snprintf(m->names + used, sizeof m->names - used, "%s%s", used ? "/" : "", name);
}

int match_new(const struct match_spec *spec, struct match **out, char *err, size_t errlen)
{
    *out = NULL;
    if (spec->jq_output && !spec->jq) {
        snprintf(err, errlen, "--jq-output needs --jq");
        return -1;
    }
    bool substr = spec->substr && *spec->substr;
    if (!substr && !spec->regex && !spec->jq)
        return 0;
    struct match *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    m->icase = spec->icase;
    buf_init(&m->scratch);
    if (substr) {
        m->substr = spec->substr;
        m->substr_len = strlen(spec->substr);
        add_name(m, "--match");
    }
    if (spec->regex) {
        int flags = REG_EXTENDED | REG_NOSUB | (spec->icase ? REG_ICASE : 0);
        int rc = regcomp(&m->re, spec->regex, flags);
        if (rc != 0) {
            char why[160];
            regerror(rc, &m->re, why, sizeof why);
            snprintf(err, errlen, "-E/--match-regex: bad regular expression '%s': %s", spec->regex,
                     why);
            free(m);
            return -1;
        }
        m->has_regex = true;
        add_name(m, "--match-regex");
    }
    if (spec->jq) {
        char why[256] = "";
        m->jq = jqfilter_new(spec->jq, why, sizeof why);
        if (m->jq == NULL) {
            snprintf(err, errlen, "--jq: %s", *why ? why : "out of memory");
            match_free(m);
            return -1;
        }
        m->jq_output = spec->jq_output;
        add_name(m, "--jq");
    }
    *out = m;
    return 0;
}

void match_free(struct match *m)
{
    if (m == NULL)
        return;
    if (m->has_regex)
        regfree(&m->re);
    buf_free(&m->scratch);
    jqfilter_free(m->jq);
    free(m);
}

/* The chain without counting: cheapest test first, jq last. */
static int chain(struct match *m, int opcode, const uint8_t *data, size_t len, struct buf *jqout)
{
    if (m->substr) {
        bool hit = m->icase ? icase_contains(data, len, (const uint8_t *)m->substr, m->substr_len)
                            : memmem(data, len, m->substr, m->substr_len) != NULL;
        if (!hit)
            return MATCH_DROP;
    }
    if (m->has_regex) {
        /* REG_STARTEND: the match runs over [rm_so, rm_eo), NUL bytes included, and the
         * message need not be NUL-terminated. */
        regmatch_t pm = {.rm_so = 0, .rm_eo = (regoff_t)len};
        /* ... and yet a NUL-terminated copy: sanitizer interceptors (and some libcs) run
         * strlen() on the string whatever the flags, which would read past a message. */
        buf_clear(&m->scratch);
        if (buf_append(&m->scratch, data, len) < 0 || buf_append(&m->scratch, "", 1) < 0)
            return MATCH_DROP;
        if (regexec(&m->re, (const char *)buf_head(&m->scratch), 1, &pm, REG_STARTEND) != 0)
            return MATCH_DROP;
    }
    if (m->jq) {
        if (opcode == WS_OP_BINARY) {
            snprintf(m->why, sizeof m->why, "binary, not JSON");
            return MATCH_NOT_JSON;
        }
        int rc = jqfilter_run(m->jq, data, len, m->jq_output ? jqout : NULL, m->why, sizeof m->why);
        if (rc == JQF_NOT_JSON) {
            snprintf(m->why, sizeof m->why, "not JSON");
            return MATCH_NOT_JSON;
        }
        if (rc == JQF_ERROR && m->why[0] == '\0')
            snprintf(m->why, sizeof m->why, "jq error");
        if (rc != JQF_KEEP)
            return MATCH_DROP;
    }
    return MATCH_KEEP;
}

int match_test(struct match *m, int opcode, const uint8_t *data, size_t len, struct buf *jqout)
{
    if (m == NULL)
        return MATCH_KEEP;
    m->n.received++;
    m->why[0] = '\0';
    int rc = chain(m, opcode, data, len, jqout);
    if (rc == MATCH_KEEP)
        m->n.matched++;
    else if (rc == MATCH_NOT_JSON)
        m->n.not_json++;
    return rc;
}

struct match_counts match_counts(const struct match *m)
{
    struct match_counts none = {0, 0, 0};
    return m ? m->n : none;
}

const char *match_why(const struct match *m)
{
    return m ? m->why : "";
}

bool match_jq_output(const struct match *m)
{
    return m && m->jq_output;
}

const char *match_names(const struct match *m)
{
    return m ? m->names : "";
}
