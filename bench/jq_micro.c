/*
 * jq_micro - jqfilter_run() alone over a file of messages, one per line: the cost of --jq
 * without the network. Kept lines (or, with -o, the program's results) go to stdout in 64 KiB
 * writes, as wsc's output would. bench/jq.sh builds it against build/libwsc.a and times it beside
 * `jq -c FILTER` on the same file.
 *
 *   jq_micro [-o] FILTER < lines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "jqfilter.h"

int main(int argc, char **argv)
{
    int output = argc > 2 && strcmp(argv[1], "-o") == 0;
    if (argc != 2 + output) {
        fprintf(stderr, "usage: jq_micro [-o] FILTER < lines\n");
        return 2;
    }
    char err[256];
    struct jqfilter *f = jqfilter_new(argv[1 + output], err, sizeof err);
    if (f == NULL) {
        fprintf(stderr, "jq_micro: %s\n", err);
        return 2;
    }
    struct buf out;
    buf_init(&out);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long kept = 0, notjson = 0, errors = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            n--;
        int r = jqfilter_run(f, (const uint8_t *)line, (size_t)n, output ? &out : NULL, NULL, 0);
        if (r == JQF_KEEP) {
            kept++;
            if (!output && (buf_append(&out, line, (size_t)n) < 0 || buf_append(&out, "\n", 1) < 0))
                return 1;
        } else if (r == JQF_NOT_JSON) {
            notjson++;
        } else if (r == JQF_ERROR) {
            errors++;
        }
        if (out.len >= 65536) {
            if (write(1, buf_head(&out), out.len) != (ssize_t)out.len)
                return 1;
            buf_clear(&out);
        }
    }
    if (out.len > 0 && write(1, buf_head(&out), out.len) != (ssize_t)out.len)
        return 1;
    fprintf(stderr, "jq_micro: %ld kept, %ld not JSON, %ld errors\n", kept, notjson, errors);
    buf_free(&out);
    free(line);
    jqfilter_free(f);
    return 0;
}
