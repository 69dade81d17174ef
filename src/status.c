/*
 * status - status variables and terminal-safe escaping; see status.h.
 */
#include "status.h"

#include <stdio.h>
#include <string.h>

void status_init(struct status *s)
{
    memset(s, 0, sizeof *s);
    s->state = "disconnected";
    s->rtt_ms = -1;
    clock_gettime(CLOCK_REALTIME, &s->state_since);
    s->now = s->state_since;
}

void status_tick(struct status *s)
{
    clock_gettime(CLOCK_REALTIME, &s->now);
}

void status_set_state(struct status *s, const char *state)
{
    s->state = state;
    clock_gettime(CLOCK_REALTIME, &s->state_since);
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if p does not start one. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    /* C1 controls (U+0080..U+009F) act as terminal controls too. */
    if (len == 2 && cp < 0xa0)
        return 0;
    return len;
}

int status_escape(struct buf *out, const uint8_t *data, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    for (size_t i = 0; i < n;) {
        uint8_t c = data[i];
        size_t l = c >= 0x20 && c != 0x7f ? utf8_seq(data + i, n - i) : 0;
        if (l > 0) {
            if (buf_append(out, data + i, l) < 0)
                return -1;
            i += l;
            continue;
        }
        char esc[8];
        switch (c) {
        case '\n':
            strcpy(esc, "\\n");
            break;
        case '\r':
            strcpy(esc, "\\r");
            break;
        case '\t':
            strcpy(esc, "\\t");
            break;
        case 0x1b:
            strcpy(esc, "\\e");
            break;
        default:
            snprintf(esc, sizeof esc, "\\x%02x", c);
        }
        if (buf_append(out, esc, strlen(esc)) < 0)
            return -1;
        i++;
    }
    if (len > n && buf_append(out, "...", 3) < 0)
        return -1;
    return 0;
}

/* Hot path (every message): a bounded copy and counters, nothing else. */
static void record(struct status_msg *m, const struct timespec *now, bool binary,
                   const uint8_t *data, size_t len)
{
    m->set = true;
    m->binary = binary;
    m->len = len;
    m->kept = len < STATUS_PREVIEW ? len : STATUS_PREVIEW;
    if (m->kept)
        memcpy(m->head, data, m->kept);
    m->when = *now;
}

void status_sent(struct status *s, bool binary, const uint8_t *data, size_t len)
{
    s->msgs_out++;
    s->bytes_out += len;
    record(&s->sent, &s->now, binary, data, len);
}

void status_received(struct status *s, bool binary, const uint8_t *data, size_t len)
{
    s->msgs_in++;
    s->bytes_in += len;
    record(&s->received, &s->now, binary, data, len);
}

char *status_time(const struct timespec *ts, char *buf, size_t n)
{
    struct tm tm;
    char date[32], zone[8];
    localtime_r(&ts->tv_sec, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm);
    snprintf(buf, n, "%s.%03ld%.3s:%.2s", date, ts->tv_nsec / 1000000, zone, zone + 3);
    return buf;
}

static int appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static int appendf(struct buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    return buf_append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int format_msg(struct buf *b, const char *label, const struct status_msg *m)
{
    char ts[40];
    if (!m->set)
        return appendf(b, "%-18s -\n", label);
    if (appendf(b, "%-18s %s (%s, %zu bytes) ", label, status_time(&m->when, ts, sizeof ts),
                m->binary ? "binary" : "text", m->len) < 0)
        return -1;
    if (m->binary) {
        size_t n = m->kept < 32 ? m->kept : 32;
        for (size_t i = 0; i < n; i++)
            if (appendf(b, "%s%02x", i ? " " : "", m->head[i]) < 0)
                return -1;
        if (m->len > n && buf_append(b, " ...", 4) < 0)
            return -1;
    } else {
        size_t n = m->kept < 120 ? m->kept : 120;
        /* Cut at a character boundary: the kept bytes may end inside one. */
        while (n > 0 && n < m->kept && (m->head[n] & 0xc0) == 0x80)
            n--;
        if (status_escape(b, m->head, n, n) < 0 || (m->len > n && buf_append(b, "...", 3) < 0))
            return -1;
    }
    return buf_append(b, "\n", 1);
}

int status_format(const struct status *s, struct buf *out)
{
    char ts[40];
    int rc = 0;
    rc |= appendf(out, "%-18s %s since %s\n", "connection", s->state,
                  status_time(&s->state_since, ts, sizeof ts));
    if (*s->peer)
        rc |= appendf(out, "%-18s %s\n", "address", s->peer);
    rc |= appendf(out, "%-18s %s\n", "subprotocol", *s->subprotocol ? s->subprotocol : "-");
    rc |= format_msg(out, "last sent", &s->sent);
    rc |= format_msg(out, "last received", &s->received);
    rc |= appendf(out, "%-18s %llu messages, %llu bytes\n", "sent", (unsigned long long)s->msgs_out,
                  (unsigned long long)s->bytes_out);
    rc |= appendf(out, "%-18s %llu messages, %llu bytes\n", "received",
                  (unsigned long long)s->msgs_in, (unsigned long long)s->bytes_in);
    if (s->rtt_ms >= 0)
        rc |= appendf(out, "%-18s %.3f ms", "last ping RTT", s->rtt_ms);
    else
        rc |= appendf(out, "%-18s -", "last ping RTT");
    return rc ? -1 : 0;
}
