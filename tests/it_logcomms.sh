#!/bin/bash
# Diagnostics on stderr: --log-comms (frames both ways), -v (addresses, headers), -q.
. "$(dirname "$0")/lib.sh"

start_ws P
U=ws://127.0.0.1:$P

MSG=abcdefghijklmnopq # 17 bytes
t_begin "log-comms: text frames both ways with opcode name and length, stdout untouched"
wsc_run --log-comms --count 1 "$U/echo" < <(printf '%s\n' "$MSG")
expect_rc 0
expect_out "$MSG\n"
n=$(grep -iE 'text' "$ERR" | grep -cE '(^|[^0-9])17([^0-9]|$)')
expect_that '[ "$n" -ge 2 ]' "expected 2 TEXT frame lines with length 17 (one each way), found $n"
expect_that '[ "$(grep -iE "text" "$ERR" | grep -E "(^|[^0-9])17([^0-9]|$)" | sort -u | wc -l)" -ge 2 ]' \
	"the two TEXT lines are identical: no direction shown"
expect_err_contains "$MSG"
t_end

t_begin "log-comms: the close frames are logged"
wsc_run --log-comms -w 5 "$U/close-now?code=4000&reason=bye"
expect_rc 41
n=$(grep -ciE 'close' "$ERR")
expect_that '[ "$n" -ge 2 ]' "expected the server's and our CLOSE frames, found $n lines with 'close'"
t_end

t_begin "log-comms: binary frames named BINARY with their length"
wsc_run --log-comms -b --count 1 "$U/echo" < <(printf 'hello\n')
expect_rc 0
n=$(grep -iE 'binary' "$ERR" | grep -cE '(^|[^0-9])5([^0-9]|$)')
expect_that '[ "$n" -ge 2 ]' "expected 2 BINARY frame lines with length 5, found $n"
t_end

t_begin "log-comms: nothing is logged without it"
wsc_run --count 1 "$U/echo" < <(printf '%s\n' "$MSG")
expect_rc 0
expect_out "$MSG\n"
expect_err_lacks "$MSG"
t_end

t_begin "verbose: -v shows the request and response headers"
wsc_run -v --count 1 "$U/echo" < <(printf 'v\n')
expect_rc 0
expect_out 'v\n'
expect_err_contains "GET /echo HTTP/1.1"
expect_err_contains "Upgrade: websocket"
expect_err_contains "Sec-WebSocket-Key:"
expect_err_contains "Sec-WebSocket-Version: 13"
expect_err_contains "HTTP/1.1 101"
expect_err_contains "Sec-WebSocket-Accept:"
t_end

t_begin "verbose: -v shows the resolved address"
wsc_run -v --count 1 "ws://localhost:$P/echo" < <(printf 'v\n')
expect_rc 0
expect_err_contains "127.0.0.1"
t_end

t_begin "verbose: -v shows the path and query names, query values redacted; the server gets them"
wsc_run -v -w 5 "$U/send?n=2"
expect_rc 0
expect_err_contains "GET /send?n=[redacted] HTTP/1.1"
expect_err_lacks "n=2"
expect_out 'message 1\nmessage 2\n'
t_end

t_begin "quiet: -q prints nothing on stderr for a normal run"
wsc_run -q --count 1 "$U/echo" < <(printf 'q\n')
expect_rc 0
expect_out 'q\n'
expect_that '[ ! -s "$ERR" ]' "stderr not empty: $(_show "$(head -c 300 "$ERR")")"
t_end

t_begin "quiet: -q still reports errors"
wsc_run -q -w 5 "$U/close-now?code=4000&reason=bye"
expect_rc 41
expect_err_contains 4000
t_end
