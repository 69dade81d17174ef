/*
 * writeout - --write-out FORMAT (see writeout.h): the parser into pieces and the renderer.
 */
#include "writeout.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "status.h"

enum wo_kind { WO_STR, WO_DBL, WO_INT, WO_U64, WO_LONG };

enum wo_var {
    WO_TIME_NAMELOOKUP,
    WO_TIME_CONNECT,
    WO_TIME_APPCONNECT,
    WO_TIME_UPGRADE,
    WO_TIME_FIRST_MESSAGE,
    WO_TIME_TOTAL,
    WO_HTTP_CODE,
    WO_SUBPROTOCOL,
    WO_CLOSE_CODE,
    WO_CLOSE_REASON,
    WO_MESSAGES_SENT,
    WO_MESSAGES_RECEIVED,
    WO_MESSAGES_MATCHED,
    WO_BYTES_SENT,
    WO_BYTES_RECEIVED,
    WO_EXITCODE,
    WO_ERRORMSG,
    WO_PING_RTT,
    WO_URL,
    WO_NUM_REDIRECTS,
    WO_NVALUES, /* the values above are %{json}'s members, in this order */
    WO_JSON = WO_NVALUES,
    WO_STDOUT,
    WO_STDERR,
    WO_NVARS
};

#define V(f) offsetof(struct writeout_values, f)
static const struct {
    const char *name;
    enum wo_kind kind;
    size_t off;
} wo_vars[WO_NVARS] = {
    [WO_TIME_NAMELOOKUP] = {"time_namelookup", WO_DBL, V(time_namelookup)},
    [WO_TIME_CONNECT] = {"time_connect", WO_DBL, V(time_connect)},
    [WO_TIME_APPCONNECT] = {"time_appconnect", WO_DBL, V(time_appconnect)},
    [WO_TIME_UPGRADE] = {"time_upgrade", WO_DBL, V(time_upgrade)},
    [WO_TIME_FIRST_MESSAGE] = {"time_first_message", WO_DBL, V(time_first_message)},
    [WO_TIME_TOTAL] = {"time_total", WO_DBL, V(time_total)},
    [WO_HTTP_CODE] = {"http_code", WO_INT, V(http_code)},
    [WO_SUBPROTOCOL] = {"subprotocol", WO_STR, V(subprotocol)},
    [WO_CLOSE_CODE] = {"close_code", WO_INT, V(close_code)},
    [WO_CLOSE_REASON] = {"close_reason", WO_STR, V(close_reason)},
    [WO_MESSAGES_SENT] = {"messages_sent", WO_U64, V(messages_sent)},
    [WO_MESSAGES_RECEIVED] = {"messages_received", WO_U64, V(messages_received)},
    [WO_MESSAGES_MATCHED] = {"messages_matched", WO_U64, V(messages_matched)},
    [WO_BYTES_SENT] = {"bytes_sent", WO_U64, V(bytes_sent)},
    [WO_BYTES_RECEIVED] = {"bytes_received", WO_U64, V(bytes_received)},
    [WO_EXITCODE] = {"exitcode", WO_INT, V(exitcode)},
    [WO_ERRORMSG] = {"errormsg", WO_STR, V(errormsg)},
    [WO_PING_RTT] = {"ping_rtt", WO_DBL, V(ping_rtt)},
    [WO_URL] = {"url", WO_STR, V(url)},
    [WO_NUM_REDIRECTS] = {"num_redirects", WO_LONG, V(num_redirects)},
    [WO_JSON] = {"json", WO_STR, 0},
    [WO_STDOUT] = {"stdout", WO_STR, 0},
    [WO_STDERR] = {"stderr", WO_STR, 0},
};
#undef V

/* A piece: literal text (var < 0: text[off..off+len) of the parsed copy) or a variable. */
struct wo_piece {
    int var;
    size_t off, len;
};

struct writeout {
    char *text; /* the literal bytes of all pieces, escapes resolved */
    size_t text_len;
    struct wo_piece *p;
    size_t n;
};

static int add_text(struct writeout *w, const char *s, size_t len)
{
    memcpy(w->text + w->text_len, s, len);
    if (w->n > 0 && w->p[w->n - 1].var < 0) {
        w->p[w->n - 1].len += len; /* extend the literal before */
    } else {
        w->p[w->n++] = (struct wo_piece){-1, w->text_len, len};
    }
    w->text_len += len;
    return 0;
}

static int lookup(const char *name, size_t len)
{
    for (int i = 0; i < WO_NVARS; i++)
        if (strlen(wo_vars[i].name) == len && memcmp(wo_vars[i].name, name, len) == 0)
            return i;
    return -1;
}

/* True when name is in list (NUL-terminated names one after another). */
static bool seen(const struct buf *list, const char *name)
{
    const char *p = (const char *)buf_head(list), *end = p + list->len;
    for (; p < end; p += strlen(p) + 1)
        if (strcmp(p, name) == 0)
            return true;
    return false;
}

struct writeout *writeout_parse(const char *fmt, size_t len,
                                void (*warn)(void *ud, const char *name), void *ud)
{
    struct writeout *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    /* Each input byte makes at most one piece and one text byte. */
    w->text = malloc(len + 1);
    w->p = malloc((len + 1) * sizeof *w->p);
    if (w->text == NULL || w->p == NULL) {
        writeout_free(w);
        return NULL;
    }
    struct buf warned; /* the unknown names already reported, each followed by a NUL */
    buf_init(&warned);
    size_t i = 0;
    while (i < len) {
        char ch = fmt[i];
        if (ch == '%' && i + 1 < len && fmt[i + 1] == '%') {
            add_text(w, "%", 1);
            i += 2;
        } else if (ch == '%' && i + 1 < len && fmt[i + 1] == '{') {
            const char *end = memchr(fmt + i + 2, '}', len - i - 2);
            if (end == NULL) { /* no '}': the rest is text, as curl */
                add_text(w, fmt + i, len - i);
                break;
            }
            const char *name = fmt + i + 2;
            size_t nlen = (size_t)(end - name);
            int v = lookup(name, nlen);
            if (v >= 0) {
                w->p[w->n++] = (struct wo_piece){v, 0, 0};
            } else if (warn != NULL) {
                char shown[64];
                size_t k = nlen < sizeof shown - 1 ? nlen : sizeof shown - 1;
                memcpy(shown, name, k);
                shown[k] = '\0';
                for (size_t j = 0; j < k; j++) /* one line: no control bytes */
                    if ((unsigned char)shown[j] < 0x20 || shown[j] == 0x7f)
                        shown[j] = '?';
                if (!seen(&warned, shown)) {
                    buf_append(&warned, shown, k + 1); /* if out of memory: warned again */
                    warn(ud, shown);
                }
            }
            i = (size_t)(end - fmt) + 1;
        } else if (ch == '\\' && i + 1 < len && strchr("ntr\\", fmt[i + 1]) && fmt[i + 1]) {
            char e = fmt[i + 1];
            add_text(w, e == 'n' ? "\n" : e == 't' ? "\t" : e == 'r' ? "\r" : "\\", 1);
            i += 2;
        } else {
            add_text(w, fmt + i, 1);
            i++;
        }
    }
    buf_free(&warned);
    return w;
}

void writeout_free(struct writeout *w)
{
    if (w == NULL)
        return;
    free(w->text);
    free(w->p);
    free(w);
}

static int append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

static int append_value(struct buf *b, const struct writeout_values *v, int var, int json)
{
    const void *f = (const char *)v + wo_vars[var].off;
    char num[48];
    switch (wo_vars[var].kind) {
    case WO_STR: {
        const char *s = *(const char *const *)f;
        if (s == NULL)
            s = "";
        /* Outside JSON, control bytes escaped: the close reason and the subprotocol are the
         * server's text, and should not put ESC or line breaks into a terminal or a log. */
        return json ? output_json_string(b, (const uint8_t *)s, strlen(s))
                    : status_escape(b, (const uint8_t *)s, strlen(s), strlen(s));
    }
    case WO_DBL: {
        double d = *(const double *)f;
        if (!(d >= 0) || d > 1e12) /* not a time: NaN, negative or absurd */
            d = 0;
        snprintf(num, sizeof num, "%.6f", d);
        break;
    }
    case WO_INT:
        snprintf(num, sizeof num, "%d", *(const int *)f);
        break;
    case WO_U64:
        snprintf(num, sizeof num, "%" PRIu64, *(const uint64_t *)f);
        break;
    case WO_LONG:
        snprintf(num, sizeof num, "%ld", *(const long *)f);
        break;
    }
    return append_str(b, num);
}

int writeout_json(const struct writeout_values *v, struct buf *b)
{
    int rc = buf_append(b, "{", 1);
    for (int i = 0; i < WO_NVALUES && rc == 0; i++) {
        rc |= i > 0 ? buf_append(b, ",", 1) : 0;
        rc |= buf_append(b, "\"", 1);
        rc |= append_str(b, wo_vars[i].name);
        rc |= buf_append(b, "\":", 2);
        rc |= append_value(b, v, i, 1);
    }
    rc |= buf_append(b, "}", 1);
    return rc == 0 ? 0 : -1;
}

int writeout_render(const struct writeout *w, const struct writeout_values *v, struct buf *out,
                    struct buf *err)
{
    struct buf *to = out;
    for (size_t i = 0; i < w->n; i++) {
        const struct wo_piece *p = &w->p[i];
        int rc = 0;
        if (p->var < 0)
            rc = buf_append(to, w->text + p->off, p->len);
        else if (p->var == WO_STDOUT)
            to = out;
        else if (p->var == WO_STDERR)
            to = err;
        else if (p->var == WO_JSON)
            rc = writeout_json(v, to);
        else
            rc = append_value(to, v, p->var, 0);
        if (rc < 0)
            return -1;
    }
    return 0;
}
