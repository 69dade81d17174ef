/*
 * output - stdout for received messages; see output.h.
 */
#include "output.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base64.h"
#include "frame.h"
#include "hex.h"

#define OUTPUT_FLUSH_AT  (64 * 1024) /* flush the buffer once it holds this much */
#define OUTPUT_DIRECT_AT (16 * 1024) /* larger messages skip the buffer (writev) */

static struct {
    int fd;
    struct buf buf;
    enum binary_format fmt;
    bool json;
    char sep;
    const char *match;
    size_t match_len;
} out = {.fd = 1};

void output_init(const struct options *o, int fd)
{
    out.fd = fd;
    buf_init(&out.buf);
    out.fmt = o->binary_format;
    out.json = o->json;
    out.sep = o->null_delim ? '\0' : '\n';
    out.match = o->match;
    out.match_len = o->match ? strlen(o->match) : 0;
}

void output_free(void)
{
    buf_free(&out.buf);
}

bool output_matches(const uint8_t *data, size_t len)
{
    if (out.match == NULL || out.match_len == 0)
        return true;
    return memmem(data, len, out.match, out.match_len) != NULL;
}

/* Write all iov, waiting on poll() if stdout is non-blocking. */
static int write_all(struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(out.fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd p = {.fd = out.fd, .events = POLLOUT};
                poll(&p, 1, -1);
                continue;
            }
            return -1;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int output_flush(void)
{
    if (out.buf.len == 0)
        return 0;
    struct iovec iov = {buf_head(&out.buf), out.buf.len};
    int rc = write_all(&iov, 1);
    buf_clear(&out.buf);
    return rc;
}

int output_json_string(struct buf *b, const uint8_t *data, size_t len)
{
    /* Worst case: every byte becomes \u00XX. */
    if (len > (SIZE_MAX - 2) / 6 || buf_reserve(b, len * 6 + 2) < 0)
        return -1;
    uint8_t *p = buf_tail(b), *start = p;
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *p++ = c;
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = (uint8_t)hex_digits[c >> 4];
            *p++ = (uint8_t)hex_digits[c & 15];
        }
    }
    *p++ = '"';
    buf_commit(b, (size_t)(p - start));
    return 0;
}

static int append_base64(struct buf *b, const uint8_t *data, size_t len)
{
    if (buf_reserve(b, base64_encoded_len(len) + 1) < 0)
        return -1;
    buf_commit(b, base64_encode(data, len, (char *)buf_tail(b)));
    return 0;
}

static int append_hex(struct buf *b, const uint8_t *data, size_t len)
{
    if (len > SIZE_MAX / 2 || buf_reserve(b, len * 2) < 0)
        return -1;
    uint8_t *p = buf_tail(b);
    for (size_t i = 0; i < len; i++) {
        p[2 * i] = (uint8_t)hex_digits[data[i] >> 4];
        p[2 * i + 1] = (uint8_t)hex_digits[data[i] & 15];
    }
    buf_commit(b, len * 2);
    return 0;
}

int output_format_json(struct buf *b, int opcode, const uint8_t *data, size_t len)
{
    static const char text[] = "{\"type\":\"text\",\"data\":";
    static const char binary[] = "{\"type\":\"binary\",\"data\":\"";
    if (opcode == WS_OP_TEXT) {
        if (buf_append(b, text, sizeof text - 1) < 0 || output_json_string(b, data, len) < 0 ||
            buf_append(b, "}", 1) < 0)
            return -1;
    } else {
        if (buf_append(b, binary, sizeof binary - 1) < 0 || append_base64(b, data, len) < 0 ||
            buf_append(b, "\"}", 2) < 0)
            return -1;
    }
    return 0;
}

int output_message(int opcode, const uint8_t *data, size_t len)
{
    if (!output_matches(data, len))
        return 0;
    int rc = 0;
    if (out.json) {
        rc = output_format_json(&out.buf, opcode, data, len);
        if (rc == 0)
            rc = buf_append(&out.buf, "\n", 1);
    } else if (opcode == WS_OP_TEXT || out.fmt == BINFMT_RAW) {
        bool sep = opcode == WS_OP_TEXT;
        if (len >= OUTPUT_DIRECT_AT) {
            /* Large: no copy into the buffer; flush what is before it, then writev. */
            if (output_flush() < 0)
                return -1;
            struct iovec iov[2] = {{(void *)data, len}, {&out.sep, 1}};
            return write_all(iov, sep ? 2 : 1) < 0 ? -1 : 1;
        }
        rc = buf_append(&out.buf, data, len);
        if (rc == 0 && sep)
            rc = buf_append(&out.buf, &out.sep, 1);
    } else if (out.fmt == BINFMT_HEX) {
        rc = append_hex(&out.buf, data, len);
        if (rc == 0)
            rc = buf_append(&out.buf, &out.sep, 1);
    } else {
        rc = append_base64(&out.buf, data, len);
        if (rc == 0)
            rc = buf_append(&out.buf, &out.sep, 1);
    }
    if (rc < 0) {
        errno = ENOMEM;
        return -1;
    }
    if (out.buf.len >= OUTPUT_FLUSH_AT && output_flush() < 0)
        return -1;
    return 1;
}

int output_line(const char *line, size_t len)
{
    if (buf_append(&out.buf, line, len) < 0 || buf_append(&out.buf, "\n", 1) < 0) {
        errno = ENOMEM;
        return -1;
    }
    if (out.buf.len >= OUTPUT_FLUSH_AT && output_flush() < 0)
        return -1;
    return 1;
}
