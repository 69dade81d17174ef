/*
 * fuzz_session - a whole server byte stream into a client session (src/session.h).
 *
 * Input: a config byte (bits 0-1 pick --max-message-size: none, 0..255, 1..65536 bytes; bits
 * 2-3 an action of ours at the cut offset: none, close 1000 "bye", send a text and a ping, close
 * without a code), a 16-bit cut offset, then the server's bytes. The stream is fed twice: in two
 * pieces around the cut (whole frames take the fast path) and one byte at a time, with the action
 * at the same byte. Properties:
 * - both feeds make the same callbacks and end in the same state with the same error;
 * - callbacks obey the contract: nothing after on_close or after the connection failed, text is
 *   valid UTF-8, no message over the limit, close codes and reasons valid;
 * - a failed feed means state SESSION_FAILED, and then input changes nothing;
 * - the output parses with the codec as valid masked client frames; apart from pongs it is exactly
 *   what a model says must be sent: our own frames, the echo of the server's close (1000 for one
 *   without a code) unless we sent a close first, and a close with 1002/1007/1009 when the
 *   session fails; nothing after a close but pongs for pings that came while ours was unanswered;
 * - pongs (§5.5.3: an unsent pong may be replaced by the answer to a newer ping): their payloads
 *   are the answered pings' payloads in order, some skipped, and the last answered ping is always
 *   answered. The byte-by-byte feed drains the output after every call, as a writer that keeps
 *   up would, so there every ping gets its own pong.
 */
#include "fuzz.h"

#include "session.h"
#include "utf8.h"

struct model {
    struct session *s;
    struct fz_log log;   /* callbacks and outcomes, compared between the two feeds */
    struct fz_log want;  /* frames but pongs that must be in the output: opcode, length, payload */
    struct fz_log pings; /* payloads of the pings answered (on_ping): u64 length, payload */
    size_t npings;
    struct buf wire; /* output drained so far (byte-by-byte feed) */
    bool drain;
    uint64_t max;
    bool ended;        /* on_close ran or the session failed: no more callbacks */
    bool close_queued; /* a close is in the output */
};

static void want_frame(struct model *m, uint8_t op, const void *p, size_t len)
{
    fz_log_add(&m->want, &op, 1);
    fz_log_u64(&m->want, len);
    fz_log_add(&m->want, p, len);
}

static void want_close(struct model *m, int code, const char *reason, size_t len)
{
    uint8_t payload[WS_MAX_CONTROL_PAYLOAD] = {(uint8_t)(code >> 8), (uint8_t)code};
    if (len > 123)
        len = 123;
    if (len)
        memcpy(payload + 2, reason, len);
    want_frame(m, WS_OP_CLOSE, payload, code ? 2 + len : 0);
    m->close_queued = true;
}

static void record(struct model *m, char tag, int n, const uint8_t *p, size_t len)
{
    fz_log_add(&m->log, &tag, 1);
    fz_log_u64(&m->log, (uint64_t)n);
    fz_log_u64(&m->log, len);
    fz_log_add(&m->log, p, len);
}

static void alive(struct model *m, const char *what)
{
    FUZZ_REQUIRE(!m->ended, "%s after the session ended", what);
}

static void on_message(void *ud, int opcode, uint8_t rsv, const uint8_t *data, size_t len)
{
    struct model *m = ud;
    FUZZ_REQUIRE(rsv == 0, "RSV bits %u with no extension", (unsigned)rsv);
    alive(m, "message");
    FUZZ_REQUIRE(data != NULL, "NULL message data");
    FUZZ_REQUIRE(opcode == WS_OP_TEXT || opcode == WS_OP_BINARY, "opcode %d", opcode);
    FUZZ_REQUIRE(opcode != WS_OP_TEXT || utf8_valid(data, len), "invalid UTF-8 delivered");
    FUZZ_REQUIRE(m->max == 0 || len <= m->max, "message of %zu over the limit", len);
    record(m, 'M', opcode, data, len);
}

static void on_ping(void *ud, const uint8_t *data, size_t len)
{
    struct model *m = ud;
    alive(m, "ping");
    FUZZ_REQUIRE(len <= WS_MAX_CONTROL_PAYLOAD, "ping of %zu", len);
    record(m, 'I', 0, data, len);
    fz_log_u64(&m->pings, len);
    fz_log_add(&m->pings, data, len);
    m->npings++;
}

static void on_pong(void *ud, const uint8_t *data, size_t len)
{
    struct model *m = ud;
    alive(m, "pong");
    record(m, 'O', 0, data, len);
}

static void on_close(void *ud, int code, const uint8_t *reason, size_t len)
{
    struct model *m = ud;
    alive(m, "close");
    FUZZ_REQUIRE(code == WS_CLOSE_NO_STATUS || session_close_code_receivable(code), "code %d",
                 code);
    FUZZ_REQUIRE(len <= 123 && utf8_valid(reason, len), "close reason");
    FUZZ_REQUIRE(session_state(m->s) == SESSION_CLOSED, "state %d in on_close",
                 (int)session_state(m->s));
    record(m, 'C', code, reason, len);
    if (!m->close_queued)
        want_close(m, code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : code, NULL, 0);
    m->ended = true;
}

static void on_frame(void *ud, enum session_dir dir, const struct frame_header *h,
                     const uint8_t *payload, size_t len)
{
    struct model *m = ud;
    FUZZ_REQUIRE(payload != NULL && h->len == len, "frame callback arguments");
    if (dir == SESSION_IN)
        alive(m, "incoming frame");
    /* Our close's reason is the error text, which may word the same failure differently
     * depending on where the input was cut: check_output() holds it to the model instead. */
    if (dir == SESSION_OUT && h->opcode == WS_OP_CLOSE)
        len = len < 2 ? len : 2;
    /* Pongs are not compared: the whole feed may replace one the byte-by-byte feed sent. */
    if (dir != SESSION_IN && h->opcode == WS_OP_PONG)
        return;
    FUZZ_REQUIRE(dir != SESSION_OUT_REPLACED, "replaced frame that is not a pong");
    record(m, dir == SESSION_IN ? 'F' : 'f', h->opcode | h->fin << 4, payload, len);
}

/* Our action at the cut offset (config bits 2-3). */
static void act(struct model *m, int action)
{
    int rc;
    switch (action) {
    case 1:
        if ((rc = session_close(m->s, 1000, "bye", 3)) == SESSION_OK)
            want_close(m, 1000, "bye", 3);
        break;
    case 2:
        if ((rc = session_send(m->s, WS_OP_TEXT, (const uint8_t *)"hi", 2)) == SESSION_OK)
            want_frame(m, WS_OP_TEXT, "hi", 2);
        if (rc == SESSION_OK && (rc = session_ping(m->s, (const uint8_t *)"p", 1)) == SESSION_OK)
            want_frame(m, WS_OP_PING, "p", 1);
        break;
    case 3:
        if ((rc = session_close(m->s, 0, NULL, 0)) == SESSION_OK)
            want_close(m, 0, NULL, 0);
        break;
    default:
        return;
    }
    FUZZ_REQUIRE(rc == SESSION_OK ||
                     (rc == SESSION_ERR_STATE && session_state(m->s) != SESSION_OPEN),
                 "action %d: %d in state %d", action, rc, (int)session_state(m->s));
    record(m, 'A', rc, NULL, 0);
}

static int close_code_for(int err)
{
    switch (err) {
    case SESSION_ERR_PROTOCOL:
        return WS_CLOSE_PROTOCOL_ERROR;
    case SESSION_ERR_UTF8:
        return WS_CLOSE_INVALID_PAYLOAD;
    case SESSION_ERR_TOO_BIG:
        return WS_CLOSE_MESSAGE_TOO_BIG;
    default:
        return WS_CLOSE_INTERNAL_ERROR;
    }
}

/* A writer that keeps up: everything queued leaves before the next input. */
static void drain(struct model *m)
{
    struct buf *out = session_output(m->s);
    if (!m->drain || out->len == 0)
        return;
    if (buf_append(&m->wire, buf_head(out), out->len) < 0)
        abort();
    buf_consume(out, out->len);
}

static void feed(struct model *m, const uint8_t *p, size_t len)
{
    size_t before = session_output(m->s)->len;
    bool was_ended = m->ended || session_state(m->s) == SESSION_FAILED;
    int rc = session_feed(m->s, p, len);
    enum session_state st = session_state(m->s);
    if (was_ended) {
        FUZZ_REQUIRE(session_output(m->s)->len == before, "output after the end");
        return;
    }
    drain(m);
    FUZZ_REQUIRE((rc < 0) == (st == SESSION_FAILED), "feed returned %d in state %d", rc, (int)st);
    if (rc < 0) {
        const char *why = session_error_text(m->s);
        FUZZ_REQUIRE(*why != '\0', "no error text");
        record(m, 'X', rc, NULL, 0);
        if (!m->close_queued)
            want_close(m, close_code_for(rc), why, strlen(why));
        m->ended = true;
    }
}

/* Next (u64 length, payload) item of a log at *off; false at its end. */
static bool log_item(const struct fz_log *l, size_t *off, const uint8_t **p, uint64_t *len)
{
    if (*off >= l->len)
        return false;
    memcpy(len, l->p + *off, sizeof *len);
    *p = l->p + *off + sizeof *len;
    *off += sizeof *len + (size_t)*len;
    return true;
}

struct item {
    const uint8_t *p;
    uint64_t len;
};

/* Split a log of (u64 length, payload) items; the caller frees the array. */
static struct item *log_items(const struct fz_log *l, size_t *n)
{
    size_t off = 0, cap = 8;
    struct item *v = malloc(cap * sizeof *v);
    *n = 0;
    while (v != NULL && log_item(l, &off, &v[*n].p, &v[*n].len))
        if (++*n == cap && (v = realloc(v, (cap *= 2) * sizeof *v)) == NULL)
            abort();
    if (v == NULL)
        abort();
    return v;
}

/* The pongs are the pings in order with some left out, and the last ping is answered last.
 * Matched from the end, so that equal payloads pair with the latest ping. */
static bool fz_subsequence_ends_same(const struct fz_log *pongs, const struct fz_log *pings)
{
    size_t np, ni;
    struct item *po = log_items(pongs, &np), *pi = log_items(pings, &ni);
    bool ok = ni == 0 ? np == 0 : np > 0;
    size_t j = ni;
    for (size_t i = np; ok && i-- > 0;) {
        bool last = i == np - 1;
        do {
            if (j == 0) {
                ok = false;
                break;
            }
            j--;
        } while (!last && !(po[i].len == pi[j].len && memcmp(po[i].p, pi[j].p, po[i].len) == 0));
        if (ok && !(po[i].len == pi[j].len && memcmp(po[i].p, pi[j].p, po[i].len) == 0))
            ok = false;
    }
    free(po);
    free(pi);
    return ok;
}

/* The output (what was drained, then what is still queued) must be the model's frames, each
 * masked, FIN set, no RSV bits; its pongs answer the pings as the header comment says. */
static void check_output(struct model *m)
{
    struct buf *out = session_output(m->s);
    if (out->len && buf_append(&m->wire, buf_head(out), out->len) < 0)
        abort();
    size_t len = m->wire.len;
    const uint8_t *p = len ? buf_head(&m->wire) : NULL;
    struct frame_parser fp;
    struct fz_log got = {0}, pongs = {0};
    size_t npongs = 0;
    bool closed = false;
    frame_parser_init(&fp, true, 0);
    while (len > 0) {
        struct frame_event ev;
        long n = frame_parse_whole(&fp, p, len, &ev);
        FUZZ_REQUIRE(n > 0, "output is not whole valid frames (%ld: %s)", n,
                     frame_strerror((int)n));
        FUZZ_REQUIRE(ev.hdr.fin && ev.hdr.rsv == 0 && ev.hdr.masked, "output frame header");
        /* After our close only pongs may follow (answers to pings while we wait, §5.5.2). */
        FUZZ_REQUIRE(!closed || ev.hdr.opcode == WS_OP_PONG, "opcode %u after our close",
                     (unsigned)ev.hdr.opcode);
        closed |= ev.hdr.opcode == WS_OP_CLOSE;
        uint8_t *payload = malloc(ev.len + 1);
        if (payload == NULL)
            abort();
        frame_mask(payload, ev.data, ev.len, ev.hdr.mask, 0);
        if (ev.hdr.opcode == WS_OP_PONG) {
            fz_log_u64(&pongs, ev.len);
            fz_log_add(&pongs, payload, ev.len);
            npongs++;
        } else {
            fz_log_add(&got, &ev.hdr.opcode, 1);
            fz_log_u64(&got, ev.len);
            fz_log_add(&got, payload, ev.len);
        }
        free(payload);
        p += n;
        len -= (size_t)n;
    }
    FUZZ_REQUIRE(fz_log_equal(&got, &m->want), "output differs from the model (%zu vs %zu bytes)",
                 got.len, m->want.len);
    if (m->drain)
        FUZZ_REQUIRE(npongs == m->npings && fz_log_equal(&pongs, &m->pings),
                     "drained output: %zu pongs for %zu pings", npongs, m->npings);
    else
        FUZZ_REQUIRE(fz_subsequence_ends_same(&pongs, &m->pings),
                     "pongs are not the pings in order ending with the last (%zu for %zu)", npongs,
                     m->npings);
    fz_log_free(&got);
    fz_log_free(&pongs);
}

static void run(struct model *m, uint64_t max, const uint8_t *p, size_t len, size_t cut, int action,
                bool bytewise)
{
    memset(m, 0, sizeof *m);
    m->max = max;
    m->drain = bytewise;
    buf_init(&m->wire);
    struct session_config cfg = {
        .max_message_size = max,
        .cb = {on_message, on_ping, on_pong, on_close, on_frame},
        .ud = m,
    };
    m->s = session_new(&cfg);
    if (m->s == NULL)
        abort();
    if (bytewise) {
        for (size_t i = 0; i <= len; i++) {
            if (i == cut) {
                act(m, action);
                drain(m);
            }
            if (i < len)
                feed(m, p + i, 1);
        }
    } else {
        feed(m, p, cut);
        act(m, action);
        feed(m, p + cut, len - cut);
    }
    record(m, 'S', (int)session_state(m->s), NULL, 0);
    record(m, 'R', session_close_code_received(m->s), NULL, 0);
    check_output(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t cfg = fz_byte(&data, &size);
    size_t cut = fz_u16(&data, &size) % (size + 1);
    uint64_t max = 0;
    if ((cfg & 3) == 1)
        max = cfg >> 4 | (uint64_t)(cut & 0xF) << 4;
    else if ((cfg & 3) == 2)
        max = 1 + (uint64_t)(cfg >> 4) * 4096;

    struct model a, b;
    run(&a, max, data, size, cut, (cfg >> 2) & 3, false);
    run(&b, max, data, size, cut, (cfg >> 2) & 3, true);
    FUZZ_REQUIRE(fz_log_equal(&a.log, &b.log), "cut at %zu and byte by byte differ", cut);
    session_free(a.s);
    session_free(b.s);
    struct model *ms[] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        fz_log_free(&ms[i]->log);
        fz_log_free(&ms[i]->want);
        fz_log_free(&ms[i]->pings);
        buf_free(&ms[i]->wire);
    }
    return 0;
}
