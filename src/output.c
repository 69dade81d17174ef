/*
 * output - stdout for received messages; see output.h.
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base64.h"
#include "frame.h"
#include "hex.h"

#define OUTPUT_FLUSH_AT  (64 * 1024)   /* write the buffer once it holds this much */
#define OUTPUT_DIRECT_AT (16 * 1024)   /* larger messages skip the buffer (writev) */
#define OUTPUT_KEEP_CAP  (1024 * 1024) /* an emptied buffer larger than this is released */
#define OUTPUT_PIPE_SIZE (1024 * 1024) /* ask for a pipe this large (Linux's default maximum) */

static struct {
    int fd;         /* what we write: stdout, or our own non-blocking opening of it */
    int given_fd;   /* the descriptor output_init() was given */
    int given_fl;   /* its file status flags, when we had to set O_NONBLOCK on it; else -1 */
    bool sock;      /* fd is a socket: sendmsg() with MSG_DONTWAIT */
    bool blocked;   /* stdout refused some of buf: wait for POLLOUT */
    int err;        /* the first write error (errno), sticky; 0 = none */
    struct buf buf; /* formatted bytes not yet taken by the fd, in order */
    enum binary_format fmt;
    bool json;
    char sep;
    struct match *match; /* NULL: every message is written (output_match_setup()) */
    struct buf jqout;    /* --jq-output: the program's results for the message at hand */
} out = {.fd = 1, .given_fd = 1, .given_fl = -1};

static int reopen_proc(int fd, int flags)
{
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return open(path, flags);
}

int (*output_reopen)(int fd, int flags) = reopen_proc;

/*
 * A descriptor for the same file whose writes never wait. Terminals and pipes (FIFOs) are opened
 * again through /proc/self/fd with O_NONBLOCK: a new open file description, so the flags of the
 * one we share with the shell and the other commands of a pipeline stay as they are (setting
 * O_NONBLOCK there would leak to them, and stay set if wsc were killed). Sockets get
 * MSG_DONTWAIT per write instead. Regular files never make a write wait, nor does /dev/null;
 * other character devices are left alone (opening a serial port again would toggle its lines).
 * When a pipe cannot be opened again (no /proc, a chroot, not Linux; a pipe whose reader is gone,
 * which the first write reports as EPIPE), O_NONBLOCK is set on the descriptor itself and its
 * flags are put back by output_free() or output_restore(): the write end of a pipe is normally
 * wsc's alone. A terminal that cannot be opened again is used as it is.
 */
static void open_nonblocking(int fd)
{
    struct stat st;
    out.fd = out.given_fd = fd;
    out.given_fl = -1;
    out.sock = false;
    if (fd < 0 || fstat(fd, &st) < 0)
        return;
    if (S_ISSOCK(st.st_mode)) {
        out.sock = true;
        return;
    }
    bool fifo = S_ISFIFO(st.st_mode);
    if (!fifo && !isatty(fd))
        return;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK))
        return;
    int nfd = output_reopen(fd, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (fl & O_APPEND));
    if (nfd >= 0)
        out.fd = nfd;
    else if (fifo && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
        out.given_fl = fl;
    /* A larger pipe takes a large message whole while the reader keeps up, so it need not wait
     * in our memory, and fewer wakes move the same bytes (best effort: the system may refuse). */
    if (fifo) {
        int size = fcntl(out.fd, F_GETPIPE_SZ);
        if (size > 0 && size < OUTPUT_PIPE_SIZE)
            fcntl(out.fd, F_SETPIPE_SZ, OUTPUT_PIPE_SIZE);
    }
}

void output_restore(void)
{
    /* Only fcntl(): safe in a signal handler. */
    if (out.given_fl >= 0 && fcntl(out.given_fd, F_SETFL, out.given_fl) == 0)
        out.given_fl = -1;
}

void output_init(const struct options *o, int fd)
{
    open_nonblocking(fd);
    out.err = 0;
    buf_init(&out.buf);
    out.fmt = o->binary_format;
    out.json = o->json;
    out.sep = o->null_delim ? '\0' : '\n';
    buf_init(&out.jqout);
}

int output_match_setup(const struct options *o, char *err, size_t errlen)
{
    struct match_spec spec = {.substr = o->match,
                              .regex = o->match_regex,
                              .jq = o->jq,
                              .icase = o->ignore_case,
                              .jq_output = o->jq_output};
    match_free(out.match);
    out.match = NULL;
    buf_init(&out.jqout);
    return match_new(&spec, &out.match, err, errlen);
}

struct match *output_match(void)
{
    return out.match;
}

void output_free(void)
{
    buf_free(&out.buf);
    buf_free(&out.jqout);
    match_free(out.match);
    out.match = NULL;
    output_restore();
    if (out.fd != out.given_fd && out.fd >= 0)
        close(out.fd);
    out.fd = out.given_fd;
}

int output_matches(int opcode, const uint8_t *data, size_t len)
{
    if (out.match == NULL)
        return MATCH_KEEP;
    buf_clear(&out.jqout);
    return match_test(out.match, opcode, data, len, &out.jqout);
}

int output_fd(void)
{
    return out.fd;
}

size_t output_pending(void)
{
    return out.buf.len;
}

bool output_over(void)
{
    /* Only what stdout refused counts: a message that does not fit waits in memory, and the
     * next one should not join it. POLLOUT says when stdout takes more. */
    return out.err == 0 && out.blocked && out.buf.len > 0;
}

/* One write of iov without waiting. Returns bytes taken (0 when the fd is full) or -1 (out.err
 * set, and errno). */
static ssize_t write_some(const struct iovec *iov, int n)
{
    for (;;) {
        ssize_t w;
        if (out.sock) {
            struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
            w = sendmsg(out.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            w = writev(out.fd, iov, n);
        }
        if (w >= 0)
            return w;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            out.blocked = true;
            return 0;
        }
        out.err = errno;
        return -1;
    }
}

static int failed(void)
{
    errno = out.err;
    return -1;
}

int output_flush(void)
{
    if (out.err)
        return failed();
    while (out.buf.len > 0) {
        struct iovec iov = {buf_head(&out.buf), out.buf.len};
        ssize_t w = write_some(&iov, 1);
        if (w < 0) {
            buf_free(&out.buf);
            return failed();
        }
        if (w == 0)
            return 0; /* full: the loop waits for POLLOUT */
        buf_consume(&out.buf, (size_t)w);
    }
    out.blocked = false;
    if (out.buf.cap > OUTPUT_KEEP_CAP)
        buf_free(&out.buf); /* a stall made it large: give the memory back */
    return 0;
}

/* Write a large message (and its separator) straight from the caller's memory when nothing is
 * waiting before it; whatever the fd does not take now is kept, in order. */
static int write_direct(const uint8_t *data, size_t len, bool sep)
{
    if (out.buf.len > 0 && output_flush() < 0)
        return -1;
    struct iovec iov[2] = {{(void *)data, len}, {&out.sep, 1}};
    size_t total = len + (sep ? 1 : 0), done = 0;
    if (out.buf.len == 0) {
        ssize_t w = write_some(iov, sep ? 2 : 1);
        if (w < 0)
            return -1;
        done = (size_t)w;
    }
    if (done < total)
        out.blocked = true; /* stdout took only part: the rest waits for POLLOUT */
    if (done < len && buf_append(&out.buf, data + done, len - done) < 0)
        return -2;
    if (sep && done < total && buf_append(&out.buf, &out.sep, 1) < 0)
        return -2;
    return 0;
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
    if (out.match && output_matches(opcode, data, len) != MATCH_KEEP)
        return 0;
    if (out.err)
        return failed();
    int rc = 0;
    if (match_jq_output(out.match)) {
        rc = buf_append(&out.buf, buf_head(&out.jqout), out.jqout.len);
    } else if (out.json) {
        rc = output_format_json(&out.buf, opcode, data, len);
        if (rc == 0)
            rc = buf_append(&out.buf, "\n", 1);
    } else if (opcode == WS_OP_TEXT || out.fmt == BINFMT_RAW) {
        bool sep = opcode == WS_OP_TEXT;
        if (len >= OUTPUT_DIRECT_AT) {
            /* Large: no copy into the buffer unless the fd is full. */
            rc = write_direct(data, len, sep);
            if (rc == -1)
                return -1;
            if (rc == 0)
                return 1;
        } else {
            rc = buf_append(&out.buf, data, len);
            if (rc == 0 && sep)
                rc = buf_append(&out.buf, &out.sep, 1);
        }
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
    if (out.err)
        return failed();
    if (buf_append(&out.buf, line, len) < 0 || buf_append(&out.buf, "\n", 1) < 0) {
        errno = ENOMEM;
        return -1;
    }
    if (out.buf.len >= OUTPUT_FLUSH_AT && output_flush() < 0)
        return -1;
    return 1;
}
