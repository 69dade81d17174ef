/*
 * fuzz_cmd - REPL command parsing (cmd_parse() in src/cmd.h).
 *
 * Input: one line (cut at the first NUL, as readline gives it). Properties: an error comes with
 * an explanation and nothing to free; a command's argument points into the line (or is a static
 * ""), with arg_len its length; plain text and "//text" are sent as written; a command is one of
 * a row of cmd_table (cmd_find); /close only gives sendable codes and reasons of at most 123 bytes;
 * /ping and /pong payloads fit a control frame; /binary HEX decodes to the hex digits written.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "cmd.h"
#include "session.h"

static bool known_name(const char *line)
{
    return cmd_find(line, strcspn(line, " \t")) != NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1), *orig = malloc(size + 1);
    if (line == NULL || orig == NULL)
        abort();
    memcpy(line, data, size);
    line[size] = '\0';
    size_t len = strlen(line);
    memcpy(orig, line, len + 1);

    struct cmd c;
    const char *why = NULL;
    int rc = cmd_parse(line, &c, &why);
    if (rc != 0) {
        FUZZ_REQUIRE(rc == -1 && why != NULL && *why != '\0', "error %d without explanation", rc);
        FUZZ_REQUIRE(c.data.cap == 0 && c.data.len == 0, "decoded bytes left after an error");
        goto out;
    }
    FUZZ_REQUIRE(c.arg != NULL && strlen(c.arg) == c.arg_len, "arg_len");
    FUZZ_REQUIRE(c.arg_len == 0 || (c.arg >= line && c.arg + c.arg_len <= line + len),
                 "arg outside the line");
    if (c.kind == CMD_NONE) {
        FUZZ_REQUIRE(len == 0, "empty command for a non-empty line");
        goto out;
    }
    if (c.kind == CMD_SEND) {
        const char *want = orig[0] == '/' ? orig + 1 : orig;
        FUZZ_REQUIRE(orig[0] != '/' || orig[1] == '/', "a command taken as text");
        FUZZ_REQUIRE(strcmp(c.arg, want) == 0, "text changed");
        goto out;
    }
    FUZZ_REQUIRE(orig[0] == '/' && orig[1] != '/' && known_name(orig), "unknown command accepted");
    FUZZ_REQUIRE(c.arg_len == 0 || (c.arg[c.arg_len - 1] != ' ' && c.arg[c.arg_len - 1] != '\t'),
                 "trailing blank kept");
    switch (c.kind) {
    case CMD_CLOSE:
        FUZZ_REQUIRE(session_close_code_sendable(c.code) && c.arg_len <= 123, "close %d", c.code);
        break;
    case CMD_PING:
    case CMD_PONG:
        FUZZ_REQUIRE(c.arg_len <= WS_MAX_CONTROL_PAYLOAD, "control payload %zu", c.arg_len);
        break;
    case CMD_CONNECT:
        FUZZ_REQUIRE(strpbrk(c.arg, " \t") == NULL, "token with a blank");
        break;
    case CMD_BINARY:
        if (c.file != NULL) {
            FUZZ_REQUIRE(*c.file != '\0', "empty file name");
            break;
        }
        /* Every hex digit after the command name, in pairs, is a decoded byte. */
        {
            const char *h = orig + strcspn(orig, " \t");
            size_t k = 0;
            int hi = -1;
            for (; *h; h++) {
                int v = hexval(*h);
                if (v < 0)
                    continue;
                if (hi < 0) {
                    hi = v;
                    continue;
                }
                FUZZ_REQUIRE(k < c.data.len && buf_head(&c.data)[k] == (hi << 4 | v), "byte %zu",
                             k);
                k++;
                hi = -1;
            }
            FUZZ_REQUIRE(k == c.data.len && hi < 0, "%zu bytes decoded, %zu written", c.data.len,
                         k);
        }
        break;
    case CMD_SEND_FILE:
        FUZZ_REQUIRE(c.file != NULL && *c.file != '\0', "/send without a file");
        break;
    default:
        break;
    }
out:
    cmd_free(&c);
    free(line);
    free(orig);
    return 0;
}
