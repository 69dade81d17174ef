/* Unit tests for errkind: every error value of every layer falls in the range of the kind it is
 * meant to have (errkind.h), and no two errors of one layer share a value. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check_common.h"
#include "conn.h"
#include "errkind.h"
#include "frame.h"
#include "handshake.h"
#include "http.h"
#include "session.h"
#include "transport.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

#define N WS_ERRKIND_NEED_MORE
#define P WS_ERRKIND_PROTOCOL
#define A WS_ERRKIND_ARGUMENT
#define R WS_ERRKIND_RESOURCE

static const struct errkind_row {
    const char *layer;
    const char *name;
    long value;
    enum ws_error_kind kind;
} rows[] = {
#define ROW(layer, name, kind)   \
    {                            \
        layer, #name, name, kind \
    }
    ROW("http", HTTP_NEED_MORE, N),
    ROW("http", HTTP_ERR_NOT_HTTP, P),
    ROW("http", HTTP_ERR_VERSION, P),
    ROW("http", HTTP_ERR_LINE, P),
    ROW("http", HTTP_ERR_TOO_MANY_HEADERS, P), /* a limit the peer exceeded: the peer's fault */
    ROW("http", HTTP_ERR_TOO_LONG, P),
    ROW("handshake", HS_NEED_MORE, N),
    ROW("handshake", HS_ERR_MALFORMED, P),
    ROW("handshake", HS_ERR_STATUS, P),
    ROW("handshake", HS_ERR_UPGRADE, P),
    ROW("handshake", HS_ERR_CONNECTION, P),
    ROW("handshake", HS_ERR_ACCEPT, P),
    ROW("handshake", HS_ERR_SUBPROTOCOL, P),
    ROW("handshake", HS_ERR_EXTENSION, P),
    ROW("handshake", HS_ERR_TOO_MANY_HEADERS, P),
    ROW("handshake", HS_ERR_HEAD_TOO_LONG, P),
    ROW("handshake", HS_ERR_HEADER, A),
    ROW("handshake", HS_ERR_HEADER_FORM, A),
    ROW("handshake", HS_ERR_NOMEM, R),
    ROW("handshake", HS_ERR_RANDOM, R),
    ROW("transport", T_AGAIN, N),
    ROW("transport", T_ERR_RESOLVE, P),
    ROW("transport", T_ERR_CONNECT, P),
    ROW("transport", T_ERR_TLS, P),
    ROW("transport", T_ERR_VERIFY, P),
    ROW("transport", T_ERR_RESET, P),
    ROW("transport", T_ERR_CONFIG, A),
    ROW("transport", T_ERR_NOMEM, R),
    ROW("frame", FRAME_ERR_RSV, P),
    ROW("frame", FRAME_ERR_OPCODE, P),
    ROW("frame", FRAME_ERR_CONTROL_FRAGMENTED, P),
    ROW("frame", FRAME_ERR_CONTROL_TOO_LONG, P),
    ROW("frame", FRAME_ERR_MASK, P),
    ROW("frame", FRAME_ERR_LENGTH, P),
    ROW("frame", FRAME_ERR_CONT_UNEXPECTED, P),
    ROW("frame", FRAME_ERR_DATA_IN_FRAGMENT, P),
    ROW("session", SESSION_ERR_PROTOCOL, P),
    ROW("session", SESSION_ERR_UTF8, P),
    ROW("session", SESSION_ERR_TOO_BIG, P),
    ROW("session", SESSION_ERR_ARG, A),
    ROW("session", SESSION_ERR_STATE, A),
    ROW("session", SESSION_ERR_NOMEM, R),
    ROW("session", SESSION_ERR_RANDOM, R),
    ROW("conn", CONN_SEND_INVALID, A),
    ROW("conn", CONN_SEND_STATE, A),
    ROW("conn", CONN_SEND_RESOURCE, R),
#undef ROW
};

START_TEST(every_error_has_its_kind)
{
    const struct errkind_row *r = &rows[_i];
    if (ws_error_kind(r->value) != r->kind)
        ck_abort_msg("%s: %s = %ld is kind %d, want %d", r->layer, r->name, r->value,
                     (int)ws_error_kind(r->value), (int)r->kind);
}
END_TEST

START_TEST(errors_of_one_layer_are_distinct)
{
    for (size_t i = 0; i < NROWS(rows); i++)
        for (size_t j = i + 1; j < NROWS(rows); j++)
            if (strcmp(rows[i].layer, rows[j].layer) == 0 && rows[i].value == rows[j].value)
                ck_abort_msg("%s and %s share %ld", rows[i].name, rows[j].name, rows[i].value);
}
END_TEST

START_TEST(kind_of_values_outside_the_ranges)
{
    ck_assert_int_eq(ws_error_kind(0), WS_ERRKIND_NONE);
    ck_assert_int_eq(ws_error_kind(17), WS_ERRKIND_NONE);
    ck_assert_int_eq(ws_error_kind(-1), WS_ERRKIND_UNKNOWN);
    ck_assert_int_eq(ws_error_kind(-99), WS_ERRKIND_UNKNOWN);
    ck_assert_int_eq(ws_error_kind(-100), WS_ERRKIND_NEED_MORE);
    ck_assert_int_eq(ws_error_kind(-199), WS_ERRKIND_NEED_MORE);
    ck_assert_int_eq(ws_error_kind(-499), WS_ERRKIND_RESOURCE);
    ck_assert_int_eq(ws_error_kind(-500), WS_ERRKIND_UNKNOWN);
}
END_TEST

/* The loop learns what happened to a send from the code alone: not open is CONN_SEND_STATE. */
START_TEST(conn_send_before_open_is_state)
{
    struct conn_config cfg = {
        .role = CONN_CLIENT, .host = "127.0.0.1", .port = 9, .resource = "/", .connect_timeout = 1};
    struct conn_handlers h = {0};
    struct conn *c = conn_new(&cfg, &h, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(conn_send(c, WS_OP_TEXT, (const uint8_t *)"x", 1), CONN_SEND_STATE);
    ck_assert_int_eq(conn_ping(c, NULL, 0), CONN_SEND_STATE);
    ck_assert_int_eq(conn_pong(c, NULL, 0), CONN_SEND_STATE);
    ck_assert_int_eq(ws_error_kind(conn_send(c, WS_OP_BINARY, NULL, 0)), WS_ERRKIND_ARGUMENT);
    conn_free(c);
}
END_TEST

static Suite *errkind_suite(void)
{
    Suite *s = suite_create("errkind");
    TCase *tc = tcase_create("errkind");
    tcase_add_loop_test(tc, every_error_has_its_kind, 0, (int)NROWS(rows));
    tcase_add_test(tc, errors_of_one_layer_are_distinct);
    tcase_add_test(tc, kind_of_values_outside_the_ranges);
    tcase_add_test(tc, conn_send_before_open_is_state);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(errkind_suite)
