/*
 * floor: the lower bound for the benchmark. Connects to 127.0.0.1:PORT, sends
 * a hand-written WebSocket upgrade request (RFC 6455 §4.1), checks for a 101
 * status line, then reads every byte to EOF and discards it. No frame parsing,
 * no UTF-8 validation, no output of message data: only the cost of moving the
 * same bytes through the kernel.
 *
 * Usage: floor PORT PATH
 * Prints the number of bytes received after the response head on stdout.
 * Exit 0 on success, 1 on any error (message on stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FLOOR_BUF_SIZE (256 * 1024)

static char floor_buf[FLOOR_BUF_SIZE];

static int floor_fail(const char *what)
{
    fprintf(stderr, "floor: %s: %s\n", what, errno ? strerror(errno) : "unexpected data");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: floor PORT PATH\n");
        return 1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(argv[1]));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return floor_fail("socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return floor_fail("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\n"
                     "Host: 127.0.0.1:%s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "\r\n",
                     argv[2], argv[1]);
    if (n < 0 || (size_t)n >= sizeof req) {
        errno = 0;
        return floor_fail("request too long");
    }
    for (int off = 0; off < n;) {
        ssize_t w = write(fd, req + off, (size_t)(n - off));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return floor_fail("write");
        }
        off += (int)w;
    }

    /* Read the response head; whatever follows it is payload. */
    size_t have = 0;
    char *end = NULL;
    while (end == NULL) {
        if (have == FLOOR_BUF_SIZE) {
            errno = 0;
            return floor_fail("response head too long");
        }
        ssize_t r = read(fd, floor_buf + have, FLOOR_BUF_SIZE - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0;
            return floor_fail("reading the response");
        }
        have += (size_t)r;
        end = memmem(floor_buf, have, "\r\n\r\n", 4);
    }
    if (have < 12 || memcmp(floor_buf, "HTTP/1.1 101", 12) != 0) {
        errno = 0;
        return floor_fail("not a 101 response");
    }
    unsigned long long total = have - (size_t)(end + 4 - floor_buf);

    for (;;) {
        ssize_t r = read(fd, floor_buf, FLOOR_BUF_SIZE);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return floor_fail("read");
        }
        if (r == 0)
            break;
        total += (unsigned long long)r;
    }
    close(fd);
    printf("%llu\n", total);
    return 0;
}
