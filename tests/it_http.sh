#!/bin/bash
# The HTTP response head as wsc reads it (src/http.c), against the scripted raw server: its
# limits (64 header fields, 64 KiB) reported as such with exit 8, a head that never ends not
# buffered without bound, and the accepted edge cases (bare LF, a head of exactly 64 KiB).
. "$(dirname "$0")/lib.sh"

RECDIR=$TMP/records
mkdir -p "$RECDIR"
start_server RAW raw "$PY" "$TESTS_DIR/servers/raw_server.py" --port 0 --record-dir "$RECDIR"

# Wait until the raw server is done with the connection (its record ends with eof/reset/...).
wait_done() {
	local i
	for ((i = 0; i < 100; i++)); do
		tail -n1 "$1" 2>/dev/null | grep -qE '^(eof|reset|timeout|no-request)$' && return 0
		sleep 0.05
	done
	return 1
}

# run SCENARIO WSC-ARGS...: one connection to the raw server; REC is its record.
run() {
	local scen=$1
	shift
	REC=$RECDIR/$scen
	rm -f "$REC"
	wsc_run -t 8 "$@" "ws://127.0.0.1:$RAW/$scen"
	wait_done "$REC"
}

t_begin "http: 65 header fields -> 8, \"too many header fields (over 64)\""
run handshake-many-headers -w -1
expect_rc 8
expect_out ''
expect_err_contains "wsc: bad handshake reply: too many header fields (over 64)"
expect_err_lacks "not an HTTP response"
expect_elapsed_below 4
t_end

t_begin "http: a head that never ends -> 8 at 64 KiB, \"response head longer than 64 KiB\""
run handshake-endless-head -w -1
expect_rc 8
expect_out ''
expect_err_contains "wsc: bad handshake reply: response head longer than 64 KiB"
expect_err_lacks "not an HTTP response"
expect_elapsed_below 4
# The server streams up to 64 MiB for 10 s; wsc must stop reading after 64 KiB, so the server
# only got as far as the socket buffers let it.
sent=$(sed -n 's/^note sent //p' "$REC")
expect_that '[ -n "$sent" ] && [ "$sent" -lt $((16 << 20)) ]' \
	"the server sent $(_show "$sent") bytes before wsc hung up (want under 16 MiB)"
t_end

t_begin "http: a 101 head of exactly 64 KiB is accepted"
run handshake-head-64k --count 1
expect_rc 0
expect_out 'hello-64k\n'
t_end

t_begin "http: a 101 with bare LF line ends is accepted"
run handshake-bare-lf --count 1
expect_rc 0
expect_out 'hello-bare-lf\n'
t_end

t_begin "http: a server that is not HTTP is still \"not an HTTP response\""
run handshake-garbage -w -1
expect_rc 8
expect_err_contains "wsc: bad handshake reply: not an HTTP response ('SSH-2.0-OpenSSH_9.2p1"
t_end
