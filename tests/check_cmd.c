/* Unit tests for cmd: every REPL command and every refusal, table-driven. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "cmd.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *line;
    int rc;
    enum cmd_kind kind;
    const char *arg;  /* expected arg (NULL: not checked) */
    int code;         /* CMD_CLOSE */
    const char *file; /* expected file, or NULL for none */
    const char *data; /* CMD_BINARY HEX: expected bytes */
    size_t data_len;
    const char *why; /* substring of the explanation on error */
} parse_rows[] = {
    /* plain text and the // escape */
    {"", 0, CMD_NONE, "", 0, NULL, NULL, 0, NULL},
    {"hello world", 0, CMD_SEND, "hello world", 0, NULL, NULL, 0, NULL},
    {"  spaced  ", 0, CMD_SEND, "  spaced  ", 0, NULL, NULL, 0, NULL},
    {"a/b", 0, CMD_SEND, "a/b", 0, NULL, NULL, 0, NULL},
    {"//text", 0, CMD_SEND, "/text", 0, NULL, NULL, 0, NULL},
    {"//", 0, CMD_SEND, "/", 0, NULL, NULL, 0, NULL},
    {"///x y", 0, CMD_SEND, "//x y", 0, NULL, NULL, 0, NULL},
    {"//close 1000", 0, CMD_SEND, "/close 1000", 0, NULL, NULL, 0, NULL},
    /* /connect */
    {"/connect", 0, CMD_CONNECT, "", 0, NULL, NULL, 0, NULL},
    {"/connect tok.en-1", 0, CMD_CONNECT, "tok.en-1", 0, NULL, NULL, 0, NULL},
    {"/connect  tok  ", 0, CMD_CONNECT, "tok", 0, NULL, NULL, 0, NULL},
    {"/connect a b", -1, CMD_CONNECT, NULL, 0, NULL, NULL, 0, "token"},
    /* /disconnect, /status, /help, /quit */
    {"/disconnect", 0, CMD_DISCONNECT, NULL, 0, NULL, NULL, 0, NULL},
    {"/status", 0, CMD_STATUS, NULL, 0, NULL, NULL, 0, NULL},
    {"/help", 0, CMD_HELP, NULL, 0, NULL, NULL, 0, NULL},
    {"/quit", 0, CMD_QUIT, NULL, 0, NULL, NULL, 0, NULL},
    {"/exit", 0, CMD_QUIT, NULL, 0, NULL, NULL, 0, NULL},
    {"/quit now", 0, CMD_QUIT, NULL, 0, NULL, NULL, 0, NULL},
    /* /close alone closes normally: 1000 (cmd.h) */
    {"/close", 0, CMD_CLOSE, "", 1000, NULL, NULL, 0, NULL},
    {"/close 1000", 0, CMD_CLOSE, "", 1000, NULL, NULL, 0, NULL},
    {"/close 1001 going away", 0, CMD_CLOSE, "going away", 1001, NULL, NULL, 0, NULL},
    {"/close   4000   bye  now  ", 0, CMD_CLOSE, "bye  now", 4000, NULL, NULL, 0, NULL},
    {"/close 1003", 0, CMD_CLOSE, "", 1003, NULL, NULL, 0, NULL},
    {"/close 1007", 0, CMD_CLOSE, "", 1007, NULL, NULL, 0, NULL},
    {"/close 1014", 0, CMD_CLOSE, "", 1014, NULL, NULL, 0, NULL},
    {"/close 3000", 0, CMD_CLOSE, "", 3000, NULL, NULL, 0, NULL},
    {"/close 4999 caf\xc3\xa9", 0, CMD_CLOSE, "caf\xc3\xa9", 4999, NULL, NULL, 0, NULL},
    /* codes that are never sent (RFC 6455 §7.4.1, §7.4.2) or out of range */
    {"/close 1004", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 1005", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 1006", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 1015", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 999", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 2999", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 5000", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 0", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close -1000", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close abc", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 1000x", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 1000.5", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    /* 2^32 + 1000: must not wrap around to 1000 */
    {"/close 4294968296", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    {"/close 99999999999999999999", -1, CMD_CLOSE, NULL, 0, NULL, NULL, 0, "code"},
    /* /ping and /pong */
    {"/ping", 0, CMD_PING, "", 0, NULL, NULL, 0, NULL},
    {"/ping hello there", 0, CMD_PING, "hello there", 0, NULL, NULL, 0, NULL},
    {"/ping x  ", 0, CMD_PING, "x", 0, NULL, NULL, 0, NULL},
    {"/pong", 0, CMD_PONG, "", 0, NULL, NULL, 0, NULL},
    {"/pong abc", 0, CMD_PONG, "abc", 0, NULL, NULL, 0, NULL},
    /* /binary HEX */
    {"/binary 01ff", 0, CMD_BINARY, NULL, 0, NULL, "\x01\xff", 2, NULL},
    {"/binary DEADbeef", 0, CMD_BINARY, NULL, 0, NULL, "\xde\xad\xbe\xef", 4, NULL},
    {"/binary 01 ff 20", 0, CMD_BINARY, NULL, 0, NULL, "\x01\xff\x20", 3, NULL},
    {"/binary 01:ff:20", 0, CMD_BINARY, NULL, 0, NULL, "\x01\xff\x20", 3, NULL},
    {"/binary  00\t00 ", 0, CMD_BINARY, NULL, 0, NULL, "\x00\x00", 2, NULL},
    {"/binary abc", -1, CMD_BINARY, NULL, 0, NULL, NULL, 0, "odd"},
    {"/binary 01 f", -1, CMD_BINARY, NULL, 0, NULL, NULL, 0, "odd"},
    {"/binary 0g", -1, CMD_BINARY, NULL, 0, NULL, NULL, 0, "hex"},
    {"/binary 0x01", -1, CMD_BINARY, NULL, 0, NULL, NULL, 0, "hex"},
    {"/binary 01,02", -1, CMD_BINARY, NULL, 0, NULL, NULL, 0, "hex"},
    /* /binary @FILE and /send @FILE: the name keeps inner spaces */
    {"/binary @data.bin", 0, CMD_BINARY, NULL, 0, "data.bin", NULL, 0, NULL},
    {"/binary @my file.bin  ", 0, CMD_BINARY, NULL, 0, "my file.bin", NULL, 0, NULL},
    {"/binary @", -1, CMD_BINARY, NULL, 0, NULL, NULL, 0, "file"},
    {"/send @notes.txt", 0, CMD_SEND_FILE, NULL, 0, "notes.txt", NULL, 0, NULL},
    {"/send @/tmp/a b", 0, CMD_SEND_FILE, NULL, 0, "/tmp/a b", NULL, 0, NULL},
    {"/send notes.txt", -1, CMD_SEND_FILE, NULL, 0, NULL, NULL, 0, "@FILE"},
    {"/send", -1, CMD_SEND_FILE, NULL, 0, NULL, NULL, 0, "@FILE"},
    {"/send @", -1, CMD_SEND_FILE, NULL, 0, NULL, NULL, 0, "@FILE"},
    /* unknown commands */
    {"/foo", -1, CMD_NONE, NULL, 0, NULL, NULL, 0, "unknown"},
    {"/foo bar", -1, CMD_NONE, NULL, 0, NULL, NULL, 0, "unknown"},
    {"/", -1, CMD_NONE, NULL, 0, NULL, NULL, 0, "unknown"},
    {"/ping2", -1, CMD_NONE, NULL, 0, NULL, NULL, 0, "unknown"},
    {"/clos", -1, CMD_NONE, NULL, 0, NULL, NULL, 0, "unknown"},
};

START_TEST(parse_command_table)
{
    char line[512];
    const char *why = NULL;
    struct cmd c;
    snprintf(line, sizeof line, "%s", parse_rows[_i].line);
    size_t line_len = strlen(line);
    int rc = cmd_parse(line, &c, &why);
    const char *in = parse_rows[_i].line;
    ck_assert_msg(rc == parse_rows[_i].rc, "\"%s\": returned %d, want %d (why: %s)", in, rc,
                  parse_rows[_i].rc, why ? why : "-");
    if (rc < 0) {
        ck_assert_msg(why != NULL && *why != '\0', "\"%s\": no explanation", in);
        ck_assert_msg(strchr(why, '\n') == NULL, "\"%s\": explanation has a newline", in);
        ck_assert_msg(strstr(why, parse_rows[_i].why) != NULL,
                      "\"%s\": explanation \"%s\" lacks \"%s\"", in, why, parse_rows[_i].why);
        cmd_free(&c);
        return;
    }
    ck_assert_msg(c.kind == parse_rows[_i].kind, "\"%s\": kind %d, want %d", in, c.kind,
                  parse_rows[_i].kind);
    ck_assert_ptr_nonnull(c.arg);
    if (parse_rows[_i].arg) {
        size_t want = strlen(parse_rows[_i].arg);
        ck_assert_msg(c.arg_len == want && memcmp(c.arg, parse_rows[_i].arg, want) == 0,
                      "\"%s\": arg \"%.*s\" (%zu), want \"%s\"", in, (int)c.arg_len, c.arg,
                      c.arg_len, parse_rows[_i].arg);
        /* a non-empty argument points into the line */
        if (want)
            ck_assert_msg(c.arg >= line && c.arg + c.arg_len <= line + line_len,
                          "\"%s\": arg does not point into the line", in);
    }
    if (c.kind == CMD_CLOSE)
        ck_assert_msg(c.code == parse_rows[_i].code, "\"%s\": code %d, want %d", in, c.code,
                      parse_rows[_i].code);
    if (parse_rows[_i].file) {
        ck_assert_msg(c.file && strcmp(c.file, parse_rows[_i].file) == 0,
                      "\"%s\": file \"%s\", want \"%s\"", in, c.file ? c.file : "(null)",
                      parse_rows[_i].file);
        ck_assert_msg(c.file >= line && c.file < line + line_len,
                      "\"%s\": file does not point into the line", in);
    } else {
        ck_assert_msg(c.file == NULL, "\"%s\": file \"%s\", want none", in, c.file);
    }
    if (parse_rows[_i].data) {
        ck_assert_msg(c.data.len == parse_rows[_i].data_len, "\"%s\": %zu bytes, want %zu", in,
                      c.data.len, parse_rows[_i].data_len);
        ck_assert_msg(memcmp(buf_head(&c.data), parse_rows[_i].data, c.data.len) == 0,
                      "\"%s\": wrong bytes", in);
    }
    cmd_free(&c);
}
END_TEST

/* Build "/name " + n bytes of fill, and parse it. */
static int parse_long_arg(const char *prefix, size_t n, struct cmd *c, const char **why, char *line,
                          size_t cap)
{
    size_t p = strlen(prefix);
    ck_assert_uint_lt(p + n, cap);
    memcpy(line, prefix, p);
    for (size_t i = 0; i < n; i++)
        line[p + i] = (char)(i % 10 == 9 ? ' ' : 'a' + i % 26);
    /* never end on a space: trailing spaces are trimmed */
    if (n)
        line[p + n - 1] = 'z';
    line[p + n] = '\0';
    return cmd_parse(line, c, why);
}

START_TEST(close_reason_123_bytes_ok_124_refused)
{
    char line[512];
    const char *why = NULL;
    struct cmd c;
    ck_assert_int_eq(parse_long_arg("/close 1000 ", 123, &c, &why, line, sizeof line), 0);
    ck_assert_int_eq(c.kind, CMD_CLOSE);
    ck_assert_int_eq(c.code, 1000);
    ck_assert_uint_eq(c.arg_len, 123);
    cmd_free(&c);
    why = NULL;
    ck_assert_int_eq(parse_long_arg("/close 1000 ", 124, &c, &why, line, sizeof line), -1);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "123") != NULL, "why: %s", why);
    cmd_free(&c);
}
END_TEST

START_TEST(ping_pong_payload_125_ok_126_refused)
{
    static const char *const prefixes[] = {"/ping ", "/pong "};
    for (size_t k = 0; k < NROWS(prefixes); k++) {
        char line[512];
        const char *why = NULL;
        struct cmd c;
        ck_assert_int_eq(parse_long_arg(prefixes[k], 125, &c, &why, line, sizeof line), 0);
        ck_assert_int_eq(c.kind, k ? CMD_PONG : CMD_PING);
        ck_assert_uint_eq(c.arg_len, 125);
        cmd_free(&c);
        why = NULL;
        ck_assert_int_eq(parse_long_arg(prefixes[k], 126, &c, &why, line, sizeof line), -1);
        ck_assert_ptr_nonnull(why);
        ck_assert_msg(strstr(why, "125") != NULL, "why: %s", why);
        cmd_free(&c);
    }
}
END_TEST

START_TEST(ping_payload_counts_bytes_not_characters)
{
    /* 63 two-byte characters = 126 bytes: too long, though only 63 characters */
    char line[512] = "/ping ";
    for (int i = 0; i < 63; i++)
        strcat(line, "\xc3\xa9");
    const char *why = NULL;
    struct cmd c;
    ck_assert_int_eq(cmd_parse(line, &c, &why), -1);
    cmd_free(&c);
}
END_TEST

START_TEST(binary_hex_long_input_decodes_every_byte)
{
    char line[4096] = "/binary";
    size_t p = strlen(line);
    for (int i = 0; i < 1000; i++)
        p += (size_t)snprintf(line + p, sizeof line - p, "%s%02x", i % 3 ? "" : " ", i & 0xff);
    const char *why = NULL;
    struct cmd c;
    ck_assert_int_eq(cmd_parse(line, &c, &why), 0);
    ck_assert_int_eq(c.kind, CMD_BINARY);
    ck_assert_uint_eq(c.data.len, 1000);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(buf_head(&c.data)[i], i & 0xff);
    cmd_free(&c);
}
END_TEST

START_TEST(free_after_error_and_twice_is_harmless)
{
    char line[] = "/binary 01 0z";
    const char *why = NULL;
    struct cmd c;
    ck_assert_int_eq(cmd_parse(line, &c, &why), -1);
    cmd_free(&c);
    cmd_free(&c);
    char ok[] = "/binary 0102";
    ck_assert_int_eq(cmd_parse(ok, &c, &why), 0);
    cmd_free(&c);
    cmd_free(&c);
}
END_TEST

START_TEST(table_lists_every_command_and_help_mentions_each)
{
    static const char *const want[] = {"/connect", "/disconnect", "/close", "/ping",
                                       "/pong",    "/binary",     "/send",  "/status",
                                       "/help",    "/quit",       "/exit"};
    size_t n = 0;
    while (cmd_table[n].name != NULL)
        n++;
    ck_assert_uint_eq(n, NROWS(want));
    struct buf help;
    buf_init(&help);
    ck_assert_int_eq(cmd_help_format(&help), 0);
    ck_assert_int_eq(buf_append(&help, "", 1), 0);
    for (size_t i = 0; i < NROWS(want); i++) {
        const struct cmd_entry *e = cmd_find(want[i], strlen(want[i]));
        ck_assert_msg(e != NULL, "cmd_table lacks %s", want[i]);
        ck_assert_str_eq(e->name, want[i]);
        ck_assert_msg(strstr((const char *)buf_head(&help), want[i]) != NULL, "/help lacks %s",
                      want[i]);
    }
    buf_free(&help);
    /* every row parses as itself (with an argument where one is needed) */
    for (size_t j = 0; j < n; j++) {
        char line[64];
        const char *why = NULL;
        struct cmd c;
        bool needs_file = strcmp(cmd_table[j].name, "/send") == 0;
        bool needs_hex = strcmp(cmd_table[j].name, "/binary") == 0;
        snprintf(line, sizeof line, "%s%s", cmd_table[j].name,
                 needs_file  ? " @f"
                 : needs_hex ? " 00"
                             : "");
        ck_assert_msg(cmd_parse(line, &c, &why) == 0, "%s: %s", cmd_table[j].name, why);
        ck_assert_ptr_eq(c.entry, &cmd_table[j]);
        ck_assert_int_eq(c.kind, cmd_table[j].kind);
        ck_assert_int_ne(c.kind, CMD_SEND);
        ck_assert_int_ne(c.kind, CMD_NONE);
        ck_assert_msg(cmd_table[j].run != NULL, "%s has no handler", cmd_table[j].name);
        ck_assert_ptr_nonnull(cmd_table[j].help);
        ck_assert_ptr_nonnull(cmd_table[j].args);
        cmd_free(&c);
    }
    /* a plain line has its own row with a handler (Send Message) */
    char text[] = "hello";
    struct cmd t;
    const char *why = NULL;
    ck_assert_int_eq(cmd_parse(text, &t, &why), 0);
    ck_assert_ptr_nonnull(t.entry);
    ck_assert_ptr_nonnull(t.entry->run);
    cmd_free(&t);
    /* a prefix of a name is not the command */
    ck_assert_ptr_null(cmd_find("/con", 4));
    ck_assert_ptr_null(cmd_find("/connectx", 9));
}
END_TEST

/* /help: one line per row plus the plain-text line, the help text starting in the same column on
 * every line, however long the usage (/close [CODE [REASON]] was one column off). */
START_TEST(help_columns_aligned)
{
    struct buf help;
    buf_init(&help);
    ck_assert_int_eq(cmd_help_format(&help), 0);
    ck_assert_int_eq(buf_append(&help, "", 1), 0);
    char *text = (char *)buf_head(&help);
    ck_assert_msg(text[strlen(text) - 1] != '\n', "no final newline");
    ck_assert(strstr(text, "/close [CODE [REASON]]  ") != NULL);
    size_t rows = 0;
    while (cmd_table[rows].name)
        rows++;
    size_t lines = 0;
    long column = -1;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        /* usage, at least two spaces, then the help: the help starts at the first double space */
        char *gap = strstr(l, "  ");
        ck_assert_msg(gap != NULL, "no gap in \"%s\"", l);
        long col = (long)(gap - l);
        while (l[col] == ' ')
            col++;
        if (column < 0)
            column = col;
        ck_assert_msg(col == column, "\"%s\": help at column %ld, want %ld", l, col, column);
        if (lines == 0)
            ck_assert_msg(strncmp(l, "text", 4) == 0, "first line: %s", l);
        else
            ck_assert_msg(
                strncmp(l, cmd_table[lines - 1].name, strlen(cmd_table[lines - 1].name)) == 0,
                "line %zu: %s", lines, l);
        lines++;
    }
    ck_assert_uint_eq(lines, rows + 1);
    buf_free(&help);
}
END_TEST

static const struct {
    const char *line;
    const char *saved;
} history_rows[] = {
    {"hello", "hello"},
    {"/connect", "/connect"},
    {"/connect s3cr3t-token", "/connect"},
    {"/connect\ts3cr3t", "/connect"},
    {"/connect   s3cr3t  ", "/connect"},
    {"/close 4000 bye", "/close 4000 bye"},
    {"/ping x", "/ping x"},
    {"//connect x", "//connect x"}, /* a message, not the command */
    {"/connectx y", "/connectx y"}, /* unknown: kept as typed */
    {"", ""},
};

START_TEST(history_keeps_no_secret)
{
    const char *l = history_rows[_i].line;
    size_t keep = cmd_history_line(l, strlen(l));
    ck_assert_uint_eq(keep, strlen(history_rows[_i].saved));
    ck_assert(strncmp(l, history_rows[_i].saved, keep) == 0);
}
END_TEST

static Suite *cmd_suite(void)
{
    Suite *s = suite_create("cmd");
    TCase *tc = tcase_create("cmd_parse");
    tcase_add_loop_test(tc, parse_command_table, 0, NROWS(parse_rows));
    tcase_add_test(tc, close_reason_123_bytes_ok_124_refused);
    tcase_add_test(tc, ping_pong_payload_125_ok_126_refused);
    tcase_add_test(tc, ping_payload_counts_bytes_not_characters);
    tcase_add_test(tc, binary_hex_long_input_decodes_every_byte);
    suite_add_tcase(s, tc);

    tc = tcase_create("cmd_free");
    tcase_add_test(tc, free_after_error_and_twice_is_harmless);
    suite_add_tcase(s, tc);

    tc = tcase_create("cmd_table");
    tcase_add_test(tc, table_lists_every_command_and_help_mentions_each);
    suite_add_tcase(s, tc);

    tc = tcase_create("cmd_help_format");
    tcase_add_test(tc, help_columns_aligned);
    suite_add_tcase(s, tc);

    tc = tcase_create("cmd_history_line");
    tcase_add_loop_test(tc, history_keeps_no_secret, 0, NROWS(history_rows));
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(cmd_suite)
