/*
 * log - stderr diagnostics; see log.h.
 */
#include "log.h"

#include <stdlib.h>

#include "url.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static int log_verbosity;
static bool log_comms;
static bool log_timestamps;
static void (*log_writer)(enum log_level, const char *);

void log_init(int verbosity, bool comms, bool timestamps)
{
    log_verbosity = verbosity;
    log_comms = comms;
    log_timestamps = timestamps;
}

void log_set_writer(void (*writer)(enum log_level level, const char *line))
{
    log_writer = writer;
}

bool log_enabled(enum log_level level)
{
    return level == LOG_ERROR || (int)level <= log_verbosity + 1;
}

bool log_comms_enabled(void)
{
    return log_comms;
}

char *log_time(char *buf, size_t n, bool iso)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    if (iso) {
        char date[32], zone[8];
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(zone, sizeof zone, "%z", &tm);
        /* RFC 3339 wants "+01:00", strftime gives "+0100". */
        snprintf(buf, n, "%s.%03ld%.3s:%.2s", date, (long)tv.tv_usec / 1000, zone, zone + 3);
    } else {
        char hms[16];
        strftime(hms, sizeof hms, "%H:%M:%S", &tm);
        snprintf(buf, n, "%s.%03ld", hms, (long)tv.tv_usec / 1000);
    }
    return buf;
}

static void emit(enum log_level level, const char *text)
{
    char line[4096];
    if (level == LOG_ERROR && log_timestamps) {
        char ts[32];
        snprintf(line, sizeof line, "[%s] wsc: %s", log_time(ts, sizeof ts, false), text);
    } else if (level == LOG_ERROR) {
        snprintf(line, sizeof line, "wsc: %s", text);
    } else if (log_timestamps || log_verbosity >= 1) {
        char ts[32];
        snprintf(line, sizeof line, "[%s] %s", log_time(ts, sizeof ts, false), text);
    } else {
        snprintf(line, sizeof line, "%s", text);
    }
    if (log_writer) {
        log_writer(level, line);
        return;
    }
    /* One fprintf per line keeps lines whole when stderr is shared. */
    fprintf(stderr, "%s\n", line);
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
    char text[4096];
    vsnprintf(text, sizeof text, fmt, ap);
    emit(level, text);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_ERROR, fmt, ap);
    va_end(ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

bool log_header_is_secret(const char *name, size_t len)
{
    static const char *const secret[] = {"authorization", "proxy-authorization", "cookie",
                                         "set-cookie"};
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        if (strlen(secret[i]) == len && strncasecmp(name, secret[i], len) == 0)
            return true;
    return false;
}

/* Log a start line with the values of its query redacted (url_redact_query()); out of memory,
 * only its first word. */
static void log_start_line(const char *prefix, const char *p, size_t n)
{
    char *line = strndup(p, n);
    char *shown = NULL;
    if (line != NULL) {
        size_t need = url_redact_query(line, NULL, 0) + 1;
        if ((shown = malloc(need)) != NULL)
            url_redact_query(line, shown, need);
    }
    const char *sp = memchr(p, ' ', n);
    if (shown != NULL)
        log_msg(LOG_VERBOSE, "%s%s", prefix, shown);
    else
        log_msg(LOG_VERBOSE, "%s%.*s [...]", prefix, (int)(sp ? (size_t)(sp - p) : n), p);
    free(line);
    free(shown);
}

void log_http_head(const char *prefix, const char *head, size_t len)
{
    const char *p = head, *end = head + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the blank line that ends the head */
        const char *colon = memchr(p, ':', n);
        if (p == head)
            log_start_line(prefix, p, n); /* the request line: its query values redacted */
        else if (colon && log_header_is_secret(p, (size_t)(colon - p)))
            log_msg(LOG_VERBOSE, "%s%.*s: [redacted]", prefix, (int)(colon - p), p);
        else
            log_msg(LOG_VERBOSE, "%s%.*s", prefix, (int)n, p);
        p = nl ? nl + 1 : end;
    }
}

static const char *opcode_name(unsigned op)
{
    switch (op) {
    case WS_OP_CONT:
        return "CONT";
    case WS_OP_TEXT:
        return "TEXT";
    case WS_OP_BINARY:
        return "BINARY";
    case WS_OP_CLOSE:
        return "CLOSE";
    case WS_OP_PING:
        return "PING";
    case WS_OP_PONG:
        return "PONG";
    default:
        return "RESERVED";
    }
}

void log_frame(bool outgoing, const struct frame_header *h, const uint8_t *payload, size_t len)
{
    enum { PREVIEW = 32 };
    char hex[PREVIEW * 3 + 1], ascii[PREVIEW + 1];
    size_t n = len < PREVIEW ? len : PREVIEW;
    size_t hl = 0;
    for (size_t i = 0; i < n; i++) {
        hl += (size_t)snprintf(hex + hl, sizeof hex - hl, "%s%02x", i ? " " : "", payload[i]);
        ascii[i] = payload[i] >= 0x20 && payload[i] < 0x7f ? (char)payload[i] : '.';
    }
    hex[hl] = '\0';
    ascii[n] = '\0';
    char extra[64] = "";
    if (h->opcode == WS_OP_CLOSE && len >= 2)
        snprintf(extra, sizeof extra, " code=%u", (unsigned)payload[0] << 8 | payload[1]);
    char text[512];
    snprintf(text, sizeof text, "%s %s fin=%d rsv=%d mask=%d len=%llu%s%s%s%s%s%s",
             outgoing ? ">>" : "<<", opcode_name(h->opcode), h->fin, h->rsv, h->masked,
             (unsigned long long)h->len, extra, n ? " | " : "", hex, n ? " | " : "", ascii,
             len > n ? " ..." : "");
    emit(LOG_NOTE, text); /* --log-comms was asked for: shown even with -q */
}
