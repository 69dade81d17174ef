/*
 * fuzz_writeout - --write-out's format parser and renderer (src/writeout.h).
 *
 * Input: the format, bytes as given (NUL bytes included). Properties: parsing never fails but
 * for memory; each warning names a variable without control bytes; rendering twice gives the
 * same bytes; the output is no longer than a bound computed from the input (every byte of the
 * format gives at most one byte of text, every "%{" at most one %{json}); "%{json}" alone is
 * one JSON object that starts with '{' and ends with '}'.
 */
#include "fuzz.h"

#include "buf.h"
#include "writeout.h"

static size_t warnings;

static void on_warn(void *ud, const char *name)
{
    (void)ud;
    warnings++;
    for (const char *p = name; *p; p++)
        FUZZ_REQUIRE((unsigned char)*p >= 0x20 && *p != 0x7f, "control byte in a warning");
    FUZZ_REQUIRE(strlen(name) < 64, "warning name not cut");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct writeout_values v = {
        .time_total = 1.25,
        .http_code = 101,
        .subprotocol = "chat\"\\",
        .close_reason = "bye\n\x01",
        .errormsg = "error \x7f",
        .url = "ws://h/",
        .messages_sent = 18446744073709551615ull,
        .num_redirects = -1,
    };
    warnings = 0;
    struct writeout *w = writeout_parse((const char *)data, size, on_warn, NULL);
    FUZZ_REQUIRE(w != NULL, "parse failed");
    FUZZ_REQUIRE(warnings <= size / 3, "%zu warnings for %zu bytes", warnings, size);

    struct buf o1, e1, o2, e2, json;
    buf_init(&o1);
    buf_init(&e1);
    buf_init(&o2);
    buf_init(&e2);
    buf_init(&json);
    FUZZ_REQUIRE(writeout_render(w, &v, &o1, &e1) == 0, "render");
    FUZZ_REQUIRE(writeout_render(w, &v, &o2, &e2) == 0, "render again");
    FUZZ_REQUIRE(o1.len == o2.len && e1.len == e2.len &&
                     (o1.len == 0 || memcmp(buf_head(&o1), buf_head(&o2), o1.len) == 0) &&
                     (e1.len == 0 || memcmp(buf_head(&e1), buf_head(&e2), e1.len) == 0),
                 "two renders differ");
    FUZZ_REQUIRE(writeout_json(&v, &json) == 0 && json.len > 2, "json");
    FUZZ_REQUIRE(buf_head(&json)[0] == '{' && buf_head(&json)[json.len - 1] == '}', "json shape");
    size_t vars = 0;
    for (size_t i = 0; i + 1 < size; i++)
        vars += data[i] == '%' && data[i + 1] == '{';
    FUZZ_REQUIRE(o1.len + e1.len <= size + vars * json.len, "output %zu for %zu bytes",
                 o1.len + e1.len, size);
    buf_free(&o1);
    buf_free(&e1);
    buf_free(&o2);
    buf_free(&e2);
    buf_free(&json);
    writeout_free(w);
    return 0;
}
