/*
 * fuzz_input - pipe-mode stdin records (src/input.h).
 *
 * Input: a config byte (bit 0: NUL-delimited, -0), a control length byte, that many control
 * bytes, then the stdin bytes. The stdin bytes go through a pipe in chunks whose sizes come from
 * the control bytes; after each chunk every complete record is taken, and the control byte also
 * says what the connection did next: nothing, wrote everything, wrote one more record's frame,
 * or broke (input_rewind()). Properties: the records come out exactly as a plain split of the
 * whole input says (terminator dropped, and with '\n' a '\r' before it; a last record without
 * terminator at end of input), in order, none lost, none split; after a rewind the records in
 * flight come again in order, and written records never do; at the end nothing is held.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <unistd.h>

#include "input.h"

struct rec {
    const uint8_t *p;
    size_t len;
};

/* The reference: split data[0..len) into records. Returns how many (at most len + 1). */
static size_t ref_split(const uint8_t *d, size_t len, char delim, struct rec *out)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        bool end = i == len;
        if (!end && d[i] != (uint8_t)delim)
            continue;
        if (end && i == start)
            break; /* nothing after the last terminator */
        size_t l = i - start;
        if (delim == '\n' && l > 0 && d[start + l - 1] == '\r')
            l--;
        out[n].p = d + start;
        out[n].len = l;
        n++;
        start = i + 1;
    }
    return n;
}

struct sim {
    struct input in;
    struct rec *want;
    size_t nwant;
    size_t nterm;  /* records with a terminator (the others only at end of input) */
    size_t next;   /* index of the record input_next() must give next */
    size_t done;   /* records written (dropped) */
    uint64_t *end; /* frame end of each record in flight */
    uint64_t pos;  /* stream position of the current connection */
};

static void take_records(struct sim *s)
{
    const uint8_t *rec;
    size_t len;
    while (input_next(&s->in, &rec, &len)) {
        FUZZ_REQUIRE(s->next < s->nwant, "record %zu beyond the %zu expected", s->next, s->nwant);
        FUZZ_REQUIRE(s->in.eof || s->next < s->nterm, "unterminated record before the end");
        const struct rec *w = &s->want[s->next];
        FUZZ_REQUIRE(len == w->len && (len == 0 || memcmp(rec, w->p, len) == 0),
                     "record %zu differs (%zu bytes, expected %zu)", s->next, len, w->len);
        s->pos += len + 6; /* a frame: header and payload */
        s->end[s->next++] = s->pos;
        FUZZ_REQUIRE(input_sent(&s->in, s->pos) == 0, "input_sent");
        FUZZ_REQUIRE(input_in_flight(&s->in) == s->next - s->done, "in flight");
    }
    FUZZ_REQUIRE(!input_ready(&s->in), "ready but input_next() gave nothing");
}

static void connection(struct sim *s, int what)
{
    switch (what) {
    case 1: /* everything written */
        input_written(&s->in, s->pos);
        s->done = s->next;
        break;
    case 2: /* one more record's frame written */
        if (s->done < s->next) {
            input_written(&s->in, s->end[s->done]);
            s->done++;
        }
        break;
    case 3: /* broken: records in flight are queued again, a new stream starts */
        input_rewind(&s->in);
        s->next = s->done;
        s->pos = 0;
        break;
    default:
        break;
    }
    FUZZ_REQUIRE(input_in_flight(&s->in) == s->next - s->done, "in flight after %d", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t cfg = fz_byte(&data, &size);
    size_t nctl = fz_byte(&data, &size) % 32;
    if (nctl > size)
        nctl = size;
    const uint8_t *ctl = data;
    data += nctl;
    size -= nctl;
    if (size > 60000)
        return 0; /* a chunk must fit in the pipe */

    struct sim s = {0};
    char delim = cfg & 1 ? '\0' : '\n';
    input_init(&s.in, delim);
    s.want = malloc((size + 1) * sizeof *s.want);
    s.end = malloc((size + 1) * sizeof *s.end);
    int fds[2];
    if (s.want == NULL || s.end == NULL || pipe(fds) < 0)
        abort();
    s.nwant = ref_split(data, size, delim, s.want);
    s.nterm = size && data[size - 1] != (uint8_t)delim && s.nwant ? s.nwant - 1 : s.nwant;

    size_t off = 0, k = 0;
    while (off < size) {
        uint8_t c = nctl ? ctl[k++ % nctl] : 0xFF;
        size_t chunk = (c & 0x3F) == 0x3F ? size - off : 1 + (c & 0x3F);
        if (chunk > size - off)
            chunk = size - off;
        FUZZ_REQUIRE(write(fds[1], data + off, chunk) == (ssize_t)chunk, "pipe write");
        FUZZ_REQUIRE(input_read(&s.in, fds[0]) == (long)chunk, "input_read");
        off += chunk;
        take_records(&s);
        connection(&s, c >> 6);
        take_records(&s);
    }
    close(fds[1]);
    FUZZ_REQUIRE(input_read(&s.in, fds[0]) == 0 && s.in.eof, "end of input");
    close(fds[0]);
    take_records(&s);
    /* Break once more, then resend and write everything: every record, and nothing left. */
    connection(&s, 3);
    take_records(&s);
    connection(&s, 1);
    FUZZ_REQUIRE(s.next == s.nwant, "%zu of %zu records", s.next, s.nwant);
    FUZZ_REQUIRE(input_queued(&s.in) == 0, "%zu bytes still held", input_queued(&s.in));
    input_free(&s.in);
    free(s.want);
    free(s.end);
    return 0;
}
